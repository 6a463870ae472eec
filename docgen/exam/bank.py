"""Question bank: the question model, value parsing and validation with file and line.

The YAML bank format (read and written by :mod:`.yamlbank`)::

    title: 物业客服岗位知识题库
    points: {single: 2, multiple: 3, truefalse: 1, blank: 2, short: 10}   # defaults per type
    questions:
      - id: LY-01
        type: single            # single | multiple | truefalse | blank | matching | short (or 单选 多选 判断 填空 匹配 简答)
        tags: [礼仪]
        difficulty: 易          # 易 | 中 | 难
        stem: 电话铃响后，一般应在（ ）内接听。
        options: [三声, 六声, 十声, 一分钟]
        answer: A

A folder bank is every ``*.yaml``/``*.yml`` file in it (sorted); ids must be unique across files.
See docs/exam.md for every field.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Sequence, get_args

from ..errors import DataError

#: A question type as stored in a bank and in key.json.
QType = Literal["single", "multiple", "truefalse", "blank", "matching", "short"]
#: A question's difficulty level.
Difficulty = Literal["易", "中", "难"]
#: How a question's text is marked up: "" plain, "markdown" (**bold** prints bold).
TextFormat = Literal["", "markdown"]
TYPES: tuple[QType, ...] = get_args(QType)
TYPE_NAMES: dict[QType, str] = {"single": "单项选择题", "multiple": "多项选择题", "truefalse": "判断题",
              "blank": "填空题", "matching": "匹配题", "short": "简答题"}
OBJECTIVE: tuple[QType, ...] = ("single", "multiple", "truefalse", "blank", "matching")
_TYPE_ALIASES: dict[QType, list[str]] = {
    "single": ["single", "single_choice", "sc", "单选", "单选题", "单项选择", "单项选择题"],
    "multiple": ["multiple", "multi", "multiple_choice", "mc", "多选", "多选题", "多项选择", "多项选择题",
                 "不定项", "不定项选择题"],
    "truefalse": ["truefalse", "true_false", "tf", "judge", "判断", "判断题", "是非题"],
    "blank": ["blank", "fill", "cloze", "fill_in", "填空", "填空题"],
    "matching": ["matching", "match", "匹配", "匹配题", "连线", "连线题", "配对", "配对题"],
    "short": ["short", "short_answer", "essay", "简答", "简答题", "问答", "问答题"],
}
TYPE_ALIASES: dict[str, QType] = {alias.lower(): t for t, names in _TYPE_ALIASES.items() for alias in names}
DIFFICULTIES: tuple[Difficulty, ...] = get_args(Difficulty)
_DIFF_ALIASES: dict[str, Difficulty] = {"易": "易", "easy": "易", "1": "易", "简单": "易", "容易": "易", "较易": "易",
                 "中": "中", "medium": "中", "2": "中", "中等": "中", "一般": "中",
                 "难": "难", "hard": "难", "3": "难", "困难": "难", "较难": "难"}
DEFAULT_POINTS: dict[QType, Decimal] = {"single": Decimal(2), "multiple": Decimal(3), "truefalse": Decimal(1),
                  "blank": Decimal(2), "matching": Decimal(4), "short": Decimal(10)}
LETTERS = "ABCDEFGH"

# A choice stem's answer bracket: （ ） or ( ) with only spaces inside.
BRACKET = re.compile(r"[（(][\s\u3000]*[）)]")
# A fill-in blank in a stem: three or more underscores (ASCII or full-width).
BLANK = re.compile(r"[_＿]{3,}")
# Options that refer to the others and must stay last whatever the shuffle.
_STAY_LAST = re.compile(r"^(以上|上述|前述)(选项|答案|说法|做法|各项|几项|三项|四项)?(都|均|皆|全)(部)?"
                        r"(对|错|正确|不正确|错误|是|不是|非|可以|不可以|对的|不对)|"
                        r"^(all|none|both|neither) of the (above|options)", re.I)
# Options that name other options by letter (e.g. “A 和 B 都对”): shuffling would break them.
_NAMES_LETTERS = re.compile(r"(^|[^A-Za-z])[A-H]\s*(和|与|及|、|,|，|或)\s*[A-H]([^A-Za-z]|$)")
_TRUE = {"true", "t", "yes", "y", "1", "对", "正确", "是", "√", "✓", "✔", "真"}
_FALSE = {"false", "f", "no", "n", "0", "错", "错误", "否", "不对", "×", "✗", "✘", "x", "假"}


@dataclass
class ScoringPoint:
    """One scoring point of a short-answer question (评分要点) and its share of the points."""
    text: str
    points: Decimal | None = None


@dataclass
class NumRange:
    """An accepted numerical answer: any number from low to high earns credit percent of the points."""
    low: Decimal
    high: Decimal
    credit: Decimal = Decimal(100)
    value: Decimal | None = None        # as written: value ± tolerance (None for a written range)
    tolerance: Decimal | None = None

    def text(self) -> str:
        """How the key prints it: 24, 3.14±0.01 or 1～5."""
        if self.value is None:
            return f"{_num(self.low)}～{_num(self.high)}"
        return _num(self.value) + (f"±{_num(self.tolerance)}" if self.tolerance else "")

    def mapping(self) -> dict:
        """The YAML form: {value, tolerance} or {min, max}, plus credit when below 100."""
        out: dict[str, Any] = ({"value": num_out(self.value)} | ({"tolerance": num_out(self.tolerance)}
                                                                 if self.tolerance else {})
                               if self.value is not None else {"min": num_out(self.low), "max": num_out(self.high)})
        if self.credit != 100:
            out["credit"] = num_out(self.credit)
        return out


def _num(d: Decimal) -> str:
    return format(d.normalize(), "f") if d != d.to_integral_value() else str(d.to_integral_value())


def num_out(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


@dataclass
class Question:
    """One question in its bank order: options in the written order, answer as option indexes."""
    id: str
    type: QType
    stem: str
    options: list[str] = field(default_factory=list)
    answer: Any = None              # single: int; multiple: list[int]; truefalse: bool;
    #                                 blank: list[list[str]] (accepted texts per blank); short: model text
    points: Decimal = Decimal(0)
    tags: list[str] = field(default_factory=list)
    difficulty: Difficulty = "中"
    scoring: list[ScoringPoint] = field(default_factory=list)
    explanation: str = ""
    shuffle: bool = True            # options may be shuffled
    source: str = ""                # file name
    line: int | None = None
    # Partial credit (percent of the points) for answers other than the key:
    # single: {option index: percent}; blank: [{accepted text: percent}] per blank.
    credit: Any = None
    numeric: list[NumRange] = field(default_factory=list)   # a numerical blank: its accepted ranges
    left: list[str] = field(default_factory=list)     # matching: the left column (options: the right one);
    #                                                   answer: per left item, the index of its option
    format: TextFormat = ""         # "markdown": **bold** in stem and options prints bold

    def fixed_last(self) -> list[int]:
        """Indexes of options that stay at the end (以上都对 …)."""
        return [i for i, o in enumerate(self.options) if _STAY_LAST.search(o.strip())]

    def options_shufflable(self) -> bool:
        """Whether option order may change (no option names another by letter)."""
        return self.shuffle and not any(_NAMES_LETTERS.search(o) for o in self.options)

    def blank_count(self) -> int:
        """Number of blanks in a fill-in stem."""
        return len(BLANK.findall(self.stem))


@dataclass
class Bank:
    """Questions from one file or folder, in order, with the title of the first file."""
    questions: list[Question]
    title: str = ""
    source: str = ""

    def by_id(self) -> dict[str, Question]:
        """Questions keyed by id."""
        return {q.id: q for q in self.questions}

    def types(self) -> list[QType]:
        """The question types present, in the standard section order."""
        present = {q.type for q in self.questions}
        return [t for t in TYPES if t in present]


class BankError(DataError):
    """One or more malformed questions; lists every problem with its file and line."""

    def __init__(self, problems: list[DataError]):
        self.problems = problems
        head = f"题库中有 {len(problems)} 处错误，未生成任何文件：" if len(problems) > 1 else ""
        body = "\n".join(("  " if head else "") + p.describe() for p in problems)
        super().__init__((head + "\n" if head else "") + body)


# ---------------------------------------------------------------- value parsing (shared by importers)

def norm_text(value: Any) -> str:
    """Question text: NFC, control characters removed, ends stripped."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", text).replace("\r\n", "\n")
    return text.strip()


