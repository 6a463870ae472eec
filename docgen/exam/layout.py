"""Exam layouts as document-model Documents: the paper (试卷), the key (参考答案及评分标准), the answer sheet.

The writers draw them, so every layout comes in PDF and DOCX. The paper never carries an
answer: brackets and blanks are empty, model answers and scoring points go only to the key.
"""
from __future__ import annotations

import math

from .. import model as m
from ..model import walk
from ..engine.filters import cn_number
from .bank import BLANK, BRACKET, LETTERS
from .build import Item, Paper, Section, fmt_points

SMALL = 10.5      # 五号
BODY = 12.0       # 小四
ANSWER_BRACKET = "（\u3000\u3000）"
FILL = "＿"
# The answer sheet's marks: a letter (or √ ×) in square brackets, and the 填涂说明 names that shape.
MARK_OPEN, MARK_CLOSE = "[", "]"
MARK_SHAPE = f"方括号“{MARK_OPEN}　{MARK_CLOSE}”"
SECRET = "保密"


def page_setup(seal_line: bool = False) -> m.PageSetup:
    """A4 for exam papers: 小四 text, narrower margins than letters, page numbers always."""
    return m.PageSetup(top=20 * m.MM, bottom=20 * m.MM, left=(34 if seal_line else 22) * m.MM,
                       right=20 * m.MM, body_size=BODY, line_spacing=1.6, page_numbers="always",
                       seal_line=seal_line)


def text_chars(page: m.PageSetup, size: float | None = None) -> int:
    """How many full-width characters fit on one line of the text block."""
    size = size or page.body_size
    return int((page.width - page.left - page.right) / size)


def display_width(text: str) -> float:
    """Width of text in full-width characters (Latin and digits count as half)."""
    return sum(0.5 if ord(c) < 0x2e80 else 1.0 for c in text)


def blank_chars(accepted: list[str]) -> int:
    """Underline width for a blank: the longest accepted answer plus room to write, at least 4."""
    return max(4, math.ceil(max(display_width(a) for a in accepted) * 1.3) + 2)


def _p(text_or_inlines, *, size=None, align="left", indent=0.0, bold=False, hei=False, before=0.0, after=0.0,
       keep=False) -> m.Paragraph:
    inl = [m.Text(text_or_inlines)] if isinstance(text_or_inlines, str) else text_or_inlines
    return m.Paragraph(inl, align=align, indent=indent, size=size, bold=bold, hei=hei, space_before=before,
                       space_after=after, keep_with_next=keep)


def _cell(text: str = "", **kw) -> m.Cell:
    return m.Cell([m.Text(text)] if text else [], **kw)


def score_text(points) -> m.Text:
    """（10分） as one unbreakable run: a score never splits across lines."""
    return m.Text(f"（{fmt_points(points)}分）", nobreak=True)


# ---------------------------------------------------------------- paper

def rich(text: str, q) -> list[m.Inline]:
    """Question text as inlines: **bold** prints bold when the question's format is markdown."""
    if q.format != "markdown" or "**" not in text:
        return [m.Text(text)]
    parts = text.split("**")
    if len(parts) % 2 == 0:          # an unpaired ** is text
        return [m.Text(text)]
    return [m.Text(p, bold=bool(i % 2)) for i, p in enumerate(parts) if p]


def stem_inlines(item: Item) -> list[m.Inline]:
    """The numbered stem as printed on the paper: empty brackets for choice, sized underlines for blanks."""
    q = item.question
    head = m.Text(f"{item.number}. ")
    if q.type in ("single", "multiple", "truefalse"):
        parts = BRACKET.split(q.stem) if BRACKET.search(q.stem) else [q.stem, ""]
        out: list[m.Inline] = [head]
        for i, part in enumerate(parts):
            if part:
                out.extend(rich(part, q))
            if i < len(parts) - 1:
                out.append(m.Text(ANSWER_BRACKET, nobreak=True))
        return out
    if q.type == "blank":
        parts = BLANK.split(q.stem)
        out = [head]
        for i, part in enumerate(parts):
            if part:
                out.extend(rich(part, q))
            if i < len(parts) - 1:
                # Drawn as full-width low lines (＿), as typed in Word papers: the blank stays a run of
                # characters, so a following ，or 。 is plainly inside the line and copy-paste shows the gap.
                out.append(m.Text(FILL * blank_chars(q.answer[i]), nobreak=True))
        return out
    if q.type == "matching":
        return [head, *rich(q.stem, q)]
    return [head, *rich(q.stem, q), score_text(item.points)]


