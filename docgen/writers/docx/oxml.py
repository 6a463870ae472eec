"""The raw WordprocessingML layer under the DOCX writer: elements python-docx has no API for."""
from __future__ import annotations

import copy
import io
import re
import zipfile
from functools import lru_cache
from pathlib import Path

from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Emu

from ... import model as m

VML_NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
           'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"')
VML_PAGE = "z-index:251659000;mso-position-horizontal-relative:page;mso-position-vertical-relative:page"

_KEEP_STYLES = {"Normal", "DefaultParagraphFont", "TableNormal", "NoList", "TableGrid", "Header", "HeaderChar",
                "Footer", "FooterChar", "Title", "TitleChar", "Heading1", "Heading1Char", "Heading2", "Heading2Char",
                "Heading3", "Heading3Char", "ListParagraph"}
_DROP_RELS = ("stylesWithEffects", "webSettings", "customXml", "metadata/thumbnail")


@lru_cache(maxsize=1)
def blank_docx() -> bytes | None:
    """python-docx's blank document without its 0.9 MB of unused styles (parsed and zipped per file)."""
    import docx
    src = Path(docx.__file__).parent / "templates" / "default.docx"
    if not src.is_file():       # a python-docx that keeps it elsewhere: use its own blank as it is
        return None
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.endswith(".rels"):
                text = data.decode("utf-8")
                for rel in _DROP_RELS:
                    text = re.sub(r'<Relationship [^>]*Type="[^"]*/' + re.escape(rel) + r'"[^>]*/>\s*', "", text)
                data = text.encode("utf-8")
            elif info.filename == "word/styles.xml":
                text = data.decode("utf-8")
                text = re.sub(r"<w:latentStyles.*?</w:latentStyles>", "", text, flags=re.S)
                text = re.sub(r'<w:style [^>]*w:styleId="([^"]+)".*?</w:style>',
                              lambda mt: mt.group(0) if mt.group(1) in _KEEP_STYLES else "", text, flags=re.S)
                data = text.encode("utf-8")
            zout.writestr(info, data)
    return out.getvalue()


def set_fonts(run_or_style_element, latin: str, east_asia: str) -> None:
    """Latin and East Asian font names on a run or style (w:rFonts), East Asian as the hint."""
    rpr = run_or_style_element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:cs"), latin)
    rfonts.set(qn("w:hint"), "eastAsia")


def cell_margins(cell, pad_pt: float) -> None:
    """Set the same margin on the four edges of one cell (w:tcMar)."""
    tcpr = cell._element.get_or_add_tcPr()
    mar = OxmlElement("w:tcMar")
    for edge in ("top", "left", "bottom", "right"):
        e = OxmlElement(f"w:{edge}")
        e.set(qn("w:w"), str(int(pad_pt * 20)))
        e.set(qn("w:type"), "dxa")
        mar.append(e)
    tcpr.append(mar)


def table_borders(table, val: str = "single", width_pt: float = 0.75) -> None:
    """Borders on every edge of a table and between its cells (w:tblBorders)."""
    tbl_pr = table._element.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        e = OxmlElement(f"w:{edge}")
        e.set(qn("w:val"), val)
        e.set(qn("w:sz"), str(int(width_pt * 8)))
        e.set(qn("w:space"), "0")
        e.set(qn("w:color"), "000000")
        borders.append(e)
    tbl_pr.append(borders)


def anchor_seal(para, seal: Path, x_pt: float, y_pt: float) -> None:
    """The seal picture as a floating anchor at (x_pt, y_pt) from the column and paragraph (Word's wp:anchor)."""
    d = 42 * m.MM
    run = para.add_run()
    run.add_picture(str(seal), width=Emu(int(d * 12700)), height=Emu(int(d * 12700)))
    inline = run._element.find(".//" + qn("wp:inline"))
    x = int(x_pt * 12700)
    y = int(y_pt * 12700)
    anchor = OxmlElement("wp:anchor")
    for k, v in (("distT", "0"), ("distB", "0"), ("distL", "0"), ("distR", "0"), ("simplePos", "0"),
                 ("relativeHeight", "251659264"), ("behindDoc", "0"), ("locked", "0"),
                 ("layoutInCell", "1"), ("allowOverlap", "1")):
        anchor.set(k, v)
    sp = OxmlElement("wp:simplePos")
    sp.set("x", "0")
    sp.set("y", "0")
    anchor.append(sp)
    for tag, rel, off in (("wp:positionH", "column", x), ("wp:positionV", "paragraph", y)):
        pos = OxmlElement(tag)
        pos.set("relativeFrom", rel)
        o = OxmlElement("wp:posOffset")
        o.text = str(off)
        pos.append(o)
        anchor.append(pos)
    anchor.append(copy.deepcopy(inline.find(qn("wp:extent"))))
    ee = OxmlElement("wp:effectExtent")
    for k in ("l", "t", "r", "b"):
        ee.set(k, "0")
    anchor.append(ee)
    anchor.append(OxmlElement("wp:wrapNone"))
    for tag in ("wp:docPr", "wp:cNvGraphicFramePr"):
        el = inline.find(qn(tag))
        if el is not None:
            anchor.append(copy.deepcopy(el))
    anchor.append(copy.deepcopy(inline.find(qn("a:graphic"))))
    inline.getparent().replace(inline, anchor)


def append_vml(para, shape: str) -> None:
    """Append one VML shape inside a w:pict run to a paragraph."""
    para._p.append(parse_xml(f"<w:r {VML_NS}><w:pict>{shape}</w:pict></w:r>"))


def field_char(run, kind: str) -> None:
    """A field boundary (begin, separate or end) in a run."""
    fc = OxmlElement("w:fldChar")
    fc.set(qn("w:fldCharType"), kind)
    run._element.append(fc)


def instr_text(run, text: str) -> None:
    """A field instruction (PAGE, NUMPAGES …) in a run."""
    it = OxmlElement("w:instrText")
    it.set(qn("xml:space"), "preserve")
    it.text = text
    run._element.append(it)
