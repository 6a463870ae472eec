"""PDF writer: draws the document model with ReportLab, using the typography module for text."""
from __future__ import annotations

import io
from pathlib import Path

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (BaseDocTemplate, Flowable, Frame, KeepInFrame, KeepTogether, PageBreak,
                                PageTemplate, Spacer, Table, TableStyle)
from reportlab.platypus import Image as RLImage
from reportlab.platypus.doctemplate import LayoutError

from .. import model as m
from ..errors import DataError
from ..typography import (FontSet, Glyph, Line, autospace, break_lines, column_count, fit_columns, fontset,
                          longest_unit)

# Baseline position inside a line box, as a fraction of the font size below the box's centre.
_ASCENT = 0.36


# ---------------------------------------------------------------- text shaping

class _Shaped(list):
    """Glyphs of one run of text, shared by every block that shows the same text (never modified);
    ``lines`` keeps its line breaks per (width, first indent, size)."""
    __slots__ = ("lines",)


_SHAPED_MAX = 2048   # texts kept per font set; letters of one batch repeat most of theirs


def _inline_key(x: m.Inline):
    if isinstance(x, m.Text):
        return ("t", x.text, x.bold, x.underline, x.nobreak)
    if isinstance(x, m.Blank):
        return ("b", x.text, x.bold, x.chars)
    if isinstance(x, m.Checkbox):
        return ("c", x.checked)
    if isinstance(x, m.LineBreak):
        return ("n",)
    return None


def shape(inlines: list[m.Inline], fonts: FontSet, size: float, bold: bool = False) -> list[Glyph]:
    """Turn inline runs into glyphs with widths and faces (cached: batches repeat the same texts)."""
    parts = tuple(_inline_key(x) for x in inlines)
    if None in parts:
        return _shape(inlines, fonts, size, bold)
    key = (size, bold, parts)
    cache = fonts.__dict__.setdefault("_dg_shaped", {})
    out = cache.pop(key, None)
    if out is None:
        out = _Shaped(_shape(inlines, fonts, size, bold))
        out.lines = {}
        if len(cache) >= _SHAPED_MAX:
            del cache[next(iter(cache))]          # the least recently used
    cache[key] = out
    return out


def _shape(inlines: list[m.Inline], fonts: FontSet, size: float, bold: bool = False) -> list[Glyph]:
    out = _shape_runs(inlines, fonts, size, bold)
    autospace(out, size)
    return out


def _shape_runs(inlines: list[m.Inline], fonts: FontSet, size: float, bold: bool = False) -> list[Glyph]:
    out: list[Glyph] = []
    for x in inlines:
        if isinstance(x, m.Text):
            run = _chars(x.text, fonts, size, bold or x.bold, x.underline)
            if x.nobreak:
                for g in run[1:]:
                    g.glue = True
            out.extend(run)
        elif isinstance(x, m.Blank):
            inner = _chars(x.text, fonts, size, bold or x.bold, True)
            inner_w = sum(g.width for g in inner)
            pad = max(x.chars * size - inner_w, size if x.text else 0.0)
            out.append(Glyph("", pad / 2, None, underline=True, kind="pad"))
            out.extend(inner)
            out.append(Glyph("", pad / 2, None, underline=True, kind="pad"))
        elif isinstance(x, m.Checkbox):
            out.append(Glyph("", size * 1.1, None, kind="box", checked=x.checked))
        elif isinstance(x, m.LineBreak):
            out.append(Glyph("", 0.0, None, kind="break"))
    return out


def _chars(text: str, fonts: FontSet, size: float, bold: bool, underline: bool) -> list[Glyph]:
    out = []
    for ch in text:
        if ch == "\n":
            out.append(Glyph("", 0.0, None, kind="break"))
        elif ch in " \u00a0\t":
            out.append(Glyph(" ", size * 0.3, None, bold, underline, kind="space"))
        elif ch == "\u3000":
            out.append(Glyph("", size, None, bold, underline, kind="pad"))
        elif ord(ch) < 0x20 or ch in "\u200b\u200c\u200d\ufeff":
            continue
        else:
            face = fonts.face_for(ch, bold)
            out.append(Glyph(ch, face.width(ch, size), face, bold, underline))
    return out


