"""Arrears ledger → one dunning record per unit: column aliases, row checks, grouping, month folding.

An ERP arrears export has one row per unit × fee item × month.  :func:`read_ledger`
streams it (CSV/XLSX via :func:`docgen.readers.read_table`), checks every row and
keeps, per unit, only what a letter needs (fee item, period, amount in fen, source
line), so memory grows with the number of units and rows kept, never with rendered
output.  Every source line ends up in exactly one place: a unit's rows (ok, skipped
or error) or :attr:`Ledger.orphans` (blank lines, rows that name no unit).

Rules (see docs/batch.md):

* a row whose arrears are 0 is *skipped* (already paid);
* a row whose period is after the as-of month is *skipped* (not yet due);
* a row identical to an earlier one (same unit, item, period and amount) is *skipped*
  and counted once — one fee item is billed once per month; the same unit, item and
  period with a *different* amount is an *error*;
* any bad row (unreadable amount, negative arrears, bad period, missing name, a name
  that differs from the unit's other rows, arrears that disagree with 应收 − 已收 …)
  blocks the whole unit: a wrong total is worse than no letter.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..batch.naming import natural_key
from ..errors import DataError
from ..readers import Row, normalize_text, parse_amount, parse_period, read_table

FEN = Decimal("0.01")

#: Ledger field → accepted column headers (compared without spaces, full-width folded,
#: a trailing unit such as “（元）” removed, case-insensitive).  The field name itself
#: is accepted too.
COLUMNS: dict[str, tuple[str, ...]] = {
    "building": ("楼栋", "楼号", "栋号", "楼栋号", "楼栋名称", "楼宇", "楼宇名称", "楼座", "幢号", "楼幢", "栋"),
    "entrance": ("单元",),
    "unit": ("房号", "房间号", "室号", "门牌号", "单元号", "房屋号", "房号名称"),
    "owner_name": ("业主姓名", "业主", "姓名", "客户名称", "客户姓名", "业主名称", "住户姓名", "户名"),
    "phone": ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "业主电话"),
    "item": ("收费项目", "费用项目", "收费科目", "费用名称", "收费项目名称", "费项", "费用类型", "项目"),
    "period": ("所属期间", "所属月份", "所属年月", "费用所属期", "账期", "计费月份", "计费期间", "费用期间",
               "期间", "月份"),
    "receivable": ("应收金额", "应收", "应收款", "应收费用", "应缴金额", "应缴"),
    "paid": ("已收金额", "实收金额", "已收", "实收", "已缴金额", "已缴"),
    "discount": ("减免金额", "减免", "优惠金额"),
    "arrears": ("欠费金额", "欠费", "欠缴金额", "欠款金额", "欠款", "未收金额", "未缴金额", "应缴未缴"),
}
LABELS = {"building": "楼栋", "entrance": "单元", "unit": "房号", "owner_name": "业主姓名", "phone": "联系电话",
          "item": "收费项目", "period": "所属期间", "receivable": "应收金额", "paid": "已收金额",
          "discount": "减免金额", "arrears": "欠费金额"}
_AMOUNT_FIELDS = ("receivable", "paid", "discount", "arrears")
_UNIT_SUFFIX = re.compile(r"[(（\[【]?(元|人民币|rmb|yuan)[)）\]】]?$", re.IGNORECASE)


def _norm_header(h: str) -> str:
    s = unicodedata.normalize("NFKC", str(h))
    s = re.sub(r"\s+", "", s).lower()
    stripped = _UNIT_SUFFIX.sub("", s)
    return stripped or s


_ALIAS_INDEX: dict[str, str] = {}
for _f, _names in COLUMNS.items():
    for _n in (_f,) + _names:
        _ALIAS_INDEX.setdefault(_norm_header(_n), _f)


def map_columns(headers: list[str], file: str) -> dict[str, str]:
    """Ledger field → the header that supplies it; DataError if a needed column is missing or ambiguous."""
    found: dict[str, list[str]] = {}
    for h in headers:
        f = _ALIAS_INDEX.get(_norm_header(h))
        if f:
            found.setdefault(f, []).append(h)
    cols: dict[str, str] = {}
    for f, hs in found.items():
        if len(hs) > 1 and f != "phone":
            raise DataError(f"有 {len(hs)} 列都表示「{LABELS[f]}」：{'、'.join(hs)}，无法判断用哪一列",
                            file=file, row=1, expected="每种内容只保留一列（删除或改名多余的列）")
        cols[f] = hs[0]
    missing = [LABELS[f] for f in ("building", "unit", "owner_name", "item", "period") if f not in cols]
    if "arrears" not in cols and "receivable" not in cols:
        missing.append("欠费金额（或 应收金额 与 已收金额）")
    if missing:
        raise DataError(f"台账缺少必需的列：{'、'.join(missing)}（表头为：{'、'.join(headers) or '空'}）",
                        file=file, row=1,
                        expected="表头含 楼栋、房号、业主姓名、收费项目、所属期间、欠费金额（或其常见别名，见 docs/batch.md）")
    return cols


# --------------------------------------------------------------------------- #
# Units
# --------------------------------------------------------------------------- #

@dataclass(slots=True)
class Charge:
    """One month of one fee item owed by a unit."""
    item: str
    period: str          # YYYY-MM
    amount: Decimal      # arrears, to the fen
    line: int


@dataclass
class Unit:
    """Everything the ledger says about one unit (building + unit number)."""
    building: str
    unit: str
    owner_name: str = ""
    name_line: int = 0
    phone: str = ""
    charges: list[Charge] = field(default_factory=list)                # what the letter will list
    _seen: dict[tuple[str, str], Charge] | None = field(default_factory=dict, repr=False)  # while reading
    lines: list[int] = field(default_factory=list)          # every source line of this unit
    errors: dict[int, str] = field(default_factory=dict)     # line → what is wrong with it
    skipped: dict[int, str] = field(default_factory=dict)    # line → why it does not count

    @property
    def key(self) -> tuple[str, str]:
        """(building, unit): the grouping key."""
        return self.building, self.unit

    @property
    def label(self) -> str:
        """How the manifest names the unit, e.g. '3栋 1502'."""
        return f"{self.building} {self.unit}".strip()

    def amounts(self) -> dict[int, Decimal]:
        """Source line → the arrears it adds to the letter (rows that count)."""
        return {c.line: c.amount for c in self.charges}

    @property
    def total(self) -> Decimal:
        """Sum of the arrears counted for this unit."""
        return sum((c.amount for c in self.charges), Decimal("0.00"))


@dataclass
class Ledger:
    """The grouped ledger: units in first-seen order, plus lines that belong to no unit."""
    file: str
    headers: list[str]
    columns: dict[str, str]
    units: dict[tuple[str, str], Unit] = field(default_factory=dict)
    orphans: dict[int, tuple[str, str]] = field(default_factory=dict)   # line → (status, message)
    rows: int = 0                                                        # data lines read


# Ledgers repeat the same buildings, names, items, periods and amounts on row after row:
# the cleaning and parsing of a cell value is cached (a third of the reading time otherwise).
_CACHE = 1 << 16


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    return normalize_text(value)


@lru_cache(_CACHE, typed=True)
def _key_text(value: Any) -> str:
    """Building/unit as a grouping key: full-width folded, no whitespace, no control characters."""
    s = unicodedata.normalize("NFKC", _text(value))
    return re.sub(r"\s+", "", s)


@lru_cache(_CACHE, typed=True)
def _name_text(value: Any) -> str:
    return re.sub(r"[ \t\u3000]+", " ", _text(value)).replace("\n", " ").strip()


@lru_cache(_CACHE, typed=True)
def _fen(value: Any) -> Decimal:
    return parse_amount(value).quantize(FEN, rounding=ROUND_HALF_UP)


_period = lru_cache(_CACHE, typed=True)(parse_period)


class _RowError(Exception):
    def __init__(self, message: str, column: str | None = None, expected: str | None = None):
        super().__init__(message)
        self.message, self.column, self.expected = message, column, expected

    def describe(self) -> str:
        return DataError(self.message, field=self.column, expected=self.expected).describe()


def _amount(row: Row, cols: dict[str, str], f: str) -> Decimal | None:
    h = cols.get(f)
    if h is None:
        return None
    value = row.values.get(h)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return _fen(value)
    except ValueError as e:
        raise _RowError(str(e).split("（")[0], h, "数字，如 1234.50（可带 ¥、千分位逗号）") from None


def _arrears(row: Row, cols: dict[str, str]) -> Decimal:
    """The row's arrears, checked against 应收 − 已收 − 减免 when those columns are filled."""
    given = _amount(row, cols, "arrears")
    rec = _amount(row, cols, "receivable")
    paid = _amount(row, cols, "paid")
    disc = _amount(row, cols, "discount")
    for f, v in (("receivable", rec), ("paid", paid), ("discount", disc)):
        if v is not None and v < 0:
            raise _RowError(f"{LABELS[f]}为负数 {v}", cols[f], "不小于 0 的金额")
    computed = None
    if rec is not None and (paid is not None or disc is not None or given is None):
        computed = rec - (paid or 0) - (disc or 0)
    if given is None:
        if computed is None:
            raise _RowError("欠费金额为空", cols.get("arrears") or cols.get("receivable"),
                            "欠费金额（0 表示已结清）")
        given = computed
        if given < 0:
            raise _RowError(f"已收（含减免）超过应收，欠费为负数 {given}", cols.get("paid") or cols["receivable"],
                            "已收金额不大于应收金额")
    elif given < 0:
        raise _RowError(f"欠费金额为负数 {given}（可能是预存款或退款），不能催缴", cols["arrears"],
                        "不小于 0 的金额")
    elif computed is not None and computed != given:
        parts = f"应收 {rec}" + (f" − 已收 {paid}" if paid is not None else "") + \
                (f" − 减免 {disc}" if disc is not None else "")
        raise _RowError(f"欠费金额 {given} 与 {parts} = {computed} 不符", cols["arrears"],
                        "欠费金额 = 应收 − 已收（− 减免）")
    elif rec is not None and given > rec:
        raise _RowError(f"欠费金额 {given} 大于应收金额 {rec}", cols["arrears"], "欠费金额不大于应收金额")
    return given


