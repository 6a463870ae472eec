"""PDF writer: draws the document model with ReportLab (flowables.py draws the text)."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (BaseDocTemplate, Flowable, Frame, KeepInFrame, KeepTogether, PageBreak,
                                PageTemplate, Spacer, Table, TableStyle)
from reportlab.platypus import Image as RLImage
from reportlab.platypus.doctemplate import LayoutError

from ... import model as m
from ...model import style as house
from ...errors import DataError
from . import rl_patches
from .flowables import (CutLineFlowable, QRFlowable, SectionMark, SignatureBlock, TextBlock, draw_line,
                        shape)
from .fonts import FontSet, fontset
from .linebreak import Glyph, Line, fit_columns, longest_unit


class _NumberedCanvas(rl_canvas.Canvas):
    """Holds pages until the end, then writes 第 X 页 共 Y 页 per document (and duplex blanks)."""

    def __init__(self, *args, fonts: FontSet, duplex: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []
        self._dg_fonts = fonts
        self._dg_duplex = duplex
        self._dg_section = None

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        groups: list[list[dict]] = []
        last = object()
        for state in self._pages:
            sec = state.get("_dg_section")
            key = sec[0] if sec else None
            if key != last or not groups:
                groups.append([])
                last = key
            groups[-1].append(state)
        self.page_counts = [len(g) for g in groups]
        for gi, group in enumerate(groups):
            total = len(group)
            for no, state in enumerate(group, 1):
                self.__dict__.update(state)
                sec = state.get("_dg_section")
                page = sec[1] if sec else m.PageSetup()
                if house.numbered(page, total):
                    self._footer(no, total, page)
                if getattr(page, "seal_line", False):
                    self._seal_line(page)
                rl_canvas.Canvas.showPage(self)
            if self._dg_duplex and total % 2 and gi < len(groups) - 1:
                rl_canvas.Canvas.showPage(self)
        rl_canvas.Canvas.save(self)

    def _seal_line(self, page: m.PageSetup) -> None:
        """A dashed 密封线 in the left margin with 密/封/线 on it and the labels' blanks outside it."""
        size = 10.5
        x = page.left * 0.62
        y0, y1 = page.bottom * 0.6, page.height - page.top * 0.6
        self.saveState()
        self.setDash(4, 3)
        self.setLineWidth(0.6)
        marks = [y0 + (y1 - y0) * f for f in (0.2, 0.5, 0.8)]
        last = y0
        for my in marks:
            self.line(x, last, x, my - size * 0.8)
            last = my + size * 0.8
        self.line(x, last, x, y1)
        self.restoreState()
        for ch, my in zip("线封密", marks):   # marks run bottom to top: 密封线 reads downwards
            glyphs = shape([m.Text(ch)], self._dg_fonts, size)
            draw_line(self, Line(glyphs, [0.0], glyphs[0].width, True), x - glyphs[0].width / 2,
                      my - size * 0.36, size)
        inlines: list[m.Inline] = []
        for i, label in enumerate(page.seal_labels):
            inlines += [m.Text(("\u3000\u3000" if i else "") + label + "："), m.Blank(9)]
        glyphs = shape(inlines, self._dg_fonts, size)
        xs, acc = [], 0.0
        for g in glyphs:
            xs.append(acc)
            acc += g.width
        self.saveState()
        self.translate(page.left * 0.32, (page.height - acc) / 2)
        self.rotate(90)   # reads bottom to top, as on a bound paper's left margin
        draw_line(self, Line(glyphs, xs, acc, True), 0, -size * 0.36, size)
        self.restoreState()

    def _footer(self, no: int, total: int, page: m.PageSetup) -> None:
        size = 10.5
        text = f"第 {no} 页 共 {total} 页"
        glyphs = shape([m.Text(text)], self._dg_fonts, size)
        xs, acc = [], 0.0
        for g in glyphs:
            xs.append(acc)
            acc += g.width
        draw_line(self, Line(glyphs, xs, acc, True), (page.width - acc) / 2, page.bottom * 0.45, size)


