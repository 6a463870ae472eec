"""Resume state: a fingerprint per output and the log of files a run completed (``.docgen-batch-state.jsonl``)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..library import Template
from ..profile import Profile

STATE = ".docgen-batch-state.jsonl"


def setting_digest(tpl: Template, profile: Profile, formats: Iterable[str], script: str = "hans") -> bytes:
    """What, besides a record, decides its output: template files, organisation profile, formats, script."""
    h = hashlib.sha256()
    shared = tpl.folder.parent / "_partials"     # bodies may {% include %} these
    for p in sorted(tpl.folder.iterdir()) + (sorted(shared.iterdir()) if shared.is_dir() else []):
        if p.is_file():
            h.update(p.name.encode() + b"\0" + p.read_bytes())
    h.update(json.dumps([tpl.id, dict(profile.org), profile.fonts, profile.docx_fonts, list(formats), script],
                        default=str, sort_keys=True, ensure_ascii=False).encode())
    return h.digest()


def digest(setting: bytes, data: dict[str, Any]) -> str:
    """Fingerprint of one output: a resumed run keeps a file only if this is unchanged."""
    body = json.dumps(data, default=str, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(setting + body).hexdigest()[:32]


@dataclass
class Done:
    """One output an earlier run completed: its fingerprint, files (name → size) and pages."""
    name: str
    digest: str
    files: dict[str, int] = field(default_factory=dict)
    pages: int = 0

    def complete(self, out: Path) -> bool:
        """Whether every file is still there at the size it was written with."""
        return all((out / f).is_file() and (out / f).stat().st_size == s for f, s in self.files.items())


def load_state(out: Path) -> dict[str, Done]:
    """The outputs earlier runs completed in out, by file name."""
    state: dict[str, Done] = {}
    path = out / STATE
    if not path.is_file():
        return state
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                rec = json.loads(line)
                state[rec["name"]] = Done(rec["name"], rec["digest"], dict(rec.get("files", {})),
                                          int(rec.get("pages", 0)))
            except (ValueError, KeyError, TypeError, AttributeError):
                continue      # a line cut short by an interrupted run
    return state


class StateLog:
    """Appends one line per completed output, flushed per chunk, so an interrupted run can resume."""

    def __init__(self, out: Path, resume: bool) -> None:
        if not resume:
            (out / STATE).unlink(missing_ok=True)
        self._f = open(out / STATE, "a", encoding="utf-8")

    def add(self, done: Done) -> None:
        """Record one completed output."""
        self._f.write(json.dumps({"name": done.name, "digest": done.digest, "files": done.files,
                                  "pages": done.pages}, ensure_ascii=False) + "\n")

    def flush(self) -> None:
        """Make the lines so far durable."""
        self._f.flush()

    def close(self) -> None:
        """Close the log."""
        self._f.close()


def sweep_parts(out: Path) -> None:
    """Remove temporary files an interrupted run may have left (.NAME.XXXX.part)."""
    if out.is_dir():
        for p in out.glob(".*.part"):
            try:
                p.unlink()
            except OSError:
                pass
