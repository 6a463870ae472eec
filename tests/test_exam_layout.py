"""Exam paper layout as a reader sees it: a 100-point default paper with its time, scores, brackets and
blanks that never split, options that hang under their text, a sheet whose every page says whose it is,
a 填涂说明 that names the marks the sheet prints, and a key marked 保密 (PDF, and the DOCX in LibreOffice)."""
from __future__ import annotations

import re
import shutil
import subprocess
from decimal import Decimal

import pdfplumber
import pytest

from docgen import model as m
from docgen.exam.api import build_exam
from docgen.exam.importers import load_bank
from docgen.exam.build import load_spec, spec_from_mapping, build_papers
from docgen.exam.layout import MARK_CLOSE, MARK_OPEN, paper_document, sheet_document

from .helpers import pdf_text, pdfcheck

MM = 72 / 25.4
SEAL_MARGIN = 34 * MM          # the seal line's page has this left margin; text starts there

LONG_OPTION = "请业主先冷静下来，然后详细记录漏水的位置、时间和影响范围，并立即通知维修人员上门查看处理"
HAN = "物业服务中心客服人员应当耐心倾听业主诉求并及时登记处理结果回访满意度"


def _bank_text() -> str:
    """Questions whose scores, brackets and blanks fall at every position of a line."""
    out = ["title: 版式测试题库", "questions:"]
    out += ["  - id: H1", "    type: single", "    stem: 业主投诉楼上漏水三天无人处理，客服人员首先应当（ ）。",
            f"    options: [{LONG_OPTION}, 告诉业主这不归物业管, 让业主自己找楼上协商, 以上都不对]", "    answer: A"]
    for k in range(24):
        stem = (HAN * 3)[:14 + k]
        out += [f"  - id: S{k:02d}", "    type: short", f"    stem: {stem}。", "    answer: 略", "    points: 10"]
        out += [f"  - id: C{k:02d}", "    type: single", f"    stem: {stem}（ ）。",
                "    options: [甲, 乙, 丙, 丁]", "    answer: B"]
        out += [f"  - id: B{k:02d}", "    type: blank", f"    stem: {stem}______，后文。", "    answer: [登记回访]"]
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def layout_build(tmp_path_factory):
    d = tmp_path_factory.mktemp("layout")
    (d / "bank.yaml").write_text(_bank_text(), encoding="utf-8")
    (d / "spec.yaml").write_text("title: 版式测试\nduration: 60\nshuffle_questions: false\nshuffle_options: false\n"
                                 "sections: all\n", encoding="utf-8")
    res = build_exam(d / "bank.yaml", d / "out", spec_path=d / "spec.yaml", versions=1, seed=1)
    return d / "out", res


@pytest.fixture(scope="module")
def default_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("default")
    res = build_exam("sample", out, versions=2, seed=2026)
    return out, res


def _lines(pdf_path, left: float = SEAL_MARGIN - 2):
    """Text lines of each page inside the text block (the seal line's margin left out), with their chars."""
    pages = []
    with pdfplumber.open(str(pdf_path)) as pdf:
        for page in pdf.pages:
            rows: dict[int, list] = {}
            for c in page.chars:
                if c["x0"] >= left and c["upright"]:
                    rows.setdefault(round(c["top"]), []).append(c)
            merged: list[list] = []
            for top in sorted(rows):
                if merged and top - round(merged[-1][0]["top"]) <= 2:
                    merged[-1].extend(rows[top])
                else:
                    merged.append(list(rows[top]))
            pages.append([sorted(r, key=lambda c: c["x0"]) for r in merged])
    return pages


def _line_texts(pdf_path, left: float = SEAL_MARGIN - 2) -> list[str]:
    return ["".join(c["text"] for c in line) for page in _lines(pdf_path, left) for line in page]


def _lo_convert(tmp_path, *docx):
    from docgen.engine.word import soffice_env
    lo = tmp_path / "lo"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "pdf", "--outdir", str(lo), *map(str, docx)],
                   check=True, capture_output=True, timeout=600, env=soffice_env(tmp_path))
    return lo


needs_soffice = pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) not installed")

# ---------------------------------------------------------------- the default paper


def test_default_paper_is_100_points_with_its_time_in_the_header(default_build):
    out, res = default_build
    with pdfplumber.open(str(out / "paper-A.pdf")) as pdf:
        first = pdf.pages[0]
        header = re.sub(r"\s+", "", first.crop((0, 0, first.width, first.height * 0.25)).extract_text())
    assert "考试时间：90分钟" in header and "满分：100分" in header, header
    text = pdf_text(out / "paper-A.pdf")
    # the section headings a reader adds up: 一、单项选择题（每题1分，共30分）…
    totals = [Decimal(x) for x in re.findall(r"[一二三四五六七八九十]、[^（]+（(?:每题[\d.]+分，)?共([\d.]+)分）", text)]
    assert len(totals) == 5 and sum(totals) == 100, totals
    assert "一、单项选择题（每题1分，共30分）" in text and "五、简答题（每题10分，共30分）" in text
    assert len(res.papers[0].items()) == 60 and "60." in text and "61." not in text
    assert "满分100分" in pdf_text(out / "key-A.pdf")


