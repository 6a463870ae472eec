"""Paper assembly: pick questions by spec, shuffle per version with a seed, and write the answer key.

The same questions appear in every version; each version has its own question order within
sections and its own option order (options such as 以上都对 stay last). The key follows the
shuffle: ``key.json`` gives, per version, every question's printed options and answer.
"""
from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import DataError, Setting, Worded
from ..engine.filters import cn_number
from ..inputs.documents import read_document
from .bank import (DIFFICULTIES, LETTERS, TYPE_NAMES, TYPES, Bank, Difficulty, QType, Question, ScoringPoint,
                   norm_text, parse_difficulty, parse_points, parse_type)
from .key import KEY_FORMAT, KeyEntry, KeyExtras, KeyFile, PartialRule, check_partial, check_pass_mark
from .yamlbank import BUILTIN_DIR

VERSION_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"   # no I or O: they read as 1 and 0 on a sheet

DEFAULT_INSTRUCTIONS: dict[QType, str] = {
    "single": "下列各题只有一个正确答案，请将其字母填在括号内",
    "multiple": "下列各题有两个或两个以上正确答案，请将其字母填在括号内，多选、少选、错选均不得分",
    "truefalse": "正确的在括号内打“√”，错误的打“×”",
    "blank": "请将答案填写在横线上",
    "matching": "请从右栏中选出与左栏各项相配的一项，将其字母填在左栏的括号内",
    "short": "请简要回答下列问题",
}
DEFAULT_NOTES = [
    "答题前请将姓名、部门、工号填写清楚。",
    "请用黑色或蓝色钢笔、签字笔作答，字迹工整。",
    "选择题与判断题的答案填在题后括号内，或涂写在答题卡上。",
]


@dataclass
class SectionSpec:
    """One section of the paper as the spec asks for it."""
    type: QType
    count: int | None = None
    points: Decimal | None = None
    tags: list[str] = field(default_factory=list)
    difficulty: dict[Difficulty, Decimal] = field(default_factory=dict)
    title: str = ""
    instructions: str | None = None


# Minutes a candidate needs per question, for a spec that does not give the time (others: 1.5).
MINUTES: dict[QType, Decimal] = {"single": Decimal(1), "multiple": Decimal("1.5"), "truefalse": Decimal("0.5"), "blank": Decimal("1.5"),
           "short": Decimal(8)}


@dataclass
class Spec:
    """What to build: sections plus paper-level settings (title, time, seal line, notes)."""
    sections: list[SectionSpec]
    title: str = ""
    subtitle: str = ""
    duration: int | None = None     # minutes; None: estimated from the questions; 0: not printed
    seal_line: bool = True
    notes: list[str] = field(default_factory=lambda: list(DEFAULT_NOTES))
    shuffle_questions: bool = True
    shuffle_options: bool = True
    pass_mark: Decimal = Decimal(70)
    every_type: bool = False        # sections: all — one section per question type of the bank, every question
    notice: str = ""                # why the default spec could not be used (shown to the user)
    source: str = ""
    partial: PartialRule = "none"   # multiple choice with some right and none wrong: none | half | ratio


