"""Class statistics and item analysis, computed exactly (fractions; square roots to 40 digits).

Formulas (also in docs/exam.md), over the graded candidates (absent ones are left out):

* difficulty p = mean score on the item / its points (for a right/wrong item: the share right);
* discrimination D = p_upper − p_lower, upper and lower groups the top and bottom 27 % by total score
  (g = round(0.27·N), at least 1; ties keep the file order);
* point-biserial r = Pearson correlation of the item score with the rest score (total − item score);
* Cronbach's α = k/(k−1) · (1 − Σσ²ᵢ / σ²_T) over the items every candidate has a score for (partial
  credit included); KR-20 = the same over the objective items scored 1 (full points) / 0;
* SEM = σ_T · √(1 − α), σ_T the population SD of the total over those items.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal, overload

from .bank import LETTERS, OBJECTIVE, QType

if TYPE_CHECKING:
    from .grade import Candidate, GradeResult
    from .key import KeyItem

GROUP_SHARE = Fraction(27, 100)
EASY, HARD = Fraction(9, 10), Fraction(1, 5)
LOW_DISCRIMINATION = Fraction(1, 10)
#: Why a question is flagged: a likely wrong key, too easy, too hard, a distractor nobody chose.
FlagKind = Literal["miskey", "easy", "hard", "distractor"]


@overload
def r(x: Fraction | Decimal, places: int) -> str: ...
@overload
def r(x: None, places: int) -> None: ...
@overload
def r(x: Fraction | Decimal | None, places: int) -> str | None: ...


def r(x: Fraction | Decimal | None, places: int) -> str | None:
    """A statistic rounded half up to `places` decimals, as text (None stays None)."""
    if x is None:
        return None
    with localcontext() as ctx:
        ctx.prec = 60
        d = Decimal(x.numerator) / Decimal(x.denominator) if isinstance(x, Fraction) else Decimal(x)
        out = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return str(out + 0 if out else abs(out))         # never "-0.000"


def sqrt(x: Fraction) -> Decimal:
    """√x to 40 significant digits."""
    if x < 0:
        raise ValueError("negative")
    with localcontext() as ctx:
        ctx.prec = 40
        return (Decimal(x.numerator) / Decimal(x.denominator)).sqrt() if x else Decimal(0)


def variance(xs: list[Fraction]) -> Fraction:
    """Population variance (divide by N)."""
    n = len(xs)
    mean = sum(xs, Fraction(0)) / n
    return sum(((x - mean) ** 2 for x in xs), Fraction(0)) / n


def correlation(xs: list[Fraction], ys: list[Fraction]) -> Decimal | None:
    """Pearson's r; None when either side does not vary."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs, Fraction(0)) / n, sum(ys, Fraction(0)) / n
    sxy = sum(((x - mx) * (y - my) for x, y in zip(xs, ys)), Fraction(0))
    sxx = sum(((x - mx) ** 2 for x in xs), Fraction(0))
    syy = sum(((y - my) ** 2 for y in ys), Fraction(0))
    if not sxx or not syy:
        return None
    with localcontext() as ctx:
        ctx.prec = 40
        return Decimal(sxy.numerator) / Decimal(sxy.denominator) / sqrt(sxx * syy)


