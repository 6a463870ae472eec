"""Tests for docgen.readers: documents, tables (CSV/XLSX/YAML/JSON) and value parsers."""
from __future__ import annotations

import io
import sys
from datetime import date, datetime
from decimal import Decimal

import pytest

from docgen.errors import DataError
from docgen.inputs.documents import read_document
from docgen.inputs.readers import (
    Row,
    normalize_text,
    parse_amount,
    parse_date,
    parse_period,
    read_headers,
    read_table,
)

HEADER = "楼栋,房号,业主姓名,收费项目,所属期间,欠费金额"


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


# --------------------------------------------------------------------------- #
# CSV
# --------------------------------------------------------------------------- #

def test_csv_utf8_bom(tmp_path):
    p = write(tmp_path, "a.csv", HEADER + "\r\n1栋,101,张三,物业服务费,2026-03,539.01\r\n", "utf-8-sig")
    t = read_table(p)
    assert t.encoding == "utf-8-sig"
    assert t.headers[0] == "楼栋"          # BOM not glued to the first header
    rows = list(t)
    assert rows == [Row(2, {"楼栋": "1栋", "房号": "101", "业主姓名": "张三", "收费项目": "物业服务费",
                            "所属期间": "2026-03", "欠费金额": "539.01"})]


def test_csv_utf8_without_bom(tmp_path):
    p = write(tmp_path, "a.csv", HEADER + "\n1栋,101,堃喆𠮷,物业服务费,2026-03,1\n")
    rows = list(read_table(p))
    assert rows[0].values["业主姓名"] == "堃喆𠮷"


def test_csv_gbk(tmp_path):
    p = write(tmp_path, "gbk.csv", HEADER + "\r\n2栋,302,李四,车位使用费,2026年3月,\"￥1,234.50\"\r\n", "gbk")
    t = read_table(p)
    assert t.encoding == "gb18030"
    assert t.headers == ["楼栋", "房号", "业主姓名", "收费项目", "所属期间", "欠费金额"]
    (row,) = list(t)
    assert row.values["业主姓名"] == "李四"
    assert parse_period(row.values["所属期间"]) == "2026-03"
    assert parse_amount(row.values["欠费金额"]) == Decimal("1234.50")


def test_csv_gbk_late_non_ascii(tmp_path):
    """Chinese text only after the first 64 KB still selects GBK."""
    lines = ["unit,name"] + [f"{i},abc" for i in range(12000)] + ["9999,王五"]
    p = write(tmp_path, "late.csv", "\n".join(lines) + "\n", "gbk")
    t = read_table(p)
    assert t.encoding == "gb18030"
    assert list(t)[-1].values == {"unit": "9999", "name": "王五"}


def test_csv_tab_delimited(tmp_path):
    p = write(tmp_path, "tab.csv", "房号\t业主姓名\t欠费金额\n101\t张 三\t1,234.50\n")
    t = read_table(p)
    assert t.delimiter == "\t"
    (row,) = list(t)
    assert row.values == {"房号": "101", "业主姓名": "张 三", "欠费金额": "1,234.50"}


def test_csv_semicolon_delimited(tmp_path):
    p = write(tmp_path, "semi.csv", "房号;业主姓名;欠费金额\n101;张三;12,50\n102;李四;3\n")
    t = read_table(p)
    assert t.delimiter == ";"
    assert [r.values["欠费金额"] for r in t] == ["12,50", "3"]


def test_csv_single_column_falls_back_to_comma(tmp_path):
    p = write(tmp_path, "one.csv", "房号\n101\n102\n")
    t = read_table(p)
    assert t.delimiter == ","
    assert [r.values for r in t] == [{"房号": "101"}, {"房号": "102"}]