def option_label(i: int) -> str:
    """'A. ' — the label run before an option's text."""
    return f"{LETTERS[i]}. "


def _item_blocks(item: Item, page: m.PageSetup, head: list[m.Block] | None = None) -> list[m.Block]:
    q = item.question
    blocks: list[m.Block] = list(head or [])
    blocks.append(_p(stem_inlines(item), align="justify", keep=bool(q.options) or q.type == "short"))
    if q.type in ("single", "multiple"):
        blocks.append(m.Columns([[m.Text(option_label(i)), *rich(o, q)] for i, o in enumerate(item.options)], n=0,
                                indent=2.0, hanging=True))
    elif q.type == "matching":
        blocks.append(matching_table(item))
    elif q.type == "short":
        lines = min(10, max(4, int(item.points)))
        width = text_chars(page) - 3
        for _ in range(lines):
            blocks.append(_p([m.Blank(width)], indent=2.0))
    blocks.append(m.Spacer(3))
    return [m.KeepTogether(blocks)]


def matching_table(item: Item) -> m.Table:
    """A 匹配题: numbered left column with an answer bracket each, the right column lettered in printed order."""
    q = item.question
    left = [[m.Text(f"（{i + 1}）"), *rich(text, q), m.Text(ANSWER_BRACKET)] for i, text in enumerate(q.left)]
    right = [[m.Text(f"{LETTERS[i]}. "), *rich(text, q)] for i, text in enumerate(item.options)]
    rows = []
    for k in range(max(len(left), len(right))):
        rows.append([m.Cell(left[k] if k < len(left) else [], align="left"),
                     m.Cell(right[k] if k < len(right) else [], align="left")])
    return m.Table(rows, widths=[1.1, 1.0], border=False, align="left", size=BODY)


def blank_key_parts(item: Item) -> list[str]:
    """A fill-in item's key per blank: the answer, other accepted answers, tolerance and partial credit."""
    q = item.question
    parts = []
    for bi, alts in enumerate(q.answer):
        label = f"（{bi + 1}）" if len(q.answer) > 1 else ""
        if q.numeric:
            text = "；".join(_range_key(r) for r in q.numeric)
        else:
            more = f"（也可答：{'、'.join(alts[1:])}）" if len(alts) > 1 else ""
            text = f"{alts[0]}{more}"
        credit = q.credit[bi] if q.credit and bi < len(q.credit) else {}
        if credit:
            text += "；" + "，".join(f"答“{a}”得{_pct(p)}" for a, p in credit.items())
        parts.append(label + text)
    return parts


def _pct(p) -> str:
    return f"{fmt_points(p)}%"


def _range_key(r) -> str:
    if r.value is None:
        text = f"{r.text()}之间的数"
    elif r.tolerance:
        text = f"{r.text()}（{fmt_points(r.low)}～{fmt_points(r.high)} 均可）"
    else:
        text = r.text()
    return text if r.credit == 100 else f"{text}得{_pct(r.credit)}"


def credit_notes(section: Section) -> list[m.Block]:
    """Lines under a choice key table naming the options that earn part of the points."""
    notes = []
    for item in section.items:
        q = item.question
        if q.type == "single" and q.credit:
            got = "，".join(f"选 {LETTERS[item.order.index(i)]} 得{_pct(p)}" for i, p in sorted(q.credit.items()))
            notes.append(f"{item.number}. {got}")
    if not notes:
        return []
    return [_p("部分得分：" + "；".join(notes) + "（按本题分值的百分比计）。", size=SMALL, indent=2.0)]


def matching_key(section: Section) -> list[m.Block]:
    """The key of a 匹配题 section: the letter for each left item, and each item's share of the points."""
    out: list[m.Block] = []
    for item in section.items:
        pairs = "　".join(f"（{i + 1}）{a}" for i, a in enumerate(item.answer()))
        n = len(item.question.left)
        each = item.points / n
        share = f"每项{fmt_points(each)}分" if each * 100 == (each * 100).to_integral_value() else f"每对一项得本题分值的 1/{n}"
        out.append(_p(f"{item.number}. {pairs}。（{fmt_points(item.points)}分，{share}）", align="justify"))
    return out


