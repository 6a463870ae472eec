"""File names for batch output: valid on Windows, macOS and Linux, and unique within a run."""
from __future__ import annotations

import re
import unicodedata

_WIN_BAD = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)}
_NAME_BYTES = 150   # well under the 255-byte limit of ext4 and the 255-unit limit of NTFS


def safe_name(text: str, fallback: str = "未命名") -> str:
    """A file name (without suffix) that is valid on Windows, macOS and Linux."""
    s = unicodedata.normalize("NFC", str(text))
    s = _WIN_BAD.sub("_", s)
    s = re.sub(r"\s+", " ", s).strip(" .")
    if s.split(".")[0].upper() in _RESERVED:
        s = "_" + s
    raw = s.encode("utf-8")
    if len(raw) > _NAME_BYTES:
        s = raw[:_NAME_BYTES].decode("utf-8", "ignore").rstrip(" .")
    return s or fallback


class Names:
    """Hands out unique file names; Windows and macOS compare names case-insensitively."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def take(self, text: str) -> str:
        """A safe name for text, with -2, -3 … added when it was taken already."""
        base = safe_name(text)
        name, n = base, 1
        while name.casefold() in self._seen:
            n += 1
            name = f"{base}-{n}"
        self._seen.add(name.casefold())
        return name


_NAT = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key that orders '2栋' before '10栋' and '302' before '1502'."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in _NAT.split(text) if p != "")