@dataclass
class Item:
    """A question as printed in one version: its number, points and option order."""
    number: int
    question: Question
    points: Decimal
    order: list[int]                # printed option i is question.options[order[i]]

    @property
    def options(self) -> list[str]:
        """Option texts in printed order."""
        return [self.question.options[i] for i in self.order]

    def answer(self) -> Any:
        """The key answer in printed terms: 'B', ['A','C'], True, [[accepted…]…], ['B','A',…] or the model text."""
        q = self.question
        if q.type == "single":
            return LETTERS[self.order.index(q.answer)]
        if q.type == "matching":
            return [LETTERS[self.order.index(i)] for i in q.answer]
        if q.type == "multiple":
            return sorted(LETTERS[self.order.index(i)] for i in q.answer)
        if q.type == "blank":
            return [list(alts) for alts in q.answer]
        return q.answer

    def scoring(self) -> list[ScoringPoint]:
        """The scoring points, scaled to this item's points when the spec gives the question other points."""
        sp = self.question.scoring
        known = [s.points for s in sp if s.points is not None]
        total = sum(known, Decimal(0))
        if not sp or len(known) != len(sp) or total == self.points or total == 0:
            return list(sp)
        # In halves, largest remainder first: the points add up to the item's exactly.
        halves = [p * self.points / total * 2 for p in known]      # known: every point's, in order
        whole = [int(h) for h in halves]
        for i in sorted(range(len(sp)), key=lambda i: -(halves[i] - whole[i]))[:int(self.points * 2) - sum(whole)]:
            whole[i] += 1
        return [ScoringPoint(s.text, Decimal(w) / 2) for s, w in zip(sp, whole)]

    def key_entry(self, section: int) -> KeyEntry:
        """This item's entry in key.json."""
        entry: KeyEntry = {"id": self.question.id, "number": self.number, "section": section, "type": self.question.type,
                 "points": points_json(self.points), "options": self.options, "answer": self.answer()}
        if self.question.tags:
            entry["tags"] = list(self.question.tags)
        if self.question.type == "short" and self.question.scoring:
            entry["scoring"] = [{"point": s.text, "points": points_json(s.points) if s.points is not None else None}
                                for s in self.scoring()]
        entry.update(self.credit_fields())
        return entry

    def credit_fields(self) -> KeyExtras:
        """Key fields beyond the answer: partial credit, numerical ranges, a matching question's left column."""
        q, out = self.question, KeyExtras()
        if q.type == "single" and q.credit:
            out["credit"] = {LETTERS[self.order.index(i)]: number_json(p) for i, p in sorted(q.credit.items())}
        elif q.type == "blank" and q.credit:
            out["credit"] = [{text: number_json(p) for text, p in group.items()} for group in q.credit]
        if q.numeric:
            out["numeric"] = [{"low": number_json(r.low), "high": number_json(r.high), "credit": number_json(r.credit)}
                              for r in q.numeric]
        if q.type == "matching":
            out["left"] = list(q.left)
        return out


@dataclass
class Section:
    """A section of one version: heading parts and its items in printed order."""
    type: QType
    title: str
    instructions: str
    items: list[Item]

    @property
    def total(self) -> Decimal:
        """Points of the whole section."""
        return sum((i.points for i in self.items), Decimal(0))

    def heading(self, index: int) -> str:
        """e.g. 一、单项选择题（每题2分，共20分）."""
        pts = {i.points for i in self.items}
        each = f"每题{fmt_points(next(iter(pts)))}分，" if len(pts) == 1 else ""
        return f"{cn_number(index + 1)}、{self.title}（{each}共{fmt_points(self.total)}分）"


@dataclass
class Paper:
    """One version of the paper with everything the layouts and the key need."""
    version: str
    title: str
    sections: list[Section]
    spec: Spec
    seed: int

    @property
    def total(self) -> Decimal:
        """Full marks."""
        return sum((s.total for s in self.sections), Decimal(0))

    @property
    def duration(self) -> int:
        """考试时间 in minutes: the spec's, or an estimate from the questions rounded up to 10 (0: none)."""
        if self.spec.duration is not None:
            return self.spec.duration
        need = sum((MINUTES.get(i.question.type, Decimal("1.5")) for i in self.items()), Decimal(0))
        return max(30, math.ceil(need / 10) * 10)

    def items(self) -> list[Item]:
        """All items in printed order."""
        return [i for s in self.sections for i in s.items]

    def key(self) -> list[KeyEntry]:
        """This version's list in key.json."""
        return [i.key_entry(si + 1) for si, s in enumerate(self.sections) for i in s.items]


def fmt_points(d: Decimal) -> str:
    """Points for print: 2, 1.5."""
    return str(d.quantize(Decimal(1))) if d == d.to_integral_value() else format(d.normalize(), "f")


def number_json(d: Decimal) -> int | float:
    """A Decimal for JSON: an integer, or the float whose shortest text is the same decimal."""
    return int(d) if d == d.to_integral_value() else float(d)


def points_json(d: Decimal) -> int | float:
    """Points for JSON: an integer, or a half as a float (exactly representable)."""
    return int(d) if d == d.to_integral_value() else float(d)


