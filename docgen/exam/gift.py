"""Moodle GIFT reader: questions, descriptions and categories, each problem named by its line.

Questions are separated by blank lines as GIFT prescribes; a bank typed without them is still split
at a ``::title::`` or after the line that closes an answer block. What cannot be split for sure (a
second answer block on the same line, an unclosed ``{``) stops the import with the line, never a cut.
The supported GIFT and what happens to the rest are listed in docs/exam.md.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from decimal import Decimal

from ..errors import DataError
from .bank import (BLANK, DEFAULT_POINTS, NumRange, Question, matching_from_pairs, norm_text, num_range,
                   numeric_answer, parse_difficulty, parse_points)

_ESC = {":": ":", "~": "~", "=": "=", "#": "#", "{": "{", "}": "}", "\\": "\\", "n": "\n"}
_FORMAT = re.compile(r"\s*\[(html|moodle|plain|markdown)\]", re.I)
_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]*>", re.S)
_BREAK_TAG = re.compile(r"<br\s*/?>|</(p|div|li|tr|h\d)>|<pre>|</pre>", re.I)


@dataclass
class Description:
    """A GIFT description (text without an answer block): read and listed, never a question."""
    stem: str
    line: int
    title: str = ""
    source: str = ""
    type: str = "description"


@dataclass
class Chunk:
    """The lines of one GIFT item with its first line, the metadata comments and the category before it."""
    lines: list[str]
    line: int
    meta: dict
    category: str
    after_block: bool = False       # started right after a closed answer block, with no blank line between

    @property
    def text(self) -> str:
        """The item's text."""
        return "\n".join(self.lines)


def unescape(text: str) -> str:
    """GIFT escapes (\\~ \\= \\# \\{ \\} \\: \\\\ \\n) as the characters they stand for."""
    return re.sub(r"\\(.)", lambda m: _ESC.get(m.group(1), "\\" + m.group(1)), text)


def _join_lines(text: str) -> str:
    # A paper prints a stem as one paragraph: lines join with a space, or with nothing between Chinese.
    parts = [re.sub(r"[ \t\u3000]+", " ", ln).strip() for ln in text.split("\n")]
    out = ""
    for part in (p for p in parts if p):
        if out and not (ord(out[-1]) >= 0x2e80 and ord(part[0]) >= 0x2e80):
            out += " "
        out += part
    return out


def plain(text: str, fmt: str) -> str:
    """GIFT text as printed: escapes resolved, HTML tags and comments dropped, markdown italics dropped.

    Markdown bold stays as **…** (the layout prints it bold for a question whose format is markdown).
    """
    text = unescape(text)
    if fmt != "plain":
        text = _BREAK_TAG.sub("\n", text)
        text = html.unescape(_TAG.sub("", text))
    if fmt == "markdown":
        text = re.sub(r"__(?=\S)(.+?)(?<=\S)__", r"**\1**", text)
        text = re.sub(r"(?<!\*)\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?!\*)", r"\1", text)
        text = re.sub(r"(?<![_A-Za-z0-9])_(?=[^\s_])([^_\n]+?)(?<=[^\s_])_(?![_A-Za-z0-9])", r"\1", text)
    return norm_text(_join_lines(text.replace("\r", "")))


