"""Library functions behind the CLI commands (tests call these too)."""
from __future__ import annotations

import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import DataError, DocgenError
from .library import Library
from .overrides import apply_overrides, parse_sets  # noqa: F401 - part of the api
from .profile import load_profile
from .readers import STDIN_NAME, read_document
from .render import build_document, formats_for, output_dir, write_outputs
from .script import convert_document, for_profile as script_for_profile
from .wordtemplate import is_word_template, write_word_outputs

if TYPE_CHECKING:    # the batch engine loads only when a batch runs
    from .batch import Report
    from .batch.store import IssueStore, ProgressFn


def render_one(template_id: str, *, data_path: Path | str | None = None, data: dict | None = None,
               out: Path | None = None, fmt: str | None = None, use_sample: bool = False,
               profile_path: Path | None = None, templates: list[Path] | None = None,
               overrides: dict | list[str] | None = None, script: str | None = None,
               blank: bool = False) -> list[Path]:
    """Render one template with one data record; returns the files written.

    overrides: ``--set`` values ("field=value" strings or a mapping) applied on top of the data;
    script: hans/hant/tw/hk output script (default: the profile's ``[output] script``);
    blank: a form with no data, as a pad to fill in by hand (only templates marked ``pad: true``).
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
            raise DataError(f"模板 {template_id} 不是表单，没有空白版", field="--blank",
                            expected="表单模板之一：" + "、".join(pads))
        if data is not None or data_path is not None or use_sample:
            raise DataError("--blank 不能与 --data、--sample 同时使用", field="--blank",
                            expected="空白表单只用 --blank（可加 --set 预填个别字段）")
        data, source = {}, "--blank"
    if data is None:
        if use_sample or data_path is None:
            if data_path is None and not use_sample and not overrides:
                raise DataError("没有给出数据文件", field="--data",
                                expected=f"--data 数据.yaml，或 --sample 使用示例（docgen show {template_id} --example）")
            data = dict(tpl.sample) if use_sample else {}
            source = f"{tpl.folder}/template.yaml (sample)" if use_sample else "--set"
            if use_sample:
                base_dir = tpl.folder  # a sample's picture paths are relative to its template folder
        else:
            data = read_document(data_path)
            source = STDIN_NAME if str(data_path) == "-" else str(data_path)
    if overrides:
        data = apply_overrides(tpl, data, overrides)
    values = tpl.schema.validate(data, file=source, base_dir=base_dir, blank=blank)
    formats = formats_for(out, fmt)
    base = out if out is not None else Path(template_id)
    if base.suffix.lower() in (".pdf", ".docx"):
        base = base.with_suffix("")
    elif out is not None and (out.is_dir() or str(out).endswith(("/", "\\"))):
        base = out / template_id
    if is_word_template(tpl):
        return write_word_outputs(tpl, values, profile, base, formats, script=script, file=source)
    doc = convert_document(build_document(tpl, values, profile, file=source, validated=True, blank=blank), script)
    try:
        return write_outputs(doc, base, formats, profile)
    except DocgenError as e:
        if not e.file:  # e.g. a character no font can draw: say which data file it came from
            e.file = source
            e.args = (e.describe(),)
        raise


def render_samples(out: Path, *, profile_path: Path | None = None, templates: list[Path] | None = None,
                   png: bool = False, progress: bool = False) -> list[dict]:
    """Render every template's sample to out/ID.pdf and out/ID.docx (a form also blank, to out/ID-blank.*)."""
    lib = Library(templates)
    load_profile(profile_path)  # a broken profile stops the run before anything is written
    results = []
    ids = lib.ids()
    bar = None
    if progress:
        from rich.progress import Progress
        bar = Progress(transient=True)
        bar.start()
        task = bar.add_task("渲染示例", total=len(ids))
    try:
        for tid in ids:
            entry = {"id": tid, "files": [], "error": None}
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
            if bar:
                bar.advance(task)
    finally:
        if bar:
            bar.stop()
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
    from .preflight import check_files as run
    return run([Path(f) for f in files])


