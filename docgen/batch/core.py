"""Batch rendering: many records → per-record files, merged print files and a manifest of every input row.

Two entry points share one engine:

* :func:`dunning` — an arrears ledger (CSV/XLSX) grouped per unit (:mod:`docgen.ledger`)
  into one dunning letter per unit;
* :func:`batch` — any template over a table of records, one document per row.

The engine sorts the documents into delivery order, cuts them into chunks and
renders the chunks in a worker pool (fonts and the compiled template are loaded
once, before the workers fork).  Each chunk writes its per-record files
atomically and, for print files, one chunk PDF in which every letter is numbered
on its own; the parent joins the chunk PDFs in order into ``print.pdf`` (and one
print file per building) as they arrive, so memory stays flat however long the
ledger.  ``manifest.csv`` lists every data line of the input with what became of it.
"""
from __future__ import annotations

import csv
import gc
import hashlib
import json
import multiprocessing as mp
import os
import re
import shutil
import signal
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Iterator
from uuid import uuid4

from .. import model as m
from ..overrides import apply_overrides
from ..errors import DataError, DocgenError, TemplateError
from ..formatting import mask_name
from ..ledger import Unit, delivery_order, fold, natural_key, read_ledger
from ..library import Library, Template
from ..profile import Profile, load_profile
from ..readers import read_table
from ..render import _compiled, atomic_write, build_document, output_dir, pdf_bytes, write_outputs
from ..script import convert_document, convert_docx, for_profile as script_for_profile
from ..typography import fontset
from ..wordtemplate import docxs_to_pdfs, is_word_template, render_docx, require_soffice
from ..writers.docx import DocxFonts, write_docx
from ..writers.pdf import write_pdf
from .store import IssueStore, Issued, Progress, ProgressFn, RunStore, format_number

MANIFEST = "manifest.csv"
MANIFEST_COLUMNS = ("line", "status", "unit", "output", "message", "amount")
STATE = ".docgen-batch-state.jsonl"
PRINT_FILE = "print.pdf"
PUBLIC_LIST = "arrears-public-list"
PUBLIC_BASIS_HINT = ("在 docgen.toml 中写明公示的依据：[dunning] public_list_basis = \"《管理规约》第…条\" "
                     "或 \"…年业主大会决定\"；没有依据时不公示（去掉 --public-list）")
PUBLIC_NAME = "欠费公示"
LEVEL_TEMPLATES = {1: ("fee-dunning-notice",), 2: ("dunning-letter", "demand-letter"), 3: ("final-notice",)}
LEVEL_PREFIX = {1: "CJ", 2: "CG", 3: "ZH"}


# --------------------------------------------------------------------------- #
# File names
# --------------------------------------------------------------------------- #

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


class _Names:
    """Hands out unique file names; Windows and macOS compare names case-insensitively."""

    def __init__(self):
        self._seen: set[str] = set()

    def take(self, text: str) -> str:
        base = safe_name(text)
        name, n = base, 1
        while name.casefold() in self._seen:
            n += 1
            name = f"{base}-{n}"
        self._seen.add(name.casefold())
        return name


# --------------------------------------------------------------------------- #
# Jobs and options
# --------------------------------------------------------------------------- #

@dataclass
class Job:
    """One document to render: its record, file name, source line and print group."""
    index: int
    name: str
    data: dict
    row: int | None = None
    group: str = ""
    digest: str = ""
    skip_files: bool = False     # --resume: files already complete, render for print files only


@dataclass
class Outcome:
    """What became of one job."""
    index: int
    ok: bool
    files: list[str] = field(default_factory=list)
    pages: int = 0
    message: str = ""
    resumed: bool = False


@dataclass
class Options:
    """How a batch run writes its output."""
    out: Path
    formats: tuple[str, ...] = ("pdf",)
    merge: bool = False
    split: bool = False          # one print file per group (building)
    duplex: bool = False
    jobs: int = 0                # 0: one worker per core
    resume: bool = False
    progress: ProgressFn | None = None   # called with a Progress at the start and after each record
    chunk: int = 0               # 0: chosen from the number of documents


@dataclass
class RunResult:
    """Counts and files of a finished run."""
    outcomes: dict[int, Outcome]
    print_files: list[Path]
    print_pages: int
    letters: int
    seconds: float
    interrupted: bool = False
    stopped: str = ""            # why the run stopped early, when not by Ctrl-C
    run_id: str = ""


# --------------------------------------------------------------------------- #
# Worker side
# --------------------------------------------------------------------------- #

_STATE: dict[str, Any] = {}


def _setup(spec: dict) -> dict:
    """Load template, profile and fonts once per process (the parent does it before forking)."""
    if _STATE.get("spec") == spec:
        return _STATE
    lib = Library([Path(p) for p in spec["templates"]] if spec["templates"] else None)
    tpl = lib.get(spec["template"])
    profile = load_profile(spec["profile"]) if spec["profile"] else load_profile()
    fonts = fontset(profile.fonts)
    for face in (fonts.song, fonts.hei, fonts.latin, fonts.latin_bold):
        face.font()
    word = is_word_template(tpl)
    if not word:
        _compiled(tpl)
    docx_fonts = DocxFonts(**profile.docx_fonts) if profile.docx_fonts else None
    _STATE.clear()
    _STATE.update(spec=spec, tpl=tpl, profile=profile, fonts=fonts, docx_fonts=docx_fonts,
                  out=Path(spec["out"]), formats=tuple(spec["formats"]), source=spec["source"],
                  duplex=spec["duplex"], validated=spec.get("validated", False),
                  script=spec.get("script", "hans"), word=word)
    return _STATE