def parse_type(value: Any) -> QType:
    """A question type name (English or Chinese) as one of TYPES."""
    key = norm_text(value).lower().replace("-", "_").replace(" ", "_")
    if key in TYPE_ALIASES:
        return TYPE_ALIASES[key]
    raise ValueError(f"未知题型「{norm_text(value)}」")


def parse_difficulty(value: Any) -> Difficulty:
    """易/中/难 from the accepted spellings (easy/medium/hard, 1/2/3 …)."""
    if value is None or value == "":
        return "中"
    key = norm_text(value).lower()
    if key in _DIFF_ALIASES:
        return _DIFF_ALIASES[key]
    raise ValueError(f"未知难度「{norm_text(value)}」")


def parse_points(value: Any) -> Decimal:
    """Points as a positive Decimal (halves allowed)."""
    if isinstance(value, bool):
        raise ValueError(f"分值「{value}」不是数字")
    try:
        d = Decimal(norm_text(value).replace("分", ""))
    except InvalidOperation:
        raise ValueError(f"分值「{value}」不是数字") from None
    if not d.is_finite() or d <= 0:
        raise ValueError(f"分值「{value}」应大于 0")
    if d * 2 != (d * 2).to_integral_value():
        raise ValueError(f"分值「{value}」应为整数或 0.5 的倍数")
    return d.normalize() if d != d.to_integral_value() else d.quantize(Decimal(1))