def dunning(ledger: str | Path, *, out: Path, template: str | None = None, level: int = 1, receipt: bool = False,
            merge: bool = False, duplex: bool = False, formats: tuple[str, ...] = ("pdf",), split_by: str | None = None,
            min_amount: Decimal | None = None, as_of: date | None = None, issue_date: date | None = None,
            due_date: date | None = None, late_fee_rate: Decimal | None = None, detail: bool = False, jobs: int = 0,
            resume: bool = False, profile_path: Path | None = None, templates: list[Path] | None = None,
            sheet: str | None = None, chunk: int = 0, sets: list[str] | dict | None = None,
            public_list: bool = False, script: str | None = None, progress: ProgressFn | None = None,
            store: IssueStore | None = None) -> Report:
    """Arrears ledger → one dunning letter per unit, print files and manifest.csv.

    progress: called with a :class:`~docgen.batch.store.Progress` at the start and after each letter;
    store: an :class:`~docgen.batch.store.IssueStore` that numbers the letters in this process, before
    rendering, and hears what was issued (default: a RunStore, numbers from 1 within the run)."""
    from .batch import dunning as run
    return run(ledger, out=out, template=template, level=level, receipt=receipt, merge=merge, duplex=duplex,
               formats=formats, split_by=split_by, min_amount=min_amount, as_of=as_of, issue_date=issue_date,
               due_date=due_date, late_fee_rate=late_fee_rate, detail=detail, jobs=jobs, resume=resume,
               profile_path=profile_path, templates=templates, sheet=sheet, chunk=chunk, sets=sets,
               public_list=public_list, script=script, progress=progress, store=store)


def batch(template_id: str, data: str | Path, *, out: Path, name: str | None = None,
          formats: tuple[str, ...] = ("pdf",), merge: bool = False, duplex: bool = False, split_by: str | None = None,
          jobs: int = 0, resume: bool = False, profile_path: Path | None = None, templates: list[Path] | None = None,
          sheet: str | None = None, chunk: int = 0, sets: list[str] | dict | None = None, script: str | None = None,
          progress: ProgressFn | None = None, store: IssueStore | None = None,
          number_pattern: str | None = None) -> Report:
    """Any template over a table of records: one document per row, print files and manifest.csv.

    progress and store as for :func:`dunning`; number_pattern (e.g. "TZ-{yyyy}{mm}-{seq:04}") numbers
    each document's notice_no field from the store where the row gives none."""
    from .batch import batch as run
    return run(template_id, data, out=out, name=name, formats=formats, merge=merge, duplex=duplex,
               split_by=split_by, jobs=jobs, resume=resume, profile_path=profile_path, templates=templates,
               sheet=sheet, chunk=chunk, sets=sets, script=script, progress=progress, store=store,
               number_pattern=number_pattern)


# --- web desk: thin functions the web desk and HTTP API need (docgen serve), over the library above


def _plain_value(v):
    """A value as JSON can carry it: dates as ISO text, Decimal as text (exact), paths as text."""
    from datetime import date, datetime
    from decimal import Decimal
    if isinstance(v, dict):
        return {str(k): _plain_value(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain_value(x) for x in v]
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, (Decimal, Path)):
        return str(v)
    return v


def list_templates(templates: list[Path] | None = None) -> list[dict]:
    """Every template as `docgen list --json` prints it (by category, then id)."""
    return [{"id": t.id, "title": t.title, "category": t.category, "description": t.description,
             "source": t.source, "folder": str(t.folder), "pad": t.pad} for t in Library(templates).all()]


def _field_info(f) -> dict:
    return {"name": f.name, "type": f.type, "label": f.label, "title": f.title, "help": f.help,
            "required": f.required, "aliases": f.aliases,
            "default": None if f.default is None else _plain_value(f.default), "choices": f.choices,
            "min": _plain_value(f.min), "max": _plain_value(f.max), "max_length": f.max_length,
            "items": f.items, "min_items": f.min_items, "expected": f.expected(),
            "fields": [_field_info(s) for s in f.fields]}


