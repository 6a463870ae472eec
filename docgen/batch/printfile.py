"""Print files: print.pdf and/or one per group (building), joined chunk by chunk in delivery order."""
from __future__ import annotations

import os
from pathlib import Path

from .naming import natural_key, safe_name
from .joiner import PdfJoiner
from .spec import Options, Part

PRINT_FILE = "print.pdf"


def group_file(group: str) -> str:
    """The print file of one group."""
    return f"print-{safe_name(group)}.pdf"


def print_names(opts: Options, group: str) -> list[str]:
    """The print files a record went into, for the manifest when no per-record file was written."""
    names = [PRINT_FILE] if opts.merge else []
    if opts.split:
        names.append(group_file(group))
    return names


class PrintFiles:
    """The print files of a run, fed chunk by chunk in order; a group's file closes when the next group starts."""

    def __init__(self, out: Path, opts: Options, title: str) -> None:
        self.out, self.opts, self.title = out, opts, title
        self.open: dict[str, PdfJoiner] = {}
        self.done: list[tuple[Path, int]] = []

    def _feed(self, key: str, path: Path, title: str, data: bytes, part: Part) -> None:
        j = self.open.get(key)
        if j is None:
            j = self.open[key] = PdfJoiner(path, title)
        if self.opts.duplex and j.pages % 2:
            j.blank(part.size)
        j.add(data, part.pages)

    def add(self, group: str, part: Part) -> None:
        """Append one chunk's print PDF (and remove it)."""
        data = part.path.read_bytes()
        if self.opts.merge:
            self._feed("", self.out / PRINT_FILE, self.title, data, part)
        if self.opts.split:
            for key in [k for k in self.open if k and k != "\0" + group]:
                j = self.open.pop(key)
                self.done.append((j.close(), j.pages))
            self._feed("\0" + group, self.out / group_file(group), f"{self.title} {group}".strip(), data, part)
        os.unlink(part.path)

    def close(self) -> None:
        """Finish every open print file."""
        for key in list(self.open):
            j = self.open.pop(key)
            self.done.append((j.close(), j.pages))

    def abort(self) -> None:
        """Drop every unfinished print file."""
        for j in self.open.values():
            j.abort()
        self.open.clear()

    def finished(self) -> tuple[list[Path], int]:
        """The print files written (print.pdf first, then by group) and their pages (print.pdf's when merged)."""
        done = sorted(self.done, key=lambda fp: (fp[0].name != PRINT_FILE, natural_key(fp[0].name)))
        pages = sum(n for p, n in done if p.name == PRINT_FILE) if self.opts.merge else sum(n for _, n in done)
        return [p for p, _ in done], pages
