"""The answers sheet as an office types it: every bad-sheet case gives a stated result, never a silent zero."""
from __future__ import annotations

import csv
import json
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from docgen.cli import app
from docgen.errors import DataError
from docgen.exam.grade import grade, read_answer, score_item
from docgen.exam.key import KeyItem

from .helpers import pdf_text
from .test_exam_grade import KEY

HEAD = ["姓名", "工号", "部门", "版本", "Q1", "Q2", "Q3", "Q4", "Q5"]
GOOD = [["张三", "K001", "客服部", "A", "B", "AC", "对", "主体;承重", "9"],
        ["李四", "K002", "客服部", "B", "D", "BD", "√", "主体；承重", "8"],
        ["王五", "K003", "工程部", "A", "A", "A", "T", "主体;楼板", "7"]]


def _write(tmp_path, rows, name="r.csv", key=None):
    k = tmp_path / "key.json"
    k.write_text(json.dumps(key if key is not None else {"format": "docgen-exam-key/2", "pass_mark": 70,
                                                          "partial": "none", "versions": KEY},
                            ensure_ascii=False), encoding="utf-8")
    p = tmp_path / name
    with open(p, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return k, p


def _cli(*args):
    return CliRunner().invoke(app, ["exam", "grade", *map(str, args)])


def test_missing_question_column_stops_grading(tmp_path):
    rows = [[h for h in HEAD if h != "Q3"]] + [[v for i, v in enumerate(r) if HEAD[i] != "Q3"] for r in GOOD]
    key, resp = _write(tmp_path, rows)
    with pytest.raises(DataError, match="缺少题目列：Q3（A 卷第 3 题、B 卷第 3 题）"):
        grade(key, resp)
    with pytest.raises(DataError, match="加 missing_as_blank=True"):     # the library names its parameter
        grade(key, resp)
    r = _cli(key, resp, "--out", tmp_path / "o")
    assert r.exit_code == 2 and "Q3" in r.output and not (tmp_path / "o").exists()
    assert "加 --missing-as-blank" in r.output and "missing_as_blank" not in r.output   # the CLI its option
    # said out loud: graded as blank, the question left out of its statistics, the notice repeated everywhere
    res = grade(key, resp, missing_as_blank=True)
    assert all(c.scores["Q3"] is None and "Q3" in c.ungraded for c in res.candidates)
    assert any("Q3" in n and "按 missing_as_blank=True 记为未评分" in n for n in res.notices)
    assert next(s for s in res.items if s.id == "Q3").n == 0
    r = _cli(key, resp, "--out", tmp_path / "o2", "--missing-as-blank")
    assert r.exit_code == 0 and "Q3" in r.output
    assert "按 --missing-as-blank 记为未评分" in r.output and "missing_as_blank" not in r.output
    assert "Q3" in pdf_text(tmp_path / "o2" / "report.pdf").split("二、需要注意的试题")[0]


def test_blank_part_columns_must_all_be_there(tmp_path):
    head = ["姓名", "版本", "Q1", "Q2", "Q3", "Q4.1", "Q5"]
    key, resp = _write(tmp_path, [head, ["甲", "A", "B", "AC", "对", "主体", "9"]])
    with pytest.raises(DataError, match="Q4 第 2 空"):
        grade(key, resp)


def test_headers_ignore_case_width_and_spaces(tmp_path):
    head = ["姓名", "工号", "部门", "版本", "q1", "Ｑ2", " Q3 ", "q4", "Q５"]
    key, resp = _write(tmp_path, [head] + GOOD)
    got = {c.name: c.total for c in grade(key, resp).candidates}
    key2, resp2 = _write(tmp_path, [HEAD] + GOOD, name="r2.csv")
    assert got == {c.name: c.total for c in grade(key2, resp2).candidates} == {"张三": 18, "李四": 17, "王五": 9}


def test_unknown_columns_are_named(tmp_path):
    key, resp = _write(tmp_path, [HEAD + ["备注", "签到时间"]] + [r + ["", "9:00"] for r in GOOD])
    res = grade(key, resp)
    assert res.unused_columns == ["备注", "签到时间"]
    r = _cli(key, resp, "--out", tmp_path / "o")
    assert r.exit_code == 0 and "「备注」" in r.output and "「签到时间」" in r.output
    assert "备注" in pdf_text(tmp_path / "o" / "report.pdf")


@pytest.mark.parametrize("header, message", [("Q4.3", "只有 2 个空"), ("Q1.1", "不是填空题"), ("25", "没有第 25 题")])
def test_column_for_nothing_is_an_error(tmp_path, header, message):
    key, resp = _write(tmp_path, [HEAD + [header]] + [r + ["x"] for r in GOOD])
    with pytest.raises(DataError, match=message) as e:
        grade(key, resp)
    assert e.value.field == header
    assert _cli(key, resp, "--out", tmp_path / "o").exit_code == 2


def test_question_on_two_columns_is_an_error(tmp_path):
    key, resp = _write(tmp_path, [HEAD + ["q1"]] + [r + ["B"] for r in GOOD])
    with pytest.raises(DataError, match="对应了两列：「Q1」和「q1」"):
        grade(key, resp)


def test_duplicate_candidates_name_both_rows(tmp_path):
    rows = [HEAD] + GOOD + [["张三", "K001", "客服部", "A", "B", "AC", "对", "主体;承重", "10"]]
    key, resp = _write(tmp_path, rows)
    res = grade(key, resp)
    assert sorted(c.name for c in res.candidates) == ["李四", "王五"]
    assert [(c.line, c.error.field) for c in res.rejected] == [(2, "工号"), (5, "工号")]
    assert all("第 2 行、第 5 行" in c.error.message and "K001" in c.error.message for c in res.rejected)
    r = _cli(key, resp, "--out", tmp_path / "o")
    assert r.exit_code == 1 and "第 2 行、第 5 行" in r.output
    # without a staff id column: name + department decide; the same name in another department is someone else
    rows = [[h for h in HEAD if h != "工号"]] + [[v for i, v in enumerate(r) if HEAD[i] != "工号"] for r in rows[1:]]
    rows.append(["王五", "秩序部", "A", "B", "AC", "对", "主体;承重", "6"])
    key, resp = _write(tmp_path, rows, name="r2.csv")
    res = grade(key, resp)
    assert sorted(c.name for c in res.candidates) == ["李四", "王五", "王五"]
    assert [c.line for c in res.rejected] == [2, 5]


def test_unreadable_answers_are_counted_listed_and_scored_zero(tmp_path):
    rows = [HEAD,
            ["甲", "K1", "客服部", "A", "E", "AC", "对了", "主体", "9"],      # E: no such option; 对了; one part of two
            ["乙", "K2", "客服部", "B", "D.", "b、d", "（√）", "主体 承重", "8"],   # all readable
            ["丙", "K3", "客服部", "A", "AB", "A,C", "错", "主体，承重", "7"]]     # two letters on a single choice
    key, resp = _write(tmp_path, rows)
    res = grade(key, resp)
    c = {c.name: c for c in res.candidates}
    assert [(u.line, u.id, u.raw) for u in res.unreadable] == [(2, "Q1", "E"), (2, "Q3", "对了"), (2, "Q4", "主体"),
                                                                (4, "Q1", "AB")]
    assert "没有选项 E" in res.unreadable[0].reason and "2 个空" in res.unreadable[2].reason
    assert c["甲"].scores == {"Q1": 0, "Q2": 4, "Q3": 0, "Q4": 0, "Q5": 9}
    assert c["乙"].total == 17 and c["丙"].scores["Q4"] == 2 and c["丙"].scores["Q1"] == 0
    stats = {s.id: s for s in res.items}
    assert (stats["Q1"].unreadable, stats["Q3"].unreadable) == (2, 1)
    r = _cli(key, resp, "--out", tmp_path / "o", "--json")
    assert r.exit_code == 1
    assert [(u["row"], u["id"]) for u in json.loads(r.stdout)["unreadable"]] == [(2, "Q1"), (2, "Q3"), (2, "Q4"),
                                                                                (4, "Q1")]
    with open(tmp_path / "o" / "problems.csv", encoding="utf-8-sig") as f:
        probs = [p for p in csv.DictReader(f) if p["类别"] == "无法识别的答案"]
    assert [(p["行号"], p["题目编号"], p["所填内容"]) for p in probs] == [
        ("2", "Q1", "E"), ("2", "Q3", "对了"), ("2", "Q4", "主体"), ("4", "Q1", "AB")]
    text = pdf_text(tmp_path / "o" / "report.pdf")
    assert "4个答案无法识别" in text and "对了" in text


def test_absent_candidates_leave_the_statistics(tmp_path):
    key, resp = _write(tmp_path, [HEAD] + GOOD + [["赵六", "K009", "工程部", "A", "", "", "", "", ""]])
    res = grade(key, resp)
    key2, resp2 = _write(tmp_path, [HEAD] + GOOD, name="r2.csv")
    base = grade(key2, resp2)
    assert [c.name for c in res.absent] == ["赵六"] and len(res.candidates) == 3
    s, b = res.summary(), base.summary()
    assert s["absent"] == 1 and s["candidates"] == 3
    assert {k: s[k] for k in ("mean", "sd", "pass_rate", "kr20", "alpha")} == {
        k: b[k] for k in ("mean", "sd", "pass_rate", "kr20", "alpha")}
    r = _cli(key, resp, "--out", tmp_path / "o")
    assert r.exit_code == 0 and "缺考 1 人" in r.output
    with open(tmp_path / "o" / "scores.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert (rows[-1]["姓名"], rows[-1]["是否及格"], rows[-1]["排名"], rows[-1]["总分"]) == ("赵六", "缺考", "", "")


@pytest.mark.parametrize("typed, ok", [("1e1", False), ("NaN", False), ("inf", False), ("-1", False), ("8分", True),
                                       ("８.５", True), ("10", True), ("10.5", False)])
def test_subjective_scores_are_plain_numbers(tmp_path, typed, ok):
    key, resp = _write(tmp_path, [HEAD, ["甲", "K1", "部", "A", "B", "AC", "对", "主体;承重", typed]])
    res = grade(key, resp)
    if ok:
        assert res.complete and res.candidates[0].scores["Q5"] == Decimal(typed.replace("分", "").replace("８", "8")
                                                                             .replace("．", "."))
    else:
        assert not res.candidates and len(res.errors) == 1 and res.errors[0].field == "Q5"
        assert ("不是数字" if typed != "10.5" else "超出范围") in res.errors[0].message


def test_pass_mark_and_partial_rule_come_from_key_json(tmp_path):
    # 王五: 9 of 19 (47.4 %) with partial none; 11 (57.9 %) with partial half
    key, resp = _write(tmp_path, [HEAD] + GOOD, key={"format": "docgen-exam-key/2", "pass_mark": 55,
                                                     "partial": "half", "versions": KEY})
    res = grade(key, resp)
    w = next(c for c in res.candidates if c.name == "王五")
    assert (res.pass_mark, res.partial, w.total, w.percent, w.passed) == (55, "half", 11, Decimal("57.9"), True)
    assert res.notices == []
    res = grade(key, resp, pass_mark=70)
    assert not next(c for c in res.candidates if c.name == "王五").passed
    assert res.notices == ["及格线按 pass_mark=70 分，而不是 key.json 中组卷时定的 55 分。"]
    r = _cli(key, resp, "--out", tmp_path / "o", "--pass-mark", "70")
    assert r.exit_code == 0 and "及格线按 --pass-mark 70 分，而不是 key.json 中组卷时定的 55 分。" in r.output
    assert "按百分制70分及格" in pdf_text(tmp_path / "o" / "report.pdf")


def test_old_key_json_grades_with_defaults_and_says_so(tmp_path):
    key, resp = _write(tmp_path, [HEAD] + GOOD, key=KEY)
    res = grade(key, resp)
    assert (res.pass_mark, res.partial) == (70, "none")
    assert len(res.notices) == 1 and "旧格式" in res.notices[0] and "70" in res.notices[0]
    # Settings given: the library names them by parameter, the command line by option.
    res = grade(key, resp, pass_mark=60, partial="half")
    assert res.notices == ["key.json 是旧格式，没有记录组卷时定的及格线和计分规则：按 pass_mark=60 分及格、"
                           "多选题按 partial=half 计分（可用 pass_mark、partial 指定）。"]
    r = _cli(key, resp, "--out", tmp_path / "o", "--pass-mark", "60", "--partial", "half")
    assert r.exit_code == 0 and ("按 --pass-mark 60 分及格、多选题按 --partial half 计分（可用 --pass-mark、--partial 指定）"
                                 in r.output.replace("\n", "")), r.output


def test_partial_rule_override_is_said_in_fields_and_in_options(tmp_path):
    key, resp = _write(tmp_path, [HEAD] + GOOD, key={"format": "docgen-exam-key/2", "pass_mark": 55,
                                                     "partial": "half", "versions": KEY})
    res = grade(key, resp, partial="ratio")
    assert res.notices == ["多选题计分按 partial=ratio，而不是 key.json 中组卷时定的 half。"]
    r = _cli(key, resp, "--out", tmp_path / "o", "--partial", "ratio", "--json")
    assert r.exit_code == 0, r.output
    import json
    data = json.loads(r.stdout)
    assert data["notices"] == data["summary"]["notices"] == ["多选题计分按 --partial ratio，而不是 key.json 中组卷时定的 half。"]
    assert json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))["notices"] == res.notices


