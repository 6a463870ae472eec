"""key.json: the answer key of every version, with its pass mark and partial-credit rule, checked as it is read."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal, NotRequired, TypedDict, get_args

from ..errors import DataError
from .bank import LETTERS, TYPES, QType
from .stats import r

#: How a multiple-choice answer with some right options and none wrong scores.
PartialRule = Literal["none", "half", "ratio"]
PARTIAL_RULES: tuple[PartialRule, ...] = get_args(PartialRule)
DEFAULT_PASS_MARK = Decimal(70)
DEFAULT_PARTIAL: PartialRule = "none"
KEY_FORMAT = "docgen-exam-key/2"


class ScoringEntry(TypedDict):
    """A short-answer scoring point in key.json."""
    point: str
    points: int | float | None


class NumericEntry(TypedDict):
    """An accepted numerical range in key.json: low to high earns credit percent of the points."""
    low: int | float
    high: int | float
    credit: int | float


class KeyExtras(TypedDict, total=False):
    """The fields of a key.json entry beyond the answer (only those a question has are written)."""
    credit: dict[str, int | float] | list[dict[str, int | float]]   # single: {letter: %}; blank: per blank
    numeric: list[NumericEntry]
    left: list[str]                                                  # matching: the left column


class KeyEntry(KeyExtras):
    """One question of one version in key.json, as the build writes it (options and answer in printed terms)."""
    id: str
    number: int
    section: int
    type: QType
    points: int | float
    options: list[str]
    answer: Any             # 'B', ['A','C'], true, [[accepted…]…], ['B','A',…] or the model text
    tags: NotRequired[list[str]]
    scoring: NotRequired[list[ScoringEntry]]


class KeyFile(TypedDict):
    """key.json: the grading settings chosen at build time and every version's entries in printed order."""
    format: str
    pass_mark: int | float
    partial: PartialRule
    full_marks: int | float
    versions: dict[str, list[KeyEntry]]


@dataclass
class KeyItem:
    """One entry of key.json."""
    id: str
    type: QType
    points: Decimal
    options: list[str]
    answer: Any
    number: int
    section: int = 1
    tags: list[str] = field(default_factory=list)
    credit: Any = None              # single: {letter: percent}; blank: [{text: percent}] per blank
    numeric: list[tuple[Decimal, Decimal, Decimal]] = field(default_factory=list)   # (low, high, percent)
    left: list[str] = field(default_factory=list)   # matching: the left column


@dataclass
class Key:
    """key.json: every version's items plus the grading settings chosen at build time."""
    versions: dict[str, list[KeyItem]]
    pass_mark: Decimal = DEFAULT_PASS_MARK
    partial: PartialRule = DEFAULT_PARTIAL
    settings_stored: bool = True            # False: an old key.json without settings (defaults apply)


def _dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def check_pass_mark(value: Any, field_name: str, file: str | None = None) -> Decimal:
    """A pass mark on the percent scale, 0 < x ≤ 100."""
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise DataError(f"及格线「{value}」不是数字", file=file, field=field_name) from None
    if not d.is_finite() or not 0 < d <= 100:
        raise DataError(f"及格线 {value} 超出范围", file=file, field=field_name, expected="0 到 100 之间（百分制）")
    return d


def check_partial(value: Any, field_name: str, file: str | None = None) -> PartialRule:
    """A multiple-choice partial-credit rule: none, half or ratio."""
    for rule in PARTIAL_RULES:
        if value == rule:
            return rule
    raise DataError(f"未知的多选题计分规则「{value}」", file=file, field=field_name, expected="none、half 或 ratio")


def load_key_file(path: str | Path) -> Key:
    """Read and check key.json: {"format", "pass_mark", "partial", "versions": {version: [entries]}}.

    An old key.json (a bare {version: [entries]} mapping) is read too, with the default settings."""
    name = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"), parse_float=Decimal)
    except FileNotFoundError:
        raise DataError("答案文件不存在", file=name) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DataError(f"不是有效的 JSON：{e}", file=name, expected="docgen exam build 生成的 key.json") from None
    if isinstance(data, dict) and isinstance(data.get("versions"), dict):
        key = Key(_load_versions(data["versions"], name))
        if "pass_mark" in data:
            key.pass_mark = check_pass_mark(data["pass_mark"], "pass_mark", name)
        if "partial" in data:
            key.partial = check_partial(data["partial"], "partial", name)
        return key
    return Key(_load_versions(data, name), settings_stored=False)


def load_key(path: str | Path) -> dict[str, list[KeyItem]]:
    """Read and check key.json; the items of each version in printed order."""
    return load_key_file(path).versions


