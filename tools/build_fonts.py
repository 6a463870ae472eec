#!/usr/bin/env python3
"""Regenerate the default fonts bundled in ``docgen/fonts/``.

MAINTAINER SCRIPT -- not used at runtime.  The package ships the files this
script writes; docgen itself never imports fontTools for them at start-up
(it reads ``fonts.json`` and ``coverage.json.gz`` and hands the .ttf files to
ReportLab).

Sources are the Debian packages (Debian 12 "bookworm" versions at the time of
writing)::

    apt-get install -y fonts-noto-cjk fonts-lxgw-wenkai fonts-hanazono \\
                       fonts-liberation2 fonts-dejavu-core

Run from the repository root with the project's venv (needs fontTools)::

    python tools/build_fonts.py            # rebuild everything
    python tools/build_fonts.py --jobs 1   # serial (less memory, slower)

What it does (see docgen/fonts/README.md for the why):

* Noto Serif CJK SC Regular / Noto Sans CJK SC Bold (OpenType/CFF, in a .ttc):
  take the SC face, subset to the code points in its own cmap without
  following GSUB (drops the JP/KR/TC locl variants, vertical forms ...), drop
  layout/vertical/BASE tables, then convert the cubic CFF outlines to
  quadratic TrueType (glyf) outlines with fontTools' cu2qu pen, because
  ReportLab only embeds glyf fonts.
* Fallbacks: glyf fonts subset to what the song face lacks (plus complete
  CJK ideograph extension / compatibility / CJK symbol blocks, so the chain
  still works when a user replaces the song face with e.g. SimSun), renamed
  because the upstream names are Reserved Font Names under the OFL.
* Liberation Serif Regular/Bold: copied unchanged.
* fonts.json (face manifest), coverage.json.gz (code-point ranges per file),
  licence files and README.md.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import shutil
import sys
import textwrap
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from fontTools import subset as ft_subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docgen" / "fonts"

# --------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------
NOTO = Path("/usr/share/fonts/opentype/noto")
SRC = {
    "serif": (NOTO / "NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC"),
    "sans_bold": (NOTO / "NotoSansCJK-Bold.ttc", "Noto Sans CJK SC"),
    "hana_a": (Path("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf"), None),
    "hana_b": (Path("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf"), None),
    "kai": (Path("/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf"), None),
    "lib_r": (Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"), None),
    "lib_b": (Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf"), None),
    "dejavu": (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"), None),
}
DOC = Path("/usr/share/doc")
DEB_PKG = {
    "serif": "fonts-noto-cjk", "sans_bold": "fonts-noto-cjk",
    "hana_a": "fonts-hanazono", "hana_b": "fonts-hanazono",
    "kai": "fonts-lxgw-wenkai", "lib_r": "fonts-liberation2",
    "lib_b": "fonts-liberation2", "dejavu": "fonts-dejavu-core",
}

# Output file names (also the keys of coverage.json.gz).
F_SONG = "NotoSerifSC-Regular.ttf"
F_HEI = "NotoSansSC-Bold.ttf"
F_LATIN = "LiberationSerif-Regular.ttf"
F_LATIN_BOLD = "LiberationSerif-Bold.ttf"
F_SYMBOLS = "DejaVuSans-Symbols.ttf"
F_MING_A = "Fallback-MingA.ttf"   # from HanaMinA
F_MING_B = "Fallback-MingB.ttf"   # from HanaMinB
F_KAI = "Fallback-Kai.ttf"        # from LXGW WenKai
# Order in which the engine should try the fallbacks (after song/hei/latin).
FALLBACK_ORDER = [F_SYMBOLS, F_MING_A, F_MING_B, F_KAI]

# Blocks every fallback keeps in full (all the code points it has there),
# even when the song face covers them too: CJK ideographs outside the URO,
# compatibility ideographs and the CJK symbol blocks.  This keeps rare-name
# coverage when the user points the song face to a font such as SimSun or
# FangSong that lacks Ext-A/Ext-B.
KEEP_BLOCKS = [
    (0x2E80, 0x2FDF),    # CJK Radicals Supplement, Kangxi Radicals
    (0x2FF0, 0x303F),    # Ideographic Description, CJK Symbols and Punctuation
    (0x31C0, 0x31EF),    # CJK Strokes
    (0x3200, 0x33FF),    # Enclosed CJK Letters and Months, CJK Compatibility
    (0x3400, 0x4DBF),    # Ext-A
    (0xF900, 0xFAFF),    # CJK Compatibility Ideographs
    (0xFE30, 0xFE4F),    # CJK Compatibility Forms
    (0x20000, 0x2FA1F),  # Ext-B .. Ext-F, Compatibility Ideographs Supplement
    (0x30000, 0x323AF),  # Ext-G, Ext-H
]
# The symbols subset of DejaVu Sans: the symbol blocks below, minus what the
# song face already draws.
SYMBOL_BLOCKS = [
    (0x2100, 0x218F),    # Letterlike Symbols, Number Forms
    (0x2190, 0x21FF),    # Arrows
    (0x2300, 0x23FF),    # Miscellaneous Technical
    (0x2460, 0x24FF),    # Enclosed Alphanumerics
    (0x2500, 0x25FF),    # Box Drawing, Block Elements, Geometric Shapes
    (0x2600, 0x27BF),    # Miscellaneous Symbols, Dingbats
    (0x27F0, 0x27FF),    # Supplemental Arrows-A
    (0x2900, 0x297F),    # Supplemental Arrows-B
    (0x2B00, 0x2BFF),    # Miscellaneous Symbols and Arrows
]
# Left out of the two Noto faces to keep them small (Hangul syllables are
# 6.7 MB of the serif face): Korean is not a target language.  The fallback
# chain still draws the 2,350 KS X 1001 syllables (from LXGW WenKai) because
# fallbacks are filled with whatever the song face lacks.
NOTO_DROP = [
    (0x1100, 0x11FF),    # Hangul Jamo (conjoining; useless without shaping)
    (0xA960, 0xA97F),    # Hangul Jamo Extended-A
    (0xAC00, 0xD7FF),    # Hangul Syllables, Hangul Jamo Extended-B
]
# cu2qu tolerance in font units (1000/em): 2 units = 0.03 pt at 16 pt.
CU2QU_MAX_ERR = 2.0
# Characters the documents use that must be drawn by some bundled font.
MUST_HAVE = ("吉𠮷龚䶮堃喆赟昇玥珺璟祎翀昱晞"
             "☐☑☒✓✔✂□■○●①②③※№℃～—…￥¥〇")


def in_blocks(cp: int, blocks) -> bool:
    return any(a <= cp <= b for a, b in blocks)


def is_pua(cp: int) -> bool:
    return 0xE000 <= cp <= 0xF8FF or cp >= 0xF0000


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


# --------------------------------------------------------------------------
# Font helpers
# --------------------------------------------------------------------------
def open_source(key: str, lazy=False) -> TTFont:
    path, face = SRC[key]
    if path.suffix.lower() == ".ttc":
        from fontTools.ttLib import TTCollection
        coll = TTCollection(str(path), lazy=True)
        for i, f in enumerate(coll.fonts):
            if f["name"].getDebugName(1) == face:
                return TTFont(str(path), fontNumber=i, lazy=lazy)
        raise SystemExit(f"{path}: no face named {face!r}")
    return TTFont(str(path), lazy=lazy)


def drawn_codepoints(font: TTFont) -> set[int]:
    """Code points of the best cmap whose glyph has an outline.

    Code points mapped to an empty glyph are left out, except whitespace
    (U+0020, U+3000 ...), which legitimately has no outline.
    """
    cmap = font.getBestCmap()
    out = set()
    if "glyf" in font:
        glyf = font["glyf"]
        for cp, gn in cmap.items():
            if glyf[gn].numberOfContours != 0 or chr(cp).isspace():
                out.add(cp)
    else:  # CFF
        from fontTools.pens.boundsPen import ControlBoundsPen
        gs = font.getGlyphSet()
        for cp, gn in cmap.items():
            pen = ControlBoundsPen(gs)
            gs[gn].draw(pen)
            if pen.bounds is not None or chr(cp).isspace():
                out.add(cp)
    return out


def subset_font(font: TTFont, unicodes) -> None:
    """Subset in place: keep only ``unicodes``, no layout, no hinting."""
    o = ft_subset.Options()
    o.layout_features = []
    o.drop_tables += [
        "BASE", "VORG", "vhea", "vmtx", "GDEF", "GSUB", "GPOS", "JSTF",
        "DSIG", "FFTM", "prop", "gasp", "kern", "MATH", "hdmx", "LTSH",
        "VDMX", "morx", "mort", "feat",
    ]
    o.hinting = False            # drops cvt/fpgm/prep and glyph programs
    o.desubroutinize = True
    o.notdef_outline = True
    o.glyph_names = False
    o.name_IDs = ["*"]
    o.name_languages = ["*"]
    o.name_legacy = True
    o.prune_unicode_ranges = True
    o.recalc_bounds = True
    o.recalc_timestamp = False
    s = ft_subset.Subsetter(options=o)
    s.populate(unicodes=sorted(unicodes))
    s.subset(font)


def cff_to_glyf(font: TTFont, max_err: float = 1.0) -> None:
    """Convert CFF outlines to TrueType quadratic outlines (fontTools otf2ttf recipe)."""
    assert "CFF " in font, "not a CFF font"
    order = font.getGlyphOrder()
    gs = font.getGlyphSet()
    glyphs = {}
    for gn in order:
        tt = TTGlyphPen(None)
        # CFF contours run counter-clockwise, TrueType clockwise.
        gs[gn].draw(Cu2QuPen(tt, max_err, reverse_direction=True))
        glyphs[gn] = tt.glyph(dropImpliedOnCurves=True)
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    del font["CFF "]
    for t in ("VORG", "CFF2"):
        if t in font:
            del font[t]
    glyf.compile(font)
    # left side bearing = xMin
    hmtx = font["hmtx"]
    for gn, g in glyphs.items():
        g.recalcBounds(glyf)
        hmtx[gn] = (hmtx[gn][0], g.xMin if g.numberOfContours else 0)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.numGlyphs = len(order)
    maxp.maxZones = 1
    for a in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs",
              "maxInstructionDefs", "maxStackElements",
              "maxSizeOfInstructions", "maxComponentElements",
              "maxComponentDepth", "maxPoints", "maxContours",
              "maxCompositePoints", "maxCompositeContours"):
        setattr(maxp, a, 0)
    maxp.recalc(font)
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


def set_post3(font: TTFont) -> None:
    post = font["post"]
    post.formatType = 3.0
    post.extraNames = []
    post.mapping = {}


def rename(font: TTFont, family: str, style: str, ps: str, note: str) -> None:
    """Replace the naming of a modified font (OFL: no Reserved Font Names)."""
    name = font["name"]
    version = name.getDebugName(5) or "Version 1.0"
    drop = {1, 2, 3, 4, 6, 16, 17, 18, 20, 21, 22, 25}
    name.names = [r for r in name.names if r.nameID not in drop]
    full = family if style in ("Regular", "Book") else f"{family} {style}"
    vals = {1: family, 2: style, 3: f"{ps};docgen", 4: full, 6: ps,
            5: f"{version}; docgen subset"}
    old10 = name.getDebugName(10)
    vals[10] = note + (f" Original description: {old10}" if old10 else "")
    name.names = [r for r in name.names if r.nameID not in (5, 10)]
    for nid, v in vals.items():
        name.setName(v, nid, 3, 1, 0x409)
        try:
            v.encode("mac_roman")
        except UnicodeEncodeError:
            continue
        name.setName(v, nid, 1, 0, 0)


def save(font: TTFont, out: str, fname: str) -> Path:
    path = Path(out) / fname
    font.recalcTimestamp = False   # reproducible output: keep the source's date
    font.save(str(path), reorderTables=True)
    return path


# --------------------------------------------------------------------------
# Build jobs (each runs in its own process)
# --------------------------------------------------------------------------
def job_noto(out: str, key: str, fname: str, family: str, style: str, ps: str) -> dict:
    t0 = time.time()
    font = open_source(key)
    src_version = font["name"].getDebugName(5)
    cps = {cp for cp in drawn_codepoints(font) if not in_blocks(cp, NOTO_DROP)}
    n_src_glyphs = font["maxp"].numGlyphs
    subset_font(font, cps)
    t1 = time.time()
    cff_to_glyf(font, CU2QU_MAX_ERR)
    set_post3(font)
    rename(font, family, style, ps,
           "Modified by docgen tools/build_fonts.py: SC face extracted from "
           "the OpenType Collection, subset to its cmap (less Hangul) without GSUB variants, "
           "CFF outlines converted to TrueType (glyf), hinting/vertical/"
           "layout tables removed.")
    save(font, out, fname)
    return {"file": fname, "source": str(SRC[key][0]), "face": SRC[key][1],
            "src_version": src_version, "src_glyphs": n_src_glyphs,
            "glyphs": font["maxp"].numGlyphs,
            "seconds_subset": round(t1 - t0, 1),
            "seconds_convert": round(time.time() - t1, 1)}


def job_glyf_subset(out: str, key: str, fname: str, unicodes: list[int], family: str,
                    ps: str, note: str) -> dict:
    t0 = time.time()
    font = open_source(key)
    src_version = font["name"].getDebugName(5)
    src_family = font["name"].getDebugName(1)
    n_src_glyphs = font["maxp"].numGlyphs
    subset_font(font, unicodes)
    set_post3(font)
    rename(font, family, "Regular", ps, note)
    save(font, out, fname)
    return {"file": fname, "source": str(SRC[key][0]), "face": src_family,
            "src_version": src_version, "src_glyphs": n_src_glyphs,
            "glyphs": font["maxp"].numGlyphs,
            "seconds": round(time.time() - t0, 1)}


def source_coverage(key: str) -> set[int]:
    cps = drawn_codepoints(open_source(key))
    if key in ("serif", "sans_bold"):
        cps = {cp for cp in cps if not in_blocks(cp, NOTO_DROP)}
    return cps


# --------------------------------------------------------------------------
# Licences
# --------------------------------------------------------------------------
def deb_copyright(pkg: str) -> list[dict]:
    """Parse a machine-readable debian/copyright into paragraphs."""
    text = (DOC / pkg / "copyright").read_text(encoding="utf-8")
    paras = []
    for block in re.split(r"\n\s*\n", text):
        fields, key = {}, None
        for line in block.splitlines():
            if line[:1] in (" ", "\t") and key:
                fields[key].append(line[1:] if line[1:] != "." else "")
            elif ":" in line:
                key, val = line.split(":", 1)
                fields[key] = [val.strip()] if val.strip() else []
        if fields:
            paras.append(fields)
    return paras


def licence_text(pkg: str, lic_name: str) -> str:
    for p in deb_copyright(pkg):
        if "License" in p and p["License"] and p["License"][0] == lic_name \
                and "Files" not in p:
            return textwrap.dedent("\n".join(p["License"][1:])).strip("\n") + "\n"
    # licence text inline in the Files paragraph
    for p in deb_copyright(pkg):
        if p.get("Files", [""])[0] == "*":
            return textwrap.dedent("\n".join(p["License"][1:])).strip("\n") + "\n"
    raise SystemExit(f"no licence {lic_name} in {pkg}")


def files_star(pkg: str) -> dict:
    for p in deb_copyright(pkg):
        if p.get("Files", [""])[0] == "*":
            return p
    raise SystemExit(f"no 'Files: *' in {pkg}")


def write_licences(meta: dict) -> list[str]:
    written = []

    def header(title, font_keys, extra=""):
        lines = [title, "=" * len(title), ""]
        for k in font_keys:
            f = open_source(k, lazy=True)
            lines.append(f"Copyright notice in {SRC[k][0].name} "
                         f"({f['name'].getDebugName(4)}, {f['name'].getDebugName(5)}):")
            lines += ["  " + l for l in (f["name"].getDebugName(0) or "").splitlines()]
            lines.append("")
        pkg = DEB_PKG[font_keys[0]]
        fs = files_star(pkg)
        lines.append(f"Debian package {pkg}, /usr/share/doc/{pkg}/copyright:")
        lines += ["  Copyright: " + " / ".join(x for x in fs.get("Copyright", []) if x)]
        for c in fs.get("Comment", []):
            lines.append("  " + c)
        if extra:
            lines += ["", extra.strip()]
        lines.append("")
        return "\n".join(lines)

    # cleanest copy of the OFL 1.1 text among the Debian files
    ofl = licence_text("fonts-lxgw-wenkai", "OFL-1.1")

    def ofl_file(fname, title, keys, extra=""):
        (OUT / fname).write_text(
            header(title, keys, extra) + "\n\n" + ofl_from(keys[0]),
            encoding="utf-8")
        written.append(fname)

    def ofl_from(key):
        pkg = DEB_PKG[key]
        for p in deb_copyright(pkg):
            lic = (p.get("License") or [""])[0]
            if "Files" not in p and ("OFL" in lic or "SIL" in lic or "Open-Font" in lic):
                return textwrap.dedent("\n".join(p["License"][1:])).strip("\n") + "\n"
        return ofl

    (OUT / "OFL.txt").write_text(ofl, encoding="utf-8")
    written.append("OFL.txt")

    ofl_file("LICENSE-NotoCJK.txt",
             f"{F_SONG}, {F_HEI}: Noto Serif CJK SC / Noto Sans CJK SC",
             ["serif", "sans_bold"],
             "Upstream licence: SIL Open Font License 1.1, "
             "\"Copyright 2014-2021 Adobe (http://www.adobe.com/), with Reserved "
             "Font Name 'Source'.\" (https://github.com/notofonts/noto-cjk).\n"
             "These files are Modified Versions (SC face only, subset, converted "
             "to TrueType outlines); they do not use the Reserved Font Name.")
    ofl_file("LICENSE-Hanazono.txt",
             f"{F_MING_A}, {F_MING_B}: subsets of HanaMinA / HanaMinB (Hanazono Mincho, GlyphWiki)",
             ["hana_a", "hana_b"],
             "Upstream offers the fonts under the Hanazono Font License OR the SIL "
             "Open Font License 1.1 (both texts below).  The subsets here were renamed "
             "(\"Docgen Fallback Ming A/B\") because \"Hanazono Font\", \"HanaMinA\", "
             "\"HanaMinB\", \"花園フォント\", \"花園明朝A\", \"花園明朝B\" are Reserved Font "
             "Names under the OFL.\n\n"
             + "Hanazono Font License\n---------------------\n"
             + licence_text("fonts-hanazono", "Hanazono-Font-License"))
    ofl_file("LICENSE-LXGWWenKai.txt",
             f"{F_KAI}: subset of LXGW WenKai Regular (霞鹜文楷)",
             ["kai"],
             "The subset here was renamed (\"Docgen Fallback Kai\") because \"霞鹜\" "
             "and \"LXGW\" are Reserved Font Names under the OFL.")
    ofl_file("LICENSE-Liberation.txt",
             f"{F_LATIN}, {F_LATIN_BOLD}: Liberation Serif 2 (unmodified copies)",
             ["lib_r"],
             "Reserved Font Names: \"Liberation\" (Red Hat), \"Arimo\", \"Tinos\", "
             "\"Cousine\" (Google).  The files are unmodified.")
    dv = header(f"{F_SYMBOLS}: subset of DejaVu Sans (symbols only)", ["dejavu"],
                "Renamed \"DejaVu Sans Symbols Subset\"; the name contains neither "
                "\"Bitstream\" nor \"Vera\", as the licence requires for modified fonts.")
    dvl = licence_text("fonts-dejavu-core", "bitstream-vera")
    name13 = open_source("dejavu", lazy=True)["name"].getDebugName(13) or ""
    (OUT / "LICENSE-DejaVu.txt").write_text(
        dv + "\n" + "-" * 59 + "\nBitstream Vera licence (from the Debian copyright file):\n\n"
        + dvl + "\n" + "-" * 59 + "\nFull licence text from the font's name table (ID 13):\n\n"
        + name13.strip() + "\n", encoding="utf-8")
    written.append("LICENSE-DejaVu.txt")
    return written


# --------------------------------------------------------------------------
# Coverage, manifest, README
# --------------------------------------------------------------------------
def to_ranges(cps) -> list[list[int]]:
    out = []
    for cp in sorted(cps):
        if out and cp == out[-1][1] + 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


BLOCKS_REPORT = [
    ("CJK URO", 0x4E00, 0x9FFF), ("Ext-A", 0x3400, 0x4DBF),
    ("Ext-B", 0x20000, 0x2A6DF), ("Ext-C..F", 0x2A700, 0x2EBEF),
    ("Ext-G/H", 0x30000, 0x323AF),
    ("Compat ideographs", 0xF900, 0xFAFF), ("Compat suppl.", 0x2F800, 0x2FA1F),
]


def write_coverage(coverage: dict) -> None:
    """coverage.json.gz, byte-reproducible (mtime 0 in the gzip header)."""
    data = json.dumps({f: to_ranges(c) for f, c in coverage.items()},
                      separators=(",", ":"), sort_keys=True).encode("ascii")
    with open(OUT / "coverage.json.gz", "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as fh:
        fh.write(data)


def block_counts(cps) -> dict:
    return {n: sum(1 for c in cps if a <= c <= b) for n, a, b in BLOCKS_REPORT}


def human(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1))
    ap.add_argument("--strict-complement", action="store_true",
                    help="fallbacks hold only what the song face lacks (drops the "
                         "full Ext-A/Ext-B/compatibility blocks, about 5 MB smaller)")
    ap.add_argument("--out", type=Path, default=None,
                    help="output folder (default: docgen/fonts)")
    args = ap.parse_args(argv)
    global OUT
    if args.out is not None:
        OUT = args.out.resolve()

    for k, (p, _) in SRC.items():
        if not p.exists():
            raise SystemExit(f"missing {p} (apt-get install {DEB_PKG[k]})")
    OUT.mkdir(parents=True, exist_ok=True)
    for p in OUT.iterdir():   # start clean (only files this script writes)
        if p.suffix in (".ttf", ".txt", ".gz", ".json") or p.name == "README.md":
            p.unlink()
    t_start = time.time()
    meta: dict[str, dict] = {}

    with ProcessPoolExecutor(max_workers=args.jobs) as ex:
        log("start: CFF->glyf conversion of Noto Serif/Sans SC; coverage scan")
        fut_song = ex.submit(job_noto, str(OUT), "serif", F_SONG, "Noto Serif SC", "Regular",
                             "NotoSerifSC-Regular")
        fut_hei = ex.submit(job_noto, str(OUT), "sans_bold", F_HEI, "Noto Sans SC", "Bold",
                            "NotoSansSC-Bold")
        cov_fut = {k: ex.submit(source_coverage, k)
                   for k in ("serif", "dejavu", "hana_a", "hana_b", "kai")}
        src_cov = {k: f.result() for k, f in cov_fut.items()}

        # --- decide what each fallback holds -------------------------------
        # A fallback takes a code point if no earlier fallback took it and
        # the song face lacks it -- or, unless --strict-complement, if it lies
        # in KEEP_BLOCKS.  HanaMinB is planned before HanaMinA so that all of
        # Ext-B..F comes from one file; the fallbacks never overlap, so their
        # lookup order (FALLBACK_ORDER) does not change which glyph is drawn.
        song = src_cov["serif"]
        taken: set[int] = set()
        plan = []

        def pick(key, blocks=None):
            cps = {c for c in src_cov[key]
                   if not is_pua(c) and c not in taken
                   and (blocks is None or in_blocks(c, blocks))
                   and (c not in song
                        or (not args.strict_complement and in_blocks(c, KEEP_BLOCKS)))}
            taken.update(cps)
            return cps

        sym = pick("dejavu", SYMBOL_BLOCKS)
        plan.append(("dejavu", F_SYMBOLS, sym, "DejaVu Sans Symbols Subset",
                     "DejaVuSansSymbolsSubset",
                     "Modified by docgen tools/build_fonts.py: symbol blocks only, "
                     "minus what Noto Serif SC draws; hinting and layout removed."))
        for key, fname, fam, ps, up in (
                ("hana_b", F_MING_B, "Docgen Fallback Ming B", "DocgenFallbackMingB", "HanaMinB"),
                ("hana_a", F_MING_A, "Docgen Fallback Ming A", "DocgenFallbackMingA", "HanaMinA")):
            plan.append((key, fname, pick(key), fam, ps,
                         f"Modified by docgen tools/build_fonts.py from {up} (Hanazono "
                         "Mincho, GlyphWiki): subset to code points missing from Noto "
                         "Serif SC plus complete CJK extension/compatibility blocks; "
                         "hinting and layout removed; renamed."))
        plan.append(("kai", F_KAI, pick("kai"), "Docgen Fallback Kai", "DocgenFallbackKai",
                     "Modified by docgen tools/build_fonts.py from LXGW WenKai Regular: "
                     "subset to code points no other bundled font has; renamed."))
        futs = [ex.submit(job_glyf_subset, str(OUT), key, fname, sorted(cps), fam, ps, note)
                for key, fname, cps, fam, ps, note in plan]
        for f in futs:
            r = f.result(); meta[r["file"]] = r
            log("built", r["file"], r["glyphs"], "glyphs", f"{r['seconds']} s")
        for f in (fut_song, fut_hei):
            r = f.result(); meta[r["file"]] = r
            log("built", r["file"], r["glyphs"], "glyphs",
                f"subset {r['seconds_subset']} s, convert {r['seconds_convert']} s")

    for key, fname in (("lib_r", F_LATIN), ("lib_b", F_LATIN_BOLD)):
        shutil.copyfile(SRC[key][0], OUT / fname)
        f = open_source(key, lazy=True)
        meta[fname] = {"file": fname, "source": str(SRC[key][0]),
                       "face": f["name"].getDebugName(4),
                       "src_version": f["name"].getDebugName(5),
                       "glyphs": f["maxp"].numGlyphs}
    log("copied Liberation Serif")

    # --- coverage of the files actually written -----------------------------
    files = [F_SONG, F_HEI, F_LATIN, F_LATIN_BOLD] + FALLBACK_ORDER
    coverage = {}
    for fname in files:
        cps = drawn_codepoints(TTFont(str(OUT / fname)))
        coverage[fname] = cps
        meta[fname]["codepoints"] = len(cps)
        meta[fname]["bytes"] = (OUT / fname).stat().st_size
        meta[fname]["sha256"] = hashlib.sha256((OUT / fname).read_bytes()).hexdigest()
    write_coverage(coverage)

    manifest = {"faces": {"song": F_SONG, "hei": F_HEI, "latin": F_LATIN,
                          "latin_bold": F_LATIN_BOLD, "fallback": FALLBACK_ORDER}}
    (OUT / "fonts.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                    encoding="utf-8")
    lic = write_licences(meta)

    # --- sanity: must-have characters ---------------------------------------
    missing = [ch for ch in MUST_HAVE for main_face, latin in
               ((F_SONG, F_LATIN), (F_HEI, F_LATIN_BOLD))
               if not any(ord(ch) in coverage[f]
                          for f in [main_face, latin] + FALLBACK_ORDER)]
    if missing:
        raise SystemExit(f"bundle lacks: {' '.join(missing)}")
    union = set().union(*coverage.values())
    write_readme(meta, coverage, union, lic)
    log(f"done in {time.time() - t_start:.0f} s; bundle "
        f"{human(sum((OUT / f).stat().st_size for f in os.listdir(OUT)))}")
    return 0


README_HEAD = """\
# Bundled default fonts