def test_build_stores_spec_settings_and_tags(tmp_path):
    from docgen.exam.api import build_exam
    bank = tmp_path / "bank.yaml"
    bank.write_text("""questions:
  - {id: A1, type: single, tags: [礼仪], stem: 甲（ ）, options: [对的, 错的, 也错], answer: A}
  - {id: A2, type: multiple, tags: [应急, 制度], stem: 乙（ ）, options: [一, 二, 三], answer: AB, points: 4}
  - {id: A3, type: truefalse, stem: 丙（ ）, answer: 对}
""", encoding="utf-8")
    spec = tmp_path / "spec.yaml"
    spec.write_text("pass_mark: 60\npartial: ratio\nsections:\n  - {type: single}\n  - {type: multiple}\n"
                    "  - {type: truefalse}\n", encoding="utf-8")
    build_exam(bank, tmp_path / "o", spec_path=spec, versions=2, seed=3, fmt="pdf")
    data = json.loads((tmp_path / "o" / "key.json").read_text(encoding="utf-8"))
    assert (data["pass_mark"], data["partial"], sorted(data["versions"])) == (60, "ratio", ["A", "B"])
    assert {e["id"]: e.get("tags") for e in data["versions"]["B"]} == {"A1": ["礼仪"], "A2": ["应急", "制度"],
                                                                       "A3": None}
    resp = tmp_path / "r.csv"
    b = {e["id"]: e for e in data["versions"]["B"]}
    one_right = sorted(b["A2"]["answer"])[0]
    resp.write_text(f"姓名,版本,A1,A2,A3\n甲,B,{b['A1']['answer']},{one_right},对\n", encoding="utf-8")
    res = grade(tmp_path / "o" / "key.json", resp)
    # 2 + 4·½ + 1 = 5 of 7 = 71.4 % ≥ 60 with the ratio rule the spec chose
    assert (res.pass_mark, res.partial, res.candidates[0].total, res.candidates[0].passed) == (60, "ratio", 5, True)
    assert [(t.name, t.n) for t in res.analysis.topics] == [("礼仪", 1), ("应急", 1), ("制度", 1)]
    with pytest.raises(DataError, match="partial"):
        from docgen.exam.build import spec_from_mapping
        spec_from_mapping({"partial": "most", "sections": [{"type": "single"}]})


