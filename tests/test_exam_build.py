"""Building papers: keys that follow the shuffle, versions that differ, nothing leaked, clean typesetting."""
from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from typer.testing import CliRunner

from docgen import model as m
from docgen.model import walk
from docgen.cli import app
from docgen.errors import DataError
from docgen.exam.api import build_exam
from docgen.exam.bank import LETTERS
from docgen.exam.importers import load_bank
from docgen.exam.build import build_papers, load_spec, spec_from_mapping
from docgen.exam.layout import paper_document, plain_text

from .helpers import docx_text, pdf_text, pdfcheck
from .test_exam_bank import AIKEN, GIFT, SHEET, write_xlsx


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    d = tmp_path_factory.mktemp("banks")
    (d / "bank.gift").write_text(GIFT, encoding="utf-8")
    (d / "bank.txt").write_text(AIKEN, encoding="utf-8")
    write_xlsx(d / "bank.xlsx", SHEET)
    return d


@pytest.fixture(scope="module")
def built(sources, tmp_path_factory):
    """Each source bank built into two versions (PDF and DOCX)."""
    out = {}
    for name in ("bank.gift", "bank.txt", "bank.xlsx"):
        target = tmp_path_factory.mktemp(name.replace(".", "-"))
        res = build_exam(sources / name, target, versions=2, seed=11)
        out[name] = (sources / name, target, res)
    return out


def _correct_texts(q):
    if q.type == "single":
        return {q.options[q.answer]}
    return {q.options[i] for i in q.answer}


@pytest.mark.parametrize("name", ["bank.gift", "bank.txt", "bank.xlsx"])
def test_files_and_key_follow_every_shuffle(built, name):
    src, out, res = built[name]
    for v in ("A", "B"):
        for kind in ("paper", "key"):
            assert (out / f"{kind}-{v}.pdf").is_file() and (out / f"{kind}-{v}.docx").is_file()
        assert (out / f"sheet-{v}.pdf").is_file()
    key = json.loads((out / "key.json").read_text(encoding="utf-8"))["versions"]
    bank = load_bank(src).by_id()
    assert sorted(key) == ["A", "B"]
    for v, entries in key.items():
        assert sorted(e["id"] for e in entries) == sorted(bank)
        assert [e["number"] for e in entries] == list(range(1, len(entries) + 1))
        for e in entries:
            q = bank[e["id"]]
            assert e["type"] == q.type and e["points"] == q.points
            if q.type in ("single", "multiple"):
                assert sorted(e["options"]) == sorted(q.options)
                letters = [e["answer"]] if q.type == "single" else e["answer"]
                assert {e["options"][LETTERS.index(a)] for a in letters} == _correct_texts(q), (v, e)
                fixed = [q.options[i] for i in q.fixed_last()]
                if fixed:
                    assert e["options"][-len(fixed):] == fixed
            elif q.type == "truefalse":
                assert e["answer"] is q.answer
            elif q.type == "blank":
                assert e["answer"] == q.answer
            else:
                assert e["answer"] == q.answer


@pytest.mark.parametrize("name", ["bank.gift", "bank.txt", "bank.xlsx"])
def test_versions_differ(built, name):
    key = json.loads((built[name][1] / "key.json").read_text(encoding="utf-8"))["versions"]
    a = [(e["id"], e["options"]) for e in key["A"]]
    b = [(e["id"], e["options"]) for e in key["B"]]
    assert a != b
    text_a = pdf_text(built[name][1] / "paper-A.pdf")
    text_b = pdf_text(built[name][1] / "paper-B.pdf")
    assert text_a != text_b and "（A卷）" in text_a and "（B卷）" in text_b


def _answers(bank):
    """Texts that only the key may show: blank answers, model answers, scoring points."""
    out = []
    for q in bank.questions:
        if q.type == "blank":
            out += [a for alts in q.answer for a in alts]
        elif q.type == "short":
            out += [q.answer] + [s.text for s in q.scoring]
    return [a for a in out if a]


