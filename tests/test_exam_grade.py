"""Grading: scores, pass/fail and item statistics checked against numbers worked out by hand."""
from __future__ import annotations

import csv
import json
from decimal import Decimal
from fractions import Fraction

import pytest

from docgen.errors import DataError
from docgen.exam.grade import grade, group_size, score_item
from docgen.exam.key import KeyItem, load_key

from .helpers import pdf_text

# A hand-written key: the same five questions in two versions (B has other orders and letters).
KEY = {
    "A": [
        {"id": "Q1", "number": 1, "type": "single", "points": 2, "options": ["甲", "乙", "丙", "丁"], "answer": "B"},
        {"id": "Q2", "number": 2, "type": "multiple", "points": 4, "options": ["子", "丑", "寅", "卯"],
         "answer": ["A", "C"]},
        {"id": "Q3", "number": 3, "type": "truefalse", "points": 1, "options": [], "answer": True},
        {"id": "Q4", "number": 4, "type": "blank", "points": 2, "options": [], "answer": [["主体"], ["承重"]]},
        {"id": "Q5", "number": 5, "type": "short", "points": 10, "options": [], "answer": "参考答案"},
    ],
    "B": [
        {"id": "Q2", "number": 1, "type": "multiple", "points": 4, "options": ["丑", "子", "卯", "寅"],
         "answer": ["B", "D"]},
        {"id": "Q1", "number": 2, "type": "single", "points": 2, "options": ["丙", "甲", "丁", "乙"], "answer": "D"},
        {"id": "Q3", "number": 3, "type": "truefalse", "points": 1, "options": [], "answer": True},
        {"id": "Q4", "number": 4, "type": "blank", "points": 2, "options": [], "answer": [["主体"], ["承重"]]},
        {"id": "Q5", "number": 5, "type": "short", "points": 10, "options": [], "answer": "参考答案"},
    ],
}

# Worked by hand (full marks 19):
#   张三 A: Q1 B ✓2, Q2 AC ✓4, Q3 对 ✓1, Q4 ✓✓2, Q5 9   → 18
#   李四 B: Q2 BD ✓4, Q1 D ✓2, Q3 √ ✓1, Q4 ✓✓2, Q5 8    → 17
#   王五 A: Q1 A 0, Q2 A (missing C) 0, Q3 ✓1, Q4 ✓✗1, Q5 7 → 9
#   赵六 B: Q2 BC (C wrong) 0, Q1 D ✓2, Q3 × 0, Q4 2, Q5 6 → 10
#   钱七 A: Q1 B 2, rest blank 0, Q3 错 0, Q5 5           → 7
#   孙八 A: Q1 C 0, Q2 ACD 0, Q3 ✓1, Q4 swapped 0, Q5 —   → 1 (Q5 not graded)
RESPONSES = [
    ["姓名", "工号", "部门", "版本", "Q1", "Q2", "Q3", "Q4", "Q5"],
    ["张三", "K001", "客服部", "A", "B", "AC", "对", "主体;承重", "9"],
    ["李四", "K002", "客服部", "B卷", "d", "B,D", "√", "主体；承重", "8"],
    ["王五", "K003", "工程部", "A", "A", "A", "T", "主体;楼板", "7"],
    ["赵六", "K004", "工程部", "B", "D", "BC", "×", "主体;承重", "6"],
    ["钱七", "K005", "秩序部", "A", "B", "", "错", "", "5"],
    ["孙八", "K006", "秩序部", "A", "C", "ACD", "对", "承重;主体", ""],
    ["周九", "K007", "客服部", "C", "B", "AC", "对", "主体;承重", "9"],     # line 8: no version C
    ["吴十", "K008", "客服部", "A", "B", "AC", "对", "主体;承重", "12"],    # line 9: 12 > 10 points
]