def test_choice_and_true_false_forms():
    single = KeyItem("S", "single", Decimal(2), ["a", "b", "c", "d"], "D", 1)
    for typed in ("D", "d", "D.", "（D）", "(d)", "Ｄ", "ｄ", " D 。", "【D】"):
        assert score_item(single, typed) == 2, typed
    for typed, why in (("E", "没有选项 E"), ("AB", "多个字母"), ("对", "不是选项字母"), ("D?", "不是选项字母")):
        assert why in read_answer(single, typed).problem, typed
    multi = KeyItem("M", "multiple", Decimal(4), ["a", "b", "c", "d"], ["A", "C"], 1)
    for typed in ("AC", "CA", "A、C", "a c", "A,C", "A，C", "（A）（C）", "Ａ；Ｃ", "A.C."):
        assert score_item(multi, typed) == 4, typed
    tf = KeyItem("T", "truefalse", Decimal(1), [], True, 1)
    for typed in ("对", "√", "T", "t", "是", "正确", "（√）", "✓", "Ｔ"):
        assert score_item(tf, typed) == 1, typed
    for typed in ("错", "×", "F", "否", "x", "X", "（×）"):
        assert read_answer(tf, typed).value is False and score_item(tf, typed) == 0, typed
    assert read_answer(tf, "也许").problem
    blank = KeyItem("B", "blank", Decimal(2), [], [["读数"], ["签字"]], 1)
    for typed in ("读数，签字", "读数,签字", "读数、签字", "读数；签字", "读数;签字", "读数 签字", "读数|签字"):
        assert score_item(blank, typed) == 2, typed
    assert score_item(blank, "读数；") == 1 and not read_answer(blank, "读数；").problem
    assert read_answer(blank, "读数").problem and read_answer(blank, "读数，签字，盖章").problem
    one = KeyItem("B1", "blank", Decimal(2), [], [["物业 服务合同"]], 1)
    assert score_item(one, "物业服务合同") == 2 and score_item(one, "物业 服务合同") == 2


