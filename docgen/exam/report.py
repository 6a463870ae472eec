"""Grading outputs: scores.xlsx/.csv, items.csv, options.csv, groups.csv, problems.csv, summary.json,
the score histogram and report.pdf — every file lists the same rows of the answers sheet."""
from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from functools import partial
from fractions import Fraction
from pathlib import Path
from typing import Callable, Sequence

from .. import model as m
from ..writers import atomic_write, output_dir
from ..writers.pdf import write_pdf
from .build import fmt_points
from .grade import TYPE_SHORT, Candidate, GradeResult, r

BINS = [(lo, lo + 9) for lo in range(0, 90, 10)] + [(90, 100)]
PARTIAL_TEXT = {"none": "多选题全部选对才得分", "half": "多选题少选得一半分", "ratio": "多选题少选按选对比例得分"}
#: A cell of a score list, CSV file or report table (Decimal: a number Excel should see as one).
Value = str | int | Decimal
Row = list[Value]
FLAG_KIND = {"miskey": "请核对答案", "easy": "过易", "hard": "过难", "distractor": "干扰项无效"}


def histogram_counts(percents: list[Decimal]) -> list[int]:
    """Candidates per band of ten on the percent scale (0–9, …, 80–89, 90–100)."""
    counts = [0] * len(BINS)
    for p in percents:
        i = min(int(p // 10), len(BINS) - 1)
        counts[i] += 1
    return counts


def nice_step(top: int, ticks: int = 5) -> int:
    """A round tick step (1, 2, 5, 10, 20, 50, …) giving at most `ticks` intervals up to top."""
    step = 1
    while True:
        for f in (1, 2, 5):
            if -(-top // (step * f)) <= ticks:
                return step * f
        step *= 10


def histogram_png(percents: list[Decimal], pass_mark: Decimal, path: Path, font_path: Path | None = None) -> Path:
    """Draw the score histogram: bars per band with counts, titled axes, round ticks, the pass line."""
    from PIL import Image, ImageDraw, ImageFont
    counts = histogram_counts(percents)
    w, h = 1800, 820
    left, right, top, bottom = 170, 40, 70, 150
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    try:
        font = ImageFont.truetype(str(font_path), 34) if font_path else ImageFont.load_default()
    except OSError:
        font = ImageFont.load_default()
    step = nice_step(max(max(counts), 1))
    ymax = step * (-(-max(max(counts), 1) // step))
    plot_w, plot_h = w - left - right, h - top - bottom
    bar_w = plot_w / len(BINS)

    def y_of(v: float) -> float:
        return top + plot_h * (1 - v / ymax)

    for v in range(0, ymax + 1, step):
        y = y_of(v)
        d.line([(left, y), (w - right, y)], fill=(215, 215, 215), width=2)
        label = str(v)
        d.text((left - 16 - d.textlength(label, font=font), y - 20), label, fill="black", font=font)
    for i, c in enumerate(counts):
        x0, x1 = left + i * bar_w + bar_w * 0.12, left + (i + 1) * bar_w - bar_w * 0.12
        if c:
            d.rectangle([x0, y_of(c), x1, y_of(0)], fill=(70, 110, 170), outline="black", width=2)
            label = str(c)
            d.text(((x0 + x1) / 2 - d.textlength(label, font=font) / 2, y_of(c) - 44), label, fill="black", font=font)
        label = f"{BINS[i][0]}-{BINS[i][1]}"
        d.text((left + (i + 0.5) * bar_w - d.textlength(label, font=font) / 2, h - bottom + 14), label,
               fill="black", font=font)
    d.line([(left, top), (left, h - bottom), (w - right, h - bottom)], fill="black", width=3)
    xt = "百分制成绩（分）"
    d.text((left + plot_w / 2 - d.textlength(xt, font=font) / 2, h - bottom + 70), xt, fill="black", font=font)
    yt = "人数"
    for k, ch in enumerate(yt):          # the y title reads top to bottom, one character a line
        d.text((30, top + plot_h / 2 - 40 + k * 42), ch, fill="black", font=font)
    # Bands are ten points wide and the last (90–100) takes the last bar, so 100 is the right edge.
    px = left + min(float(pass_mark) / 10, len(BINS)) * bar_w
    for y in range(top, h - bottom, 24):
        d.line([(px, y), (px, min(y + 12, h - bottom))], fill=(200, 40, 40), width=4)
    pl = f"及格线 {fmt_points(pass_mark)}"
    lw = d.textlength(pl, font=font)
    d.text((px + 10 if px + 10 + lw < w - right else px - 10 - lw, top - 50), pl, fill=(200, 40, 40), font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(200, 200))
    atomic_write(path, lambda tmp: Path(tmp).write_bytes(buf.getvalue()))
    return path


def _save_text(tmp: str | Path, text: str) -> None:
    Path(tmp).write_text(text, encoding="utf-8", newline="")


def _csv_text(rows: Sequence[Sequence[Value]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    # BOM so Excel opens the Chinese headers as UTF-8.
    return "\ufeff" + buf.getvalue()


def ranked_rows(res: GradeResult) -> list[Candidate]:
    """Graded rows by rank (ties in sheet order), then absent, then rows not graded."""
    graded = sorted(res.candidates, key=lambda c: (c.rank, c.line))
    return graded + res.absent + res.rejected


def _note(c: Candidate) -> str:
    if c.status == "rejected":
        return c.error.message if c.error else ""
    if c.status == "absent":
        return "没有任何作答，按缺考处理，不计入统计"
    return "；".join(f"第 {u.number} 题（{u.id}）「{u.raw}」{u.reason}" for u in c.unreadable)


SCORE_HEAD = ["排名", "姓名", "工号", "部门", "试卷", "客观题得分", "主观题得分", "总分", "满分", "百分制得分",
              "是否及格", "未评分题", "行号", "说明"]


def _score_row(c: Candidate, ids: list[str]) -> Row:
    row: Row
    if c.status != "graded":
        row = ["", c.name, c.staff_id, c.department, c.version, "", "", "", fmt_points(c.full) if c.full else "",
               "", c.result_text(), "", c.line, _note(c)]
        return row + [""] * len(ids)
    row = [c.rank, c.name, c.staff_id, c.department, c.version, fmt_points(c.objective),
           fmt_points(c.subjective), fmt_points(c.total), fmt_points(c.full), str(c.percent),
           c.result_text(), "、".join(c.ungraded), c.line, _note(c)]
    row.extend("" if (x := c.scores.get(i)) is None else fmt_points(x) for i in ids)
    return row


def scores_rows(res: GradeResult, ranked: bool = True) -> list[Row]:
    """The score list: every row of the sheet (by rank, or in the sheet's order), then each question's score."""
    ids = [it.id for it in res.order]
    rows = ranked_rows(res) if ranked else res.rows
    head: Row = [*SCORE_HEAD, *ids]
    return [head] + [_score_row(c, ids) for c in rows]


def items_rows(res: GradeResult) -> list[Row]:
    """items.csv: one row per question in the first version's order."""
    flags: dict[str, list[str]] = {}
    for f in res.analysis.flags:
        flags.setdefault(f.id, []).append(FLAG_KIND[f.kind])
    rows: list[Row] = [["题号", "题目编号", "题型", "分值", "主题", "作答人数", "平均得分", "难度p", "高分组p", "低分组p",
             "区分度D", "点二列r", "空答率", "无法识别", "评价", "标记"]]
    for s in res.items:
        rows.append([s.number, s.id, TYPE_SHORT.get(s.type, s.type), fmt_points(s.points), "、".join(s.tags), s.n,
                     r(s.mean, 2) or "", r(s.p, 3) or "", r(s.p_upper, 3) or "", r(s.p_lower, 3) or "",
                     r(s.d, 3) or "", r(s.r_it, 3) or "", r(s.blank_rate, 3) or "", s.unreadable, s.verdict(),
                     "、".join(flags.get(s.id, []))])
    return rows


def options_rows(res: GradeResult) -> list[Row]:
    """options.csv: for each choice and true/false question, how many chose each option (first version's letters)."""
    rows: list[Row] = [["题号", "题目编号", "选项", "内容", "正确答案", "人数", "比例"]]
    for s in res.items:
        if s.options is None:
            continue
        n = s.n
        for o in s.options:
            rows.append([s.number, s.id, o.letter, o.text, "是" if o.correct else "", o.count,
                         r(Fraction(o.count, n), 3) if n else ""])
        for label, count in (("空白", s.blanks), ("无法识别", s.unreadable)):
            rows.append([s.number, s.id, label, "", "", count, r(Fraction(count, n), 3) if n else ""])
    return rows


def groups_rows(res: GradeResult) -> list[Row]:
    """groups.csv: scores by topic tag (share of points earned) and by department (mean, pass rate)."""
    rows: list[Row] = [["类别", "名称", "题数或人数", "得分率或平均分", "及格人数", "及格率"]]
    for t in res.analysis.topics:
        rows.append(["主题", t.name, t.n, r(t.rate * 100, 1) if t.rate is not None else "", "", ""])
    for d in res.analysis.departments:
        rows.append(["部门", d.name, d.n, r(d.rate * 100, 1), d.passed, r(Fraction(d.passed * 100, d.n), 1)])
    return rows


def problems_rows(res: GradeResult) -> list[Row]:
    """problems.csv: rows not graded, unreadable answers, absent candidates and unmarked questions."""
    rows: list[Row] = [["类别", "行号", "姓名", "工号", "试卷", "题号", "题目编号", "列", "所填内容", "原因"]]
    by_id = {it.id: it for it in res.order}
    for c in res.rows:
        if c.status == "rejected":
            assert c.error is not None, "a rejected row carries its error"
            rows.append(["未评分的行", c.line, c.name, c.staff_id, c.version, "", "", c.error.field or "", "",
                         c.error.message + (f"（应为：{c.error.expected}）" if c.error.expected else "")])
        elif c.status == "absent":
            rows.append(["缺考", c.line, c.name, c.staff_id, c.version, "", "", "", "", "没有任何作答，不计入统计"])
        else:
            for u in c.unreadable:
                rows.append(["无法识别的答案", u.line, u.name, u.staff_id, u.version, u.number, u.id, u.column,
                             u.raw, u.reason + "，按 0 分计"])
            for qid in c.ungraded:
                why = "答卷表没有这一题的列" if qid not in c.blanks else "主观题未评分"
                rows.append(["未评分的题", c.line, c.name, c.staff_id, c.version, "", qid, "", "",
                             f"{why}，按 0 分计入总分（{by_id[qid].type == 'short' and '简答题' or '客观题'}）"])
    return rows


def _table(rows: Sequence[Sequence[Value]], widths: list[float], size: float = 9, header_rows: int = 1,
           bold_cells: set[tuple[int, int]] | None = None) -> m.Table:
    cells = [[m.Cell([m.Text(str(v))] if str(v) else [],
                     bold=ri < header_rows or (ri, ci) in (bold_cells or set())) for ci, v in enumerate(row)]
             for ri, row in enumerate(rows)]
    return m.Table(cells, widths=widths, header_rows=header_rows, size=size)


def _heading(text: str) -> m.Paragraph:
    return m.Paragraph([m.Text(text, bold=True)], indent=0, hei=True, keep_with_next=True, space_before=8)


def _para(text: str, size: float = 10.5, keep: bool = False) -> m.Paragraph:
    return m.Paragraph([m.Text(text)], indent=2, size=size, space_before=3, keep_with_next=keep)


def report_document(res: GradeResult, histogram: Path, title: str = "考试成绩分析报告",
                    org_name: str = "") -> m.Document:
    """report.pdf: summary and notices, the flag list, histogram, item analysis, groups, problems, every row."""
    from .layout import page_setup
    page = page_setup(False)
    page.page_numbers = "auto"
    s = res.summary()
    a = res.analysis
    blocks: list[m.Block] = []
    if org_name:
        blocks.append(m.Paragraph([m.Text(org_name)], align="center", indent=0, size=10.5))
    blocks.append(m.Heading(1, [m.Text(title)], size=18))
    blocks.append(m.Paragraph([m.Text(f"答案：{Path(res.key_file).name}　答卷：{Path(res.responses_file).name}　"
                                      f"满分{fmt_points(res.order_total())}分，按百分制{fmt_points(res.pass_mark)}分及格，"
                                      f"{PARTIAL_TEXT.get(res.partial, res.partial)}。")],
                              align="center", indent=0, size=9, space_after=6))
    blocks.append(_heading("一、总体情况"))
    head = ["答卷行数", "参加人数", "缺考", "未评分", "平均分", "标准差", "最高分", "最低分", "中位数", "及格人数", "及格率"]
    vals = [s["rows"], s["candidates"], s["absent"], s["errors"]]
    vals += ([s["mean"], s["sd"], s["max"], s["min"], s["median"], s["passed"], f"{s['pass_rate']}%"]
             if s["candidates"] else ["—"] * 7)
    blocks.append(_table([head, vals], [1.1] + [1] * 10, size=9))
    notes = ["分数均为百分制；统计只计参加人数，缺考和未评分的行不计入。"]
    if a.alpha is not None:
        notes.append(f"信度 Cronbach α = {r(a.alpha, 3)}（{a.alpha_k} 道题，按实际得分，含部分得分）；"
                     f"KR-20 = {r(res.kr20, 3) if res.kr20 is not None else '无法计算'}（{res.kr20_k} 道客观题按对错计）；"
                     f"测量标准误 SEM = {r(a.sem, 2)} 分（这 {a.alpha_k} 道题满分 {fmt_points(a.alpha_full)} 分）。")
    else:
        notes.append("人数或题数太少，无法计算信度。")
    if s.get("ungraded_candidates"):
        notes.append(f"有 {s['ungraded_candidates']} 人有未评分的题，按 0 分计入总分。")
    blocks.append(_para("".join(notes)))
    warn = list(res.notices)
    if res.errors:
        warn.append(f"答卷表中有 {len(res.errors)} 行未能评分，见第六部分和 problems.csv。")
    if res.unreadable:
        warn.append(f"有 {len(res.unreadable)} 个答案无法识别，按 0 分计，见第六部分和 problems.csv。")
    if res.unused_columns:
        warn.append("答卷表中这些列不是题目，未使用：" + "、".join(f"「{h}」" for h in res.unused_columns) + "。")
    for w in warn:
        blocks.append(m.Paragraph([m.Text("注意：", bold=True), m.Text(w)], indent=2, size=10.5, space_before=3))
    blocks.append(_heading("二、需要注意的试题"))
    if a.flags:
        blocks.append(_para("下列试题按统计结果需要复核：区分度为负或接近零的多半是答案标错或题意不清（请核对答案）；"
                            "p > 0.9 过易，p < 0.2 过难；无人选择的干扰项不起作用。", size=9, keep=True))
        rows: list[Row] = [["题号", "题目编号", "问题", "说明"]]
        rows += [[f.number, f.id, FLAG_KIND[f.kind], f.message] for f in a.flags]
        blocks.append(_table(rows, [0.8, 1.4, 1.4, 6.4]))
    else:
        blocks.append(_para("没有需要复核的试题。"))
    if res.candidates:
        blocks.append(_heading("三、成绩分布"))
        blocks.append(m.KeepTogether([
            m.Image(histogram, width=150 * m.MM),
            m.Paragraph([m.Text(f"图 百分制成绩分布（每段人数；红色虚线为及格线 {fmt_points(res.pass_mark)} 分）")],
                        align="center", indent=0, size=9)]))
    blocks.append(_heading("四、试题分析"))
    blocks.append(_para(
        "难度 p 为平均得分率；区分度 D 为高分组（总分前 27%）与低分组（后 27%）得分率之差，"
        "D 在 0.40 及以上为优良，0.30 至 0.39 良好，0.20 至 0.29 尚可，低于 0.20 宜修改或淘汰；点二列 r 为本题得分与"
        "其余各题总分的相关系数（校正的题总相关）；空答率为未作答的比例。题号按第一个版本的顺序。", size=9, keep=True))
    rows = [[row[i] for i in (0, 1, 2, 3, 5, 7, 8, 9, 10, 11, 12, 14)] for row in items_rows(res)]
    blocks.append(_table(rows, [0.7, 1.3, 0.7, 0.7, 0.7, 0.8, 0.9, 0.9, 0.9, 0.9, 0.9, 1.7], size=8))
    opt: list[Row] = [[s.number, s.id, "，".join(f"{o.letter} {o.count}{'*' if o.correct else ''}" for o in s.options),
            s.blanks, s.unreadable] for s in res.items if s.options is not None]
    if opt:
        blocks.append(_para("选项分布（第一个版本的选项字母；带 * 的为正确答案，判断题为 对/错）：", size=9, keep=True))
        opt_head: Row = ["题号", "题目编号", "各选项人数", "空白", "无法识别"]
        blocks.append(_table([opt_head, *opt], [0.8, 1.4, 5.6, 0.9, 1.1]))
    blocks.append(_heading("五、按主题和部门"))
    if a.topics:
        rows = [["主题", "题数", "分值", "得分率"]]
        rows += [[t.name, t.n, fmt_points(t.full), f"{r(t.rate * 100, 1)}%"
                                                      if t.rate is not None else "—"] for t in a.topics]
        blocks.append(_table(rows, [3, 1, 1, 1.5]))
    else:
        blocks.append(_para("key.json 中的题目没有主题标签。"))
    if a.departments:
        rows = [["部门", "人数", "平均分", "及格人数", "及格率"]]
        rows += [
            [d.name, d.n, r(d.rate * 100, 1), d.passed, f"{r(Fraction(d.passed * 100, d.n), 1)}%"]
            for d in a.departments]
        blocks.append(m.Spacer(6))
        blocks.append(_table(rows, [3, 1, 1.2, 1.2, 1.2]))
    blocks.append(_heading("六、缺考、未评分的行和无法识别的答案"))
    probs = problems_rows(res)
    if len(probs) > 1:
        rows = [[p[0], p[1], p[2], (f"{p[5]}（{p[6]}）" if p[5] else p[6]), p[8], p[9]] for p in probs]
        blocks.append(_table(rows, [1.5, 0.7, 1.2, 1.4, 1.6, 4.0], size=8))
    else:
        blocks.append(_para("没有。每一行、每个答案都按所填内容评了分。"))
    blocks.append(_heading("七、个人成绩"))
    people: list[Row] = [["排名", "姓名", "工号", "部门", "试卷", "客观题", "主观题", "总分", "百分制", "结果"]]
    for c in ranked_rows(res):
        if c.status != "graded":
            people.append(["", c.name, c.staff_id, c.department, c.version, "", "", "", "", c.result_text()])
            continue
        people.append([c.rank, c.name, c.staff_id, c.department, c.version, fmt_points(c.objective),
                       fmt_points(c.subjective), fmt_points(c.total), c.percent,
                       c.result_text() + ("（有题未评）" if c.ungraded else "")])
    blocks.append(_table(people, [0.7, 1.4, 1.1, 1.4, 0.7, 1.0, 1.0, 0.9, 1.0, 1.8]))
    return m.Document(blocks, page=page, title=title)


_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?")


def _width(v) -> int:
    """Column width in Excel units: a Chinese character counts two."""
    return sum(2 if ord(ch) > 0x2e80 else 1 for ch in str(v))


def _xlsx(res: GradeResult, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    wb = Workbook()
    ids = len(SCORE_HEAD)
    sheets: list[tuple[str, list[Row], Callable[[int], bool]]] = [("答卷顺序", scores_rows(res, ranked=False), lambda i: 5 <= i <= 9 or i >= ids),
              ("排名", scores_rows(res), lambda i: 5 <= i <= 9 or i >= ids),
              ("试题分析", items_rows(res), lambda i: 6 <= i <= 12),
              ("选项分布", options_rows(res), lambda i: i == 6),
              ("主题与部门", groups_rows(res), lambda i: i in (3, 5)),
              ("问题", problems_rows(res), lambda i: False)]
    for n, (name, rows, numeric) in enumerate(sheets):
        ws = wb.active if n == 0 else wb.create_sheet()
        ws.title = name
        for ri, row in enumerate(rows):
            ws.append([Decimal(v) if ri and numeric(i) and isinstance(v, str) and _NUMBER.fullmatch(v) else v
                       for i, v in enumerate(row)])
        ws.freeze_panes = "A2"
        for c in ws[1]:
            c.font = Font(bold=True)
        for i, head in enumerate(rows[0]):
            longest = max(_width(row[i]) for row in rows[:200] if i < len(row))
            ws.column_dimensions[get_column_letter(i + 1)].width = min(max(longest + 2, 6), 60)
    atomic_write(path, lambda tmp: wb.save(tmp))


def summary_data(res: GradeResult) -> dict:
    """training-summary.json: the data `docgen render training-summary` takes as it is (pass decided here, by grade)."""
    s = res.summary()
    data = {k: s[k] for k in ("pass_mark", "full_marks", "candidates", "absent", "passed", "pass_rate", "mean")
            if k in s}
    if s["candidates"]:
        data.update(high=s["max"], low=s["min"])
    data["results"] = [{"rank": c.rank if c.status == "graded" else None, "name": c.name, "staff_no": c.staff_id,
                        "dept": c.department, "version": c.version,
                        "total": fmt_points(c.total) if c.status == "graded" else None,
                        "percent": str(c.percent) if c.status == "graded" else None,
                        "status": c.result_text(), "note": _note(c)} for c in ranked_rows(res)]
    return data


def write_reports(res: GradeResult, out: Path, *, title: str = "考试成绩分析报告", org_name: str = "",
                  fonts=None) -> list[Path]:
    """Write scores.xlsx/.csv, items.csv, options.csv, groups.csv, problems.csv, summary.json,
    training-summary.json, histogram.png, report.pdf."""
    from ..writers.pdf.fonts import fontset
    fonts = fonts or fontset()
    output_dir(out)
    written = []
    _xlsx(res, out / "scores.xlsx")
    written.append(out / "scores.xlsx")
    for name, rows in (("scores.csv", scores_rows(res)), ("items.csv", items_rows(res)),
                       ("options.csv", options_rows(res)), ("groups.csv", groups_rows(res)),
                       ("problems.csv", problems_rows(res))):
        text = _csv_text(rows)
        atomic_write(out / name, partial(_save_text, text=text))
        written.append(out / name)
    summary = json.dumps(res.summary(), ensure_ascii=False, indent=1)
    atomic_write(out / "summary.json", lambda tmp: Path(tmp).write_text(summary, encoding="utf-8"))
    written.append(out / "summary.json")
    roster = json.dumps(summary_data(res), ensure_ascii=False, indent=1)
    atomic_write(out / "training-summary.json", lambda tmp: Path(tmp).write_text(roster, encoding="utf-8"))
    written.append(out / "training-summary.json")
    hist = histogram_png([c.percent for c in res.candidates], res.pass_mark, out / "histogram.png", fonts.hei.path)
    written.append(hist)
    doc = report_document(res, hist, title, org_name)
    atomic_write(out / "report.pdf", lambda tmp: write_pdf(doc, tmp, fonts=fonts))
    written.append(out / "report.pdf")
    return written