@pytest.mark.parametrize("name", ["bank.gift", "bank.txt", "bank.xlsx"])
def test_no_answer_on_the_paper(built, name):
    src, out, res = built[name]
    bank = load_bank(src)
    secrets = _answers(bank)
    for v in ("A", "B"):
        for text in (pdf_text(out / f"paper-{v}.pdf"), docx_text(out / f"paper-{v}.docx")):
            # An answer may also be a word the printed questions use (“119” as an option, “承重” in
            # “拆改承重墙”): the paper may show it only as often as stems and options do.
            printed = "".join(q.stem + "".join(q.options) for q in bank.questions)
            for s in secrets:
                assert text.count(re.sub(r"\s+", "", s)) <= printed.count(s), (v, s)
            # brackets stay empty: no letter, tick or cross inside （ ）
            assert not re.search(r"（[A-H√×对错]+）", text), v
        key_text = pdf_text(out / f"key-{v}.pdf")
        for s in secrets:
            assert re.sub(r"\s+", "", s) in key_text, s
    for p in res.papers:
        doc = paper_document(p)
        model_text = plain_text(doc)
        for s in secrets:
            assert model_text.count(s) <= printed.count(s), s
        for b in walk.blocks(doc):
            if isinstance(b, m.Paragraph):
                assert all(x.text == "" for x in b.inlines if isinstance(x, m.Blank))


def test_pdfcheck_clean(built):
    mod = pdfcheck()
    for name, (_, out, _) in built.items():
        for pdf in sorted(out.glob("*.pdf")):
            report = mod.check(pdf)
            assert report["problems"] == [], (name, pdf.name, report["problems"])


def test_paper_layout_content(built):
    src, out, res = built["bank.xlsx"]
    text = pdf_text(out / "paper-A.pdf")
    for s in ("姓名", "部门", "工号", "日期", "题号", "总分", "得分", "评卷人", "一、单项选择题（每题2分，共2分）",
              "二、多项选择题（每题3分，共3分）", "五、简答题（每题6分，共6分）", "第1页共", "密", "封", "线"):
        assert s in text, s
    sheet = pdf_text(out / "sheet-A.pdf")
    assert "答题卡" in sheet and "[A][B][C][D]" in sheet and "[√][×]" in sheet
    key = pdf_text(out / "key-A.pdf")
    assert "参考答案及评分标准" in key and "主体" in key and "立即劝阻（2分）" in key


def test_docx_paper_has_the_seal_line_on_every_page(built):
    # The Word paper carries the same 密封线 as the PDF: shapes in the page header (so on every page),
    # 密/封/线 on a dashed line and the 姓名/部门/工号 blanks outside it, in the wider left margin.
    import zipfile
    from docx import Document as DocxDocument
    src, out, res = built["bank.xlsx"]
    docx = out / "paper-A.docx"
    sec = DocxDocument(str(docx)).sections[0]
    assert abs(sec.left_margin.mm - 34) < 0.5
    with zipfile.ZipFile(docx) as z:
        header = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/header"))
    texts = re.findall(r"<w:t[^>]*>([^<]*)</w:t>", header)
    assert texts[:3] == ["密", "封", "线"]
    assert "".join(texts[3:]).replace("\u3000", "") == "姓名：部门：工号："
    assert header.count("<v:line ") == 4 and 'dashstyle="dash"' in header
    assert "bottom-to-top" in header and header.count('<w:u w:val="single"/>') == 3
    from docgen.writers.docx import write_docx
    plain = out.parent / "plain.docx"
    write_docx(paper_document(res.papers[0], seal_line=False), plain)
    with zipfile.ZipFile(plain) as z:
        assert not any("密" in z.read(n).decode() for n in z.namelist() if n.startswith("word/header"))


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    spec = out / "spec.yaml"
    spec.write_text("""\
title: 客服人员岗位知识考试
subtitle: 2026年第一季度
duration: 90
sections:
  - {type: single, count: 20, points: 1.5, difficulty: {易: 8, 中: 8, 难: 4}}
  - {type: multiple, count: 10, points: 3, tags: [应急, 收费, 装修, 制度]}
  - {type: truefalse, count: 10, points: 1}
  - {type: blank, count: 5, points: 2}
  - {type: short, count: 2, difficulty: {中: 0.5, 难: 0.5}}
""", encoding="utf-8")
    res = build_exam("sample", out, spec_path=spec, versions=3, seed=2026)
    return out, res


