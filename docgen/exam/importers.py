"""Question importers: Moodle GIFT, Aiken and a spreadsheet (XLSX/CSV) into the bank model.

Every malformed question is reported with its file and line (a BankError lists them all);
nothing is dropped silently. The formats are described in docs/exam.md.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError
from ..readers import read_table
from .bank import (BLANK, DEFAULT_POINTS, LETTERS, Bank, BankError, Question, check_question,
                   norm_text, parse_bool, parse_difficulty, parse_letters, parse_points, parse_scoring,
                   parse_type, split_alternatives)

GIFT_SUFFIXES = (".gift",)
AIKEN_SUFFIXES = (".aiken", ".txt")
SHEET_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".tsv")


def import_file(path: str | Path, *, fmt: str | None = None, tags: list[str] | None = None,
                difficulty: str | None = None) -> Bank:
    """Read a GIFT, Aiken or spreadsheet file as a bank (format from fmt or the suffix)."""
    p = Path(path)
    if not p.is_file():
        raise DataError("题库文件不存在", file=str(p))
    kind = (fmt or "").lower() or _guess_format(p)
    if kind == "gift":
        bank = read_gift(p)
    elif kind == "aiken":
        bank = read_aiken(p)
    elif kind in ("xlsx", "csv", "sheet"):
        bank = read_sheet(p)
    elif kind in ("yaml", "yml", "json"):
        from .bank import load_yaml_bank
        bank = load_yaml_bank(p)
    else:
        raise DataError(f"不认识的题库格式「{kind}」", file=str(p), field="--format",
                        expected="gift、aiken、xlsx 或 yaml")
    for q in bank.questions:
        if tags:
            q.tags = list(dict.fromkeys(q.tags + tags))
        if difficulty:
            q.difficulty = parse_difficulty(difficulty)
    return bank


def _guess_format(p: Path) -> str:
    suffix = p.suffix.lower()
    if suffix in GIFT_SUFFIXES:
        return "gift"
    if suffix in SHEET_SUFFIXES:
        return "xlsx"
    if suffix in (".yaml", ".yml", ".json"):
        return "yaml"
    if suffix in AIKEN_SUFFIXES:
        text = _read_text(p)
        # GIFT puts answers in braces; Aiken has ANSWER: lines.
        if re.search(r"(?<!\\)\{", text) and not re.search(r"^\s*ANSWER\s*[:：]", text, re.M | re.I):
            return "gift"
        return "aiken"
    raise DataError(f"无法从后缀「{suffix}」判断题库格式", file=str(p),
                    expected=".yaml、.gift、.txt（Aiken 或 GIFT）、.xlsx、.csv，或用 --format 指定")


def _read_text(p: Path) -> str:
    data = p.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc).replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError:
            continue
    raise DataError("文件既不是 UTF-8 也不是 GBK 编码", file=str(p))


def _finish(questions: list[Question], problems: list[DataError], title: str, source: str) -> Bank:
    for q in questions:
        for fld, msg in check_question(q):
            problems.append(DataError(f"题 {q.id}：{msg}", file=source, row=q.line, field=fld))
    if problems:
        problems.sort(key=lambda e: e.row or 0)
        raise BankError(problems)
    return Bank(questions, title, source)


# ---------------------------------------------------------------- GIFT

_GIFT_ESC = {":": ":", "~": "~", "=": "=", "#": "#", "{": "{", "}": "}", "\\": "\\", "n": "\n"}


def _gift_unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _GIFT_ESC.get(m.group(1), "\\" + m.group(1)), text)


def _gift_plain(text: str, fmt: str) -> str:
    text = text.strip()
    if fmt == "html":
        text = re.sub(r"<br\s*/?>|</p>", "\n", text, flags=re.I)
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return norm_text(_gift_unescape(text))


@dataclass
class _Chunk:
    text: str
    line: int
    meta: dict
    category: str


def _gift_chunks(text: str, name: str) -> list[_Chunk]:
    """Split GIFT text into questions: blank lines separate them, except inside an answer block."""
    chunks: list[_Chunk] = []
    cur: list[str] = []
    start = 0
    depth = 0
    meta: dict = {}
    pending_meta: dict = {}
    category = ""

    def close():
        nonlocal cur, meta
        if cur and "".join(cur).strip():
            chunks.append(_Chunk("\n".join(cur), start, meta, category))
        cur, meta = [], {}

    for no, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if depth == 0 and stripped.startswith("//"):
            for k, v in re.findall(r"\[(id|tag|tags|difficulty|points)\s*:\s*([^\]]*)\]", stripped, re.I):
                k = k.lower()
                if k in ("tag", "tags"):
                    pending_meta.setdefault("tags", []).append(v.strip())
                else:
                    pending_meta[k] = v.strip()
            continue
        if depth == 0 and not stripped:
            close()
            continue
        if depth == 0 and not cur and stripped.startswith("$CATEGORY:"):
            category = stripped.split(":", 1)[1].strip().rstrip("/").split("/")[-1].strip()
            if category in ("$course$", "$system$", "$module$", "top", "默认", "default"):
                category = ""
            continue
        if not cur:
            start = no
            meta, pending_meta = pending_meta, {}
        cur.append(line)
        i = 0
        while i < len(line):
            c = line[i]
            if c == "\\":
                i += 2
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                depth = max(0, depth - 1)
            i += 1
    if depth:
        raise DataError("答案块的 { 没有对应的 }", file=name, row=start, expected="每道题的答案写在 { } 之间")
    close()
    return chunks


def _split_unescaped(text: str, chars: str) -> list[tuple[str, str]]:
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
    depth, start = 0, -1
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            if depth == 0:
                start = i
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return start, i
        i += 1
    return None


def _strip_feedback(piece: str) -> str:
    return _split_unescaped(piece, "#")[0][1]


def read_gift(path: str | Path) -> Bank:
    """Read a Moodle GIFT file: choice, multiple answer, true/false, short answer, numeric, essay."""
    p = Path(path)
    name = str(p)
    questions: list[Question] = []
    problems: list[DataError] = []
    for n, chunk in enumerate(_gift_chunks(_read_text(p), name), 1):
        try:
            questions.append(_gift_question(chunk, n, name))
        except DataError as e:
            problems.append(e)
    return _finish(questions, problems, p.stem, name)


def _gift_question(chunk: _Chunk, n: int, name: str) -> Question:
    def err(msg, fld=None, expected=None):
        return DataError(msg, file=name, row=chunk.line, field=fld, expected=expected)

    text = chunk.text.strip()
    title = ""
    m = re.match(r"::((?:\\.|[^:])*)::", text)
    if m:
        title = _gift_unescape(m.group(1)).strip()
        text = text[m.end():].lstrip()
    fmt = "moodle"
    m = re.match(r"\[(html|moodle|plain|markdown)\]", text, re.I)
    if m:
        fmt = m.group(1).lower()
        text = text[m.end():]
    block = _find_block(text)
    if block is None:
        raise err("没有答案块 { … }（GIFT 的说明文字题不能用于试卷）", expected="题干 {=正确答案 ~错误答案}")
    before, inner, after = text[:block[0]], text[block[0] + 1:block[1]], text[block[1] + 1:]
    before_t, after_t = _gift_plain(before, fmt), _gift_plain(after, fmt)
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
        body, general = parts[0].strip(), _gift_plain(parts[1], fmt)
    if "->" in body:
        raise err("配对题（->）在纸质试卷中不支持", expected="单选、多选、判断、填空或问答")
    if not body:
        q.type, q.answer = "short", general
        q.stem = (before_t + (" " + after_t if after_t else "")).strip()
    elif re.fullmatch(r"(T|TRUE|F|FALSE)\s*(#.*)?", body, re.S | re.I):
        q.type = "truefalse"
        q.answer = body.split("#")[0].strip().upper().startswith("T")
        q.stem = (before_t + after_t).strip()
    elif body.startswith("#"):
        value = _strip_feedback(body[1:]).strip()
        if not re.fullmatch(r"-?\d+(\.\d+)?", value):
            raise err(f"数值题「{value}」带容差或区间，纸质试卷不支持", expected="精确数值，如 {#24}")
        q.type, q.answer = "blank", [[value]]
        q.stem = _with_blank(before_t, after_t, "____")
    else:
        answers = []
        for marker, piece in _split_unescaped(body, "=~")[1:] if body[:1] in "=~" else [("?", body)]:
            if marker not in ("=", "~"):
                raise err("答案块中每个答案应以 = 或 ~ 开头", expected="{=正确 ~错误}")
            piece = _strip_feedback(piece)
            weight = None
            wm = re.match(r"\s*%(-?\d+(?:\.\d+)?)%", piece)
            if wm:
                weight = float(wm.group(1))
                piece = piece[wm.end():]
            answers.append((marker, weight, _gift_plain(piece, fmt)))
        if not answers:
            raise err("答案块为空", expected="{=正确 ~错误}")
        if all(mk == "=" for mk, _, _ in answers):
            accepted = [t for mk, w, t in answers if w is None or w >= 100]
            if not accepted:
                raise err("填空题没有得满分的答案", expected="{=答案一 =答案二}")
            q.type, q.answer = "blank", [accepted]
            q.stem = _with_blank(before_t, after_t, "____")
        else:
            q.options = [t for _, _, t in answers]
            correct = [i for i, (mk, w, _) in enumerate(answers) if (mk == "=" and (w is None or w > 0))
                       or (mk == "~" and w is not None and w > 0)]
            if not correct:
                raise err("选择题没有正确答案", "answer", "用 = 标出正确答案，或多选题用 ~%50% 这样的正权重")
            q.type = "single" if len(correct) == 1 else "multiple"
            q.answer = correct[0] if q.type == "single" else correct
            q.stem = _with_blank(before_t, after_t, "（ ）")
    if not q.stem:
        raise err("题干为空", "stem")
    q.explanation = general if q.type != "short" else ""
    try:
        q.points = parse_points(meta["points"]) if meta.get("points") else DEFAULT_POINTS[q.type]
    except ValueError as e:
        raise err(str(e), "points")
    return q


def _with_blank(before: str, after: str, mark: str) -> str:
    if after:
        return f"{before}{mark}{after}"
    if mark == "（ ）":
        return before
    return f"{before}{mark}"


# ---------------------------------------------------------------- Aiken

_AIKEN_OPTION = re.compile(r"^\s*([A-Ha-h])\s*[.)、．）:：]\s*(.*)$")
_AIKEN_ANSWER = re.compile(r"^\s*(?:ANSWER|答案)\s*[:：]\s*([A-Ha-h][A-Ha-h,，、\s]*)\s*$", re.I)


def read_aiken(path: str | Path) -> Bank:
    """Read an Aiken file: stem line(s), lettered options, ANSWER: X (several letters → multiple choice)."""
    p = Path(path)
    name = str(p)
    questions: list[Question] = []
    problems: list[DataError] = []
    block: list[tuple[int, str]] = []

    def close():
        if block:
            try:
                questions.append(_aiken_question(block, len(questions) + len(problems) + 1, name))
            except DataError as e:
                problems.append(e)
        block.clear()

    for no, line in enumerate(_read_text(p).split("\n"), 1):
        if not line.strip():
            # A blank line ends a question only once its ANSWER line has been read.
            if block and _AIKEN_ANSWER.match(block[-1][1]):
                close()
            continue
        block.append((no, line))
        if _AIKEN_ANSWER.match(line):
            close()
    if block:
        close()
    return _finish(questions, problems, p.stem, name)


def _aiken_question(lines: list[tuple[int, str]], n: int, name: str) -> Question:
    start = lines[0][0]
    stem_parts, options, answer_line = [], [], None
    for no, line in lines:
        am = _AIKEN_ANSWER.match(line)
        om = _AIKEN_OPTION.match(line)
        if am:
            answer_line = (no, am.group(1))
        elif om and (options or stem_parts):
            letter = om.group(1).upper()
            expected = LETTERS[len(options)] if len(options) < len(LETTERS) else "?"
            if letter != expected:
                raise DataError(f"选项字母应为 {expected}，却是 {letter}", file=name, row=no, field="options",
                                expected="选项按 A. B. C. … 顺序排列")
            options.append(norm_text(om.group(2)))
        elif options:
            raise DataError("选项之后出现了既不是选项也不是 ANSWER: 的行", file=name, row=no,
                            expected="A. 选项 … 之后紧跟 ANSWER: 字母")
        else:
            stem_parts.append(line.strip())
    if answer_line is None:
        raise DataError("这道题缺少 ANSWER: 行", file=name, row=start, field="answer",
                        expected="最后一行写 ANSWER: B")
    if len(options) < 2:
        raise DataError(f"这道题只有 {len(options)} 个选项", file=name, row=start, field="options",
                        expected="至少两行 A. … B. …")
    try:
        idx = parse_letters(answer_line[1], len(options))
    except ValueError as e:
        raise DataError(str(e), file=name, row=answer_line[0], field="answer") from None
    stem = norm_text(" ".join(stem_parts))
    m = re.match(r"^(?:\d+[.、．)）]\s*)", stem)
    if m:
        stem = stem[m.end():]
    q = Question(id=f"K{n:03d}", type="single" if len(idx) == 1 else "multiple", stem=stem, options=options,
                 answer=idx[0] if len(idx) == 1 else idx, source=name, line=start)
    q.points = DEFAULT_POINTS[q.type]
    return q


# ---------------------------------------------------------------- spreadsheet

SHEET_COLUMNS = {
    "id": ["id", "题号", "编号", "试题编号"],
    "type": ["type", "题型", "类型"],
    "stem": ["stem", "题干", "题目", "试题", "question"],
    "answer": ["answer", "答案", "正确答案", "参考答案"],
    "points": ["points", "分值", "分数", "score"],
    "difficulty": ["difficulty", "难度"],
    "tags": ["tags", "tag", "标签", "知识点", "分类", "类别"],
    "scoring": ["scoring", "评分要点", "评分标准", "得分点"],
    "explanation": ["explanation", "解析", "说明", "答案解析"],
}
_OPTION_HEADER = re.compile(r"^(?:选项\s*|option[\s_]*)?([A-Ha-h])(?:\s*选项)?$", re.I)


def read_sheet(path: str | Path, *, sheet: str | None = None) -> Bank:
    """Read questions from an XLSX (or CSV) sheet, one per row; columns are listed in docs/exam.md."""
    p = Path(path)
    name = str(p)
    questions: list[Question] = []
    problems: list[DataError] = []
    with read_table(p, sheet=sheet, on_error="yield") as table:
        cols: dict[str, str] = {}
        option_cols: dict[int, str] = {}
        lookup = {alias.lower(): key for key, aliases in SHEET_COLUMNS.items() for alias in aliases}
        for h in table.headers:
            key = lookup.get(h.strip().lower())
            if key and key not in cols:
                cols[key] = h
                continue
            om = _OPTION_HEADER.match(h.strip())
            if om:
                option_cols[LETTERS.index(om.group(1).upper())] = h
        for need in ("type", "stem"):
            if need not in cols:
                raise DataError(f"表头缺少「{SHEET_COLUMNS[need][1]}」列", file=name, row=table.header_line,
                                expected="题号、题型、题干、选项A…选项H、答案、分值、难度、标签、评分要点")
        if "answer" not in cols:
            raise DataError("表头缺少「答案」列", file=name, row=table.header_line)
        letters = sorted(option_cols)
        if letters and letters != list(range(len(letters))):
            raise DataError("选项列应从 A 起连续（选项A、选项B、…）", file=name, row=table.header_line,
                            field=option_cols[letters[-1]])
        for n, row in enumerate(table, 1):
            if row.blank:
                continue
            if row.error:
                problems.append(row.error)
                continue
            v = row.values

            def get(key):
                return v.get(cols[key]) if key in cols else None

            item = {
                "id": get("id") or f"X{n:03d}",
                "type": get("type"), "stem": get("stem"), "points": get("points"),
                "difficulty": get("difficulty"), "tags": get("tags"), "explanation": get("explanation"),
            }
            try:
                questions.append(_sheet_question(item, [v.get(option_cols[i]) for i in letters], get("answer"),
                                                 get("scoring"), name, row.line, cols))
            except DataError as e:
                problems.append(e)
    return _finish(questions, problems, p.stem, name)


def _sheet_question(item: dict, option_cells: list, answer, scoring, name: str, line: int,
                    cols: dict[str, str]) -> Question:
    def err(msg, key=None, expected=None):
        return DataError(msg, file=name, row=line, field=cols.get(key, key) if key else None, expected=expected)

    qid = norm_text(item["id"])
    if isinstance(item["id"], (int,)) or re.fullmatch(r"\d+(\.0+)?", qid):
        qid = qid.split(".")[0]
    try:
        qtype = parse_type(item["type"])
    except ValueError as e:
        raise err(str(e), "type", "单选、多选、判断、填空、简答（或 single、multiple、truefalse、blank、short）")
    q = Question(id=qid, type=qtype, stem=norm_text(item["stem"]), source=name, line=line)
    while option_cells and (option_cells[-1] is None or norm_text(option_cells[-1]) == ""):
        option_cells = option_cells[:-1]
    if qtype in ("single", "multiple"):
        q.options = [norm_text(o) for o in option_cells]
        if len(q.options) < 2:
            raise err(f"选择题至少要有 2 个选项（现有 {len(q.options)} 个）", None, "选项A、选项B … 列")
    elif option_cells:
        raise err(f"{qtype} 题不应填写选项列")
    try:
        q.points = parse_points(item["points"]) if item["points"] not in (None, "") else DEFAULT_POINTS[qtype]
    except ValueError as e:
        raise err(str(e), "points")
    try:
        q.difficulty = parse_difficulty(item["difficulty"])
    except ValueError as e:
        raise err(str(e), "difficulty", "易、中、难")
    q.tags = [t for t in re.split(r"[,，、;；\s]+", norm_text(item["tags"])) if t]
    q.explanation = norm_text(item["explanation"])
    try:
        if answer is None or norm_text(answer) == "":
            if qtype != "short":
                raise ValueError("缺少答案")
            q.answer = ""
        elif qtype in ("single", "multiple"):
            idx = parse_letters(answer, len(q.options))
            if qtype == "single" and len(idx) != 1:
                raise ValueError(f"单选题只能有一个答案，给出了 {len(idx)} 个")
            q.answer = idx[0] if qtype == "single" else idx
        elif qtype == "truefalse":
            q.answer = parse_bool(answer)
        elif qtype == "blank":
            parts = [s for s in re.split(r"[；;\n]+", norm_text(answer)) if s.strip()]
            q.answer = [split_alternatives(s) for s in parts]
        else:
            q.answer = norm_text(answer)
        q.scoring = parse_scoring(scoring)
    except ValueError as e:
        raise err(str(e), "answer")
    if qtype == "blank" and not BLANK.search(q.stem) and q.stem:
        q.stem += "____" if len(q.answer) == 1 else ""
    return q