def parse_bool(value: Any) -> bool:
    """A true/false answer from 对/错, √/×, T/F, true/false …"""
    if isinstance(value, bool):
        return value
    key = unicodedata.normalize("NFKC", norm_text(value)).lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError(f"判断题答案「{norm_text(value)}」无法识别")


def parse_letters(value: Any, n_options: int) -> list[int]:
    """Option letters ('B', 'A,C', ['A','C'], 'ac') as sorted indexes, checked against the option count."""
    if isinstance(value, (list, tuple)):
        parts = [norm_text(v) for v in value]
    else:
        parts = list(re.sub(r"[\s,，、;；]", "", unicodedata.normalize("NFKC", norm_text(value))))
    out = []
    for p in parts:
        p = unicodedata.normalize("NFKC", p).strip().upper()
        if len(p) != 1 or p not in LETTERS:
            raise ValueError(f"答案「{p}」不是选项字母")
        i = LETTERS.index(p)
        if i >= n_options:
            raise ValueError(f"答案 {p} 超出选项范围（共 {n_options} 个选项，A–{LETTERS[n_options - 1]}）")
        if i not in out:
            out.append(i)
    if not out:
        raise ValueError("没有答案")
    return sorted(out)


def split_alternatives(value: Any) -> list[str]:
    """Accepted answers of one blank: a list, or text with alternatives separated by |."""
    items = value if isinstance(value, (list, tuple)) else str(value).split("|")
    out = [norm_text(v) for v in items if norm_text(v)]
    if not out:
        raise ValueError("填空的答案为空")
    return out


def parse_scoring(value: Any) -> list[ScoringPoint]:
    """Scoring points: a list of texts or {point, points} mappings, or lines of text ending in （N分）."""
    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else [s for s in re.split(r"[\n；;]+", str(value)) if s.strip()]
    out = []
    for item in items:
        if isinstance(item, dict):
            text = norm_text(item.get("point") or item.get("text") or item.get("要点"))
            pts = item.get("points", item.get("分值"))
            out.append(ScoringPoint(text, parse_points(pts) if pts not in (None, "") else None))
            continue
        text = norm_text(item)
        text = re.sub(r"^([①②③④⑤⑥⑦⑧⑨⑩]|\d+[.、．)）])\s*", "", text)
        m = re.search(r"[（(]\s*(\d+(?:\.\d+)?)\s*分\s*[）)]\s*[。.]?$", text)
        pts = None
        if m:
            pts = parse_points(m.group(1))
            text = text[: m.start()].rstrip("，,。 ")
        out.append(ScoringPoint(text, pts))
    return out


