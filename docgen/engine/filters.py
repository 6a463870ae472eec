"""Formatting for money, dates, numbers and privacy masks; every function is also a Jinja filter.

All functions are pure.  Money is Decimal end to end and rounded ROUND_HALF_UP
to the fen (0.01); a float is never used for arithmetic — a float argument is
first converted with ``str()`` (so ``2.675`` is read as ``Decimal('2.675')``
and rounds to ``2.68``).  Bad input raises :class:`FormatValueError`, which is
both a ``ValueError`` and a :class:`docgen.errors.DataError`, with a Chinese
message naming the bad value and what was expected.

Babel is deliberately not used: Chinese (zh_CN) grouping is plain 3-digit
comma grouping with a ``.`` decimal point, which Decimal's own format spec
does exactly and without Babel's float-friendly rounding.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any, Callable

from docgen.errors import DataError
from ..inputs.values import parse_amount, parse_date
from ..inputs.values import parse_period as values_parse_period

__all__ = [
    "FormatValueError", "to_decimal", "to_fen", "money", "rmb_upper",
    "to_date", "to_datetime", "parse_period",
    "cn_date", "cn_date_upper", "weekday", "cn_datetime", "cn_period", "cn_number",
    "mask_name", "mask_phone", "mask_id", "COMPOUND_SURNAMES", "FILTERS",
]


class FormatValueError(DataError, ValueError):
    """A value a formatter cannot read; a ValueError that the CLI reports like any DataError."""

    def __init__(self, message: str, *, expected: str | None = None):
        super().__init__(message, expected=expected)


# ---------------------------------------------------------------------------
# Money
# ---------------------------------------------------------------------------

FEN = Decimal("0.01")
#: 大写金额 handles amounts below 1 万亿 (10**12 yuan).
RMB_UPPER_LIMIT = Decimal(10) ** 12

_AMOUNT_EXPECTED = "数字金额，如 1234.50、1,234.50、¥1,234.5 或 １２３４．５０"


def to_decimal(value: Any) -> Decimal:
    """Parse an amount written as a ledger writes it (¥/￥, commas, full-width digits, spaces) into an exact Decimal.

    The parsing itself is :func:`docgen.values.parse_amount`; this raises :class:`FormatValueError`
    (a DataError the CLI reports) instead of a bare ValueError. The result is not rounded.
    """
    try:
        return parse_amount(value)
    except ValueError as e:
        raise FormatValueError(_strip_expected(str(e)), expected=_AMOUNT_EXPECTED) from None


def _strip_expected(message: str) -> str:
    """values' messages end in （应为…）; FormatValueError states what is expected itself."""
    return re.sub(r"（应为[^（）]*）$", "", message)


def to_fen(value: Any) -> Decimal:
    """Parse an amount with :func:`to_decimal` and round it ROUND_HALF_UP to the fen (two decimal places)."""
    amount = to_decimal(value)
    context = Context(prec=max(28, amount.adjusted() + 4))
    result = amount.quantize(FEN, rounding=ROUND_HALF_UP, context=context)
    if result == 0:
        result = abs(result)  # no "-0.00"
    return result


def money(value: Any, symbol: bool = False) -> str:
    """Format an amount as '1,234.50' (commas, two decimals, half-up; floats read via str()); symbol=True gives '¥1,234.50'."""
    amount = to_fen(value)
    sign = "-" if amount < 0 else ""
    body = f"{abs(amount):,.2f}"
    return f"{sign}{'¥' if symbol else ''}{body}"


_UPPER_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UPPER_UNITS = ("", "拾", "佰", "仟")           # within a 4-digit group
_UPPER_GROUPS = ("", "万", "亿")                # group units, low to high


def _upper_integer(n: int) -> str:
    """Chinese financial numerals for 0 < n < 10**12, with one 零 per run of zeros."""
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    parts: list[str] = []
    started = False   # a non-zero digit has been written
    pending = False   # a zero run is waiting to be written as one 零
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            pending = pending or started        # a whole zero group, e.g. 壹亿零壹万
            continue
        if started and group < 1000:
            pending = True                      # group starts with zeros, e.g. 壹佰万零壹佰
        for pos in range(3, -1, -1):
            digit = group // 10 ** pos % 10
            if digit == 0:
                pending = pending or started
                continue
            if pending:
                parts.append("零")
                pending = False
            parts.append(_UPPER_DIGITS[digit] + _UPPER_UNITS[pos])
            started = True
        pending = False                         # trailing zeros are covered by the group unit
        parts.append(_UPPER_GROUPS[index])
    return "".join(parts)