def chunks(text: str, name: str) -> list[Chunk]:
    """Split GIFT text into items at blank lines, ::titles:: and the line after a closed answer block."""
    out: list[Chunk] = []
    cur: Chunk | None = None
    depth = 0
    closed = False
    pending: dict = {}
    category = ""

    def close():
        nonlocal cur, closed
        if cur is not None and "".join(cur.lines).strip():
            if cur.after_block and "{" not in _outside_escapes(cur.text) and not cur.text.lstrip().startswith("::"):
                # Text after a question's answer block on the following lines is still that question's text.
                out[-1].lines += cur.lines
            else:
                out.append(cur)
        cur, closed = None, False

    def start(no: int, after_block: bool) -> Chunk:
        nonlocal pending
        new, pending = Chunk([], no, pending, category, after_block), {}
        return new

    for no, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if depth == 0:
            if stripped.startswith("//"):
                for k, v in re.findall(r"\[(id|tag|tags|difficulty|points)\s*:\s*([^\]]*)\]", stripped, re.I):
                    k = k.lower()
                    if k in ("tag", "tags"):
                        pending.setdefault("tags", []).append(v.strip())
                    else:
                        pending[k] = v.strip()
                continue
            if not stripped:
                close()
                continue
            if stripped.startswith("$CATEGORY:"):
                close()
                category = stripped.split(":", 1)[1].strip().rstrip("/").split("/")[-1].strip()
                if category in ("$course$", "$system$", "$module$", "$cat1$", "$cat2$", "top", "默认", "default"):
                    category = ""
                continue
            if cur is not None and (closed or stripped.startswith("::")):
                was_closed = closed
                close()
                cur = start(no, was_closed and not stripped.startswith("::"))
        if cur is None:
            cur = start(no, False)
        seg = 0
        i = 0
        while i < len(line):
            c = line[i]
            if c == "\\":
                i += 2
                continue
            if depth == 0 and closed and line.startswith("::", i):
                cur.lines.append(line[seg:i])
                close()
                cur = start(no, False)
                seg = i
            elif c == "{":
                if depth:
                    raise DataError("答案块里出现了没有转义的 {：上一个答案块可能少了 }，无法判断下一题从哪里开始",
                                    file=name, row=no, expected="每个答案块以 } 结束；文字中的 { 写作 \\{")
                if closed:
                    raise DataError("同一行开始了第二道题（第二个答案块 { … }），无法判断两道题的分界", file=name,
                                    row=no, expected="每道题之间空一行，或第二道题另起一行")
                depth = 1
            elif c == "}":
                if not depth:
                    raise DataError("多余的 }（前面没有对应的 {）", file=name, row=no, expected="文字中的 } 写作 \\}")
                depth = 0
                closed = True
            i += 1
        cur.lines.append(line[seg:])
    if depth:
        raise DataError("答案块的 { 没有对应的 }", file=name, row=cur.line if cur else None,
                        expected="每道题的答案写在 { } 之间")
    close()
    return out


def _outside_escapes(text: str) -> str:
    return re.sub(r"\\.", "", text)


def split_unescaped(text: str, chars: str) -> list[tuple[str, str]]:
    """Split text at unescaped chars; returns (marker, piece) pairs ('' marker before the first)."""
    out, cur, marker = [], [], ""
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            cur.append(text[i:i + 2])
            i += 2
            continue
        if c in chars:
            out.append((marker, "".join(cur)))
            cur, marker = [], c
        else:
            cur.append(c)
        i += 1
    out.append((marker, "".join(cur)))
    return out


def _find_block(text: str) -> tuple[int, int] | None:
    start = -1
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "{" and start < 0:
            start = i
        elif c == "}" and start >= 0:
            return start, i
        i += 1
    return None


def _feedback_off(piece: str) -> str:
    return split_unescaped(piece, "#")[0][1]


def _weight(piece: str) -> tuple[Decimal | None, str]:
    m = re.match(r"\s*%(-?\d+(?:\.\d+)?)%", piece)
    if not m:
        return None, piece
    return Decimal(m.group(1)), piece[m.end():]


def _own_format(piece: str, fmt: str) -> tuple[str, str]:
    m = _FORMAT.match(piece)
    return (m.group(1).lower(), piece[m.end():]) if m else (fmt, piece)


def _join(before: str, mark: str, after: str) -> str:
    def gap(a: str, b: str) -> str:
        # A space between Latin words; none next to Chinese, brackets or closing punctuation.
        if not a or not b or ord(a[-1]) >= 0x2e80 or ord(b[0]) >= 0x2e80 or a[-1] in "([{ " or b[0] in ".,;:!?)]} ":
            return ""
        return " "
    mark_or_after = mark or after
    return before + gap(before, mark_or_after) + mark + (gap(mark, after) if mark else "") + after


def _with_blank(before: str, after: str, mark: str) -> str:
    """The stem with the answer's place marked; a stem that already has a ___ blank keeps just that one."""
    if mark != "（ ）" and BLANK.search(before + " " + after):
        return _join(before, "", after) if after else before
    if not after:
        return before if mark == "（ ）" else _join(before, mark, "")
    return _join(before, mark, after)


_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"


