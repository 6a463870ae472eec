"""Chinese typesetting for the PDF writer: font choice per character, widths, and line breaking.

Line breaking follows the usual rules for Chinese: a line may break between any two
Han characters, but no line starts with closing punctuation (，。）》…), no line ends
with opening punctuation (（《“…), and Latin words and numbers (2026-11, 1,234.50,
A-1203) are never split. A closing full-width mark that does not fit may hang into
past the margin (its ink sits in the left half of its em box), like Word's default.
"""
from __future__ import annotations

import bisect
import gzip
import json
import re
import struct
import threading
import zlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from reportlab import rl_config
from reportlab.pdfbase import pdfdoc, pdfmetrics, ttfonts

from .errors import FontError

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


ttfonts.makeToUnicodeCMap = _to_unicode_cmap

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


def _cached_table(self, tag, _get=ttfonts.TTFontFile.get_table):
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


ttfonts.TTFontFile.get_table = _cached_table   # ReportLab reads tables this way only to make subsets
rl_config.useA85 = 0


def _deflate(self, text):
    """Deflate at level 2: a batch letter spends a sixth of its time in zlib at the default
    level 6, which makes files only 3% smaller."""
    return zlib.compress(text.encode("utf8") if isinstance(text, str) else text, 2)


pdfdoc.PDFStreamFilterZCompress.encode = _deflate

# ---------------------------------------------------------------- punctuation classes

NO_START = set("，。、；：？！）》」』】〕〉…‥’”％‰,.;:?!)]}%·ー～")
NO_END = set("（《「『【〔〈‘“([{¥￥$#")
# Full-width closing marks whose ink sits in the left half of the em box: may hang at line end.
HANGABLE = set("，。、；：？！")
# Dashes that join the two ends of a range (8:00—12:00, 2026-01～2026-10).
RANGE_DASHES = set("—–～~-－")
_WORD_CHAR = re.compile(r"[0-9A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]")
_WORD_JOIN = set(".,:/-_'@&+#%·")


def is_latin(ch: str) -> bool:
    """Characters drawn with the Latin face (letters, digits, ASCII punctuation)."""
    return ord(ch) < 0x0300


# ---------------------------------------------------------------- fonts

@dataclass
class Face:
    """One font file, registered with ReportLab on first use."""
    key: str
    path: Path
    ranges: list[tuple[int, int]] | None = None
    _starts: list[int] = field(default_factory=list)
    _registered: str | None = None
    _widths: dict[str, float] = field(default_factory=dict)

    def covers(self, cp: int) -> bool:
        """Whether this face has a glyph for code point cp."""
        if self.ranges is None:
            self._load_ranges()
        i = bisect.bisect_right(self._starts, cp) - 1
        return i >= 0 and self.ranges[i][0] <= cp <= self.ranges[i][1]

    def _load_ranges(self):
        font = self.font()
        cps = sorted(c for c, g in font.face.charToGlyph.items() if g)
        ranges: list[tuple[int, int]] = []
        for c in cps:
            if ranges and ranges[-1][1] == c - 1:
                ranges[-1] = (ranges[-1][0], c)
            else:
                ranges.append((c, c))
        self.set_ranges(ranges)

    def set_ranges(self, ranges):
        """Use precomputed coverage (sorted inclusive ranges)."""
        self.ranges = [tuple(r) for r in ranges]
        self._starts = [r[0] for r in self.ranges]

    @property
    def name(self) -> str:
        """The ReportLab font name, registering the font if needed."""
        if self._registered is None:
            self.font()
        return self._registered  # type: ignore[return-value]

    def font(self):
        """The ReportLab TTFont object."""
        if self._registered is None:
            with _LOCK:
                if self._registered is None:
                    name = "dg-" + self.key
                    try:
                        pdfmetrics.getFont(name)
                    except KeyError:
                        try:
                            pdfmetrics.registerFont(ttfonts.TTFont(name, str(self.path), asciiReadable=0))
                        except Exception as e:  # noqa: BLE001 - any font parsing error
                            raise FontError(f"无法载入字体文件：{e}", file=str(self.path),
                                            expected="TrueType 轮廓（glyf）的 .ttf/.ttc 字体") from None
                    self._registered = name
        return pdfmetrics.getFont(self._registered)

    def width(self, ch: str, size: float) -> float:
        """Advance width of one character at size."""
        w = self._widths.get(ch)
        if w is None:
            w = self._widths[ch] = self.font().stringWidth(ch, 1000.0) / 1000.0
        return w * size


_LOCK = threading.RLock()


def _bundled_dir() -> Path:
    return Path(str(resources.files("docgen") / "fonts"))


