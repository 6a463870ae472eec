"""Importing real-world banks (issue 12): every GIFT question type with its key, banks typed without
blank lines, descriptions, malformed Aiken blocks, partial imports; then the new types on the paper,
in key.json and in grading. The fixtures are our own, written from what the GIFT corpus and Moodle's
import fixtures test."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from docx import Document as DocxDocument
from docx.oxml.ns import qn
from typer.testing import CliRunner

from docgen.cli import app
from docgen.errors import DataError
from docgen.exam.api import build_exam
from docgen.exam.bank import LETTERS
from docgen.exam.yamlbank import dump_bank
from docgen.exam.importers import load_bank
from docgen.exam.grade import grade, score_item
from docgen.exam.key import load_key
from docgen.exam.importers import import_questions

from .helpers import docx_text, pdf_text

FULL = """\
// 物业服务综合题库（GIFT）
$CATEGORY: $course$/top/客服

::说明:: 以下题目依据《物业管理条例》和本中心服务规范作答。

// [id:KF-01] [difficulty:易]
::KF-01:: 业主来电报修时，客服人员首先应当（ ）。{
  =记录报修内容并确认联系方式#正确
  ~%50%告知维修师傅的电话
  ~让业主自行联系维修单位
}

::KF-02:: 下列属于客服接待礼仪的有 {
  ~%50%起身微笑问候
  ~%50%使用文明用语
  ~%-100%边接电话边吃东西
}