def _num_spec(spec: str, credit: Decimal) -> NumRange:
    spec = spec.strip()
    m = re.fullmatch(rf"({_NUMBER})\s*\.\.\s*({_NUMBER})", spec)
    if m:
        lo, hi = Decimal(m.group(1)), Decimal(m.group(2))
        if lo > hi:
            raise ValueError(f"数值区间「{spec}」的下限大于上限")
        return NumRange(lo, hi, credit)
    m = re.fullmatch(rf"({_NUMBER})(?:\s*:\s*({_NUMBER}))?", spec)
    if not m:
        raise ValueError(f"数值答案「{spec}」无法识别")
    return num_range(Decimal(m.group(1)), Decimal(m.group(2)) if m.group(2) else None, credit)


def _numerical(body: str) -> list[NumRange]:
    body = body.strip()
    pieces = split_unescaped(body, "=~")
    if len(pieces) == 1:
        return [_num_spec(unescape(_feedback_off(body)), Decimal(100))]
    out = []
    if pieces[0][1].strip():
        if any(mk == "=" for mk, _ in pieces[1:]):
            raise ValueError("数值题有多个答案时，每个答案以 = 开头")
        pieces[0] = ("=", pieces[0][1])     # {#3:2 ~#反馈}: one answer, then feedback for wrong ones
    for marker, piece in pieces:
        if not marker:
            continue
        if marker == "~":
            continue        # feedback for wrong answers
        w, piece = _weight(piece)
        w = Decimal(100) if w is None else w
        if w > 100:
            raise ValueError(f"得分比例 {w}% 超过 100%")
        if w > 0:
            out.append(_num_spec(unescape(_feedback_off(piece)), w))
    return out


def read_items(text: str, name: str) -> tuple[list[Question], list[Description], list[DataError]]:
    """Every GIFT item of a file: the questions, the descriptions and one error per item that failed."""
    questions: list[Question] = []
    descriptions: list[Description] = []
    problems: list[DataError] = []
    seen: set[str] = set()
    n = 0
    for chunk in chunks(text, name):
        has_block = _find_block(chunk.text) is not None
        if has_block:
            n += 1
        try:
            item = parse_item(chunk, n, name)
        except DataError as e:
            problems.append(e)
            continue
        if isinstance(item, Description):
            if item.stem:
                descriptions.append(item)
            continue
        if item.id in seen:
            if chunk.meta.get("id"):
                problems.append(DataError(f"题号「{item.id}」重复", file=name, row=item.line, field="id",
                                          expected="每道题的 [id:…] 各不相同"))
                continue
            base, k = item.id, 2
            while f"{base}-{k}" in seen:
                k += 1
            item.id = f"{base}-{k}"     # two questions with the same ::title::
        seen.add(item.id)
        questions.append(item)
    return questions, descriptions, problems


def parse_item(chunk: Chunk, n: int, name: str) -> Question | Description:
    """One GIFT item as a question, or a description when it has no answer block."""
    def err(msg, fld=None, expected=None):
        return DataError(msg, file=name, row=chunk.line, field=fld, expected=expected)

    text = chunk.text.strip()
    title = ""
    m = re.match(r"::((?:\\.|[^:\\]|:(?!:))*)::", text)
    if m:
        title = unescape(m.group(1)).strip()
        text = text[m.end():].lstrip()
    fmt, text = _own_format(text, "moodle")
    block = _find_block(text)
    if block is None:
        return Description(plain(text, fmt), chunk.line, title, name)
    before, inner, after = text[:block[0]], text[block[0] + 1:block[1]], text[block[1] + 1:]
    before_t, after_t = plain(before, fmt), plain(after, fmt)
    meta = chunk.meta
    qid = meta.get("id") or (title if re.fullmatch(r"[\w.\-]{1,40}", title or "-") else "") or f"G{n:03d}"
    tags = list(meta.get("tags", []))
    if chunk.category and chunk.category not in tags:
        tags.insert(0, chunk.category)
    try:
        difficulty = parse_difficulty(meta.get("difficulty"))
    except ValueError as e:
        raise err(str(e), "difficulty")
    q = Question(id=qid, type="single", stem="", tags=tags, difficulty=difficulty, source=name, line=chunk.line)
    body = inner.strip()
    general = ""
    parts = re.split(r"(?<!\\)####", body, maxsplit=1)
    if len(parts) == 2:
        body, general = parts[0].strip(), plain(parts[1], fmt)
    try:
        _answers(q, body, before_t, after_t, fmt)
    except ValueError as e:
        raise err(str(e), "answer", "见 docs/exam.md 中 GIFT 一节")
    if not q.stem:
        raise err("题干为空", "stem")
    if q.type != "short":
        q.explanation = general
    elif not q.answer:
        q.answer = general
    if fmt == "markdown" and "**" in q.stem + "".join(q.options):
        q.format = "markdown"
    try:
        q.points = parse_points(meta["points"]) if meta.get("points") else DEFAULT_POINTS[q.type]
    except ValueError as e:
        raise err(str(e), "points")
    return q