def _score_table(sections: list[Section]) -> m.Table:
    n = len(sections)
    header = [_cell("题号", bold=True)] + [_cell(cn_number(i + 1), bold=True) for i in range(n)] + [_cell("总分", bold=True)]
    rows = [header, [_cell("得分")] + [_cell() for _ in range(n + 1)], [_cell("评卷人")] + [_cell() for _ in range(n + 1)]]
    return m.Table(rows, widths=[1.6] + [1.0] * n + [1.3], size=SMALL, row_height=22, keep_together=True)


def _fields_line(labels: list[tuple[str, int]]) -> m.Paragraph:
    inl: list[m.Inline] = []
    for i, (label, n) in enumerate(labels):
        inl += [m.Text(("\u3000" if i else "") + label), m.Blank(n)]
    return _p(inl, size=BODY, align="center", after=6)


def paper_document(paper: Paper, org_name: str = "", seal_line: bool | None = None) -> m.Document:
    """The exam paper for one version (no answers); seal_line overrides the spec."""
    spec = paper.spec
    seal = spec.seal_line if seal_line is None else seal_line
    page = page_setup(seal)
    blocks: list[m.Block] = []
    if org_name:
        blocks.append(_p(org_name, size=SMALL, align="center"))
    title = f"{paper.title}（{paper.version}卷）"
    blocks.append(m.Heading(1, [m.Text(title)], size=18))
    if spec.subtitle:
        blocks.append(_p(spec.subtitle, size=SMALL, align="center"))
    info = []
    if paper.duration:
        info.append(f"考试时间：{paper.duration}分钟")
    info.append(f"满分：{fmt_points(paper.total)}分")
    blocks.append(_p("\u3000\u3000".join(info), size=SMALL, align="center", after=4))
    blocks.append(_fields_line([("姓名", 5), ("部门", 6), ("工号", 5), ("日期", 6)]))
    blocks.append(_score_table(paper.sections))
    if spec.notes:
        notes = [m.Text("考生须知：", bold=True)]
        for i, note in enumerate(spec.notes, 1):
            notes.append(m.Text(f"{i}. {note}"))
        if seal:
            notes.append(m.Text(f"{len(spec.notes) + 1}. 密封线内不要答题。"))
        blocks.append(_p(notes, size=SMALL, align="justify", before=6, after=4))
    for si, section in enumerate(paper.sections):
        # The section heading travels inside its first question's keep-together group, so it never
        # ends a page on its own.
        head: list[m.Block] = [_p(section.heading(si), hei=True, bold=True, before=8, keep=True)]
        if section.instructions:
            head.append(_p(f"（{section.instructions}。）", size=SMALL, indent=2.0, keep=True))
        for i, item in enumerate(section.items):
            blocks.extend(_item_blocks(item, page, head if i == 0 else None))
    return m.Document(blocks, page=page, title=title)


# ---------------------------------------------------------------- key

def tf_mark(value: bool) -> str:
    """√ or ×."""
    return "√" if value else "×"


def _answer_table(items: list[Item], per_row: int = 10) -> m.Table:
    rows = []
    for start in range(0, len(items), per_row):
        chunk = items[start:start + per_row]
        pad = per_row - len(chunk)
        rows.append([_cell("题号", bold=True)] + [_cell(str(i.number)) for i in chunk] + [_cell() for _ in range(pad)])
        answers = []
        for i in chunk:
            a = i.answer()
            answers.append(_cell(tf_mark(a) if isinstance(a, bool) else "".join(a), bold=True))
        rows.append([_cell("答案", bold=True)] + answers + [_cell() for _ in range(pad)])
    return m.Table(rows, widths=[1.4] + [1.0] * per_row, size=SMALL, row_height=20)