def test_csv_header_and_value_cleaning(tmp_path):
    text = "\ufeff 楼栋 ,\u3000房号\u3000,业主姓名  ,欠费金额\n 1栋 ,\u3000101\u3000,  , 12.5 \n"
    p = write(tmp_path, "clean.csv", text)
    t = read_table(p)
    assert t.headers == ["楼栋", "房号", "业主姓名", "欠费金额"]
    (row,) = list(t)
    assert row.values == {"楼栋": "1栋", "房号": "101", "业主姓名": None, "欠费金额": "12.5"}


def test_csv_blank_line_in_middle_and_trailing(tmp_path):
    text = "房号,欠费金额\n101,1\n\n102,2\n,\n103,3\n\n\n"
    rows = list(read_table(write(tmp_path, "b.csv", text)))
    assert [(r.line, r.blank) for r in rows] == [(2, False), (3, True), (4, False), (5, True), (6, False)]
    assert rows[1].values == {"房号": None, "欠费金额": None}
    assert rows[4].values == {"房号": "103", "欠费金额": "3"}   # trailing blank lines dropped


def test_csv_leading_blank_lines_before_header(tmp_path):
    rows = list(read_table(write(tmp_path, "lead.csv", "\n\n房号,欠费金额\n101,1\n")))
    assert rows == [Row(4, {"房号": "101", "欠费金额": "1"})]


def test_csv_quoted_newlines_keep_physical_start_line(tmp_path):
    """A record's line is the physical line where it starts; line breaks inside quotes count."""
    text = ('房号,备注,欠费金额\n'
            '101,"第一行\n第二行\n第三行",10\n'       # lines 2-4
            '102,"a\r\nb",20\r\n'                     # lines 5-6 (CRLF inside counts once)
            '103,plain,30\n')                         # line 7
    rows = list(read_table(write(tmp_path, "q.csv", text)))
    assert [r.line for r in rows] == [2, 5, 7]
    assert rows[0].values["备注"] == "第一行\n第二行\n第三行"
    assert rows[1].values["备注"] == "a\r\nb"


def test_csv_ragged_rows(tmp_path):
    text = "房号,业主姓名,欠费金额\n101,张三\n102,李四,5,,\n103,王五,6,多余\n104,赵六,7\n"
    p = write(tmp_path, "r.csv", text)
    t = read_table(p)
    assert next(t).values == {"房号": "101", "业主姓名": "张三", "欠费金额": None}  # fewer cells
    assert next(t).values == {"房号": "102", "业主姓名": "李四", "欠费金额": "5"}   # empty extras ok
    with pytest.raises(DataError) as ei:
        next(t)
    e = ei.value
    assert e.row == 4 and e.file == str(p)
    assert "第 4 行" in str(e) and "表头只有 3 列" in str(e) and "多余" in str(e)
    assert next(t).values["房号"] == "104"   # iteration can resume after a bad row


def test_csv_ragged_rows_yield_mode(tmp_path):
    p = write(tmp_path, "r.csv", "房号,欠费金额\n101,1,x\n102,2\n")
    rows = list(read_table(p, on_error="yield"))
    assert [r.line for r in rows] == [2, 3]
    assert rows[0].error is not None and rows[0].error.row == 2
    assert rows[0].values == {"房号": "101", "欠费金额": "1"}
    assert rows[1].error is None


def test_csv_duplicate_headers(tmp_path):
    with pytest.raises(DataError) as ei:
        read_table(write(tmp_path, "d.csv", "房号, 房号 ,金额\n1,2,3\n"))
    assert ei.value.row == 1 and ei.value.field == "房号" and "重复" in str(ei.value)


def test_csv_unnamed_middle_column(tmp_path):
    t = read_table(write(tmp_path, "u.csv", "房号,,金额,\n101,,5,\n"))
    assert t.headers == ["房号", "第2列", "金额"]


def test_empty_and_missing_files(tmp_path):
    with pytest.raises(DataError, match="没有表头"):
        read_table(write(tmp_path, "e.csv", "\n\n"))
    with pytest.raises(DataError, match="文件不存在"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="xls"):
        read_table(write(tmp_path, "old.xls", "x"))


