"""Grading: read each answer as typed, score it, and collect every row's outcome.

key.json is read by :mod:`.key`; reading the sheet's columns is in :mod:`.sheet`; the statistics (difficulty, discrimination,
point-biserial, Cronbach's α, KR-20, flags) are in :mod:`.stats`; formulas are in docs/exam.md.
Nothing is dropped silently: a row that cannot be graded, an answer that cannot be read, an
absent candidate and a column that matches nothing are all kept and reported.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import DataError, Setting, Worded
from ..inputs.readers import read_table
from .bank import LETTERS, parse_bool
from .key import DEFAULT_PASS_MARK, Key, KeyItem, PartialRule, check_partial, check_pass_mark, load_key_file
from .sheet import (RawAnswer, SheetPlan, candidate_key, cell, missing_message, plan_columns, row_answers,
                    row_version)
from .stats import Analysis, ItemStat, analyse, group_size, r, summary  # noqa: F401  (group_size: public)

# ---------------------------------------------------------------- reading and scoring one answer

@dataclass
class Reading:
    """One answer as read: value None when blank; problem set when it cannot be read (it then scores 0)."""
    value: Any = None
    problem: str = ""

    @property
    def blank(self) -> bool:
        """Nothing was typed."""
        return self.value is None and not self.problem


def _norm(text: Any) -> str:
    s = unicodedata.normalize("NFKC", "" if text is None else str(text))
    return re.sub(r"\s+", "", s).strip("。.").casefold()


_BRACKETS = "()[]【】〔〕<>《》"
_LETTER_SEPARATORS = re.compile(r"[\s,、;/|.。:：]+")
_BLANK_SEPARATORS = re.compile(r"[,、;|]")


def _choice(item: KeyItem, text: str) -> Reading:
    s = unicodedata.normalize("NFKC", text).upper()
    s = "".join(ch for ch in s if ch not in _BRACKETS)
    s = _LETTER_SEPARATORS.sub("", s)
    if not s:
        return Reading()
    n = len(item.options) or len(LETTERS)
    valid = LETTERS[:n]
    bad = [c for c in s if c not in valid]
    if bad:
        if all(c in LETTERS for c in bad):
            return Reading(problem=f"没有选项 {bad[0]}（本题为 A–{valid[-1]}）")
        return Reading(problem="不是选项字母")
    letters = sorted(set(s))
    if item.type == "single" and len(letters) > 1:
        return Reading(problem="单选题填了多个字母")
    return Reading(letters)


def split_blanks(text: str, n: int) -> list[str] | None:
    """A multi-blank answer typed in one cell, split on ，,、;；| (or spaces); None if it is not n parts."""
    s = unicodedata.normalize("NFKC", text).strip()
    if n == 1:
        return [s]
    parts = [p.strip() for p in _BLANK_SEPARATORS.split(s)]
    if len(parts) == n:
        return parts
    if len(parts) == 1:
        words = s.split()
        if len(words) == n:
            return words
    return None


_SIGNED_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
# Item numbers and punctuation around the letters of a matching answer: "（1）C（2）D", "1-C 2-D", "CDA".
_MATCHING_NOISE = re.compile(r"[\s,、;/|()\[\]【】〔〕.:\-\d]")


def _matching(item: KeyItem, response: Any) -> Reading:
    n = len(item.answer)
    valid = LETTERS[:len(item.options)]
    if isinstance(response, list):
        parts = ["".join(ch for ch in unicodedata.normalize("NFKC", "" if v is None else str(v)).upper()
                         if ch not in _BRACKETS and not ch.isspace()) for v in response]
        if any(len(p) != 1 for p in parts):
            return Reading(problem="每项应填一个字母")
        letters = parts
    else:
        letters = list(_MATCHING_NOISE.sub("", unicodedata.normalize("NFKC", str(response)).upper()))
    bad = [c for c in letters if c not in valid]
    if bad:
        return Reading(problem=f"没有选项 {bad[0]}（本题为 A–{valid[-1]}）")
    if len(letters) != n:
        return Reading(problem=f"左栏有 {n} 项，答案有 {len(letters)} 个字母（每项一个字母，如 {''.join(valid[:n])}）")
    return Reading(letters)


def read_answer(item: KeyItem, response: Any) -> Reading:
    """Read a raw response the way an office types it (see docs/exam.md); unknown types keep the text."""
    if isinstance(response, list):
        if all(v is None or str(v).strip() == "" for v in response):
            return Reading()
    elif response is None or str(response).strip() == "":
        return Reading()
    if item.type in ("single", "multiple"):
        return _choice(item, str(response).strip())
    if item.type == "truefalse":
        text = "".join(ch for ch in unicodedata.normalize("NFKC", str(response)) if ch not in _BRACKETS).strip()
        try:
            return Reading(parse_bool(text))
        except ValueError:
            return Reading(problem="不是对/错（对、错、√、×、T、F、是、否）")
    if item.type == "matching":
        return _matching(item, response)
    if item.type == "blank" and item.numeric:
        text = unicodedata.normalize("NFKC", str(response[0] if isinstance(response, list) else response))
        text = text.strip().replace(",", "")
        if not _SIGNED_NUMBER.match(text):
            return Reading(problem="不是数字（如 4、3.14、-2）")
        return Reading([Decimal(text)])
    if item.type == "blank":
        n = len(item.answer)
        if isinstance(response, list):
            return Reading(["" if v is None else str(v).strip() for v in response][:n] + [""] * (n - len(response)))
        parts = split_blanks(str(response), n)
        if parts is None:
            return Reading(problem=f"本题有 {n} 个空，无法把答案分成 {n} 份（空与空之间用，或；分隔）")
        return Reading(parts)
    return Reading(response)


def quantize(d: Decimal) -> Decimal:
    """A score to two decimals, half up."""
    return d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def score_item(item: KeyItem, response: Any, partial: PartialRule = "none") -> Decimal:
    """Points earned on one objective item for a raw response (blank → 0; unreadable → 0)."""
    got = read_answer(item, response)
    if got.value is None:
        return Decimal(0)
    if item.type == "single":
        if got.value == [item.answer]:
            return item.points
        if item.credit and len(got.value) == 1 and got.value[0] in item.credit:
            return quantize(item.points * item.credit[got.value[0]] / 100)
        return Decimal(0)
    if item.type == "matching":
        n = len(item.answer)
        right = sum(1 for g, want in zip(got.value, item.answer) if g == want)
        return item.points if right == n else quantize(item.points * right / n)
    if item.type == "blank" and item.numeric:
        x = got.value[0]
        best = max((pct for low, high, pct in item.numeric if low <= x <= high), default=Decimal(0))
        return item.points if best == 100 else quantize(item.points * best / 100)
    if item.type == "multiple":
        keyed = set(item.answer)
        chosen = set(got.value)
        if chosen == keyed:
            return item.points
        if chosen - keyed or partial == "none":
            return Decimal(0)
        if partial == "half":
            return quantize(item.points / 2)
        return quantize(item.points * len(chosen) / len(keyed))
    if item.type == "truefalse":
        return item.points if got.value == item.answer else Decimal(0)
    if item.type == "blank":
        parts = got.value
        n = len(item.answer)
        earned = Decimal(0)                 # blanks right, partial credit as a fraction of one
        for i, accepted in enumerate(item.answer):
            text = _norm(parts[i]) if i < len(parts) else ""
            if text and text in {_norm(a) for a in accepted}:
                earned += 1
            elif text and item.credit and i < len(item.credit):
                earned += max((p for a, p in item.credit[i].items() if _norm(a) == text), default=Decimal(0)) / 100
        return item.points if earned == n else quantize(item.points * earned / n)
    raise ValueError(f"{item.type} 不是客观题")


_PLAIN_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


def parse_score(value: Any, item: KeyItem, file: str, line: int, column: str) -> Decimal:
    """A marker's score for a subjective item: a plain number from 0 to the item's points (8, 8.5, 8分)."""
    expected = f"0 到 {item.points} 之间的分数，如 8 或 8.5"
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        d = Decimal(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().removesuffix("分").strip()
        if not _PLAIN_NUMBER.match(text):
            raise DataError(f"主观题得分「{value}」不是数字", file=file, row=line, field=column, expected=expected)
        d = Decimal(text)
    if not d.is_finite():
        raise DataError(f"主观题得分「{value}」不是数字", file=file, row=line, field=column, expected=expected)
    if d < 0 or d > item.points:
        raise DataError(f"主观题得分 {value} 超出范围", file=file, row=line, field=column, expected=expected)
    return d


# ---------------------------------------------------------------- one row

@dataclass
class Unreadable:
    """An answer that could not be read as typed; it scored 0."""
    line: int
    name: str
    staff_id: str
    version: str
    id: str
    number: int
    column: str
    raw: str
    reason: str


@dataclass
class Candidate:
    """One row of the answers sheet: graded, absent (缺考) or rejected (not graded, with the error)."""
    line: int
    name: str
    staff_id: str
    department: str
    version: str
    scores: dict[str, Decimal | None]       # by question id; None: not graded (subjective unmarked, no column)
    objective: Decimal = Decimal(0)
    subjective: Decimal = Decimal(0)
    total: Decimal = Decimal(0)
    full: Decimal = Decimal(0)
    percent: Decimal = Decimal(0)
    passed: bool = False
    rank: int = 0
    status: str = "graded"                  # graded | absent | rejected
    error: DataError | None = None
    unreadable: list[Unreadable] = field(default_factory=list)
    choices: dict[str, Any] = field(default_factory=dict)   # choice/true-false id → first-version option indexes
    blanks: set[str] = field(default_factory=set)           # ids answered with nothing

    @property
    def ungraded(self) -> list[str]:
        """Ids of items without a score (subjective not marked, or no column with missing_as_blank)."""
        return [k for k, v in self.scores.items() if v is None]

    def result_text(self) -> str:
        """及格, 不及格, 缺考 or 未评分."""
        if self.status == "absent":
            return "缺考"
        if self.status == "rejected":
            return "未评分"
        return "及格" if self.passed else "不及格"


def _option_maps(key: dict[str, list[KeyItem]]) -> dict[str, dict[str, list[int]]]:
    """Per version and question, printed option i → its index in the first version's order (matched by text)."""
    first = {it.id: it for it in next(iter(key.values()))}
    out: dict[str, dict[str, list[int]]] = {}
    for v, items in key.items():
        out[v] = {}
        for it in items:
            if it.type not in ("single", "multiple"):
                continue
            pool = list(first[it.id].options)
            mapping: list[int] = []
            for text in it.options:
                j = next((j for j, t in enumerate(pool) if t == text and j not in mapping), len(mapping))
                mapping.append(j)
            out[v][it.id] = mapping
    return out


