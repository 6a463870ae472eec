"""Grading outputs: scores.csv, items.csv, summary.json, the score histogram and report.pdf."""
from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

from .. import model as m
from ..render import atomic_write, output_dir
from ..writers.pdf import write_pdf
from .build import fmt_points
from .grade import TYPE_SHORT, GradeResult, r

BINS = [(lo, lo + 9) for lo in range(0, 90, 10)] + [(90, 100)]


def histogram_counts(percents: list[Decimal]) -> list[int]:
    """Candidates per band of ten on the percent scale (0–9, …, 80–89, 90–100)."""
    counts = [0] * len(BINS)
    for p in percents:
        i = min(int(p // 10), len(BINS) - 1)
        counts[i] += 1
    return counts


def histogram_png(percents: list[Decimal], pass_mark: Decimal, path: Path, font_path: Path | None = None) -> Path:
    """Draw the score histogram (bars per band, count on each bar, pass mark dashed) as a PNG."""
    from PIL import Image, ImageDraw, ImageFont
    counts = histogram_counts(percents)
    w, h = 1800, 760
    left, right, top, bottom = 120, 40, 50, 110
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    try:
        font = ImageFont.truetype(str(font_path), 34) if font_path else ImageFont.load_default()
    except OSError:
        font = ImageFont.load_default()
    top_count = max(max(counts), 1)
    step = max(1, -(-top_count // 5))
    ymax = step * (-(-top_count // step))
    plot_w, plot_h = w - left - right, h - top - bottom
    bar_w = plot_w / len(BINS)

    def y_of(v: float) -> float:
        return top + plot_h * (1 - v / ymax)

    for v in range(0, ymax + 1, step):
        y = y_of(v)
        d.line([(left, y), (w - right, y)], fill=(215, 215, 215), width=2)
        label = str(v)
        tw = d.textlength(label, font=font)
        d.text((left - 16 - tw, y - 20), label, fill="black", font=font)
    for i, c in enumerate(counts):
        x0 = left + i * bar_w + bar_w * 0.12
        x1 = left + (i + 1) * bar_w - bar_w * 0.12
        if c:
            d.rectangle([x0, y_of(c), x1, y_of(0)], fill=(70, 110, 170), outline="black", width=2)
            label = str(c)
            tw = d.textlength(label, font=font)
            d.text(((x0 + x1) / 2 - tw / 2, y_of(c) - 44), label, fill="black", font=font)
        lo, hi = BINS[i]
        label = f"{lo}-{hi}"
        tw = d.textlength(label, font=font)
        d.text((left + (i + 0.5) * bar_w - tw / 2, h - bottom + 18), label, fill="black", font=font)
    d.line([(left, top), (left, h - bottom), (w - right, h - bottom)], fill="black", width=3)
    px = left + float(pass_mark) / 100 * plot_w if pass_mark < 100 else w - right
    for y in range(top, h - bottom, 24):
        d.line([(px, y), (px, min(y + 12, h - bottom))], fill=(200, 40, 40), width=4)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(200, 200))
    atomic_write(path, lambda tmp: Path(tmp).write_bytes(buf.getvalue()))
    return path


def _csv_text(rows: list[list]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    # BOM so Excel opens the Chinese headers as UTF-8.
    return "\ufeff" + buf.getvalue()


def scores_rows(res: GradeResult) -> list[list]:
    """scores.csv: one row per candidate in rank order, then each question's score (by id)."""
    ids = [it.id for it in res.order]
    rows = [["排名", "姓名", "工号", "部门", "试卷", "客观题得分", "主观题得分", "总分", "满分", "百分制得分",
             "是否及格", "未评分题", "行号"] + ids]
    for c in sorted(res.candidates, key=lambda c: (c.rank, c.line)):
        rows.append([c.rank, c.name, c.staff_id, c.department, c.version, fmt_points(c.objective),
                     fmt_points(c.subjective), fmt_points(c.total), fmt_points(c.full), c.percent,
                     "及格" if c.passed else "不及格", "、".join(c.ungraded), c.line]
                    + ["" if c.scores.get(i) is None else fmt_points(c.scores[i]) for i in ids])
    return rows


def items_rows(res: GradeResult) -> list[list]:
    """items.csv: one row per question in the first version's order."""
    rows = [["题号", "题目编号", "题型", "分值", "作答人数", "平均得分", "难度p", "高分组p", "低分组p",
             "区分度D", "评价"]]
    for s in res.items:
        rows.append([s.number, s.id, TYPE_SHORT[s.type], fmt_points(s.points), s.n, r(s.mean, 2) or "", r(s.p, 3) or "",
                     r(s.p_upper, 3) or "", r(s.p_lower, 3) or "", r(s.d, 3) or "", s.verdict()])
    return rows


def _table(rows: list[list], widths: list[float], size: float = 9, header_rows: int = 1) -> m.Table:
    cells = [[m.Cell([m.Text(str(v))] if str(v) else [], bold=ri < header_rows) for v in row]
             for ri, row in enumerate(rows)]
    return m.Table(cells, widths=widths, header_rows=header_rows, size=size)


def report_document(res: GradeResult, histogram: Path, title: str = "考试成绩分析报告",
                    org_name: str = "") -> m.Document:
    """report.pdf: class summary, histogram, item analysis, candidate list."""
    from .layout import page_setup
    page = page_setup(False)
    page.page_numbers = "auto"
    s = res.summary()
    blocks: list[m.Block] = []
    if org_name:
        blocks.append(m.Paragraph([m.Text(org_name)], align="center", indent=0, size=10.5))
    blocks.append(m.Heading(1, [m.Text(title)], size=18))
    blocks.append(m.Paragraph([m.Text(f"答案：{Path(res.key_file).name}　答卷：{Path(res.responses_file).name}　"
                                      f"满分{fmt_points(res.order_total())}分，按百分制{fmt_points(res.pass_mark)}分及格。")],
                              align="center", indent=0, size=9, space_after=6))
    blocks.append(m.Paragraph([m.Text("一、总体情况", bold=True)], indent=0, hei=True, keep_with_next=True))
    if s["candidates"]:
        summary = [["参加人数", "平均分", "标准差", "最高分", "最低分", "中位数", "及格人数", "及格率"],
                   [s["candidates"], s["mean"], s["sd"], s["max"], s["min"], s["median"], s["passed"],
                    f"{s['pass_rate']}%"]]
        blocks.append(_table(summary, [1] * 8, size=10.5))
        notes = [f"分数均为百分制。KR-20 信度系数（{s['kr20_items']} 道客观题）："
                 f"{s['kr20'] if s['kr20'] is not None else '无法计算'}。"]
        if s.get("ungraded_candidates"):
            notes.append(f"有 {s['ungraded_candidates']} 人的主观题未评分，按 0 分计入总分。")
        if res.errors:
            notes.append(f"答卷表中有 {len(res.errors)} 行未能评分，见命令行输出。")
        blocks.append(m.Paragraph([m.Text("".join(notes))], indent=2, size=10.5, space_before=4))
        blocks.append(m.Paragraph([m.Text("二、成绩分布", bold=True)], indent=0, hei=True, keep_with_next=True,
                                  space_before=8))
        blocks.append(m.KeepTogether([
            m.Image(histogram, width=150 * m.MM),
            m.Paragraph([m.Text(f"图 百分制成绩分布（每段人数；红色虚线为及格线 {fmt_points(res.pass_mark)} 分）")],
                        align="center", indent=0, size=9)]))
    else:
        blocks.append(m.Paragraph([m.Text("没有可评分的答卷。")], indent=2))
    blocks.append(m.Paragraph([m.Text("三、试题分析", bold=True)], indent=0, hei=True, keep_with_next=True,
                              space_before=8))
    blocks.append(m.Paragraph([m.Text(
        "难度 p 为平均得分率；区分度 D 为高分组（总分前 27%）与低分组（后 27%）得分率之差，"
        "D≥0.40 优良，0.30—0.39 良好，0.20—0.29 尚可，低于 0.20 宜修改或淘汰。题号按第一个版本的顺序。")],
        indent=2, size=9, keep_with_next=True))
    rows = items_rows(res)
    blocks.append(_table(rows, [0.8, 1.4, 0.8, 0.8, 0.9, 1.0, 0.9, 1.0, 1.0, 1.0, 2.0]))
    if res.candidates:
        blocks.append(m.Paragraph([m.Text("四、个人成绩", bold=True)], indent=0, hei=True, keep_with_next=True,
                                  space_before=8))
        people = [["排名", "姓名", "工号", "部门", "试卷", "客观题", "主观题", "总分", "百分制", "结果"]]
        for c in sorted(res.candidates, key=lambda c: (c.rank, c.line)):
            people.append([c.rank, c.name, c.staff_id, c.department, c.version, fmt_points(c.objective),
                           fmt_points(c.subjective), fmt_points(c.total), c.percent, ("及格" if c.passed else "不及格") + ("（主观题未评）" if c.ungraded else "")])
        blocks.append(_table(people, [0.7, 1.4, 1.1, 1.4, 0.7, 1.0, 1.0, 0.9, 1.0, 1.8]))
    return m.Document(blocks, page=page, title=title)


def write_reports(res: GradeResult, out: Path, *, title: str = "考试成绩分析报告", org_name: str = "",
                  fonts=None) -> list[Path]:
    """Write scores.csv, items.csv, summary.json, histogram.png and report.pdf into out/."""
    from ..typography import fontset
    fonts = fonts or fontset()
    output_dir(out)
    written = []
    for name, rows in (("scores.csv", scores_rows(res)), ("items.csv", items_rows(res))):
        text = _csv_text(rows)
        atomic_write(out / name, lambda tmp, t=text: Path(tmp).write_text(t, encoding="utf-8", newline=""))
        written.append(out / name)
    summary = json.dumps(res.summary(), ensure_ascii=False, indent=1)
    atomic_write(out / "summary.json", lambda tmp: Path(tmp).write_text(summary, encoding="utf-8"))
    written.append(out / "summary.json")
    hist = histogram_png([c.percent for c in res.candidates], res.pass_mark, out / "histogram.png", fonts.latin.path)
    written.append(hist)
    doc = report_document(res, hist, title, org_name)
    atomic_write(out / "report.pdf", lambda tmp: write_pdf(doc, tmp, fonts=fonts))
    written.append(out / "report.pdf")
    return written