def test_csv_streams(tmp_path):
    """Rows come one at a time; the file is not read into memory up front."""
    p = write(tmp_path, "big.csv", "房号,金额\n" + "".join(f"{i},{i}.5\n" for i in range(50000)))
    t = read_table(p)
    first = next(t)
    assert first == Row(2, {"房号": "0", "金额": "0.5"})
    # the underlying text file has only consumed a small prefix
    assert t._closers  # still open
    t.close()
    assert list(t) == []


def test_read_headers(tmp_path):
    assert read_headers(write(tmp_path, "h.csv", "房号\t金额\n1\t2\n")) == ["房号", "金额"]


# --------------------------------------------------------------------------- #
# XLSX
# --------------------------------------------------------------------------- #

def make_xlsx(path, rows, title="欠费明细", extra_sheet=None):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    if extra_sheet:
        ws2 = wb.create_sheet(extra_sheet[0])
        for r in extra_sheet[1]:
            ws2.append(r)
    wb.save(path)
    return path


def test_xlsx_types_and_exact_decimals(tmp_path):
    p = make_xlsx(tmp_path / "l.xlsx", [
        [" 楼栋", "房号 ", "业主姓名", "所属期间", "缴费日期", "欠费金额", "户数"],
        ["1栋", "101", "张三 ", "2026-03", datetime(2026, 11, 23), 0.1 + 0.2, 3],
        ["1栋", "102", "李四", 202603, 46349, 1234.5, 1],
        ["1栋", "103", "王五", "2026年3月", "2026/11/23", 539.01, 2],
        ["1栋", "104", "赵六", None, None, 100.0, None],
    ])
    t = read_table(p)
    assert t.format == "xlsx" and t.sheet == "欠费明细"
    assert t.headers == ["楼栋", "房号", "业主姓名", "所属期间", "缴费日期", "欠费金额", "户数"]
    rows = list(t)
    assert [r.line for r in rows] == [2, 3, 4, 5]
    amounts = [r.values["欠费金额"] for r in rows]
    assert amounts == [Decimal("0.3"), Decimal("1234.5"), Decimal("539.01"), Decimal("100")]
    assert all(type(a) is Decimal for a in amounts[:3])
    assert amounts[3] == 100   # 100.0 is stored as <v>100</v>, openpyxl reads an int

    assert not any(isinstance(v, float) for r in rows for v in r.values.values())
    assert rows[0].values["业主姓名"] == "张三"
    assert rows[0].values["户数"] == 3 and type(rows[0].values["户数"]) is int
    assert isinstance(rows[0].values["缴费日期"], datetime)
    assert parse_date(rows[0].values["缴费日期"]) == date(2026, 11, 23)
    assert parse_date(rows[1].values["缴费日期"]) == date(2026, 11, 23)   # Excel serial
    assert [parse_period(r.values["所属期间"]) for r in rows[:3]] == ["2026-03"] * 3
    assert rows[3].values["户数"] is None
    assert sum(amounts) == Decimal("1873.81")


def test_xlsx_blank_rows_and_trailing(tmp_path):
    p = make_xlsx(tmp_path / "b.xlsx", [
        ["房号", "欠费金额"],
        ["101", 1.5],
        [None, None],
        ["102", 2.25],
        [None, None],
        [None, None],
    ])
    rows = list(read_table(p))
    assert [(r.line, r.blank) for r in rows] == [(2, False), (3, True), (4, False)]
    assert rows[2].values == {"房号": "102", "欠费金额": Decimal("2.25")}


