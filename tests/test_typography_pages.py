"""Where pages break near the end of a sealed notice: the signature never stands on a page alone, it takes the
closing line (特此通知。) and the last lines of the body paragraph with it; no paragraph leaves a single line at
a page's foot or top. Measured on the printed pages with pdfplumber, in the PDF and in the DOCX through
LibreOffice."""
from __future__ import annotations

import shutil

import pytest

from docgen import model as m
from docgen.writers.pdf import write_pdf

from .helpers import render_pair, sample_with
from .layoutcheck import pdf_lines
from .sealcheck import seal_boxes
from .test_seal import make_seal

FILL = "物业服务中心将按计划组织施工，请各位业主、住户留意现场公告并相互转告。"
LAST = "如对本次施工安排有疑问，请在工作日到物业服务中心咨询，我们将认真听取大家的意见和建议，" * 3


def _doc(fillers: int, seal=None) -> m.Document:
    blocks: list[m.Block] = [m.Paragraph([m.Text(FILL * 2)]) for _ in range(fillers)]
    blocks += [m.Paragraph([m.Text(LAST)]), m.Paragraph([m.Text("特此通知。")]),
               m.Signature([[m.Text("翠湖花园物业服务中心")], [m.Text("2026年11月23日")]], seal=seal)]
    return m.Document(blocks)


def _pages_of(lines, text):
    return [ln.page for ln in lines if ln.text in text]


@pytest.mark.parametrize("sealed", [False, True])
def test_signature_takes_the_end_of_the_body_to_the_next_page(tmp_path, sealed):
    seal = make_seal(tmp_path / "seal.png") if sealed else None
    broke = 0
    for fillers in range(6, 16):
        pdf = tmp_path / f"n{fillers}.pdf"
        write_pdf(_doc(fillers, seal), pdf)
        lines = [ln for ln in pdf_lines(pdf) if not ln.text.startswith("第")]
        sig = next(ln for ln in lines if ln.text == "翠湖花园物业服务中心")
        closing = next(ln for ln in lines if ln.text == "特此通知。")
        last = [ln for ln in lines if ln.text in LAST]
        assert closing.page == sig.page
        assert sum(ln.page == sig.page for ln in last) >= 2, (fillers, [ln.text for ln in last])
        assert all(n != 1 for n in (sum(ln.page == p for ln in last) for p in {ln.page for ln in last}))
        # a three-line filler paragraph is never cut (a cut would leave one line alone on a page)
        filler = [ln for ln in lines if ln.text in FILL * 2 and ln.text not in LAST]
        per_para = len(filler) // fillers
        assert per_para == 3 and len(filler) == 3 * fillers
        assert all(sum(ln.page == p for ln in filler) % 3 == 0 for p in {ln.page for ln in filler}), fillers
        if sealed:
            assert {page for page, _ in seal_boxes(pdf)} == {sig.page}
        broke += sig.page > 1 and last[0].page < sig.page
    assert broke, "no case put the page break inside the last paragraph"


LONG = dict(contractor="浙江省滨江市智联安防与智能化系统集成工程有限公司")


@pytest.fixture(scope="module")
def long_notice(tmp_path_factory):
    """works-completion-notice, which has 3 mm to spare with a seal, with a long contractor name and a long
    office name: it goes onto a second page."""
    from docgen.api import render_one
    tmp = tmp_path_factory.mktemp("long")
    make_seal(tmp / "seal.png")
    prof = tmp / "docgen.toml"
    prof.write_text('[org]\nseal = "seal.png"\noffice = "滨江市南湖区翠湖花园小区物业服务中心"\n', encoding="utf-8")
    files = render_one("works-completion-notice", data=sample_with("works-completion-notice", **LONG),
                       out=tmp / "wc", fmt="both", profile_path=prof)
    return next(p for p in files if p.suffix == ".pdf"), next(p for p in files if p.suffix == ".docx")


def _assert_graceful(pdf):
    lines = [ln for ln in pdf_lines(pdf) if not ln.text.startswith("第")]
    last_page = max(ln.page for ln in lines)
    assert last_page == 2, pdf
    on_last = [ln.text for ln in lines if ln.page == last_page]
    i = on_last.index("特此通告。")
    assert i >= 2, on_last                              # body lines above the closing line
    assert "感谢您的理解与配合！" in "".join(on_last[:i])   # the end of the last body paragraph
    assert any("滨江市南湖区翠湖花园小区物业服务中心" in t for t in on_last[i + 1:])
    assert {page for page, _ in seal_boxes(pdf)} == {last_page}


def test_a_long_name_pushes_the_notice_over_gracefully_in_the_pdf(long_notice):
    _assert_graceful(long_notice[0])


@pytest.mark.slow
def test_a_long_name_pushes_the_notice_over_gracefully_in_the_docx(long_notice, tmp_path):
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice (soffice) not installed")
    from docgen.engine.word import docxs_to_pdfs
    (lo,) = docxs_to_pdfs([long_notice[1]], tmp_path, timeout=300)
    _assert_graceful(lo)


def test_docx_keeps_the_paragraph_before_a_closing_line_with_it(tmp_path):
    from docx import Document
    from docgen.writers.docx import write_docx
    write_docx(_doc(2), tmp_path / "t.docx")
    d = Document(str(tmp_path / "t.docx"))
    paras = [p for p in d.paragraphs if p.text.strip()]
    keep = {p.text.replace("\u2060", "")[:6]: bool(p.paragraph_format.keep_with_next) for p in paras}
    assert keep[LAST[:6]] and keep["特此通知。"] and not keep[FILL[:6]]
    assert d.styles["Normal"].paragraph_format.widow_control is True