def _init_worker(spec: dict) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent handles Ctrl-C and stops the pool
    # SIGTERM keeps its default and ends a worker at once, even one stuck on a lock it inherited in
    # a fork (a Python handler would never run there, and pool.terminate() would wait forever).
    # A temporary file it was writing is removed by the parent's sweep of .part files.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _setup(spec)


def _write_files(st: dict, doc: m.Document, name: str) -> tuple[list[str], int]:
    base = st["out"] / name
    files: list[str] = []
    pages = 0
    if "pdf" in st["formats"] or ("docx" in st["formats"] and doc.page.page_numbers == "auto"):
        data, pages = pdf_bytes(doc, st["profile"])
        if "pdf" in st["formats"]:
            target = base.with_suffix(".pdf")
            atomic_write(target, lambda tmp: Path(tmp).write_bytes(data))
            files.append(target.name)
    if "docx" in st["formats"]:
        target = base.with_suffix(".docx")
        atomic_write(target, lambda tmp: write_docx(doc, tmp, fonts=st["docx_fonts"], pages_hint=pages or None))
        files.append(target.name)
    return files, pages


def _failure(e: Exception) -> str:
    """The manifest message for a record that could not be rendered."""
    if isinstance(e, DocgenError):
        return e.describe()
    return f"生成失败：{type(e).__name__}: {e}"


def _render_word_chunk(jobs: list[Job]) -> list[Outcome]:
    """Render one chunk of a Word template: DOCX by docxtpl, PDF by one LibreOffice run for the chunk."""
    st = _STATE
    outcomes: list[Outcome] = []
    made: list[tuple[Job, Path]] = []
    with tempfile.TemporaryDirectory(prefix="docgen-word-") as tmpd:
        tmp = Path(tmpd)
        for job in jobs:
            if job.skip_files:
                outcomes.append(Outcome(job.index, True, [], 0, "", resumed=True))
                continue
            try:
                values = job.data if st["validated"] else st["tpl"].schema.validate(
                    job.data, file=st["source"], row=job.row, base_dir=Path.cwd())
                docx = tmp / f"{job.index}.docx"
                render_docx(st["tpl"], values, st["profile"], docx, file=st["source"], row=job.row)
                convert_docx(docx, st["script"])
                made.append((job, docx))
            except Exception as e:  # noqa: BLE001 - one bad record must not stop the others
                outcomes.append(Outcome(job.index, False, message=_failure(e)))
        pdfs: list[Path] = []
        if "pdf" in st["formats"] and made:
            try:
                pdfs = docxs_to_pdfs([d for _, d in made], tmp)
            except Exception as e:  # noqa: BLE001
                outcomes += [Outcome(job.index, False, message=_failure(e)) for job, _ in made]
                made = []
        for n, (job, docx) in enumerate(made):
            base = st["out"] / job.name
            files = []
            for fmt, src in (("pdf", pdfs[n] if pdfs else None), ("docx", docx)):
                if fmt in st["formats"]:
                    target = base.with_suffix("." + fmt)
                    atomic_write(target, lambda t, src=src: shutil.copyfile(src, t))
                    files.append(target.name)
            outcomes.append(Outcome(job.index, True, files, 0))
    return outcomes


def _render_chunk(task: tuple) -> tuple[int, list[Outcome], dict | None]:
    """Render one chunk: per-record files, and the chunk's print PDF when asked."""
    chunk_no, jobs, part_path = task
    st = _STATE
    if st["word"]:
        return chunk_no, _render_word_chunk(jobs), None
    outcomes: list[Outcome] = []
    docs: list[m.Document] = []
    for job in jobs:
        try:
            doc = convert_document(build_document(st["tpl"], job.data, st["profile"], file=st["source"],
                                                  row=job.row, validated=st["validated"]), st["script"])
            if job.skip_files:
                outcomes.append(Outcome(job.index, True, [], 0, "", resumed=True))
            else:
                files, pages = _write_files(st, doc, job.name)
                outcomes.append(Outcome(job.index, True, files, pages))
            docs.append(doc)
        except Exception as e:  # noqa: BLE001 - one bad letter must not stop ten thousand
            outcomes.append(Outcome(job.index, False, message=_failure(e)))
    part = None
    ok = [o for o in outcomes if o.ok]
    if part_path and docs:
        path = Path(part_path)
        counts: list[int] = []

        def write(tmp):
            counts.extend(write_pdf(docs, tmp, fonts=st["fonts"], duplex=st["duplex"]))
        try:
            atomic_write(path, write)
        except Exception:  # noqa: BLE001
            # Only likely when no separate PDF was drawn first (e.g. a character no font
            # has): find the letters that cannot be drawn, print the others.
            keep = []
            for o, doc in zip(ok, docs):
                try:
                    pdf_bytes(doc, st["profile"])
                    keep.append((o, doc))
                except Exception as e:  # noqa: BLE001
                    o.ok, o.message, o.files = False, _failure(e), []
            ok, docs = [o for o, _ in keep], [d for _, d in keep]
            counts.clear()
            if not docs:
                return chunk_no, outcomes, None
            atomic_write(path, write)
        for o, c in zip(ok, counts):
            if not o.pages:
                o.pages = c
        blanks = sum(1 for c in counts[:-1] if c % 2) if st["duplex"] else 0
        page = docs[-1].page
        part = {"path": str(path), "pages": sum(counts) + blanks, "size": (page.width, page.height)}
    return chunk_no, outcomes, part