def test_xlsx_gap_rows_keep_sheet_row_numbers(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["B1"] = "房号", "欠费金额"
    ws["A2"], ws["B2"] = "101", 10
    ws["A7"], ws["B7"] = "106", 60          # rows 3-6 do not exist in the file
    wb.save(tmp_path / "g.xlsx")
    rows = list(read_table(tmp_path / "g.xlsx"))
    assert [(r.line, r.blank) for r in rows] == [(2, False), (3, True), (4, True), (5, True), (6, True), (7, False)]


def test_xlsx_sheet_selection_and_errors(tmp_path):
    p = make_xlsx(tmp_path / "s.xlsx", [["说明"], ["见第二页"]], title="说明",
                  extra_sheet=("台账", [["房号", "房号"], ["1", "2"]]))
    assert read_headers(p) == ["说明"]
    with pytest.raises(DataError, match="重复"):
        read_table(p, sheet="台账")
    with pytest.raises(DataError) as ei:
        read_table(p, sheet="不存在")
    assert "台账" in str(ei.value)


def test_xlsx_ragged_and_corrupt(tmp_path):
    p = make_xlsx(tmp_path / "r.xlsx", [["房号", "金额"], ["101", 1, "备注"]])
    with pytest.raises(DataError) as ei:
        list(read_table(p))
    assert ei.value.row == 2
    bad = write(tmp_path, "bad.xlsx", "not a zip")
    with pytest.raises(DataError, match="无法打开 Excel"):
        read_table(bad)


def test_xlsx_from_bench_generator(tmp_path):
    """The shared ledger generator writes floats; every amount must come back exact."""
    import importlib.util
    from pathlib import Path

    src = Path("/work/shared/bench/make_ledger.py")
    if not src.exists():
        pytest.skip("bench script not available")
    spec = importlib.util.spec_from_file_location("make_ledger", src)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    expected = list(mod.rows(30, 7))
    out = tmp_path / "ledger.xlsx"
    sys_argv = sys.argv
    try:
        sys.argv = ["make_ledger", "--units", "30", "--seed", "7", "--out", str(out)]
        mod.main()
    finally:
        sys.argv = sys_argv
    rows = list(read_table(out))
    assert len(rows) == len(expected)
    for r, e in zip(rows, expected):
        assert parse_amount(r.values["欠费金额"]) == Decimal(e[8])
        assert parse_amount(r.values["应收金额"]) == Decimal(e[6])


# --------------------------------------------------------------------------- #
# YAML / JSON
# --------------------------------------------------------------------------- #

def test_read_document_yaml(tmp_path):
    p = write(tmp_path, "d.yaml", "业主姓名: 张三\n截止日期: 2026-11-23\n金额: 1234.50\n费用:\n  - 项目: 物业费\n")
    d = read_document(p)
    assert d["业主姓名"] == "张三"
    assert d["截止日期"] == date(2026, 11, 23) and type(d["截止日期"]) is date
    assert parse_amount(d["金额"]) == Decimal("1234.5")
    assert d["费用"] == [{"项目": "物业费"}]


def test_read_document_yaml_is_safe(tmp_path):
    p = write(tmp_path, "evil.yaml", "x: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(DataError):
        read_document(p)


def test_read_document_json(tmp_path):
    p = write(tmp_path, "d.json", '{"业主姓名": "李四", "金额": 0.3}')
    assert read_document(p) == {"业主姓名": "李四", "金额": 0.3}


def test_read_document_json_syntax_error(tmp_path):
    p = write(tmp_path, "bad.json", '{\n  "a": 1,\n  "b": \n}\n')
    with pytest.raises(DataError) as ei:
        read_document(p)
    assert ei.value.row == 4 and ei.value.file == str(p) and "JSON" in str(ei.value)


def test_read_document_yaml_syntax_error_names_line(tmp_path):
    p = write(tmp_path, "bad.yaml", "title: 通知\nbody: ok\n  bad: indent\nx: 1\n")
    with pytest.raises(DataError) as ei:
        read_document(p)
    e = ei.value
    assert e.row == 3 and e.file == str(p)
    assert "第 3 行" in str(e) and "YAML 语法错误" in str(e)


def test_read_document_yaml_tab_hint(tmp_path):
    p = write(tmp_path, "tab.yaml", "a:\n\tb: 1\n")
    with pytest.raises(DataError) as ei:
        read_document(p)
    assert ei.value.row == 2 and "Tab" in str(ei.value)


def test_read_document_top_level_must_be_mapping(tmp_path):
    with pytest.raises(DataError, match="顶层应为字段映射"):
        read_document(write(tmp_path, "l.yaml", "- a\n- b\n"))
    with pytest.raises(DataError, match="空"):
        read_document(write(tmp_path, "e.yaml", "# nothing\n"))
    with pytest.raises(DataError, match="文件不存在"):
        read_document(tmp_path / "missing.yaml")
    with pytest.raises(DataError, match="不支持"):
        read_document(write(tmp_path, "x.csv", "a,b\n"))


def test_read_document_gbk_yaml(tmp_path):
    assert read_document(write(tmp_path, "g.yml", "业主姓名: 王五\n", "gbk")) == {"业主姓名": "王五"}


def test_read_document_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO('{"a": 1, "日期": "2026-11-23"}'.encode())))
    assert read_document("-") == {"a": 1, "日期": "2026-11-23"}
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("a: [1\n".encode())))
    with pytest.raises(DataError) as ei:
        read_document("-")
    assert ei.value.file == "标准输入" and ei.value.row is not None


