"""A table for a list field (`docgen render … --table results=scores.csv`, render_one(tables=…)), and the
two-command hand-off from `docgen exam grade` to the 培训签到及考核汇总表 (issue 18)."""
from __future__ import annotations

import csv
import json
import re
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pytest
from docx import Document as read_docx
from docx.oxml.ns import qn
from typer.testing import CliRunner

from docgen.api import render_one
from docgen.cli import app
from docgen.errors import DataError

from .helpers import assert_east_asian_fonts, cell_text, pdfcheck, shared_pdfcheck
from .test_templates_desk import graded  # noqa: F401 - the sample bank built and four staff's answers graded

HEAD = "topic: 消防安全知识与灭火器使用\ntrain_date: 2027-03-12\ntrainer: 钱立群\nplace: 二楼会议室\n"


def _squash(s: str) -> str:
    return re.sub(r"[\s\u2060]+", "", s or "")


def _run(*args: str):
    return CliRunner().invoke(app, ["render", "training-summary", "--no-register", *args])


def _pdf_rows(pdf: Path) -> list[list[str]]:
    """Every table row of the PDF (all pages) whose first cell is a number: the roster rows."""
    with pdfplumber.open(str(pdf)) as doc:
        rows = [[_squash(c) for c in row if c is not None]     # None: a grid column the cell spans
                for p in doc.pages for t in p.extract_tables() for row in t]
    return [r for r in rows if len(r) == 9 and r[0].isdigit()]


def _docx_rows(docx: Path) -> list[list[str]]:
    """The roster table's rows (after its header) as DOCX cell texts."""
    table = next(t for t in read_docx(str(docx)).tables if len(t.columns) == 9 and "签到" in _squash(t.rows[0].cells[4].text))
    return [[_squash(cell_text(c)) for c in r.cells] for r in table.rows[1:]]


def _head(tmp_path: Path) -> Path:
    p = tmp_path / "head.yaml"
    p.write_text(HEAD, encoding="utf-8")
    return p


# ---------------------------------------------------------------- reading the table

def test_gbk_csv_with_chinese_labels_fills_the_roster(tmp_path):
    """GBK bytes, headers as Chinese labels and aliases, in the table's order: each row one person."""
    csv_text = "序号说明,姓名,工号,部门,成绩,是否及格,备注\n,王晓,K001,客服部,96.0,及格,\n,欧阳喆,K006,工程部,65.5,不及格,下月补训\n"
    (tmp_path / "名单.csv").write_bytes(csv_text.encode("gbk"))
    r = _run("--data", str(_head(tmp_path)), "--table", f"results={tmp_path / '名单.csv'}", "--out",
             str(tmp_path / "s"))
    assert r.exit_code == 0, r.output
    pdf, docx = tmp_path / "s.pdf", tmp_path / "s.docx"
    for rows in (_pdf_rows(pdf), _docx_rows(docx)):
        assert rows[0][:7] == ["1", "王晓", "K001", "客服部", "", "96.0", "合格"]
        assert rows[1][:7] == ["2", "欧阳喆", "K006", "工程部", "", "65.5", "补训"] and rows[1][8] == "下月补训"
        assert rows[2][1:] == [""] * 8          # the padding rows stay blank for hand-written names
    assert "消防安全知识与灭火器使用" in _squash(pdfplumber.open(str(pdf)).pages[0].extract_text())
    assert_east_asian_fonts(docx)
    assert not pdfcheck().check(pdf)["problems"]


def test_bom_csv_and_field_names_with_the_only_list_field_implied(tmp_path):
    (tmp_path / "r.csv").write_text("\ufeffname,dept\n张堃,工程部\n吉𠮷,秩序部\n", encoding="utf-8")
    r = _run("--table", str(tmp_path / "r.csv"), "--out", str(tmp_path / "s.docx"))
    assert r.exit_code == 0, r.output
    rows = _docx_rows(tmp_path / "s.docx")
    assert [x[1] for x in rows[:2]] == ["张堃", "吉𠮷"] and rows[0][3] == "工程部" and rows[0][5:7] == ["", ""]