def read_ledger(path: str | Path, *, as_of: date, sheet: str | None = None) -> Ledger:
    """Stream a ledger file and group its rows per unit, recording what became of every line."""
    with read_table(path, sheet=sheet, on_error="yield") as table:
        cols = map_columns(table.headers, table.file)
        ledger = Ledger(file=table.file, headers=list(table.headers), columns=cols)
        limit = f"{as_of.year:04d}-{as_of.month:02d}"
        for row in table:
            ledger.rows += 1
            _take(ledger, row, cols, limit)
    for u in ledger.units.values():
        u._seen = None       # only needed to spot duplicates; a third of the memory of a big ledger
    return ledger


def _take(ledger: Ledger, row: Row, cols: dict[str, str], limit: str) -> None:
    line = row.line
    if row.blank:
        ledger.orphans[line] = ("skipped", "空行")
        return
    building = _key_text(row.values.get(cols["building"]))
    entrance = _key_text(row.values.get(cols["entrance"])) if "entrance" in cols else ""
    if entrance and not building.endswith(entrance):
        building += entrance if not entrance.isdigit() else f"{entrance}单元"
    unit_no = _key_text(row.values.get(cols["unit"]))
    if not building or not unit_no:
        what = "、".join(x for x, v in (("楼栋", building), ("房号", unit_no)) if not v)
        msg = f"缺少{what}，无法确定是哪一户"
        if row.error is not None:
            msg = row.error.message + "；" + msg
        ledger.orphans[line] = ("error", DataError(msg, field=what, expected="每行都有楼栋和房号").describe())
        return
    key = (building, unit_no)
    u = ledger.units.get(key)
    if u is None:
        u = ledger.units[key] = Unit(building, unit_no)
    u.lines.append(line)
    try:
        if row.error is not None:
            raise _RowError(row.error.message, None, row.error.expected)
        name = _name_text(row.values.get(cols["owner_name"]))
        if not name:
            raise _RowError("业主姓名为空", cols["owner_name"], "业主姓名（通知单抬头要用）")
        if not u.owner_name:
            u.owner_name, u.name_line = name, line
        elif name != u.owner_name:
            raise _RowError(f"业主姓名「{name}」与第 {u.name_line} 行的「{u.owner_name}」不一致",
                            cols["owner_name"], "同一房屋各行的业主姓名相同")
        if "phone" in cols and not u.phone:
            u.phone = _text(row.values.get(cols["phone"]))
        item = _name_text(row.values.get(cols["item"]))
        if not item:
            raise _RowError("收费项目为空", cols["item"], "收费项目名称，如 物业服务费")
        raw_period = row.values.get(cols["period"])
        if raw_period is None:
            raise _RowError("所属期间为空", cols["period"], "年月，如 2026-03")
        try:
            period = _period(raw_period)
        except ValueError as e:
            raise _RowError(str(e).split("（")[0], cols["period"], "年月，如 2026-03、2026年3月 或 202603") from None
        amount = _arrears(row, cols)
    except _RowError as e:
        u.errors[line] = e.describe()
        return
    if period > limit:
        u.skipped[line] = f"所属期间 {period} 晚于截止日期所在月份 {limit}，尚未到期，不计入"
        return
    if amount == 0:
        u.skipped[line] = "欠费为 0（已结清），不计入"
        return
    prev = u._seen.get((item, period))
    if prev is not None:
        if prev.amount == amount:
            u.skipped[line] = (f"与第 {prev.line} 行重复（同一房屋、收费项目、所属期间和金额），只计一次")
        else:
            u.errors[line] = DataError(
                f"与第 {prev.line} 行是同一房屋、同一收费项目「{item}」、同一期间 {period}，"
                f"但金额不同（{prev.amount} 与 {amount}），无法判断哪一行正确",
                field=cols.get("arrears") or cols.get("receivable"),
                expected="每户每个收费项目每月一行").describe()
        return
    charge = u._seen[(item, period)] = Charge(item, period, amount, line)
    u.charges.append(charge)


