"""Table rows as a ruler measures them: a row asked for h=12mm is 12 mm high in the PDF (taller only when its
text needs it), and the DOCX asks Word for the same height, at least."""
from __future__ import annotations

import pytest

from docgen import model as m
from docgen.writers.docx import write_docx
from docgen.writers.pdf import write_pdf

MM = 72 / 25.4
SIZE = 10.5


def _cells(*texts, h=None):
    return [m.Cell([m.Text(t)], height=h) for t in texts]


def _table():
    # at 五号 a cell line is 14.7 pt, the narrow column holds 9 characters: two lines and the paddings come
    # to 11.9 mm, four lines to 22 mm
    two = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未"
    return m.Table([_cells("项目", "说明"),
                    _cells("一行", "签字", h=12 * MM),
                    _cells("两行", two, h=12 * MM),
                    _cells("四行", two * 2, h=12 * MM),
                    _cells("空格", "", h=20 * MM)], widths=[3, 1], size=SIZE)


def _row_heights_pdf(pdf) -> list[float]:
    """Heights (mm) between the table's horizontal rules, top to bottom."""
    import pdfplumber
    with pdfplumber.open(str(pdf)) as doc:
        page = doc.pages[0]
        ys = sorted({round(e["top"], 2) for e in page.edges if e["orientation"] == "h"})
    return [(b - a) / MM for a, b in zip(ys, ys[1:])]


def test_rows_are_the_height_asked_for_or_taller_when_their_text_needs_it(tmp_path):
    pdf = tmp_path / "t.pdf"
    write_pdf(m.Document([_table()]), pdf)
    heights = _row_heights_pdf(pdf)
    assert len(heights) == 5, heights
    one, two, four, empty = heights[1:]
    assert one == pytest.approx(12, abs=0.02)
    assert two == pytest.approx(12, abs=0.02)        # before: 11.93 mm, ReportLab's own height for the text
    assert empty == pytest.approx(20, abs=0.02)
    leading, pad = SIZE * 1.4, SIZE * 0.35
    assert four == pytest.approx((4 * leading + 2 * 0.6 * pad) / MM, abs=0.05) and four > 12


def test_pdf_rows_hold_their_text_inside_their_rules(tmp_path):
    import pdfplumber
    pdf = tmp_path / "t.pdf"
    write_pdf(m.Document([_table()]), pdf)
    with pdfplumber.open(str(pdf)) as doc:
        page = doc.pages[0]
        ys = sorted({round(e["top"], 2) for e in page.edges if e["orientation"] == "h"})
        for c in page.chars:
            assert any(a <= c["top"] and c["bottom"] <= b for a, b in zip(ys, ys[1:])), c["text"]


def test_docx_rows_ask_for_the_same_height_at_least(tmp_path):
    from docx import Document
    from docx.enum.table import WD_ROW_HEIGHT_RULE
    out = tmp_path / "t.docx"
    write_docx(m.Document([_table()]), out)
    rows = Document(str(out)).tables[0].rows
    assert rows[0].height is None
    for row, mm in zip(rows[1:], (12, 12, 12, 20)):
        assert row.height_rule == WD_ROW_HEIGHT_RULE.AT_LEAST
        assert row.height.mm == pytest.approx(mm, abs=0.02)


@pytest.mark.slow
def test_docx_rows_through_libreoffice_are_the_height_asked_for(tmp_path):
    import shutil
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice (soffice) not installed")
    from docgen.engine.word import docxs_to_pdfs
    write_docx(m.Document([_table()]), tmp_path / "t.docx")
    (lo,) = docxs_to_pdfs([tmp_path / "t.docx"], tmp_path, timeout=300)
    heights = _row_heights_pdf(lo)
    assert len(heights) == 5
    for got, mm in zip((heights[1], heights[2], heights[4]), (12, 12, 20)):   # rows their h= holds
        assert got == pytest.approx(mm, abs=0.05), heights
    assert heights[3] > 12