@dataclass
class FontSet:
    """The faces a document is drawn with and the per-character fallback chain."""
    song: Face
    hei: Face
    latin: Face
    latin_bold: Face
    fallback: list[Face]
    _choice: dict[tuple[str, bool], Face] = field(default_factory=dict)

    def face_for(self, ch: str, bold: bool = False) -> Face:
        """The face that draws ch: Latin face for Latin, CJK face otherwise, then the fallbacks."""
        key = (ch, bold)
        face = self._choice.get(key)
        if face is not None:
            return face
        cp = ord(ch)
        chain = []
        if is_latin(ch):
            chain.append(self.latin_bold if bold else self.latin)
        chain.append(self.hei if bold else self.song)
        chain.append(self.song)
        chain.extend(self.fallback)
        chain.append(self.latin)
        for f in chain:
            if f.covers(cp):
                self._choice[key] = f
                return f
        raise FontError(f"没有任何字体能显示字符「{ch}」(U+{cp:04X})",
                        expected="换用常见字符，或在 docgen.toml 的 [fonts] 中加入含此字的字体")

    def measure(self, text: str, size: float, bold: bool = False) -> float:
        """Width of plain text at size (as the PDF writer sets it, before any justification)."""
        return sum(self.face_for(ch, bold).width(ch, size) for ch in text if ch.isprintable())

    def check(self, text: str) -> None:
        """Raise FontError naming the first character no font can draw."""
        for ch in set(text):
            if ch not in "\n\t " and ord(ch) >= 0x20:
                self.face_for(ch)


_DEFAULT: FontSet | None = None
_USER: dict[tuple, FontSet] = {}


def _load_coverage(folder: Path) -> dict[str, list]:
    path = folder / "coverage.json.gz"
    if path.is_file():
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return json.load(f)
    return {}


def fontset(user: dict | None = None) -> FontSet:
    """The bundled fonts, with any faces named in the profile's [fonts] table put first."""
    global _DEFAULT
    with _LOCK:
        if _DEFAULT is None:
            folder = _bundled_dir()
            manifest = json.loads((folder / "fonts.json").read_text(encoding="utf-8"))["faces"]
            coverage = _load_coverage(folder)

            def face(key: str, filename: str) -> Face:
                f = Face(key, folder / filename)
                if filename in coverage:
                    f.set_ranges(coverage[filename])
                return f

            _DEFAULT = FontSet(
                song=face("song", manifest["song"]), hei=face("hei", manifest["hei"]),
                latin=face("latin", manifest["latin"]), latin_bold=face("latinb", manifest["latin_bold"]),
                fallback=[face(f"fb{i}", name) for i, name in enumerate(manifest["fallback"])])
        if not user:
            return _DEFAULT
        key = tuple(sorted((k, str(v)) for k, v in user.items() if v))
        if key not in _USER:
            base = _DEFAULT

            def pick(name: str, default: Face) -> Face:
                value = user.get(name)
                if not value:
                    return default
                path = Path(str(value)).expanduser()
                if not path.is_file():
                    raise FontError(f"找不到字体文件 {path}", field=f"fonts.{name}",
                                    expected="一个存在的 .ttf 文件路径")
                return Face(f"user-{name}-{abs(hash(str(path))) % 10**8}", path)

            extra = [pick(f"fallback{i}", None) for i in range(1, 4) if user.get(f"fallback{i}")]
            _USER[key] = FontSet(song=pick("song", base.song), hei=pick("hei", base.hei),
                                 latin=pick("latin", base.latin), latin_bold=pick("latin_bold", base.latin_bold),
                                 fallback=extra + base.fallback)
        return _USER[key]


# ---------------------------------------------------------------- CJK-Latin spacing

AUTOSPACE = 0.2      # em between a Han character and a Latin letter or digit, as LibreOffice and Word add
_LATIN_ALNUM = re.compile(r"[0-9A-Za-z\u00c0-\u024f]")


def _han(ch: str) -> bool:
    cp = ord(ch)
    return 0x3400 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF or 0x3040 <= cp <= 0x30FF or cp >= 0x20000


def autospace(glyphs: list[Glyph], size: float) -> None:
    """Widen a glyph where Han text meets Latin letters or digits (2026年, 第3条), so the PDF sets the same
    spacing as the DOCX in Word and LibreOffice (whose DOCX import always applies it)."""
    for a, b in zip(glyphs, glyphs[1:]):
        if a.kind == b.kind == "char" and a.text and b.text and (
                (_han(a.text) and _LATIN_ALNUM.match(b.text)) or (_LATIN_ALNUM.match(a.text) and _han(b.text))):
            a.width += AUTOSPACE * size


# ---------------------------------------------------------------- line breaking