def test_xlsx_sheet(tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    wb.active.title = "说明"
    wb.active.append(["这一页不是名单"])
    ws = wb.create_sheet("名单")
    ws.append(["考生姓名", "部门", "百分制得分", "是否及格"])
    ws.append(["刘敏", "客服部", 70, "及格"])
    ws.append(["赵磊", "秩序部", 69.9, "不及格"])
    wb.save(tmp_path / "名单.xlsx")
    files = render_one("training-summary", data_path=_head(tmp_path), tables={"名单与成绩": tmp_path / "名单.xlsx"},
                       sheet="名单", out=tmp_path / "s", fmt="both")
    docx = next(p for p in files if p.suffix == ".docx")
    rows = _docx_rows(docx)
    assert rows[0][1] == "刘敏" and rows[0][5:7] == ["70", "合格"]
    assert rows[1][1] == "赵磊" and rows[1][5:7] == ["69.9", "补训"]


def test_render_one_without_tables_is_unchanged(tmp_path):
    files = render_one("training-summary", use_sample=True, out=tmp_path / "s", fmt="docx")
    assert [x[1] for x in _docx_rows(files[0])[:3]] == ["王晓", "欧阳喆", "赵磊"]


def test_a_sample_list_is_replaced_by_the_table(tmp_path):
    (tmp_path / "r.csv").write_text("姓名\n周一\n", encoding="utf-8")
    files = render_one("training-summary", use_sample=True, tables={"results": tmp_path / "r.csv"},
                       out=tmp_path / "s", fmt="docx")
    rows = _docx_rows(files[0])
    assert rows[0][1] == "周一" and "王晓" not in {r[1] for r in rows}


# ---------------------------------------------------------------- bad input: exit 2, named exactly

@pytest.mark.parametrize("text, needles", [
    ("姓名,部门,成绩,是否及格\n王晓,客服部,96,及格\n刘敏,客服部,九十,及格\n",
     ["名单.csv", "第 3 行", "第 3 列「成绩」", "百分制得分（percent）", "应为"]),
    ("姓名,部门,是否及格\n王晓,客服部,及格\n刘敏,客服部,良好\n",
     ["第 3 行", "第 3 列「是否及格」", "是否及格（status）", "「良好」不在可选项中", "及格、不及格、缺考、未评分"]),
    ("姓名,部门\n王晓,客服部\n,客服部\n", ["第 3 行", "姓名（name）", "缺少必填内容"]),
    ("姓名,部门\n王晓,客服部\n\n刘敏,客服部\n", ["第 3 行", "空行"]),
    ("姓名,部门\n王晓,客服部,多出来的\n", ["第 2 行", "表头只有 2 列"]),
    ("名字,部门\n王晓,客服部\n", ["第 1 行", "表头缺少必填的列", "姓名（name）", "考生姓名"]),
    ("甲,乙\n1,2\n", ["表头没有一列是", "姓名"]),
    ("姓名,名次,排名\n王晓,1,1\n", ["「名次」和「排名」两列都是排名（rank）"]),
    ("姓名,部门\n", ["只有表头"]),
    ("姓名,部门,成绩,是否及格\n王晓,客服部,九十,及格\n刘敏,客服部,x,及格\n赵磊,,y,及格\n",
     ["第 2 行", "另有 2 行有问题（第 3、4 行）"]),
])
def test_a_bad_row_is_reported_with_file_line_column_and_field(tmp_path, text, needles):
    (tmp_path / "名单.csv").write_text(text, encoding="utf-8")
    r = _run("--data", str(_head(tmp_path)), "--table", f"results={tmp_path / '名单.csv'}", "--out",
             str(tmp_path / "s.pdf"))
    assert r.exit_code == 2, r.output
    out = re.sub(r"\s*\n\s*", "", r.output)
    for n in needles:
        assert n in out, (n, out)
    assert not (tmp_path / "s.pdf").exists()


def test_usage_errors_name_the_option(tmp_path):
    (tmp_path / "r.csv").write_text("姓名\n王晓\n", encoding="utf-8")
    r = _run("--table", f"topic={tmp_path / 'r.csv'}", "--out", str(tmp_path / "s.pdf"))
    assert r.exit_code == 2 and "--table" in r.output and "不是记录列表字段" in r.output and "results" in r.output
    both = tmp_path / "both.yaml"
    both.write_text(HEAD + "results:\n  - {name: 王晓}\n", encoding="utf-8")
    r = _run("--data", str(both), "--table", f"results={tmp_path / 'r.csv'}", "--out", str(tmp_path / "s.pdf"))
    assert r.exit_code == 2 and "既在数据里给了" in r.output
    r = _run("--blank", "--table", str(tmp_path / "r.csv"), "--out", str(tmp_path / "s.pdf"))
    assert r.exit_code == 2 and "空白表单" in r.output
    # a template without a list field cannot take a bare table
    r = CliRunner().invoke(app, ["render", "water-outage-notice", "--no-register", "--table",
                                 str(tmp_path / "r.csv"), "--out", str(tmp_path / "w.pdf")])
    assert r.exit_code == 2 and "--table" in r.output and "没有列表字段" in r.output


def test_the_library_speaks_in_fields(tmp_path):
    (tmp_path / "r.csv").write_text("姓名\n王晓\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        render_one("training-summary", tables={"topic": tmp_path / "r.csv"}, out=tmp_path / "s", fmt="pdf")
    assert e.value.field == "tables" and "--" not in str(e.value)


# ---------------------------------------------------------------- exam grade → the summary, in two commands

def test_grade_then_render_the_summary(graded, tmp_path):  # noqa: F811 - the fixture imported above
    """`docgen exam grade` wrote result/training-summary.json; `docgen render training-summary --data` prints
    each trainee's name, score and 合格/补训 (grade's 及格 decided at its pass mark), and the counts."""
    scores = {r["name"]: r for r in json.loads((graded / "training-summary.json").read_text("utf-8"))["results"]}
    summary = json.loads((graded / "summary.json").read_text(encoding="utf-8"))
    r = _run("--data", str(graded / "training-summary.json"), "--set", "topic=物业服务综合知识", "--set",
             "train_date=2027-03-12", "--out", str(tmp_path / "汇总"))
    assert r.exit_code == 0, r.output
    pdf, docx = tmp_path / "汇总.pdf", tmp_path / "汇总.docx"
    sheet = list(csv.DictReader((graded / "scores.csv").open(encoding="utf-8-sig")))
    assert {s["姓名"] for s in sheet} == set(scores) == {"王晓", "刘敏", "赵磊", "张堃"}
    for rows in (_pdf_rows(pdf), _docx_rows(docx)):
        by_name = {row[1]: row for row in rows if row[1]}
        assert set(by_name) == set(scores)
        for s in sheet:            # the same person, score and result as grade's own score list
            row = by_name[s["姓名"]]
            assert row[2] == s["工号"] and row[3] == s["部门"]
            if s["是否及格"] == "缺考":
                assert row[5:7] == ["缺考", "补训"] and "缺考" in row[8]
            else:
                assert row[5] == s["百分制得分"] and row[7] == s["排名"]
                assert row[6] == ("合格" if s["是否及格"] == "及格" else "补训")
                assert (row[6] == "合格") == (Decimal(s["百分制得分"]) >= Decimal(summary["pass_mark"]))
    text = _squash("".join(p.extract_text() for p in pdfplumber.open(str(pdf)).pages))
    assert f"参加{summary['candidates']}人" in text and f"缺考{summary['absent']}人" in text
    assert f"及格人数{summary['passed']}人" in text and f"{summary['pass_rate']}%" in text
    assert "物业服务综合知识" in text and "70分及以上为及格" in text
    assert not pdfcheck().check(pdf)["problems"]


def test_grade_writes_the_summary_data(graded):  # noqa: F811
    data = json.loads((graded / "training-summary.json").read_text(encoding="utf-8"))
    summary = json.loads((graded / "summary.json").read_text(encoding="utf-8"))
    for k in ("pass_mark", "candidates", "absent", "passed", "pass_rate", "mean"):
        assert data[k] == summary[k]
    assert data["high"] == summary["max"] and data["low"] == summary["min"]
    assert [r["status"] for r in data["results"]][-1] == "缺考"


def test_a_pass_mark_other_than_grades_is_refused(graded, tmp_path):  # noqa: F811
    """Grade decided 及格 at its pass mark; a summary printed with another one would contradict it."""
    data = json.loads((graded / "training-summary.json").read_text(encoding="utf-8"))
    graded_rows = [r for r in data["results"] if r["percent"] is not None]
    first_pass = next(i for i, r in enumerate(data["results"], 1) if r["status"] == "及格")
    r = _run("--data", str(graded / "training-summary.json"), "--set", f"results.{first_pass}.percent=65.0",
             "--out", str(tmp_path / "x.pdf"))
    assert r.exit_code == 2 and "结果却是“及格”" in r.output and not (tmp_path / "x.pdf").exists()
    highest_fail = max(Decimal(r["percent"]) for r in graded_rows if r["status"] == "不及格")
    r = _run("--data", str(graded / "training-summary.json"), "--set", f"pass_mark={highest_fail}",
             "--out", str(tmp_path / "x.pdf"))
    assert r.exit_code == 2 and "结果却是“不及格”" in r.output


def test_a_score_without_a_result_is_refused(tmp_path):
    (tmp_path / "r.csv").write_text("姓名,成绩\n王晓,85\n", encoding="utf-8")
    r = _run("--table", str(tmp_path / "r.csv"), "--out", str(tmp_path / "x.pdf"))
    assert r.exit_code == 2 and "王晓有成绩而没有是否及格" in r.output


# ---------------------------------------------------------------- one row, thirty rows, blank

def _roster(n: int) -> list[dict]:
    fam = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏"
    return [{"rank": i + 1, "name": fam[i % len(fam)] + "晓" + "明红刚丽强"[i % 5], "staff_no": f"K{i + 1:03d}",
             "dept": "工程部", "percent": str(99 - i * 2), "status": "及格" if 99 - i * 2 >= 70 else "不及格"}
            for i in range(n)]


def test_thirty_rows_break_the_page_and_repeat_the_header(tmp_path):
    data = {"topic": "消防安全", "results": _roster(30), "blank_rows": 0}
    files = render_one("training-summary", data=data, out=tmp_path / "s", fmt="both")
    pdf, docx = sorted(files, key=lambda p: p.suffix != ".pdf")
    with pdfplumber.open(str(pdf)) as doc:
        pages = [_squash(p.extract_text()) for p in doc.pages]
    assert len(pages) == 2
    for i, text in enumerate(pages, 1):
        assert "序号姓名工号部门签到成绩结果名次备注" in text        # the header row on each page
        assert f"第{i}页共2页" in text
    assert [r[1] for r in _pdf_rows(pdf)] == [r["name"] for r in data["results"]]
    assert "应到30人" in pages[1] and "培训主管签字" in pages[1]
    table = next(t for t in read_docx(str(docx)).tables if len(t.rows) == 31)
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert not pdfcheck().check(pdf)["problems"]
    assert not shared_pdfcheck().check(pdf)["problems"]


def test_one_row_and_blank_are_one_page(tmp_path):
    one = render_one("training-summary", data={"results": _roster(1)}, out=tmp_path / "one", fmt="pdf")[0]
    blank = render_one("training-summary", blank=True, out=tmp_path / "blank", fmt="pdf")[0]
    with pdfplumber.open(str(one)) as doc:
        assert len(doc.pages) == 1 and "第1页" not in _squash(doc.pages[0].extract_text())
    rows = _pdf_rows(one)
    assert rows[0][1:3] == ["赵晓明", "K001"] and rows[0][6] == "合格" and len(rows) == 14
    with pdfplumber.open(str(blank)) as doc:
        assert len(doc.pages) == 1
    assert all(r[1:] == [""] * 8 for r in _pdf_rows(blank))
    for pdf in (one, blank):
        assert not pdfcheck().check(pdf)["problems"]

