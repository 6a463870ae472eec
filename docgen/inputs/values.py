"""Reading values the way ledgers and forms write them: amounts, dates and billing periods.

One implementation, used by the data readers, the schema and the formatting filters.
Each parser raises ValueError with a Chinese message that names the value and what
was expected.
"""
from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

__all__ = ["parse_amount", "parse_date", "parse_period", "float_to_decimal"]

_EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL_MIN, _SERIAL_MAX = 20000, 80000   # 1954-10-03 .. 2119-01-11
# Amounts with more integer digits than this are rejected outright (no ledger holds them).
_MAX_INT_DIGITS = 30


def float_to_decimal(x: float) -> Decimal:
    """Exact-looking Decimal for a binary float from Excel/YAML.

    ``Decimal(repr(x))`` rounded to 15 significant digits (Excel's own
    precision), so ``0.1+0.2`` stored as 0.30000000000000004 comes back as
    ``Decimal('0.3')`` and 1234.5 as ``Decimal('1234.5')``.  Integral values get
    exponent 0 (``100.0`` -> ``Decimal('100')``, never ``1E+2``).
    """
    if not math.isfinite(x):
        return Decimal(repr(x))  # NaN/Infinity: parse_amount rejects these
    d = Decimal(repr(x))
    if len(d.as_tuple().digits) > 15:
        d = Decimal(format(x, ".15g"))
    if d == d.to_integral_value() and d.adjusted() < 28:
        d = d.quantize(Decimal(1))
    elif isinstance(d.as_tuple().exponent, int) and int(d.as_tuple().exponent) > 0:  # pragma: no cover - huge numbers only
        d = Decimal(format(d, "f"))
    return d


# --------------------------------------------------------------------------- #
# Amounts, dates, periods
# --------------------------------------------------------------------------- #

_AMOUNT_RE = re.compile(
    r"""^(?P<s1>[-+]?)\s*
        (?:¥|RMB|CNY|人民币)?\s*
        (?P<s2>[-+]?)\s*
        (?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?   # 1,234,567.50 (strict groups of 3)
               |[0-9]+(?:\.[0-9]*)?                     # 1234.5 / 1234.
               |\.[0-9]+)                               # .5
        \s*(?:元)?$""",
    re.VERBOSE | re.IGNORECASE,
)
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\ufe63": "-", "\uff0d": "-"})


def _amount_error(value: Any) -> ValueError:
    return ValueError(f"不是金额：{value!r}（应为数字，如 1234.50）")


def parse_amount(value: Any) -> Decimal:
    """Parse an amount exactly; negative values are returned (the caller decides).

    Accepts ``Decimal``/``int`` (and ``float`` via :func:`float_to_decimal`),
    strings with ``¥ ￥ RMB CNY 人民币`` before or ``元`` after the number,
    thousands separators ``,``/``，`` in groups of three, full-width digits,
    full-width ``．`` and ``－``, surrounding spaces.  Rejects with
    ``ValueError`` (Chinese message) anything else: empty, booleans, ``1,2345``
    (ambiguous grouping — could be a decimal comma), ``1e5``, NaN, infinity.
    The result is not rounded.
    """
    if isinstance(value, bool) or value is None:
        raise _amount_error(value) if value is not None else ValueError("金额为空（应为数字，如 1234.50）")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _amount_error(value)
        d = float_to_decimal(value)
    elif isinstance(value, str):
        s = unicodedata.normalize("NFKC", value).translate(_MINUS_SIGNS).strip()
        if not s:
            raise ValueError("金额为空（应为数字，如 1234.50）")
        m = _AMOUNT_RE.match(s)
        if not m or (m["s1"] and m["s2"]):
            if s.startswith("(") and s.endswith(")"):
                raise ValueError(f"不是金额：{value!r}（用括号表示负数，不予猜测；负数请写作 -12.00）")
            raise _amount_error(value)
        sign = m["s1"] or m["s2"]
        d = Decimal(m["num"].replace(",", ""))
        if sign == "-":
            d = -d
    else:
        raise _amount_error(value)
    if not d.is_finite():
        raise _amount_error(value)
    if d != 0 and d.adjusted() >= _MAX_INT_DIGITS:
        raise ValueError(f"不是金额：{value!r}（过大，超过 {_MAX_INT_DIGITS} 位整数）")
    if d == 0:
        d = abs(d)  # no "-0.00"
    return d


def _date_error(value: Any) -> ValueError:
    return ValueError(f"不是日期：{value!r}（应为日期，如 2026-11-23 或 2026年11月23日）")


def _make_date(y: int, m: int, d: int, value: Any) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise ValueError(f"日期不存在：{value!r}（应为真实存在的日期，如 2026-11-23）") from None


def _serial_to_date(n: Decimal | int, value: Any) -> date | None:
    """Excel serial day number (1900 date system) -> date, or None if outside 20000–80000."""
    n = int(Decimal(n).to_integral_value(rounding=ROUND_FLOOR))
    if _SERIAL_MIN <= n <= _SERIAL_MAX:
        return _EXCEL_EPOCH + timedelta(days=n)
    return None