def template_info(template_id: str, templates: list[Path] | None = None) -> dict:
    """One template's fields (type, label, help, required, default, choices, sub-fields) and its example."""
    tpl = Library(templates).get(template_id)
    return {"id": tpl.id, "title": tpl.title, "category": tpl.category, "description": tpl.description,
            "pad": tpl.pad, "word": is_word_template(tpl), "fields": [_field_info(f) for f in tpl.schema.fields],
            "example": _plain_value(tpl.sample)}


def error_field(template_id: str, error: DocgenError, templates: list[Path] | None = None) -> dict:
    """A validation error as {"field", "label", "message"}: the data field it is about (None if none)."""
    tpl = Library(templates).get(template_id)
    where = error.field or ""
    for f in tpl.schema.fields:
        if where in (f.title, f.name, f.label) or where.startswith(f.title + " "):
            return {"field": f.name, "label": f.label or f.name, "message": error.describe()}
    return {"field": None, "label": where or None, "message": error.describe()}


def ledger_check(ledger: Path | str, *, as_of=None, sheet: str | None = None) -> dict:
    """What `dunning` would read from a ledger, before anything is rendered: the column for each
    ledger field, the units, and every error row (line, message) as manifest.csv would list it."""
    from datetime import date
    from .ledger import LABELS, read_ledger
    led = read_ledger(ledger, as_of=as_of or date.today(), sheet=sheet)
    errors = {line: msg for u in led.units.values() for line, msg in u.errors.items()}
    errors.update({line: msg for line, (status, msg) in led.orphans.items() if status == "error"})
    skipped = sum(len(u.skipped) for u in led.units.values()) + sum(
        1 for status, _ in led.orphans.values() if status == "skipped")
    return {"file": led.file, "headers": led.headers,
            "columns": [{"field": k, "label": LABELS.get(k, k), "header": h} for k, h in led.columns.items()],
            "rows": led.rows, "units": len(led.units), "skipped": skipped,
            "errors": [{"line": n, "message": errors[n]} for n in sorted(errors)]}


def table_check(template_id: str, data: Path | str, *, sheet: str | None = None,
                templates: list[Path] | None = None) -> dict:
    """What `batch` would read from a table, before anything is rendered: which header fills which
    field, the headers no field takes, and every row that would fail (line, message)."""
    from .readers import read_table
    tpl = Library(templates).get(template_id)
    errors, rows = [], 0
    with read_table(data, sheet=sheet, on_error="yield") as table:
        headers = list(table.headers)
        for row in table:
            if row.blank:
                continue
            rows += 1
            if row.error is not None:
                errors.append({"line": row.line, "message": row.error.describe()})
                continue
            try:
                tpl.schema.validate(row.values, file=table.file, row=row.line, base_dir=Path(data).parent)
            except DocgenError as e:
                errors.append({"line": row.line, "message": e.describe()})
    columns, unused = [], []
    for h in headers:
        f = tpl.schema.field_for(h)
        if f is None:
            unused.append(h)
        else:
            columns.append({"field": f.name, "label": f.label or f.name, "header": h})
    return {"file": str(data), "headers": headers, "columns": columns, "unused": unused, "rows": rows,
            "errors": errors}


def profile_info(profile_path: Path | None = None) -> dict:
    """The organisation values templates read as org.* (defaults filled in), and the public-list basis."""
    p = load_profile(profile_path)
    return {"org": {k: _plain_value(v) for k, v in p.org.items()}, "public_list_basis": p.public_list_basis,
            "path": str(p.path) if p.path else None}


def data_errors(template_id: str, data: dict, templates: list[Path] | None = None) -> list[dict]:
    """Every field's problem at once (a form shows each beside its field), then the `checks:` rules;
    the messages are the CLI's. An empty list: the data validates."""
    from .schema import Schema
    tpl = Library(templates).get(template_id)
    found: list[DocgenError] = []
    for f in tpl.schema.fields:
        part = {k: v for k, v in data.items() if tpl.schema.field_for(k) is f}
        try:
            Schema([f]).validate(part)
        except DataError as e:
            found.append(e)
    if not found:
        try:
            tpl.schema.validate(data)
        except DataError as e:
            found.append(e)
    return [error_field(template_id, e, templates) for e in found]
