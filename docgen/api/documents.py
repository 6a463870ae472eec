"""The api's document functions: one render (to files or bytes), the samples, checks, dunning and batch runs."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from ..engine.pipeline import build_document
from ..engine.script import convert_document, for_profile as script_for_profile
from ..engine.word import is_word_template, write_word_outputs
from ..errors import DataError, DocgenError
from ..inputs.documents import STDIN_NAME, read_document
from ..inputs.lists import with_tables
from ..library.folders import Library
from ..overrides import apply_overrides, parse_sets  # noqa: F401 - part of the api
from ..profile import load_profile
from ..writers import FORMATS, Format, document_bytes, formats_for, output_dir, write_outputs

if TYPE_CHECKING:    # the batch engine loads only when a batch runs
    from ..batch import Report
    from ..batch.store import IssueStore, ProgressFn
    from ..register import Document, Register, RegisterStore

from .registry import _numbered, _record, _registered, number_pattern_of, register_store

def render_one(template_id: str, *, data_path: Path | str | None = None, data: dict | None = None,
               out: Path | None = None, fmt: str | None = None, use_sample: bool = False,
               profile_path: Path | None = None, templates: list[Path] | None = None,
               overrides: dict | list[str] | None = None, script: str | None = None,
               blank: bool = False, register: bool = False, store: "IssueStore | None" = None,
               operator: str | None = None, mark: str | None = None,
               tables: Mapping[str, Path | str] | None = None, sheet: str | None = None) -> list[Path]:
    """Render one template with one data record; returns the files written.

    overrides: field values ("field=value" strings or a mapping) applied on top of the data;
    script: hans/hant/tw/hk output script (default: the profile's ``[output] script``);
    blank: a form with no data, as a pad to fill in by hand (only templates marked ``pad: true``);
    register: record the document in the office's register (numbered from it where the template has a
    number pattern); store: an IssueStore to use instead (a sample or a blank pad is never registered);
    mark: a line printed above the document (补发 on a reprint);
    tables: list field (name, label or alias) → a CSV/XLSX/YAML/JSON table whose rows are that list's items,
    each checked against the item fields (sheet: the XLSX sheet, default the first); a sample's list is
    replaced, a list the data file also gives is an error.
    """
    lib = Library(templates)
    tpl = lib.get(template_id)
    profile = load_profile(profile_path)
    script = script_for_profile(script, profile)
    source = None
    base_dir = Path.cwd()
    if blank:
        if not tpl.pad:
            pads = [t.id for t in lib.all() if t.pad]
            raise DataError(f"模板 {template_id} 不是表单，没有空白版", field="blank",
                            expected="表单模板之一：" + "、".join(pads))
        if data is not None or data_path is not None or use_sample or tables:
            raise DataError("空白表单不用数据，也不用示例数据", field="blank",
                            expected="空白表单不给数据（data、sample、tables），可用 sets 预填个别字段")
        data, source = {}, "（空白表单）"
    if data is None:
        if use_sample or data_path is None:
            if data_path is None and not use_sample and not overrides and not tables:
                raise DataError("没有给出数据文件", field="data",
                                expected=f"一个数据文件（YAML/JSON），或模板 {template_id} 的示例数据（sample）")
            data = dict(tpl.sample) if use_sample else {}
            source = f"{tpl.folder}/template.yaml (sample)" if use_sample else "（逐项给出的值）"
            if use_sample:
                base_dir = tpl.folder  # a sample's picture paths are relative to its template folder
        else:
            data = read_document(data_path)
            source = STDIN_NAME if str(data_path) == "-" else str(data_path)
    if tables:
        data = with_tables(tpl.schema, data, tables, sheet=sheet, replace=use_sample)
        if source == "（逐项给出的值）":
            source = "、".join(str(p) for p in tables.values())
    if overrides:
        data = apply_overrides(tpl, data, overrides)
    values = tpl.schema.validate(data, file=source, base_dir=base_dir, blank=blank)
    formats = formats_for(out, fmt)
    base = out if out is not None else Path(template_id)
    if base.suffix.lower() in (".pdf", ".docx"):
        base = base.with_suffix("")
    elif out is not None and (out.is_dir() or str(out).endswith(("/", "\\"))):
        base = out / template_id
    own = None
    if register and store is None and not (use_sample or blank):
        store = own = register_store(profile_path, operator=operator, templates=templates)
    if use_sample or blank:
        store = None
    key = str(base.resolve())
    if store is not None:
        values = _numbered(store, tpl, profile, values, key)
    try:
        if is_word_template(tpl):
            if mark:
                raise DataError("Word 模板的文书不能加印补发标记", field="reprint", expected="文本模板（body.md）的文书")
            written = write_word_outputs(tpl, values, profile, base, formats, script=script, file=source)
        else:
            doc = build_document(tpl, values, profile, file=source, validated=True, blank=blank)
            if mark:
                from ..model import Paragraph, Text
                doc.blocks.insert(0, Paragraph([Text(mark, bold=True)], align="right", indent=0, space_after=6))
            doc = convert_document(doc, script)
            try:
                written = write_outputs(doc, base, formats, profile)
            except DocgenError as e:
                if not e.file:  # e.g. a character no font can draw: say which data file it came from
                    e.file = source
                    e.args = (e.describe(),)
                raise
        if store is not None and not mark:
            _record(store, tpl, values, written, key)
        return written
    except BaseException as e:
        if store is not None and not mark:
            store.failed(template=tpl.id, record_key=key, error=str(e), run_id="render")
        raise
    finally:
        if own is not None:
            own.close()


def render_bytes(template_id: str, data: Mapping[str, Any], fmt: Format, *, profile_path: Path | None = None,
                 templates: list[Path] | None = None) -> bytes:
    """Render one document in memory (the web preview): its PDF or DOCX bytes; nothing is left on disk.

    data is validated like a data file (field names, labels or aliases; DataError names the field);
    fmt is "pdf" or "docx"; the output script is the profile's ``[output] script``."""
    if fmt not in FORMATS:
        raise DataError(f"未知格式「{fmt}」", field="format", expected="pdf 或 docx")
    tpl = Library(templates).get(template_id)
    profile = load_profile(profile_path)
    script = script_for_profile(None, profile)
    values = tpl.schema.validate(dict(data), base_dir=Path.cwd())
    if is_word_template(tpl):   # docxtpl (and LibreOffice for PDF) work on files: a private folder, then gone
        with tempfile.TemporaryDirectory(prefix="docgen-preview-") as tmp:
            written = write_word_outputs(tpl, values, profile, Path(tmp) / tpl.id, (fmt,), script=script)
            return next(p for p in written if p.suffix == "." + fmt).read_bytes()
    doc = convert_document(build_document(tpl, values, profile, validated=True), script)
    return dict(document_bytes(doc, (fmt,), profile))[fmt]