_TIME_TAIL = r"(?:[ T]+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
_DATE_SEP_RE = re.compile(r"^([0-9]{4})\s*([-/.])\s*([0-9]{1,2})\s*\2\s*([0-9]{1,2})" + _TIME_TAIL + "$")
_DATE_CN_RE = re.compile(r"^([0-9]{4})\s*年\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*[日号]?" + _TIME_TAIL + "$")
_DATE_COMPACT_RE = re.compile(r"^([0-9]{4})([0-9]{2})([0-9]{2})$")
_SERIAL_RE = re.compile(r"^[0-9]{5}(?:\.[0-9]+)?$")


def _number_for_date(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return float_to_decimal(value) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    return None


def parse_date(value: Any) -> date:
    """Parse a date: ``date``/``datetime``; ``2026-11-23``, ``2026/11/23``, ``2026.11.23``
    (optionally followed by a time, as ERPs export), ``2026年11月23日``, ``20261123``; Excel
    serial numbers 20000–80000 as int/Decimal/float or digit string (1899-12-30 + n days; a
    fractional part — the time of day — is dropped).  ``ValueError`` otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    num = _number_for_date(value)
    if num is not None:
        if num == num.to_integral_value() and 19000101 <= num <= 29991231:
            return parse_date(str(int(num)))
        d = _serial_to_date(num, value) if num >= 0 else None
        if d is None:
            raise _date_error(value)
        return d
    if not isinstance(value, str):
        raise _date_error(value)
    s = unicodedata.normalize("NFKC", value).strip()
    for rx in (_DATE_SEP_RE, _DATE_CN_RE):
        m = rx.match(s)
        if m:
            g = [x for x in m.groups() if x not in ("-", "/", ".")]
            return _make_date(int(g[0]), int(g[1]), int(g[2]), value)
    m = _DATE_COMPACT_RE.match(s)
    if m:
        return _make_date(int(m[1]), int(m[2]), int(m[3]), value)
    if _SERIAL_RE.match(s):
        d = _serial_to_date(Decimal(s), value)
        if d is not None:
            return d
    raise _date_error(value)


def _period_error(value: Any) -> ValueError:
    return ValueError(f"不是所属期间：{value!r}（应为年月，如 2026-03 或 2026年3月）")


_PERIOD_SEP_RE = re.compile(r"^([0-9]{4})\s*[-/.]\s*([0-9]{1,2})$")
_PERIOD_CN_RE = re.compile(r"^([0-9]{4})\s*年\s*([0-9]{1,2})\s*月份?$")
_PERIOD_COMPACT_RE = re.compile(r"^([0-9]{4})([0-9]{2})$")


def _make_period(y: int, m: int, value: Any) -> str:
    if not 1 <= m <= 12:
        raise ValueError(f"月份不存在：{value!r}（月份应为 1–12）")
    if y < 1900:
        raise _period_error(value)
    return f"{y:04d}-{m:02d}"


def parse_period(value: Any) -> str:
    """Parse a billing period to ``'YYYY-MM'``.

    Accepts ``2026-3``, ``2026-03``, ``2026/3``, ``2026.03``, ``2026年3月`` (``月份``),
    ``202603``, ``date``/``datetime``, full dates (``2026-03-01`` -> ``2026-03``) and
    Excel serial dates.  A number with one decimal such as ``2026.1`` (what Excel
    makes of a typed ``2026.10``) is rejected as ambiguous; ``ValueError`` for
    month 13 and anything else.
    """
    if isinstance(value, (date, datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    num = _number_for_date(value)
    if num is not None:
        if num == num.to_integral_value():
            n = int(num)
            if 190001 <= n <= 299912:
                return _make_period(n // 100, n % 100, value)
            if 19000101 <= n <= 29991231:
                return parse_period(parse_date(n))
            d = _serial_to_date(num, value)
            if d is not None:
                return parse_period(d)
            raise _period_error(value)
        m = re.match(r"^([0-9]{4})\.([0-9]{2})$", format(num, "f"))
        if m:
            return _make_period(int(m[1]), int(m[2]), value)
        raise ValueError(f"所属期间有歧义：{value!r}（数字 2026.1 可能是 1 月也可能是 10 月，"
                         f"应写成文本，如 2026-01 或 2026-10）")
    if not isinstance(value, str):
        raise _period_error(value)
    s = unicodedata.normalize("NFKC", value).strip()
    for rx in (_PERIOD_SEP_RE, _PERIOD_CN_RE, _PERIOD_COMPACT_RE):
        m = rx.match(s)
        if m:
            return _make_period(int(m[1]), int(m[2]), value)
    try:
        return parse_period(parse_date(s))
    except ValueError as e:
        if str(e).startswith("日期不存在"):
            raise
    raise _period_error(value)