def _grade_row(line: int, values: dict[str, Any], file: str, plan: SheetPlan, key: Key, partial: PartialRule,
               pass_mark: Decimal, option_maps: dict[str, dict[str, list[int]]]) -> Candidate:
    versions = list(key.versions)
    name, staff, dept = cell(values, plan.name_col), cell(values, plan.staff_col), cell(values, plan.dept_col)
    cand = Candidate(line, name, staff, dept, cell(values, plan.version_col), {})
    if not name:
        raise DataError("缺少考生姓名", file=file, row=line, field=plan.name_col)
    cand.version = version = row_version(values, plan, versions, file, line)
    items = key.versions[version]
    answers: dict[str, RawAnswer] = row_answers(values, version, items, plan, file, line)
    cand.full = sum((i.points for i in items), Decimal(0))
    if all(a.blank for a in answers.values()):
        cand.status = "absent"
        return cand
    for item in items:
        raw = answers[item.id]
        if not raw.has_column:
            cand.scores[item.id] = None
            continue
        if item.type == "short":
            if raw.blank:
                cand.scores[item.id] = None
                cand.blanks.add(item.id)
            else:
                s = parse_score(raw.value, item, file, line, raw.column)
                cand.scores[item.id] = s
                cand.subjective += s
            continue
        got = read_answer(item, raw.value)
        if got.problem:
            shown = "；".join("" if v is None else str(v) for v in raw.value) if isinstance(raw.value, list) \
                else str(raw.value)
            cand.unreadable.append(Unreadable(line, name, staff, version, item.id, item.number, raw.column,
                                              shown, got.problem))
            cand.choices[item.id] = "?"
        elif got.blank:
            cand.blanks.add(item.id)
            cand.choices[item.id] = None
        elif item.type in ("single", "multiple"):
            cand.choices[item.id] = frozenset(option_maps[version][item.id][LETTERS.index(x)] for x in got.value)
        elif item.type == "truefalse":
            cand.choices[item.id] = frozenset([0 if got.value else 1])
        s = score_item(item, raw.value, partial)
        cand.scores[item.id] = s
        cand.objective += s
    cand.total = cand.objective + cand.subjective
    cand.percent = (cand.total * 100 / cand.full).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    cand.passed = cand.percent >= pass_mark
    return cand