def render_samples(out: Path, *, profile_path: Path | None = None, templates: list[Path] | None = None,
                   png: bool = False, progress: ProgressFn | None = None) -> list[dict]:
    """Render every template's sample to out/ID.pdf and out/ID.docx (a form also blank, to out/ID-blank.*).

    progress: called with a Progress at the start and after each template."""
    lib = Library(templates)
    load_profile(profile_path)  # a broken profile stops the run before anything is written
    results = []
    ids = lib.ids()
    ok = failed = 0
    from ..batch.store import Progress

    def tell(current: str = "") -> None:
        if progress is not None:
            progress(Progress(ok + failed, len(ids), ok, failed, 0, current))
    tell()
    for tid in ids:
        entry: dict[str, Any] = {"id": tid, "files": [], "error": None}
        try:
            formats = "both"
            if is_word_template(lib.get(tid)) and not shutil.which("soffice"):
                formats = "docx"   # a Word template's PDF needs LibreOffice; the DOCX is still the sample
            entry["files"] = [str(p) for p in render_one(tid, use_sample=True, out=out / tid, fmt=formats,
                                                         profile_path=profile_path, templates=templates)]
            if lib.get(tid).pad:    # a form also as the blank pad the front desk prints
                entry["files"] += [str(p) for p in render_one(tid, blank=True, out=out / f"{tid}-blank",
                                                              fmt=formats, profile_path=profile_path,
                                                              templates=templates)]
            if png and (out / f"{tid}.pdf").is_file():
                entry["files"].append(str(first_page_png(out / f"{tid}.pdf", out / "png" / tid)))
        except DocgenError as e:
            entry["error"] = e.describe()
        results.append(entry)
        failed += entry["error"] is not None
        ok += entry["error"] is None
        tell(tid)
    return results