def rmb_upper(value: Any, prefix: bool = True) -> str:
    """Write an amount in 大写金额 ('人民币壹仟肆佰零玖元伍角'), rounded half-up to the fen; prefix=False drops 人民币.

    Rules (DESIGN.md §4 and its reference vectors): 壹拾 is written for a
    leading ten; one 零 stands for a run of zeros; zeros ending a 4-digit group
    are absorbed by 万/亿 (壹拾万柒仟) while zeros starting the next group give
    a 零 (壹佰万零壹佰); a zero 元 digit before a non-zero 角 is written as 零
    (壹拾万柒仟元零伍角叁分), as is a zero 角 before a non-zero 分 (零贰分);
    整 follows 元 only when 角 and 分 are both zero, never 角 or 分; amounts
    below one yuan have no 元 (伍角); zero is 零元整.  Negative amounts and
    amounts of 1 万亿 or more raise :class:`FormatValueError`.
    """
    amount = to_fen(value)
    if amount < 0:
        raise FormatValueError(f"金额「{value}」为负数，无法写成大写金额", expected="不小于 0 的金额")
    if amount >= RMB_UPPER_LIMIT:
        raise FormatValueError(f"金额「{value}」超出大写金额的范围", expected="小于 1 万亿元（1,000,000,000,000）的金额")
    fen_total = int(amount * 100)
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    text = ""
    if yuan:
        text = _upper_integer(yuan) + "元"
        if jiao == 0 and fen == 0:
            text += "整"
        elif yuan % 10 == 0 and jiao:
            text += "零"                        # 元 digit is zero, 角 is not
    elif jiao == 0 and fen == 0:
        text = "零元整"
    if jiao:
        text += _UPPER_DIGITS[jiao] + "角"
    if fen:
        if jiao == 0 and yuan:
            text += "零"                        # 零 between 元 and 分
        text += _UPPER_DIGITS[fen] + "分"
    return ("人民币" if prefix else "") + text


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

_DATE_EXPECTED = "日期，如 2026-11-23、2026/11/23 或 2026年11月23日"
_DATETIME_EXPECTED = "日期时间，如 2026-11-23 14:30"
_DATETIME_RE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*[T\s]?\s*"
    r"(\d{1,2})\s*[:时]\s*(\d{1,2})\s*(?:分\s*(?:(\d{1,2})\s*秒)?|:\s*(\d{1,2}))?"
)


def _clean_text(value: str) -> str:
    """Fold full-width characters to ASCII (NFKC) and strip surrounding whitespace."""
    return unicodedata.normalize("NFKC", value).strip()


def to_date(value: Any) -> date:
    """Read a date from a date, datetime, or string ('2026-11-23', '2026/03/05', '2026年3月5日', '20261123', Excel serial)."""
    try:
        return parse_date(value)
    except ValueError as e:
        raise FormatValueError(_strip_expected(str(e)), expected=_DATE_EXPECTED) from None