def fit_columns(widths: list[float], need: list[float]) -> list[float]:
    """Column widths of the same total where every column gets at least what it needs, taken from the
    others in proportion to their widths (or, when the total is too small for all, shared by need)."""
    total = sum(widths)
    if sum(need) >= total:
        scale = total / (sum(need) or 1.0)
        return [n * scale for n in need]
    out, fixed = list(widths), set()
    while True:
        short = [i for i, w in enumerate(out) if i not in fixed and w < need[i] - 0.01]
        if not short:
            return out
        fixed.update(short)
        free = [i for i in range(len(out)) if i not in fixed]
        room = total - sum(need[i] for i in fixed)
        base = sum(widths[i] for i in free) or 1.0
        out = [need[i] if i in fixed else room * widths[i] / base for i in range(len(out))]


def longest_unit(glyphs: list[Glyph]) -> float:
    """Width of the widest piece of text that is never broken (a word, a number, a date, a range)."""
    return max((sum(g.width for g in u) for u in _units(glyphs) if u[0].kind not in ("space", "break")),
               default=0.0)


def column_count(widths: list[float], room: float, size: float) -> int:
    """How many short items (exam options) go to a line of width room: 4, 2 or 1, in both writers."""
    widest = max(widths, default=0.0)
    return 4 if widest <= room / 4 - size else 2 if widest <= room / 2 - size else 1


@dataclass
class Glyph:
    """One drawable piece: a character, or a fixed-width object (blank, checkbox)."""
    text: str
    width: float
    face: Face | None
    bold: bool = False
    underline: bool = False
    kind: str = "char"            # char | space | blank | box | break
    checked: bool = False
    glue: bool = False            # never break before this glyph (inside a no-break run)


@dataclass
class Line:
    """A laid-out line: glyphs with their x offsets."""
    glyphs: list[Glyph]
    xs: list[float]
    width: float
    last: bool = False


def _units(glyphs: list[Glyph]) -> list[list[Glyph]]:
    """Group glyphs into unbreakable units (words, numbers, punctuation attached to neighbours)."""
    units: list[list[Glyph]] = []
    glue_next = False
    prev: Glyph | None = None
    n = len(glyphs)
    for i, g in enumerate(glyphs):
        if g.kind == "break":
            units.append([g])
            glue_next = False
            prev = g
            continue
        if g.kind == "space":
            units.append([g])
            glue_next = False
            prev = g
            continue
        attach = False
        if (g.kind == "char" and g.text in NO_START and prev is not None and prev.kind == "space"
                and len(units) >= 2 and units[-2][-1].kind not in ("space", "break")):
            # UAX #14 LB13: no break before a closing mark even after spaces (`{{ x }}`, `{% if %}`).
            units[-2].extend(units.pop())
            attach = True
        elif units and prev is not None and prev.kind not in ("space", "break"):
            if glue_next:
                attach = True
            elif g.kind == "char" and g.text in NO_START:
                attach = True
            elif g.kind == "char" and prev.kind == "char" and _WORD_CHAR.match(g.text) and (
                    _WORD_CHAR.match(prev.text) or (prev.text in _WORD_JOIN and len(units[-1]) > 1
                                                    and _WORD_CHAR.match(units[-1][-2].text))):
                attach = True
            elif g.kind == "char" and g.text in _WORD_JOIN and _WORD_CHAR.match(prev.text):
                attach = True
            elif g.kind == "char" and g.text in "—…" and prev.text == g.text:
                attach = True
            elif g.kind == "char" and g.text in RANGE_DASHES and prev.text.isdigit():
                attach = True   # 8:00—12:00, 2026-01～2026-10: a range is never broken at its dash
            elif g.kind == "char" and prev.kind == "char" and _keeps(units[-1], g.text):
                attach = True   # 2026年11月20日, 1,234.50元, （星期三）, 浙A·D1234
            elif g.underline and prev.underline and "pad" in (g.kind, prev.kind):
                attach = True   # a fill-in blank's padding stays with its value (and so with a following ，)
        attach = attach or (g.glue and bool(units))     # inside a no-break run (（10分）)
        if attach:
            units[-1].append(g)
        else:
            units.append([g])
        # An opening mark holds on to what follows it, through any blank space (（　　） stays whole);
        # a dash after a digit holds on to the digit after it.
        glue_next = ((g.kind == "char" and g.text in NO_END) or (glue_next and g.kind == "pad")
                     or (g.kind == "char" and g.text in RANGE_DASHES and prev is not None and prev.text.isdigit()
                         and i + 1 < n and glyphs[i + 1].text[:1].isdigit()))
        prev = g
    return _join_spaced_numbers(units)


# After a number: the unit it counts (a date's 年/月/日, money's 元 …) stays with it.
NUMBER_UNITS = set("年月日时分秒元角号栋室楼层期月份")
_WEEKDAY = set("一二三四五六日天")
# Provinces' one-character abbreviations that start a plate number (浙A·D1234).
PLATE_HEADS = set("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼")


