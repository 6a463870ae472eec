"""Reading an answers sheet as an office types it: which column is which question, and who each row is.

Column headers are matched to key.json ignoring case, full/half width and spaces: a question id
(``GT-05``, ``gt-05``, ``ＧＴ－05``), an id with a blank's number (``RZ-12.2``), or the question number
printed on the candidate's version (``5``, ``第5题``, ``4.2``). Every question of every version must
have its column; unknown columns are listed, never silently dropped.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import DataError

if TYPE_CHECKING:
    from .key import KeyItem

NAME_COLS = ("姓名", "name", "考生", "考生姓名")
STAFF_COLS = ("工号", "staff_id", "employee_id", "员工编号", "员工号")
DEPT_COLS = ("部门", "department", "dept")
VERSION_COLS = ("版本", "卷别", "试卷", "version", "paper", "卷")

_NUMBER_COL = re.compile(r"^(?:第)?(\d+)(?:题)?(?:[.\-_](\d+))?$")
_ID_PART = re.compile(r"^(.+)[.\-_](\d+)$")


def nkey(text: Any) -> str:
    """A header or id as compared: NFKC (full width → half), no spaces, case folded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", "" if text is None else str(text))).casefold()


def find_column(headers: list[str], names: tuple[str, ...]) -> str | None:
    """The first header that is one of names (case- and width-insensitive)."""
    low = {nkey(h): h for h in headers}
    for n in names:
        if nkey(n) in low:
            return low[nkey(n)]
    return None


@dataclass
class Column:
    """A question column: by id or by printed number, optionally one blank (0-based part)."""
    header: str
    kind: str                       # "id" | "number"
    ref: str | int
    part: int | None = None

    def label(self) -> str:
        """How the column is named in messages."""
        return self.header


@dataclass
class Cover:
    """The column(s) holding one question's answer in one version."""
    whole: Column | None = None
    parts: dict[int, Column] = field(default_factory=dict)


@dataclass
class Missing:
    """A question (or one blank of it) with no column for one version."""
    version: str
    item: "KeyItem"
    part: int | None = None

    def describe(self) -> str:
        """e.g. GT-05（A 卷第 5 题）, RZ-12 第 2 空（B 卷第 17 题）."""
        blank = f" 第 {self.part + 1} 空" if self.part is not None else ""
        return f"{self.item.id}{blank}（{self.version} 卷第 {self.item.number} 题）"


@dataclass
class SheetPlan:
    """What each column of the answers sheet means."""
    name_col: str
    staff_col: str | None
    dept_col: str | None
    version_col: str | None
    columns: list[Column]
    cover: dict[str, dict[str, Cover]]          # version → question id → its columns
    invalid: dict[str, dict[str, str]]          # version → header → why it does not fit that version
    unknown: list[str]
    missing: list[Missing]

    def identity_cols(self) -> set[str]:
        """The name, staff id, department and version columns."""
        return {c for c in (self.name_col, self.staff_col, self.dept_col, self.version_col) if c}


def _classify(header: str, ids: dict[str, str]) -> Column | None:
    h = nkey(header)
    if h in ids:
        return Column(header, "id", ids[h])
    m = _ID_PART.match(h)
    if m and m.group(1) in ids:
        return Column(header, "id", ids[m.group(1)], int(m.group(2)) - 1)
    m = _NUMBER_COL.match(h)
    if m:
        return Column(header, "number", int(m.group(1)), int(m.group(2)) - 1 if m.group(2) else None)
    return None


def _resolve(col: Column, items: list["KeyItem"]) -> tuple["KeyItem | None", str]:
    if col.kind == "id":
        item = next((it for it in items if it.id == col.ref), None)
    else:
        item = next((it for it in items if it.number == col.ref), None)
    if item is None:
        # An id column names an id of the key, which every version has; only a number can be past the end.
        return None, f"没有第 {col.ref} 题（共 {len(items)} 题）" if col.kind == "number" else f"没有题目 {col.ref}"
    if col.part is not None:
        if item.type not in ("blank", "matching"):
            return None, f"{item.id} 不是填空题或匹配题，不能按第几空（项）分列"
        unit = "项" if item.type == "matching" else "空"
        if not 0 <= col.part < len(item.answer):
            return None, f"{item.id} 只有 {len(item.answer)} 个{unit}，没有第 {col.part + 1} {unit}"
    return item, ""


