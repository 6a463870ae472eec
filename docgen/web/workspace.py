"""The desk's workspace folder: uploads, renders, jobs, thumbnails, history and the office's docgen.toml.

Every file the server writes lives under here with a server-made name; an upload's own name is kept
only as text (for display and the download's file name), never as a path."""
from __future__ import annotations

import json
import secrets
import threading
import time
import tomllib
from pathlib import Path

PROFILE = "docgen.toml"
HISTORY = "history.json"
_lock = threading.Lock()


class Workspace:
    """Paths under the workspace folder, and the history list."""

    def __init__(self, root: Path):
        self.root = Path(root).expanduser().resolve()
        for sub in ("uploads", "renders", "jobs", "cache/thumbs", "exams"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    @property
    def profile(self) -> Path | None:
        """The office's docgen.toml in the workspace, if saved (else the library's defaults)."""
        p = self.root / PROFILE
        return p if p.is_file() else None

    def web_settings(self) -> dict:
        """The `[web]` table of the workspace's docgen.toml (the profile loader ignores it, so read it here)."""
        p = self.profile
        if p is None:
            return {}
        try:
            raw = tomllib.loads(p.read_text(encoding="utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            return {}
        web = raw.get("web")
        return web if isinstance(web, dict) else {}

    def new_dir(self, kind: str) -> tuple[str, Path]:
        """A fresh folder under renders/, jobs/ or exams/ with a random id."""
        rid = time.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(4)
        d = self.root / kind / rid
        d.mkdir(parents=True)
        return rid, d

    def find(self, kind: str, rid: str) -> Path | None:
        """The folder of an id made by new_dir, or None (ids are checked, never joined blindly)."""
        if not rid or not all(c.isalnum() or c == "-" for c in rid):
            return None
        d = self.root / kind / rid
        return d if d.is_dir() else None

    def upload_path(self, suffix: str) -> Path:
        """A server-made name for an upload, keeping only an allowed suffix."""
        return self.root / "uploads" / (secrets.token_hex(12) + suffix)

    def history(self) -> list[dict]:
        """Everything generated from the desk, newest first."""
        p = self.root / HISTORY
        try:
            return json.loads(p.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return []

    def remember(self, entry: dict) -> None:
        """Add one entry to history.json (written atomically)."""
        with _lock:
            items = self.history()
            entry = {"time": time.strftime("%Y-%m-%d %H:%M:%S"), **entry}
            items.insert(0, entry)
            tmp = self.root / (HISTORY + ".tmp")
            tmp.write_text(json.dumps(items[:2000], ensure_ascii=False, indent=1), encoding="utf-8")
            tmp.replace(self.root / HISTORY)
