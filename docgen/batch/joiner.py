"""Joining chunk PDFs into one print file, byte for byte (ReportLab output: classic xref table, no object streams)."""
from __future__ import annotations

import os
import re
from pathlib import Path

_OBJ_TOKEN = re.compile(rb"\((?:\\.|[^\\)])*\)|(\d+) (\d+) R\b")
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_TRAILER_REF = re.compile(rb"/(Root|Info) (\d+) 0 R")
_PAGES_REF = re.compile(rb"/Pages (\d+) 0 R")


def _pdf_text(text: str) -> bytes:
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


class PdfJoiner:
    """Appends whole PDFs written by ReportLab to one output file, streaming, without re-parsing content.

    Objects are copied byte for byte with their numbers shifted (references are
    rewritten only outside strings and stream data); each input's page tree becomes
    a kid of the output's root page tree, so fonts and pages stay untouched.
    Written to a temporary file and renamed by :meth:`close`; :meth:`abort` removes it.
    """

    def __init__(self, path: Path, title: str = ""):
        self.path = Path(path)
        self.title = title
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.part")
        self._f = open(self._tmp, "wb")
        self._f.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        self._offsets: list[int] = [0]     # object n at index n; 0 is the free head
        self._kids: list[int] = []
        self.pages = 0
        self._root = self._reserve()        # the root page tree, written at the end

    def _reserve(self) -> int:
        self._offsets.append(-1)
        return len(self._offsets) - 1

    def _emit(self, num: int, body: bytes) -> None:
        self._offsets[num] = self._f.tell()
        self._f.write(b"%d 0 obj\n" % num + body + b"\nendobj\n")

    def add(self, data: bytes, pages: int) -> None:
        """Append every page of one PDF (as written by ReportLab)."""
        m_ = _STARTXREF.search(data[-64:])
        if not m_:
            raise ValueError("not a complete PDF")
        xref = int(m_.group(1))
        head = data[xref:xref + 64].split(b"\n")
        if head[0].strip() != b"xref":
            raise ValueError("PDF without a classic xref table")
        first, count = (int(x) for x in head[1].split())
        pos = xref + len(head[0]) + len(head[1]) + 2
        offsets: dict[int, int] = {}
        for i in range(count):
            entry = data[pos + 20 * i:pos + 20 * i + 20]
            if entry[17:18] == b"n":
                offsets[first + i] = int(entry[:10])
        trailer = data[data.index(b"trailer", pos):]
        refs = {k.decode(): int(v) for k, v in _TRAILER_REF.findall(trailer)}
        root, info = refs["Root"], refs.get("Info")
        shift = len(self._offsets) - 1
        ordered = sorted(offsets.items(), key=lambda kv: kv[1])
        bounds = {num: (off, ordered[i + 1][1] if i + 1 < len(ordered) else xref)
                  for i, (num, off) in enumerate(ordered)}
        pages_num = int(_PAGES_REF.search(self._body(data, *bounds[root])).group(1))
        self._offsets.extend([-1] * max(offsets))

        def renum(mt: re.Match) -> bytes:
            if mt.group(1) is None:
                return mt.group(0)
            return b"%d %s R" % (int(mt.group(1)) + shift, mt.group(2))

        for num, (start, end) in bounds.items():
            if num in (root, info):
                continue
            body = self._body(data, start, end)
            cut = body.find(b"stream\r\n")
            if cut < 0:
                cut = body.find(b"stream\n")
            head_, tail = (body, b"") if cut < 0 else (body[:cut], body[cut:])
            head_ = _OBJ_TOKEN.sub(renum, head_)
            if num == pages_num:
                head_ = head_.replace(b"<<", b"<< /Parent %d 0 R" % self._root, 1)
            self._emit(num + shift, head_ + tail)
        self._kids.append(pages_num + shift)
        self.pages += pages

    @staticmethod
    def _body(data: bytes, start: int, end: int) -> bytes:
        chunk = data[start:end]
        begin = chunk.index(b"obj") + 3
        stop = chunk.rindex(b"endobj")
        return chunk[begin:stop].strip(b"\r\n")

    def blank(self, size: tuple[float, float]) -> None:
        """Append one empty page (duplex: the next letter starts on a front side)."""
        content = self._reserve()
        self._emit(content, b"<< /Length 0 >>\nstream\n\nendstream")
        page = self._reserve()
        self._emit(page, b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.4f %.4f] /Resources << >> "
                         b"/Contents %d 0 R >>" % (self._root, size[0], size[1], content))
        self._kids.append(page)
        self.pages += 1

    def close(self) -> Path:
        """Write the page tree, catalogue and xref; rename into place."""
        kids = b" ".join(b"%d 0 R" % k for k in self._kids)
        self._emit(self._root, b"<< /Type /Pages /Kids [ %s ] /Count %d >>" % (kids, self.pages))
        catalog = self._reserve()
        self._emit(catalog, b"<< /Type /Catalog /Pages %d 0 R >>" % self._root)
        info = self._reserve()
        self._emit(info, b"<< /Producer (docgen) /Creator (docgen) /Title %s >>" % _pdf_text(self.title))
        xref = self._f.tell()
        n = len(self._offsets)
        out = [b"xref\n0 %d\n" % n, b"0000000000 65535 f \n"]
        for off in self._offsets[1:]:
            out.append(b"%010d 00000 n \n" % off if off >= 0 else b"0000000000 00000 f \n")
        out.append(b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                   % (n, catalog, info, xref))
        self._f.write(b"".join(out))
        self._f.flush()
        os.fsync(self._f.fileno())
        self._f.close()
        os.replace(self._tmp, self.path)
        return self.path

    def abort(self) -> None:
        """Drop the unfinished file."""
        try:
            self._f.close()
        finally:
            try:
                os.unlink(self._tmp)
            except OSError:
                pass
