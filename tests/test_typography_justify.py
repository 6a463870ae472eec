"""Justified body text as a reader sees it: full lines flush with both margins in every sample, no hole left
at a line's end by a date kept whole or a long fill-in blank, no number parted from its 年/月/日."""
from __future__ import annotations

import pytest

from docgen import model as m
from docgen.library.folders import Library
from docgen.writers.pdf.fonts import fontset
from docgen.writers.pdf.flowables import shape
from docgen.writers.pdf.linebreak import break_lines, longest_unit

from .helpers import shared_pdfcheck
from .layoutcheck import flush_findings, paragraph_lines, pdf_lines, justified_paragraphs, sample_document

UNITS = set("年月日")


def _texts(lines):
    return ["".join(g.text for g in ln.glyphs) for ln in lines]


@pytest.mark.parametrize("width_chars", range(4, 24))
def test_a_date_breaks_between_its_parts_only(width_chars):
    size = 12.0
    glyphs = shape([m.Text("请于2026年10月15日前缴清，自2026年12月1日至2029年11月30日止。")], fontset(), size)
    lines = _texts(break_lines(glyphs, width_chars * size + 0.1, 0.0, size))
    for a, b in zip(lines, lines[1:]):
        assert not (a[-1].isdigit() and (b[0].isdigit() or b[0] in UNITS)), (a, b)
    assert "".join(lines) == "请于2026年10月15日前缴清，自2026年12月1日至2029年11月30日止。"


def test_the_line_before_a_date_is_filled_with_its_first_parts():
    # room for 请于2026年10月 but not the whole date: the line takes 2026年10月 and 15日 goes on
    size = 12.0
    glyphs = shape([m.Text("请于2026年10月15日前缴清。")], fontset(), size)
    head = shape([m.Text("请于2026年10月")], fontset(), size)
    width = sum(g.width for g in head) + size * 0.5
    assert _texts(break_lines(glyphs, width, 0.0, size))[0] == "请于2026年10月"
    # a table column is still sized for the whole date
    date = shape([m.Text("2026年10月15日")], fontset(), size)
    assert longest_unit(glyphs) >= sum(g.width for g in date) - 0.01


def test_a_long_empty_blank_goes_on_at_the_next_line_a_short_one_stays_whole():
    size = 12.0
    fonts = fontset()
    text = [m.Text("内容为："), m.Blank(18), m.Text("（详见方案）。")]
    lines = break_lines(shape(text, fonts, size), 12 * size + 0.1, 0.0, size)
    assert abs(lines[0].width - 12 * size) < 0.01          # the first line ends flush, its underline to the margin
    pads = [sum(1 for g in ln.glyphs if g.kind == "pad") for ln in lines]
    assert sum(pads) == 18 and all(n == 0 or n >= 2 for n in pads), pads     # no sliver of a blank
    short = break_lines(shape([m.Text("一二三四五六七八九十"), m.Blank(4), m.Text("。")], fonts, size),
                        12 * size + 0.1, 0.0, size)
    assert [sum(1 for g in ln.glyphs if g.kind == "pad") for ln in short] == [0, 2]   # 4 chars: two halves


def _all_sample_pdfs(out, profile=None):
    for tid in Library().ids():
        for blank in (False, True):
            pdf = out / f"{tid}{'-blank' if blank else ''}.pdf"
            if pdf.is_file():
                doc = sample_document(tid, blank, profile)
                if doc is not None:
                    yield pdf, doc


def _flush_report(out, profile=None):
    paras = lines = 0
    problems = {}
    for pdf, doc in _all_sample_pdfs(out, profile):
        n, measured, found = flush_findings(pdf, doc)
        paras, lines = paras + n, lines + measured
        if found:
            problems[pdf.name] = found
    return paras, lines, problems


def test_full_lines_of_justified_paragraphs_are_flush_in_every_sample(samples):
    out, _ = samples
    paras, lines, problems = _flush_report(out)
    assert paras >= 450 and lines >= 350, (paras, lines)     # the measure found the body text
    assert not problems, problems


def test_full_lines_are_flush_with_a_seal_configured_too(sealed_samples):
    out, _ = sealed_samples
    paras, lines, problems = _flush_report(out, out.parent / "docgen.toml")
    assert paras >= 450 and lines >= 350, (paras, lines)
    assert not problems, problems


def test_the_demand_letters_date_line_is_flush(samples):
    # before: 我中心已于 ended the line 5.8 em short, 2026年10月15日 whole on the next
    out, _ = samples
    doc = sample_document("demand-letter")
    (p, lines), = [(p, ls) for p, ls in paragraph_lines(pdf_lines(out / "demand-letter.pdf"),
                                                        justified_paragraphs(doc)) if "我中心已于" in p.text]
    line = next(ln for ln in lines if "我中心已于" in ln.text)
    assert line is not lines[-1] and p.right - line.x1 < 0.05 * p.size
    assert line.text.endswith(("年", "月", "日"))


def test_no_number_parted_from_its_unit_in_any_sample(samples, sealed_samples):
    parted = []
    for out, prof in ((samples[0], None), (sealed_samples[0], sealed_samples[0].parent / "docgen.toml")):
        for pdf, doc in _all_sample_pdfs(out, prof):
            for _, lines in paragraph_lines(pdf_lines(pdf), justified_paragraphs(doc)):
                for a, b in zip(lines, lines[1:]):
                    if a.text[-1].isdigit() and (b.text[0].isdigit() or b.text[0] in UNITS):
                        parted.append((pdf.name, a.text[-8:], b.text[:8]))
    assert not parted, parted


def test_shared_pdfcheck_finds_nothing_in_any_sample_plain_or_sealed(samples, sealed_samples):
    referee = shared_pdfcheck()
    pdfs = sorted(samples[0].glob("*.pdf")) + sorted(sealed_samples[0].glob("*.pdf"))
    assert len(pdfs) >= 200
    found = {str(p): r["problems"] for p in pdfs if (r := referee.check(p))["problems"]}
    assert not found, found