def test_full_bank_stays_available_by_a_spec(tmp_path):
    bank = load_bank("sample")
    res = build_exam("sample", tmp_path, spec_path="full", versions=1, seed=1, fmt="pdf")
    assert len(res.papers[0].items()) == len(bank.questions)
    assert res.papers[0].total == sum(q.points for q in bank.questions)
    # no time in that spec: estimated from the questions and printed all the same
    assert f"考试时间：{res.papers[0].duration}分钟" in pdf_text(tmp_path / "paper-A.pdf")


def test_small_bank_says_why_it_is_not_100_points(tmp_path):
    bank = tmp_path / "b.yaml"
    bank.write_text("questions:\n  - {id: Q1, type: truefalse, stem: 对吗（ ）, answer: 对}\n"
                    "  - {id: Q2, type: single, stem: 选（ ）, options: [甲, 乙], answer: A}\n", encoding="utf-8")
    spec = load_spec(None, load_bank(bank))
    assert "100 分" in spec.notice and "单项选择题" in spec.notice and spec.every_type
    assert spec.notice.endswith("可用 spec 指定组卷规格")          # the library names its parameter
    from typer.testing import CliRunner
    from docgen.cli import app
    r = CliRunner().invoke(app, ["exam", "build", str(bank), "--out", str(tmp_path / "o"), "--format", "pdf"])
    assert r.exit_code == 0 and "提示" in r.output and "100 分" in r.output, r.output
    assert "可用 --spec 指定组卷规格" in r.output, r.output           # the CLI its option


def test_duration_false_leaves_the_time_off(tmp_path):
    bank = load_bank("sample")
    spec = spec_from_mapping({"duration": False, "sections": [{"type": "truefalse", "count": 3}]})
    paper = build_papers(bank, spec, versions=1, seed=1)[0]
    assert paper.duration == 0
    from docgen.exam.layout import plain_text
    assert "考试时间" not in plain_text(paper_document(paper))


def test_scoring_points_follow_the_points_the_spec_gives():
    """An 8-point question set to 10 points: its four 2-point scoring points print as 2.5 each, adding up."""
    bank = load_bank("sample")
    spec = spec_from_mapping({"sections": [{"type": "short", "points": 10}]})
    paper = build_papers(bank, spec, versions=1, seed=1)[0]
    for item in paper.items():
        entry = item.key_entry(1)
        assert sum(Decimal(str(s["points"])) for s in entry["scoring"]) == 10, entry["id"]
        if item.question.points == 8:
            assert [s["points"] for s in entry["scoring"]] == [2.5] * 4


# ---------------------------------------------------------------- nothing splits


SCORE = re.compile(r"（[\d.\n]+分\n?）")


def _assert_nothing_splits(lines: list[str], where: str):
    joined = "\n".join(lines)
    scores = SCORE.findall(joined)
    assert scores and all("\n" not in s for s in scores), (where, [s for s in scores if "\n" in s])
    for a, b in zip(lines, lines[1:]):
        assert not a.endswith("（"), (where, a, b)                     # an answer bracket torn open
        assert not (a.endswith("＿") and b.startswith("＿")), (where, a, b)   # a blank in two pieces
        assert not re.search(r"（[\d.]*$", a), (where, a, b)


def test_scores_brackets_and_blanks_never_split_in_the_pdf(layout_build):
    out, res = layout_build
    lines = _line_texts(out / "paper-A.pdf")
    # the bank puts them at every position of a line: some do land at a line end
    assert sum(1 for l in lines if l.endswith("）") or l.endswith("）。")) >= 5
    _assert_nothing_splits(lines, "paper-A.pdf")
    _assert_nothing_splits(_line_texts(out / "key-A.pdf", 0), "key-A.pdf")
    _assert_nothing_splits(_line_texts(out / "sheet-A.pdf"), "sheet-A.pdf")
    mod = pdfcheck()
    for pdf in sorted(out.glob("*.pdf")):
        found = [p for p in mod.check(pdf)["problems"] if p["kind"] in ("kinsoku", "split", "range", "tofu")]
        assert found == [], (pdf.name, found)


