"""Preflight of rendered PDFs: the typesetting rules of the design brief, measured on the page.

Each finding has a kind:

- ``kinsoku``: a line (or a table cell's line) starts with closing punctuation (，。）》…) or ends with
  opening punctuation (（《“…);
- ``split``: a number or Latin word runs to the right edge of a line and goes on at the start of the next;
- ``range``: a range such as 8:00—12:00 or 2026-01～2026-10 is broken at its dash;
- ``tofu``: a character is drawn with a missing or empty glyph (or a copy of the .notdef box), or
  extracts as U+0000 / U+FFFD;
- ``embed``: a font is used without being embedded (a standard-14 font only referenced included);
- ``text``: the text layer does not give the characters back (a ToUnicode entry that is not UTF-16).

Given the DOCX beside a PDF, :func:`compare` also converts it with LibreOffice and reports
``pages`` (page counts differ) and ``bold`` (Latin letters and digits that are bold in the PDF but not in
the DOCX, or the other way round), and runs the checks above on the converted file.
"""
from __future__ import annotations

import io
import logging
import re
from collections import Counter
from pathlib import Path

CLOSING = set("，。、；：？！）》」』】〕〉…‥’”％‰,.;:?!)]}%·ー")
OPENING = set("（《「『【〔〈‘“([{")
DASHES = set("—–～~-－")
_ALNUM = re.compile(r"[0-9A-Za-z]")
_BOLD = re.compile(r"bold|black|heavy", re.I)
KINDS = ("kinsoku", "split", "range", "tofu", "embed", "text")


# ---------------------------------------------------------------- lines on the page

def page_lines(page) -> list[list[list[dict]]]:
    """The page's upright characters as lines, each line a list of runs split at wide gaps."""
    chars = sorted((c for c in page.chars if c.get("upright", True) and c["text"].strip()),
                   key=lambda c: (c["top"], c["x0"]))
    lines: list[list[dict]] = []
    for ch in chars:
        size = max(ch["size"], 1.0)
        home = next((ln for ln in lines if abs(ln[0]["top"] - ch["top"]) <= 0.35 * size
                     and abs(ln[0]["size"] - ch["size"]) < 0.5 * size), None)
        if home is None:
            lines.append([ch])
        else:
            home.append(ch)
    out = []
    for ln in sorted(lines, key=lambda ln: ln[0]["top"]):
        ln.sort(key=lambda c: c["x0"])
        runs = [[ln[0]]]
        for a, b in zip(ln, ln[1:]):
            if b["x0"] - a["x1"] > 2.5 * max(a["size"], 1.0):
                runs.append([])
            runs[-1].append(b)
        out.append(runs)
    return out


def _text(chars) -> str:
    return "".join(c["text"] for c in chars)


def _line_findings(pno: int, lines) -> list[dict]:
    found = []
    right = max((run[-1]["x1"] for ln in lines for run in ln), default=0.0)

    def add(kind, text):
        found.append({"page": pno, "kind": kind, "text": text})

    for i, runs in enumerate(lines):
        for j, run in enumerate(runs):
            # an answer bracket （    ） is one run broken by its own blank: not a line start
            if run[0]["text"] in CLOSING and not (j and runs[j - 1][-1]["text"] in OPENING):
                add("kinsoku", _text(run)[:40])
        last = runs[-1]
        if last[-1]["text"] in OPENING:
            add("kinsoku", _text([c for run in runs for c in run])[-40:])
        if i + 1 < len(lines):
            nxt = lines[i + 1][0]
            size = last[-1]["size"]
            close_below = 0 < nxt[0]["top"] - last[-1]["top"] <= 2.2 * size
            aligned = abs(nxt[0]["x0"] - runs[0][0]["x0"]) <= 2.5 * size
            at_edge = last[-1]["x1"] >= right - 1.2 * size
            pair = _text(last[-12:]) + " / " + _text(nxt[:12])
            if close_below and aligned and at_edge and _ALNUM.match(last[-1]["text"]) and _ALNUM.match(nxt[0]["text"]):
                add("split", pair)
            elif (close_below and aligned and len(last) > 1 and last[-1]["text"] in DASHES
                  and last[-2]["text"].isdigit() and nxt[0]["text"].isdigit()):
                add("range", pair)
        head = runs[0]
        if (i and len(head) > 1 and head[0]["text"] in DASHES and head[1]["text"].isdigit()
                and lines[i - 1][-1][-1]["text"].isdigit()):
            add("range", _text(head[:16]))
    return found


# ---------------------------------------------------------------- fonts and the text layer

def _utf16(hexdigits: str) -> str | None:
    """A ToUnicode destination as text, or None when it is not UTF-16BE."""
    if len(hexdigits) % 4:
        return None
    try:
        return bytes.fromhex(hexdigits).decode("utf-16-be")
    except UnicodeDecodeError:
        return None