def test_read_table_yaml_records(tmp_path):
    text = ("org: 某物业\n"
            "records:\n"
            "  - 房号: '101'\n"
            "    欠费金额: 0.30000000000000004\n"
            "  - 房号: ' 102 '\n"
            "    业主姓名: 李四\n"
            "  - {}\n"
            "  - 房号: '103'\n")
    t = read_table(write(tmp_path, "r.yaml", text))
    assert t.headers == ["房号", "欠费金额", "业主姓名"]
    rows = list(t)
    assert [(r.line, r.blank) for r in rows] == [(3, False), (5, False), (7, True), (8, False)]
    assert rows[0].values == {"房号": "101", "欠费金额": Decimal("0.3"), "业主姓名": None}
    assert rows[1].values["房号"] == "102"


def test_read_table_json_list(tmp_path):
    text = '[\n {"房号": "101", "欠费金额": 1234.50},\n {"房号": "102", "欠费金额": 0.1},\n 5\n]\n'
    rows = list(read_table(write(tmp_path, "r.json", text), on_error="yield"))
    assert [r.line for r in rows] == [2, 3, 4]
    assert rows[0].values["欠费金额"] == Decimal("1234.50")
    assert rows[1].values["欠费金额"] == Decimal("0.1")
    assert rows[2].error is not None and rows[2].error.row == 4


# --------------------------------------------------------------------------- #
# parse_amount
# --------------------------------------------------------------------------- #

@pytest.mark.parametrize("raw, expected", [
    ("1234.50", "1234.50"),
    ("  1234.5  ", "1234.5"),
    ("¥1,234.50", "1234.50"),
    ("￥1,234.50", "1234.50"),
    ("¥ 1,234.50", "1234.50"),
    ("RMB 1,000", "1000"),
    ("rmb1000", "1000"),
    ("人民币500元", "500"),
    ("1234.50元", "1234.50"),
    ("1,234,567.89", "1234567.89"),
    ("1，234．50", "1234.50"),         # full-width comma and period
    ("１２３４．５０", "1234.50"),       # full-width digits
    ("－12.5", "-12.5"),               # full-width minus
    ("-¥12.5", "-12.5"),
    ("¥-12.5", "-12.5"),
    ("−3", "-3"),                      # U+2212
    ("+7", "7"),
    (".5", "0.5"),
    ("0", "0"),
    ("-0.00", "0.00"),
    ("\u3000８８\u3000", "88"),
    (Decimal("12.345"), "12.345"),
    (42, "42"),
    (0.1 + 0.2, "0.3"),
    (1234.5, "1234.5"),
])
def test_parse_amount_ok(raw, expected):
    d = parse_amount(raw)
    assert type(d) is Decimal
    assert d == Decimal(expected) and str(d) == expected