# ---------------------------------------------------------------- the whole sheet

@dataclass
class GradeResult:
    """Everything grading produced."""
    key_file: str
    responses_file: str
    candidates: list[Candidate]             # graded rows, sheet order (the statistics are over these)
    errors: list[DataError]
    items: list[ItemStat]                   # per question, first version's order
    kr20: Fraction | None
    kr20_k: int
    pass_mark: Decimal
    partial: PartialRule
    order: list[KeyItem]                    # the first version's items: the report's question order
    unused_columns: list[str] = field(default_factory=list)
    rows: list[Candidate] = field(default_factory=list)       # every row in sheet order: graded, absent, rejected
    notices: list[str] = field(default_factory=list)          # settings used, overrides, missing columns
    analysis: Analysis = field(kw_only=True)
    missing_columns: str = ""                                 # questions graded as blank (missing_as_blank)

    @property
    def absent(self) -> list[Candidate]:
        """Rows with a name and no answer at all (缺考)."""
        return [c for c in self.rows if c.status == "absent"]

    @property
    def rejected(self) -> list[Candidate]:
        """Rows that could not be graded."""
        return [c for c in self.rows if c.status == "rejected"]

    @property
    def unreadable(self) -> list[Unreadable]:
        """Answers that could not be read as typed (each scored 0)."""
        return [u for c in self.candidates for u in c.unreadable]

    @property
    def complete(self) -> bool:
        """Every row and every answer was graded as typed (exit code 0)."""
        return not self.errors and not self.unreadable

    def summary(self) -> dict:
        """Class figures: count, mean, SD, range, median, pass rate (percent scale), α, KR-20, SEM."""
        return summary(self)

    def order_total(self) -> Decimal:
        """Full marks of the paper."""
        return sum((i.points for i in self.order), Decimal(0))


