"""ReportLab behaviour docgen replaces: ToUnicode CMaps beyond the BMP, subsetting speed, deflate level.

Nothing is replaced at import: `install()` does it once, explicitly (fonts.fontset() calls it before the
first face is registered). tests/test_rl_patches.py fails loudly when an upstream attribute changes.
"""
from __future__ import annotations

import struct
import zlib

from reportlab import rl_config
from reportlab.pdfbase import pdfdoc, ttfonts

# ---------------------------------------------------------------- the ToUnicode fix

def _to_unicode_cmap(fontname, subset):
    """ReportLab's ToUnicode CMap, with destinations written as UTF-16BE (surrogate pairs beyond U+FFFF)."""
    def dest(cp: int) -> str:
        return chr(cp).encode("utf-16-be", "surrogatepass").hex().upper()
    lines = [
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap", "/CIDSystemInfo",
        "<< /Registry (%s)" % fontname, "/Ordering (%s)" % fontname, "/Supplement 0", ">> def",
        "/CMapName /%s def" % fontname, "/CMapType 2 def", "1 begincodespacerange",
        "<00> <%02X>" % (len(subset) - 1), "endcodespacerange", "%d beginbfchar" % len(subset),
    ]
    lines += ["<%02X> <%s>" % (i, dest(v)) for i, v in enumerate(subset)]
    lines += ["endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines)


# ---------------------------------------------------------------- subsetting speed
# Batch runs write thousands of small PDFs, each embedding subsets of 10-20 MB CJK faces, and
# ReportLab copies a whole table (20 MB of glyf) every time it makes a subset: keep one copy
# (of glyf not even that: a view on the font file already in memory).
# (Faces are also registered with asciiReadable=0, so a subset holds only the characters drawn
# instead of all of ASCII as well: half the size, same text.)
# A subset's 'name' table (2-3 KB of copyright and licence strings, copied into every subset
# of every PDF) is cut down to the family and PostScript names: PDF needs none of it
# (ISO 32000 9.9: an embedded TrueType program needs head, hhea, loca, maxp, cvt, prep, glyf,
# hmtx, fpgm), and the full licence ships with the package. Page content streams are
# deflated without an ASCII85 layer (a quarter smaller, and less work).

def _short_name_table(ps_name: bytes) -> bytes:
    text = ps_name.decode("latin-1").encode("utf-16-be")
    records = [(3, 1, 0x409, name_id, len(text), 0) for name_id in (1, 6)]   # family, PostScript
    return (struct.pack(">HHH", 0, len(records), 6 + 12 * len(records))
            + b"".join(struct.pack(">6H", *r) for r in records) + text)


class _GlyphTable:
    """The glyf table as a window on the font file: slicing copies one glyph, never the table."""
    __slots__ = ("view",)

    def __init__(self, view: memoryview):
        self.view = view

    def __getitem__(self, index):
        return self.view[index].tobytes()

    def __len__(self):
        return len(self.view)


_ORIGINAL_GET_TABLE = ttfonts.TTFontFile.get_table


def _cached_table(self, tag, _get=_ORIGINAL_GET_TABLE):
    tables = self.__dict__.setdefault("_dg_tables", {})
    data = tables.get(tag)
    if data is None:
        if tag == "name":
            data = _short_name_table(self.name)
        elif tag == "glyf":     # makeSubset only slices glyphs out of it
            pos, length = self.get_table_pos(tag)
            data = _GlyphTable(memoryview(self._ttf_data)[pos:pos + length])
        else:
            data = _get(self, tag)
        tables[tag] = data
    return data



def _deflate(self, text):
    """Deflate at level 2: a batch letter spends a sixth of its time in zlib at the default
    level 6, which makes files only 3% smaller."""
    return zlib.compress(text.encode("utf8") if isinstance(text, str) else text, 2)


# What install() replaces: (owner, attribute name, docgen's value). tests/test_rl_patches.py checks each
# original still exists with the signature and behaviour these replacements assume.
PATCHES = (
    (ttfonts, "makeToUnicodeCMap", _to_unicode_cmap),
    (ttfonts.TTFontFile, "get_table", _cached_table),   # ReportLab reads tables this way only to make subsets
    (pdfdoc.PDFStreamFilterZCompress, "encode", _deflate),
    (rl_config, "useA85", 0),
)
# What was there before install(), captured when this module is first imported (tests compare against these).
ORIGINALS = {(owner, name): getattr(owner, name) for owner, name, _ in PATCHES}
_installed = False


def install() -> None:
    """Put docgen's replacements into ReportLab, once per process (idempotent)."""
    global _installed
    if _installed:
        return
    for owner, name, value in PATCHES:
        setattr(owner, name, value)
    _installed = True