@pytest.fixture()
def files(tmp_path):
    key = tmp_path / "key.json"
    key.write_text(json.dumps(KEY, ensure_ascii=False), encoding="utf-8")
    resp = tmp_path / "responses.csv"
    with open(resp, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(RESPONSES)
    return key, resp


def test_scores_pass_fail_and_bad_rows(files):
    res = grade(*files)
    got = {c.name: (c.version, c.total, c.percent, c.passed) for c in res.candidates}
    assert got == {
        "张三": ("A", Decimal(18), Decimal("94.7"), True),
        "李四": ("B", Decimal(17), Decimal("89.5"), True),
        "王五": ("A", Decimal(9), Decimal("47.4"), False),
        "赵六": ("B", Decimal(10), Decimal("52.6"), False),
        "钱七": ("A", Decimal(7), Decimal("36.8"), False),
        "孙八": ("A", Decimal(1), Decimal("5.3"), False),
    }
    c = {c.name: c for c in res.candidates}
    assert c["王五"].scores["Q4"] == 1 and c["王五"].objective == 2 and c["王五"].subjective == 7
    assert c["孙八"].ungraded == ["Q5"]
    assert [(c.name, c.rank) for c in sorted(res.candidates, key=lambda c: c.rank)] == [
        ("张三", 1), ("李四", 2), ("赵六", 3), ("王五", 4), ("钱七", 5), ("孙八", 6)]
    assert [(e.row, e.field) for e in res.errors] == [(8, "版本"), (9, "Q5")]
    assert "C" in res.errors[0].describe() and "0 到 10" in res.errors[1].describe()


def test_class_summary_by_hand(files):
    s = grade(*files).summary()
    # percents 1800/19, 1700/19, 900/19, 1000/19, 700/19, 100/19: mean 6200/114 = 54.39,
    # median (900+1000)/38 = 50.0, population SD of totals 5.8214 × 100/19 = 30.64
    assert (s["candidates"], s["passed"], s["pass_rate"]) == (6, 2, "33.3")
    assert (s["mean"], s["median"], s["max"], s["min"], s["sd"]) == ("54.4", "50.0", "94.7", "5.3", "30.6")
    assert s["ungraded_candidates"] == 1 and s["errors"] == 2


def test_item_statistics_by_hand(files):
    res = grade(*files)
    # N = 6 → groups of round(1.62) = 2: upper 张三, 李四; lower 钱七, 孙八.
    assert group_size(6) == 2
    stats = {s.id: s for s in res.items}
    expect = {          # p, p_upper, p_lower, D
        "Q1": (Fraction(8, 12), 1, Fraction(1, 2), Fraction(1, 2)),
        "Q2": (Fraction(8, 24), 1, 0, 1),
        "Q3": (Fraction(4, 6), 1, Fraction(1, 2), Fraction(1, 2)),
        "Q4": (Fraction(7, 12), 1, 0, 1),
        "Q5": (Fraction(35, 50), Fraction(17, 20), Fraction(5, 10), Fraction(7, 20)),  # 孙八 not graded: left out
    }
    for qid, (p, pu, pl, d) in expect.items():
        s = stats[qid]
        assert (s.p, s.p_upper, s.p_lower, s.d) == (p, pu, pl, d), qid
    assert stats["Q5"].n == 5
    # KR-20 over Q1–Q4 right/wrong: numbers right 4,4,1,2,1,1 → σ² = 65/36; Σpq = 3·2/9 + 1/4 = 11/12;
    # 4/3 · (1 − (11/12)/(65/36)) = 128/195 = 0.656
    assert res.kr20 == Fraction(128, 195) and res.kr20_k == 4
    assert res.summary()["kr20"] == "0.656"


def test_partial_credit_rules():
    item = KeyItem("M", "multiple", Decimal(3), ["a", "b", "c", "d"], ["A", "B", "C"], 1)
    assert score_item(item, "ABC") == 3
    assert score_item(item, "CBA") == 3
    assert score_item(item, "AB", "none") == 0
    assert score_item(item, "AB", "half") == Decimal("1.50")
    assert score_item(item, "AB", "ratio") == Decimal("2.00")
    assert score_item(item, "ABD", "ratio") == 0      # a wrong choice scores nothing
    assert score_item(item, "A B", "ratio") == Decimal("2.00")


def test_partial_half_changes_totals(files):
    res = grade(*files, partial="half")
    c = {c.name: c for c in res.candidates}
    assert c["王五"].scores["Q2"] == 2 and c["王五"].total == 11
    assert c["孙八"].scores["Q2"] == 0                 # ACD has a wrong option


def test_columns_by_printed_number_and_blank_parts(tmp_path):
    key = tmp_path / "key.json"
    key.write_text(json.dumps(KEY, ensure_ascii=False), encoding="utf-8")
    resp = tmp_path / "r.csv"
    # Version B printed Q2 as number 1 and Q1 as number 2; blank parts in 4.1 / 4.2.
    rows = [["姓名", "版本", "1", "2", "第3题", "4.1", "4.2", "Q5"],
            ["甲", "B", "BD", "D", "对", "主体", "承重", "10"],
            ["乙", "A", "C", "AB", "错", "主体", "", "0"]]
    with open(resp, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    res = grade(key, resp)
    c = {c.name: c for c in res.candidates}
    assert c["甲"].total == 19 and c["甲"].percent == 100
    assert c["乙"].scores == {"Q1": 0, "Q2": 0, "Q3": 0, "Q4": 1, "Q5": 0}


def test_bad_key_and_missing_columns(tmp_path):
    key = tmp_path / "key.json"
    key.write_text(json.dumps({"A": [{"id": "Q1", "type": "single", "points": 2, "options": ["甲"],
                                      "answer": "C"}]}, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DataError, match="不是有效的选项字母"):
        load_key(key)
    key.write_text(json.dumps(KEY, ensure_ascii=False), encoding="utf-8")
    resp = tmp_path / "r.csv"
    resp.write_text("姓名,Q1\n甲,B\n", encoding="utf-8")
    with pytest.raises(DataError, match="版本"):
        grade(key, resp)
    resp.write_text("名字,版本,Q1\n甲,A,B\n", encoding="utf-8")
    with pytest.raises(DataError, match="姓名"):
        grade(key, resp)


def test_reports_written(files, tmp_path):
    from docgen.exam.api import grade_exam
    out = tmp_path / "out"
    res, written = grade_exam(*files, out)
    names = sorted(p.name for p in written)
    assert names == ["groups.csv", "histogram.png", "items.csv", "options.csv", "problems.csv", "report.pdf",
                     "scores.csv", "scores.xlsx", "summary.json", "training-summary.json"]
    with open(out / "scores.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert [(r["姓名"], r["总分"], r["百分制得分"], r["是否及格"]) for r in rows][:2] == [
        ("张三", "18", "94.7", "及格"), ("李四", "17", "89.5", "及格")]
    with open(out / "items.csv", encoding="utf-8-sig") as f:
        items = {r["题目编号"]: r for r in csv.DictReader(f)}
    assert (items["Q1"]["难度p"], items["Q1"]["区分度D"]) == ("0.667", "0.500")
    assert (items["Q5"]["难度p"], items["Q5"]["区分度D"], items["Q5"]["作答人数"]) == ("0.700", "0.350", "5")
    text = pdf_text(out / "report.pdf")
    for s in ("考试成绩分析报告", "参加人数", "33.3%", "0.656", "张三", "94.7", "区分度", "成绩分布"):
        assert s in text, s


def test_cli_grade_exit_codes(files, tmp_path):
    from typer.testing import CliRunner
    from docgen.cli import app
    runner = CliRunner()
    key, resp = files
    r = runner.invoke(app, ["exam", "grade", str(key), str(resp), "--out", str(tmp_path / "o"), "--json"])
    assert r.exit_code == 1, r.output              # two rows could not be graded
    data = json.loads(r.stdout)
    assert data["summary"]["passed"] == 2 and len(data["errors"]) == 2
    good = tmp_path / "good.csv"
    with open(good, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(RESPONSES[:7])
    r = runner.invoke(app, ["exam", "grade", str(key), str(good), "--out", str(tmp_path / "o2")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["exam", "grade", str(key), str(good), "--out", str(tmp_path / "o3"), "--partial", "x"])
    assert r.exit_code == 2


def test_xlsx_responses(files, tmp_path):
    from openpyxl import Workbook
    key, _ = files
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "版本", "Q1", "Q2", "Q3", "Q4", "Q5"])
    ws.append(["甲", "A", "b", "CA", "√", "主体；承重", 8.5])       # numbers arrive as exact Decimals
    ws.append(["乙", "B", "D", "BD", "错", None, 10])
    path = tmp_path / "r.xlsx"
    wb.save(path)
    res = grade(key, path)
    c = {c.name: c for c in res.candidates}
    assert c["甲"].total == Decimal("17.5") and c["甲"].percent == Decimal("92.1")
    assert c["乙"].total == 16 and c["乙"].scores["Q4"] == 0
