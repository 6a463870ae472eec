"""Any template over a table of records (CSV/XLSX/YAML/JSON): one document per row."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import DataError, DocgenError
from ..inputs.readers import read_table
from ..library.folders import Library
from ..overrides import apply_overrides
from .manifest import ManifestRow, Report, files_text
from .naming import Names, natural_key
from .prepare import RESUMED, finish, outcome, prepare, take_numbers, tell_store
from .run import run_jobs
from .spec import Format, Job
from .state import digest
from .store import IssueStore, ProgressFn, format_number

_NAME_FIELD = re.compile(r"\{([^{}]+)\}")


def batch(template_id: str, data_path: str | Path, *, out: Path, name: str | None = None,
          formats: tuple[Format, ...] = ("pdf",), merge: bool = False, duplex: bool = False,
          split_by: str | None = None, jobs: int = 0, resume: bool = False, profile_path: Path | None = None,
          templates: list[Path] | None = None, sheet: str | None = None, progress: ProgressFn | None = None,
          chunk: int = 0, sets: list[str] | dict[str, Any] | None = None, script: str | None = None,
          store: IssueStore | None = None, number_pattern: str | None = None) -> Report:
    """Render a template once per data row (CSV/XLSX/YAML/JSON table); write the manifest of every line.

    progress: called with a Progress at the start and after each document; number_pattern (e.g.
    "TZ-{yyyy}{mm}-{seq:04}"): number each document's notice_no field, where the row gives none, from
    store (default: a RunStore) before rendering; store also hears what was issued."""
    tpl = Library(templates).get(template_id)
    p = prepare(tpl, out=out, formats=formats, merge=merge, split=split_by is not None, duplex=duplex, jobs=jobs,
                resume=resume, progress=progress, chunk=chunk, profile_path=profile_path, templates=templates,
                script=script, sets=sets, source=str(data_path), validated=True, store=store)
    pattern = name or "{_line}"
    for key in _NAME_FIELD.findall(pattern):
        if key != "_line" and tpl.schema.field_for(key) is None:
            raise DataError(f"文件名模式里的「{{{key}}}」不是模板 {tpl.id} 的字段", field="name",
                            expected="、".join(["_line"] + [f.name for f in tpl.schema.fields]))
    group_field = None
    if split_by:
        f = tpl.schema.field_for(split_by)
        if f is None:
            raise DataError(f"「{split_by}」不是模板 {tpl.id} 的字段", field="split_by",
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
    names = Names()
    jobs_list: list[Job] = []
    unnumbered: list[tuple[Job, date]] = []
    rows: dict[int, ManifestRow] = {}
    with read_table(data_path, sheet=sheet, on_error="yield") as table:
        source = table.file
        for row in table:
            if row.blank:
                rows[row.line] = ManifestRow(row.line, "skipped", message="空行")
                continue
            if row.error is not None:
                rows[row.line] = ManifestRow(row.line, "error", message=row.error.describe())
                continue
            try:
                values = apply_overrides(tpl, row.values, sets) if sets else row.values
                data = tpl.schema.validate(values, file=source, row=row.line, base_dir=Path(data_path).parent)
            except DocgenError as e:
                rows[row.line] = ManifestRow(row.line, "error", message=e.describe())
                continue

            def value(mt: re.Match[str]) -> str:
                key = mt.group(1)
                if key == "_line":
                    return f"{tpl.id}-{row.line:05d}" if pattern == "{_line}" else str(row.line)
                f = tpl.schema.field_for(key)
                v = data.get(f.name) if f is not None else None
                return "" if v is None else str(v)
            label = _NAME_FIELD.sub(value, pattern)
            group = str(data.get(group_field) or "") if group_field else ""
            job_name = names.take(label)
            job = Job(len(jobs_list), job_name, data, row.line, group)
            if number_field is not None and number_pattern is not None and not data.get(number_field):
                given = data.get("issue_date")
                unnumbered.append((job, given if isinstance(given, date) else date.today()))
            else:
                job.digest = digest(p.setting, data)
            jobs_list.append(job)
    # Numbers are taken in the parent before rendering, all at once (the register: a transaction per
    # few hundred rows, not one per row).
    if unnumbered and number_field is not None and number_pattern is not None:
        numbers = take_numbers(p.store, tpl.id, [(number_pattern, day, job.name) for job, day in unnumbered])
        for (job, _), number in zip(unnumbered, numbers):
            job.data = dict(job.data, **{number_field: number})
            job.digest = digest(p.setting, job.data)
    if group_field:
        jobs_list.sort(key=lambda j: natural_key(j.group))
    p.spec = replace(p.spec, source=source)
    result = run_jobs(p.spec, jobs_list, p.opts, title=tpl.title)
    failed = 0
    for job in jobs_list:
        line = job.row or 0
        o, why = outcome(p, result, job)
        if o is None:
            rows[line] = ManifestRow(line, "error", job.name, message=why)
            failed += 1
        else:
            rows[line] = ManifestRow(line, "ok", job.name, files_text(o.files), RESUMED if o.resumed else "")
        amount, issued_on = job.data.get("amount"), job.data.get("issue_date")
        tell_store(p, result, job, o, why, number=job.data.get(number_field) if number_field else None,
                   recipient=str(job.data.get("owner_name") or ""), unit=job.name,
                   amount=amount if isinstance(amount, Decimal) else None, level=None,
                   issue_date=issued_on if isinstance(issued_on, date) else date.today())
    ordered = [rows[k] for k in sorted(rows)]
    errors = [(r.line, r.message) for r in ordered if r.status == "error"]
    resumed = sum(1 for o in result.outcomes.values() if o.resumed)
    return finish(p, result, ordered, failed=failed, resumed=resumed, print_files=result.print_files, errors=errors)