def to_unicode(data: bytes) -> tuple[dict[int, str], list[str]]:
    """Parse a ToUnicode CMap: ({code: text}, destinations that are not UTF-16)."""
    text = data.decode("latin-1")
    table: dict[int, str] = {}
    bad: list[str] = []

    def put(code: int, dest: str):
        value = _utf16(dest)
        if value is None:
            bad.append(dest)
            value = chr(int(dest, 16)) if dest and int(dest, 16) <= 0x10FFFF else ""
        table[code] = value

    for body in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for code, dest in re.findall(r"<\s*([0-9A-Fa-f]+)\s*>\s*<\s*([0-9A-Fa-f]*)\s*>", body):
            put(int(code, 16), dest)
    for body in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, dest in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]*>)", body):
            lo_i, hi_i = int(lo, 16), int(hi, 16)
            if dest.startswith("["):
                for k, d in enumerate(re.findall(r"<([0-9A-Fa-f]*)>", dest)):
                    put(lo_i + k, d)
                continue
            start = int(dest[1:-1] or "0", 16)
            width = len(dest) - 2
            for k in range(hi_i - lo_i + 1):
                put(lo_i + k, format(start + k, f"0{width}X"))
    return table, bad


def _empty_glyph(font, gid: int) -> bool:
    """Whether glyph gid draws nothing, or draws the font's .notdef box (a writer that copied glyph 0 for a
    character the face lacks, as ReportLab does)."""
    order = font.getGlyphOrder()
    if not 0 < gid < len(order):
        return True
    name = order[gid]
    if "glyf" in font:
        glyf = font["glyf"]
        glyph = glyf[name]
        if glyph.numberOfContours == 0:
            return True
        notdef = glyf[order[0]]
        if glyph.numberOfContours == notdef.numberOfContours > 0 and not glyph.isComposite():
            mine, box = glyph.getCoordinates(glyf), notdef.getCoordinates(glyf)
            return list(mine[0]) == list(box[0]) and list(mine[1]) == list(box[1])
        return False
    if "CFF " in font:
        charstring = font["CFF "].cff.topDictIndex[0].CharStrings[name]
        charstring.decompile()
        return len(charstring.program) <= 2      # just an advance and endchar
    return False


def _control(ch: str) -> bool:
    return ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F


def _glyph_of(font_dict, descendant, program):
    """A function from a character code of this PDF font to a glyph id of its embedded program."""
    if font_dict.get("/Subtype") == "/Type0":
        mapping = descendant.get("/CIDToGIDMap")
        if mapping is None or mapping == "/Identity":
            return lambda code: code
        raw = mapping.get_object().get_data()
        return lambda code: int.from_bytes(raw[2 * code:2 * code + 2], "big")
    by_code: dict[int, int] = {}
    if "cmap" in program:
        for sub in program["cmap"].tables:
            if (sub.platformID, sub.platEncID) in ((3, 0), (1, 0)):
                for code, name in sub.cmap.items():
                    by_code.setdefault(code & 0xFF, program.getGlyphID(name))
    return lambda code: by_code.get(code, 0)


def font_findings(path: Path) -> list[dict]:
    """Tofu, unembedded fonts and text-layer defects of every font the pages use."""
    from fontTools.ttLib import TTFont
    from pypdf import PdfReader
    _quiet()
    found: list[dict] = []
    tofu: set[str] = set()
    done: set = set()
    for page in PdfReader(str(path)).pages:
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources else None
        for ref in (fonts.get_object().values() if fonts else ()):
            key = getattr(ref, "idnum", None) or id(ref)
            if key in done:
                continue
            done.add(key)
            font = ref.get_object()
            base = str(font.get("/BaseFont"))
            holder = font["/DescendantFonts"][0].get_object() if font.get("/Subtype") == "/Type0" else font
            descriptor = holder.get("/FontDescriptor")
            if descriptor is None:
                if font.get("/Subtype") != "/Type3":
                    found.append({"page": None, "kind": "embed", "text": base})
                continue
            descriptor = descriptor.get_object()
            stream = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            if stream is None:
                if descriptor.get("/FontFile") is None:
                    found.append({"page": None, "kind": "embed", "text": base})
                continue
            cmap = font.get("/ToUnicode")
            if cmap is None:
                continue
            table, bad = to_unicode(cmap.get_object().get_data())
            for dest in bad[:5]:
                found.append({"page": None, "kind": "text", "text": f"{base}: ToUnicode <{dest}> is not UTF-16"})
            try:
                program = TTFont(io.BytesIO(stream.get_object().get_data()), lazy=True)
            except Exception:  # noqa: BLE001 - a CFF-only or damaged program: nothing to measure
                continue
            glyph = _glyph_of(font, holder, program)
            for code, ch in table.items():
                # a format character (U+200D …) has no outline either, but it should not be drawn at all
                if not ch or ch.isspace() or ch in "\x00\ufffd" or _control(ch[0]):
                    continue
                try:
                    if _empty_glyph(program, glyph(code)):
                        tofu.add(ch)
                except Exception:  # noqa: BLE001 - a glyph fontTools cannot read is not ours to judge
                    continue
    found[:0] = [{"page": None, "kind": "tofu", "text": f"{ch} U+{ord(ch[0]):04X}"} for ch in sorted(tofu)]
    return found