def group_size(n: int) -> int:
    """Size of the upper and lower groups: 27 % of n rounded half up, at least 1."""
    return max(1, int((GROUP_SHARE * n + Fraction(1, 2)) // 1))


@dataclass
class OptionCount:
    """How many candidates chose one option (first version's letter and text)."""
    letter: str
    text: str
    count: int
    correct: bool


@dataclass
class ItemStat:
    """Item analysis for one question."""
    id: str
    number: int
    type: QType
    points: Decimal
    n: int
    mean: Fraction | None
    p: Fraction | None
    p_upper: Fraction | None
    p_lower: Fraction | None
    d: Fraction | None
    r_it: Decimal | None = None             # corrected item–total (point-biserial for a right/wrong item)
    blanks: int = 0
    unreadable: int = 0
    blank_rate: Fraction | None = None
    options: list[OptionCount] | None = None
    tags: list[str] = field(default_factory=list)

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
class Flag:
    """Something a supervisor should look at on one question."""
    number: int
    id: str
    kind: FlagKind
    message: str


@dataclass
class TopicStat:
    """Scores on the questions of one topic tag."""
    name: str
    n: int                                  # questions with the tag
    rate: Fraction | None                   # share of the points available that was earned (None: no scores)
    full: Decimal                           # the questions' points together


@dataclass
class DepartmentStat:
    """Scores of the candidates of one department."""
    name: str
    n: int                                  # candidates
    rate: Fraction                          # mean share of full marks
    passed: int


@dataclass
class Analysis:
    """Everything computed over the graded candidates."""
    items: list[ItemStat]
    kr20: Fraction | None
    kr20_k: int
    alpha: Fraction | None
    alpha_k: int
    sem: Decimal | None                     # in points of the α items' total
    alpha_full: Decimal
    flags: list[Flag]
    topics: list[TopicStat]
    departments: list[DepartmentStat]


def _share(group: list["Candidate"], item: "KeyItem") -> Fraction | None:
    scores = [s for c in group if (s := c.scores.get(item.id)) is not None]
    if not scores:
        return None
    return Fraction(sum(scores, Decimal(0))) / len(scores) / Fraction(item.points)


def _options(item: "KeyItem", cands: list["Candidate"]) -> list[OptionCount] | None:
    if item.type in ("single", "multiple"):
        right = {LETTERS.index(a) for a in ([item.answer] if item.type == "single" else item.answer)}
        texts = item.options
    elif item.type == "truefalse":
        right, texts = {0 if item.answer else 1}, ["对（√）", "错（×）"]
    else:
        return None
    counts = [0] * len(texts)
    for c in cands:
        got = c.choices.get(item.id)
        if isinstance(got, frozenset):
            for j in got:
                if j < len(counts):
                    counts[j] += 1
    return [OptionCount(LETTERS[j] if item.type != "truefalse" else texts[j][0], texts[j], counts[j], j in right)
            for j in range(len(texts))]


def _flags(s: ItemStat) -> list[Flag]:
    out = []
    low = [v for v in (s.d, s.r_it) if v is not None and v < LOW_DISCRIMINATION]
    if low:
        what = f"区分度 D = {r(s.d, 3) or '—'}、点二列 r = {r(s.r_it, 3) or '—'}"
        if any(v < 0 for v in low):
            out.append(Flag(s.number, s.id, "miskey", f"{what}，为负：低分者反而答得好，可能答案有误，请核对答案"))
        else:
            out.append(Flag(s.number, s.id, "miskey", f"{what}，接近零：不能区分掌握好坏，请核对答案和题干"))
    if s.p is not None and s.p > EASY:
        out.append(Flag(s.number, s.id, "easy", f"难度 p = {r(s.p, 3)}，过易（p > 0.9）"))
    if s.p is not None and s.p < HARD:
        out.append(Flag(s.number, s.id, "hard", f"难度 p = {r(s.p, 3)}，过难（p < 0.2）"))
    if s.options and s.type in ("single", "multiple") and s.n:
        unused = [o.letter for o in s.options if not o.correct and o.count == 0]
        if unused:
            out.append(Flag(s.number, s.id, "distractor",
                            f"干扰项 {'、'.join(unused)} 无人选择，不起作用，宜改写"))
    return out


def analyse(cands: list["Candidate"], order: list["KeyItem"]) -> Analysis:
    """Item statistics, reliability, flags and the topic and department tables."""
    n = len(cands)
    ranked = sorted(cands, key=lambda c: -c.total)          # stable: ties keep the file order
    g = group_size(n) if n >= 2 else 0
    upper, lower = ranked[:g], ranked[n - g:] if g else []
    items = []
    for item in order:
        marked = [(c, x) for c in cands if (x := c.scores.get(item.id)) is not None]
        graded = [c for c, _ in marked]
        scores = [Fraction(x) for _, x in marked]
        mean = sum(scores, Fraction(0)) / len(scores) if scores else None
        p = mean / Fraction(item.points) if mean is not None else None
        pu, pl = (_share(upper, item), _share(lower, item)) if g else (None, None)
        d = pu - pl if pu is not None and pl is not None else None
        rest = [Fraction(c.total) - x for c, x in zip(graded, scores)]
        s = ItemStat(item.id, item.number, item.type, item.points, len(graded), mean, p, pu, pl, d,
                     correlation(scores, rest), tags=list(item.tags))
        s.blanks = sum(1 for c in cands if item.id in c.blanks)
        s.unreadable = sum(1 for c in cands for u in c.unreadable if u.id == item.id)
        if item.type != "short" and n:
            asked = sum(1 for c in cands if c.scores.get(item.id) is not None)
            s.blank_rate = Fraction(s.blanks, asked) if asked else None
        s.options = _options(item, [c for c in cands if item.id in c.choices])
        items.append(s)
    kr20, k = _kr20(cands, order)
    alpha, alpha_k, sem, alpha_full = _alpha(cands, order)
    flags = [f for s in items for f in _flags(s)]
    return Analysis(items, kr20, k, alpha, alpha_k, sem, alpha_full, flags, _topics(cands, order),
                    _departments(cands))


def _kr20(cands: list["Candidate"], order: list["KeyItem"]) -> tuple[Fraction | None, int]:
    objective = [it for it in order if it.type in OBJECTIVE and all(c.scores.get(it.id) is not None for c in cands)]
    k, n = len(objective), len(cands)
    if k < 2 or n < 2:
        return None, k
    right = [[1 if c.scores.get(it.id) == it.points else 0 for it in objective] for c in cands]
    var = variance([Fraction(sum(row)) for row in right])
    if not var:
        return None, k
    pq = sum((Fraction(sum(row[j] for row in right), n) * (1 - Fraction(sum(row[j] for row in right), n))
              for j in range(k)), Fraction(0))
    return Fraction(k, k - 1) * (1 - pq / var), k


def _alpha(cands: list["Candidate"], order: list["KeyItem"]
           ) -> tuple[Fraction | None, int, Decimal | None, Decimal]:
    # Only items every candidate has a score for: table[c][j] is candidate c's score on used[j].
    table = [[c.scores.get(it.id) for it in order] for c in cands]
    cols = [j for j in range(len(order)) if cands and all(row[j] is not None for row in table)]
    used = [order[j] for j in cols]
    scores = [[Fraction(x) for j in cols if (x := row[j]) is not None] for row in table]
    k, n = len(used), len(cands)
    full = sum((it.points for it in used), Decimal(0))
    if k < 2 or n < 2:
        return None, k, None, full
    totals = [sum(row, Fraction(0)) for row in scores]
    var_t = variance(totals)
    if not var_t:
        return None, k, None, full
    parts = sum((variance([row[j] for row in scores]) for j in range(k)), Fraction(0))
    alpha = Fraction(k, k - 1) * (1 - parts / var_t)
    with localcontext() as ctx:
        ctx.prec = 40
        sem = sqrt(var_t) * sqrt(1 - alpha)
    return alpha, k, sem, full


def _topics(cands: list["Candidate"], order: list["KeyItem"]) -> list[TopicStat]:
    tags: dict[str, list["KeyItem"]] = {}
    for it in order:
        for t in it.tags:
            tags.setdefault(t, []).append(it)
    out = []
    for t, its in tags.items():
        earned = possible = Fraction(0)
        for c in cands:
            for it in its:
                x = c.scores.get(it.id)
                if x is not None:
                    earned += Fraction(x)
                    possible += Fraction(it.points)
        out.append(TopicStat(t, len(its), earned / possible if possible else None,
                             sum((it.points for it in its), Decimal(0))))
    return out


def _departments(cands: list["Candidate"]) -> list[DepartmentStat]:
    groups: dict[str, list["Candidate"]] = {}
    for c in cands:
        groups.setdefault(c.department or "（未填部门）", []).append(c)
    return [DepartmentStat(d, len(cs), sum((Fraction(c.total) / Fraction(c.full) for c in cs), Fraction(0)) / len(cs),
                           sum(1 for c in cs if c.passed)) for d, cs in groups.items()]


def summary(res: "GradeResult") -> dict:
    """Class figures on the percent scale, reliability and the counts of every kind of row."""
    cands = res.candidates
    a = res.analysis
    n = len(cands)
    pcts = [Fraction(c.total) * 100 / Fraction(c.full) for c in cands]
    out: dict[str, Any] = {"candidates": n, "errors": len(res.errors), "absent": len(res.absent),
                           "unreadable": len(res.unreadable), "rows": len(res.rows),
                           "pass_mark": str(res.pass_mark), "partial": res.partial,
                           "full_marks": str(res.order_total())}
    if n:
        mean = sum(pcts, Fraction(0)) / n
        srt = sorted(pcts)
        median = srt[n // 2] if n % 2 else (srt[n // 2 - 1] + srt[n // 2]) / 2
        passed = sum(1 for c in cands if c.passed)
        out.update({"mean": r(mean, 1), "sd": r(sqrt(variance(pcts)), 1), "max": r(max(pcts), 1),
                    "min": r(min(pcts), 1), "median": r(median, 1), "passed": passed,
                    "pass_rate": r(Fraction(passed * 100, n), 1),
                    "mean_total": r(sum((Fraction(c.total) for c in cands), Fraction(0)) / n, 2),
                    "ungraded_candidates": sum(1 for c in cands if c.ungraded)})
    out["kr20"] = r(res.kr20, 3) if res.kr20 is not None else None
    out["kr20_items"] = res.kr20_k
    if a is not None:
        out["alpha"] = r(a.alpha, 3)
        out["alpha_items"] = a.alpha_k
        out["sem"] = r(a.sem, 2)
        out["sem_full"] = str(a.alpha_full)
        out["flags"] = [{"number": f.number, "id": f.id, "kind": f.kind, "message": f.message} for f in a.flags]
        out["topics"] = [{"tag": t.name, "questions": t.n, "rate": r(t.rate * 100, 1) if t.rate is not None else None}
                         for t in a.topics]
        out["departments"] = [{"department": d.name, "candidates": d.n, "mean": r(d.rate * 100, 1),
                               "passed": d.passed, "pass_rate": r(Fraction(d.passed * 100, d.n), 1)}
                              for d in a.departments]
        # Unrounded (12 decimals) for scripts and for checking against another computation.
        out["precise"] = {"alpha": r(a.alpha, 12), "kr20": r(res.kr20, 12), "sem": r(a.sem, 12),
                          "items": [{"id": s.id, "number": s.number, "n": s.n, "p": r(s.p, 12), "p_upper": r(s.p_upper, 12),
                                     "p_lower": r(s.p_lower, 12), "d": r(s.d, 12), "r_it": r(s.r_it, 12),
                                     "blank_rate": r(s.blank_rate, 12), "blanks": s.blanks, "unreadable": s.unreadable,
                                     "options": None if s.options is None else {o.letter: o.count for o in s.options}}
                                    for s in a.items],
                          "topics": {t.name: r(t.rate, 12) for t in a.topics},
                          "departments": {d.name: r(d.rate * 100, 12) for d in a.departments}}
    out["notices"] = list(res.notices)
    out["unused_columns"] = list(res.unused_columns)
    return out