::KF-03:: 业主装修期间可以在公共走道堆放建筑垃圾。{FALSE#不可以，应当日清运}

::KF-04:: 物业服务费一般按房屋的____面积计收。{=建筑 =%50%套内}

::KF-05:: 消防控制室实行几小时值班？{24小时}

::GC-01:: 生活水箱每年至少清洗消毒几次？{#2}

::GC-02:: 供暖期卧室温度不低于多少摄氏度为合格（允许误差 1 度）？{#18:1}

::GC-03:: 电梯定期检验的间隔一般为几个月？{#11..13}

::GC-04:: 普通住宅层高一般不低于多少米？{#
  =2.8:0#正确
  =%50%2.8:0.2#接近
}

$CATEGORY: $course$/top/协调
::PP-01:: 将下列事项与负责部门配对。{
  =电梯困人 -> 工程部
  =业主投诉 -> 客服部
  =车辆乱停 -> 秩序部
  = -> 财务部
}

::JD-01:: 请简述小区停水时的应急处理流程。{
####提前发布停水通知；协调储备用水；跟进恢复供水并回访。
}

::KF-06::[html]<p>小区<b>消防通道</b>内<!-- 旧题，2019 年版 -->可以临时停放车辆。</p>{F}

::KF-07::[markdown]装修申报时须提交**施工图纸**和*施工队资质*。{T}

::KF-08:: 电梯困人时的正确处置顺序是（ ）。{
  =安抚被困人员 -> 通知维保单位 -> 专业人员救援
  ~[plain]专业人员救援 -> 安抚被困人员 -> 通知维保单位
}

::KF-09:: 公告中“\\{小区名称\\}”一类的占位符应当\\: {=替换为实际名称 ~原样保留}
"""


@pytest.fixture()
def full(tmp_path):
    p = tmp_path / "full.gift"
    p.write_text(FULL, encoding="utf-8")
    return p


def test_every_gift_type_imports_with_its_key(full):
    res = import_questions(full)
    assert res.problems == []
    q = res.bank.by_id()
    assert list(q) == ["KF-01", "KF-02", "KF-03", "KF-04", "KF-05", "GC-01", "GC-02", "GC-03", "GC-04", "PP-01",
                       "JD-01", "KF-06", "KF-07", "KF-08", "KF-09"]
    # A 100 % answer makes a single choice; the 50 % one is partial credit, not a second right answer.
    assert (q["KF-01"].type, q["KF-01"].answer, q["KF-01"].credit) == ("single", 0, {1: Decimal(50)})
    # All-positive weights summing to 100 make a multiple-answer question.
    assert (q["KF-02"].type, q["KF-02"].answer, q["KF-02"].credit) == ("multiple", [0, 1], None)
    assert (q["KF-03"].type, q["KF-03"].answer) == ("truefalse", False)
    # A stem that already has ____ keeps its one blank; =%50% is partial credit for that blank.
    assert q["KF-04"].stem == "物业服务费一般按房屋的____面积计收。"
    assert (q["KF-04"].answer, q["KF-04"].credit) == ([["建筑"]], [{"套内": Decimal(50)}])
    # One answer without = is a short answer.
    assert (q["KF-05"].type, q["KF-05"].answer, q["KF-05"].stem) == ("blank", [["24小时"]], "消防控制室实行几小时值班？____")
    ranges = {i: [(r.low, r.high, r.credit) for r in q[i].numeric] for i in ("GC-01", "GC-02", "GC-03", "GC-04")}
    assert ranges == {"GC-01": [(2, 2, 100)], "GC-02": [(17, 19, 100)], "GC-03": [(11, 13, 100)],
                      "GC-04": [(Decimal("2.8"), Decimal("2.8"), 100), (Decimal("2.6"), Decimal("3.0"), 50)]}
    assert all(q[i].type == "blank" and q[i].blank_count() == 1 for i in ranges)
    match = q["PP-01"]
    assert (match.type, match.left, match.options, match.answer) == (
        "matching", ["电梯困人", "业主投诉", "车辆乱停"], ["工程部", "客服部", "秩序部", "财务部"], [0, 1, 2])
    assert match.tags == ["协调"] and q["KF-01"].tags == ["客服"] and q["KF-01"].difficulty == "易"
    assert (q["JD-01"].type, q["JD-01"].answer) == ("short", "提前发布停水通知；协调储备用水；跟进恢复供水并回访。")
    # HTML becomes text (the comment vanishes); markdown bold is kept as bold, italics as plain text.
    assert (q["KF-06"].stem, q["KF-06"].answer) == ("小区消防通道内可以临时停放车辆。", False)
    assert (q["KF-07"].stem, q["KF-07"].format) == ("装修申报时须提交**施工图纸**和施工队资质。", "markdown")
    # -> inside the answers of a choice question is text; an answer's own [plain] marker is dropped.
    assert q["KF-08"].type == "single" and q["KF-08"].options[1] == "专业人员救援 -> 安抚被困人员 -> 通知维保单位"
    assert q["KF-09"].stem == "公告中“{小区名称}”一类的占位符应当:"
    assert [(d.title, d.stem, d.line) for d in res.descriptions] == [
        ("说明", "以下题目依据《物业管理条例》和本中心服务规范作答。", 4)]


def test_new_types_survive_the_yaml_bank(full, tmp_path):
    res = import_questions(full)
    out = tmp_path / "bank.yaml"
    out.write_text(dump_bank(res.bank, res.descriptions), encoding="utf-8")
    assert "以下题目依据" in out.read_text(encoding="utf-8")
    again = load_bank(out).by_id()
    for a in res.bank.questions:
        b = again[a.id]
        assert (a.type, a.stem, a.options, a.answer, a.credit, a.numeric, a.left, a.format, a.points) == \
               (b.type, b.stem, b.options, b.answer, b.credit, b.numeric, b.left, b.format, b.points), a.id


def _blank_line_free_bank() -> tuple[str, list[tuple]]:
    """26 questions typed one after another with no blank line, and what each must import as."""
    lines, want = ["// 手打的题库：题与题之间没有空行", "$CATEGORY: $course$/top/报修"], []
    for i in range(1, 9):
        lines.append(f"::BX-{i:02d}:: 第{i}号楼的报修电话应由谁接听？{{=客服值班员 ~保安 ~保洁员}}")
        want.append((f"BX-{i:02d}", "single", 0))
    for i in range(1, 7):
        lines.append(f"第{i}期维修回访应在完工后三日内完成。{{{'T' if i % 2 else 'F'}}}")
        want.append((None, "truefalse", bool(i % 2)))
    lines += ["下列属于公共设施的有{", "~%50%电梯", "~%50%消防栓", "~%-100%业主户内水管", "}"]
    want.append((None, "multiple", [0, 1]))
    lines.append("// [id:BX-SJ]")
    lines.append("电梯应每{=15 =十五}天保养一次。")
    want.append(("BX-SJ", "blank", [["15", "十五"]]))
    for i in range(1, 5):
        lines.append(f"::SZ-{i}:: 第{i}号水泵的巡检间隔是几天？{{#{i}}}")
        want.append((f"SZ-{i}", "blank", [[str(i)]]))
    lines.append("::PP-01:: 将设备与维保周期配对。{=电梯 -> 半月 =消防栓 -> 每月}")
    want.append(("PP-01", "matching", [0, 1]))
    lines.append("请简述接到漏水报修后的处理步骤。{}")
    want.append((None, "short", ""))
    lines.append("::BX-99:: 业主报修后维修人员")
    lines.append("应在约定时间内上门。{T}")
    want.append(("BX-99", "truefalse", True))
    lines.append("夜间报修一律次日处理。{F}")
    want.append((None, "truefalse", False))
    lines += ["水管爆裂时应首先关闭{=进水总阀 ~电闸}", "，再通知维修人员。"]      # text after the block, next line
    want.append(("G025", "single", 0))
    lines.append("::BX-END:: 报修单应由业主签字确认。{TRUE}")
    want.append(("BX-END", "truefalse", True))
    return "\n".join(lines) + "\n", want


def test_a_bank_typed_without_blank_lines_imports_every_question(tmp_path):
    text, want = _blank_line_free_bank()
    assert "\n\n" not in text and len(want) == 26
    p = tmp_path / "typed.gift"
    p.write_text(text, encoding="utf-8")
    res = import_questions(p)
    assert res.problems == [] and len(res.bank.questions) == 26
    for q, (qid, qtype, answer) in zip(res.bank.questions, want):
        assert (q.type, q.answer) == (qtype, answer), q
        if qid:
            assert q.id == qid
        assert q.tags == ["报修"]
    by_id = res.bank.by_id()
    assert by_id["BX-99"].stem == "业主报修后维修人员应在约定时间内上门。"
    assert by_id["BX-99"].line == text.split("\n").index("::BX-99:: 业主报修后维修人员") + 1
    assert by_id["BX-SJ"].stem == "电梯应每____天保养一次。"
    assert by_id["G025"].stem == "水管爆裂时应首先关闭（ ），再通知维修人员。"
    r = CliRunner().invoke(app, ["exam", "import", str(p), "--out", str(tmp_path / "typed.yaml")])
    assert r.exit_code == 0 and "已导入 26 道题" in r.stdout, r.output


@pytest.mark.parametrize("text, line, words", [
    ("::A1:: 装修需要申报。{T}\n::A2:: 装修可以不申报。{F} 动火作业需要审批。{T}\n", 2, "同一行"),
    ("::A1:: 停电时应当 {=启用应急照明 ~关闭门禁\n::A2:: 停电前应当发布通知。{T}\n", 2, "少了 }"),
    ("::A1:: 空调冷凝水应当 {=接入管道 ~随意排放}}\n", 1, "多余的 }"),
])
def test_questions_that_cannot_be_told_apart_stop_the_import_with_the_line(tmp_path, text, line, words):
    p = tmp_path / "bad.gift"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as e:
        import_questions(p)
    assert e.value.row == line and words in e.value.describe()
    out = tmp_path / "bad.yaml"
    r = CliRunner().invoke(app, ["exam", "import", str(p), "--out", str(out)])
    assert r.exit_code == 2 and f"第 {line} 行" in r.output and not out.exists()


PARTIAL = """\
::OK-1:: 电梯困人时应首先安抚被困人员。{T}

::BAD-1:: 下列做法正确的是 {~%50%甲 ~%25%乙 ~丙}

::OK-2:: 消防通道可以堆放杂物。{F}

::BAD-2:: 层高不低于多少米？{#abc}

::OK-3:: 物业费按____面积计收。{=建筑}

::OK-4:: 将事项与部门配对。{=漏水 -> 工程部 =投诉 -> 客服部}
"""


def test_a_bad_question_is_reported_and_the_rest_imported(tmp_path):
    p = tmp_path / "mixed.gift"
    p.write_text(PARTIAL, encoding="utf-8")
    out = tmp_path / "mixed.yaml"
    r = CliRunner().invoke(app, ["exam", "import", str(p), "--out", str(out)])
    assert r.exit_code == 1, r.output
    assert "导入 4 道，2 道未导入" in r.output
    assert "第 3 行" in r.output and "第 7 行" in r.output and "mixed.gift" in r.output
    assert "abc" in r.output and "合计 75%" in r.output
    assert [q.id for q in load_bank(out).questions] == ["OK-1", "OK-2", "OK-3", "OK-4"]
    strict = tmp_path / "strict.yaml"
    r = CliRunner().invoke(app, ["exam", "import", str(p), "--out", str(strict), "--strict"])
    assert r.exit_code == 2 and "第 3 行" in r.output and "第 7 行" in r.output and not strict.exists()
    r = CliRunner().invoke(app, ["exam", "import", str(p), "--out", str(tmp_path / "j.yaml"), "--json"])
    data = json.loads(r.stdout)
    assert r.exit_code == 1 and data["questions"] == 4 and len(data["failed"]) == 2
    # Building straight from the file is all-or-nothing: a paper never silently lacks a question.
    with pytest.raises(DataError):
        load_bank(p)


def test_descriptions_and_categories_never_reject_the_file(tmp_path):
    p = tmp_path / "desc.gift"
    p.write_text("$CATEGORY: $course$/top/装修\n\n以下为判断题，请在括号内打√或×。\n\n"
                 "::ZX-1:: 装修须提前申报。{T}\n\n[markdown]**注意**：以下题目不计分。\n", encoding="utf-8")
    res = import_questions(p)
    assert res.problems == [] and [q.id for q in res.bank.questions] == ["ZX-1"]
    assert res.bank.questions[0].tags == ["装修"]
    assert [(d.line, d.stem) for d in res.descriptions] == [(3, "以下为判断题，请在括号内打√或×。"),
                                                             (7, "**注意**：以下题目不计分。")]
    out = tmp_path / "desc.yaml"
    r = CliRunner().invoke(app, ["exam", "import", str(p), "--out", str(out)])
    assert r.exit_code == 0 and "说明文字 2 段" in r.stdout
    assert "以下为判断题" in out.read_text(encoding="utf-8")


AIKEN_LINES = [
    "只有一个选项的题",                         # 1: too few options
    "A. 唯一的选项",
    "ANSWER: A",
    "",
    "A. 没有题干的选项",                        # 5: question not started
    "",
    "ANSWER: A",                                # 7: belongs to the broken block above
    "",
    "业主报修后，维修人员应在多长时间内响应？",   # 9: good
    "A. 30分钟",
    "B. 两天",
    "ANSWER: A",
    "",
    "没有写答案的题",                           # 14: started but not finished
    "A. 甲",
    "B. 乙",
    "",
    "装修申报需要提交哪些材料？",               # 18: good, multiple
    "A) 施工图纸",
    "B)业主身份证明",
    "C) 宠物登记证",
    "ANSWER: AB",
    "",
    "ANSWER: C",                                # 24: an answer with no question
    "",
    "只有题干的一行",                           # 26: a stem alone
    "",
    "停水通知应提前多久张贴？",                 # 28: good
    "A. 24小时",
    "B. 1小时",
    "ANSWER: 尽快",                             # 31: not a letter
    "",
    "停电通知应提前多久张贴？",                 # 33: good
    "A. 24小时",
    "B. 1小时",
    "ANSWER: A",
]


def test_malformed_aiken_blocks_are_errors_and_never_merge(tmp_path):
    p = tmp_path / "bank.txt"
    p.write_text("\n".join(AIKEN_LINES) + "\n", encoding="utf-8")
    res = import_questions(p, fmt="aiken")
    assert [(e.row, e.field) for e in res.problems] == [
        (1, "options"), (5, "stem"), (14, "answer"), (24, "answer"), (26, "options"), (31, "answer")]
    assert "第 18 行就开始了下一题" in res.problems[2].describe()
    good = [(q.line, q.stem, q.options, q.answer) for q in res.bank.questions]
    assert good == [(9, "业主报修后，维修人员应在多长时间内响应？", ["30分钟", "两天"], 0),
                    (18, "装修申报需要提交哪些材料？", ["施工图纸", "业主身份证明", "宠物登记证"], [0, 1]),
                    (33, "停电通知应提前多久张贴？", ["24小时", "1小时"], 0)]
    r = CliRunner().invoke(app, ["exam", "import", str(p), "--format", "aiken", "--out", str(tmp_path / "a.yaml")])
    assert r.exit_code == 1 and "导入 3 道，6 道未导入" in r.output


# ---------------------------------------------------------------- on paper, in key.json, in grading

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    d = tmp_path_factory.mktemp("full")
    (d / "full.gift").write_text(FULL, encoding="utf-8")
    res = build_exam(d / "full.gift", d / "out", versions=2, seed=5)
    return d / "out", res


def test_new_types_on_the_paper_and_the_key(built):
    out, res = built
    key = json.loads((out / "key.json").read_text(encoding="utf-8"))
    for v, paper in zip(("A", "B"), res.papers):
        entries = {e["id"]: e for e in key["versions"][v]}
        m = entries["PP-01"]
        assert m["type"] == "matching" and m["left"] == ["电梯困人", "业主投诉", "车辆乱停"]
        assert sorted(m["options"]) == sorted(["工程部", "客服部", "秩序部", "财务部"])
        assert [m["options"][LETTERS.index(a)] for a in m["answer"]] == ["工程部", "客服部", "秩序部"]
        one = entries["KF-01"]
        assert one["options"][LETTERS.index(one["answer"])] == "记录报修内容并确认联系方式"
        assert [one["options"][LETTERS.index(k)] for k in one["credit"]] == ["告知维修师傅的电话"]
        assert list(one["credit"].values()) == [50]
        assert entries["KF-04"]["credit"] == [{"套内": 50}]
        assert entries["GC-02"]["numeric"] == [{"low": 17, "high": 19, "credit": 100}]
        assert entries["GC-04"]["numeric"] == [{"low": 2.8, "high": 2.8, "credit": 100},
                                               {"low": 2.6, "high": 3, "credit": 50}]
        text = pdf_text(out / f"paper-{v}.pdf")
        word = docx_text(out / f"paper-{v}.docx").replace("\u2060", "")   # word joiners keep blanks whole
        for t in (text, word):
            assert "匹配题" in t and "（1）电梯困人（" in t and "（3）车辆乱停（" in t
            for letter, option in zip(LETTERS, m["options"]):
                assert f"{letter}.{option}" in t
            for leak in ("[html]", "[markdown]", "[plain]", "<p>", "<b>", "<!--", "旧题", "**", "*施工队资质*"):
                assert leak not in t, leak
            assert "电梯定期检验的间隔一般为几个月？＿＿＿＿" in t and "11～13" not in t
        item = next(i for i in paper.items() if i.question.id == "PP-01")
        keytext = pdf_text(out / f"key-{v}.pdf")
        assert f"{item.number}.（1）{m['answer'][0]}（2）{m['answer'][1]}（3）{m['answer'][2]}。" in keytext
        assert "18±1（17～19均可）" in keytext and "11～13之间的数" in keytext and "答“套内”得50%" in keytext
        assert f"{entries['KF-01']['number']}.选{next(iter(one['credit']))}得50%" in keytext
        assert "五、匹配题（第" in pdf_text(out / f"sheet-{v}.pdf")
    # Markdown bold prints bold in Word: the writer sets bold Chinese in 黑体 (or w:b); the text around stays 宋体.
    doc = DocxDocument(str(out / "paper-A.docx"))
    runs = [r for p in doc.paragraphs for r in p.runs if "施工图纸" in r.text or "施工队资质" in r.text]

    def bold(run):
        return bool(run.bold) or run._r.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    assert [(r.text, bold(r)) for r in runs] == [("施工图纸", True), ("和施工队资质。", False)]   # the bracket is its own nobreak run


def test_grading_the_new_types(built, tmp_path):
    out, res = built
    key = load_key(out / "key.json")
    items = {i.id: i for i in key["A"]}
    m = items["PP-01"]
    right = "".join(m.answer)
    assert score_item(m, right) == 4
    assert score_item(m, "（1）" + right[0] + " (2)" + right[1] + " 3." + right[2]) == 4
    assert score_item(m, right[0] + right[2] + right[1]) == Decimal("1.33")     # one of three right
    assert score_item(m, right[:2]) == 0                                       # which item is missing?
    one = items["KF-01"]
    (half,) = one.credit
    wrong = next(x for x in LETTERS[:3] if x not in (one.answer, half))
    assert (score_item(one, one.answer), score_item(one, half), score_item(one, wrong)) == (2, 1, 0)
    assert score_item(one, one.answer + half) == 0
    blank = items["KF-04"]
    assert (score_item(blank, "建筑"), score_item(blank, "套内"), score_item(blank, "使用")) == (2, 1, 0)
    temp, span, height = items["GC-02"], items["GC-03"], items["GC-04"]
    assert [score_item(temp, x) for x in ("18", "17", "19.0", "16.99", "１９", "十八")] == [2, 2, 2, 0, 2, 0]
    assert [score_item(span, x) for x in ("11", "12.5", "13", "14")] == [2, 2, 2, 0]
    assert [score_item(height, x) for x in ("2.8", "2.80", "2.7", "3", "3.1")] == [2, 2, 1, 1, 0]
    # End to end: a response sheet graded with the key (matching answered as one letter string).
    a = {i.id: i for i in key["A"]}
    rows = [["姓名", "版本", "KF-01", "PP-01", "GC-02", "GC-04", "KF-04"],
            ["张三", "A", a["KF-01"].answer, right, "17.5", "2.7", "套内"],
            ["李四", "A", half, right[::-1], "20", "2.8", "建筑"]]
    sheet = tmp_path / "answers.csv"
    sheet.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    result = grade(out / "key.json", sheet, missing_as_blank=True)   # only the new types are answered
    assert result.errors == []
    s = {c.name: c.scores for c in result.candidates}
    assert [s["张三"][k] for k in ("KF-01", "PP-01", "GC-02", "GC-04", "KF-04")] == [2, 4, 2, 1, 1]
    # reversed, only the middle of the three letters (all different) stays right
    assert [s["李四"][k] for k in ("KF-01", "PP-01", "GC-02", "GC-04", "KF-04")] == [1, Decimal("1.33"), 0, 2, 2]


def test_key_json_entries_of_the_new_types_are_checked(tmp_path):
    base = {"id": "M1", "number": 1, "type": "matching", "points": 4, "options": ["甲", "乙"], "left": ["一", "二"]}
    for bad in ({"answer": ["A", "C"]}, {"answer": ["A"]}, {"answer": "AB"}):
        p = tmp_path / "key.json"
        p.write_text(json.dumps({"A": [base | bad]}, ensure_ascii=False), encoding="utf-8")
        with pytest.raises(DataError, match="M1|格式不对"):
            load_key(p)
    single = {"id": "S1", "number": 1, "type": "single", "points": 2, "options": ["甲", "乙"], "answer": "A"}
    for bad in ({"credit": {"C": 50}}, {"credit": {"B": 150}}):
        p.write_text(json.dumps({"A": [single | bad]}, ensure_ascii=False), encoding="utf-8")
        with pytest.raises(DataError):
            load_key(p)
    num = {"id": "N1", "number": 1, "type": "blank", "points": 2, "options": [], "answer": [["3"]],
           "numeric": [{"low": 5, "high": 1}]}
    p.write_text(json.dumps({"A": [num]}, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DataError, match="下限大于上限"):
        load_key(p)


def test_yaml_fields_of_the_new_types_are_checked(tmp_path):
    p = tmp_path / "bank.yaml"
    p.write_text("""\
questions:
  - id: P1
    type: matching
    stem: 配对
    options: [甲, 乙]
    pairs: [[一, 甲], [二, 乙]]
  - id: P2
    type: matching
    stem: 只有一对
    pairs: [[一, 甲]]
  - id: N1
    type: single
    stem: 单选不能有数值答案
    options: [甲, 乙]
    answer: A
    numeric: [3]
  - id: N2
    type: blank
    stem: 区间写反了___
    numeric: [{min: 5, max: 1}]
  - id: C1
    type: single
    stem: 部分得分超过 100
    options: [甲, 乙]
    answer: A
    credit: {B: 150}
  - id: C2
    type: truefalse
    stem: 判断题不能有部分得分
    answer: 对
    credit: {A: 50}
  - id: OK
    type: blank
    stem: 层高不低于___米
    numeric: [{value: 2.8, tolerance: 0.1}]
    credit: {}
""", encoding="utf-8")
    from docgen.exam.bank import BankError
    from docgen.exam.yamlbank import load_yaml_bank
    with pytest.raises(BankError) as e:
        load_yaml_bank(p)
    assert [(x.row, x.field) for x in e.value.problems] == [
        (6, "pairs"), (10, "pairs"), (16, "numeric"), (20, "numeric"), (26, "credit"), (31, "credit")]
    text = e.value.describe()
    assert "至少要有 2 对" in text and "下限 5 大于上限 1" in text and "150" in text


def test_new_types_unreadable_answers_are_listed_not_silently_wrong(built):
    out, _ = built
    from docgen.exam.grade import read_answer
    items = {i.id: i for i in load_key(out / "key.json")["A"]}
    m, temp = items["PP-01"], items["GC-02"]
    assert read_answer(m, "CD").problem.startswith("左栏有 3 项")
    assert "没有选项 Z" in read_answer(m, "CDZ").problem
    assert read_answer(m, ["C", "D", "A"]).value == ["C", "D", "A"]          # one column per item
    assert read_answer(m, ["C", "DA", "A"]).problem == "每项应填一个字母"
    assert read_answer(temp, "十八").problem.startswith("不是数字")
    assert read_answer(temp, "1e1").problem.startswith("不是数字")
    assert read_answer(temp, "１８").value == [Decimal(18)]
    assert read_answer(m, " ").blank and read_answer(temp, "").blank