# ---------------------------------------------------------------- building the story

class _Builder:
    """Turns model blocks into ReportLab flowables for one page setup."""

    def __init__(self, page: m.PageSetup, fonts: FontSet):
        self.page = page
        self.fonts = fonts
        self.size = page.body_size
        self.leading = page.body_size * page.line_spacing

    def para(self, inlines, size=None, align="justify", indent=2.0, bold=False, before=0.0, after=0.0,
             leading=None, right=0.0):
        size = size or self.size
        return TextBlock(shape(inlines, self.fonts, size, bold), size,
                         leading or (size * self.page.line_spacing), align, indent * size,
                         before, after, right * size)

    def grid(self, data, **kwargs) -> Table:
        """A ReportLab table whose cells start in our own face (its default, Helvetica, would be
        referenced on the page without being embedded, though no text is ever drawn in it)."""
        t = Table(data, **kwargs)
        t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), self.fonts.song.name)]))
        return t

    def blocks(self, blocks: list[m.Block], width: float) -> list[Flowable]:
        out: list[Flowable] = []
        for b in blocks:
            out.extend(self.block(b, width))
        # Signature blocks stay with what they sign; the seal may rise over the blank end of the
        # paragraph just above (a short closing line such as 特此通知。), never over its text.
        for i in range(len(out) - 2, -1, -1):
            sig = out[i + 1]
            if isinstance(sig, SignatureBlock):
                out[i].keepWithNext = True
                _keep_tail(out, i, width)
                above = out[out.index(sig) - 1]
                if isinstance(above, TextBlock):
                    sig.above = above
        return out

    def block(self, b: m.Block, width: float) -> list[Flowable]:
        if isinstance(b, m.Paragraph):
            f = self.para(b.inlines, b.size, b.align, b.indent, b.bold or b.hei, b.space_before,
                          b.space_after, right=b.right_indent)
            f.keepWithNext = b.keep_with_next
            return [f]
        if isinstance(b, m.Heading):
            hs = house.heading(b, self.page)
            f = self.para(b.inlines, hs.size, hs.align, hs.indent, hs.bold, 0, hs.space_after, leading=hs.leading)
            f.keepWithNext = True
            return [f]
        if isinstance(b, m.ListBlock):
            out = []
            for i, item in enumerate(b.items):
                label = f"{b.start + i}. " if b.ordered else "• "
                out.append(self.para([m.Text(label)] + item))
            return out
        if isinstance(b, m.Table):
            return [self.table(b, width)]
        if isinstance(b, m.Signature):
            lines = [shape(l, self.fonts, self.size) for l in b.lines]
            return [SignatureBlock(lines, self.size, self.leading, b.right_chars, b.seal)]
        if isinstance(b, m.Image):
            img = RLImage(str(b.path))
            ratio = img.imageHeight / img.imageWidth if img.imageWidth else 1
            w = min(b.width, width)
            img.drawWidth, img.drawHeight = w, b.height or w * ratio
            img.hAlign = b.align.upper()
            return [img]
        if isinstance(b, m.QRCode):
            cap = shape([m.Text(b.caption)], self.fonts, 9) if b.caption else []
            return [QRFlowable(b.data, b.size, b.align, cap, 9)]
        if isinstance(b, m.CutLine):
            return [CutLineFlowable(b.label, self.fonts)]
        if isinstance(b, m.PageBreak):
            return [PageBreak()]
        if isinstance(b, m.Spacer):
            return [Spacer(1, b.height)]
        if isinstance(b, m.Columns):
            return [self.columns(b, width)]
        if isinstance(b, m.Frame):
            inner_w = width - 2 * b.padding - (6 if b.double else 0)
            content = self.blocks(b.blocks, inner_w)
            t = self.grid([[content]], colWidths=[width - (6 if b.double else 0)])
            style = [("BOX", (0, 0), (-1, -1), b.border_width, colors.black),
                     ("LEFTPADDING", (0, 0), (-1, -1), b.padding), ("RIGHTPADDING", (0, 0), (-1, -1), b.padding),
                     ("TOPPADDING", (0, 0), (-1, -1), b.padding), ("BOTTOMPADDING", (0, 0), (-1, -1), b.padding)]
            t.setStyle(TableStyle(style))
            if b.double:
                outer = self.grid([[t]], colWidths=[width])
                outer.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), b.border_width * 2.5, colors.black),
                                           ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                                           ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
                t = outer
            # A frame is one card or permit: if data makes it taller than the page, shrink it to fit.
            return [KeepInFrame(0, 0, [t], mode="shrink")]
        if isinstance(b, m.KeepTogether):
            return [KeepTogether(self.blocks(b.blocks, width))]
        raise TypeError(f"PDF writer cannot draw {type(b).__name__}")

    def table(self, t: m.Table, width: float) -> Table:
        size = house.table_size(t, self.page)
        leading = size * 1.4
        pad = size * 0.35
        col_w = table_widths(t, width, self.fonts, size)
        # A row may hold at most a third of a page: a longer cell (a complaint written out in full) goes on
        # in continuation rows, which can break across pages (ReportLab cannot split inside a row).
        page = self.page
        most = max(leading, (page.height - page.top - page.bottom) / 3 - 2 * pad)
        data: list[list[Any]] = []
        style: list[tuple[Any, ...]] = []
        heights: list[float | None] = []
        for ri, row in enumerate(t.rows):
            cells = []
            for ci, cell in enumerate(row):
                if cell.merged:
                    cells.append("")
                    continue
                span_w = sum(col_w[ci:ci + cell.colspan]) - 2 * pad
                if cell.image is not None:
                    d = min(cell.image_size, span_w)
                    img = RLImage(str(cell.image), d, d)
                    img._span_w = span_w
                    cells.append(img)
                    continue
                f = TextBlock(shape(cell.inlines, self.fonts, size, cell.bold), size, leading,
                              cell.align or t.align, 0.0, hang=False)
                f._span_w = span_w
                cells.append(f)
            pieces = [cells]
            if ri >= t.header_rows and _own_row(row):
                pieces = _split_row(cells, leading, most)
            for part in pieces:
                r = len(data)
                for ci, cell in enumerate(row):
                    if not cell.merged and (cell.colspan > 1 or cell.rowspan > 1):
                        style.append(("SPAN", (ci, r), (ci + cell.colspan - 1, r + cell.rowspan - 1)))
                data.append(part)
                heights.append(None)
                for ci, cell in enumerate(row):
                    if not cell.merged and cell.valign == "top":
                        style.append(("VALIGN", (ci, r), (ci, r), "TOP"))
                # A row is at least the table's row height, or its tallest cell's own (a cell to sign in);
                # taller when its content needs it, measured with the paddings the table style sets below.
                want = max([t.row_height or 0.0] + [c.height or 0.0 for c in row if not c.merged])
                if want and len(pieces) == 1:
                    need = max((_cell_height(f) + 2 * pad * _VPAD for ci, f in enumerate(part)
                                if not isinstance(f, str) and row[ci].rowspan == 1), default=0.0)
                    heights[-1] = max(want, need)
        tbl = self.grid(data, colWidths=col_w, rowHeights=heights if any(h is not None for h in heights) else None, repeatRows=t.header_rows,
                    hAlign="CENTER", splitByRow=1)
        style[:0] = [("VALIGN", (0, 0), (-1, -1), "MIDDLE")]      # before the cells' own (.top)
        style += [("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                  ("TOPPADDING", (0, 0), (-1, -1), pad * _VPAD), ("BOTTOMPADDING", (0, 0), (-1, -1), pad * _VPAD)]
        if t.border:
            style.append(("GRID", (0, 0), (-1, -1), 0.75, colors.black))
        tbl.setStyle(TableStyle(style))
        if t.keep_together:
            return KeepTogether([tbl])
        return tbl

    def _labelled(self, item: list[m.Inline], b: m.Columns) -> "_Hanging":
        """An item's glyphs with its label padded to the label slot; wrapped lines hang at the slot."""
        slot = b.label_chars() * self.size
        label = shape([m.Text(house.label_text(item))], self.fonts, self.size)
        pad = Glyph("", max(0.0, slot - sum(g.width for g in label)), None, kind="pad")
        out = _Hanging(list(label) + [pad] + list(shape(item[1:], self.fonts, self.size)))
        out.hanging = slot
        return out

    def columns(self, b: m.Columns, width: float) -> Table:
        size = self.size
        items = [self._labelled(i, b) if b.hanging and i else shape(i, self.fonts, size) for i in b.items]
        indent = b.indent * size
        room = width - indent
        n = house.option_columns(b, room, size, lambda inl: sum(g.width for g in shape(inl, self.fonts, size)))
        rows = [items[i:i + n] for i in range(0, len(items), n)]
        data = [[TextBlock(g, size, self.leading, "left", 0.0, hang=False) for g in r] + [""] * (n - len(r))
                for r in rows]
        tbl = self.grid(data or [[""]], colWidths=[room / n] * n, hAlign="RIGHT")
        tbl.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), size * 0.5),
                                 ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                                 ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return tbl