def draw_line(c, line: Line, x: float, y: float, size: float, stretch: float = 0.0) -> None:
    """Draw one line at baseline y; stretch spreads extra width over the gaps between glyphs."""
    glyphs = line.glyphs
    if not glyphs:
        return
    cs = stretch / (len(glyphs) - 1) if stretch > 0 and len(glyphs) > 1 else 0.0
    # The text object's operators are written here directly (what ReportLab's beginText,
    # setTextOrigin, setFont and textOut would write, byte for byte, without their bookkeeping:
    # a third of the drawing time of a letter).
    # Tc is graphics state, not text-object state: a justified line's spacing would carry over
    # to the next line of the paragraph, so set it on every line, 0 included.
    ops = ["BT", "1 0 0 1 0 0 Tm", f"{fp_str(cs)} Tc"]
    doc = c._doc
    tf = f"{fp_str(size)} Tf {fp_str(size * 1.2)} TL"
    i, n = 0, len(glyphs)
    under: list[tuple[float, float]] = []
    while i < n:
        g = glyphs[i]
        gx = x + line.xs[i] + cs * i
        if g.underline:
            under.append((gx, gx + g.width + (cs if i < n - 1 else 0)))
        if g.kind == "box":
            _checkbox(c, gx + size * 0.05, y - size * 0.12, size * 0.9, g.checked)
            i += 1
            continue
        if g.face is None:
            i += 1
            continue
        j = i + 1
        while j < n and glyphs[j].face is g.face and glyphs[j].kind == "char":
            if glyphs[j].underline:
                gx2 = x + line.xs[j] + cs * j
                under.append((gx2, gx2 + glyphs[j].width + (cs if j < n - 1 else 0)))
            j += 1
        ops.append(f"1 0 0 1 {fp_str(gx, y)} Tm")
        font = g.face.font()
        current = -1
        for subset, chunk in font.splitString("".join(gl.text for gl in glyphs[i:j]), doc):
            if subset != current:
                ops.append(f"{font.getSubsetInternalName(subset, doc)} {tf}")
                current = subset
            ops.append(f"({c._escape(chunk)}) Tj")
        i = j
    ops.append("ET")
    c._code.append(" ".join(ops))
    if under:
        c.saveState()
        c.setLineWidth(max(0.5, size / 24))
        uy = y - size * 0.15
        x0, x1 = under[0]
        for a, b in under[1:]:
            if a <= x1 + 0.5:
                x1 = max(x1, b)
            else:
                c.line(x0, uy, x1, uy)
                x0, x1 = a, b
        c.line(x0, uy, x1, uy)
        c.restoreState()


def _checkbox(c, x: float, y: float, s: float, checked: bool) -> None:
    c.saveState()
    c.setLineWidth(max(0.5, s / 20))
    c.rect(x, y, s * 0.85, s * 0.85)
    if checked:
        p = c.beginPath()
        p.moveTo(x + s * 0.15, y + s * 0.45)
        p.lineTo(x + s * 0.35, y + s * 0.18)
        p.lineTo(x + s * 0.75, y + s * 0.75)
        c.setLineWidth(max(0.8, s / 12))
        c.drawPath(p, stroke=1, fill=0)
    c.restoreState()


# ---------------------------------------------------------------- flowables

