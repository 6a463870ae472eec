"""Question banks: the YAML format, the GIFT / Aiken / XLSX importers, and error reports with lines."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from docgen.cli import app
from docgen.errors import DataError
from docgen.exam.bank import BankError
from docgen.exam.yamlbank import dump_bank, load_yaml_bank
from docgen.exam.importers import load_bank
from docgen.exam.importers import import_file

GIFT = """\
// 应急题（GIFT）
$CATEGORY: $course$/top/应急

// [id:G-FIRE] [difficulty:易]
::G-FIRE:: 发现火情应拨打的火警电话是 {~110 =119 ~120 ~以上都不对}

// [tag:电梯困人]
::G-LIFT:: 电梯困人时正确的做法有 {
  ~%50%安抚被困人员
  ~%50%通知电梯维保单位
  ~%-100%自行撬门救人
}

::G-TF:: 电梯困人时，客服人员可以自行撬门救人。{F}

// [tag:报修] [points:4]
::G-VALVE:: 户内水管爆裂时，应提醒业主首先关闭 {=进水总阀 =总阀#对} ，再等待维修。

::G-NUM:: 火警电话是 {#119}

::G-ESSAY:: 请简述停电时的应急处理步骤。{
####发布停电通知；检查电梯是否困人；准备应急照明；跟进恢复供电并回访。
}
"""

AIKEN = """\
电话铃响后，一般应在几声内接听？
A. 三声
B. 六声
C. 十声
D. 一分钟
ANSWER: A

下列属于服务禁语的有（ ）。
A) “这不归我们管。”
B) “您稍等，我马上查询。”
C) “你自己去看公告。”
ANSWER: AC
"""


def write_xlsx(path, rows):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


SHEET = [
    ["题号", "题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "分值", "难度", "标签", "评分要点"],
    ["X-1", "单选", "业主装修开工前，应当向（ ）申报登记。", "物业服务企业", "派出所", "街道卫生站", "原设计单位", "A", 2, "易",
     "装修", None],
    ["X-2", "多选", "下列属于装修禁止行为的有（ ）。", "擅自拆改承重墙", "扩大承重墙上的门窗", "更换灯具", None, "AB", 3, "难",
     "装修、制度", None],
    ["X-3", "判断", "装修垃圾可以从窗口抛下。", None, None, None, None, "×", 1, None, "装修", None],
    ["X-4", "填空", "装修时不得变动建筑____和____结构。", None, None, None, None, "主体；承重", 4, "中", "装修", None],
    ["X-5", "简答", "巡查发现违规拆墙时如何处理？", None, None, None, None, "立即劝阻；核对申报内容；劝阻无效时上报", 6, "中",
     "装修", "立即劝阻（2分）；核对申报内容（2分）；劝阻无效时上报（2分）"],
]


def test_gift_import(tmp_path):
    p = tmp_path / "bank.gift"
    p.write_text(GIFT, encoding="utf-8")
    bank = import_file(p)
    q = bank.by_id()
    assert [x.id for x in bank.questions] == ["G-FIRE", "G-LIFT", "G-TF", "G-VALVE", "G-NUM", "G-ESSAY"]
    fire = q["G-FIRE"]
    assert (fire.type, fire.options, fire.answer, fire.difficulty, fire.tags) == (
        "single", ["110", "119", "120", "以上都不对"], 1, "易", ["应急"])
    assert fire.fixed_last() == [3]
    lift = q["G-LIFT"]
    assert (lift.type, lift.answer, lift.tags) == ("multiple", [0, 1], ["应急", "电梯困人"])
    assert (q["G-TF"].type, q["G-TF"].answer) == ("truefalse", False)
    valve = q["G-VALVE"]
    assert (valve.type, valve.answer, valve.points) == ("blank", [["进水总阀", "总阀"]], Decimal(4))
    assert valve.stem == "户内水管爆裂时，应提醒业主首先关闭____，再等待维修。"
    assert (q["G-NUM"].type, q["G-NUM"].answer) == ("blank", [["119"]])
    essay = q["G-ESSAY"]
    assert essay.type == "short" and essay.answer.startswith("发布停电通知")
    assert q["G-TF"].line == 14


def test_gift_errors_name_every_bad_question_with_its_line(tmp_path):
    # Matching and numerical ranges used to be rejected here; they now import (issue 12), so the bad
    # questions are a choice without a right answer and weights that make neither single nor multiple.
    p = tmp_path / "bad.gift"
    p.write_text("好题 {=对 ~错}\n\n没有正确答案 {~甲 ~乙}\n\n配对题 {=a -> 1 =b -> 2}\n\n数值区间 {#1..5}\n\n"
                 "权重不足 {~%50%甲 ~%25%乙 ~丙}\n", encoding="utf-8")
    with pytest.raises(BankError) as e:
        import_file(p)
    rows = [(x.row, x.field) for x in e.value.problems]
    assert rows == [(3, "answer"), (9, "answer")]
    text = e.value.describe()
    assert "bad.gift" in text and "第 3 行" in text and "第 9 行" in text and "合计 75%" in text


def test_aiken_import_and_errors(tmp_path):
    p = tmp_path / "bank.txt"
    p.write_text(AIKEN, encoding="utf-8")
    bank = import_file(p)
    assert [(q.type, q.answer, len(q.options), q.line) for q in bank.questions] == [
        ("single", 0, 4, 1), ("multiple", [0, 2], 3, 8)]
    assert bank.questions[1].options[0] == "“这不归我们管。”"
    bad = tmp_path / "bad.txt"
    bad.write_text("问题一\nA. 甲\nB. 乙\nANSWER: E\n\n问题二\nA. 甲\nC. 乙\nANSWER: A\n\n问题三\nA. 甲\nB. 乙\n",
                   encoding="utf-8")
    with pytest.raises(BankError) as e:
        import_file(bad, fmt="aiken")
    assert [(x.row, x.field) for x in e.value.problems] == [(4, "answer"), (8, "options"), (11, "answer")]


def test_xlsx_import_and_errors(tmp_path):
    bank = import_file(write_xlsx(tmp_path / "bank.xlsx", SHEET))
    q = bank.by_id()
    assert (q["X-1"].type, q["X-1"].answer, q["X-1"].difficulty) == ("single", 0, "易")
    assert (q["X-2"].answer, q["X-2"].tags, len(q["X-2"].options)) == ([0, 1], ["装修", "制度"], 3)
    assert q["X-3"].answer is False
    assert q["X-4"].answer == [["主体"], ["承重"]] and q["X-4"].points == 4
    assert [(s.text, s.points) for s in q["X-5"].scoring] == [
        ("立即劝阻", 2), ("核对申报内容", 2), ("劝阻无效时上报", 2)]
    bad = write_xlsx(tmp_path / "bad.xlsx", [
        ["题号", "题型", "题干", "选项A", "选项B", "答案"],
        ["Y-1", "单选", "缺答案", "甲", "乙", None],
        ["Y-2", "单选", "答案越界", "甲", "乙", "D"],
        ["Y-3", "怪题", "题型不对", None, None, "x"],
        ["Y-4", "判断", "好题", None, None, "对"],
        ["Y-5", "多选", "只有一个正确选项", "甲", "乙", "A"],
    ])
    with pytest.raises(BankError) as e:
        import_file(bad)
    assert [(x.row, x.field) for x in e.value.problems] == [(2, "答案"), (3, "答案"), (4, "题型"), (6, "answer")]


def test_yaml_errors_point_at_the_line_of_the_field(tmp_path):
    p = tmp_path / "bank.yaml"
    p.write_text("""\