@pytest.mark.slow
@needs_soffice
def test_scores_brackets_and_blanks_never_split_in_the_docx(layout_build, tmp_path):
    out, res = layout_build
    lo = _lo_convert(tmp_path, out / "paper-A.docx", out / "key-A.docx")
    _assert_nothing_splits(_line_texts(lo / "paper-A.pdf"), "paper-A.docx")
    _assert_nothing_splits(_line_texts(lo / "key-A.pdf", 0), "key-A.docx")
    mod = pdfcheck()
    for pdf in (lo / "paper-A.pdf", lo / "key-A.pdf"):
        found = [p for p in mod.check(pdf)["problems"] if p["kind"] in ("kinsoku", "split", "range", "tofu")]
        assert found == [], (pdf.name, found)


# ---------------------------------------------------------------- options hang under their text


def _hang(pdf_path) -> tuple[float, float, float]:
    """x of the long option's letter, of its text, and of its wrapped second line."""
    for page in _lines(pdf_path):
        texts = ["".join(c["text"] for c in line) for line in page]
        for i, t in enumerate(texts):
            if LONG_OPTION[:8] in t:
                line = page[i]
                start = t.index(LONG_OPTION[:8])
                letter = next(c for c in line if c["text"] == "A")
                assert LONG_OPTION[:20] not in texts[i + 1] and texts[i + 1][:4] in LONG_OPTION, texts[i:i + 2]
                return letter["x0"], line[start]["x0"], page[i + 1][0]["x0"]
    raise AssertionError("long option not found")


def test_wrapped_option_lines_hang_under_the_option_text(layout_build):
    out, res = layout_build
    letter, text, wrapped = _hang(out / "paper-A.pdf")
    assert abs(wrapped - text) < 1.0 and wrapped > letter + 6, (letter, text, wrapped)


@pytest.mark.slow
@needs_soffice
def test_wrapped_option_lines_hang_in_the_docx_too(layout_build, tmp_path):
    out, res = layout_build
    lo = _lo_convert(tmp_path, out / "paper-A.docx")
    letter, text, wrapped = _hang(lo / "paper-A.pdf")
    assert abs(wrapped - text) < 1.5 and wrapped > letter + 6, (letter, text, wrapped)


def test_options_carry_their_labels_in_the_model(default_build):
    out, res = default_build
    doc = paper_document(res.papers[0])
    cols = [b for g in doc.blocks if isinstance(g, m.KeepTogether) for b in g.blocks if isinstance(b, m.Columns)]
    assert cols and all(c.hanging and c.labels() == [f"{x}." for x in "ABCDEFGH"[:len(c.items)]] for c in cols)


# ---------------------------------------------------------------- the answer sheet


def test_every_answer_sheet_page_says_whose_it_is(layout_build, default_build):
    for out in (layout_build[0], default_build[0]):
        with pdfplumber.open(str(out / "sheet-A.pdf")) as pdf:
            assert len(pdf.pages) >= 2
            for no, page in enumerate(pdf.pages, 1):
                margin = "".join(c["text"] for c in page.chars if c["x1"] < SEAL_MARGIN)
                for ch in "密封线姓名部门工号":
                    assert ch in margin, (out.name, no, ch)
                dashed = [e for e in page.edges if e["x0"] < SEAL_MARGIN and e["orientation"] == "v"]
                assert sum(e["height"] for e in dashed) > page.height * 0.5, (out.name, no)


def test_fill_in_instructions_name_the_mark_the_sheet_prints(default_build):
    out, res = default_build
    text = pdf_text(out / "sheet-A.pdf")
    note = text[text.index("填涂说明"):text.index("一、")]
    assert "[A][B][C][D]" in text and "[√][×]" in text
    assert MARK_OPEN == "[" and MARK_CLOSE == "]"
    assert "方括号“[]”" in note and "[√]" in note and "[×]" in note, note
    assert "方框" not in note and "圆" not in note and "打“√”" not in note, note
    # the model: every mark on the sheet is that bracket shape
    from docgen.exam.layout import plain_text
    sheet = plain_text(sheet_document(res.papers[0]))
    marks = re.findall(r"(\S)[A-H√×](\S)", "".join(re.findall(r"\[[A-H√×]\]", sheet)))
    assert marks and set(marks) == {("[", "]")}


# ---------------------------------------------------------------- the key


def test_key_is_marked_secret(default_build):
    out, res = default_build
    with pdfplumber.open(str(out / "key-A.pdf")) as pdf:
        top = pdf.pages[0].crop((0, 0, pdf.pages[0].width, 120)).extract_text()
    assert "保密" in top
    from docx import Document
    assert "保密" in Document(str(out / "key-A.docx")).paragraphs[0].text
    assert "保密" not in pdf_text(out / "paper-A.pdf") and "保密" not in pdf_text(out / "sheet-A.pdf")
