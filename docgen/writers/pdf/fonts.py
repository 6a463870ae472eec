"""Fonts for the PDF writer: the bundled faces, per-character fallback and widths."""
from __future__ import annotations

import bisect
import gzip
import json
import threading
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from reportlab.pdfbase import pdfmetrics, ttfonts

from ...errors import FontError
from . import rl_patches
from .linebreak import is_latin

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
        ranges = self.ranges or []
        i = bisect.bisect_right(self._starts, cp) - 1
        return i >= 0 and ranges[i][0] <= cp <= ranges[i][1]

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
    rl_patches.install()
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

            def pick(name: str, default: Face | None) -> Face:
                value = user.get(name)
                if not value:
                    assert default is not None, name   # fallbacks are picked only when given
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

