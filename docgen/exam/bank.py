"""Question bank: the question model, the YAML bank format, and validation with file and line.

A bank file is YAML::

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
from pathlib import Path
from typing import Any

import yaml

from ..errors import DataError

TYPES = ("single", "multiple", "truefalse", "blank", "matching", "short")
TYPE_NAMES = {"single": "单项选择题", "multiple": "多项选择题", "truefalse": "判断题",
              "blank": "填空题", "matching": "匹配题", "short": "简答题"}
OBJECTIVE = ("single", "multiple", "truefalse", "blank", "matching")
_TYPE_ALIASES = {
    "single": ["single", "single_choice", "sc", "单选", "单选题", "单项选择", "单项选择题"],
    "multiple": ["multiple", "multi", "multiple_choice", "mc", "多选", "多选题", "多项选择", "多项选择题",
                 "不定项", "不定项选择题"],
    "truefalse": ["truefalse", "true_false", "tf", "judge", "判断", "判断题", "是非题"],
    "blank": ["blank", "fill", "cloze", "fill_in", "填空", "填空题"],
    "matching": ["matching", "match", "匹配", "匹配题", "连线", "连线题", "配对", "配对题"],
    "short": ["short", "short_answer", "essay", "简答", "简答题", "问答", "问答题"],
}
TYPE_ALIASES = {alias.lower(): t for t, names in _TYPE_ALIASES.items() for alias in names}
DIFFICULTIES = ("易", "中", "难")
_DIFF_ALIASES = {"易": "易", "easy": "易", "1": "易", "简单": "易", "容易": "易", "较易": "易",
                 "中": "中", "medium": "中", "2": "中", "中等": "中", "一般": "中",
                 "难": "难", "hard": "难", "3": "难", "困难": "难", "较难": "难"}
DEFAULT_POINTS = {"single": Decimal(2), "multiple": Decimal(3), "truefalse": Decimal(1),
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
        out: dict[str, Any] = ({"value": _num_out(self.value)} | ({"tolerance": _num_out(self.tolerance)}
                                                                 if self.tolerance else {})
                               if self.value is not None else {"min": _num_out(self.low), "max": _num_out(self.high)})
        if self.credit != 100:
            out["credit"] = _num_out(self.credit)
        return out


def _num(d: Decimal) -> str:
    return format(d.normalize(), "f") if d != d.to_integral_value() else str(d.to_integral_value())


def _num_out(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


@dataclass
class Question:
    """One question in its bank order: options in the written order, answer as option indexes."""
    id: str
    type: str
    stem: str
    options: list[str] = field(default_factory=list)
    answer: Any = None              # single: int; multiple: list[int]; truefalse: bool;
    #                                 blank: list[list[str]] (accepted texts per blank); short: model text
    points: Decimal = Decimal(0)
    tags: list[str] = field(default_factory=list)
    difficulty: str = "中"
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
    format: str = ""                # "markdown": **bold** in stem and options prints bold

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

    def types(self) -> list[str]:
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


def parse_type(value: Any) -> str:
    """A question type name (English or Chinese) as one of TYPES."""
    key = norm_text(value).lower().replace("-", "_").replace(" ", "_")
    if key in TYPE_ALIASES:
        return TYPE_ALIASES[key]
    raise ValueError(f"未知题型「{norm_text(value)}」")


def parse_difficulty(value: Any) -> str:
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
    problems = []
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


def matching_from_pairs(pairs: list[tuple[str, str]], distractors: list[str] = ()) -> tuple[list[str], list[str], list[int]]:
    """Left column, right column (distinct answers, then distractors) and the answer index per left item."""
    right: list[str] = []
    for r in [b for _, b in pairs] + list(distractors):
        if r not in right:
            right.append(r)
    return [a for a, _ in pairs], right, [right.index(b) for _, b in pairs]


def _parse_matching(item: dict) -> tuple[list[str], list[str], list[int]]:
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


def _parse_credit(qtype: str, value: Any, options: list[str]) -> Any:
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


# ---------------------------------------------------------------- YAML bank

def _key_lines(node: yaml.Node) -> dict[str, int]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in node.value}


def question_from_mapping(item: Any, *, file: str, line: int | None, key_lines: dict[str, int] | None = None,
                          defaults: dict[str, Decimal] | None = None, index: int = 0) -> Question:
    """Build and check one question from a YAML/JSON mapping; DataError names the file, line and field."""
    key_lines = key_lines or {}
    defaults = defaults or DEFAULT_POINTS

    def err(msg: str, fld: str | None = None, expected: str | None = None) -> DataError:
        return DataError(msg, file=file, row=key_lines.get(fld or "", line), field=fld, expected=expected)

    if not isinstance(item, dict):
        raise err(f"第 {index + 1} 道题不是“字段: 值”的映射", expected="以 - id: … 开头的一组字段")
    qid = norm_text(item.get("id"))
    where = f"题 {qid}：" if qid else ""
    unknown = set(item) - {"id", "type", "stem", "options", "answer", "points", "tags", "tag", "difficulty",
                           "scoring", "explanation", "shuffle", "note", "credit", "numeric", "pairs", "distractors",
                           "format"}
    if unknown:
        k = sorted(map(str, unknown))[0]
        raise err(f"{where}未知字段「{k}」", k,
                  "id、type、stem、options、answer、points、tags、difficulty、scoring、explanation、shuffle、"
                  "credit、numeric、pairs、distractors、format")
    if not qid:
        raise err("缺少题号 id", "id", "每道题唯一的编号，如 LY-01")
    if re.search(r"[\s,;；，]", qid):
        raise err(f"题号「{qid}」含空格或分隔符", "id", "字母、数字、汉字、- _ . 组成的编号")
    try:
        qtype = parse_type(item.get("type"))
    except ValueError as e:
        raise err(f"{where}{e}", "type", "single、multiple、truefalse、blank、short（或 单选、多选、判断、填空、简答）")
    q = Question(id=qid, type=qtype, stem=norm_text(item.get("stem")), source=file, line=line)
    if "points" in item and item["points"] not in (None, ""):
        try:
            q.points = parse_points(item["points"])
        except ValueError as e:
            raise err(f"{where}{e}", "points", "正数，如 2 或 1.5")
    else:
        q.points = defaults.get(qtype, DEFAULT_POINTS[qtype])
    tags = item.get("tags", item.get("tag"))
    if tags is None:
        q.tags = []
    elif isinstance(tags, list):
        q.tags = [norm_text(t) for t in tags if norm_text(t)]
    else:
        q.tags = [t for t in re.split(r"[,，、;；\s]+", norm_text(tags)) if t]
    try:
        q.difficulty = parse_difficulty(item.get("difficulty"))
    except ValueError as e:
        raise err(f"{where}{e}", "difficulty", "易、中、难（或 easy、medium、hard，1、2、3）")
    opts = item.get("options")
    if opts is not None:
        if not isinstance(opts, list):
            raise err(f"{where}options 应是列表", "options", "[选项一, 选项二, …]")
        q.options = [norm_text(o) for o in opts]
    q.explanation = norm_text(item.get("explanation"))
    fmt = norm_text(item.get("format")).lower()
    if fmt not in ("", "plain", "markdown"):
        raise err(f"{where}未知格式「{fmt}」", "format", "plain 或 markdown")
    q.format = "markdown" if fmt == "markdown" else ""
    if "shuffle" in item:
        q.shuffle = bool(item["shuffle"])
    if qtype in ("single", "multiple") and len(q.options) < 2:
        raise err(f"{where}选择题至少要有 2 个选项（现有 {len(q.options)} 个）", "options", "[选项一, 选项二, …]")
    try:
        if qtype == "matching":
            if opts is not None or item.get("answer") not in (None, "", []):
                raise ValueError("匹配题用 pairs 写出对应关系，不写 options 和 answer")
            q.left, q.options, q.answer = _parse_matching(item)
        elif "pairs" in item or "distractors" in item:
            raise ValueError("只有匹配题有 pairs、distractors")
        if item.get("numeric") not in (None, "", []):
            if qtype != "blank":
                raise ValueError("只有填空题可以写数值答案 numeric")
            q.numeric = parse_numeric(item["numeric"])
    except ValueError as e:
        raise err(f"{where}{e}", "numeric" if "numeric" in item and qtype != "matching" else "pairs")
    ans = item.get("answer")
    if q.numeric and ans in (None, "", []):
        ans = numeric_answer(q.numeric)
    if qtype == "matching":
        ans = q.answer
    elif ans is None or ans == "" or ans == []:
        if qtype != "short":
            raise err(f"{where}缺少答案 answer", "answer")
        ans = ""
    try:
        if qtype in ("single", "multiple"):
            idx = parse_letters(ans, max(len(q.options), 1))
            if qtype == "single" and len(idx) != 1:
                raise ValueError(f"单选题只能有一个答案，给出了 {len(idx)} 个")
            q.answer = idx[0] if qtype == "single" else idx
        elif qtype == "truefalse":
            q.answer = parse_bool(ans)
        elif qtype == "blank":
            items = ans if isinstance(ans, list) else [ans]
            q.answer = [split_alternatives(a) for a in items]
        elif qtype == "short":
            q.answer = norm_text(ans)
    except ValueError as e:
        raise err(f"{where}{e}", "answer", _ANSWER_HELP[qtype])
    if item.get("credit") not in (None, "", {}, []):
        try:
            q.credit = _parse_credit(qtype, item["credit"], q.options)
        except ValueError as e:
            raise err(f"{where}{e}", "credit", "单选 {C: 50}；填空 {近似答案: 50}")
    try:
        q.scoring = parse_scoring(item.get("scoring"))
    except ValueError as e:
        raise err(f"{where}{e}", "scoring", "要点列表，每条可写成 {point: 文字, points: 2}")
    for fld, problem in check_question(q):
        raise err(where + problem, fld)
    return q


_ANSWER_HELP = {
    "single": "一个选项字母，如 B",
    "multiple": "两个以上字母，如 ACD 或 [A, C, D]",
    "truefalse": "对/错、true/false、√/×",
    "blank": "每个空一项的列表，每项可用 | 分隔多个可接受答案，如 [物业服务合同|服务合同, 三]",
    "matching": "用 pairs 写出对应关系",
    "short": "参考答案文字",
}


def load_yaml_bank(path: Path) -> Bank:
    """Read one YAML bank file; every malformed question is reported (BankError), none dropped."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError("题库文件不存在", file=name) from None
    except UnicodeDecodeError:
        raise DataError("题库文件不是 UTF-8 编码", file=name, expected="以 UTF-8 保存的 YAML") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise DataError(f"YAML 语法错误：{getattr(e, 'problem', None) or e}", file=name,
                        row=mark.line + 1 if mark else None) from None
    if isinstance(data, list):
        items, items_node, title, defaults_raw = data, node, "", None
    elif isinstance(data, dict) and isinstance(data.get("questions"), list):
        items = data["questions"]
        items_node = next(v for k, v in node.value if k.value == "questions")
        title = norm_text(data.get("title"))
        defaults_raw = data.get("points")
    else:
        raise DataError("题库应是题目列表，或含 questions 列表的映射", file=name, row=1,
                        expected="questions:\n  - id: …\n    type: single …")
    defaults = dict(DEFAULT_POINTS)
    if defaults_raw is not None:
        if not isinstance(defaults_raw, dict):
            raise DataError("points 应是“题型: 分值”的映射", file=name, field="points",
                            expected="{single: 2, multiple: 3, truefalse: 1, blank: 2, short: 10}")
        for k, v in defaults_raw.items():
            try:
                defaults[parse_type(k)] = parse_points(v)
            except ValueError as e:
                raise DataError(str(e), file=name, field=f"points.{k}") from None
    questions, problems = [], []
    for i, (item, item_node) in enumerate(zip(items, items_node.value)):
        try:
            questions.append(question_from_mapping(item, file=name, line=item_node.start_mark.line + 1,
                                                   key_lines=_key_lines(item_node), defaults=defaults, index=i))
        except DataError as e:
            problems.append(e)
    if problems:
        raise BankError(problems)
    return Bank(questions, title, name)


