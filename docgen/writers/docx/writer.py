"""DOCX writer: draws the document model as an editable Word file (real tables, styles, fields)."""
from __future__ import annotations

import io
import re
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Pt

from ... import model as m
from ...model import style as house, walk
from . import oxml
from ..pdf.linebreak import NO_END, NO_START, RANGE_DASHES
from ..pdf.fonts import fontset
from ..pdf import shape, table_widths

_ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
          "right": WD_ALIGN_PARAGRAPH.RIGHT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}




class DocxFonts:
    """Font names written into the file (Word has no bundled fonts: use ones offices have)."""

    def __init__(self, song: str = "宋体", hei: str = "黑体", latin: str = "Times New Roman"):
        self.song, self.hei, self.latin = song, hei, latin


WJ = "\u2060"     # WORD JOINER: no line break on either side (UAX #14), draws nothing
# Only where Word and LibreOffice would break (UAX #14): after a range's dash between digits, and after a
# hyphen followed by a letter (K-B1-05); never between digits (2026-10-06: HY × NU), which they keep anyway.
_JOIN_AROUND = re.compile(r"(?<=\d)([%s])(?=\d)|(?<=[0-9A-Za-z])(-)(?=[A-Za-z])"
                          % re.escape("".join(sorted(RANGE_DASHES - {"-"} - NO_START))))
_JOIN_AFTER = re.compile(r"(?<=\d)([%s])(?=\d)" % re.escape("".join(sorted(RANGE_DASHES & NO_START))))
_SPACED_DIGITS = re.compile(r"(?<=\d) (?=\d)")
_PHONE_HYPHEN = re.compile(r"(?<=\d)-(?=\d{3,4} \d)")     # 0571-8650 2266: LibreOffice breaks after its hyphen
_BRACKET_BLANK = re.compile("([%s])(\u3000+)(?=[%s])" % (re.escape("".join(NO_END)), re.escape("".join(NO_START))))


def keep_together(text: str) -> str:
    """Text as Word and LibreOffice must lay it out to break where the PDF writer may: never inside a range
    (8:00—12:00) or a code (K-B1-05), or a spaced phone number (0571-8650 2266)."""
    text = _JOIN_AROUND.sub(lambda mt: WJ + (mt.group(1) or mt.group(2)) + WJ, text)
    text = _JOIN_AFTER.sub(lambda mt: mt.group(1) + WJ, text)     # no line starts with ～ anyway
    text = _PHONE_HYPHEN.sub(WJ + "-" + WJ, text)
    # a narrow no-break space: with U+00A0 LibreOffice breaks inside the digits when the number ends a line
    return _SPACED_DIGITS.sub("\u202f", text)


def blank_text(left: str, text: str, right: str) -> str:
    """A fill-in blank: its padding (em spaces, which LibreOffice does not break beside a word joiner, unlike
    ideographic ones) holds on to the value written in it and to a closing mark after it."""
    def pad(p: str) -> str:
        return WJ.join(p.replace("\u3000", "\u2003"))
    return WJ.join(part for part in (pad(left), text, pad(right)) if part) + WJ


def _pt(v: float) -> Pt:
    return Pt(round(v * 2) / 2)