# --------------------------------------------------------------------------- #
# Joining chunk PDFs (ReportLab output: classic xref table, no object streams)
# --------------------------------------------------------------------------- #

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


# --------------------------------------------------------------------------- #
# The engine
# --------------------------------------------------------------------------- #

def _setting_digest(tpl: Template, profile: Profile, formats: tuple[str, ...], script: str = "hans") -> bytes:
    """What, besides a record, decides its output: template files, organisation profile, formats, script."""
    h = hashlib.sha256()
    shared = tpl.folder.parent / "_partials"     # bodies may {% include %} these
    for p in sorted(tpl.folder.iterdir()) + (sorted(shared.iterdir()) if shared.is_dir() else []):
        if p.is_file():
            h.update(p.name.encode() + b"\0" + p.read_bytes())
    h.update(json.dumps([tpl.id, dict(profile.org), profile.fonts, profile.docx_fonts, list(formats), script],
                        default=str, sort_keys=True, ensure_ascii=False).encode())
    return h.digest()


def _digest(setting: bytes, data: dict) -> str:
    """Fingerprint of one output: --resume keeps a file only if this is unchanged."""
    body = json.dumps(data, default=str, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(setting + body).hexdigest()[:32]


def _load_state(out: Path) -> dict[str, dict]:
    state: dict[str, dict] = {}
    path = out / STATE
    if not path.is_file():
        return state
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                rec = json.loads(line)
                state[rec["name"]] = rec
            except (ValueError, KeyError, TypeError):
                continue      # a line cut short by an interrupted run
    return state


def _complete(out: Path, rec: dict) -> bool:
    return all((out / f).is_file() and (out / f).stat().st_size == s for f, s in rec.get("files", {}).items())


def _sweep_parts(out: Path) -> None:
    """Remove temporary files an interrupted run may have left (.NAME.XXXX.part)."""
    if out.is_dir():
        for p in out.glob(".*.part"):
            try:
                p.unlink()
            except OSError:
                pass


def _chunks(jobs: list[Job], size: int, split: bool) -> list[list[Job]]:
    out: list[list[Job]] = []
    for j in jobs:
        if not out or len(out[-1]) >= size or (split and out[-1][-1].group != j.group):
            out.append([])
        out[-1].append(j)
    return out


class _Printer:
    """The print files of a run: print.pdf and/or one per group, fed chunk by chunk in order."""

    def __init__(self, out: Path, opts: Options, title: str):
        self.out, self.opts, self.title = out, opts, title
        self.open: dict[str, PdfJoiner] = {}
        self.done: list[tuple[Path, int]] = []

    def _feed(self, key: str, path: Path, title: str, data: bytes, part: dict) -> None:
        j = self.open.get(key)
        if j is None:
            j = self.open[key] = PdfJoiner(path, title)
        if self.opts.duplex and j.pages % 2:
            j.blank(part["size"])
        j.add(data, part["pages"])

    def add(self, group: str, part: dict) -> None:
        data = Path(part["path"]).read_bytes()
        if self.opts.merge:
            self._feed("", self.out / PRINT_FILE, self.title, data, part)
        if self.opts.split:
            for key in [k for k in self.open if k and k != "\0" + group]:
                j = self.open.pop(key)
                self.done.append((j.close(), j.pages))
            self._feed("\0" + group, self.out / f"print-{safe_name(group)}.pdf", f"{self.title} {group}".strip(),
                       data, part)
        os.unlink(part["path"])

    def close(self) -> None:
        for key in list(self.open):
            j = self.open.pop(key)
            self.done.append((j.close(), j.pages))

    def abort(self) -> None:
        for j in self.open.values():
            j.abort()
        self.open.clear()


def start_workers(spec: dict, opts: Options):
    """Load template, profile and fonts, then fork the worker pool (None for a one-process run).

    Forking before the data is read keeps the data out of the workers: they share only the
    fonts and code with the parent, and the parent's records are never copied page by page."""
    _setup(spec)
    workers = max(1, min(opts.jobs or os.cpu_count() or 1, 61))
    if workers == 1:
        return None
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    if method == "fork":
        gc.freeze()   # the workers' garbage collector then never touches (and copies) inherited objects
    try:
        return mp.get_context(method).Pool(workers, initializer=_init_worker, initargs=(spec,))
    finally:
        gc.unfreeze()


def stop_workers(pool) -> None:
    """Stop a pool started by start_workers that run_jobs did not get to use."""
    if pool is not None:
        pool.terminate()
        pool.join()


class _WorkerLost(Exception):
    """A worker process ended without finishing its chunk (killed, out of memory, crashed)."""


def _watched(results, pool) -> Iterator:
    """Results of pool.imap, stopping with _WorkerLost if a worker dies.

    multiprocessing.Pool silently replaces a dead worker and then waits forever for the chunk it
    held; workers here never end on their own, so a changed set of worker pids means one died."""
    pids = {p.pid for p in pool._pool}
    while True:
        try:
            yield results.next(timeout=1.0)
        except StopIteration:
            return
        except mp.TimeoutError:
            if {p.pid for p in list(pool._pool)} != pids:
                raise _WorkerLost from None


def run_jobs(spec: dict, jobs: list[Job], opts: Options, *, title: str = "", pool=None) -> RunResult:
    """Render jobs (already in delivery order) in a worker pool; write per-record files and print files.

    pool: one from start_workers (run_jobs closes it); without one, workers are started here."""
    started = time.perf_counter()
    out = opts.out
    output_dir(out)
    _sweep_parts(out)
    by_index = {j.index: j for j in jobs}
    outcomes: dict[int, Outcome] = {}
    state = _load_state(out) if opts.resume else {}
    if not opts.resume:
        (out / STATE).unlink(missing_ok=True)
    printing = opts.merge or opts.split
    for j in jobs:
        rec = state.get(j.name)
        if rec and rec.get("digest") == j.digest and _complete(out, rec):
            j.skip_files = True
            if not printing:   # nothing left to do for this one
                outcomes[j.index] = Outcome(j.index, True, list(rec["files"]), rec.get("pages", 0), resumed=True)
    todo = [j for j in jobs if j.index not in outcomes]
    workers = max(1, min(opts.jobs or os.cpu_count() or 1, 61))
    # Each chunk of a print file embeds its own font subsets (tens of ms to make): print chunks
    # are bigger; chunks of separate files stay small so an interrupted run loses little.
    size = opts.chunk or max(4, min(120 if printing else 64, -(-len(todo) // (workers * 6)) or 1))
    chunks = _chunks(todo, size, opts.split)
    parts_dir = out / f".parts-{os.getpid()}"
    if printing:
        parts_dir.mkdir(exist_ok=True)
    tasks = [(i, c, str(parts_dir / f"{i:06d}.pdf") if printing else None) for i, c in enumerate(chunks)]
    printer = _Printer(out, opts, title)
    tally = {"ok": 0, "failed": 0, "skipped": 0}

    def tell(current: str = "") -> None:
        if opts.progress is not None:
            opts.progress(Progress(sum(tally.values()), len(jobs), tally["ok"], tally["failed"], tally["skipped"],
                                   current))
    interrupted, stopped = False, ""
    state_f = open(out / STATE, "a", encoding="utf-8")
    try:
        if pool is None and workers > 1 and len(chunks) > 1:
            if todo:
                _setup(spec)
                _warm(todo[0])          # forked workers inherit warm caches
            pool = start_workers(spec, opts)
        tell()
        if outcomes:             # kept from an earlier run, nothing to render
            tally["skipped"] = len(outcomes)
            tell()
        if pool is not None:
            results: Iterable = _watched(pool.imap(_render_chunk, tasks), pool)
        else:
            _setup(spec)
            results = map(_render_chunk, tasks)
        for chunk_no, outs, part in results:
            for o in outs:
                job = by_index[o.index]
                if o.resumed:
                    rec = state[job.name]
                    o.files, o.pages = list(rec["files"]), rec.get("pages", o.pages)
                elif o.ok:
                    sizes = {f: (out / f).stat().st_size for f in o.files}
                    state_f.write(json.dumps({"name": job.name, "digest": job.digest, "files": sizes,
                                              "pages": o.pages}, ensure_ascii=False) + "\n")
                outcomes[o.index] = o
                tally["skipped" if o.resumed else "ok" if o.ok else "failed"] += 1
                tell(job.name)
            state_f.flush()
            if part:
                printer.add(chunks[chunk_no][0].group, part)
        printer.close()
        if pool is not None:
            pool.close()
            pool.join()
            pool = None
    except KeyboardInterrupt:
        interrupted = True
    except _WorkerLost:
        interrupted, stopped = True, "一个工作进程意外退出（可能是内存不足或被系统结束），其余的未生成"
    finally:
        stop_workers(pool)
        printer.abort()
        state_f.close()
        if parts_dir.is_dir():
            for p in parts_dir.iterdir():
                p.unlink(missing_ok=True)
            parts_dir.rmdir()
        _sweep_parts(out)
    done = sorted(printer.done, key=lambda fp: (fp[0].name != PRINT_FILE, natural_key(fp[0].name)))
    pages = sum(n for p, n in done if p.name == PRINT_FILE) if opts.merge else sum(n for _, n in done)
    letters = sum(1 for o in outcomes.values() if o.ok and not o.resumed)
    return RunResult(outcomes, [p for p, _ in done], pages, letters, time.perf_counter() - started, interrupted,
                     stopped, uuid4().hex[:12])


def _warm(job: Job) -> None:
    """Render one document in the parent so forked workers inherit warm caches (glyph widths, faces)."""
    st = _STATE
    if st["word"]:
        return
    try:
        pdf_bytes(build_document(st["tpl"], job.data, st["profile"], validated=st["validated"]), st["profile"])
    except DocgenError:
        pass


# --------------------------------------------------------------------------- #
# Manifest and report
# --------------------------------------------------------------------------- #

@dataclass
class Report:
    """The result of a batch run, for the CLI and for tests."""
    manifest: Path
    rows: dict[str, int]                       # status → number of data lines
    letters: int                               # documents written in this run
    resumed: int                               # documents kept from an earlier run
    failed_units: int
    print_files: list[Path]
    print_pages: int
    seconds: float
    errors: list[tuple[int, str]]              # (line, message) of the first bad rows
    interrupted: bool = False
    template: str = ""
    stopped: str = ""                          # why the run stopped early, when not by Ctrl-C
    run_id: str = ""                           # the id the store heard this run's documents under

    @property
    def exit_code(self) -> int:
        """0 every row ok, 1 some rows failed (or the run stopped early), 130 interrupted by Ctrl-C."""
        if self.interrupted and not self.stopped:
            return 130
        return 1 if self.rows.get("error") else 0

    def as_dict(self) -> dict:
        """JSON-friendly summary."""
        return {"manifest": str(self.manifest), "rows": self.rows, "letters": self.letters,
                "resumed": self.resumed, "failed_units": self.failed_units,
                "print_files": [str(p) for p in self.print_files], "print_pages": self.print_pages,
                "seconds": round(self.seconds, 3), "exit_code": self.exit_code, "template": self.template,
                "interrupted": self.interrupted, "stopped": self.stopped, "run_id": self.run_id}


def write_manifest(path: Path, entries: Iterable[tuple]) -> dict[str, int]:
    """Write manifest.csv (UTF-8 with BOM, for Excel) atomically; returns the count per status."""
    counts: dict[str, int] = {"ok": 0, "skipped": 0, "error": 0}

    def write(tmp):
        with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(MANIFEST_COLUMNS)
            for e in entries:
                counts[e[1]] = counts.get(e[1], 0) + 1
                w.writerow(e)
    atomic_write(path, write)
    return counts


def _tell_store(store: IssueStore, result: RunResult, tpl: Template, job: Job, o: Outcome | None, error: str, *,
                number: Any, recipient: str, unit: str, amount: Decimal | None, level: int | None, issue_date: date,
                out: Path) -> None:
    """Tell the store what became of one record: issued (files written in this run) or failed."""
    if o is not None and o.ok:
        if not o.resumed:       # a resumed document was issued by the run that wrote it
            store.issued(Issued(str(number) if number else None, tpl.id, tpl.title, recipient, unit, amount, level,
                                issue_date, tuple(out / f for f in o.files), result.run_id, job.name))
    else:
        store.failed(template=tpl.id, record_key=job.name, error=error or "未生成", run_id=result.run_id)


def _files_text(files: list[str]) -> str:
    return ";".join(files)


def _check_word(tpl: Template, formats: tuple[str, ...], printing: bool) -> None:
    """A Word template makes separate files only; its PDFs need LibreOffice (checked before any work)."""
    if not is_word_template(tpl):
        return
    if printing:
        raise DataError(f"模板 {tpl.id} 是 Word 模板，批量时只生成每份文件，不合并打印文件", field="--merge",
                        expected="去掉 --merge / --split-by，或改用文本模板（body.md）")
    if "pdf" in formats:
        require_soffice()


def _check_formats(formats: tuple[str, ...], printing: bool) -> None:
    if not formats and not printing:
        raise DataError("--format none 只写打印文件，需要同时给出 --merge 或 --split-by", field="--format",
                        expected="pdf、docx、both，或 none 加 --merge")


def _print_names(opts: Options, group: str) -> list[str]:
    """The print files a record went into, for the manifest when no per-record file was written."""
    names = [PRINT_FILE] if opts.merge else []
    if opts.split:
        names.append(f"print-{safe_name(group)}.pdf")
    return names


# --------------------------------------------------------------------------- #
# Dunning
# --------------------------------------------------------------------------- #

def dunning_template(lib: Library, level: int, template: str | None) -> Template:
    """The template for a dunning level (1 催缴通知单, 2 催告函, 3 final notice) or the one named."""
    if template:
        return lib.get(template)
    if level not in LEVEL_TEMPLATES:
        raise DataError(f"未知的催缴级别 {level}", field="--level", expected="1、2 或 3")
    for tid in LEVEL_TEMPLATES[level]:
        if tid in lib.ids():
            return lib.get(tid)
    raise TemplateError(f"找不到第 {level} 级催缴所用的模板（{'/'.join(LEVEL_TEMPLATES[level])}）",
                        field="--level", expected="运行 docgen list 查看已有模板，或用 --template 指定")


def write_public_list(tpl: Template, profile: Profile, units: list[Unit], out: Path, formats: tuple[str, ...], *,
                      as_of: date, issue_date: date, due_date: date | None, script: str = "hans") -> list[Path]:
    """The 欠费公示 (public arrears list) of the units that got letters: one line per unit.

    Only what the law allows on a notice board: unit, masked name (张**, masked here already, whatever
    the template does) and the amount; no phone, no ID, no fee detail. The list names its basis,
    the profile's [dunning] public_list_basis."""
    if not profile.public_list_basis:
        raise DataError("欠费公示需要依据，机构配置里没有写明", field="--public-list",
                        expected=PUBLIC_BASIS_HINT)
    rows = [{"building": u.building, "unit": u.unit, "owner_name": mask_name(u.owner_name),
             "amount": sum((c.amount for c in u.charges), Decimal("0.00"))} for u in units]
    data = {"as_of": as_of, "issue_date": issue_date, "arrears": rows, "basis": profile.public_list_basis}
    if due_date is not None:
        data["due_date"] = due_date
    doc = convert_document(build_document(tpl, data, profile, file=PUBLIC_NAME), script)
    return write_outputs(doc, out / PUBLIC_NAME, formats, profile)


def _field_name(tpl: Template, *keys: str) -> str | None:
    for k in keys:
        f = tpl.schema.field_for(k)
        if f is not None:
            return f.name
    return None


def dunning(ledger_path: str | Path, *, out: Path, template: str | None = None, level: int = 1,
            receipt: bool = False, merge: bool = False, duplex: bool = False, formats: tuple[str, ...] = ("pdf",),
            split_by: str | None = None, min_amount: Decimal | None = None, as_of: date | None = None,
            issue_date: date | None = None, due_date: date | None = None, late_fee_rate: Decimal | None = None,
            detail: bool = False, jobs: int = 0, resume: bool = False, profile_path: Path | None = None,
            templates: list[Path] | None = None, sheet: str | None = None, progress: ProgressFn | None = None,
            chunk: int = 0, sets: list[str] | dict | None = None, public_list: bool = False,
            script: str | None = None, store: IssueStore | None = None) -> Report:
    """Turn an arrears ledger into one dunning letter per unit; write the manifest of every line.

    progress: called with a Progress at the start and after each letter; store: hands out the letters'
    numbers (in this process, before rendering) and hears what was issued (default: a RunStore)."""
    lib = Library(templates)
    tpl = dunning_template(lib, level, template)
    _check_formats(formats, merge or split_by is not None)
    _check_word(tpl, formats, merge or split_by is not None)
    public_tpl = lib.get(PUBLIC_LIST) if public_list else None
    profile = load_profile(profile_path)
    if public_list and not profile.public_list_basis:
        # 个人信息保护: a public arrears list needs a basis (管理规约 or an owners' assembly decision).
        raise DataError("欠费公示需要依据（管理规约的条款或业主大会的决定），机构配置里没有写明",
                        field="--public-list", expected=PUBLIC_BASIS_HINT)
    script = script_for_profile(script, profile)
    today = date.today()
    as_of = as_of or today
    issue_date = issue_date or today
    if split_by is not None and split_by not in ("楼栋", "building", "楼号", "栋"):
        raise DataError(f"不支持按「{split_by}」拆分打印文件", field="--split-by", expected="楼栋")
    if receipt and tpl.schema.field_for("receipt") is None:
        raise DataError(f"模板 {tpl.id} 没有送达回执（receipt）字段", field="--receipt",
                        expected="用 --level 2 或 --level 3（催告函、最后通知带回执），或去掉 --receipt")
    if late_fee_rate is not None and tpl.schema.field_for("late_fee_rate") is None:
        raise DataError(f"模板 {tpl.id} 不计违约金（没有 late_fee_rate 字段）", field="--late-fee-rate",
                        expected="用 --level 2 或 --level 3，或去掉 --late-fee-rate")
    if sets:
        apply_overrides(tpl, {}, sets)      # unknown fields are a usage error before any work
    opts = Options(out=Path(out), formats=formats, merge=merge, split=split_by is not None, duplex=duplex,
                   jobs=jobs, resume=resume, progress=progress, chunk=chunk)
    spec = {"template": tpl.id, "templates": [str(p) for p in templates or []],
            "profile": str(profile_path) if profile_path else None, "out": str(opts.out),
            "formats": list(formats), "source": str(ledger_path), "duplex": duplex, "validated": False,
            "script": script}
    pool = start_workers(spec, opts)
    try:
        return _dunning(ledger_path, tpl, profile, spec, opts, pool, level=level, receipt=receipt,
                        as_of=as_of, issue_date=issue_date, due_date=due_date, late_fee_rate=late_fee_rate,
                        detail=detail, sheet=sheet, sets=sets, min_amount=min_amount, public_tpl=public_tpl,
                        store=store or RunStore())
    except BaseException:
        stop_workers(pool)
        raise


def _dunning(ledger_path, tpl: Template, profile: Profile, spec: dict, opts: Options, pool, *, level: int,
             receipt: bool, as_of: date, issue_date: date, due_date: date | None, late_fee_rate: Decimal | None,
             detail: bool, sheet: str | None, sets, min_amount: Decimal | None,
             public_tpl: Template | None, store: IssueStore) -> Report:
    formats = opts.formats
    ledger = read_ledger(ledger_path, as_of=as_of, sheet=sheet)
    phone_field = _field_name(tpl, "phone", "联系电话")
    setting = _setting_digest(tpl, profile, formats, spec["script"])
    names = _Names()
    jobs_list: list[Job] = []
    unit_of_job: dict[int, Unit] = {}
    blocked: dict[tuple[str, str], str] = {}
    below: dict[tuple[str, str], str] = {}
    pattern = f"{LEVEL_PREFIX.get(level, 'CJ')}-{{yyyy}}{{mm}}-{{seq:04}}"
    for u in delivery_order(ledger.units.values()):
        if u.errors:
            bad = sorted(u.errors)
            blocked[u.key] = (f"本户第 {'、'.join(map(str, bad[:5]))}{' 等' if len(bad) > 5 else ''} 行有错误，"
                              f"未生成通知（金额不全时宁缺勿错）")
            continue
        if not u.charges:
            continue
        total = u.total
        if min_amount is not None and total < min_amount:
            below[u.key] = f"本户欠费合计 {total} 元，低于 --min-amount {min_amount} 元，未生成通知"
            continue
        name = names.take(f"{u.building}-{u.unit}")
        record: dict[str, Any] = {
            "owner_name": u.owner_name, "building": u.building, "unit": u.unit,
            "as_of": as_of, "issue_date": issue_date,
            "notice_no": store.number(template=tpl.id, pattern=pattern, issue_date=issue_date, record_key=name),
            "items": fold(u.charges, detail=detail), "level": level,
        }
        if due_date is not None:
            record["due_date"] = due_date
        if tpl.schema.field_for("receipt") is not None:
            record["receipt"] = receipt
        if late_fee_rate is not None:
            record["late_fee_rate"] = late_fee_rate
        if phone_field and u.phone:
            record[phone_field] = u.phone
        first = min(c.line for c in u.charges)
        if sets:
            record = apply_overrides(tpl, record, sets)   # keys were checked above; values are checked
        # The record is checked against the template's fields by the workers, in parallel
        # (build_document validates); a record that fails comes back as this unit's error.
        job = Job(len(jobs_list), name, record, first, u.building)
        job.digest = _digest(setting, record)
        unit_of_job[job.index] = u
        jobs_list.append(job)
    result = run_jobs(spec, jobs_list, opts, title=tpl.title, pool=pool)
    done: dict[tuple[str, str], Outcome] = {}
    for job in jobs_list:
        o = result.outcomes.get(job.index)
        u = unit_of_job[job.index]
        if o is None:
            blocked[u.key] = "运行被中断，本户未生成（可加 --resume 续跑）"
        elif not o.ok:
            blocked[u.key] = o.message
        else:
            if not o.files:
                o.files = _print_names(opts, job.group)
            done[u.key] = o
        _tell_store(store, result, tpl, job, o, blocked.get(u.key, ""), number=job.data.get("notice_no"), recipient=u.owner_name, unit=u.label,
                    amount=u.total, level=level, issue_date=issue_date, out=opts.out)

    def entries() -> Iterator[tuple]:
        rows: list[tuple] = [(line, status, "", "", msg, "") for line, (status, msg) in ledger.orphans.items()]
        for u in ledger.units.values():
            o = done.get(u.key)
            files = _files_text(o.files) if o else ""
            amounts = u.amounts()
            for line in u.lines:
                amount = amounts.get(line, "")
                if line in u.errors:
                    rows.append((line, "error", u.label, "", u.errors[line], ""))
                elif line in u.skipped:
                    rows.append((line, "skipped", u.label, "", u.skipped[line], ""))
                elif u.key in blocked:
                    rows.append((line, "error", u.label, "", blocked[u.key], amount))
                elif u.key in below:
                    rows.append((line, "skipped", u.label, "", below[u.key], amount))
                elif o is not None:
                    rows.append((line, "ok", u.label, files, "续跑：文件已存在，未重新生成" if o.resumed else "",
                                 amount))
                else:  # pragma: no cover - every counted row belongs to a job
                    rows.append((line, "error", u.label, "", "内部错误：未处理", amount))
        rows.sort(key=lambda r: r[0])
        return iter(rows)

    print_files = list(result.print_files)
    if public_tpl is not None and done and not result.interrupted:
        units = [u for u in delivery_order(ledger.units.values()) if u.key in done]
        print_files += write_public_list(public_tpl, profile, units, opts.out,
                                         formats or ("pdf",), as_of=as_of, issue_date=issue_date, due_date=due_date,
                                         script=spec["script"])
    manifest = opts.out / MANIFEST
    counts = write_manifest(manifest, entries())
    errors = sorted([(line, msg) for line, (status, msg) in ledger.orphans.items() if status == "error"]
                    + [(line, msg) for u in ledger.units.values() for line, msg in u.errors.items()])
    errors += [(min(u.lines), blocked[u.key]) for u in ledger.units.values() if u.key in blocked and not u.errors]
    return Report(manifest, counts, result.letters, sum(1 for o in done.values() if o.resumed),
                  len(blocked), print_files, result.print_pages, result.seconds, errors[:50],
                  result.interrupted, tpl.id, result.stopped, result.run_id)


# --------------------------------------------------------------------------- #
# Any template over a table
# --------------------------------------------------------------------------- #

_NAME_FIELD = re.compile(r"\{([^{}]+)\}")


def batch(template_id: str, data_path: str | Path, *, out: Path, name: str | None = None,
          formats: tuple[str, ...] = ("pdf",), merge: bool = False, duplex: bool = False,
          split_by: str | None = None, jobs: int = 0, resume: bool = False, profile_path: Path | None = None,
          templates: list[Path] | None = None, sheet: str | None = None, progress: ProgressFn | None = None,
          chunk: int = 0, sets: list[str] | dict | None = None, script: str | None = None,
          store: IssueStore | None = None, number_pattern: str | None = None) -> Report:
    """Render a template once per data row (CSV/XLSX/YAML/JSON table); write the manifest of every line.

    progress: called with a Progress at the start and after each document; number_pattern (e.g.
    "TZ-{yyyy}{mm}-{seq:04}"): number each document's notice_no field, where the row gives none, from
    store (default: a RunStore) before rendering; store also hears what was issued."""
    lib = Library(templates)
    tpl = lib.get(template_id)
    _check_formats(formats, merge or split_by is not None)
    _check_word(tpl, formats, merge or split_by is not None)
    if sets:
        apply_overrides(tpl, {}, sets)
    profile = load_profile(profile_path)
    script = script_for_profile(script, profile)
    pattern = name or "{_line}"
    for key in _NAME_FIELD.findall(pattern):
        if key != "_line" and tpl.schema.field_for(key) is None:
            raise DataError(f"文件名模式里的「{{{key}}}」不是模板 {tpl.id} 的字段", field="--name",
                            expected="、".join(["_line"] + [f.name for f in tpl.schema.fields]))
    group_field = None
    if split_by:
        f = tpl.schema.field_for(split_by)
        if f is None:
            raise DataError(f"「{split_by}」不是模板 {tpl.id} 的字段", field="--split-by",
                            expected="、".join(f.name for f in tpl.schema.fields))
        group_field = f.name
    number_field = None
    if number_pattern is not None:
        nf = tpl.schema.field_for("notice_no")
        if nf is None:
            raise DataError(f"模板 {tpl.id} 没有编号字段（notice_no），不能编号", field="number_pattern",
                            expected="有 notice_no 字段的模板，或不给编号模式")
        number_field = nf.name
        format_number(number_pattern, date.today(), 1)     # a bad pattern is a usage error before any work
    store = store or RunStore()
    names = _Names()
    setting = _setting_digest(tpl, profile, formats, script)
    jobs_list: list[Job] = []
    manifest_rows: dict[int, tuple] = {}
    with read_table(data_path, sheet=sheet, on_error="yield") as table:
        source = table.file
        for row in table:
            if row.blank:
                manifest_rows[row.line] = (row.line, "skipped", "", "", "空行", "")
                continue
            if row.error is not None:
                manifest_rows[row.line] = (row.line, "error", "", "", row.error.describe(), "")
                continue
            try:
                values = apply_overrides(tpl, row.values, sets) if sets else row.values
                data = tpl.schema.validate(values, file=source, row=row.line, base_dir=Path(data_path).parent)
            except DocgenError as e:
                manifest_rows[row.line] = (row.line, "error", "", "", e.describe(), "")
                continue

            def value(mt: re.Match) -> str:
                key = mt.group(1)
                if key == "_line":
                    return f"{tpl.id}-{row.line:05d}" if pattern == "{_line}" else str(row.line)
                v = data.get(tpl.schema.field_for(key).name)
                return "" if v is None else str(v)
            label = _NAME_FIELD.sub(value, pattern)
            group = str(data.get(group_field) or "") if group_field else ""
            name_ = names.take(label)
            if number_field is not None and not data.get(number_field):
                day = data.get("issue_date") if isinstance(data.get("issue_date"), date) else date.today()
                data = dict(data, **{number_field: store.number(template=tpl.id, pattern=number_pattern,
                                                                issue_date=day, record_key=name_)})
            job = Job(len(jobs_list), name_, data, row.line, group)
            job.digest = _digest(setting, data)
            jobs_list.append(job)
    if group_field:
        jobs_list.sort(key=lambda j: natural_key(j.group))
    opts = Options(out=Path(out), formats=formats, merge=merge, split=group_field is not None, duplex=duplex,
                   jobs=jobs, resume=resume, progress=progress, chunk=chunk)
    spec = {"template": tpl.id, "templates": [str(p) for p in templates or []],
            "profile": str(profile_path) if profile_path else None, "out": str(opts.out),
            "formats": list(formats), "source": source, "duplex": duplex, "validated": True, "script": script}
    result = run_jobs(spec, jobs_list, opts, title=tpl.title)
    failed = 0
    for job in jobs_list:
        o = result.outcomes.get(job.index)
        if o is None:
            manifest_rows[job.row] = (job.row, "error", job.name, "", "运行被中断，未生成（可加 --resume 续跑）", "")
            failed += 1
        elif not o.ok:
            manifest_rows[job.row] = (job.row, "error", job.name, "", o.message, "")
            failed += 1
        else:
            o.files = o.files or _print_names(opts, job.group)
            manifest_rows[job.row] = (job.row, "ok", job.name, _files_text(o.files),
                                      "续跑：文件已存在，未重新生成" if o.resumed else "", "")
        amount = job.data.get("amount")
        day = job.data.get("issue_date")
        _tell_store(store, result, tpl, job, o, manifest_rows[job.row][4],
                    number=job.data.get(number_field) if number_field else None, recipient=str(job.data.get("owner_name") or ""), unit=job.name,
                    amount=amount if isinstance(amount, Decimal) else None, level=None,
                    issue_date=day if isinstance(day, date) else date.today(), out=opts.out)
    manifest = opts.out / MANIFEST
    counts = write_manifest(manifest, (manifest_rows[k] for k in sorted(manifest_rows)))
    errors = [(r[0], r[4]) for k, r in sorted(manifest_rows.items()) if r[1] == "error"][:50]
    resumed = sum(1 for o in result.outcomes.values() if o.resumed)
    return Report(manifest, counts, result.letters, resumed, failed, result.print_files, result.print_pages,
                  result.seconds, errors, result.interrupted, tpl.id, result.stopped, result.run_id)