# --------------------------------------------------------------------------- #
# Letter lines
# --------------------------------------------------------------------------- #

def _month_no(period: str) -> int:
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def fold(charges: Iterable[Charge], detail: bool = False) -> list[dict]:
    """Letter table lines: consecutive months of one item with the same amount become one line.

    Items keep the order in which the ledger first lists them; within an item, lines
    run by period.  Each line: item, period ('2026-04～2026-12' or '2026-04'), months,
    monthly (the amount per month) and amount (months × monthly).  detail=True gives
    one line per month.
    """
    by_item: dict[str, list[Charge]] = {}
    for c in charges:
        by_item.setdefault(c.item, []).append(c)
    out: list[dict] = []
    for item, cs in by_item.items():
        cs.sort(key=lambda c: c.period)
        run: list[Charge] = []
        for c in cs + [None]:  # type: ignore[list-item]
            if run and (c is None or detail or c.amount != run[-1].amount
                        or _month_no(c.period) != _month_no(run[-1].period) + 1):
                n = len(run)
                period = run[0].period if n == 1 else f"{run[0].period}～{run[-1].period}"
                out.append({"item": item, "period": period, "months": n, "monthly": run[0].amount,
                            "amount": run[0].amount * n})
                run = []
            if c is not None:
                run.append(c)
    return out


def delivery_order(units: Iterable[Unit]) -> list[Unit]:
    """Units sorted the way letters are delivered: by building, then unit number."""
    return sorted(units, key=lambda u: (natural_key(u.building), natural_key(u.unit)))


def iter_lines(ledger: Ledger) -> Iterator[int]:
    """Every data line of the ledger, in file order."""
    lines = list(ledger.orphans)
    for u in ledger.units.values():
        lines.extend(u.lines)
    return iter(sorted(lines))