class _Writer:
    def __init__(self, doc: m.Document, fonts: DocxFonts, pages_hint: int | None):
        self.model = doc
        self.fonts = fonts
        self.page = doc.page
        self.size = doc.page.body_size
        blank = oxml.blank_docx()
        self.d = new_docx(io.BytesIO(blank) if blank else None)
        self.pages_hint = pages_hint
        self._shapes = 0
        self._width: list[float] = []     # text widths of the frames being drawn, innermost last
        self._setup()

    # -- document set-up
    def _setup(self):
        p = self.page
        sec = self.d.sections[0]
        sec.page_width, sec.page_height = Emu(int(p.width * 12700)), Emu(int(p.height * 12700))
        if p.landscape:
            sec.orientation = WD_ORIENT.LANDSCAPE
        sec.top_margin, sec.bottom_margin = Emu(int(p.top * 12700)), Emu(int(p.bottom * 12700))
        sec.left_margin, sec.right_margin = Emu(int(p.left * 12700)), Emu(int(p.right * 12700))
        sec.footer_distance = Emu(int(p.bottom * 0.35 * 12700))
        normal = self.d.styles["Normal"]
        normal.font.size = _pt(self.size)
        normal.font.name = self.fonts.latin
        oxml.set_fonts(normal.element, self.fonts.latin, self.fonts.song)
        pf = normal.paragraph_format
        # Word and LibreOffice space Chinese from Latin letters and digits (LibreOffice ignores w:autoSpaceDE=0
        # in DOCX), so the PDF writer does the same (typography.autospace) and this is left on.
        self._languages()
        pf.space_before = pf.space_after = Pt(0)
        pf.widow_control = True      # no single line of a paragraph alone at a page's top or foot, as in the PDF
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = _pt(self.size * p.line_spacing)
        # Word's default table style has no borders; the grid is drawn explicitly.
        self.d.core_properties.title = self.model.title
        self.d.core_properties.author = self.model.author or "docgen"
        # Drop the compatibility "snap to grid" surprises: no document grid.
        numbers = house.numbered(p, self.pages_hint or 1)
        if numbers:
            self._footer(sec)
        if p.seal_line:
            self._seal_line(sec)

    def _languages(self):
        """Chinese as the document's East Asian language (python-docx's blank says en-US and ja-JP), so that
        Word and LibreOffice apply the Chinese line-breaking rules."""
        styles = self.d.styles.element
        for lang in styles.iter(qn("w:lang")):
            lang.set(qn("w:eastAsia"), "zh-CN")
        settings = self.d.settings.element
        for theme in settings.iter(qn("w:themeFontLang")):
            theme.set(qn("w:eastAsia"), "zh-CN")

    def _footer(self, sec):
        para = sec.footer.paragraphs[0]
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for kind, value in (("t", "第 "), ("f", "PAGE"), ("t", " 页 共 "), ("f", "NUMPAGES"), ("t", " 页")):
            if kind == "t":
                self._run(para, value, 10.5)
            else:
                self._field(para, value, 10.5)

    def _seal_line(self, sec):
        """The 密封线 of an exam paper, on every page: VML shapes in the header, where PDF draws them."""
        p = self.page
        para = sec.header.paragraphs[0]
        pf = para.paragraph_format
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(1)          # the shapes float; the paragraph itself must not push the body down
        size, x = 10.5, p.left * 0.62
        y0, y1 = p.height - p.bottom * 0.6, p.top * 0.6       # VML measures from the top of the page
        marks = [y1 + (y0 - y1) * f for f in (0.2, 0.5, 0.8)]
        ends = [y1] + [v for my in marks for v in (my - size * 0.8, my + size * 0.8)] + [y0]
        for a, b in zip(ends[::2], ends[1::2]):
            self._vml(para, f'<v:line id="{{id}}" from="{x:.1f}pt,{a:.1f}pt" to="{x:.1f}pt,{b:.1f}pt" '
                            f'strokeweight="0.6pt" style="position:absolute;{oxml.VML_PAGE}">'
                            f'<v:stroke dashstyle="dash"/></v:line>')
        for ch, my in zip("密封线", marks):
            self._text_box(para, x - 16, my - size, 32, size * 2, [(ch, False)])   # wide: insets differ by reader
        runs: list[tuple[str, bool]] = []
        for i, label in enumerate(p.seal_labels):
            runs += [(("\u3000\u3000" if i else "") + label + "：", False), ("\u3000" * 8, True)]
        length = p.height - p.top - p.bottom
        self._text_box(para, p.left * 0.32 - 12, (p.height - length) / 2, 24, length, runs,
                       flow="layout-flow:vertical;mso-layout-flow-alt:bottom-to-top")   # reads bottom to top

    def _text_box(self, para, left: float, top: float, width: float, height: float,
                  runs: list[tuple[str, bool]], flow: str = ""):
        size = 10.5
        fonts = (f'<w:rFonts w:ascii="{xml_escape(self.fonts.latin)}" w:hAnsi="{xml_escape(self.fonts.latin)}" '
                 f'w:eastAsia="{xml_escape(self.fonts.song)}"/><w:sz w:val="{int(size * 2)}"/>')
        under = '<w:u w:val="single"/>'
        body = "".join(f'<w:r><w:rPr>{fonts}{under if u else ""}</w:rPr>'
                       f'<w:t xml:space="preserve">{xml_escape(t)}</w:t></w:r>' for t, u in runs)
        self._vml(para, f'<v:shape id="{{id}}" type="#_x0000_t202" filled="f" stroked="f" style="position:absolute;'
                        f'margin-left:{left:.1f}pt;margin-top:{top:.1f}pt;width:{width:.1f}pt;height:{height:.1f}pt;'
                        f'{oxml.VML_PAGE}"><v:textbox inset="0,0,0,0" style="{flow}"><w:txbxContent>'
                        f'<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>'
                        f'<w:ind w:firstLine="0"/><w:jc w:val="center"/></w:pPr>{body}</w:p>'
                        f'</w:txbxContent></v:textbox></v:shape>')

    def _vml(self, para, shape: str):
        """Append one VML shape (the form Word and LibreOffice both read in headers) to para."""
        self._shapes += 1
        shape = shape.replace("{id}", f"docgen_shape{self._shapes}")
        oxml.append_vml(para, shape)

    def _field(self, para, instr: str, size: float):
        for tag, text in (("begin", None), ("instr", f" {instr} "), ("separate", None), ("text", "1"), ("end", None)):
            run = para.add_run()
            oxml.set_fonts(run._element, self.fonts.latin, self.fonts.song)
            run.font.size = _pt(size)
            if tag in ("begin", "separate", "end"):
                oxml.field_char(run, tag)
            elif tag == "instr":
                oxml.instr_text(run, text or "")
            else:
                run.text = text

    # -- runs
    def _run(self, para, text: str, size: float | None = None, bold: bool = False, underline: bool = False,
             hei: bool = False):
        run = para.add_run(text)
        oxml.set_fonts(run._element, self.fonts.latin, self.fonts.hei if hei else self.fonts.song)
        if size:
            run.font.size = _pt(size)
        if bold or hei:
            # Latin letters and digits of a bold run are bold as well (the PDF draws them in the Latin
            # bold face); the East Asian part switches to the Hei face.
            run.bold = True
        if underline:
            run.underline = True
        return run

    def inlines(self, para, inlines: list[m.Inline], size: float | None = None, bold: bool = False):
        for x in inlines:
            if isinstance(x, m.Text) and x.nobreak:
                # U+2060 WORD JOINER between the characters, and an ideographic space as two figure spaces
                # (no-break, same width). LibreOffice's Chinese line breaking ignores joiners between Han
                # characters, so the run is tagged with a language whose (Unicode) rules honour them.
                text = "\u2060".join(x.text.replace("\u3000", "\u2007\u2007"))
                run = self._run(para, text, size, underline=x.underline, hei=bold or x.bold)
                lang = OxmlElement("w:lang")
                lang.set(qn("w:val"), "en-US")
                lang.set(qn("w:eastAsia"), "en-US")
                run._element.get_or_add_rPr().append(lang)
            elif isinstance(x, m.Text):
                b = bold or x.bold
                # An answer bracket （　　）: LibreOffice breaks a justified line at any space, whatever joins
                # it, so the blank inside is the opening bracket's letter spacing instead of spaces.
                pos = 0
                for mt in _BRACKET_BLANK.finditer(x.text):
                    if mt.start() > pos:
                        self._run(para, keep_together(x.text[pos:mt.start()]), size, underline=x.underline, hei=b)
                    run = self._run(para, mt.group(1), size, underline=x.underline, hei=b)
                    spacing = OxmlElement("w:spacing")
                    spacing.set(qn("w:val"), str(round(len(mt.group(2)) * (size or self.size) * 20)))
                    run._element.get_or_add_rPr().append(spacing)
                    pos = mt.end()
                if pos < len(x.text):
                    self._run(para, keep_together(x.text[pos:]), size, underline=x.underline, hei=b)
            elif isinstance(x, m.Blank):
                text = x.text
                width = sum(2 if ord(c) > 0x2e7f else 1 for c in text)
                pad = max(0, x.chars * 2 - width)
                left = "\u3000" * (pad // 4) + "\u00a0" * (pad // 2 % 2)
                right = "\u3000" * ((pad + 2) // 4 if text else pad // 2)
                if not text:
                    left = ""
                self._run(para, blank_text(left, text, right or ("" if text or left else "\u3000")), size,
                          underline=True, hei=bold or x.bold)
            elif isinstance(x, m.Checkbox):
                self._run(para, "☑" if x.checked else "□", size)
            elif isinstance(x, m.LineBreak):
                para.add_run().add_break(WD_BREAK.LINE)

    def paragraph(self, container, inlines, size=None, align="justify", indent=2.0, bold=False,
                  before=0.0, after=0.0, keep_next=False, right=0.0, leading=None):
        para = container.add_paragraph()
        para.alignment = _ALIGN.get(align, WD_ALIGN_PARAGRAPH.JUSTIFY)
        pf = para.paragraph_format
        sz = size or self.size
        if indent:
            pf.first_line_indent = _pt(indent * sz)
            ind = pf._element.get_or_add_pPr().get_or_add_ind()
            ind.set(qn("w:firstLineChars"), str(int(indent * 100)))
        if right:
            pf.right_indent = _pt(right * sz)
        if before:
            pf.space_before = _pt(before)
        if after:
            pf.space_after = _pt(after)
        if size and size != self.size or leading:
            pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            pf.line_spacing = _pt(leading or sz * self.page.line_spacing)
        if keep_next:
            pf.keep_with_next = True
        self.inlines(para, inlines, size, bold)
        return para

    # -- blocks
    def blocks(self, container, blocks: list[m.Block]):
        for i, b in enumerate(blocks):
            after = blocks[i + 1:i + 3]
            # A signature keeps what it signs on its page: the block above it and, when that is a one-line
            # closing (特此通知。), the paragraph before that too (its last lines, by widow control).
            keep = bool(after) and isinstance(after[0], m.Signature) or (
                len(after) == 2 and isinstance(after[1], m.Signature) and isinstance(after[0], m.Paragraph)
                and isinstance(b, m.Paragraph) and self._one_line(after[0]))
            self.block(container, b, keep)

    def _one_line(self, p: m.Paragraph) -> bool:
        """Whether a paragraph fits on one line of the current column."""
        return _em_width(walk.inline_text(p.inlines)) + p.indent + p.right_indent <= \
            self._avail() / (p.size or self.size)

    def block(self, c, b: m.Block, keep_next: bool = False):
        if isinstance(b, m.Paragraph):
            self.paragraph(c, b.inlines, b.size, b.align, b.indent, b.bold or b.hei, b.space_before,
                           b.space_after, keep_next or b.keep_with_next, b.right_indent)
        elif isinstance(b, m.Heading):
            hs = house.heading(b, self.page)
            self.paragraph(c, b.inlines, hs.size, hs.align, hs.indent, hs.bold, 0, hs.space_after, True,
                           leading=hs.leading)
        elif isinstance(b, m.ListBlock):
            for i, item in enumerate(b.items):
                label = f"{b.start + i}. " if b.ordered else "• "
                self.paragraph(c, [m.Text(label)] + item)
        elif isinstance(b, m.Table):
            self.table(c, b)
        elif isinstance(b, m.Signature):
            self.signature(c, b)
        elif isinstance(b, m.Image):
            para = c.add_paragraph()
            para.alignment = _ALIGN.get(b.align, WD_ALIGN_PARAGRAPH.CENTER)
            run = para.add_run()
            run.add_picture(str(b.path), width=Emu(int(b.width * 12700)),
                            height=Emu(int(b.height * 12700)) if b.height else None)
        elif isinstance(b, m.QRCode):
            self.qr(c, b)
        elif isinstance(b, m.CutLine):
            self.cutline(c, b)
        elif isinstance(b, m.PageBreak):
            para = c.add_paragraph()
            para.add_run().add_break(WD_BREAK.PAGE)
        elif isinstance(b, m.Spacer):
            para = c.add_paragraph()
            pf = para.paragraph_format
            pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            pf.line_spacing = _pt(max(b.height, 1))
        elif isinstance(b, m.Columns):
            self.columns(c, b)
        elif isinstance(b, m.Frame):
            t = c.add_table(rows=1, cols=1)
            t.alignment = WD_TABLE_ALIGNMENT.CENTER
            oxml.table_borders(t, "double" if b.double else "single", b.border_width * (3 if b.double else 1))
            outer = self._avail()
            # A frame is one card or permit: it moves to the next page whole rather than splitting.
            t.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
            t.autofit = False
            t.columns[0].width = Emu(int(outer * 12700))
            cell = t.cell(0, 0)
            cell.width = Emu(int(outer * 12700))
            # The frame's padding as the cell's margins: text keeps clear of the border as in the PDF.
            pad = b.padding + (3 if b.double else 0)
            oxml.cell_margins(cell, pad)
            cell._element.remove(cell.paragraphs[0]._element)
            self._width.append(outer - 2 * pad)
            try:
                self.blocks(cell, b.blocks)
            finally:
                self._width.pop()
            if not cell.paragraphs:
                cell.add_paragraph()
            self._after_table(c)
        elif isinstance(b, m.KeepTogether):
            # Paragraphs live in w:body (not w:document) and go in before its closing sectPr: count
            # from there, so every new paragraph but the last keeps with the next, nothing outside.
            parent = c._element.body if c._element.tag == qn("w:document") else c._element
            tail = 1 if len(parent) and parent[-1].tag == qn("w:sectPr") else 0
            start = len(parent) - tail
            self.blocks(c, b.blocks)
            new = list(parent)[start:len(parent) - tail]
            # Tables inside (e.g. options in columns) are held row to row the same way; only the
            # last paragraph, or the last table row, is left free.
            paras = []
            for i, el in enumerate(new):
                if el.tag == qn("w:p"):
                    paras.append(el)
                elif el.tag == qn("w:tbl"):
                    rows = el.findall(qn("w:tr"))
                    if i == len(new) - 1:
                        rows = rows[:-1]
                    paras += [p for tr in rows for p in tr.iter(qn("w:p"))]
            if new and new[-1].tag == qn("w:p"):
                paras = paras[:-1]
            for el in paras:
                ppr = el.get_or_add_pPr()
                if ppr.find(qn("w:keepNext")) is None:
                    ppr.insert(0, OxmlElement("w:keepNext"))
        else:
            raise TypeError(f"DOCX writer cannot draw {type(b).__name__}")

    def _after_table(self, c):
        # Word merges adjacent tables; an empty small paragraph keeps them apart.
        para = c.add_paragraph()
        pf = para.paragraph_format
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(6)

    def table(self, c, t: m.Table):
        size = house.table_size(t, self.page)
        nrows, ncols = len(t.rows), len(t.widths)
        table = c.add_table(rows=nrows, cols=ncols)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        if t.border:
            oxml.table_borders(table)
        avail = self._avail()
        widths = [Emu(int(w * 12700)) for w in table_widths(t, avail, fontset(), size)]
        # The PDF writer's side padding in cells (Word's default 5.4 pt would wrap a column the PDF does not).
        margins = OxmlElement("w:tblCellMar")
        for edge in ("left", "right"):
            e = OxmlElement(f"w:{edge}")
            e.set(qn("w:w"), str(round(size * 0.35 * 20)))
            e.set(qn("w:type"), "dxa")
            margins.append(e)
        look = table._element.tblPr.find(qn("w:tblLook"))
        if look is not None:
            look.addprevious(margins)
        else:
            table._element.tblPr.append(margins)
        for ci, col in enumerate(table.columns):
            col.width = widths[ci]
        for ri, row in enumerate(t.rows):
            tr = table.rows[ri]
            if ri < t.header_rows:
                trpr = tr._tr.get_or_add_trPr()
                h = OxmlElement("w:tblHeader")
                trpr.append(h)
            want = max([t.row_height or 0.0] + [c.height or 0.0 for c in row if not c.merged])
            if want:
                tr.height = Emu(int(want * 12700))
                tr.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
            tr._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
            cells = tr.cells            # python-docx rebuilds this list on every access
            for ci, cell in enumerate(row):
                dc = cells[ci]
                dc.width = widths[ci]
                if cell.merged:
                    continue
                dc.vertical_alignment = (WD_CELL_VERTICAL_ALIGNMENT.TOP if cell.valign == "top"
                                         else WD_CELL_VERTICAL_ALIGNMENT.CENTER)
                para = dc.paragraphs[0]
                para.alignment = _ALIGN.get(cell.align or t.align, WD_ALIGN_PARAGRAPH.CENTER)
                pf = para.paragraph_format
                pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
                pf.line_spacing = _pt(size * 1.4)
                if cell.image is not None:
                    pf.line_spacing_rule = WD_LINE_SPACING.SINGLE     # an exact line would clip the picture
                    d = Emu(int(cell.image_size * 12700))
                    para.add_run().add_picture(str(cell.image), width=d, height=d)
                    continue
                self.inlines(para, cell.inlines, size, cell.bold)
        # Merge spans after filling, so merged cells keep the owner's content only.
        for ri, row in enumerate(t.rows):
            for ci, cell in enumerate(row):
                if not cell.merged and (cell.colspan > 1 or cell.rowspan > 1):
                    a = table.cell(ri, ci)
                    b = table.cell(ri + cell.rowspan - 1, ci + cell.colspan - 1)
                    merged = a.merge(b)
                    # merge() concatenates empty paragraphs from covered cells: drop them.
                    paras = merged.paragraphs
                    for p in paras[1:]:
                        if not p.text.strip():
                            p._element.getparent().remove(p._element)
        self._after_table(c)

    def columns(self, c, b: m.Columns):
        avail = self.page.width - self.page.left - self.page.right - b.indent * self.size
        fonts, size = fontset(), self.size
        n = house.option_columns(b, avail, size, lambda inl: sum(g.width for g in shape(inl, fonts, size)))
        rows = [b.items[i:i + n] for i in range(0, len(b.items), n)]
        table = c.add_table(rows=max(1, len(rows)), cols=n)
        table.alignment = WD_TABLE_ALIGNMENT.RIGHT
        for col in table.columns:
            col.width = Emu(int(avail / n * 12700))
        for ri, items in enumerate(rows):
            for ci, item in enumerate(items):
                cell = table.cell(ri, ci)
                cell.width = Emu(int(avail / n * 12700))
                para = cell.paragraphs[0]
                para.alignment = WD_ALIGN_PARAGRAPH.LEFT
                if b.hanging and item:
                    # A hanging indent with a tab stop at it: wrapped lines start under the text.
                    slot = _pt(b.label_chars() * self.size)
                    pf = para.paragraph_format
                    pf.left_indent, pf.first_line_indent = slot, -slot
                    pf.tab_stops.add_tab_stop(slot)
                    self._run(para, walk.inline_text(item[:1]).strip() + "\t")
                    item = item[1:]
                self.inlines(para, item)

    def signature(self, c, b: m.Signature):
        from ..pdf.flowables import SEAL_D, seal_centre_x, seal_layout
        right = b.right_chars
        leading = self.size * self.page.line_spacing
        date_w = _em_width(walk.inline_text(b.lines[-1])) if b.lines else 0.0
        seal = bool(b.seal)
        top, height, centre = seal_layout(len(b.lines), self.size, leading, seal)
        if not b.lines:
            return
        # The room above the lines is an empty paragraph of its own, so the seal's offset from the
        # organisation line means the same to every reader (Word and LibreOffice differ on whether a
        # paragraph's top includes its space before).
        spacer = c.add_paragraph()
        sp = spacer.paragraph_format
        sp.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        sp.line_spacing = _pt(top)
        sp.keep_with_next = True
        paras = []
        for i, line in enumerate(b.lines):
            if i == len(b.lines) - 1:
                para = self.paragraph(c, line, align="right", indent=0, right=right)
            else:
                own = _em_width(walk.inline_text(line))
                extra = max(0.0, right + (date_w - own) / 2)
                para = self.paragraph(c, line, align="right", indent=0, right=extra, keep_next=True)
            paras.append(para)
        # The same room as the PDF writer keeps: with a seal, the block holds the whole seal.
        rest = height - top - leading * len(paras)
        if rest > 0.5:
            paras[-1].paragraph_format.space_after = _pt(rest)
        if b.seal:
            x = seal_centre_x(self._avail(), date_w * self.size, self.size, right) - SEAL_D / 2
            # Anchored to the organisation line's paragraph, so it moves with the block, never with the page.
            oxml.anchor_seal(paras[0], b.seal, x, centre - SEAL_D / 2 - top)

    def _avail(self) -> float:
        """The width of the text column the current block is in (page text block or a frame's inside)."""
        return self._width[-1] if self._width else self.page.width - self.page.left - self.page.right

    def qr(self, c, b: m.QRCode):
        import qrcode
        img = qrcode.make(b.data, border=0)
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        buf.seek(0)
        para = c.add_paragraph()
        para.alignment = _ALIGN.get(b.align, WD_ALIGN_PARAGRAPH.CENTER)
        pf = para.paragraph_format
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
        para.add_run().add_picture(buf, width=Emu(int(b.size * 12700)))
        if b.caption:
            self.paragraph(c, [m.Text(b.caption)], 9, b.align, 0)

    def cutline(self, c, b: m.CutLine):
        para = c.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        ppr = para._element.get_or_add_pPr()
        bdr = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for k, v in (("w:val", "dashed"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
            bottom.set(qn(k), v)
        bdr.append(bottom)
        ppr.append(bdr)
        pf = para.paragraph_format
        pf.space_before = Pt(6)
        pf.space_after = Pt(10)
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(14)
        self._run(para, f"✂ {b.label}" if b.label else "✂", 9)

    def finish(self, out):
        self.blocks(self.d, self.model.blocks)
        # python-docx's blank template starts with no paragraph; nothing to clean.
        self.d.save(out)


def _em_width(text: str) -> float:
    """Width in ems: CJK and full-width characters one, Latin letters and digits about half."""
    return sum(1.0 if ord(ch) > 0x2e7f else 0.5 for ch in text)




def write_docx(doc: m.Document, out: str | Path | io.BytesIO, *, fonts: DocxFonts | None = None,
               pages_hint: int | None = None) -> None:
    """Write the document as DOCX."""
    w = _Writer(doc, fonts or DocxFonts(), pages_hint)
    w.finish(out if isinstance(out, io.BytesIO) else str(out))