questions:
  - id: A1
    type: single
    stem: 好题（ ）
    options: [甲, 乙]
    answer: A
  - id: A2
    type: single
    stem: 答案越界
    options: [甲, 乙]
    answer: C
  - id: A3
    type: 作文
    stem: 题型不对
  - id: A4
    type: blank
    stem: 两个空____和____
    answer: [只有一个]
  - id: A1
    type: truefalse
    stem: 重复的题号
    answer: 对
""", encoding="utf-8")
    with pytest.raises(BankError) as e:
        load_yaml_bank(p)
    assert [(x.row, x.field) for x in e.value.problems] == [(11, "answer"), (13, "type"), (18, "answer")]
    p.write_text(p.read_text(encoding="utf-8").replace("answer: C", "answer: B").replace("type: 作文", "type: short")
                 .replace("[只有一个]", "[一, 二]"), encoding="utf-8")
    with pytest.raises(BankError) as e:
        load_bank(p)
    assert "重复" in e.value.describe() and e.value.problems[0].row == 19


def test_sample_bank_covers_topics_and_types():
    bank = load_bank("sample")
    assert len(bank.questions) >= 120
    types = Counter(q.type for q in bank.questions)
    assert set(types) == {"single", "multiple", "truefalse", "blank", "short"}
    tags = Counter(t for q in bank.questions for t in q.tags)
    for topic in ("礼仪", "沟通", "投诉处理", "报修", "入住", "装修", "收费", "应急", "电梯困人", "停水停电", "火情", "制度"):
        assert tags[topic] >= 3, topic
    assert {q.difficulty for q in bank.questions} == {"易", "中", "难"}
    assert any(q.fixed_last() for q in bank.questions)
    for q in bank.questions:
        if q.type == "short":
            assert q.answer and q.scoring and sum(s.points for s in q.scoring) == q.points, q.id


def test_yaml_round_trip_of_imports(tmp_path):
    p = tmp_path / "bank.gift"
    p.write_text(GIFT, encoding="utf-8")
    bank = import_file(p)
    out = tmp_path / "bank.yaml"
    out.write_text(dump_bank(bank), encoding="utf-8")
    again = load_bank(out)
    for a, b in zip(bank.questions, again.questions):
        assert (a.id, a.type, a.stem, a.options, a.answer, a.points, a.tags) == \
               (b.id, b.type, b.stem, b.options, b.answer, b.points, b.tags)


def test_cli_import(tmp_path):
    runner = CliRunner()
    src = write_xlsx(tmp_path / "bank.xlsx", SHEET)
    out = tmp_path / "bank.yaml"
    r = runner.invoke(app, ["exam", "import", str(src), "--out", str(out), "--tag", "培训"])
    assert r.exit_code == 0, r.output
    assert "5 道题" in r.stdout
    bank = load_bank(out)
    assert all("培训" in q.tags for q in bank.questions)
    bad = tmp_path / "bad.gift"
    bad.write_text("没有正确答案 {~甲 ~乙}\n", encoding="utf-8")
    r = runner.invoke(app, ["exam", "import", str(bad), "--out", str(tmp_path / "x.yaml")])
    assert r.exit_code == 2 and "第 1 行" in r.output
    assert not (tmp_path / "x.yaml").exists()


def test_missing_bank_file():
    with pytest.raises(DataError, match="不存在"):
        load_bank("/nonexistent/bank.yaml")


def test_folder_bank_and_ids_unique_across_files(tmp_path):
    (tmp_path / "a.yaml").write_text("title: 甲库\nquestions:\n  - {id: A1, type: truefalse, stem: 对吗, answer: 对}\n",
                                     encoding="utf-8")
    (tmp_path / "b.yaml").write_text("questions:\n  - {id: B1, type: truefalse, stem: 错吗, answer: 错}\n",
                                     encoding="utf-8")
    bank = load_bank(tmp_path)
    assert [q.id for q in bank.questions] == ["A1", "B1"] and bank.title == "甲库"
    (tmp_path / "c.yaml").write_text("questions:\n  - {id: A1, type: truefalse, stem: 又一个, answer: 对}\n",
                                     encoding="utf-8")
    with pytest.raises(BankError) as e:
        load_bank(tmp_path)
    assert e.value.problems[0].file.endswith("c.yaml") and "a.yaml" in e.value.describe()


def test_gift_in_a_txt_file_is_recognised(tmp_path):
    p = tmp_path / "q.txt"
    p.write_text(GIFT, encoding="utf-8")
    assert len(import_file(p).questions) == 6
    p.write_text(AIKEN.encode("gb18030").decode("gb18030"), encoding="gb18030")
    assert [q.type for q in import_file(p).questions] == ["single", "multiple"]