class _Hanging(list):
    """Glyphs of a labelled item (A. text) and the indent its wrapped lines hang at."""
    hanging = 0.0


def table_widths(t: m.Table, width: float, fonts: FontSet, size: float) -> list[float]:
    """Column widths in points, the same in both writers: the template's proportions, widened where a column's
    content needs it (a header of up to three characters such as 序号 or 不合格 on one line; no date, code,
    phone number or plate split inside a cell)."""
    total = sum(t.widths)
    base = [width * w / total for w in t.widths]
    pad = 2 * size * 0.35 + 1.0
    need = [0.0] * len(base)
    for row in t.rows:
        for ci, cell in enumerate(row):
            if cell.merged or cell.colspan != 1 or ci >= len(need):
                continue
            glyphs = shape(cell.inlines, fonts, size, cell.bold)
            chars = [g for g in glyphs if g.kind == "char"]
            short = len(chars) <= 3 and all(g.kind != "break" for g in glyphs)
            w = sum(g.width for g in glyphs) if short else longest_unit(glyphs)
            need[ci] = max(need[ci], w + pad if w else 0.0)
    return fit_columns(base, need)


def _keep_tail(out: list[Flowable], i: int, width: float) -> None:
    """The body text before a signature (out[i], or the paragraph before it when out[i] is a one-line
    closing such as 特此通知。) goes to the next page with it: the signature never stands there alone.
    A paragraph of four lines or more is cut so that only its last two lines go along."""
    k = i
    if isinstance(out[i], TextBlock) and len(out[i]._layout(width)) == 1 and i > 0 and \
            isinstance(out[i - 1], TextBlock) and out[i - 1].align not in ("center", "right"):
        k = i - 1
    f = out[k]
    if not isinstance(f, TextBlock):
        return
    lines = f._layout(width)
    f.keepWithNext = True
    if len(lines) < 4:
        return
    head = TextBlock(f.glyphs, f.size, f.leading, f.align, f.indent, f.space_before, 0.0, f.right_indent,
                     lines[:-2], f._first, f.hang, f.hanging)
    tail = TextBlock(f.glyphs, f.size, f.leading, f.align, f.indent, 0.0, f.space_after, f.right_indent,
                     lines[-2:], False, f.hang, f.hanging)
    for piece in (head, tail):
        piece._for_width, piece._fixed = width, True
    tail.keepWithNext = True
    out[k:k + 1] = [head, tail]


