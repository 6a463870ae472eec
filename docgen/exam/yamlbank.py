"""The YAML bank format: read a bank file or folder with file and line in every error; write one back.

See :mod:`.bank` for the format and docs/exam.md for every field."""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from ..errors import DataError
from .bank import (DEFAULT_POINTS, LETTERS, Bank, BankError, QType, Question, check_question, norm_text, num_out,
                   numeric_answer, parse_bool, parse_credit, parse_difficulty, parse_letters, parse_matching,
                   parse_numeric, parse_points, parse_scoring, parse_type, split_alternatives)


def _key_lines(node: yaml.Node) -> dict[str, int]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in node.value}


def question_from_mapping(item: Any, *, file: str, line: int | None, key_lines: dict[str, int] | None = None,
                          defaults: dict[QType, Decimal] | None = None, index: int = 0) -> Question:
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
            q.left, q.options, q.answer = parse_matching(item)
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
            q.credit = parse_credit(qtype, item["credit"], q.options)
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
    # node is None only for an empty document, whose data (None) is neither a list nor a mapping.
    if node is not None and isinstance(data, list):
        items, items_node, title, defaults_raw = data, node, "", None
    elif node is not None and isinstance(data, dict) and isinstance(data.get("questions"), list):
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
    questions: list[Question] = []
    problems: list[DataError] = []
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
        out["credit"] = {LETTERS[i]: num_out(p) for i, p in sorted(q.credit.items())}
    elif q.credit and q.type == "blank":
        groups = [{k: num_out(v) for k, v in g.items()} for g in q.credit]
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