def check_question(q: Question) -> list[tuple[str | None, str]]:
    """Problems with a built question as (field, message) pairs (empty when it is usable)."""
    problems: list[tuple[str | None, str]] = []
    if not q.id:
        problems.append(("id", "缺少题号 id"))
    if not q.stem:
        problems.append(("stem", "题干 stem 为空"))
    if q.type in ("single", "multiple"):
        if len(q.options) < 2:
            problems.append(("options", f"选择题至少要有 2 个选项（现有 {len(q.options)} 个）"))
        if len(q.options) > len(LETTERS):
            problems.append(("options", f"选项最多 {len(LETTERS)} 个（现有 {len(q.options)} 个）"))
        if any(not o for o in q.options):
            problems.append(("options", "有空白选项"))
        if len(set(q.options)) != len(q.options):
            problems.append(("options", "有重复的选项"))
        if q.type == "single" and not isinstance(q.answer, int):
            problems.append(("answer", "单选题的答案应为一个选项字母"))
        if q.type == "multiple" and isinstance(q.answer, list) and len(q.answer) < 2:
            problems.append(("answer", "多选题应有至少两个正确选项（只有一个正确选项请用 single）"))
    elif q.type == "matching":
        problems += _check_matching(q)
    elif q.options:
        problems.append(("options", f"{TYPE_NAMES[q.type]}不应有选项 options"))
    if q.type == "single" and q.credit:
        for i, pct in q.credit.items():
            if not isinstance(i, int) or not 0 <= i < len(q.options) or i == q.answer:
                problems.append(("credit", "部分得分指向的选项不存在或就是正确答案"))
            elif not 0 < pct <= 100:
                problems.append(("credit", f"部分得分 {pct}% 应在 0 到 100 之间"))
    if q.type == "blank" and q.numeric:
        if q.blank_count() != 1:
            problems.append(("stem", "数值题的题干应有且只有一个空位 ___"))
        if not any(r.credit == 100 for r in q.numeric):
            problems.append(("numeric", "数值题没有得满分的答案"))
        if any(r.low > r.high or not 0 < r.credit <= 100 for r in q.numeric):
            problems.append(("numeric", "数值范围下限大于上限，或得分比例不在 0 到 100 之间"))
    if q.type == "blank" and q.credit and len(q.credit) != len(q.answer or []):
        problems.append(("credit", f"部分得分应每个空一组（{len(q.answer or [])} 组），现有 {len(q.credit)} 组"))
    if q.type == "blank":
        n = q.blank_count()
        if n == 0:
            problems.append(("stem", "填空题题干中没有空位（用三个以上下划线 ___ 标出每个空）"))
        elif isinstance(q.answer, list) and n != len(q.answer):
            problems.append(("answer", f"题干有 {n} 个空，答案却有 {len(q.answer)} 组"))
    if q.type != "short" and q.scoring:
        problems.append(("scoring", "只有简答题有评分要点 scoring"))
    if q.type == "short" and q.scoring:
        known = [s.points for s in q.scoring if s.points is not None]
        if len(known) == len(q.scoring) and sum(known) != q.points:
            problems.append(("scoring", f"评分要点分值合计 {sum(known)} 分，与本题 {q.points} 分不符"))
    return problems


def _check_matching(q: Question) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    if len(q.left) < 2:
        problems.append(("pairs", f"匹配题至少要有 2 对（现有 {len(q.left)} 对）"))
    if any(not x for x in q.left) or len(set(q.left)) != len(q.left):
        problems.append(("pairs", "匹配题左栏有空白或重复的项"))
    if any(not o for o in q.options) or len(set(q.options)) != len(q.options):
        problems.append(("pairs", "匹配题右栏有空白或重复的项"))
    if len(q.options) > len(LETTERS):
        problems.append(("pairs", f"匹配题右栏最多 {len(LETTERS)} 项（现有 {len(q.options)} 项）"))
    if not isinstance(q.answer, list) or len(q.answer) != len(q.left) or any(
            not isinstance(a, int) or not 0 <= a < len(q.options) for a in q.answer):
        problems.append(("pairs", "匹配题的答案应为左栏每项对应的右栏项"))
    return problems