def test_sample_spec_selection(sample_build):
    out, res = sample_build
    bank = load_bank("sample").by_id()
    key = json.loads((out / "key.json").read_text(encoding="utf-8"))["versions"]
    assert sorted(key) == ["A", "B", "C"]
    a = key["A"]
    assert Counter(e["type"] for e in a) == {"single": 20, "multiple": 10, "truefalse": 10, "blank": 5, "short": 2}
    assert Counter(bank[e["id"]].difficulty for e in a if e["type"] == "single") == {"易": 8, "中": 8, "难": 4}
    assert all(set(bank[e["id"]].tags) & {"应急", "收费", "装修", "制度"} for e in a if e["type"] == "multiple")
    assert Counter(bank[e["id"]].difficulty for e in a if e["type"] == "short") == {"中": 1, "难": 1}
    assert sum(e["points"] for e in a) == 30 + 30 + 10 + 10 + sum(bank[e["id"]].points for e in a if e["type"] == "short")
    # versions: same questions, section by section, in different orders
    for v in ("B", "C"):
        assert [e["type"] for e in key[v]] == [e["type"] for e in a]
        assert sorted(e["id"] for e in key[v]) == sorted(e["id"] for e in a)
        assert [e["id"] for e in key[v]] != [e["id"] for e in a]
    text = pdf_text(out / "paper-A.pdf")
    assert "一、单项选择题（每题1.5分，共30分）" in text and "考试时间：90分钟" in text
    mod = pdfcheck()
    for pdf in ("paper-A.pdf", "paper-B.pdf", "key-A.pdf", "sheet-A.pdf"):
        assert mod.check(out / pdf)["problems"] == [], pdf


def test_seed_reproduces_and_differs():
    bank = load_bank("sample")
    spec = load_spec(None, bank)
    one = [p.key() for p in build_papers(bank, spec, versions=2, seed=5)]
    again = [p.key() for p in build_papers(bank, spec, versions=2, seed=5)]
    other = [p.key() for p in build_papers(bank, spec, versions=2, seed=6)]
    assert one == again and one != other
    # default spec (issue 13): a 100-point paper of 60 questions, one section per type, 90 minutes
    paper = build_papers(bank, spec, versions=1, seed=5)[0]
    assert len(one[0]) == 60 and paper.total == 100 and paper.duration == 90 and not spec.notice
    assert [s.type for s in paper.sections] == ["single", "multiple", "truefalse", "blank", "short"]
    # the whole bank stays available by the built-in spec "full"
    full = build_papers(bank, load_spec("full", bank), versions=1, seed=5)[0]
    assert len(full.items()) == len(bank.questions)
    assert [s.type for s in full.sections] == ["single", "multiple", "truefalse", "blank", "short"]


def test_spec_errors():
    bank = load_bank("sample")
    with pytest.raises(DataError, match="只有"):
        build_papers(bank, spec_from_mapping({"sections": [{"type": "short", "count": 50}]}), seed=1)
    with pytest.raises(DataError, match="难度为「难」"):
        build_papers(bank, spec_from_mapping({"sections": [{"type": "single", "difficulty": {"难": 40}}]}), seed=1)
    with pytest.raises(DataError, match="不符"):
        build_papers(bank, spec_from_mapping({"sections": [{"type": "single", "count": 5,
                                                            "difficulty": {"易": 1, "难": 1}}]}), seed=1)
    with pytest.raises(DataError, match="未知题型"):
        spec_from_mapping({"sections": [{"type": "作文"}]})
    with pytest.raises(DataError, match="未知字段"):
        spec_from_mapping({"sections": [{"type": "single", "cout": 3}]})