def test_every_output_lists_the_same_rows(tmp_path):
    from openpyxl import load_workbook
    rows = [HEAD] + GOOD + [["赵六", "K009", "工程部", "A", "", "", "", "", ""],
                            ["周九", "K007", "客服部", "C", "B", "AC", "对", "主体;承重", "9"]]
    key, resp = _write(tmp_path, rows)
    r = _cli(key, resp, "--out", tmp_path / "o")
    assert r.exit_code == 1
    names = {"张三", "李四", "王五", "赵六", "周九"}
    wb = load_workbook(tmp_path / "o" / "scores.xlsx")
    assert wb.sheetnames[:2] == ["答卷顺序", "排名"]
    order = [row[1] for row in wb["答卷顺序"].iter_rows(min_row=2, values_only=True)]
    assert order == ["张三", "李四", "王五", "赵六", "周九"]
    assert [row[1] for row in wb["排名"].iter_rows(min_row=2, values_only=True)] == ["张三", "李四", "王五", "赵六", "周九"]
    with open(tmp_path / "o" / "scores.csv", encoding="utf-8-sig") as f:
        assert {r["姓名"] for r in csv.DictReader(f)} == names
    with open(tmp_path / "o" / "problems.csv", encoding="utf-8-sig") as f:
        probs = {(p["类别"], p["姓名"]) for p in csv.DictReader(f)}
    assert probs == {("缺考", "赵六"), ("未评分的行", "周九")}
    people = pdf_text(tmp_path / "o" / "report.pdf").split("七、个人成绩")[1]
    assert all(n in people for n in names) and "缺考" in people and "未评分" in people


def test_a_column_for_a_question_one_version_lacks_is_a_reason_not_a_crash():
    # Found by mypy (sheet._resolve went on with an item it had not found): plan_columns is public and a
    # key built in code need not give every version the same ids. Before, the whole column got an empty
    # reason and a column for one blank (Q9.1) crashed with AttributeError; now both say why.
    from docgen.exam.sheet import plan_columns
    q9 = KeyItem("Q9", "blank", Decimal(2), [], [["甲"], ["乙"]], 1)
    q1 = KeyItem("Q1", "truefalse", Decimal(1), [], True, 1)
    plan = plan_columns(["姓名", "版本", "Q9"], {"A": [q9], "B": [q1]}, "f.csv", 1)
    assert plan.invalid["B"]["Q9"] == "没有题目 Q9" and "Q9" not in plan.invalid["A"]
    plan = plan_columns(["姓名", "版本", "Q9.1"], {"A": [q9], "B": [q1]}, "f.csv", 1)
    assert plan.invalid["B"]["Q9.1"] == "没有题目 Q9" and "Q9.1" not in plan.invalid["A"]