# ---------------------------------------------------------------- spec

BUILTIN_SPECS = {"standard": BUILTIN_DIR / "spec-standard.yaml", "full": BUILTIN_DIR / "spec-full.yaml"}


def _exam_title(bank: Bank) -> str:
    return bank.title.removesuffix("题库") + "考试" if bank.title.endswith("题库") else "岗位知识考试"


def load_spec(path: str | Path | None, bank: Bank) -> Spec:
    """Read a spec file or a built-in spec (standard, full); without one, the standard 100-point spec.

    A bank too small for the standard spec gets every question instead, and spec.notice says so."""
    if path is None:
        spec = load_spec("standard", bank)
        try:
            select(bank, spec, 0)
        except DataError as e:
            spec = load_spec("full", bank)
            spec.notice = Worded(f"题库不够组成默认的 100 分试卷（{e.message}），已收入题库中的全部题目，"
                                 "满分按各题分值合计；可用 ", Setting("spec"), " 指定组卷规格")
        return spec
    builtin = BUILTIN_SPECS.get(str(path))
    if builtin is not None and not Path(path).exists():
        spec = spec_from_mapping(read_document(builtin), str(path), default_title=_exam_title(bank))
        spec.source = ""
        return spec
    return spec_from_mapping(read_document(path), str(path))


_SPEC_KEYS = {"title", "subtitle", "duration", "seal_line", "notes", "shuffle_questions", "shuffle_options",
              "pass_mark", "partial", "sections"}
_SECTION_KEYS = {"type", "count", "points", "tags", "difficulty", "title", "instructions"}


def spec_from_mapping(data: dict, name: str = "spec", default_title: str = "岗位知识考试") -> Spec:
    """Validate a spec mapping; errors name the file and the section (sections: all takes every question)."""
    if not isinstance(data, dict):
        raise DataError("组卷规格应是一个映射", file=name, expected="title: …\nsections:\n  - type: single …")
    unknown = set(data) - _SPEC_KEYS
    if unknown:
        raise DataError(f"未知字段「{sorted(unknown)[0]}」", file=name, expected="、".join(sorted(_SPEC_KEYS)))
    raw_sections = data.get("sections")
    every_type = raw_sections == "all"
    if every_type:
        raw_sections = []
    elif not isinstance(raw_sections, list) or not raw_sections:
        raise DataError("缺少 sections（大题列表）", file=name, field="sections",
                        expected="sections:\n  - type: single\n    count: 10\n    points: 2（或 sections: all）")
    sections = []
    for i, s in enumerate(raw_sections, 1):
        where = f"sections 第 {i} 项"
        if not isinstance(s, dict):
            raise DataError(f"{where}应是映射", file=name, field="sections")
        bad = set(s) - _SECTION_KEYS
        if bad:
            raise DataError(f"{where}有未知字段「{sorted(bad)[0]}」", file=name, field="sections",
                            expected="、".join(sorted(_SECTION_KEYS)))
        try:
            t = parse_type(s.get("type"))
        except ValueError as e:
            raise DataError(f"{where}：{e}", file=name, field="type",
                            expected="single、multiple、truefalse、blank、short") from None
        sec = SectionSpec(t, title=norm_text(s.get("title")) or TYPE_NAMES[t])
        if s.get("instructions") is not None:
            sec.instructions = norm_text(s["instructions"])
        if s.get("count") is not None:
            c = s["count"]
            if isinstance(c, bool) or not isinstance(c, int) or c < 1:
                raise DataError(f"{where}：题数「{c}」应为正整数", file=name, field="count")
            sec.count = c
        if s.get("points") is not None:
            try:
                sec.points = parse_points(s["points"])
            except ValueError as e:
                raise DataError(f"{where}：{e}", file=name, field="points") from None
        tags = s.get("tags")
        if tags:
            sec.tags = [norm_text(x) for x in (tags if isinstance(tags, list) else str(tags).replace("，", ",").split(","))
                        if norm_text(x)]
        mix = s.get("difficulty")
        if mix:
            if isinstance(mix, str):
                mix = {mix: 1.0}
            if not isinstance(mix, dict):
                raise DataError(f"{where}：难度搭配应是“难度: 题数或比例”的映射", file=name, field="difficulty",
                                expected="{易: 4, 中: 4, 难: 2} 或 {易: 0.3, 中: 0.5, 难: 0.2}")
            for k, v in mix.items():
                try:
                    level = parse_difficulty(k)
                    share = Decimal(str(v))
                except (ValueError, ArithmeticError):
                    raise DataError(f"{where}：难度搭配「{k}: {v}」无法识别", file=name, field="difficulty",
                                    expected="易/中/难 对应题数或比例") from None
                if share < 0:
                    raise DataError(f"{where}：难度「{k}」的数量不能为负", file=name, field="difficulty")
                sec.difficulty[level] = share
        sections.append(sec)
    spec = Spec(sections, title=norm_text(data.get("title")) or default_title,
                subtitle=norm_text(data.get("subtitle")), source=name, every_type=every_type)
    if data.get("duration") is not None:
        d = data["duration"]
        if d is False:
            spec.duration = 0
        elif isinstance(d, bool) or not isinstance(d, int) or d <= 0:
            raise DataError(f"考试时间「{d}」应为分钟数", file=name, field="duration",
                            expected="正整数分钟数，如 90；false 表示不印考试时间")
        else:
            spec.duration = d
    for key in ("seal_line", "shuffle_questions", "shuffle_options"):
        if key in data:
            if not isinstance(data[key], bool):
                raise DataError(f"「{data[key]}」应为 true 或 false", file=name, field=key)
            setattr(spec, key, data[key])
    if "notes" in data:
        notes = data["notes"]
        spec.notes = [norm_text(n) for n in (notes if isinstance(notes, list) else [notes]) if norm_text(n)]
    if "pass_mark" in data:
        spec.pass_mark = check_pass_mark(data["pass_mark"], "pass_mark", name)
    if "partial" in data:
        spec.partial = check_partial(data["partial"], "partial", name)
    return spec


