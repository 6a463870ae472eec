"""Question importers: Moodle GIFT, Aiken and a spreadsheet (XLSX/CSV) into the bank model.

A question that cannot be imported is reported with its file, line and reason and the others are
kept (``import_questions``); ``import_file`` is the strict form that raises a BankError listing
them all. Nothing is dropped silently. The formats are described in docs/exam.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..errors import DataError, Setting, Worded
from ..inputs.readers import read_table
from . import gift
from .bank import (BLANK, DEFAULT_POINTS, LETTERS, Bank, BankError, Question, check_question, norm_text, parse_bool,
                   parse_difficulty, parse_letters, parse_points, parse_scoring, parse_type, split_alternatives)
from .gift import Description
from .yamlbank import check_unique, load_yaml_bank, resolve_bank_path

GIFT_SUFFIXES = (".gift",)
AIKEN_SUFFIXES = (".aiken", ".txt")
SHEET_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".tsv")


@dataclass
class ImportResult:
    """What an import read: the questions that imported, the ones that did not, and GIFT descriptions."""
    bank: Bank
    problems: list[DataError] = field(default_factory=list)
    descriptions: list[Description] = field(default_factory=list)

    def items(self) -> list:
        """Questions and descriptions in file order."""
        return sorted(self.bank.questions + self.descriptions, key=lambda x: x.line or 0)


def import_questions(path: str | Path, *, fmt: str | None = None, tags: list[str] | None = None,
                     difficulty: str | None = None) -> ImportResult:
    """Read a GIFT, Aiken or spreadsheet file; bad questions are listed in problems, the rest kept.

    A DataError is raised only when the file as a whole cannot be read (or split into questions).
    """
    p = Path(path)
    if not p.is_file():
        raise DataError("题库文件不存在", file=str(p))
    kind = (fmt or "").lower() or _guess_format(p)
    if kind == "gift":
        res = read_gift(p)
    elif kind == "aiken":
        res = read_aiken(p)
    elif kind in ("xlsx", "csv", "sheet"):
        res = read_sheet(p)
    elif kind in ("yaml", "yml", "json"):
        res = ImportResult(load_yaml_bank(p))
    else:
        # Only a fmt given can be unknown (a guess is always known), so the setting is at fault, not the file.
        raise DataError(f"不认识的题库格式「{kind}」", field="fmt", expected="gift、aiken、xlsx 或 yaml")
    level = parse_difficulty(difficulty) if difficulty else None
    for q in res.bank.questions:
        if tags:
            q.tags = list(dict.fromkeys(q.tags + tags))
        if level:
            q.difficulty = level
    return res


def import_file(path: str | Path, *, fmt: str | None = None, tags: list[str] | None = None,
                difficulty: str | None = None) -> Bank:
    """Read a GIFT, Aiken or spreadsheet file as a bank; any question that fails raises a BankError."""
    res = import_questions(path, fmt=fmt, tags=tags, difficulty=difficulty)
    if res.problems:
        raise BankError(res.problems)
    return res.bank


#: A bank file's format, as guessed from the file (fmt may also say csv, sheet, yml or json).
BankFormat = Literal["gift", "aiken", "xlsx", "yaml"]


def _guess_format(p: Path) -> BankFormat:
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
                    expected=Worded(".yaml、.gift、.txt（Aiken 或 GIFT）、.xlsx、.csv，或用 ", Setting("fmt"), " 指定"))


def _read_text(p: Path) -> str:
    data = p.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc).replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError:
            continue
    raise DataError("文件既不是 UTF-8 也不是 GBK 编码", file=str(p))


def _finish(questions: list[Question], problems: list[DataError], title: str, source: str,
            descriptions: list[Description] | None = None) -> ImportResult:
    good = []
    for q in questions:
        found = check_question(q)
        for fld, msg in found:
            problems.append(DataError(f"题 {q.id}：{msg}", file=source, row=q.line, field=fld))
        if not found:
            good.append(q)
    problems.sort(key=lambda e: e.row or 0)
    return ImportResult(Bank(good, title, source), problems, descriptions or [])


# ---------------------------------------------------------------- GIFT

def read_gift(path: str | Path) -> ImportResult:
    """Read a Moodle GIFT file: every question type, descriptions and categories (see docs/exam.md)."""
    p = Path(path)
    name = str(p)
    questions, descriptions, problems = gift.read_items(_read_text(p), name)
    return _finish(questions, problems, p.stem, name, descriptions)


# ---------------------------------------------------------------- Aiken

_AIKEN_OPTION = re.compile(r"^\s*([A-Ha-h])\s*[.)、．）:：]\s*(.*)$")
_AIKEN_ANSWER = re.compile(r"^\s*(?:ANSWER|答案)\s*[:：]\s*(.*?)\s*$", re.I)


@dataclass
class _AikenBlock:
    start: int
    stem: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    error: DataError | None = None      # the first thing wrong; the block is reported, not imported
    gap: bool = False                   # a blank line since the last line of the stem


def read_aiken(path: str | Path) -> ImportResult:
    """Read an Aiken file: stem line(s), lettered options, ANSWER: X (several letters → multiple choice).

    Every malformed block is one error with its line; its lines never join the next question.
    """
    p = Path(path)
    name = str(p)
    questions: list[Question] = []
    problems: list[DataError] = []
    count = 0
    cur: _AikenBlock | None = None

    def fail(block: _AikenBlock, msg: str, row: int, fld: str | None = None, expected: str | None = None):
        if block.error is None:
            block.error = DataError(msg, file=name, row=row, field=fld, expected=expected)

    def close(answer: tuple[int, str] | None):
        nonlocal cur, count
        block, cur = cur, None
        if block is None:
            return
        count += 1
        if block.error is None and answer is None:
            fail(block, "这道题没有 ANSWER: 行就结束了", block.start, "answer", "选项之后写 ANSWER: 字母")
        if block.error is None and len(block.options) < 2:
            fail(block, f"这道题只有 {len(block.options)} 个选项", block.start, "options", "至少两行 A. … B. …")
        if block.error is None and answer is not None:     # no answer: the error is already set above
            try:
                questions.append(_aiken_question(block, answer, count, name))
            except DataError as e:
                block.error = e
        if block.error is not None:
            problems.append(block.error)

    for no, line in enumerate(_read_text(p).split("\n"), 1):
        if not line.strip():
            if cur is not None and not cur.options:
                cur.gap = True
            continue
        am = _AIKEN_ANSWER.match(line)
        om = _AIKEN_OPTION.match(line)
        if am:
            if cur is None:
                problems.append(DataError("ANSWER: 行前面没有题目（题目没有开始）", file=name, row=no, field="answer",
                                          expected="题干、A. B. … 选项，最后 ANSWER: 字母"))
                continue
            close((no, am.group(1)))
        elif om and cur is not None and cur.stem:
            letter = om.group(1).upper()
            expected = LETTERS[len(cur.options)] if len(cur.options) < len(LETTERS) else "?"
            if letter != expected:
                fail(cur, f"选项字母应为 {expected}，却是 {letter}", no, "options", "选项按 A. B. C. … 顺序排列")
            cur.options.append(norm_text(om.group(2)))
        elif om and cur is None and om.group(1).upper() == "A":
            cur = _AikenBlock(no)
            fail(cur, "选项前面没有题干（题目没有开始）", no, "stem", "先写题干一行，再写 A. B. … 选项")
            cur.stem.append("?")
        else:
            if cur is not None and (cur.options or cur.gap):
                # A new question starts before this one got its ANSWER line.
                if cur.options:
                    fail(cur, f"这道题没有 ANSWER: 行，第 {no} 行就开始了下一题", cur.start, "answer",
                         "每道题的选项之后写 ANSWER: 字母")
                else:
                    fail(cur, "只有题干，没有选项和 ANSWER: 行", cur.start, "options", "A. … B. … 选项和 ANSWER: 行")
                close(None)
            if cur is None:
                cur = _AikenBlock(no)
            cur.stem.append(line.strip())
    close(None) if cur is not None else None
    return _finish(questions, problems, p.stem, name)


def _aiken_question(block: _AikenBlock, answer: tuple[int, str], n: int, name: str) -> Question:
    try:
        idx = parse_letters(answer[1], len(block.options))
    except ValueError as e:
        raise DataError(str(e), file=name, row=answer[0], field="answer",
                        expected=f"A–{LETTERS[len(block.options) - 1]} 中的字母") from None
    stem = norm_text(" ".join(block.stem))
    m = re.match(r"^(?:\d+[.、．)）]\s*)", stem)
    if m:
        stem = stem[m.end():]
    q = Question(id=f"K{n:03d}", type="single" if len(idx) == 1 else "multiple", stem=stem, options=block.options,
                 answer=idx[0] if len(idx) == 1 else idx, source=name, line=block.start)
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


def read_sheet(path: str | Path, *, sheet: str | None = None) -> ImportResult:
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
    if qtype == "matching":
        raise err("表格中不能写匹配题（左右两栏的对应关系写不进一个答案格）", "type",
                  "用 YAML 题库的 pairs 或 GIFT 的 {=左 -> 右} 写匹配题")
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


def load_bank(path: str | Path, *, fmt: str | None = None) -> Bank:
    """Read a bank from YAML, a folder of YAML files, or GIFT/Aiken/XLSX (by suffix or fmt)."""
    p = resolve_bank_path(path)
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.suffix.lower() in (".yaml", ".yml") and not f.name.startswith("."))
        if not files:
            raise DataError("文件夹里没有 .yaml 题库文件", file=str(p))
        banks, problems = [], []
        for f in files:
            try:
                banks.append(load_yaml_bank(f))
            except BankError as e:
                problems.extend(e.problems)
            except DataError as e:
                problems.append(e)
        if problems:
            raise BankError(problems)
        bank = Bank([q for b in banks for q in b.questions], next((b.title for b in banks if b.title), ""), str(p))
    elif (fmt or "").lower() in ("", "yaml", "yml", "json") and p.suffix.lower() in (".yaml", ".yml", ".json"):
        bank = load_yaml_bank(p)
    else:
        bank = import_file(p, fmt=fmt)
    if not bank.questions:
        raise DataError("题库里没有题目", file=str(p))
    check_unique(bank.questions)
    return bank