# ---------------------------------------------------------------- the checks

def _quiet() -> None:
    # LibreOffice's files make pypdf and pdfminer warn about harmless metadata (dates, fonts)
    for name in ("pdfminer", "pypdf", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)



def check(path: Path | str) -> dict:
    """All typesetting findings of one PDF: {"file", "pages", "problems": [{"page", "kind", "text"}]}."""
    import pdfplumber
    path = Path(path)
    problems: list[dict] = []
    odd: set[str] = set()
    _quiet()
    with pdfplumber.open(str(path)) as pdf:
        pages = len(pdf.pages)
        for pno, page in enumerate(pdf.pages, 1):
            odd.update(c["text"] for c in page.chars if c["text"] in ("\x00", "\ufffd"))
            problems += _line_findings(pno, page_lines(page))
    fonts = font_findings(path)
    problems += [f for f in fonts if f["kind"] == "tofu"]
    problems += [{"page": None, "kind": "tofu", "text": f"extracted {ch!r}"} for ch in sorted(odd)]
    problems += [f for f in fonts if f["kind"] != "tofu"]
    return {"file": str(path), "pages": pages, "problems": problems}


def bold_latin(path: Path | str) -> str:
    """The Latin letters and digits a PDF draws in a bold face, in reading order."""
    import pdfplumber
    _quiet()
    with pdfplumber.open(str(path)) as pdf:
        return "".join(c["text"] for page in pdf.pages for c in page.chars
                       if _ALNUM.match(c["text"]) and _BOLD.search(c["fontname"]))


def compare(pdf: Path | str, docx_pdf: Path | str) -> dict:
    """Compare our PDF with the LibreOffice conversion of the same document's DOCX.

    Returns the converted file's own check, with ``pages`` and ``bold`` findings added."""
    report = check(docx_pdf)
    ours = check_pages(pdf)
    if ours != report["pages"]:
        report["problems"].append({"page": None, "kind": "pages",
                                   "text": f"PDF {ours} 页，DOCX 经 LibreOffice {report['pages']} 页"})
    a, b = Counter(bold_latin(pdf)), Counter(bold_latin(docx_pdf))
    if a != b:
        only_pdf, only_docx = "".join(sorted((a - b).elements())), "".join(sorted((b - a).elements()))
        report["problems"].append({"page": None, "kind": "bold",
                                   "text": f"只在 PDF 中为粗体：{only_pdf or '无'}；只在 DOCX 中为粗体：{only_docx or '无'}"})
    report["compared_with"] = str(pdf)
    return report


def check_pages(path: Path | str) -> int:
    """Number of pages of a PDF."""
    from pypdf import PdfReader
    return len(PdfReader(str(path)).pages)


def check_files(files: list[Path], work: Path | None = None) -> list[dict]:
    """Check PDFs; a DOCX is converted with LibreOffice (one run for all) and compared with the
    PDF of the same name when that is given too. One report per PDF and per DOCX, in order."""
    import tempfile
    from .errors import DataError
    pdfs = [f for f in files if f.suffix.lower() == ".pdf"]
    docxs = [f for f in files if f.suffix.lower() == ".docx"]
    other = [f for f in files if f.suffix.lower() not in (".pdf", ".docx")]
    if other:
        raise DataError(f"不能检查 {other[0].name}", file=str(other[0]), expected=".pdf 或 .docx 文件")
    missing = [f for f in files if not f.is_file()]
    if missing:
        raise DataError("找不到文件", file=str(missing[0]), expected="一个存在的 PDF 或 DOCX 文件")
    reports = [check(p) for p in pdfs]
    if docxs:
        from .engine.word import docxs_to_pdfs
        with tempfile.TemporaryDirectory(prefix="docgen-check-") as tmp:
            converted = docxs_to_pdfs(docxs, Path(tmp))
            by_stem = {p.stem: p for p in pdfs}
            for d, c in zip(docxs, converted):
                twin = by_stem.get(d.stem)
                r = compare(twin, c) if twin else check(c)
                r["file"] = str(d)
                reports.append(r)
    return reports