def to_datetime(value: Any) -> datetime:
    """Read a date and time from a datetime or string ('2026-11-23 14:30', '2026-11-23T14:30:00'); a bare date is an error."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        text = _clean_text(value)
        match = _DATETIME_RE.fullmatch(text)
        try:
            if match:
                y, mo, d, h, mi, sec_cn, sec = match.groups()
                return datetime(int(y), int(mo), int(d), int(h), int(mi), int(sec_cn or sec or 0))
            if len(text) > 10:
                return datetime.fromisoformat(text)
        except ValueError:
            pass
        raise FormatValueError(f"日期时间「{value}」无法识别或缺少时间", expected=_DATETIME_EXPECTED)
    if isinstance(value, date):
        raise FormatValueError(f"「{value.isoformat()}」只有日期，没有时间", expected=_DATETIME_EXPECTED)
    raise FormatValueError(f"「{value!r}」（{type(value).__name__}）不是日期时间", expected=_DATETIME_EXPECTED)


def cn_date(value: Any) -> str:
    """Format a date as '2026年11月23日' (month and day without leading zeros, per GB/T 9704)."""
    d = to_date(value)
    return f"{d.year}年{d.month}月{d.day}日"


_UPPER_DATE_DIGITS = "〇一二三四五六七八九"


def cn_date_upper(value: Any) -> str:
    """Format a date in upper form '二〇二六年十一月二十三日' (year digit by digit with 〇, never 零)."""
    d = to_date(value)
    year = "".join(_UPPER_DATE_DIGITS[int(c)] for c in str(d.year))
    return f"{year}年{cn_number(d.month)}月{cn_number(d.day)}日"


_WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def weekday(value: Any) -> str:
    """Name the day of the week of a date: '星期一' … '星期日'."""
    return _WEEKDAYS[to_date(value).weekday()]


def cn_datetime(value: Any) -> str:
    """Format a date and time as '2026年11月23日 14:30' (24-hour clock, hour unpadded, minutes padded)."""
    dt = to_datetime(value)
    return f"{cn_date(dt)} {dt.hour}:{dt.minute:02d}"


_PERIOD_EXPECTED = "账期（年月），如 2026-03、2026-3、2026/03、202603 或 2026年3月"


def parse_period(value: Any) -> tuple[int, int]:
    """Read a billing period ('2026-03', '2026-3', '202603', '2026年3月', a date) into (year, month)."""
    try:
        text = values_parse_period(value)
    except ValueError as e:
        raise FormatValueError(_strip_expected(str(e)), expected=_PERIOD_EXPECTED) from None
    return int(text[:4]), int(text[5:])


def cn_period(value: Any) -> str:
    """Format a billing period such as '2026-03' as '2026年3月'."""
    year, month = parse_period(value)
    return f"{year}年{month}月"


# ---------------------------------------------------------------------------
# Small Chinese numerals (headings, dates)
# ---------------------------------------------------------------------------

_SMALL_DIGITS = "零一二三四五六七八九"
_SMALL_UNITS = ("", "十", "百", "千")


def cn_number(value: Any) -> str:
    """Write 0–9999 in small Chinese numerals for headings: 1→一, 10→十, 11→十一, 20→二十, 105→一百零五, 110→一百一十."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise FormatValueError(f"「{value!r}」不是整数", expected="0 到 9999 的整数")
    if not 0 <= value <= 9999:
        raise FormatValueError(f"数字 {value} 超出范围", expected="0 到 9999 的整数")
    if value == 0:
        return "零"
    if 10 <= value <= 19:
        return "十" + (_SMALL_DIGITS[value - 10] if value > 10 else "")
    parts: list[str] = []
    pending = False
    for pos in range(3, -1, -1):
        digit = value // 10 ** pos % 10
        if digit == 0:
            pending = pending or bool(parts)
            continue
        if pending:
            parts.append("零")
            pending = False
        parts.append(_SMALL_DIGITS[digit] + _SMALL_UNITS[pos])
    return "".join(parts)


# ---------------------------------------------------------------------------
# Privacy masks (个人信息保护法: public lists show masked names, never phones or IDs)
# ---------------------------------------------------------------------------

#: Two-character surnames kept whole by :func:`mask_name` (simplified and traditional forms).
COMPOUND_SURNAMES = frozenset("""
欧阳 太史 端木 上官 司马 东方 独孤 南宫 万俟 闻人 夏侯 诸葛 尉迟 公羊 赫连 澹台 皇甫
宗政 濮阳 公冶 太叔 申屠 公孙 慕容 仲孙 钟离 长孙 宇文 司徒 鲜于 司空 闾丘 子车 亓官
司寇 巫马 公西 颛孙 壤驷 公良 漆雕 乐正 宰父 谷梁 拓跋 夹谷 轩辕 令狐 段干 百里 呼延
东郭 南门 羊舌 微生 梁丘 左丘 东门 西门 第五 完颜 耶律 纳兰
歐陽 司馬 東方 南宮 諸葛 尉遲 公孫 長孫 鍾離 軒轅 閭丘 顓孫 壤駟 樂正 穀梁 濮陽 聞人
鮮于 東郭 東門 西門 上官 皇甫 令狐 慕容 宇文 夏侯 端木 司徒 司空 赫連 澹臺 申屠
""".split())

