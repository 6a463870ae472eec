"""api.render_bytes: one document in memory (the web desk's preview), the same content render writes to disk."""
import io

import pdfplumber
import pytest
from docx import Document

from docgen.api import render_bytes, render_one
from docgen.errors import DataError
from docgen.library.folders import Library

SAMPLE = dict(Library().get("fee-dunning-notice").sample)


def _pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def test_pdf_bytes_carry_the_record_and_match_the_file_render_writes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = render_bytes("fee-dunning-notice", SAMPLE, "pdf")
    assert data.startswith(b"%PDF-")
    text = _pdf_text(data)
    assert "龚䶮" in text and "4,409.50" in text and "人民币肆仟肆佰零玖元伍角" in text
    assert list(tmp_path.iterdir()) == []          # nothing written to disk
    (written,) = render_one("fee-dunning-notice", data=dict(SAMPLE), out=tmp_path / "n.pdf")
    assert _pdf_text(written.read_bytes()) == text


def test_docx_bytes_read_back_with_python_docx():
    data = render_bytes("fee-dunning-notice", SAMPLE, "docx")
    doc = Document(io.BytesIO(data))
    body = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "费用催缴通知单" in body and "龚䶮" in body
    assert "物业服务费" in cells and "2,856.70" in cells


def test_data_by_label_and_the_profile_script(tmp_path):
    profile = tmp_path / "docgen.toml"
    profile.write_text('[output]\nscript = "hk"\n', encoding="utf-8")
    by_label = {("业主姓名" if k == "owner_name" else k): v for k, v in SAMPLE.items()}
    text = _pdf_text(render_bytes("fee-dunning-notice", by_label, "pdf", profile_path=profile))
    assert "費用催繳通知單" in text and "3棟1502房" in text and "4,409.50" in text


def test_bad_format_and_bad_data_name_what_was_expected():
    with pytest.raises(DataError) as e:
        render_bytes("fee-dunning-notice", SAMPLE, "odt")  # type: ignore[arg-type]
    assert e.value.field == "format" and "pdf" in (e.value.expected or "")
    bad = dict(SAMPLE, items=[{"item": "物业费", "period": "2026-10", "amount": "一百元"}])
    with pytest.raises(DataError) as e:
        render_bytes("fee-dunning-notice", bad, "pdf")
    assert "amount" in str(e.value) or "欠费金额" in str(e.value)