def _answers(q: Question, body: str, before: str, after: str, fmt: str) -> None:
    """Fill in the question's type, stem, options, key and partial credit from its answer block."""
    if not body:
        q.type, q.answer = "short", ""
        q.stem = _join(before, "", after)
        return
    if re.fullmatch(r"(T|TRUE|F|FALSE)\s*(#.*)?", body, re.S | re.I):
        q.type = "truefalse"
        q.answer = body.split("#")[0].strip().upper().startswith("T")
        q.stem = _join(before, "", after)
        return
    if body.startswith("#"):
        q.type, q.numeric = "blank", _numerical(body[1:])
        if not q.numeric:
            raise ValueError("数值题没有得分的答案")
        if not any(r.credit == 100 for r in q.numeric):
            raise ValueError("数值题没有得满分（100%）的答案")
        q.answer = numeric_answer(q.numeric)
        q.stem = _with_blank(before, after, "____")
        return
    pieces = split_unescaped(body, "=~")
    if pieces[0][1].strip():
        if len(pieces) > 1:
            raise ValueError("答案块中每个答案应以 = 或 ~ 开头")
        pieces = [("", ""), ("=", pieces[0][1])]    # {答案}: one short answer written without =
    answers = []
    for marker, piece in pieces[1:]:
        w, piece = _weight(piece)
        own, piece = _own_format(piece, fmt)
        if w is None:
            w, piece = _weight(piece)
        answers.append((marker, w, own, _feedback_off(piece)))
    if not answers:
        raise ValueError("答案块为空")
    if all(mk == "=" for mk, *_ in answers) and all(re.search(r"->", a) for *_, a in answers):
        pairs, extra = [], []
        for _, _, own, a in answers:
            left, right = a.split("->", 1)
            left, right = plain(left, own), plain(right, own)
            if not right:
                raise ValueError("匹配题有一项的右栏为空")
            (pairs.append((left, right)) if left else extra.append(right))
        q.type = "matching"
        q.left, q.options, q.answer = matching_from_pairs(pairs, extra)
        q.stem = _join(before, "", after)
        return
    if all(mk == "=" for mk, *_ in answers):
        full, partial = [], {}
        for _, w, own, a in answers:
            text = plain(a, own)
            if w is not None and w <= 0:
                continue
            if re.search(r"(?<!\*)\*(?!\*)", text):
                raise ValueError("通配符 * 的答案在纸质试卷上无法判分")
            if w is None or w == 100:
                full.append(text)
            elif w > 100:
                raise ValueError(f"得分比例 {w}% 超过 100%")
            else:
                partial[text] = w
        if not full:
            raise ValueError("填空题没有得满分的答案")
        q.type, q.answer = "blank", [full]
        q.credit = [partial] if partial else None
        q.stem = _with_blank(before, after, "____")
        return
    q.options = [plain(a, own) for _, _, own, a in answers]
    weights = [(w if w is not None else Decimal(100) if mk == "=" else Decimal(0)) for mk, w, _, _ in answers]
    if any(w > 100 for w in weights):
        raise ValueError("得分比例超过 100%")
    q.stem = _with_blank(before, after, "（ ）")
    full_credit = [i for i, w in enumerate(weights) if w == 100]
    positive = [i for i, w in enumerate(weights) if w > 0]
    if full_credit:
        # One answer worth 100 % makes a single choice; other positive weights are partial credit.
        q.type, q.answer = "single", full_credit[0]
        q.credit = {i: weights[i] for i in positive if i != full_credit[0]} or None
        return
    total = sum((weights[i] for i in positive), Decimal(0))
    if len(positive) >= 2 and abs(total - 100) <= Decimal("0.1"):
        q.type, q.answer = "multiple", positive
        return
    raise ValueError(f"选择题没有正确答案：没有 100% 的答案，正权重合计 {total.normalize():f}%"
                     "（单选题用 = 标出正确答案；多选题各正确选项的正权重合计 100%）")


__all__ = ["Description", "Chunk", "chunks", "read_items", "parse_item", "plain", "unescape", "split_unescaped"]