def plan_columns(headers: list[str], key: dict[str, list["KeyItem"]], file: str, header_line: int) -> SheetPlan:
    """Match the header row to the key; a column that fits no version, or a question on two columns, is an error."""
    versions = list(key)
    name_col = find_column(headers, NAME_COLS)
    if not name_col:
        raise DataError("答卷表缺少「姓名」列", file=file, row=header_line,
                        expected="姓名、工号、部门、版本，以及每题一列（题号或题目 id）")
    staff_col, dept_col, version_col = (find_column(headers, STAFF_COLS), find_column(headers, DEPT_COLS),
                                        find_column(headers, VERSION_COLS))
    if not version_col and len(versions) > 1:
        raise DataError("答卷表缺少「版本」列，而答案有多个版本", file=file, row=header_line,
                        expected=f"版本列，填 {'、'.join(versions)}")
    ids = {nkey(it.id): it.id for it in key[versions[0]]}
    taken = {c for c in (name_col, staff_col, dept_col, version_col) if c}
    columns, unknown = [], []
    for h in headers:
        if h in taken:
            continue
        col = _classify(h, ids)
        (columns.append(col) if col else unknown.append(h))
    if not columns:
        raise DataError("答卷表中没有任何题目列", file=file, row=header_line,
                        expected="以题目 id（如 LY-01）或题号（1、2、…）为表头的列")
    cover: dict[str, dict[str, Cover]] = {v: {} for v in versions}
    invalid: dict[str, dict[str, str]] = {v: {} for v in versions}
    for col in columns:
        reasons = []
        for v in versions:
            item, why = _resolve(col, key[v])
            if item is None:
                invalid[v][col.header] = why
                reasons.append(f"{v} 卷：{why}")
                continue
            c = cover[v].setdefault(item.id, Cover())
            other = c.whole or (c.parts.get(col.part) if col.part is not None else next(iter(c.parts.values()), None))
            if other is not None:
                raise DataError(f"题 {item.id}（{v} 卷第 {item.number} 题）对应了两列：「{other.header}」和「{col.header}」",
                                file=file, row=header_line, field=col.header, expected="每题（或每空）只有一列")
            if col.part is None:
                c.whole = col
            else:
                c.parts[col.part] = col
        if len(reasons) == len(versions):
            raise DataError(f"列「{col.header}」对不上任何题目：{'；'.join(reasons)}", file=file, row=header_line,
                            field=col.header, expected="题目 id、题目 id.第几空，或本卷的题号")
    missing = []
    for v in versions:
        for item in key[v]:
            got = cover[v].get(item.id)
            if got is None:
                missing.append(Missing(v, item))
            elif got.whole is None:
                missing += [Missing(v, item, p) for p in range(len(item.answer)) if p not in got.parts]
    return SheetPlan(name_col, staff_col, dept_col, version_col, columns, cover, invalid, unknown, missing)


def missing_message(missing: list[Missing]) -> str:
    """The questions without a column, named once each with every version's number."""
    by_id: dict[tuple[str, int | None], list[Missing]] = {}
    for m in missing:
        by_id.setdefault((m.item.id, m.part), []).append(m)
    parts = []
    for (qid, part), ms in by_id.items():
        blank = f" 第 {part + 1} 空" if part is not None else ""
        parts.append(f"{qid}{blank}（" + "、".join(f"{m.version} 卷第 {m.item.number} 题" for m in ms) + "）")
    return "、".join(parts)


def cell(values: dict[str, Any], col: str | None) -> str:
    """A cell as stripped text ('' when empty or no such column)."""
    if not col:
        return ""
    v = values.get(col)
    return "" if v is None else str(v).strip()


def is_blank(value: Any) -> bool:
    """An empty cell (None, '' or only spaces)."""
    return value is None or str(value).strip() == ""


@dataclass
class RawAnswer:
    """What the sheet holds for one question of one row."""
    column: str                     # header(s) it came from
    value: Any                      # scalar, or a list of parts for a blank typed one column per blank
    has_column: bool = True

    @property
    def blank(self) -> bool:
        """Nothing typed (every part empty)."""
        if isinstance(self.value, list):
            return all(is_blank(v) for v in self.value)
        return is_blank(self.value)


def row_answers(values: dict[str, Any], version: str, items: list["KeyItem"], plan: SheetPlan,
                file: str, line: int) -> dict[str, RawAnswer]:
    """Each question's raw answer on this row; a value typed in a column that does not fit this version is an error."""
    for header, why in plan.invalid[version].items():
        if not is_blank(values.get(header)):
            raise DataError(f"列「{header}」在 {version} 卷中不适用：{why}", file=file, row=line, field=header)
    out = {}
    for item in items:
        c = plan.cover[version].get(item.id)
        if c is None:
            out[item.id] = RawAnswer("", None, has_column=False)
        elif c.whole is not None:
            out[item.id] = RawAnswer(c.whole.header, values.get(c.whole.header))
        else:
            n = len(item.answer)
            if len(c.parts) < n:
                out[item.id] = RawAnswer("", None, has_column=False)
                continue
            out[item.id] = RawAnswer("、".join(c.parts[p].header for p in range(n)),
                                     [values.get(c.parts[p].header) for p in range(n)])
    return out


def row_version(values: dict[str, Any], plan: SheetPlan, versions: list[str], file: str, line: int) -> str:
    """The version a row was written on (A, a, Ａ卷 → A)."""
    if not plan.version_col:
        return versions[0]
    raw = cell(values, plan.version_col)
    version = unicodedata.normalize("NFKC", raw).upper().replace(" ", "").removesuffix("卷")
    if not raw and len(versions) == 1:
        return versions[0]
    if version not in versions:
        raise DataError(f"试卷版本「{raw}」不在答案中" if raw else "缺少试卷版本", file=file, row=line,
                        field=plan.version_col, expected="、".join(versions))
    return version


def candidate_key(staff_id: str, name: str, department: str) -> tuple[str, str]:
    """Who a row is: the staff id when given, else name and department."""
    if staff_id:
        return ("工号", nkey(staff_id))
    return ("姓名", nkey(name) + "\u0000" + nkey(department))