def _load_versions(data: Any, name: str) -> dict[str, list[KeyItem]]:
    if not isinstance(data, dict) or not data:
        raise DataError("key.json 应含“版本: 题目列表”的映射", file=name,
                        expected='{"versions": {"A": [...], "B": [...]}, "pass_mark": 70}')
    out: dict[str, list[KeyItem]] = {}
    for version, entries in data.items():
        if not isinstance(entries, list) or not entries:
            raise DataError(f"版本 {version} 的题目列表为空或格式不对", file=name, field=version)
        items = []
        for i, e in enumerate(entries, 1):
            where = f"{version} 卷第 {i} 项"
            try:
                t = e["type"]
                if t not in TYPES:
                    raise ValueError(f"未知题型 {t}")
                tags = e.get("tags") or []
                if not isinstance(tags, list):
                    raise ValueError("tags 应是列表")
                item = KeyItem(str(e["id"]), t, _dec(e["points"]), list(e.get("options") or []), e.get("answer"),
                               int(e.get("number", i)), int(e.get("section", 1)), [str(x) for x in tags])
                if not item.points.is_finite() or item.points <= 0:
                    raise ValueError(f"分值 {item.points} 应为正数")
                _entry_extras(item, e)
            except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as exc:
                raise DataError(f"{where}格式不对：{exc}", file=name, field=version,
                                expected="含 id、type、points、options、answer 的条目") from None
            if item.type in ("single", "multiple"):
                letters = [item.answer] if item.type == "single" else item.answer
                if not isinstance(letters, list) or not letters or any(
                        not isinstance(a, str) or a not in LETTERS[:len(item.options)] for a in letters):
                    raise DataError(f"{where}（{item.id}）的答案「{item.answer}」不是有效的选项字母", file=name,
                                    field=version)
            elif item.type == "matching" and not (
                    isinstance(item.answer, list) and len(item.answer) == len(item.left) >= 1
                    and all(isinstance(a, str) and a in LETTERS[:len(item.options)] for a in item.answer)):
                raise DataError(f"{where}（{item.id}）的答案应为左栏每项一个右栏字母", file=name, field=version)
            elif item.type == "truefalse" and not isinstance(item.answer, bool):
                raise DataError(f"{where}（{item.id}）的答案应为 true 或 false", file=name, field=version)
            elif item.type == "blank" and not (isinstance(item.answer, list) and item.answer
                                               and all(isinstance(b, list) and b for b in item.answer)):
                raise DataError(f"{where}（{item.id}）的答案应为每空一组可接受答案的列表", file=name, field=version)
            items.append(item)
        ids = [it.id for it in items]
        if len(set(ids)) != len(ids):
            raise DataError(f"版本 {version} 中题号重复", file=name, field=version)
        out[str(version)] = items
    first = {it.id: it for it in next(iter(out.values()))}
    for version, items in out.items():
        if {it.id for it in items} != set(first):
            raise DataError(f"版本 {version} 的题目与其他版本不同", file=name, field=version,
                            expected="各版本是同一组题目的不同顺序")
        for it in items:
            if it.points != first[it.id].points or it.type != first[it.id].type:
                raise DataError(f"题 {it.id} 在版本 {version} 中的题型或分值与其他版本不同", file=name, field=version,
                                expected="各版本同一题的题型和分值相同")
    return out


def _entry_extras(item: KeyItem, e: dict) -> None:
    """Read an entry's partial credit, numerical ranges and matching column (ValueError when malformed)."""
    credit = e.get("credit")
    if credit:
        if item.type == "single":
            item.credit = {str(k): _percent(v) for k, v in credit.items()}
            if any(k not in LETTERS[:len(item.options)] for k in item.credit):
                raise ValueError(f"部分得分的选项 {list(item.credit)} 不是有效的选项字母")
        elif item.type == "blank":
            if not isinstance(credit, list) or not all(isinstance(g, dict) for g in credit):
                raise ValueError("填空题的 credit 应为每空一个“答案: 百分比”的映射")
            item.credit = [{str(k): _percent(v) for k, v in g.items()} for g in credit]
        else:
            raise ValueError(f"{item.type} 题不能有 credit")
    for r in e.get("numeric") or []:
        low, high, pct = _dec(r["low"]), _dec(r["high"]), _percent(r.get("credit", 100))
        if low > high:
            raise ValueError(f"数值范围 {low}～{high} 下限大于上限")
        item.numeric.append((low, high, pct))
    if item.type == "matching":
        item.left = [str(x) for x in e.get("left") or []]


def _percent(value: Any) -> Decimal:
    d = _dec(value)
    if not 0 < d <= 100:
        raise ValueError(f"得分比例 {value} 应大于 0、不超过 100")
    return d