@pytest.mark.parametrize("raw", [
    "abc", "", "  ", "12,34", "1,2345", "1.2.3", "1e5", "NaN", "inf", "--5", "-¥-5",
    "¥", "元", "12元34", "1 234", True, None, float("nan"), float("inf"),
    Decimal("NaN"), Decimal("Infinity"), [1], date(2026, 1, 1),
])
def test_parse_amount_rejects(raw):
    with pytest.raises(ValueError) as ei:
        parse_amount(raw)
    assert "应为数字" in str(ei.value)


def test_parse_amount_message():
    with pytest.raises(ValueError) as ei:
        parse_amount("abc")
    assert str(ei.value) == "不是金额：'abc'（应为数字，如 1234.50）"


# --------------------------------------------------------------------------- #
# parse_date
# --------------------------------------------------------------------------- #

@pytest.mark.parametrize("raw", [
    "2026-11-23", "2026/11/23", "2026.11.23", "2026年11月23日", "2026年11月23号", "20261123",
    "2026-11-23 00:00:00", "2026/11/23 8:30", "２０２６－１１－２３", " 2026-11-23 ",
    46349, Decimal("46349"), 46349.0, 46349.75, "46349", "46349.5", 20261123,
    date(2026, 11, 23), datetime(2026, 11, 23, 15, 30),
])
def test_parse_date_ok(raw):
    d = parse_date(raw)
    assert d == date(2026, 11, 23) and type(d) is date


def test_parse_date_short_forms():
    assert parse_date("2026-3-5") == date(2026, 3, 5)
    assert parse_date("2026年3月5日") == date(2026, 3, 5)
    assert parse_date(20000) == date(1954, 10, 3)
    assert parse_date(80000) == date(2119, 1, 11)


@pytest.mark.parametrize("raw", [
    "2026-02-30", "2026-13-01", "20261301", "2026-11", "23/11/2026", "2026-11/23", "明天", "",
    19999, 80001, 123, -46349, True, None, "1234", Decimal("NaN"),
])
def test_parse_date_rejects(raw):
    with pytest.raises(ValueError) as ei:
        parse_date(raw)
    assert "日期" in str(ei.value)


# --------------------------------------------------------------------------- #
# parse_period
# --------------------------------------------------------------------------- #

@pytest.mark.parametrize("raw, expected", [
    ("2026-3", "2026-03"), ("2026-03", "2026-03"), ("2026/3", "2026-03"), ("2026.03", "2026-03"),
    ("2026.3", "2026-03"), ("2026年3月", "2026-03"), ("2026年03月份", "2026-03"), ("202603", "2026-03"),
    (" 2026-12 ", "2026-12"), ("２０２６年１２月", "2026-12"), ("2026-03-15", "2026-03"),
    ("2026年3月15日", "2026-03"),
    (202603, "2026-03"), (Decimal("202611"), "2026-11"), (Decimal("2026.03"), "2026-03"),
    (2026.12, "2026-12"), (date(2026, 3, 1), "2026-03"), (datetime(2026, 3, 31, 23, 59), "2026-03"),
    (46349, "2026-11"), ("46349", "2026-11"),
])
def test_parse_period_ok(raw, expected):
    assert parse_period(raw) == expected


@pytest.mark.parametrize("raw, fragment", [
    ("2026-13", "月份不存在"), ("2026年13月", "月份不存在"), ("202613", "月份不存在"), ("2026-0", "月份不存在"),
    ("2026", "不是所属期间"), ("三月", "不是所属期间"), ("", "不是所属期间"), ("2026-03至2026-05", "不是所属期间"),
    (Decimal("2026.1"), "歧义"), (2026.1, "歧义"), (123, "不是所属期间"), (None, "不是所属期间"),
    (True, "不是所属期间"), ("2026-02-30", "日期不存在"),
])
def test_parse_period_rejects(raw, fragment):
    with pytest.raises(ValueError) as ei:
        parse_period(raw)
    assert fragment in str(ei.value)


