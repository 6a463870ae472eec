"""Tests for docgen.formatting: DESIGN.md §4 reference vectors, hand-derived zero cases, parsing quirks, dates, masks."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from docgen.errors import DataError
from docgen.engine.filters import (
    FILTERS, FormatValueError, cn_date, cn_date_upper, cn_datetime, cn_number, cn_period,
    mask_id, mask_name, mask_phone, money, parse_period, rmb_upper, to_date, to_decimal, to_fen,
    weekday,
)


# ---------------------------------------------------------------- to_decimal

@pytest.mark.parametrize("raw, expected", [
    ("1234.50", Decimal("1234.50")),
    ("1,234.50", Decimal("1234.50")),
    ("¥1,234.5", Decimal("1234.5")),
    ("￥ 1234", Decimal("1234")),
    ("１２３４．５０", Decimal("1234.50")),
    ("１，２３４．５０", Decimal("1234.50")),
    ("￥１２３４", Decimal("1234")),
    ("1234.50   ", Decimal("1234.50")),
    ("  1234.50\u3000", Decimal("1234.50")),
    ("\t12\n", Decimal("12")),
    ("-12.5", Decimal("-12.5")),
    ("-¥12.50", Decimal("-12.50")),
    ("¥-12.50", Decimal("-12.50")),
    ("+7", Decimal("7")),
    ("1234.50元", Decimal("1234.50")),
    ("RMB 99", Decimal("99")),
    (".5", Decimal("0.5")),
    ("0", Decimal("0")),
    ("1,234,567.891", Decimal("1234567.891")),   # not rounded by to_decimal
    (Decimal("12.345"), Decimal("12.345")),
    (1234, Decimal("1234")),
    (2.675, Decimal("2.675")),                    # float via str(), not binary
    (0.1, Decimal("0.1")),
])
def test_to_decimal_accepts_ledger_quirks(raw, expected):
    result = to_decimal(raw)
    assert isinstance(result, Decimal)
    assert result == expected


@pytest.mark.parametrize("raw", [
    "(12.00)", "abc", "", "   ", "12.3.4", "1,23.00", "12,34", "1e3", "NaN", "nan", "Infinity", "-inf",
    "¥", "--5", "十二", "12元5角", None, True, [1], Decimal("NaN"), Decimal("Infinity"),
    float("nan"), float("inf"), Decimal("1E+40"),
])
def test_to_decimal_rejects_non_numbers(raw):
    with pytest.raises(ValueError):
        to_decimal(raw)


def test_amount_error_is_chinese_names_value_and_expectation():
    with pytest.raises(FormatValueError) as info:
        to_decimal("12块")
    message = str(info.value)
    assert "12块" in message and "金额" in message and "应为" in message and "1,234.50" in message
    assert isinstance(info.value, ValueError) and isinstance(info.value, DataError)


def test_parenthesised_negative_is_explained():
    with pytest.raises(ValueError, match="括号"):
        to_decimal("(12.00)")


def test_nan_message():
    with pytest.raises(ValueError, match="NaN"):
        to_decimal(Decimal("NaN"))


# ---------------------------------------------------------------- rounding

@pytest.mark.parametrize("raw, expected", [
    ("0.005", Decimal("0.01")),
    ("0.004", Decimal("0.00")),
    ("0.015", Decimal("0.02")),      # half up, not half even
    ("0.025", Decimal("0.03")),
    (2.675, Decimal("2.68")),        # binary 2.675 is 2.67499…; str() keeps 2.675
    ("2.675", Decimal("2.68")),
    ("1.994", Decimal("1.99")),
    ("1.995", Decimal("2.00")),
    ("-0.005", Decimal("-0.01")),    # half away from zero
    ("-0.004", Decimal("0.00")),
    (7, Decimal("7.00")),
])
def test_to_fen_rounds_half_up(raw, expected):
    result = to_fen(raw)
    assert result == expected
    assert result.as_tuple().exponent == -2


def test_to_fen_has_no_negative_zero():
    assert str(to_fen("-0.001")) == "0.00"


# ---------------------------------------------------------------- money

@pytest.mark.parametrize("raw, expected", [
    ("1234.5", "1,234.50"),
    (Decimal("1234.50"), "1,234.50"),
    (0, "0.00"),
    ("0.005", "0.01"),
    (2.675, "2.68"),
    ("999.995", "1,000.00"),
    ("1234567.891", "1,234,567.89"),
    (100, "100.00"),
    ("-1234.5", "-1,234.50"),
    ("-0.001", "0.00"),
    ("１２３４．５", "1,234.50"),
    ("￥ 1,000,000", "1,000,000.00"),
])
def test_money(raw, expected):
    assert money(raw) == expected


def test_money_symbol():
    assert money("1234.5", symbol=True) == "¥1,234.50"
    assert money("-1234.5", symbol=True) == "-¥1,234.50"
    assert money(0, symbol=True) == "¥0.00"


def test_money_rejects_garbage():
    with pytest.raises(ValueError):
        money("n/a")


# ---------------------------------------------------------------- rmb_upper

# DESIGN.md §4 reference vectors, verbatim.
@pytest.mark.parametrize("raw, expected", [
    ("1409.50", "人民币壹仟肆佰零玖元伍角"),
    ("6007.14", "人民币陆仟零柒元壹角肆分"),
    ("107000.53", "人民币壹拾万柒仟元零伍角叁分"),
    ("16409.02", "人民币壹万陆仟肆佰零玖元零贰分"),
    ("325.04", "人民币叁佰贰拾伍元零肆分"),
    ("10.00", "人民币壹拾元整"),
    ("0.50", "人民币伍角"),
    ("1000100.05", "人民币壹佰万零壹佰元零伍分"),
])
def test_rmb_upper_reference_vectors(raw, expected):
    assert rmb_upper(raw) == expected
    assert rmb_upper(Decimal(raw)) == expected


# Derived by hand from the rules and the vectors above.
@pytest.mark.parametrize("raw, expected", [
    ("0", "人民币零元整"),
    ("0.00", "人民币零元整"),
    ("0.004", "人民币零元整"),
    ("0.01", "人民币壹分"),
    ("0.05", "人民币伍分"),
    ("0.55", "人民币伍角伍分"),
    ("0.005", "人民币壹分"),
    ("1", "人民币壹元整"),
    ("10", "人民币壹拾元整"),
    ("11", "人民币壹拾壹元整"),
    ("19.9", "人民币壹拾玖元玖角"),
    ("20", "人民币贰拾元整"),
    ("100", "人民币壹佰元整"),
    ("101", "人民币壹佰零壹元整"),
    ("110", "人民币壹佰壹拾元整"),
    ("1001", "人民币壹仟零壹元整"),
    ("1010", "人民币壹仟零壹拾元整"),
    ("1100", "人民币壹仟壹佰元整"),
    ("10000", "人民币壹万元整"),
    ("10001", "人民币壹万零壹元整"),
    ("10010", "人民币壹万零壹拾元整"),
    ("10100", "人民币壹万零壹佰元整"),
    ("11000", "人民币壹万壹仟元整"),
    ("100000", "人民币壹拾万元整"),
    ("1000000", "人民币壹佰万元整"),
    ("1010000", "人民币壹佰零壹万元整"),
    ("1010101.01", "人民币壹佰零壹万零壹佰零壹元零壹分"),
    ("100000000", "人民币壹亿元整"),
    ("100000000.00", "人民币壹亿元整"),
    ("100000001", "人民币壹亿零壹元整"),
    ("100010000", "人民币壹亿零壹万元整"),
    ("101000000", "人民币壹亿零壹佰万元整"),
    ("110000000", "人民币壹亿壹仟万元整"),
    ("1000000000", "人民币壹拾亿元整"),
    ("200000000.10", "人民币贰亿元零壹角"),
    ("999999999999.99", "人民币玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ("10.50", "人民币壹拾元零伍角"),            # like 107000.53: zero 元 digit before 角 → 零
    ("10.05", "人民币壹拾元零伍分"),            # one 零 for the run 元-digit + 角
    ("10.55", "人民币壹拾元零伍角伍分"),
    ("1.50", "人民币壹元伍角"),                 # like 1409.50: no 整 after 角
    ("1.05", "人民币壹元零伍分"),
    ("1680.32", "人民币壹仟陆佰捌拾元零叁角贰分"),
    ("2.675", "人民币贰元陆角捌分"),            # rounded half up before writing
    (2.675, "人民币贰元陆角捌分"),
    ("¥1,409.5", "人民币壹仟肆佰零玖元伍角"),
    (1409, "人民币壹仟肆佰零玖元整"),
])
def test_rmb_upper_derived_cases(raw, expected):
    assert rmb_upper(raw) == expected


def test_rmb_upper_never_writes_zheng_after_jiao_or_fen():
    for raw in ("1409.50", "0.50", "6007.14", "0.01", "12.30"):
        assert not rmb_upper(raw).endswith("整")


def test_rmb_upper_without_prefix():
    assert rmb_upper("1409.50", prefix=False) == "壹仟肆佰零玖元伍角"
    assert rmb_upper("0", prefix=False) == "零元整"


@pytest.mark.parametrize("raw", ["-0.01", "-1409.50", -1])
def test_rmb_upper_rejects_negative(raw):
    with pytest.raises(ValueError, match="负数"):
        rmb_upper(raw)


@pytest.mark.parametrize("raw", ["1000000000000", "1000000000000.00", "999999999999.995", "12345678901234"])
def test_rmb_upper_rejects_over_range(raw):
    with pytest.raises(ValueError, match="范围"):
        rmb_upper(raw)


def test_rmb_upper_negative_zero_is_zero():
    assert rmb_upper("-0.001") == "人民币零元整"


def test_rmb_upper_rejects_garbage():
    with pytest.raises(ValueError):
        rmb_upper("一千")


# ---------------------------------------------------------------- dates

def test_cn_date_forms():
    assert cn_date(date(2026, 11, 23)) == "2026年11月23日"
    assert cn_date(datetime(2026, 11, 23, 14, 30)) == "2026年11月23日"
    assert cn_date("2026-11-23") == "2026年11月23日"
    assert cn_date("2026-03-05") == "2026年3月5日"     # no leading zeros
    assert cn_date("2026-3-5") == "2026年3月5日"
    assert cn_date("2026/03/05") == "2026年3月5日"
    assert cn_date("2026年3月5日") == "2026年3月5日"
    assert cn_date(" 2026-03-05 ") == "2026年3月5日"
    assert cn_date("2026-11-23T14:30:00") == "2026年11月23日"


@pytest.mark.parametrize("raw", ["2026-02-30", "2026-13-01", "yesterday", "", "23/11/2026", None, 20261399])
def test_cn_date_rejects(raw):
    with pytest.raises(ValueError):
        cn_date(raw)


@pytest.mark.parametrize("raw, expected", [
    ("2026-11-23", "二〇二六年十一月二十三日"),
    ("2000-01-01", "二〇〇〇年一月一日"),
    ("2026-10-30", "二〇二六年十月三十日"),
    ("2026-12-31", "二〇二六年十二月三十一日"),
    ("2019-02-10", "二〇一九年二月十日"),
    ("2026-05-20", "二〇二六年五月二十日"),
    ("2031-07-11", "二〇三一年七月十一日"),
    (date(2100, 1, 9), "二一〇〇年一月九日"),
])
def test_cn_date_upper(raw, expected):
    result = cn_date_upper(raw)
    assert result == expected
    assert "零" not in result


@pytest.mark.parametrize("raw, expected", [
    ("2026-11-23", "星期一"),
    ("2026-11-28", "星期六"),
    ("2026-11-29", "星期日"),
    (date(2000, 1, 1), "星期六"),
    (datetime(2026, 10, 30, 8, 0), "星期五"),
])
def test_weekday(raw, expected):
    assert weekday(raw) == expected


def test_cn_datetime():
    assert cn_datetime(datetime(2026, 11, 23, 14, 30)) == "2026年11月23日 14:30"
    assert cn_datetime(datetime(2026, 11, 23, 9, 5, 59)) == "2026年11月23日 9:05"
    assert cn_datetime("2026-11-23 14:30") == "2026年11月23日 14:30"
    assert cn_datetime("2026-11-23T14:30:15") == "2026年11月23日 14:30"
    assert cn_datetime("2026/3/5 08:00") == "2026年3月5日 8:00"
    assert cn_datetime("2026年11月23日 14时30分") == "2026年11月23日 14:30"


@pytest.mark.parametrize("raw", [date(2026, 11, 23), "2026-11-23", "2026-11-23 25:00", "later"])
def test_cn_datetime_rejects_missing_or_bad_time(raw):
    with pytest.raises(ValueError):
        cn_datetime(raw)


@pytest.mark.parametrize("raw, expected", [
    ("2026-03", "2026年3月"),
    ("2026-3", "2026年3月"),
    ("2026/03", "2026年3月"),
    ("202603", "2026年3月"),
    (202603, "2026年3月"),
    ("2026年3月", "2026年3月"),
    ("2026年03月", "2026年3月"),
    ("2026-12", "2026年12月"),
    (" 2026-11 ", "2026年11月"),
    ("２０２６－０３", "2026年3月"),
    (date(2026, 3, 15), "2026年3月"),
    ("2026-03-15", "2026年3月"),
])
def test_cn_period(raw, expected):
    assert cn_period(raw) == expected


@pytest.mark.parametrize("raw", ["2026-13", "2026-00", "202613", "26-03", "March", "", None])
def test_cn_period_rejects(raw):
    with pytest.raises(ValueError):
        cn_period(raw)


def test_parse_period():
    assert parse_period("2026-3") == (2026, 3)


def test_to_date_passthrough():
    assert to_date(date(2026, 1, 2)) == date(2026, 1, 2)


# ---------------------------------------------------------------- cn_number

@pytest.mark.parametrize("n, expected", [
    (0, "零"), (1, "一"), (2, "二"), (9, "九"), (10, "十"), (11, "十一"), (19, "十九"),
    (20, "二十"), (21, "二十一"), (99, "九十九"), (100, "一百"), (101, "一百零一"),
    (105, "一百零五"), (110, "一百一十"), (111, "一百一十一"), (999, "九百九十九"),
    (1000, "一千"), (1001, "一千零一"), (1010, "一千零一十"), (1100, "一千一百"),
    (2024, "二千零二十四"), (9999, "九千九百九十九"), ("12", "十二"),
])
def test_cn_number(n, expected):
    assert cn_number(n) == expected


@pytest.mark.parametrize("n", [-1, 10000, 1.5, "x", None, True])
def test_cn_number_rejects(n):
    with pytest.raises(ValueError):
        cn_number(n)


# ---------------------------------------------------------------- masks

@pytest.mark.parametrize("raw, expected", [
    ("张三", "张*"),
    ("张三丰", "张**"),
    ("欧阳娜娜", "欧阳**"),
    ("欧阳娜", "欧阳*"),
    ("司马光", "司马*"),
    ("诸葛亮", "诸葛*"),
    ("上官婉儿", "上官**"),
    ("皇甫嵩", "皇甫*"),
    ("令狐冲", "令狐*"),
    ("司徒雷登", "司徒**"),
    ("东方不败", "东方**"),
    ("慕容复", "慕容*"),
    ("宇文泰", "宇文*"),
    ("长孙无忌", "长孙**"),
    ("夏侯惇", "夏侯*"),
    ("尉迟恭", "尉迟*"),
    ("公孙胜", "公孙*"),
    ("端木赐", "端木*"),
    ("歐陽修", "歐陽*"),
    ("欧阳", "欧*"),                # two characters: surname is one character
    ("张", "张"),
    ("", ""),
    ("  张三  ", "张*"),
    ("张 三", "张*"),
    ("\u3000李四\u3000", "李*"),
    ("𠮷", "𠮷"),
    ("𠮷田", "𠮷*"),
    ("𠮷野家", "𠮷**"),
    ("王𠮷", "王*"),
    ("张喆赟", "张**"),
    ("葛\U000E0100三", "葛\U000E0100*"),   # ideographic variation selector stays with its base
])
def test_mask_name(raw, expected):
    assert mask_name(raw) == expected


def test_mask_name_counts_supplementary_as_one():
    assert len(mask_name("𠮷野家")) == 3


@pytest.mark.parametrize("raw, expected", [
    ("13812345678", "138****5678"),
    (" 13812345678 ", "138****5678"),
    ("138 1234 5678", "138****5678"),
    ("138-1234-5678", "138****5678"),
    ("+8613812345678", "+86 138****5678"),
    ("１３８１２３４５６７８", "138****5678"),
    (13812345678, "138****5678"),
    (13812345678.0, "138****5678"),
    ("0755-12345678", "0755-****5678"),
    ("0755 12345678", "0755-****5678"),
    ("(0755)12345678", "0755-****5678"),
    ("010-12345678", "010-****5678"),
    ("0755-1234567", "0755-***4567"),
    ("0755-12345678-801", "0755-****5678-801"),
    ("075512345678", "0755-****5678"),
    ("01012345678", "010-****5678"),
    ("95598", "***98"),
    ("110", "*10"),
    ("12", "12"),
    ("", ""),
    (None, ""),
    ("400-123-4567", "***-***-4567"),
])
def test_mask_phone(raw, expected):
    assert mask_phone(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("440301199001011234", "4403**********1234"),
    ("44030119900101123x", "4403**********123X"),
    (" 440301199001011234 ", "4403**********1234"),
    ("440301900101123", "4403*******1123"),
    ("E12345678", "*****5678"),
    ("AB123", "***23"),
    ("", ""),
])
def test_mask_id(raw, expected):
    assert mask_id(raw) == expected


# ---------------------------------------------------------------- FILTERS

def test_filters_registry():
    assert set(FILTERS) == {
        "money", "rmb_upper", "cn_date", "cn_date_upper", "weekday", "cn_datetime",
        "cn_period", "cn_number", "mask_name", "mask_phone", "mask_id",
    }
    assert FILTERS["money"] is money and FILTERS["rmb_upper"] is rmb_upper
    for name, func in FILTERS.items():
        assert func.__doc__ and func.__doc__.strip(), name


def test_filters_work_in_jinja():
    jinja2 = pytest.importorskip("jinja2")
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment()
    env.filters.update(FILTERS)
    out = env.from_string(
        "{{ a | money(symbol=True) }}|{{ a | rmb_upper }}|{{ d | cn_date_upper }}|{{ n | mask_name }}"
    ).render(a="1409.5", d="2026-11-23", n="欧阳娜娜")
    assert out == "¥1,409.50|人民币壹仟肆佰零玖元伍角|二〇二六年十一月二十三日|欧阳**"


def test_cn_date_reads_erp_forms():
    """The one date parser (docgen.values) also takes ERP forms: 20261123 and Excel serial days."""
    assert cn_date(20261123) == "2026年11月23日"
    assert cn_date(46349) == "2026年11月23日"
