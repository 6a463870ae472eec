"""The worker side of a batch run: load once per process, render chunks of jobs, write their files."""
from __future__ import annotations

import os
import shutil
import signal
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import model as m
from ..errors import DocgenError
from ..library import Library, Template
from ..profile import Profile, load_profile
from ..render import _compiled, atomic_write, build_document, pdf_bytes
from ..script import convert_document, convert_docx
from ..typography import fontset
from ..wordtemplate import docxs_to_pdfs, is_word_template, render_docx
from ..writers.docx import DocxFonts, write_docx
from ..writers.pdf import write_pdf
from .spec import Chunk, Job, Outcome, Part, WorkerSpec


@dataclass
class WorkerState:
    """What a process has loaded for a spec: the template, profile and fonts."""
    spec: WorkerSpec
    tpl: Template
    profile: Profile
    fonts: Any
    docx_fonts: DocxFonts | None
    word: bool


_state: WorkerState | None = None


def setup(spec: WorkerSpec) -> WorkerState:
    """Load template, profile and fonts once per process (the parent does it before forking)."""
    global _state
    if _state is not None and _state.spec == spec:
        return _state
    lib = Library(list(spec.templates) or None)
    tpl = lib.get(spec.template)
    profile = load_profile(spec.profile) if spec.profile else load_profile()
    fonts = fontset(profile.fonts)
    for face in (fonts.song, fonts.hei, fonts.latin, fonts.latin_bold):
        face.font()
    word = is_word_template(tpl)
    if not word:
        _compiled(tpl)
    docx_fonts = DocxFonts(**profile.docx_fonts) if profile.docx_fonts else None
    _state = WorkerState(spec, tpl, profile, fonts, docx_fonts, word)
    return _state


def _current() -> WorkerState:
    if _state is None:  # pragma: no cover - every process runs setup() first
        raise RuntimeError("batch worker used before setup()")
    return _state