Generated by `tools/build_fonts.py` (maintainer script, not needed at
runtime).  Do not edit the fonts, `fonts.json`, `coverage.json.gz` or the
`LICENSE-*.txt` files by hand: change the script and run

    apt-get install -y fonts-noto-cjk fonts-lxgw-wenkai fonts-hanazono fonts-liberation2 fonts-dejavu-core
    python tools/build_fonts.py

A fresh machine has no CJK fonts, so docgen ships these openly licensed
defaults.  Users can still point docgen to their own fonts (SimSun, FangSong,
...); the fallbacks below then still catch whatever those lack.

## Which file is which face

| role (`fonts.json`) | file | upstream | licence |
|---|---|---|---|
| `song` (body, 宋体) | `{song}` | Noto Serif CJK **SC** Regular, {v_song} (Adobe/Google), fonts-noto-cjk | OFL 1.1, `LICENSE-NotoCJK.txt` |
| `hei` (titles, bold, 黑体) | `{hei}` | Noto Sans CJK **SC** Bold, {v_hei}, fonts-noto-cjk | OFL 1.1, `LICENSE-NotoCJK.txt` |
| `latin` | `{lat}` | Liberation Serif Regular {v_lat} (unmodified), fonts-liberation2 | OFL 1.1, `LICENSE-Liberation.txt` |
| `latin_bold` | `{latb}` | Liberation Serif Bold {v_latb} (unmodified) | OFL 1.1, `LICENSE-Liberation.txt` |
| `fallback[0]` | `{sym}` | DejaVu Sans {v_sym}, symbol blocks only, fonts-dejavu-core | Bitstream Vera licence + public domain, `LICENSE-DejaVu.txt` |
| `fallback[1]` | `{ma}` | HanaMinA (花園明朝A, GlyphWiki) {v_ma}, fonts-hanazono | Hanazono Font License or OFL 1.1, `LICENSE-Hanazono.txt` |
| `fallback[2]` | `{mb}` | HanaMinB (花園明朝B, GlyphWiki) {v_mb}, fonts-hanazono | Hanazono Font License or OFL 1.1, `LICENSE-Hanazono.txt` |
| `fallback[3]` | `{kai}` | LXGW WenKai Regular (霞鹜文楷) {v_kai}, fonts-lxgw-wenkai | OFL 1.1, `LICENSE-LXGWWenKai.txt` |

