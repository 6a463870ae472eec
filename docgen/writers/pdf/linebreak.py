"""Chinese line breaking: punctuation classes, glyph runs, CJK-Latin spacing and the break itself.

A line may break between any two Han characters, but no line starts with closing punctuation (，。）》…), no
line ends with opening punctuation (（《“…), and Latin words and numbers (2026-11, 1,234.50, A-1203) are never
split, nor a number from its unit (a date may break between its parts, 2026年|11月|20日, never inside one).
A closing full-width mark that does not fit may hang into past the margin (its ink sits in the left half of
its em box), like Word's default.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .fonts import Face

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
            a.spaced = AUTOSPACE * size


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
    """Width of the widest piece of text a table column should hold on one line (a word, a number, a range,
    a whole date: a body line may break between a date's parts, a cell sized for it need not)."""
    return max((sum(g.width for g in u) for u in _units(glyphs, whole=True)
                if u[0].kind not in ("space", "break")), default=0.0)


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
    breakable: bool = False       # a piece of a long empty blank: a line may break before it
    spaced: float = 0.0           # CJK-Latin space included in width, after the glyph (none at a line's end)


@dataclass
class Line:
    """A laid-out line: glyphs with their x offsets."""
    glyphs: list[Glyph]
    xs: list[float]
    width: float
    last: bool = False


def _units(glyphs: list[Glyph], whole: bool = False) -> list[list[Glyph]]:
    """Group glyphs into unbreakable units (words, numbers, punctuation attached to neighbours). whole (for
    sizing a table column) also keeps a date such as 2026年11月20日 and a long empty blank in one unit, where
    a line may otherwise break between 年|11月|20日 or inside the blank."""
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
            elif g.kind == "char" and prev.kind == "char" and _keeps(units[-1], g.text, whole):
                attach = True   # 2026年 11月 20日, 1,234.50元, （星期三）, 浙A·D1234
            elif g.underline and prev.underline and "pad" in (g.kind, prev.kind) and (
                    whole or not g.breakable):
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


def _keeps(unit: list[Glyph], ch: str, whole: bool = False) -> bool:
    """Whether ch must stay on the line of the unit before it (numbers with their units, weekdays, plates;
    with whole the next part of a date too)."""
    prev = unit[-1].text
    if ch in NUMBER_UNITS and prev.isdigit():
        return True
    if whole and ch.isdigit() and prev in "年月" and len(unit) > 1 and unit[-2].text.isdigit():
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
    # the space between 年 and a digit on the next line is not kept at this line's end: its ink is flush
    return Line(glyphs, xs, x - (glyphs[-1].spaced if glyphs else 0.0), last=last)


def _widow(glyphs: list[Glyph]) -> bool:
    """Whether a last line holds a single character (with any closing marks after it)."""
    chars = [g for g in glyphs if g.kind != "space"]
    return bool(chars) and chars[0].kind == "char" and all(g.kind == "char" and g.text in NO_START
                                                           for g in chars[1:])