def first_page_png(pdf: Path, stem: Path, dpi: int = 60) -> Path:
    """A PNG of the first page (needs poppler's pdftoppm)."""
    exe = shutil.which("pdftoppm")
    if not exe:
        raise DataError("生成 PNG 预览需要 pdftoppm", expected="安装 poppler-utils（apt-get install poppler-utils）")
    output_dir(stem.parent)
    subprocess.run([exe, "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
                   check=True, capture_output=True)
    return stem.with_suffix(".png")


def check_files(files: list[Path]) -> list[dict]:
    """Preflight PDFs (and DOCX files, converted with LibreOffice and compared with the PDF of the same
    name): one report per file, {"file", "pages", "problems": [{"page", "kind", "text"}]}."""
    from ..preflight import check_files as run
    return run([Path(f) for f in files])


def dunning(ledger: str | Path, *, out: Path, template: str | None = None, level: int = 1, receipt: bool = False,
            merge: bool = False, duplex: bool = False, formats: tuple[Format, ...] = ("pdf",),
            split_by: str | None = None, min_amount: Decimal | str | None = None, as_of: date | str | None = None,
            issue_date: date | str | None = None, due_date: date | str | None = None,
            late_fee_rate: Decimal | str | None = None, detail: bool = False, jobs: int = 0,
            resume: bool = False, profile_path: Path | None = None, templates: list[Path] | None = None,
            sheet: str | None = None, chunk: int = 0, sets: list[str] | dict | None = None,
            public_list: bool = False, script: str | None = None, progress: ProgressFn | None = None,
            store: IssueStore | None = None, register: bool = False, operator: str | None = None) -> Report:
    """Arrears ledger → one dunning letter per unit, print files and manifest.csv.

    progress: called with a :class:`~docgen.batch.store.Progress` at the start and after each letter;
    store: an :class:`~docgen.batch.store.IssueStore` that numbers the letters in this process, before
    rendering, and hears what was issued (default: a RunStore, numbers from 1 within the run);
    register: use the office's register as the store (operator: who issues, default the profile's)."""
    from ..dunning import dunning as run
    if register and store is None:
        return _registered(lambda st: dunning(ledger, out=out, template=template, level=level, receipt=receipt,
                                              merge=merge, duplex=duplex, formats=formats, split_by=split_by,
                                              min_amount=min_amount, as_of=as_of, issue_date=issue_date,
                                              due_date=due_date, late_fee_rate=late_fee_rate, detail=detail,
                                              jobs=jobs, resume=resume, profile_path=profile_path,
                                              templates=templates, sheet=sheet, chunk=chunk, sets=sets,
                                              public_list=public_list, script=script, progress=progress, store=st),
                           profile_path, operator=operator, resume=resume, templates=templates)
    return run(ledger, out=out, template=template, level=level, receipt=receipt, merge=merge, duplex=duplex,
               formats=formats, split_by=split_by, min_amount=min_amount, as_of=as_of, issue_date=issue_date,
               due_date=due_date, late_fee_rate=late_fee_rate, detail=detail, jobs=jobs, resume=resume,
               profile_path=profile_path, templates=templates, sheet=sheet, chunk=chunk, sets=sets,
               public_list=public_list, script=script, progress=progress, store=store)


def batch(template_id: str, data: str | Path, *, out: Path, name: str | None = None,
          formats: tuple[Format, ...] = ("pdf",), merge: bool = False, duplex: bool = False,
          split_by: str | None = None,
          jobs: int = 0, resume: bool = False, profile_path: Path | None = None, templates: list[Path] | None = None,
          sheet: str | None = None, chunk: int = 0, sets: list[str] | dict | None = None, script: str | None = None,
          progress: ProgressFn | None = None, store: IssueStore | None = None,
          number_pattern: str | None = None, register: bool = False, operator: str | None = None) -> Report:
    """Any template over a table of records: one document per row, print files and manifest.csv.

    progress and store as for :func:`dunning`; number_pattern (e.g. "TZ-{yyyy}{mm}-{seq:04}") numbers
    each document's notice_no field from the store where the row gives none; register: use the office's
    register as the store, numbering with the template's pattern (operator: who issues)."""
    from ..batch import batch as run
    if register and store is None:
        tpl = Library(templates).get(template_id)
        if number_pattern is None and tpl.schema.field_for("notice_no") is not None:
            number_pattern = number_pattern_of(template_id, profile_path=profile_path, templates=templates)
        return _registered(lambda st: batch(template_id, data, out=out, name=name, formats=formats, merge=merge,
                                            duplex=duplex, split_by=split_by, jobs=jobs, resume=resume,
                                            profile_path=profile_path, templates=templates, sheet=sheet,
                                            chunk=chunk, sets=sets, script=script, progress=progress, store=st,
                                            number_pattern=number_pattern),
                           profile_path, operator=operator, resume=resume, templates=templates)
    return run(template_id, data, out=out, name=name, formats=formats, merge=merge, duplex=duplex,
               split_by=split_by, jobs=jobs, resume=resume, profile_path=profile_path, templates=templates,
               sheet=sheet, chunk=chunk, sets=sets, script=script, progress=progress, store=store,
               number_pattern=number_pattern)