def check_unique(questions: list[Question]) -> None:
    """Raise BankError listing every repeated id (with both places)."""
    seen: dict[str, Question] = {}
    problems = []
    for q in questions:
        if q.id in seen:
            first = seen[q.id]
            problems.append(DataError(f"题号「{q.id}」重复（首次出现在 {first.source} 第 {first.line} 行）",
                                      file=q.source, row=q.line, field="id", expected="每道题的 id 各不相同"))
        else:
            seen[q.id] = q
    if problems:
        raise BankError(problems)


BANK_SUFFIXES = (".yaml", ".yml", ".json", ".gift", ".txt", ".aiken", ".xlsx", ".xlsm", ".csv")
BUILTIN_DIR = Path(__file__).with_name("banks")


def resolve_bank_path(path: str | Path) -> Path:
    """A bank path as given, or the name of a bank shipped with docgen (e.g. sample)."""
    p = Path(path)
    if p.exists():
        return p
    builtin = BUILTIN_DIR / f"{p.name}.yaml"
    if not p.suffix and builtin.is_file():
        return builtin
    raise DataError("题库文件不存在", file=str(path),
                    expected="YAML/GIFT/Aiken/XLSX 题库文件、题库文件夹，或内置题库名 sample")


def _points_out(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


def question_to_mapping(q: Question) -> dict:
    """The YAML bank form of a question (what `docgen exam import` writes)."""
    out: dict[str, Any] = {"id": q.id, "type": q.type}
    if q.tags:
        out["tags"] = list(q.tags)
    out["difficulty"] = q.difficulty
    out["points"] = _points_out(q.points)
    out["stem"] = q.stem
    if q.options:
        out["options"] = list(q.options)
    if q.type == "single":
        out["answer"] = LETTERS[q.answer]
    elif q.type == "multiple":
        out["answer"] = "".join(LETTERS[i] for i in q.answer)
    elif q.type == "truefalse":
        out["answer"] = bool(q.answer)
    elif q.type == "blank" and q.numeric:
        out["numeric"] = [r.mapping() for r in q.numeric]
    elif q.type == "blank":
        out["answer"] = ["|".join(alts) for alts in q.answer]
    elif q.type == "matching":
        out.pop("options")
        out["pairs"] = [[a, q.options[i]] for a, i in zip(q.left, q.answer)]
        extra = [o for i, o in enumerate(q.options) if i not in q.answer]
        if extra:
            out["distractors"] = extra
    elif q.answer:
        out["answer"] = q.answer
    if q.credit and q.type == "single":
        out["credit"] = {LETTERS[i]: _num_out(p) for i, p in sorted(q.credit.items())}
    elif q.credit and q.type == "blank":
        groups = [{k: _num_out(v) for k, v in g.items()} for g in q.credit]
        out["credit"] = groups[0] if len(groups) == 1 else groups
    if q.format:
        out["format"] = q.format
    if q.scoring:
        out["scoring"] = [{"point": s.text, "points": _points_out(s.points)} if s.points is not None else s.text
                          for s in q.scoring]
    if q.explanation:
        out["explanation"] = q.explanation
    if not q.shuffle:
        out["shuffle"] = False
    return out


def dump_bank(bank: Bank, descriptions: list | None = None) -> str:
    """The bank as YAML text in the documented format (GIFT descriptions kept under descriptions:)."""
    data: dict[str, Any] = {"title": bank.title or "题库"}
    if descriptions:
        data["descriptions"] = [{"line": d.line, "text": d.stem} for d in descriptions]
    data["questions"] = [question_to_mapping(q) for q in bank.questions]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000, default_flow_style=None)
