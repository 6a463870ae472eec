"""Grading: score responses against key.json, pass/fail, class statistics and item analysis.

Formulas (also in docs/exam.md):

* item difficulty p = mean score on the item / its points (for a right/wrong item: the share right);
* discrimination D = p_upper − p_lower, where the upper and lower groups are the top and bottom
  27 % of candidates by total score (g = round(0.27·N), at least 1; ties keep the file order);
* KR-20 over the objective items scored right (full points) / wrong:
  k/(k−1) · (1 − Σ p·q / σ²), σ² the population variance of each candidate's number right.

Statistics are computed exactly (fractions) and rounded half up to three decimals for output.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import DataError
from ..readers import read_table
from .bank import LETTERS, OBJECTIVE, TYPES, parse_bool

PARTIAL_RULES = ("none", "half", "ratio")
GROUP_SHARE = Fraction(27, 100)
_NAME_COLS = ("姓名", "name", "考生", "考生姓名")
_STAFF_COLS = ("工号", "staff_id", "employee_id", "员工编号")
_DEPT_COLS = ("部门", "department", "dept")
_VERSION_COLS = ("版本", "卷别", "试卷", "version", "paper", "卷")


@dataclass
class KeyItem:
    """One entry of key.json."""
    id: str
    type: str
    points: Decimal
    options: list[str]
    answer: Any
    number: int
    section: int = 1
    credit: Any = None              # single: {letter: percent}; blank: [{text: percent}] per blank
    numeric: list[tuple[Decimal, Decimal, Decimal]] = field(default_factory=list)   # (low, high, percent)
    left: list[str] = field(default_factory=list)   # matching: the left column


def _dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def load_key(path: str | Path) -> dict[str, list[KeyItem]]:
    """Read and check key.json: {version: [entries in printed order]}."""
    name = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"), parse_float=Decimal)
    except FileNotFoundError:
        raise DataError("答案文件不存在", file=name) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DataError(f"不是有效的 JSON：{e}", file=name, expected="docgen exam build 生成的 key.json") from None
    if not isinstance(data, dict) or not data:
        raise DataError("key.json 应是“版本: 题目列表”的映射", file=name, expected='{"A": [...], "B": [...]}')
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
                item = KeyItem(str(e["id"]), t, _dec(e["points"]), list(e.get("options") or []), e.get("answer"),
                               int(e.get("number", i)), int(e.get("section", 1)))
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
    first = {it.id for it in next(iter(out.values()))}
    for version, items in out.items():
        if {it.id for it in items} != first:
            raise DataError(f"版本 {version} 的题目与其他版本不同", file=name, field=version,
                            expected="各版本是同一组题目的不同顺序")
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


# ---------------------------------------------------------------- scoring one answer

def _norm(text: Any) -> str:
    s = unicodedata.normalize("NFKC", "" if text is None else str(text))
    return re.sub(r"\s+", "", s).strip("。.").casefold()


def _letters(text: str) -> list[str] | None:
    s = re.sub(r"[\s,，、;；/|]", "", unicodedata.normalize("NFKC", text)).upper()
    if not s or any(c not in LETTERS for c in s):
        return None
    return sorted(set(s))


def quantize(d: Decimal) -> Decimal:
    """A score to two decimals, half up."""
    return d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def score_item(item: KeyItem, response: Any, partial: str = "none") -> Decimal:
    """Points earned on one objective item for a raw response (blank → 0; unreadable → 0)."""
    if response is None or str(response).strip() == "":
        return Decimal(0)
    text = str(response).strip()
    if item.type == "single":
        got = _letters(text)
        if got == [item.answer]:
            return item.points
        if got and len(got) == 1 and item.credit and got[0] in item.credit:
            return quantize(item.points * item.credit[got[0]] / 100)
        return Decimal(0)
    if item.type == "matching":
        parts = ([_letters(str(x)) for x in response] if isinstance(response, list)
                 else [[c] for c in re.sub(r"[\s,，、;；/|()（）\[\]【】.．:：\-\d]", "",
                                          unicodedata.normalize("NFKC", text)).upper()])
        n = len(item.answer)
        if len(parts) != n:
            return Decimal(0)       # cannot tell which letter answers which item
        right = sum(1 for got, want in zip(parts, item.answer) if got == [want])
        return item.points if right == n else quantize(item.points * right / n)
    if item.type == "blank" and item.numeric:
        parts = [str(x) for x in response] if isinstance(response, list) else [text]
        try:
            x = Decimal(unicodedata.normalize("NFKC", parts[0]).strip().replace(",", ""))
        except (InvalidOperation, IndexError):
            return Decimal(0)
        if not x.is_finite():
            return Decimal(0)
        best = max((pct for low, high, pct in item.numeric if low <= x <= high), default=Decimal(0))
        return item.points if best == 100 else quantize(item.points * best / 100)
    if item.type == "multiple":
        got = _letters(text)
        if not got:
            return Decimal(0)
        right = set(item.answer)
        chosen = set(got)
        if chosen == right:
            return item.points
        if chosen - right or partial == "none":
            return Decimal(0)
        if partial == "half":
            return quantize(item.points / 2)
        return quantize(item.points * len(chosen) / len(right))
    if item.type == "truefalse":
        try:
            return item.points if parse_bool(text) == item.answer else Decimal(0)
        except ValueError:
            return Decimal(0)
    if item.type == "blank":
        parts = [str(x) for x in response] if isinstance(response, list) else re.split(r"[;；|]", text)
        n = len(item.answer)
        right = Decimal(0)
        for i, accepted in enumerate(item.answer):
            got = _norm(parts[i]) if i < len(parts) else ""
            if got and got in {_norm(a) for a in accepted}:
                right += 1
            elif got and item.credit and i < len(item.credit):
                right += max((p for a, p in item.credit[i].items() if _norm(a) == got), default=Decimal(0)) / 100
        return item.points if right == n else quantize(item.points * right / n)
    raise ValueError(f"{item.type} 不是客观题")


# ---------------------------------------------------------------- reading responses

@dataclass
class Candidate:
    """One graded response row."""
    line: int
    name: str
    staff_id: str
    department: str
    version: str
    scores: dict[str, Decimal | None]       # by question id; None: subjective item not graded
    objective: Decimal = Decimal(0)
    subjective: Decimal = Decimal(0)
    total: Decimal = Decimal(0)
    full: Decimal = Decimal(0)
    percent: Decimal = Decimal(0)
    passed: bool = False
    rank: int = 0

    @property
    def ungraded(self) -> list[str]:
        """Ids of subjective items without a score."""
        return [k for k, v in self.scores.items() if v is None]


@dataclass
class ItemStat:
    """Item analysis for one question."""
    id: str
    number: int
    type: str
    points: Decimal
    n: int
    mean: Fraction | None
    p: Fraction | None
    p_upper: Fraction | None
    p_lower: Fraction | None
    d: Fraction | None

    def verdict(self) -> str:
        """Ebel's reading of D: ≥0.40 优良, 0.30–0.39 良好, 0.20–0.29 尚可（宜修改）, <0.20 差（宜修改或淘汰）."""
        if self.d is None:
            return ""
        if self.d >= Fraction(2, 5):
            return "优良"
        if self.d >= Fraction(3, 10):
            return "良好"
        if self.d >= Fraction(1, 5):
            return "尚可，宜修改"
        return "差，宜修改或淘汰"


