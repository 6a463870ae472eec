"""Helpers the tests share: text extraction from PDF and DOCX, rendering pairs, the typesetting checks.

Imported by the tests directly (``from .helpers import pdf_text``); conftest.py keeps the fixtures."""
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


def pdf_text_and_cells(path) -> str:
    """The PDF's text, then each table cell's text on its own (a cell whose text wraps beside a one-line
    neighbour reads interleaved with it line by line), whitespace removed."""
    import pdfplumber
    with pdfplumber.open(str(path)) as pdf:
        cells = [c or "" for p in pdf.pages for t in p.extract_tables() for row in t for c in row]
    return pdf_text(path) + "|" + "|".join(re.sub(r"\s+", "", c) for c in cells)


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
    # word joiners (U+2060) are layout, not text: the writer puts them where a line must not break
    return re.sub(r"[\s\u2060]+", "", "".join(parts))


def cell_text(cell) -> str:
    """A python-docx table cell's text without the word joiners (U+2060) the writer adds to keep a range
    or a code on one line in Word and LibreOffice."""
    return cell.text.replace("\u2060", "").strip()


def pdfcheck():
    """The typesetting check: docgen's own preflight (``check(path)["problems"]``), always present.

    The independent referee ../shared/tools/pdfcheck.py is run beside it by tests/test_preflight.py."""
    from docgen import preflight
    return preflight


def shared_pdfcheck():
    """The shared referee ../shared/tools/pdfcheck.py, or skip when the repository is not beside it."""
    tool = SHARED / "tools" / "pdfcheck.py"
    if not tool.is_file():
        pytest.skip(f"{tool} not present (the independent referee; docgen.preflight ran instead)")
    sys.path.insert(0, str(tool.parent))
    import pdfcheck as mod
    return mod


def render_pair(out: Path, tid: str, data: dict | None = None, name: str | None = None,
                blank: bool = False) -> tuple[Path, Path]:
    """Render a template (its sample when data is None, a blank pad with blank) to PDF and DOCX under out;
    returns (pdf, docx)."""
    from docgen.api import render_one
    files = render_one(tid, data=data, use_sample=data is None and not blank, blank=blank, out=out / (name or tid),
                       fmt="both")
    return next(p for p in files if p.suffix == ".pdf"), next(p for p in files if p.suffix == ".docx")


def sample_with(tid: str, **changes) -> dict:
    """A template's sample data with some fields changed."""
    from docgen.library.folders import Library
    data = dict(Library().get(tid).sample)
    data.update(changes)
    return data


def texts(files: tuple[Path, Path]) -> list[str]:
    """The PDF text and the DOCX text of a render_pair, both without whitespace."""
    pdf, docx = files
    return [pdf_text(pdf), docx_text(docx)]


def page_count(pdf: Path) -> int:
    """Number of pages of a PDF."""
    import pdfplumber
    with pdfplumber.open(str(pdf)) as doc:
        return len(doc.pages)


def assert_east_asian_fonts(docx: Path) -> None:
    """The Normal style and every text run in the body (tables included) name an East Asian font."""
    from docx import Document
    from docx.oxml.ns import qn
    d = Document(str(docx))
    assert d.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia"))
    runs = [r for r in d.element.body.iter(qn("w:r")) if "".join(t.text or "" for t in r.iter(qn("w:t"))).strip()]
    assert runs, "no text runs"
    for r in runs:
        fonts = r.rPr.rFonts if r.rPr is not None else None
        assert fonts is not None and fonts.get(qn("w:eastAsia")), "".join(t.text for t in r.iter(qn("w:t")))