def _keeps(unit: list[Glyph], ch: str) -> bool:
    """Whether ch must stay on the line of the unit before it (numbers with their units, dates, weekdays, plates)."""
    prev = unit[-1].text
    if ch in NUMBER_UNITS and prev.isdigit():
        return True
    if ch.isdigit() and prev in "年月" and len(unit) > 1 and unit[-2].text.isdigit():
        return True                        # the next part of a date: 2026年|11月|20日
    if prev == "星" and ch == "期" or prev == "期" and ch in _WEEKDAY and len(unit) > 1 and unit[-2].text == "星":
        return True
    return prev in PLATE_HEADS and "A" <= ch <= "Z" and len(unit) == 1


def _join_spaced_numbers(units: list[list[Glyph]]) -> list[list[Glyph]]:
    """Keep digit groups split by single spaces together: a phone number like 0571-8650 2266 is one number."""
    out: list[list[Glyph]] = []
    i = 0
    while i < len(units):
        u = units[i]
        if (len(u) == 1 and u[0].kind == "space" and out and i + 1 < len(units)
                and out[-1][-1].kind == "char" and out[-1][-1].text in "0123456789"
                and units[i + 1][0].kind == "char" and units[i + 1][0].text in "0123456789"):
            out[-1].extend(u + units[i + 1])
            i += 2
            continue
        out.append(u)
        i += 1
    return out


def break_lines(glyphs: list[Glyph], width: float, first_indent: float = 0.0, size: float = 12.0,
                hang: bool = True) -> list[Line]:
    """Greedy line breaking with the Chinese rules above; returns lines with x positions.

    hang=False keeps every mark inside the width (table cells: a hanging comma would cross the rule);
    hang=True (body text) also pulls one character down rather than leave a one-character last line."""
    units = _units(glyphs)
    lines: list[Line] = []
    tails: list[int] = []       # per closed line: glyphs in its last unit (0: not to be moved)
    cur: list[Glyph] = []
    cur_w = 0.0
    cur_tail = 0
    avail = width - first_indent

    def close(last: bool):
        nonlocal cur, cur_w, avail, cur_tail
        while cur and cur[-1].kind == "space":
            cur_w -= cur[-1].width
            cur.pop()
            cur_tail = 0
        lines.append(_line(cur, last))
        tails.append(0 if last else cur_tail)
        cur, cur_w, avail, cur_tail = [], 0.0, width, 0

    for unit in units:
        if unit[0].kind == "break":
            close(last=True)
            continue
        uw = sum(g.width for g in unit)
        if unit[0].kind == "space" and not cur:
            continue  # no leading spaces on a line
        if cur_w + uw <= avail + 0.01:
            cur.extend(unit)
            cur_w += uw
            cur_tail = len(unit)
            continue
        # Let one trailing full-width comma or stop hang past the margin, as Word's
        # "允许标点溢出边界" does, instead of pushing a character down to the next line.
        last = unit[-1]
        if (hang and last.kind == "char" and last.text in HANGABLE and cur
                and cur_w + uw - last.width <= avail + 0.01):
            cur.extend(unit)
            cur_w += uw
            cur_tail = 0
            close(last=False)
            continue
        if cur:
            close(last=False)
            if unit[0].kind == "space":
                continue
        if uw <= avail + 0.01:
            cur.extend(unit)
            cur_w += uw
            cur_tail = len(unit)
            continue
        # A unit longer than the whole line (a very long word or value): break it where it must.
        for g in unit:
            if cur and cur_w + g.width > avail + 0.01 and not (g.kind == "char" and g.text in NO_START):
                close(last=False)
            cur.append(g)
            cur_w += g.width
        cur_tail = 0
    if hang and lines and tails[-1] and _widow(cur):
        # A one-character last line: bring the previous line's last unit down with it.
        prev = lines[-1].glyphs
        k = tails[-1]
        moved = prev[len(prev) - k:]
        if (len(prev) > k and sum(g.width for g in moved) <= 3 * size
                and sum(g.width for g in moved + cur) <= width + 0.01):
            lines[-1] = _line(prev[:len(prev) - k], False)
            cur = moved + cur
    close(last=True)
    if lines and not lines[-1].glyphs and len(lines) > 1:
        lines.pop()
        lines[-1].last = True
    return lines


def _line(glyphs: list[Glyph], last: bool) -> Line:
    xs, x = [], 0.0
    for g in glyphs:
        xs.append(x)
        x += g.width
    return Line(glyphs, xs, x, last=last)


def _widow(glyphs: list[Glyph]) -> bool:
    """Whether a last line holds a single character (with any closing marks after it)."""
    chars = [g for g in glyphs if g.kind != "space"]
    return bool(chars) and chars[0].kind == "char" and all(g.kind == "char" and g.text in NO_START
                                                           for g in chars[1:])