`OFL.txt` is the plain SIL Open Font License 1.1 text.  All files except the
two Liberation fonts are *Modified Versions* in the OFL sense (subset,
converted, renamed where the upstream name is a Reserved Font Name: the
Hanazono and LXGW subsets are called "Docgen Fallback Ming A/B" and "Docgen
Fallback Kai" inside the font).

## Why these fonts

* **Song body, Hei titles**: the house style follows GB/T 9704 (body in a
  Song/FangSong face, title in a bold Song/Hei face).  Noto Serif CJK SC is
  a proper Song (Ming) design with mainland (GB) glyph shapes; Noto Sans CJK
  SC Bold is the matching Hei.  Both are OFL.
* **glyf, not CFF**: ReportLab embeds only TrueType-outline (glyf) fonts and
  rejects OpenType/CFF, and Noto CJK ships as CFF.  The script converts the
  cubic outlines with fontTools' cu2qu pen (max error {err:g} units of 1000, i.e. 0.03 pt at 16 pt).
* **Small**: the Noto .ttc holds 65,535 glyphs shared by JP/KR/SC/TC/HK; only
  the glyphs the SC cmap reaches are kept (no GSUB locl/vertical variants),
  and GSUB/GPOS/GDEF/BASE/VORG/vhea/vmtx and hinting are dropped (ReportLab
  uses none of them).  The 11,172 Hangul syllables (and conjoining jamo) are
  left out of both Noto faces: they are 6.7 MB of the serif face and Korean
  is not a target language; the 2,350 common (KS X 1001) syllables still
  come from the Kai fallback, so Korean text does not turn into tofu.
* **Latin**: CJK fonts' Latin letters and digits look poor next to Song
  text; Liberation Serif (metric-compatible with Times New Roman) is paired
  with the song face, the bold with the hei face.
* **Fallback chain (no tofu)**: Noto Serif CJK SC already covers the URO,
  Ext-A and ~2,000 Ext-B characters (including 𠮷 U+20BB7), but not all of
  Ext-B..F.  HanaMin A/B (Ming style, so rare characters do not look out of
  place in Song text) cover Ext-A..F and the compatibility ideographs almost
  completely; LXGW WenKai (a Kai face) adds the few Ext-G/H ideographs and
  oddments nobody else has.  DejaVu Sans supplies check boxes and dingbats
  (☐ ☑ ☒ ✔) that no CJK font here has.  Each fallback is subset to the code
  points missing from the song face, except that the CJK ideograph blocks
  outside the URO (Ext-A, Ext-B..H), the compatibility ideographs and the
  CJK symbol/radical blocks are kept in full, so rare names still render
  when a user swaps the song face for e.g. SimSun or FangSong.  Private-use
  code points are dropped everywhere.
* Suggested lookup order for a character: `song` (or `hei`) → for
  ASCII/Latin letters and digits `latin`/`latin_bold` first → `fallback` in
  list order → `song` again for `hei` runs.  `coverage.json.gz` answers
  "does file X draw U+YYYY" without opening the font.

## Files

`fonts.json` is the machine-readable manifest (`faces.song`, `faces.hei`,
`faces.latin`, `faces.latin_bold`, ordered `faces.fallback`).
`coverage.json.gz` is gzip-compressed JSON `{{file name: [[first, last],
...]}}`: sorted, inclusive code-point ranges from each font's best Unicode
cmap, leaving out code points that map to an empty glyph (no contours),
except whitespace.  Note: zero-width/format characters such as U+200B are
therefore in no font's coverage; the engine should drop them before font
lookup.

| file | size | code points drawn | glyphs | {blocks} |
|---|---:|---:|---:|{blockcols}
{rows}
| **total (all files in this folder)** | **{total}** | {union} distinct | | |

Must-have characters checked at build time: `{must}`.

## Size, and the knobs

The folder is about {total}, above the ~45 MB the project hoped for.  Almost
half is `{mb}`: it carries all ~60,000 Ext-B..F ideographs, and GlyphWiki
outlines average ~150 points per glyph with no hinting left to strip (the
Ext-B block alone is ~22 MB; Ext-C..F ~8.5 MB).  Full Ext-B coverage was a
requirement, so it stays.  Knobs, all in `tools/build_fonts.py`:

* `--strict-complement`: fallbacks hold only what the song face lacks (no
  second copy of Ext-A, of the 2,000 Ext-B characters Noto has, of the
  compatibility ideographs): about 5 MB smaller (56 MB), but a user-supplied song
  font without Ext-A then relies on the engine also searching the bundled
  song face.
* `KEEP_BLOCKS` / the `pick()` rules: e.g. leaving Ext-E/F (mostly
  historic, non-Chinese-name characters) out of `{mb}` saves ~6 MB.
* `NOTO_DROP`: Hangul syllables are already out of the Noto faces (6.7 MB
  serif + 1.8 MB sans).
* `CU2QU_MAX_ERR` = {err:g}: 1.0 makes the Noto faces ~7 % larger with no
  visible difference.

Load cost: ReportLab's `TTFont(name, path)` parses only cmap, hmtx and loca;
in a fresh process it takes about 0.06 s for the song face and 0.13 s for
`{mb}` (warm disk cache), so the engine can register fallbacks lazily on
first use.  Pick fonts with `coverage.json.gz` (a few ms to load) instead of
opening the fonts.
"""


def write_readme(meta, coverage, union, lic):
    def v(fname):
        return meta[fname].get("src_version", "?")
    rows = []
    for fname in [F_SONG, F_HEI, F_LATIN, F_LATIN_BOLD] + FALLBACK_ORDER:
        m = meta[fname]
        bc = block_counts(coverage[fname])
        rows.append(f"| `{fname}` | {human(m['bytes'])} | {m['codepoints']:,} | "
                    f"{m['glyphs']:,} | " + " | ".join(f"{bc[n]:,}" for n, _, _ in BLOCKS_REPORT) + " |")
    # total size includes this README (approximately) and everything else here
    total = sum((OUT / f).stat().st_size for f in os.listdir(OUT))
    text = README_HEAD.format(
        song=F_SONG, hei=F_HEI, lat=F_LATIN, latb=F_LATIN_BOLD, sym=F_SYMBOLS,
        ma=F_MING_A, mb=F_MING_B, kai=F_KAI,
        v_song=v(F_SONG), v_hei=v(F_HEI), v_lat=v(F_LATIN), v_latb=v(F_LATIN_BOLD),
        v_sym=v(F_SYMBOLS), v_ma=v(F_MING_A), v_mb=v(F_MING_B), v_kai=v(F_KAI),
        blocks=" | ".join(n for n, _, _ in BLOCKS_REPORT),
        blockcols="---:|" * len(BLOCKS_REPORT),
        rows="\n".join(rows), total=human(total), union=f"{len(union):,}",
        must=MUST_HAVE, err=CU2QU_MAX_ERR)
    (OUT / "README.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
