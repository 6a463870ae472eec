"""The form's live previews, kept in memory: every pause in typing renders one, so none is written to disk.

The last few previews (by count and by bytes, none older than an hour) are served to the iframe by
their random id; the first page as a PNG is made on the first request for it and kept beside the PDF."""
from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

MB = 1024 * 1024


@dataclass
class Preview:
    """One rendered preview: the PDF, the name it is shown under, and (once asked for) its first page."""
    pdf: bytes
    name: str
    made: float
    png: bytes | None = None


class Previews:
    """Recent previews by id, dropped oldest first beyond max_items or max_bytes, or after ttl seconds."""

    def __init__(self, max_items: int = 64, max_bytes: int = 96 * MB, ttl: float = 3600):
        self.max_items, self.max_bytes, self.ttl = max_items, max_bytes, ttl
        self._items: OrderedDict[str, Preview] = OrderedDict()
        self._lock = threading.Lock()

    def _size(self) -> int:
        return sum(len(p.pdf) + len(p.png or b"") for p in self._items.values())

    def _trim(self) -> None:
        limit = time.time() - self.ttl
        while self._items and (len(self._items) > self.max_items or self._size() > self.max_bytes
                               or next(iter(self._items.values())).made < limit):
            self._items.popitem(last=False)

    def put(self, pdf: bytes, name: str) -> str:
        """Keep a rendered PDF; returns its id."""
        pid = secrets.token_hex(8)
        with self._lock:
            self._items[pid] = Preview(pdf, name, time.time())
            self._trim()
        return pid

    def get(self, pid: str) -> Preview | None:
        """A kept preview, or None (unknown, or dropped)."""
        with self._lock:
            self._trim()
            return self._items.get(pid)

    def set_png(self, pid: str, png: bytes) -> None:
        """Keep the first page's PNG with its preview (made once, when the page first asks for it)."""
        with self._lock:
            p = self._items.get(pid)
            if p is not None:
                p.png = png
                self._trim()