def init_worker(spec: WorkerSpec, pids: Any = None) -> None:
    """Pool initializer: leave Ctrl-C to the parent, load the spec, tell the parent this worker's pid."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent handles Ctrl-C and stops the pool
    # SIGTERM keeps its default and ends a worker at once, even one stuck on a lock it inherited in
    # a fork (a Python handler would never run there, and pool.terminate() would wait forever).
    # A temporary file it was writing is removed by the parent's sweep of .part files.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if pids is not None:
        pids.put(os.getpid())
    setup(spec)


def _write_files(st: WorkerState, doc: m.Document, name: str) -> tuple[list[str], int]:
    base = st.spec.out / name
    formats = st.spec.formats
    files: list[str] = []
    pages = 0
    if "pdf" in formats or ("docx" in formats and doc.page.page_numbers == "auto"):
        data, pages = pdf_bytes(doc, st.profile)
        if "pdf" in formats:
            target = base.with_suffix(".pdf")
            atomic_write(target, lambda tmp: Path(tmp).write_bytes(data))
            files.append(target.name)
    if "docx" in formats:
        target = base.with_suffix(".docx")
        atomic_write(target, lambda tmp: write_docx(doc, tmp, fonts=st.docx_fonts, pages_hint=pages or None))
        files.append(target.name)
    return files, pages


def failure(e: Exception) -> str:
    """The manifest message for a record that could not be rendered."""
    if isinstance(e, DocgenError):
        return e.describe()
    return f"生成失败：{type(e).__name__}: {e}"


def _render_word_chunk(st: WorkerState, jobs: list[Job]) -> list[Outcome]:
    """Render one chunk of a Word template: DOCX by docxtpl, PDF by one LibreOffice run for the chunk."""
    spec = st.spec
    outcomes: list[Outcome] = []
    made: list[tuple[Job, Path]] = []
    with tempfile.TemporaryDirectory(prefix="docgen-word-") as tmpd:
        tmp = Path(tmpd)
        for job in jobs:
            if job.skip_files:
                outcomes.append(Outcome(job.index, True, [], 0, "", resumed=True))
                continue
            try:
                values = job.data if spec.validated else st.tpl.schema.validate(
                    job.data, file=spec.source, row=job.row, base_dir=Path.cwd())
                docx = tmp / f"{job.index}.docx"
                render_docx(st.tpl, values, st.profile, docx, file=spec.source, row=job.row)
                convert_docx(docx, spec.script)
                made.append((job, docx))
            except Exception as e:  # noqa: BLE001 - one bad record must not stop the others
                outcomes.append(Outcome(job.index, False, message=failure(e)))
        pdfs: list[Path] = []
        if "pdf" in spec.formats and made:
            try:
                pdfs = docxs_to_pdfs([d for _, d in made], tmp)
            except Exception as e:  # noqa: BLE001
                outcomes += [Outcome(job.index, False, message=failure(e)) for job, _ in made]
                made = []
        for n, (job, docx) in enumerate(made):
            base = spec.out / job.name
            files = []
            for fmt, src in (("pdf", pdfs[n] if pdfs else None), ("docx", docx)):
                if fmt in spec.formats and src is not None:
                    target = base.with_suffix("." + fmt)
                    atomic_write(target, lambda t, src=src: shutil.copyfile(src, t))
                    files.append(target.name)
            outcomes.append(Outcome(job.index, True, files, 0))
    return outcomes


def render_chunk(chunk: Chunk) -> tuple[int, list[Outcome], Part | None]:
    """Render one chunk: per-record files, and the chunk's print PDF when asked."""
    st = _current()
    if st.word:
        return chunk.no, _render_word_chunk(st, chunk.jobs), None
    spec = st.spec
    outcomes: list[Outcome] = []
    docs: list[m.Document] = []
    for job in chunk.jobs:
        try:
            doc = convert_document(build_document(st.tpl, job.data, st.profile, file=spec.source,
                                                  row=job.row, validated=spec.validated), spec.script)
            if job.skip_files:
                outcomes.append(Outcome(job.index, True, [], 0, "", resumed=True))
            else:
                files, pages = _write_files(st, doc, job.name)
                outcomes.append(Outcome(job.index, True, files, pages))
            docs.append(doc)
        except Exception as e:  # noqa: BLE001 - one bad letter must not stop ten thousand
            outcomes.append(Outcome(job.index, False, message=failure(e)))
    if chunk.part is None or not docs:
        return chunk.no, outcomes, None
    path = chunk.part
    ok = [o for o in outcomes if o.ok]
    counts: list[int] = []

    def write(tmp: Any) -> None:
        counts.extend(write_pdf(docs, tmp, fonts=st.fonts, duplex=spec.duplex))
    try:
        atomic_write(path, write)
    except Exception:  # noqa: BLE001
        # Only likely when no separate PDF was drawn first (e.g. a character no font
        # has): find the letters that cannot be drawn, print the others.
        keep = []
        for o, doc in zip(ok, docs):
            try:
                pdf_bytes(doc, st.profile)
                keep.append((o, doc))
            except Exception as e:  # noqa: BLE001
                o.ok, o.message, o.files = False, failure(e), []
        ok, docs = [o for o, _ in keep], [d for _, d in keep]
        counts.clear()
        if not docs:
            return chunk.no, outcomes, None
        atomic_write(path, write)
    for o, c in zip(ok, counts):
        if not o.pages:
            o.pages = c
    blanks = sum(1 for c in counts[:-1] if c % 2) if spec.duplex else 0
    page = docs[-1].page
    return chunk.no, outcomes, Part(path, sum(counts) + blanks, (page.width, page.height))


def warm(job: Job) -> None:
    """Render one document in the parent so forked workers inherit warm caches (glyph widths, faces)."""
    st = _current()
    if st.word:
        return
    try:
        pdf_bytes(build_document(st.tpl, job.data, st.profile, validated=st.spec.validated), st.profile)
    except DocgenError:
        pass