def parse_percent(value: Any) -> Decimal:
    """A partial-credit share in percent: more than 0, at most 100."""
    try:
        d = Decimal(norm_text(value).rstrip("%％"))
    except InvalidOperation:
        raise ValueError(f"得分比例「{value}」不是数字") from None
    if not d.is_finite() or not 0 < d <= 100:
        raise ValueError(f"得分比例「{value}」应大于 0、不超过 100")
    return d


def _number(value: Any, what: str) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"{what}「{value}」不是数字")
    try:
        d = Decimal(unicodedata.normalize("NFKC", norm_text(value)))
    except InvalidOperation:
        raise ValueError(f"{what}「{value}」不是数字") from None
    if not d.is_finite():
        raise ValueError(f"{what}「{value}」不是数字")
    return d


def num_range(value: Decimal, tolerance: Decimal | None = None, credit: Decimal = Decimal(100)) -> NumRange:
    """value ± tolerance as a NumRange."""
    tol = abs(tolerance) if tolerance else Decimal(0)
    return NumRange(value - tol, value + tol, credit, value, tol or None)


def parse_numeric(items: Any) -> list[NumRange]:
    """A numerical blank's answers: [{value, tolerance} | {min, max}, each with an optional credit] or numbers."""
    if not isinstance(items, list):
        items = [items]
    out = []
    for item in items:
        if not isinstance(item, dict):
            item = {"value": item}
        credit = parse_percent(item["credit"]) if item.get("credit") not in (None, "") else Decimal(100)
        if "min" in item or "max" in item:
            lo, hi = _number(item.get("min"), "下限 min"), _number(item.get("max"), "上限 max")
            if lo > hi:
                raise ValueError(f"下限 {lo} 大于上限 {hi}")
            out.append(NumRange(lo, hi, credit))
        else:
            tol = item.get("tolerance")
            out.append(num_range(_number(item.get("value"), "数值 value"),
                                 _number(tol, "误差 tolerance") if tol not in (None, "") else None, credit))
    if not out:
        raise ValueError("数值题没有答案")
    return out


def numeric_answer(ranges: list[NumRange]) -> list[list[str]]:
    """The answer texts of a numerical blank (its full-credit ranges, for the key and the blank width)."""
    return [[r.text() for r in ranges if r.credit == 100] or [ranges[0].text()]]


def matching_from_pairs(pairs: list[tuple[str, str]], distractors: Sequence[str] = ()) -> tuple[list[str], list[str], list[int]]:
    """Left column, right column (distinct answers, then distractors) and the answer index per left item."""
    right: list[str] = []
    for r in [b for _, b in pairs] + list(distractors):
        if r not in right:
            right.append(r)
    return [a for a, _ in pairs], right, [right.index(b) for _, b in pairs]


def parse_matching(item: dict) -> tuple[list[str], list[str], list[int]]:
    pairs = item.get("pairs")
    if not isinstance(pairs, list) or not pairs:
        raise ValueError("匹配题缺少 pairs（左栏与右栏的对应）")
    out = []
    for p in pairs:
        if isinstance(p, dict) and len(p) == 1:
            p = list(p.items())[0]
        if not isinstance(p, (list, tuple)) or len(p) != 2:
            raise ValueError(f"pairs 的每一项应是 [左栏, 右栏]，却是「{p}」")
        out.append((norm_text(p[0]), norm_text(p[1])))
    extra = item.get("distractors") or []
    return matching_from_pairs(out, [norm_text(d) for d in (extra if isinstance(extra, list) else [extra])])


def parse_credit(qtype: QType, value: Any, options: list[str]) -> Any:
    if qtype == "single":
        if not isinstance(value, dict):
            raise ValueError("单选题的 credit 应是“选项字母: 百分比”的映射，如 {C: 50}")
        return {parse_letters(k, len(options))[0]: parse_percent(v) for k, v in value.items()}
    if qtype == "blank":
        groups = value if isinstance(value, list) else [value]
        if not all(isinstance(g, dict) for g in groups):
            raise ValueError("填空题的 credit 应是“答案: 百分比”的映射（多个空时每空一个）")
        return [{norm_text(k): parse_percent(v) for k, v in g.items()} for g in groups]
    raise ValueError(f"{TYPE_NAMES[qtype]}不能设部分得分 credit")