def _mark_duplicates(rows: list[Candidate], file: str) -> None:
    seen: dict[tuple[str, str], list[Candidate]] = {}
    for c in rows:
        if c.status != "rejected" and c.name:
            seen.setdefault(candidate_key(c.staff_id, c.name, c.department), []).append(c)
    for (kind, _), group in seen.items():
        if len(group) < 2:
            continue
        who = f"工号 {group[0].staff_id}" if kind == "工号" else f"{group[0].name}（{group[0].department or '未填部门'}）"
        lines = "、".join(f"第 {c.line} 行" for c in group)
        for c in group:
            c.status = "rejected"
            c.error = DataError(f"同一考生（{who}）出现在 {lines}，这些行都未评分", file=file, row=c.line,
                                field=kind, expected="每个考生一行；删去重复的一行，或改正" + ("工号" if kind == "工号" else "姓名或部门"))


def grade(key_path: str | Path, responses_path: str | Path, *, pass_mark: Decimal | int | str | None = None,
          partial: str | None = None, sheet: str | None = None, missing_as_blank: bool = False) -> GradeResult:
    """Score every response row; bad rows and unreadable answers are collected and reported, the rest graded.

    pass_mark and partial default to the values stored in key.json; given here, they override it."""
    notices: list[str] = []                 # Worded where they name a setting (each face words it)
    key = load_key_file(key_path)
    mark: Decimal = key.pass_mark if pass_mark is None else check_pass_mark(pass_mark, "pass_mark")
    rule: PartialRule = key.partial if partial is None else check_partial(partial, "partial")
    if key.settings_stored and pass_mark is not None and mark != key.pass_mark:
        notices.append(Worded("及格线按 ", Setting("pass_mark", mark),
                              f" 分，而不是 key.json 中组卷时定的 {key.pass_mark} 分。"))
    if key.settings_stored and partial is not None and rule != key.partial:
        notices.append(Worded("多选题计分按 ", Setting("partial", rule),
                              f"，而不是 key.json 中组卷时定的 {key.partial}。"))
    if not key.settings_stored:
        pm_text = ("按 ", Setting("pass_mark", mark), " 分及格") if pass_mark is not None \
            else (f"按默认 {DEFAULT_PASS_MARK} 分及格",)
        pr_text = ("多选题按 ", Setting("partial", rule), " 计分") if partial is not None else ("多选题全部选对才得分",)
        notices.append(Worded("key.json 是旧格式，没有记录组卷时定的及格线和计分规则：", *pm_text, "、", *pr_text,
                              "（可用 ", Setting("pass_mark"), "、", Setting("partial"), " 指定）。"))
    versions = list(key.versions)
    file = str(responses_path)
    rows: list[Candidate] = []
    errors: list[DataError] = []
    option_maps = _option_maps(key.versions)
    missing_text = ""
    with read_table(responses_path, sheet=sheet, on_error="yield") as table:
        plan = plan_columns(list(table.headers), key.versions, file, table.header_line)
        if plan.missing:
            missing_text = missing_message(plan.missing)
            if not missing_as_blank:
                raise DataError(f"答卷表缺少题目列：{missing_text}", file=file, row=table.header_line,
                                expected=Worded("每题一列（列名为题目 id 或题号）；确实没有作答记录时加 ",
                                                Setting("missing_as_blank", True)))
            notices.append(Worded("答卷表没有这些题的列，按 ", Setting("missing_as_blank", True),
                                  f" 记为未评分（0 分）：{missing_text}。"))
        for row in table:
            if row.blank:
                continue
            values = row.values or {}
            if row.error:
                rows.append(Candidate(row.line, cell(values, plan.name_col), cell(values, plan.staff_col),
                                      cell(values, plan.dept_col), cell(values, plan.version_col), {},
                                      status="rejected", error=row.error))
                continue
            try:
                rows.append(_grade_row(row.line, values, file, plan, key, rule, mark, option_maps))
            except DataError as e:
                rows.append(Candidate(row.line, cell(values, plan.name_col), cell(values, plan.staff_col),
                                      cell(values, plan.dept_col), cell(values, plan.version_col), {},
                                      status="rejected", error=e))
    _mark_duplicates(rows, file)
    errors = [c.error for c in rows if c.status == "rejected" and c.error is not None]   # rejected: error set
    candidates = [c for c in rows if c.status == "graded"]
    for c in candidates:
        c.rank = 1 + sum(1 for o in candidates if o.total > c.total)
    order = key.versions[versions[0]]
    analysis = analyse(candidates, order)
    return GradeResult(str(key_path), file, candidates, errors, analysis.items, analysis.kr20, analysis.kr20_k,
                       mark, rule, order, plan.unknown, rows, notices,
                       missing_columns=missing_text if missing_as_blank else "", analysis=analysis)


TYPE_SHORT = {"single": "单选", "multiple": "多选", "truefalse": "判断", "blank": "填空", "matching": "匹配",
              "short": "简答"}


__all__ = ["KeyItem", "Key", "load_key", "load_key_file", "read_answer", "score_item", "split_blanks", "grade",
           "Candidate", "GradeResult", "Unreadable", "PARTIAL_RULES", "TYPE_SHORT", "OBJECTIVE", "r"]
