"""PDF flowables: shaped text, line drawing, text blocks, the signature and seal, cut lines, QR codes."""
from __future__ import annotations

from typing import Any

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.rl_accel import fp_str
from reportlab.platypus import Flowable

from ... import model as m
from .fonts import FontSet
from .linebreak import Glyph, Line, autospace, break_lines

# Baseline position inside a line box, as a fraction of the font size below the box's centre.
_ASCENT = 0.36
# A justified line is spread to both margins unless that opens more than this (em) between two glyphs.
_MAX_SPREAD = 0.5


# ---------------------------------------------------------------- text shaping

class _Shaped(list):
    """Glyphs of one run of text, shared by every block that shows the same text (never modified);
    ``lines`` keeps its line breaks per (width, first indent, size)."""
    __slots__ = ("lines",)
    lines: dict[tuple[float, float, float], Any]


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
            if not x.text and x.chars >= _SPLIT_BLANK:
                out.extend(_blank_pieces(x.chars, size))
                continue
            out.append(Glyph("", pad / 2, None, underline=True, kind="pad"))
            out.extend(inner)
            out.append(Glyph("", pad / 2, None, underline=True, kind="pad"))
        elif isinstance(x, m.Checkbox):
            out.append(Glyph("", size * 1.1, None, kind="box", checked=x.checked))
        elif isinstance(x, m.LineBreak):
            out.append(Glyph("", 0.0, None, kind="break"))
    return out


# An empty fill-in blank this many characters long may go on at the next line (its underline continues
# there, as one writes it by hand) rather than leave the end of a justified line empty.
_SPLIT_BLANK = 6
_BLANK_HOLD = 2      # characters of such a blank kept together at each end of it


def _blank_pieces(chars: int, size: float) -> list[Glyph]:
    """An empty blank as one-character pieces of underline; a line may break before the inner ones."""
    return [Glyph("", size, None, underline=True, kind="pad", breakable=_BLANK_HOLD <= i <= chars - _BLANK_HOLD)
            for i in range(chars)]


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
        k = i
        for subset, chunk in font.splitString("".join(gl.text for gl in glyphs[i:j]), doc):
            if k > i and cs:
                # Each string after the first starts at its own position: some readers (pdfminer, and so
                # text extraction and measuring tools) drop the character spacing after a string's last glyph.
                ops.append(f"1 0 0 1 {fp_str(x + line.xs[k] + cs * k, y)} Tm")
            if subset != current:
                ops.append(f"{font.getSubsetInternalName(subset, doc)} {tf}")
                current = subset
            ops.append(f"({c._escape(chunk)}) Tj")
            k += len(chunk)        # one byte per character in a subset
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
        # No line of a paragraph alone at a page's foot or top (Word's widow control): two at least each side.
        fit = min(fit, n - 2)
        if fit < 2:
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
                if stretch > _MAX_SPREAD * self.size * max(1, len(line.glyphs) - 1):
                    stretch = 0.0      # a few characters before a word longer than the line: not spread apart
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