# --------------------------------------------------------------------------- #
# normalize_text
# --------------------------------------------------------------------------- #

def test_normalize_text_removes_illegal_and_keeps_rare():
    raw = "  张\x00三\x07\x1f\ufffe\uffff\ud800 \r\n第二行\r第三行\t尾  "
    assert normalize_text(raw) == "张三 \n第二行\n第三行\t尾"
    keep = "𠮷堃喆赟䶮 臺灣發票 😀👨‍👩‍👧 <&>\"'"
    assert normalize_text(keep) == keep
    assert normalize_text("e\u0301") == "\u00e9"          # NFC
    assert normalize_text("\u3000全角空格\u3000") == "全角空格"
    assert normalize_text(None) == "" and normalize_text(12) == "12"


def test_csv_utf16_excel_unicode_text(tmp_path):
    """Excel's "Unicode text" export: UTF-16 with BOM, tab-delimited."""
    p = write(tmp_path, "u16.txt", "房号\t业主姓名\r\n101\t张三\r\n", "utf-16")
    t = read_table(p)
    assert t.delimiter == "\t" and t.headers == ["房号", "业主姓名"]
    assert list(t) == [Row(2, {"房号": "101", "业主姓名": "张三"})]


def test_csv_mixed_encoding_is_reported_with_line(tmp_path):
    head = ("房号,业主姓名\n" + "".join(f"{i},张三\n" for i in range(20000))).encode("utf-8")
    p = tmp_path / "mixed.csv"
    p.write_bytes(head + "9999,李四\n".encode("gbk"))
    t = read_table(p)
    assert t.encoding == "utf-8-sig"
    with pytest.raises(DataError) as ei:
        list(t)
    assert "编码" in str(ei.value) and ei.value.row == 20002


def test_title_rows_above_header_are_skipped(tmp_path):
    text = "阳光花园欠费明细表,,\n制表日期：2026-11-01,,\n\n房号,业主姓名,欠费金额\n101,张三,5\n"
    t = read_table(write(tmp_path, "t.csv", text))
    assert t.titles == ["阳光花园欠费明细表", "制表日期：2026-11-01"]
    assert t.headers == ["房号", "业主姓名", "欠费金额"] and t.header_line == 4
    assert list(t) == [Row(5, {"房号": "101", "业主姓名": "张三", "欠费金额": "5"})]

    p = make_xlsx(tmp_path / "t.xlsx", [["阳光花园欠费明细表"], ["房号", "欠费金额"], ["101", 12.3]])
    t = read_table(p)
    assert t.titles == ["阳光花园欠费明细表"] and t.header_line == 2
    assert list(t) == [Row(3, {"房号": "101", "欠费金额": Decimal("12.3")})]


def test_one_column_table_keeps_rows_after_header(tmp_path):
    rows = list(read_table(write(tmp_path, "one.csv", "房号\n\n101\n102\n")))
    assert [(r.line, r.blank, r.values["房号"]) for r in rows] == [(2, True, None), (3, False, "101"),
                                                                     (4, False, "102")]


def test_yaml_numbers_are_the_decimal_of_their_text(tmp_path):
    from decimal import Decimal
    import yaml
    from docgen.inputs.documents import DataLoader
    data = yaml.load("a: 1500.00\nb: -0.5\nc: 4851.09\nd: 8:30\ne: 0101\n", Loader=DataLoader)
    assert data == {"a": Decimal("1500.00"), "b": Decimal("-0.5"), "c": Decimal("4851.09"), "d": "8:30", "e": "0101"}
    assert str(data["a"]) == "1500.00"