# ---------------------------------------------------------------- selection and shuffling

def _mix_counts(mix: dict[Difficulty, Decimal], count: int | None, where: str, name: str) -> dict[Difficulty, int]:
    values = list(mix.values())
    if all(v == v.to_integral_value() for v in values) and any(v >= 1 for v in values):
        counts = {k: int(v) for k, v in mix.items()}
        if count is not None and sum(counts.values()) != count:
            raise DataError(f"{where}：难度搭配合计 {sum(counts.values())} 题，与 count {count} 不符",
                            file=name, field="difficulty")
        return counts
    if count is None:
        raise DataError(f"{where}：按比例搭配难度时需要给出 count", file=name, field="count")
    total = sum(values)
    if total <= 0:
        raise DataError(f"{where}：难度比例之和应大于 0", file=name, field="difficulty")
    # Largest remainder, so the parts add up to count exactly.
    exact = {k: v / total * count for k, v in mix.items()}
    counts = {k: int(x) for k, x in exact.items()}
    rest = count - sum(counts.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - counts[k]), DIFFICULTIES.index(k)))[:rest]:
        counts[k] += 1
    return counts


def _matches(q: Question, tags: list[str]) -> bool:
    return not tags or any(t in q.tags for t in tags)


def select(bank: Bank, spec: Spec, seed: int) -> list[tuple[SectionSpec, list[Question]]]:
    """Pick each section's questions (bank order kept); a question is used at most once."""
    rng = random.Random(f"{seed}:select")
    used: set[str] = set()
    out = []
    sections = [SectionSpec(t, title=TYPE_NAMES[t]) for t in bank.types()] if spec.every_type else spec.sections
    for si, sec in enumerate(sections, 1):
        where = f"第 {si} 大题（{TYPE_NAMES[sec.type]}）"
        pool = [q for q in bank.questions if q.type == sec.type and q.id not in used and _matches(q, sec.tags)]
        scope = f"题型为 {TYPE_NAMES[sec.type]}" + (f"、标签含 {'/'.join(sec.tags)}" if sec.tags else "")
        if sec.difficulty:
            chosen: list[Question] = []
            for level, n in _mix_counts(sec.difficulty, sec.count, where, spec.source).items():
                level_pool = [q for q in pool if q.difficulty == level]
                if n > len(level_pool):
                    raise DataError(f"{where}要 {n} 道难度为「{level}」的题，题库中{scope}的只有 {len(level_pool)} 道",
                                    file=spec.source or bank.source, field="difficulty",
                                    expected="减少题数，或在题库中补充题目")
                chosen.extend(rng.sample(level_pool, n))
        elif sec.count is not None:
            if sec.count > len(pool):
                raise DataError(f"{where}要 {sec.count} 道题，题库中{scope}的只有 {len(pool)} 道",
                                file=spec.source or bank.source, field="count",
                                expected="减少题数，或在题库中补充题目")
            chosen = rng.sample(pool, sec.count)
        else:
            chosen = pool
        if not chosen:
            raise DataError(f"{where}没有可用的题目（{scope}）", file=spec.source or bank.source, field="sections")
        ids = {q.id for q in chosen}
        used |= ids
        out.append((sec, [q for q in bank.questions if q.id in ids]))
    return out