class TextBlock(Flowable):
    """A paragraph of Chinese text laid out by the typography module."""

    def __init__(self, glyphs, size, leading, align="justify", indent=0.0, space_before=0.0,
                 space_after=0.0, right_indent=0.0, lines=None, first_indent_applies=True, hang=True,
                 hanging=0.0):
        super().__init__()
        self.glyphs = glyphs
        self.hang = hang
        # lines after the first start this far in (points); a labelled option's glyphs carry their own
        self.hanging = hanging or getattr(glyphs, "hanging", 0.0)
        self.size = size
        self.leading = leading
        self.align = align
        self.indent = indent
        self.space_before = space_before
        self.space_after = space_after
        self.right_indent = right_indent
        self._lines = lines
        self._for_width = None
        self._fixed = False        # a piece of a split table cell keeps exactly its lines
        self._first = first_indent_applies

    def _layout(self, aw):
        if self._lines is None or (self._for_width != aw and not self._fixed):
            width, indent = aw - self.right_indent, self.indent if self._first else self.hanging
            known = getattr(self.glyphs, "lines", None)
            key = (width, indent, self.size, self.hang, self.hanging)
            lines = known.get(key) if known is not None else None
            if lines is None:
                lines = break_lines(self.glyphs, width - self.hanging, indent - self.hanging, self.size, self.hang)
                if known is not None:
                    known[key] = lines   # lines are read-only once made
            self._lines = lines
            self._for_width = aw
        return self._lines

    def wrap(self, aw, ah):
        lines = self._layout(aw)
        self.width = aw
        self.height = self.space_before + len(lines) * self.leading + self.space_after
        return aw, self.height

    def split(self, aw, ah):
        lines = self._layout(aw)
        fit = int((ah - self.space_before + 0.01) // self.leading)
        n = len(lines)
        if fit >= n:
            return [self]
        if n >= 4:
            fit = min(fit, n - 2)  # no widow line
            if fit < 2:
                return []          # no orphan line
        if fit < 1:
            return []
        head = TextBlock(self.glyphs, self.size, self.leading, self.align, self.indent,
                         self.space_before, 0.0, self.right_indent, lines[:fit], self._first, self.hang, self.hanging)
        tail = TextBlock(self.glyphs, self.size, self.leading, self.align, self.indent,
                         0.0, self.space_after, self.right_indent, lines[fit:], False, self.hang, self.hanging)
        head._for_width = tail._for_width = aw
        return [head, tail]

    def draw(self):
        c = self.canv
        avail = self.width - self.right_indent
        top = self.height - self.space_before
        for i, line in enumerate(self._lines or []):
            indent = self.indent if (i == 0 and self._first) else self.hanging
            room = avail - indent
            x = indent
            stretch = 0.0
            if self.align == "center":
                x += (room - line.width) / 2
            elif self.align == "right":
                x += room - line.width
            elif self.align == "justify" and not line.last:
                stretch = max(0.0, room - line.width)
                if stretch > self.size * 4:   # a line ended early by a long unit: don't spread it
                    stretch = 0.0
            y = top - (i + 0.5) * self.leading - _ASCENT * self.size
            draw_line(c, line, x, y, self.size, stretch)


SEAL_D = 42 * m.MM      # a round office seal's diameter
_SEAL_GAP = 2.0         # points kept free between the seal and what lies above or below the block


def seal_layout(n_lines: int, size: float, leading: float, seal: bool) -> tuple[float, float, float]:
    """(space above the first line, block height, seal centre below the block top) of a signature block.

    Without a seal: one line of space above the lines. With one, the block is tall enough to hold the
    whole seal, so it never reaches the body text above or a cut line below (上不压正文); the lines sit
    a little below the seal's centre, as GB/T 9704 has it."""
    text_h = leading * n_lines
    if not seal:
        return leading, leading + text_h, 0.0
    top = max(leading, _SEAL_GAP + SEAL_D / 2 - text_h / 2 + size * 0.3)
    centre = top + text_h / 2 - size * 0.3
    return top, max(top + text_h, centre + SEAL_D / 2 + _SEAL_GAP), centre


def seal_centre_x(width: float, date_w: float, size: float, right_chars: float) -> float:
    """The seal's horizontal centre: over the date line, never past either edge of the text block."""
    centre = width - right_chars * size - date_w / 2
    return min(max(centre, SEAL_D / 2), width - SEAL_D / 2)


class SignatureBlock(Flowable):
    """Organisation and date, right-aligned the GB/T 9704 way, with the seal over them."""

    def __init__(self, lines, size, leading, right_chars, seal):
        super().__init__()
        self.lines = lines
        self.size = size
        self.leading = leading
        self.right_chars = right_chars
        self.seal = seal

    above: "TextBlock | None" = None    # the paragraph right above, whose last line's blank end the seal may use

    def _rise(self, aw: float) -> float:
        """How far the seal may reach above the block: into the last line of the paragraph above
        when that line ends left of the seal (a character's width to spare), never over its text."""
        f = self.above
        if f is None or not f._lines or f.align in ("right", "center") or not self.lines:
            return 0.0
        last = f._lines[-1]
        end = (f.indent if (len(f._lines) == 1 and f._first) else 0.0) + last.width
        date_w = sum(g.width for g in self.lines[-1])
        left = seal_centre_x(aw, date_w, self.size, self.right_chars) - SEAL_D / 2
        if end + self.size > left:
            return 0.0
        return f.leading + f.space_after

    def wrap(self, aw, ah):
        self.width = aw
        self._top, self.height, self._seal_y = seal_layout(len(self.lines), self.size, self.leading,
                                                           bool(self.seal and self.lines))
        if self.seal and self.lines:
            rise = min(self._rise(aw), self._top - self.leading)
            if rise > 0:
                self._top -= rise
                self._seal_y -= rise
                self.height = max(self.leading + self.leading * len(self.lines), self.height - rise)
        return aw, self.height

    def draw(self):
        c = self.canv
        widths = [sum(g.width for g in gl) for gl in self.lines]
        date_w = widths[-1] if widths else 0
        date_right = self.width - self.right_chars * self.size
        centre = date_right - date_w / 2
        for i, (glyphs, w) in enumerate(zip(self.lines, widths)):
            if i == len(self.lines) - 1:
                x = date_right - w
            else:
                x = min(centre - w / 2, self.width - w)
            xs, acc = [], 0.0
            for g in glyphs:
                xs.append(acc)
                acc += g.width
            y = self.height - self._top - self.leading * (i + 0.5) - _ASCENT * self.size
            draw_line(c, Line(glyphs, xs, w, True), x, y, self.size)
        if self.seal and self.lines:
            d = SEAL_D
            cx = seal_centre_x(self.width, date_w, self.size, self.right_chars)
            cy = self.height - self._seal_y
            c.drawImage(str(self.seal), cx - d / 2, cy - d / 2, d, d, mask="auto",
                        preserveAspectRatio=True)


class CutLineFlowable(Flowable):
    """A dashed cut line with its label in a gap at the centre."""

    def __init__(self, label, fonts, size=10.5):
        super().__init__()
        self.glyphs = shape([m.Text(label)], fonts, size) if label else []
        self.size = size

    def wrap(self, aw, ah):
        self.width, self.height = aw, self.size * 2.4
        return self.width, self.height

    def draw(self):
        c = self.canv
        y = self.height / 2
        w = sum(g.width for g in self.glyphs)
        gap = w + self.size * 1.5 if w else 0
        c.saveState()
        c.setDash(4, 3)
        c.setLineWidth(0.7)
        mid = self.width / 2
        c.line(0, y, mid - gap / 2, y)
        c.line(mid + gap / 2, y, self.width, y)
        c.restoreState()
        if self.glyphs:
            xs, acc = [], 0.0
            for g in self.glyphs:
                xs.append(acc)
                acc += g.width
            draw_line(c, Line(self.glyphs, xs, w, True), mid - w / 2, y - self.size * 0.35, self.size)


class QRFlowable(Flowable):
    """A QR code as vector modules, optionally with a caption below."""

    def __init__(self, data, size, align, caption_glyphs, caption_size):
        super().__init__()
        self.data, self.size, self.hAlign = data, size, align.upper()
        self.caption, self.caption_size = caption_glyphs, caption_size

    def wrap(self, aw, ah):
        self.width = self.size
        self.height = self.size + (self.caption_size * 1.6 if self.caption else 0)
        return self.width, self.height

    def draw(self):
        w = QrCodeWidget(self.data, barBorder=0)
        x0, y0, x1, y1 = w.getBounds()
        d = Drawing(self.size, self.size, transform=[self.size / (x1 - x0), 0, 0, self.size / (y1 - y0), 0, 0])
        d.add(w)
        base = self.caption_size * 1.6 if self.caption else 0
        renderPDF.draw(d, self.canv, 0, base)
        if self.caption:
            cw = sum(g.width for g in self.caption)
            xs, acc = [], 0.0
            for g in self.caption:
                xs.append(acc)
                acc += g.width
            draw_line(self.canv, Line(self.caption, xs, cw, True), (self.size - cw) / 2,
                      self.caption_size * 0.4, self.caption_size)


class SectionMark(Flowable):
    """Marks the first page of one document inside a merged print file."""

    def __init__(self, index: int, page: m.PageSetup):
        super().__init__()
        self.index = index
        self.page = page
        self.width = self.height = 0

    def wrap(self, aw, ah):
        return 0, 0

    def draw(self):
        self.canv._dg_section = (self.index, self.page)


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
                if page.page_numbers == "always" or (page.page_numbers == "auto" and total > 1):
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
        for i, f in enumerate(out[:-1]):
            if isinstance(out[i + 1], SignatureBlock):
                f.keepWithNext = True
                if isinstance(f, TextBlock):
                    out[i + 1].above = f
        return out

    def block(self, b: m.Block, width: float) -> list[Flowable]:
        if isinstance(b, m.Paragraph):
            f = self.para(b.inlines, b.size, b.align, b.indent, b.bold or b.hei, b.space_before,
                          b.space_after, right=b.right_indent)
            f.keepWithNext = b.keep_with_next
            return [f]
        if isinstance(b, m.Heading):
            if b.level == 1:
                size = b.size or 22.0
                f = self.para(b.inlines, size, b.align or "center", 0, True, 0, self.leading * 0.6,
                              leading=size * 1.45)
            else:
                size = b.size or self.size
                f = self.para(b.inlines, size, b.align or "left", 2.0 if b.level <= 3 else 2.0,
                              b.level <= 3)
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
        size = t.size or (12.0 if self.size >= 14 else self.size)
        leading = size * 1.4
        pad = size * 0.35
        col_w = table_widths(t, width, self.fonts, size)
        # A row may hold at most a third of a page: a longer cell (a complaint written out in full) goes on
        # in continuation rows, which can break across pages (ReportLab cannot split inside a row).
        page = self.page
        most = max(leading, (page.height - page.top - page.bottom) / 3 - 2 * pad)
        data, style, heights = [], [], []
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
                # A row is at least the table's row height, or its tallest cell's own (a cell to sign in).
                want = max([t.row_height or 0.0] + [c.height or 0.0 for c in row if not c.merged])
                if want and len(pieces) == 1:
                    need = max((f.wrap(f._span_w, 1e6)[1] + 2 * pad for ci, f in enumerate(part)
                                if isinstance(f, TextBlock) and row[ci].rowspan == 1), default=0.0)
                    heights[-1] = want if need <= want else None
        heights = heights if any(h is not None for h in heights) else None
        tbl = self.grid(data, colWidths=col_w, rowHeights=heights, repeatRows=t.header_rows,
                    hAlign="CENTER", splitByRow=1)
        style[:0] = [("VALIGN", (0, 0), (-1, -1), "MIDDLE")]      # before the cells' own (.top)
        style += [("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                  ("TOPPADDING", (0, 0), (-1, -1), pad * 0.6), ("BOTTOMPADDING", (0, 0), (-1, -1), pad * 0.6)]
        if t.border:
            style.append(("GRID", (0, 0), (-1, -1), 0.75, colors.black))
        tbl.setStyle(TableStyle(style))
        if t.keep_together:
            return KeepTogether([tbl])
        return tbl

    def _labelled(self, item: list[m.Inline], b: m.Columns) -> "_Hanging":
        """An item's glyphs with its label padded to the label slot; wrapped lines hang at the slot."""
        slot = b.label_chars() * self.size
        label = shape([m.Text(_label_text(item))], self.fonts, self.size)
        pad = Glyph("", max(0.0, slot - sum(g.width for g in label)), None, kind="pad")
        out = _Hanging(list(label) + [pad] + list(shape(item[1:], self.fonts, self.size)))
        out.hanging = slot
        return out

    def columns(self, b: m.Columns, width: float) -> Table:
        size = self.size
        items = [self._labelled(i, b) if b.hanging and i else shape(i, self.fonts, size) for i in b.items]
        indent = b.indent * size
        room = width - indent
        n = b.n
        if not n:
            n = column_count([sum(g.width for g in it) for it in items], room, size)
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


def _label_text(item: list[m.Inline]) -> str:
    """The label run of a hanging item, without its trailing space."""
    return item[0].text.strip() if isinstance(item[0], m.Text) else ""


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


def _own_row(row: list[m.Cell]) -> bool:
    """True when no cell of the row takes part in a row span (such a row can be cut into several)."""
    covered = set()
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
    if isinstance(docs, m.Document):
        docs = [docs]
    fonts = fonts or fontset()
    first = docs[0]
    templates, names = [], {}
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