_VARIATION = re.compile("[\u200d\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def _chars(text: str) -> list[str]:
    """Split text into user-perceived characters: combining marks and variation selectors stay with their base."""
    chars: list[str] = []
    for ch in text:
        if chars and (unicodedata.category(ch) in ("Mn", "Me", "Mc") or _VARIATION.match(ch)):
            chars[-1] += ch
        else:
            chars.append(ch)
    return chars


def mask_name(name: Any) -> str:
    """Mask a name for public lists: '张三'→'张*', '张三丰'→'张**', '欧阳娜娜'→'欧阳**'; one character is left as is."""
    if name is None:
        return ""
    chars = _chars("".join(str(name).split()))  # drop all whitespace, incl. U+3000 and inner padding
    if len(chars) <= 1:
        return "".join(chars)
    keep = 2 if len(chars) >= 3 and "".join(chars[:2]) in COMPOUND_SURNAMES else 1
    return "".join(chars[:keep]) + "*" * (len(chars) - keep)


def _mask_tail(text: str, visible: int) -> str:
    """Replace every letter or digit with '*' except the last `visible` ones; separators are kept."""
    alnum = sum(1 for ch in text if ch.isalnum())
    hide = max(alnum - visible, 0)
    out = []
    for ch in text:
        if ch.isalnum() and hide:
            out.append("*")
            hide -= 1
        else:
            out.append(ch)
    return "".join(out)


_MOBILE_RE = re.compile(r"(\+?86)?(1\d{10})")
# Area code, then a separator or a closing bracket, then 7-8 local digits, then an optional extension.
_LANDLINE_RE = re.compile(
    r"\(?(0\d{2,3})(?:\)|\s*[-\s])\s*(\d{7,8})(?:\s*(?:[-转#]|ext\.?)\s*(\d{1,6}))?", re.IGNORECASE)


def _mask_local(area: str, local: str, ext: str | None = None) -> str:
    """Write a landline as 'area-****1234[-ext]', keeping only the last four local digits."""
    return f"{area}-{'*' * (len(local) - 4)}{local[-4:]}" + (f"-{ext}" if ext else "")


def mask_phone(phone: Any) -> str:
    """Mask a phone number: '13812345678'→'138****5678', '0755-12345678'→'0755-****5678'; others keep the last 4 (≥8 chars) or 2."""
    if phone is None:
        return ""
    if isinstance(phone, float) and phone.is_integer():
        phone = int(phone)                              # Excel reads 13812345678 as 13812345678.0
    text = unicodedata.normalize("NFKC", str(phone)).strip()
    compact = re.sub(r"[\s\-()]", "", text)
    mobile = _MOBILE_RE.fullmatch(compact)
    if mobile:
        number = mobile.group(2)
        return f"{'+86 ' if mobile.group(1) else ''}{number[:3]}****{number[-4:]}"
    landline = _LANDLINE_RE.fullmatch(text)
    if landline:
        return _mask_local(*landline.groups())
    if compact.isdigit() and compact.startswith("0"):
        area_len = 3 if compact[1] in "12" else 4      # 010 and 02x are 3-digit area codes
        if 7 <= len(compact) - area_len <= 8:
            return _mask_local(compact[:area_len], compact[area_len:])
    alnum = sum(1 for ch in text if ch.isalnum())
    return _mask_tail(text, 4 if alnum >= 8 else 2)


def mask_id(id_number: Any) -> str:
    """Mask an ID number: 18/15-digit 身份证 keep the first 4 and last 4 ('4403**********1234'); shorter IDs keep the last 4 (≥8) or 2."""
    if id_number is None:
        return ""
    text = "".join(unicodedata.normalize("NFKC", str(id_number)).split()).upper()
    if len(text) >= 15:
        return text[:4] + "*" * (len(text) - 8) + text[-4:]
    return _mask_tail(text, 4 if len(text) >= 8 else 2)


#: Jinja filter name → function (the same functions are the Python API).
FILTERS: dict[str, Callable[..., str]] = {
    "money": money,
    "rmb_upper": rmb_upper,
    "cn_date": cn_date,
    "cn_date_upper": cn_date_upper,
    "weekday": weekday,
    "cn_datetime": cn_datetime,
    "cn_period": cn_period,
    "cn_number": cn_number,
    "mask_name": mask_name,
    "mask_phone": mask_phone,
    "mask_id": mask_id,
}