def option_order(q: Question, rng: random.Random) -> list[int]:
    """A shuffled option order; options such as 以上都对 keep their place at the end."""
    n = len(q.options)
    if n < 2 or not q.options_shufflable():
        return list(range(n))
    fixed = q.fixed_last()
    movable = [i for i in range(n) if i not in fixed]
    rng.shuffle(movable)
    return movable + fixed


def _version(letter: str, picked, spec: Spec, seed: int, attempt: int, title: str) -> Paper:
    rng = random.Random(f"{seed}:{letter}:{attempt}")
    sections, number = [], 0
    for sec, questions in picked:
        qs = list(questions)
        if spec.shuffle_questions:
            rng.shuffle(qs)
        items = []
        for q in qs:
            number += 1
            order = option_order(q, rng) if spec.shuffle_options else list(range(len(q.options)))
            items.append(Item(number, q, sec.points or q.points, order))
        instructions = sec.instructions if sec.instructions is not None else DEFAULT_INSTRUCTIONS[sec.type]
        sections.append(Section(sec.type, sec.title or TYPE_NAMES[sec.type], instructions, items))
    return Paper(letter, title, sections, spec, seed)


def _signature(p: Paper) -> tuple:
    return tuple((i.question.id, tuple(i.order)) for i in p.items())


def build_papers(bank: Bank, spec: Spec, *, versions: int = 2, seed: int | None = None) -> list[Paper]:
    """The versions A, B, … of the paper; each differs from the earlier ones whenever shuffling allows."""
    if not 1 <= versions <= len(VERSION_LETTERS):
        raise DataError(f"版本数 {versions} 超出范围", field="versions", expected=f"1 到 {len(VERSION_LETTERS)}")
    if seed is None:
        seed = random.SystemRandom().randrange(1, 10 ** 6)
    picked = select(bank, spec, seed)
    papers: list[Paper] = []
    seen: set[tuple] = set()
    for letter in VERSION_LETTERS[:versions]:
        for attempt in range(50):
            paper = _version(letter, picked, spec, seed, attempt, spec.title)
            if _signature(paper) not in seen:
                break
        seen.add(_signature(paper))
        papers.append(paper)
    return papers


def key_json(papers: list[Paper]) -> str:
    """key.json text: the grading settings of the spec and {"A": [entries in printed order], "B": […]}."""
    spec = papers[0].spec
    data: KeyFile = {"format": KEY_FORMAT, "pass_mark": points_json(spec.pass_mark), "partial": spec.partial,
            "full_marks": points_json(papers[0].total), "versions": {p.version: p.key() for p in papers}}
    return json.dumps(data, ensure_ascii=False, indent=1)


__all__ = ["Spec", "SectionSpec", "Paper", "Section", "Item", "load_spec", "spec_from_mapping", "select",
           "build_papers", "key_json", "option_order", "fmt_points", "points_json", "TYPES", "BUILTIN_SPECS"]
