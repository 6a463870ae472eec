"""Sample DOCX files through LibreOffice (bundled fonts standing in for 宋体/黑体) against the PDF writer:
key text, page counts, bold Latin and digits, and zero typesetting findings. One batch conversion per
session; skips with the reason when soffice is absent."""
from __future__ import annotations

import shutil
from collections import Counter

import pytest

from docgen import preflight

from .helpers import pdf_text

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) not installed: "
                                "apt-get install libreoffice-writer-nogui")]

KEY_TEXT = {
    "wall-cleaning-notice": ["关于清洗外墙的通知", "翠湖花园物业服务中心"],
    "fee-dunning-notice": ["费用催缴通知单", "4,409.50", "人民币肆仟肆佰零玖元伍角"],
    "renovation-permit": ["装修许可证", "ZX-2026-0188"],
}


@pytest.fixture(scope="session")
def converted(samples, tmp_path_factory):
    """{name: (our PDF, the DOCX converted by LibreOffice)} for every sample and the exam paper and key."""
    from docgen.exam.api import build_exam
    from docgen.engine.word import docxs_to_pdfs
    out, results = samples
    exam = tmp_path_factory.mktemp("lo-exam")
    build_exam("sample", exam, versions=1, seed=2026, fmt="both")
    pairs = [(out / f"{r['id']}.pdf", out / f"{r['id']}.docx") for r in results if not r["error"]]
    pairs += [(exam / f"{n}-A.pdf", exam / f"{n}-A.docx") for n in ("paper", "key")]
    pairs = [(p, d) for p, d in pairs if p.is_file() and d.is_file()]
    work = tmp_path_factory.mktemp("lo")
    lo = docxs_to_pdfs([d for _, d in pairs], work, timeout=600)
    return {d.stem: (p, c) for (p, d), c in zip(pairs, lo)}


def test_sample_docx_converts_with_its_key_text(converted):
    assert len(converted) >= 41
    for name, (_, lo) in converted.items():
        text = pdf_text(lo)
        for key in KEY_TEXT.get(name, []):
            assert key in text, (name, key)
        assert len(text) > 20, name


def test_page_counts_equal(converted):
    differ = {n: (preflight.check_pages(p), preflight.check_pages(c)) for n, (p, c) in converted.items()
              if preflight.check_pages(p) != preflight.check_pages(c)}
    assert not differ, f"PDF vs DOCX→LibreOffice pages: {differ}"


def test_bold_latin_and_digits_are_bold_in_the_docx_too(converted):
    bold_somewhere = 0
    for name, (pdf, lo) in converted.items():
        ours, theirs = Counter(preflight.bold_latin(pdf)), Counter(preflight.bold_latin(lo))
        assert ours == theirs, (name, ours - theirs, theirs - ours)
        bold_somewhere += bool(ours)
    assert bold_somewhere >= 15      # 合计 amounts, dates in 停水/停电, 编号, the 2027 in a title …


def test_converted_docx_has_no_typesetting_findings(converted):
    found = {n: preflight.check(c)["problems"] for n, (_, c) in converted.items()}
    assert not {n: p for n, p in found.items() if p}


def test_preflight_compare_reports_pages_and_bold(converted):
    pdf, lo = converted["fee-dunning-notice"]
    assert preflight.compare(pdf, lo)["problems"] == []
    other_pdf, _ = converted["paper-A"]
    kinds = {p["kind"] for p in preflight.compare(other_pdf, lo)["problems"]}
    assert {"pages", "bold"} <= kinds


def test_exam_paper_docx_keeps_its_seal_line_in_libreoffice(converted):
    from pypdf import PdfReader
    _, lo = converted["paper-A"]
    pages = PdfReader(str(lo)).pages
    for page in (pages[0], pages[-1]):       # header shapes: on every page
        text = page.extract_text().replace(" ", "").replace("\n", "")
        assert all(ch in text for ch in "密封线") and "姓名：" in text and "工号：" in text
    assert "一、单项选择题" in pdf_text(lo)