_VPAD = 0.6     # a cell's top and bottom padding, as a share of its side padding


def _cell_height(f: Flowable) -> float:
    """The height a cell's content takes at the cell's width (a text block's lines, a picture's box)."""
    return f.wrap(f._span_w, 1e6)[1]


def _own_row(row: list[m.Cell]) -> bool:
    """True when no cell of the row takes part in a row span (such a row can be cut into several)."""
    covered: set[int] = set()
    for ci, cell in enumerate(row):
        if not cell.merged:
            if cell.rowspan > 1:
                return False
            covered.update(range(ci + 1, ci + cell.colspan))
    return all(ci in covered for ci, cell in enumerate(row) if cell.merged)


def _split_row(cells: list, leading: float, most: float) -> list[list]:
    """The row's cells as one row, or as several when a cell is taller than most (each piece a slice of lines)."""
    per = max(1, int(most // leading))
    lines = [f._layout(f._span_w) if isinstance(f, TextBlock) else [] for f in cells]
    n = max(-(-len(ls) // per) for ls in lines) if lines else 1
    if n <= 1 or any(not isinstance(f, (TextBlock, str)) for f in cells):   # a picture is not cut in pieces
        return [cells]
    rows = []
    for j in range(n):
        part = []
        for f, ls in zip(cells, lines):
            chunk = ls[j * per:(j + 1) * per]
            if not isinstance(f, TextBlock) or not chunk:
                part.append("")
                continue
            piece = TextBlock(f.glyphs, f.size, f.leading, f.align, 0.0, lines=chunk, hang=False)
            piece._span_w, piece._for_width, piece._fixed = f._span_w, f._span_w, True
            part.append(piece)
        rows.append(part)
    return rows


def _template(page: m.PageSetup, name: str) -> PageTemplate:
    frame = Frame(page.left, page.bottom, page.width - page.left - page.right,
                  page.height - page.top - page.bottom, leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0, id=name + "-frame")
    return PageTemplate(id=name, frames=[frame], pagesize=(page.width, page.height))


def write_pdf(docs: m.Document | list[m.Document], out: str | Path | io.BytesIO, *,
              fonts: FontSet | None = None, duplex: bool = False) -> list[int]:
    """Write one document, or several as one print file (each numbered on its own); returns page counts."""
    rl_patches.install()
    if isinstance(docs, m.Document):
        docs = [docs]
    fonts = fonts or fontset()
    first = docs[0]
    templates: list[PageTemplate] = []
    names: dict[tuple[float, ...], str] = {}
    story: list[Flowable] = []
    for i, d in enumerate(docs):
        key = (d.page.width, d.page.height, d.page.top, d.page.bottom, d.page.left, d.page.right)
        if key not in names:
            names[key] = f"p{len(names)}"
            templates.append(_template(d.page, names[key]))
        if i:
            from reportlab.platypus.doctemplate import NextPageTemplate
            story.append(NextPageTemplate(names[key]))
            story.append(PageBreak())
        story.append(SectionMark(i, d.page))
        width = d.page.width - d.page.left - d.page.right
        story.extend(_Builder(d.page, fonts).blocks(d.blocks, width))
    counts: list[int] = []

    def make_canvas(*args, **kwargs):
        c = _NumberedCanvas(*args, fonts=fonts, duplex=duplex, **kwargs)
        holder.append(c)
        return c

    holder: list[_NumberedCanvas] = []
    doc = BaseDocTemplate(out if isinstance(out, io.BytesIO) else str(out),
                          pagesize=(first.page.width, first.page.height), pageTemplates=templates,
                          title=first.title, author=first.author, creator="docgen",
                          leftMargin=first.page.left, rightMargin=first.page.right,
                          topMargin=first.page.top, bottomMargin=first.page.bottom, invariant=1,
                          # else every page references Helvetica without embedding it (preflight
                          # and PDF/A refuse that): start each page in our own Song face
                          initialFontName=fonts.song.name)
    try:
        doc.build(story, canvasmaker=make_canvas)
    except LayoutError:
        # ReportLab cannot split one table row (or an unsplittable block) across pages.
        raise DataError("有一块内容（通常是表格的一行）比一整页还高，无法排版",
                        expected="缩短该单元格的文字，或把长内容放到表格外的正文段落里") from None
    if holder:
        counts = holder[-1].page_counts
    return counts