def test_cli_build(tmp_path, sources):
    runner = CliRunner()
    r = runner.invoke(app, ["exam", "build", str(sources / "bank.gift"), "--out", str(tmp_path / "o"),
                            "--versions", "2", "--seed", "3", "--format", "pdf", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["seed"] == 3 and data["versions"] == ["A", "B"] and data["questions"] == 6
    assert not (tmp_path / "o" / "paper-A.docx").exists() and (tmp_path / "o" / "paper-A.pdf").exists()
    bad = tmp_path / "bad.gift"
    bad.write_text("没有正确答案 {~甲 ~乙}\n", encoding="utf-8")
    r = runner.invoke(app, ["exam", "build", str(bad), "--out", str(tmp_path / "o2")])
    assert r.exit_code == 2 and "第 1 行" in r.output


def test_paper_graded_end_to_end(tmp_path, sources):
    """Build, answer every question correctly from the key, grade: full marks for everyone."""
    from docgen.exam.grade import grade
    out = tmp_path / "o"
    build_exam(sources / "bank.xlsx", out, versions=2, seed=9, fmt="pdf")
    key = json.loads((out / "key.json").read_text(encoding="utf-8"))["versions"]
    ids = [e["id"] for e in key["A"]]
    rows = [["姓名", "版本"] + ids]
    for v in ("A", "B"):
        by_id = {e["id"]: e for e in key[v]}
        row = [f"考生{v}", v]
        for i in ids:
            e = by_id[i]
            a = e["answer"]
            if e["type"] == "short":
                row.append(str(e["points"]))
            elif e["type"] == "truefalse":
                row.append("对" if a else "错")
            elif e["type"] == "blank":
                row.append("；".join(alts[0] for alts in a))
            else:
                row.append("".join(a))
        rows.append(row)
    resp = tmp_path / "r.csv"
    resp.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    res = grade(out / "key.json", resp)
    assert [(c.name, c.percent) for c in res.candidates] == [("考生A", 100), ("考生B", 100)]


@pytest.mark.parametrize("width_chars", range(6, 30))
def test_answer_bracket_never_splits(width_chars):
    """（　　） holds together at every line width: no line ends with （ before its blank space."""
    from docgen.writers.pdf.linebreak import break_lines
    from docgen.writers.pdf.fonts import fontset
    from docgen.writers.pdf import shape
    from docgen.exam.layout import ANSWER_BRACKET
    glyphs = shape([m.Text("3. 发现电梯困人时，下列做法正确的是" + ANSWER_BRACKET + "。")], fontset(), 12)
    lines = break_lines(glyphs, width_chars * 12 + 0.1)
    texts = ["".join(g.text or ("\u3000" if g.kind == "pad" else "") for g in l.glyphs) for l in lines]
    assert any(ANSWER_BRACKET + "。" in t for t in texts), texts


def test_docx_keep_together_chains_only_its_own_paragraphs(tmp_path):
    """In Word a question stays on one page: its paragraphs keep with the next, the last one does not."""
    from docx import Document as read_docx
    from docx.oxml.ns import qn
    from docgen.writers.docx import write_docx
    doc = m.Document([m.Paragraph([m.Text("前")]),
                      m.KeepTogether([m.Paragraph([m.Text("题干")]), m.Paragraph([m.Text("横线一")]),
                                      m.Paragraph([m.Text("横线二")])]),
                      m.Paragraph([m.Text("下一题")])])
    write_docx(doc, tmp_path / "k.docx")
    paras = read_docx(str(tmp_path / "k.docx")).paragraphs
    keep = {p.text: p._p.pPr is not None and p._p.pPr.find(qn("w:keepNext")) is not None for p in paras}
    assert keep == {"前": False, "题干": True, "横线一": True, "横线二": False, "下一题": False}


def test_hostile_text_prints_literally(tmp_path):
    """Markup-like, HTML-like, rare and traditional characters in questions print as written."""
    bank = tmp_path / "bank.yaml"
    bank.write_text("""\
questions:
  - id: H1
    type: single
    stem: "业主吉𠮷（欧阳喆）说 <b>&\\"'</b> **不是粗体** :blank 时，应（ ）。"
    options: ["A 和 B 都对", "回覆業主：請稍候", "<script>", "以上都不对"]
    answer: B
  - id: H2
    type: blank
    stem: "金额 1,409.50 元（____）"
    answer: ["壹仟肆佰零玖元伍角"]
""", encoding="utf-8")
    build_exam(bank, tmp_path / "o", versions=2, seed=1)
    for v in ("A", "B"):
        text = pdf_text(tmp_path / "o" / f"paper-{v}.pdf")
        for s in ("吉𠮷", "<b>&\"'</b>", "**不是粗体**", ":blank", "回覆業主：請稍候", "<script>", "1,409.50"):
            assert s in text, (v, s)
        assert s in docx_text(tmp_path / "o" / f"paper-{v}.docx")
    key = json.loads((tmp_path / "o" / "key.json").read_text(encoding="utf-8"))["versions"]
    # an option naming others by letter freezes the order; the answer letter stays B in every version
    assert all(e["options"][0] == "A 和 B 都对" and e["answer"] == "B" for v in key for e in key[v] if e["id"] == "H1")
    mod = pdfcheck()
    for pdf in sorted((tmp_path / "o").glob("*.pdf")):
        assert mod.check(pdf)["problems"] == [], pdf.name


def test_docx_options_table_stays_with_its_stem(tmp_path):
    from docx import Document as read_docx
    from docx.oxml.ns import qn
    from docgen.writers.docx import write_docx
    doc = m.Document([m.KeepTogether([m.Paragraph([m.Text("题干")]),
                                      m.Columns([[m.Text(f"{c}. 一个相当长的选项文字{c}")] for c in "ABCD"], n=1)])])
    write_docx(doc, tmp_path / "k.docx")
    d = read_docx(str(tmp_path / "k.docx"))

    def keeps(p):
        return p._p.pPr is not None and p._p.pPr.find(qn("w:keepNext")) is not None
    assert keeps(d.paragraphs[0])
    rows = d.tables[0].rows
    assert [keeps(r.cells[0].paragraphs[0]) for r in rows] == [True, True, True, False]