def _companion_head(paper: Paper, org_name: str, what: str, secret: bool = False) -> list[m.Block]:
    """Organisation, the paper's title and what this sheet is (key or answer sheet); secret marks it 保密."""
    blocks: list[m.Block] = []
    if secret:
        blocks.append(_p([m.Text(f"★{SECRET}★", bold=True), m.Text("　考试结束前不得外传")], size=SMALL, align="left",
                         indent=0))
    if org_name:
        blocks.append(_p(org_name, size=SMALL, align="center"))
    blocks.append(m.Heading(1, [m.Text(f"{paper.title}（{paper.version}卷）")], size=18))
    blocks.append(_p(what, size=15, align="center", hei=True, bold=True, after=4))
    return blocks


def key_document(paper: Paper, org_name: str = "", pass_mark=None) -> m.Document:
    """参考答案及评分标准 for one version."""
    page = page_setup(False)
    title = f"{paper.title}（{paper.version}卷）"
    blocks = _companion_head(paper, org_name, "参考答案及评分标准", secret=True)
    pm = pass_mark if pass_mark is not None else paper.spec.pass_mark
    blocks.append(_p(f"满分{fmt_points(paper.total)}分，按百分制{fmt_points(pm)}分及格。组卷种子：{paper.seed}（同一题库、"
                     f"规格和种子可重新生成完全相同的试卷）。", size=SMALL, indent=2.0, after=4))
    for si, section in enumerate(paper.sections):
        heading = _p(section.heading(si), hei=True, bold=True, before=8, keep=True)
        body: list[m.Block | list[m.Block]] = []
        if section.type in ("single", "multiple", "truefalse"):
            body.append(_answer_table(section.items))
            if section.type == "multiple":
                body.append(_p("评分：全部选对得满分；多选、少选、错选均不得分（如按部分得分阅卷，须在考前说明规则）。",
                                 size=SMALL, indent=2.0))
            body.extend(credit_notes(section))
        elif section.type == "matching":
            body.extend(matching_key(section))
        elif section.type == "blank":
            for item in section.items:
                parts = blank_key_parts(item)
                each = ""
                if len(item.question.answer) > 1:
                    each = f"，每空{fmt_points(item.points / len(item.question.answer))}分"
                body.append(_p([m.Text(f"{item.number}. {'；'.join(parts)}。"),
                                m.Text(f"（{fmt_points(item.points)}分{each}）", nobreak=True)], align="justify"))
        else:
            for item in section.items:
                q = item.question
                group: list[m.Block] = [
                    _p([m.Text(f"{item.number}. ", bold=True), m.Text(q.stem, bold=True), score_text(item.points)],
                       align="justify", keep=True)]
                if q.answer:
                    group.append(_p([m.Text("参考答案：", bold=True), m.Text(q.answer)], indent=2.0, align="justify"))
                scoring = item.scoring()
                if scoring:
                    group.append(_p([m.Text("评分要点：", bold=True)], indent=2.0, keep=True))
                    marks = "①②③④⑤⑥⑦⑧⑨⑩"
                    for pi, sp in enumerate(scoring):
                        mark = marks[pi] if pi < len(marks) else f"({pi + 1})"
                        pts = [score_text(sp.points)] if sp.points is not None else []
                        group.append(_p([m.Text(f"{mark}{sp.text}")] + pts, indent=2.0, align="justify"))
                body.append(group)
        explained = [i for i in section.items if i.question.explanation and section.type != "short"]
        if explained:
            body.append(_p("解析：", size=SMALL, bold=True, indent=2.0, keep=True))
            for item in explained:
                body.append(_p(f"{item.number}. {item.question.explanation}", size=SMALL, indent=2.0,
                                 align="justify"))
        # Keep the heading with the first thing under it. Groups (lists) stay on one page; they are
        # never nested, because ReportLab pushes a keep-together inside another to a new page.
        first: list[m.Block] = (body[0] if isinstance(body[0], list) else [body[0]]) if body else []
        groups: list[list[m.Block]] = [[heading, *first]] + [b if isinstance(b, list) else [b] for b in body[1:]]
        for g in groups:
            blocks.append(m.KeepTogether(g) if len(g) > 1 or isinstance(g[0], m.Table) else g[0])
    return m.Document(blocks, page=page, title=title + "参考答案及评分标准")


# ---------------------------------------------------------------- answer sheet

