"""Shared fixtures: rendered samples, text extraction from PDF and DOCX."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def pdf_text(path) -> str:
    """All text of a PDF, whitespace removed (justification may add spaces)."""
    import pdfplumber
    with pdfplumber.open(str(path)) as pdf:
        return re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in pdf.pages))


def docx_text(path) -> str:
    """All paragraph and table text of a DOCX, whitespace removed."""
    from docx import Document
    d = Document(str(path))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            for c in row.cells:
                parts.append(c.text)
                for inner in c.tables:
                    for r2 in inner.rows:
                        parts.extend(c2.text for c2 in r2.cells)
    for s in d.sections:
        parts.extend(p.text for p in s.footer.paragraphs)
    return re.sub(r"\s+", "", "".join(parts))


def pdfcheck():
    """The shared typography checker (../shared/tools/pdfcheck.py), or skip if it is not beside the repo."""
    tool = SHARED / "tools" / "pdfcheck.py"
    if not tool.is_file():
        pytest.skip(f"{tool} not present")
    sys.path.insert(0, str(tool.parent))
    import pdfcheck as mod
    return mod


@pytest.fixture(scope="session")
def samples(tmp_path_factory):
    """Every built-in template's sample rendered once to PDF and DOCX."""
    from docgen.api import render_samples
    out = tmp_path_factory.mktemp("samples")
    results = render_samples(out)
    return out, results
