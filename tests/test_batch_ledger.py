"""Ledger reading for batch dunning: column aliases, amount/period quirks, bad rows, grouping, folding."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from docgen.errors import DataError
from docgen.dunning.ledger import Charge, delivery_order, fold, map_columns, natural_key, read_ledger

AS_OF = date(2026, 11, 30)


def write(tmp_path, name, lines, encoding="utf-8-sig"):
    p = tmp_path / name
    p.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return p


def test_header_aliases_and_variants():
    cols = map_columns(["楼号", "房间号", "客户名称", "手机", "费用项目", "账期", "应收金额（元）", "实收金额",
                        "欠费金额(元)"], "x.csv")
    assert cols == {"building": "楼号", "unit": "房间号", "owner_name": "客户名称", "phone": "手机",
                    "item": "费用项目", "period": "账期", "receivable": "应收金额（元）", "paid": "实收金额",
                    "arrears": "欠费金额(元)"}
    # spaces and full-width letters in headers are folded
    assert map_columns([" 楼 栋", "房号", "业主姓名", "收费项目", "所属期间", "欠费金额"], "x")["building"] == " 楼 栋"


def test_missing_columns_is_a_run_error(tmp_path):
    p = write(tmp_path, "a.csv", ["楼栋,房号,收费项目,所属期间,欠费金额", "1栋,101,物业服务费,2026-03,10"])
    with pytest.raises(DataError) as e:
        read_ledger(p, as_of=AS_OF)
    assert "业主姓名" in str(e.value) and "a.csv" in str(e.value)


def test_ambiguous_amount_columns_is_a_run_error():
    with pytest.raises(DataError) as e:
        map_columns(["楼栋", "房号", "业主姓名", "收费项目", "所属期间", "欠费", "欠费金额"], "x.csv")
    assert "欠费、欠费金额" in str(e.value)


def test_amount_and_period_quirks_fold_into_one_line(tmp_path):
    p = write(tmp_path, "q.csv", [
        "楼栋,房号,业主姓名,收费项目,所属期间,欠费金额",
        "1栋,101,龚䶮,物业服务费,2026-3,1234.5",
        '1栋,101,龚䶮,物业服务费,2026年4月,"¥1,234.50"',
        '1栋,101,龚䶮,物业服务费,202605,"￥1,234.50"',
        "1栋,101,龚䶮,物业服务费,2026-06,１２３４．５０",
        "1栋,101,龚䶮,物业服务费,46204,1234.50元",          # Excel serial day 46204 = 2026-07-01
        "１栋 , 101 ,龚䶮 , 物业服务费  ,2026/08, 1234.50 ",   # full-width digit, stray spaces
    ])
    led = read_ledger(p, as_of=AS_OF)
    (u,) = led.units.values()
    assert u.key == ("1栋", "101")
    assert sorted(c.period for c in u.charges) == [f"2026-{m:02d}" for m in range(3, 9)]
    assert all(c.amount == Decimal("1234.50") for c in u.charges)
    assert fold(u.charges) == [{"item": "物业服务费", "period": "2026-03～2026-08", "months": 6,
                                         "monthly": Decimal("1234.50"), "amount": Decimal("7407.00")}]
    assert u.total == Decimal("7407.00")
    assert u.lines == [2, 3, 4, 5, 6, 7] and not u.errors and not u.skipped


def test_gbk_csv(tmp_path):
    p = write(tmp_path, "gbk.csv", ["楼栋,房号,业主姓名,收费项目,所属期间,欠费金额",
                                    "2栋,302,陳麗華,车位使用费,2026-03,300"], encoding="gbk")
    (u,) = read_ledger(p, as_of=AS_OF).units.values()
    assert u.owner_name == "陳麗華" and u.total == Decimal("300.00")


def test_bad_rows_block_their_unit_and_are_reported(tmp_path):
    p = write(tmp_path, "bad.csv", [
        "楼栋,房号,业主姓名,收费项目,所属期间,应收金额,已收金额,欠费金额",
        "3栋,101,李四,物业服务费,2026-03,300,0,300",        # 2 ok row of a unit with a bad row
        "3栋,101,李四,物业服务费,2026-04,300,0,abc",        # 3 not a number
        "3栋,102,王五,物业服务费,2026-03,300,0,-5",         # 4 negative
        "3栋,103,赵六,物业服务费,2026-13,300,0,300",        # 5 month 13
        "3栋,104,,物业服务费,2026-03,300,0,300",            # 6 no name
        ",105,钱七,物业服务费,2026-03,300,0,300",           # 7 no building: belongs to no unit
        "3栋,106,孙八,物业服务费,2026-03,300,100,300",      # 8 300 - 100 != 300
        "3栋,107,周九,物业服务费,2026-03,300,0,300",        # 9
        "3栋,107,吴十,物业服务费,2026-04,300,0,300",        # 10 a different owner for the same unit
        "3栋,108,郑一,物业服务费,2026-03,300,0,300,多余",   # 11 more cells than headers
        "3栋,109,冯二,,2026-03,300,0,300",                   # 12 no fee item
        "3栋,110,陈三,物业服务费,,300,0,300",                # 13 no period
        "3栋,111,褚四,物业服务费,2026-03,300,400,",         # 14 paid more than receivable
    ])
    led = read_ledger(p, as_of=AS_OF)
    u = led.units
    assert set(u[("3栋", "101")].errors) == {3} and "abc" in u[("3栋", "101")].errors[3]
    assert "欠费金额" in u[("3栋", "101")].errors[3]
    assert "负数" in u[("3栋", "102")].errors[4]
    assert "2026-13" in u[("3栋", "103")].errors[5]
    assert "业主姓名为空" in u[("3栋", "104")].errors[6]
    assert led.orphans[7][0] == "error" and "楼栋" in led.orphans[7][1]
    assert "不符" in u[("3栋", "106")].errors[8] and "200.00" in u[("3栋", "106")].errors[8]
    assert "不一致" in u[("3栋", "107")].errors[10] and "第 9 行" in u[("3栋", "107")].errors[10]
    assert "表头只有 8 列" in u[("3栋", "108")].errors[11]
    assert "收费项目为空" in u[("3栋", "109")].errors[12]
    assert "所属期间为空" in u[("3栋", "110")].errors[13]
    assert "负数" in u[("3栋", "111")].errors[14]
    # every line is somewhere, exactly once
    seen = list(led.orphans) + [line for x in u.values() for line in x.lines]
    assert sorted(seen) == list(range(2, 15))


def test_skips_duplicates_zero_future_and_blank(tmp_path):
    p = write(tmp_path, "s.csv", [
        "楼栋,房号,业主姓名,收费项目,所属期间,欠费金额",
        "5栋,201,林一,物业服务费,2026-03,100",   # 2
        "5栋,201,林一,物业服务费,2026-03,100",   # 3 exact duplicate
        "",                                      # 4 blank
        "5栋,201,林一,物业服务费,2026-04,0",     # 5 paid
        "5栋,201,林一,物业服务费,2026-12,100",   # 6 after the as-of month
        "5栋,202,林二,物业服务费,2026-03,100",   # 7
        "5栋,202,林二,物业服务费,2026-03,90",    # 8 same month, other amount: error
    ])
    led = read_ledger(p, as_of=AS_OF)
    a, b = led.units[("5栋", "201")], led.units[("5栋", "202")]
    assert "与第 2 行重复" in a.skipped[3]
    assert led.orphans[4] == ("skipped", "空行")
    assert "已结清" in a.skipped[5]
    assert "晚于" in a.skipped[6] and "2026-11" in a.skipped[6]
    assert a.total == Decimal("100.00") and not a.errors
    assert "第 7 行" in b.errors[8] and "100.00 与 90.00" in b.errors[8]


def test_receivable_minus_paid_when_no_arrears_column(tmp_path):
    p = write(tmp_path, "r.csv", [
        "楼栋,房号,业主姓名,收费项目,所属期间,应收金额,已收金额,减免金额",
        "6栋,301,何一,物业服务费,2026-03,300.00,100.00,",
        "6栋,301,何一,物业服务费,2026-04,300.00,,50",
    ])
    (u,) = read_ledger(p, as_of=AS_OF).units.values()
    assert [c.amount for c in u.charges] == [Decimal("200.00"), Decimal("250.00")]


def test_xlsx_types(tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["某小区 2026 年 11 月欠费明细"])        # a title row above the header
    ws.append(["楼栋", "房号", "业主姓名", "收费项目", "所属期间", "欠费金额"])
    ws.append(["7栋", 1502, "欧阳娜娜", "物业服务费", datetime(2026, 3, 1), 0.1 + 0.2])
    ws.append(["7栋", "1502", "欧阳娜娜", "物业服务费", 202604, 0.3])
    ws.append(["7栋", 1502, "欧阳娜娜", "物业服务费", 46143, "0.30"])    # serial 46143 = 2026-05-01
    p = tmp_path / "l.xlsx"
    wb.save(p)
    led = read_ledger(p, as_of=AS_OF)
    (u,) = led.units.values()
    assert u.unit == "1502" and u.lines == [3, 4, 5]
    assert fold(u.charges) == [{"item": "物业服务费", "period": "2026-03～2026-05", "months": 3,
                                         "monthly": Decimal("0.30"), "amount": Decimal("0.90")}]


def test_fold_breaks_on_gaps_and_amount_changes_and_crosses_years():
    cs = [Charge("物业服务费", p, Decimal(a), i) for i, (p, a) in enumerate(
        [("2025-11", "10"), ("2025-12", "10"), ("2026-01", "10"), ("2026-03", "10"), ("2026-04", "5")])]
    cs.append(Charge("车位使用费", "2026-01", Decimal("300"), 9))
    lines = fold(cs)
    assert [(x["item"], x["period"], x["months"], x["amount"]) for x in lines] == [
        ("物业服务费", "2025-11～2026-01", 3, Decimal("30")),
        ("物业服务费", "2026-03", 1, Decimal("10")),
        ("物业服务费", "2026-04", 1, Decimal("5")),
        ("车位使用费", "2026-01", 1, Decimal("300")),
    ]
    assert len(fold(cs, detail=True)) == 6
    assert sum(x["amount"] for x in lines) == sum(c.amount for c in cs)


def test_delivery_order_is_natural():
    from docgen.dunning.ledger import Unit
    units = [Unit(b, n) for b, n in [("10栋", "101"), ("2栋", "1502"), ("2栋", "302"), ("2栋", "A-12")]]
    assert [(u.building, u.unit) for u in delivery_order(units)] == [
        ("2栋", "302"), ("2栋", "1502"), ("2栋", "A-12"), ("10栋", "101")]
    assert natural_key("2栋") < natural_key("10栋")