def _bubbles(item: Item) -> str:
    if item.question.type == "truefalse":
        return f"{MARK_OPEN}√{MARK_CLOSE}\u3000{MARK_OPEN}×{MARK_CLOSE}"
    return " ".join(f"{MARK_OPEN}{LETTERS[i]}{MARK_CLOSE}" for i in range(len(item.options)))


def _bubble_table(items: list[Item]) -> m.Table:
    widest = max(len(i.options) for i in items) if items[0].question.options else 2
    per_row = 4 if widest <= 4 else 3 if widest <= 6 else 2
    rows = []
    for start in range(0, len(items), per_row):
        chunk = items[start:start + per_row]
        cells = []
        for it in chunk:
            cells += [_cell(str(it.number), bold=True), _cell(_bubbles(it), align="left")]
        for _ in range(per_row - len(chunk)):
            cells += [_cell(), _cell()]
        rows.append(cells)
    return m.Table(rows, widths=[0.55, 2.45] * per_row, size=SMALL, row_height=22)


def sheet_document(paper: Paper, org_name: str = "") -> m.Document:
    """答题卡: bubbles for choice and true/false, boxes for blanks and short answers, by question number.

    It has the 密封线 with 姓名/部门/工号 on every page: loose sheets must still say whose they are."""
    page = page_setup(True)
    title = f"{paper.title}（{paper.version}卷）"
    blocks = _companion_head(paper, org_name, "答　题　卡")
    info = m.Table([[_cell("姓名", bold=True), _cell(), _cell("部门", bold=True), _cell(), _cell("工号", bold=True),
                     _cell(), _cell("试卷", bold=True), _cell(f"{paper.version}卷", bold=True)]],
                   widths=[1, 2.2, 1, 2.2, 1, 2, 1, 1.2], size=SMALL, row_height=26)
    blocks.append(info)
    blocks.append(_p([m.Text("填涂说明：", bold=True),
                      m.Text(f"选择题、判断题请用黑色笔把所选答案的{MARK_SHAPE}连同其中的字母或符号涂满"
                             f"（判断题：正确涂{MARK_OPEN}√{MARK_CLOSE}，错误涂{MARK_OPEN}×{MARK_CLOSE}），"
                             "不要只打勾或画圈；修改时擦净后重涂。填空题和简答题写在对应题号的框内。"
                             "请保持卡面整洁，不要折叠；每页左侧密封线外都要填写姓名、部门、工号。")],
                     size=SMALL, align="justify", before=4, after=4))
    for si, section in enumerate(paper.sections):
        first, last = section.items[0].number, section.items[-1].number
        rng = f"第{first}题" if first == last else f"第{first}—{last}题"
        heading = _p(f"{cn_number(si + 1)}、{section.title}（{rng}）", hei=True, bold=True, before=6, keep=True)
        if section.type in ("single", "multiple", "truefalse"):
            blocks.append(m.KeepTogether([heading, _bubble_table(section.items)]))
        elif section.type in ("blank", "matching"):
            rows = []
            for it in section.items:
                n = len(it.question.left) if it.question.type == "matching" else len(it.question.answer)
                room = 3 if it.question.type == "matching" else 9   # a letter, or a word or two
                content = "\u3000" * 16 if n == 1 else "".join(f"（{k + 1}）" + "\u3000" * room for k in range(n))
                rows.append([_cell(str(it.number), bold=True), _cell(content, align="left")])
            blocks.append(m.KeepTogether([heading, m.Table(rows, widths=[0.7, 9.3], size=SMALL, row_height=26)]))
        else:
            for i, it in enumerate(section.items):
                height = min(10, max(4, int(it.points))) * BODY * 1.6
                box = m.Frame([_p([m.Text(f"{it.number}."), score_text(it.points)], size=SMALL), m.Spacer(height)],
                              padding=6, border_width=0.75)
                # Kept together (with the heading, for the first box): a box moves to the next page whole.
                kept: list[m.Block] = [heading] if i == 0 else []
                blocks.append(m.KeepTogether(kept + [box, m.Spacer(6)]))
    return m.Document(blocks, page=page, title=title + "答题卡")


def plain_text(doc: m.Document) -> str:
    """All text a document prints (for checks that nothing leaks): every block kind, through model.walk."""
    return walk.plain_text(doc)