@dataclass
class GradeResult:
    """Everything grading produced."""
    key_file: str
    responses_file: str
    candidates: list[Candidate]
    errors: list[DataError]
    items: list[ItemStat]
    kr20: Fraction | None
    kr20_k: int
    pass_mark: Decimal
    partial: str
    order: list[KeyItem]                    # the first version's items: the report's question order
    unused_columns: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        """Class figures: count, mean, SD, range, median, pass rate (percent scale), KR-20."""
        n = len(self.candidates)
        pcts = [Fraction(c.total) * 100 / Fraction(c.full) for c in self.candidates]
        out: dict[str, Any] = {"candidates": n, "errors": len(self.errors), "pass_mark": str(self.pass_mark),
                               "partial": self.partial, "full_marks": str(self.order_total())}
        if n:
            mean = sum(pcts) / n
            var = sum((x - mean) ** 2 for x in pcts) / n
            srt = sorted(pcts)
            median = srt[n // 2] if n % 2 else (srt[n // 2 - 1] + srt[n // 2]) / 2
            passed = sum(1 for c in self.candidates if c.passed)
            out.update({"mean": r(mean, 1), "sd": r(Fraction(_sqrt(var)), 1), "max": r(max(pcts), 1),
                        "min": r(min(pcts), 1), "median": r(median, 1), "passed": passed,
                        "pass_rate": r(Fraction(passed * 100, n), 1),
                        "mean_total": r(sum(Fraction(c.total) for c in self.candidates) / n, 2),
                        "ungraded_candidates": sum(1 for c in self.candidates if c.ungraded)})
        out["kr20"] = r(self.kr20, 3) if self.kr20 is not None else None
        out["kr20_items"] = self.kr20_k
        return out

    def order_total(self) -> Decimal:
        """Full marks of the paper."""
        return sum((i.points for i in self.order), Decimal(0))


def _sqrt(x: Fraction) -> Decimal:
    return Decimal(x.numerator).sqrt() / Decimal(x.denominator).sqrt() if x else Decimal(0)


def r(x: Fraction | Decimal | None, places: int) -> str | None:
    """A statistic rounded half up to `places` decimals, as text (None stays None)."""
    if x is None:
        return None
    d = Decimal(x.numerator) / Decimal(x.denominator) if isinstance(x, Fraction) else Decimal(x)
    return str(d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _find(headers: list[str], names: tuple[str, ...]) -> str | None:
    low = {h.strip().lower(): h for h in headers}
    for n in names:
        if n.lower() in low:
            return low[n.lower()]
    return None


_NUMBER_COL = re.compile(r"^(?:第)?(\d+)(?:题)?(?:[.\-_－](\d+))?$")


def _column_plan(headers: list[str], key: dict[str, list[KeyItem]], used: set[str]):
    """Map answer columns: (kind, ref, blank index) per header; kind 'id' or 'number'."""
    ids = {it.id for it in next(iter(key.values()))}
    plan: dict[str, tuple[str, str | int, int | None]] = {}
    unused = []
    for h in headers:
        if h in used:
            continue
        hs = h.strip()
        if hs in ids:
            plan[h] = ("id", hs, None)
            continue
        m = re.match(r"^(.+)[.\-_](\d+)$", hs)
        if m and m.group(1) in ids:
            plan[h] = ("id", m.group(1), int(m.group(2)) - 1)
            continue
        m = _NUMBER_COL.match(hs)
        if m:
            plan[h] = ("number", int(m.group(1)), int(m.group(2)) - 1 if m.group(2) else None)
            continue
        unused.append(h)
    return plan, unused


def _parse_score(value: Any, item: KeyItem, file: str, line: int, column: str) -> Decimal:
    try:
        d = _dec(str(value).strip().removesuffix("分"))
    except InvalidOperation:
        raise DataError(f"主观题得分「{value}」不是数字", file=file, row=line, field=column,
                        expected=f"0 到 {item.points} 之间的分数") from None
    if not d.is_finite() or d < 0 or d > item.points:
        raise DataError(f"主观题得分 {value} 超出范围", file=file, row=line, field=column,
                        expected=f"0 到 {item.points} 之间的分数")
    return d


def grade(key_path: str | Path, responses_path: str | Path, *, pass_mark: Decimal | int | str = 70,
          partial: str = "none", sheet: str | None = None) -> GradeResult:
    """Score every response row; bad rows are collected as errors (named by line), the rest graded."""
    if partial not in PARTIAL_RULES:
        raise DataError(f"未知的多选题计分规则「{partial}」", field="--partial", expected="none、half 或 ratio")
    try:
        pass_mark = Decimal(str(pass_mark))
    except InvalidOperation:
        raise DataError(f"及格线「{pass_mark}」不是数字", field="--pass-mark") from None
    if not 0 < pass_mark <= 100:
        raise DataError(f"及格线 {pass_mark} 超出范围", field="--pass-mark", expected="0 到 100 之间（百分制）")
    key = load_key(key_path)
    versions = list(key)
    by_number = {v: {it.number: it for it in items} for v, items in key.items()}
    by_id = {v: {it.id: it for it in items} for v, items in key.items()}
    file = str(responses_path)
    candidates: list[Candidate] = []
    errors: list[DataError] = []
    with read_table(responses_path, sheet=sheet, on_error="yield") as table:
        headers = list(table.headers)
        name_col = _find(headers, _NAME_COLS)
        if not name_col:
            raise DataError("答卷表缺少「姓名」列", file=file, row=table.header_line,
                            expected="姓名、工号、部门、版本，以及每题一列（题号或题目 id）")
        staff_col, dept_col, version_col = (_find(headers, _STAFF_COLS), _find(headers, _DEPT_COLS),
                                            _find(headers, _VERSION_COLS))
        if not version_col and len(versions) > 1:
            raise DataError("答卷表缺少「版本」列，而答案有多个版本", file=file, row=table.header_line,
                            expected=f"版本列，填 {'、'.join(versions)}")
        plan, unused = _column_plan(headers, key, {c for c in (name_col, staff_col, dept_col, version_col) if c})
        if not plan:
            raise DataError("答卷表中没有任何题目列", file=file, row=table.header_line,
                            expected="以题目 id（如 LY-01）或题号（1、2、…）为表头的列")
        for row in table:
            if row.blank:
                continue
            if row.error:
                errors.append(row.error)
                continue
            try:
                candidates.append(_grade_row(row.line, row.values, file, name_col, staff_col, dept_col,
                                             version_col, versions, plan, by_number, by_id, key, partial, pass_mark))
            except DataError as e:
                errors.append(e)
    order = key[versions[0]]
    ranked = sorted(candidates, key=lambda c: -c.total)
    for c in candidates:
        c.rank = 1 + sum(1 for o in candidates if o.total > c.total)
    items, kr20, k = item_analysis(ranked, order)
    return GradeResult(str(key_path), file, candidates, errors, items, kr20, k, pass_mark, partial, order, unused)


def _grade_row(line, values, file, name_col, staff_col, dept_col, version_col, versions, plan, by_number, by_id,
               key, partial, pass_mark) -> Candidate:
    name = str(values.get(name_col) or "").strip()
    if not name:
        raise DataError("缺少考生姓名", file=file, row=line, field=name_col)
    if version_col:
        raw = str(values.get(version_col) or "").strip()
        version = unicodedata.normalize("NFKC", raw).upper().removesuffix("卷")
        if not raw and len(versions) == 1:
            version = versions[0]
        if version not in key:
            raise DataError(f"试卷版本「{raw}」不在答案中", file=file, row=line, field=version_col,
                            expected="、".join(versions))
    else:
        version = versions[0]
    items = key[version]
    raw_answers: dict[str, Any] = {}
    blanks: dict[str, dict[int, str]] = {}
    for col, (kind, ref, sub) in plan.items():
        value = values.get(col)
        if value is None or str(value).strip() == "":
            continue
        item = by_id[version].get(ref) if kind == "id" else by_number[version].get(ref)
        if item is None:
            raise DataError(f"第 {ref} 题在 {version} 卷中不存在", file=file, row=line, field=col,
                            expected=f"1 到 {len(items)}")
        if sub is not None:
            if item.type != "blank":
                raise DataError(f"列「{col}」按填空的第几空填写，但 {item.id} 不是填空题", file=file, row=line, field=col)
            blanks.setdefault(item.id, {})[sub] = str(value)
            continue
        if item.id in raw_answers:
            raise DataError(f"题 {item.id} 的答案出现在两列中", file=file, row=line, field=col)
        raw_answers[item.id] = (col, value)
    cand = Candidate(line, name, str(values.get(staff_col) or "").strip() if staff_col else "",
                     str(values.get(dept_col) or "").strip() if dept_col else "", version, {})
    for item in items:
        if item.type == "short":
            if item.id in raw_answers:
                col, value = raw_answers[item.id]
                s = _parse_score(value, item, file, line, col)
                cand.scores[item.id] = s
                cand.subjective += s
            else:
                cand.scores[item.id] = None
            continue
        if item.id in blanks:
            n = len(item.answer)
            parts = [blanks[item.id].get(i, "") for i in range(n)]
            s = score_item(item, parts, partial)
        else:
            s = score_item(item, raw_answers.get(item.id, (None, None))[1], partial)
        cand.scores[item.id] = s
        cand.objective += s
    cand.total = cand.objective + cand.subjective
    cand.full = sum((i.points for i in items), Decimal(0))
    cand.percent = (cand.total * 100 / cand.full).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    cand.passed = cand.percent >= pass_mark
    return cand


# ---------------------------------------------------------------- item analysis

def group_size(n: int) -> int:
    """Size of the upper and lower groups: 27 % of n rounded half up, at least 1."""
    return max(1, int((GROUP_SHARE * n + Fraction(1, 2)) // 1))


def item_analysis(ranked: list[Candidate], order: list[KeyItem]) -> tuple[list[ItemStat], Fraction | None, int]:
    """Difficulty and discrimination per item, and KR-20 over the objective items."""
    n = len(ranked)
    g = group_size(n) if n >= 2 else 0
    upper, lower = ranked[:g], ranked[n - g:] if g else []
    stats = []

    def share(group: list[Candidate], item: KeyItem) -> Fraction | None:
        scores = [c.scores.get(item.id) for c in group]
        scores = [s for s in scores if s is not None]
        if not scores:
            return None
        return Fraction(sum(scores, Decimal(0))) / len(scores) / Fraction(item.points)

    for item in order:
        graded = [c.scores.get(item.id) for c in ranked if c.scores.get(item.id) is not None]
        mean = Fraction(sum(graded, Decimal(0))) / len(graded) if graded else None
        p = mean / Fraction(item.points) if mean is not None else None
        pu, pl = (share(upper, item), share(lower, item)) if g else (None, None)
        d = pu - pl if pu is not None and pl is not None else None
        stats.append(ItemStat(item.id, item.number, item.type, item.points, len(graded), mean, p, pu, pl, d))
    objective = [it for it in order if it.type in OBJECTIVE]
    k = len(objective)
    kr20 = None
    if k >= 2 and n >= 2:
        right = [[1 if c.scores[it.id] == it.points else 0 for it in objective] for c in ranked]
        totals = [sum(row) for row in right]
        mean_t = Fraction(sum(totals), n)
        var = sum((t - mean_t) ** 2 for t in totals) / n
        if var:
            pq = sum(Fraction(sum(row[j] for row in right), n) * (1 - Fraction(sum(row[j] for row in right), n))
                     for j in range(k))
            kr20 = Fraction(k, k - 1) * (1 - pq / var)
    return stats, kr20, k


TYPE_SHORT = {"single": "单选", "multiple": "多选", "truefalse": "判断", "blank": "填空", "matching": "匹配",
              "short": "简答"}
