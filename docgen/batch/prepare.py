"""What every batch run shares before and after rendering: checks, profile, options and worker spec;
the outcome of each record, what the store hears, and the manifest and report at the end."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from ..errors import DataError
from ..engine.script import for_profile as script_for_profile
from ..engine.word import is_word_template, require_soffice
from ..inputs.values import parse_amount, parse_date
from ..library.folders import Template
from ..overrides import apply_overrides
from ..profile import Profile, load_profile
from .manifest import MANIFEST, ManifestRow, Report, write_manifest
from .printfile import print_names
from .spec import Format, Job, Options, Outcome, RunResult, WorkerSpec
from .state import setting_digest
from .store import IssueStore, Issued, ProgressFn, RunStore, letter_data

INTERRUPTED = "运行被中断，未生成（续跑时补上）"
RESUMED = "续跑：文件已存在，未重新生成"


def as_date(value: date | str | None, field: str) -> date | None:
    """A date given as a run's setting (a date, or text such as 2026-11-30); DataError naming the field."""
    if value is None or isinstance(value, date):
        return value
    try:
        return parse_date(value)
    except ValueError:
        raise DataError(f"「{value}」不是日期", field=field, expected="日期，如 2026-11-30") from None


def as_amount(value: Decimal | str | int | None, field: str) -> Decimal | None:
    """A non-negative amount given as a run's setting (Decimal or text such as ¥1,200); DataError naming the field."""
    if value is None:
        return None
    try:
        d = value if isinstance(value, Decimal) else parse_amount(value)
    except ValueError:
        raise DataError(f"「{value}」不是金额", field=field, expected="数字，如 100 或 0.5") from None
    if d < 0:
        raise DataError(f"「{value}」是负数", field=field, expected="不小于 0 的数")
    return d


@dataclass
class Prepared:
    """A run ready to read its data: template, profile, script, options, worker spec, store."""
    tpl: Template
    profile: Profile
    script: str
    opts: Options
    spec: WorkerSpec
    store: IssueStore
    setting: bytes                   # what besides a record decides its output (for resuming)


def prepare(tpl: Template, *, out: Path, formats: tuple[Format, ...], merge: bool, split: bool, duplex: bool,
            jobs: int, resume: bool, progress: ProgressFn | None, chunk: int, profile_path: Path | None,
            templates: list[Path] | None, script: str | None, sets: list[str] | dict[str, Any] | None,
            source: str, validated: bool, store: IssueStore | None) -> Prepared:
    """Check the settings of a run (before any work) and load the profile."""
    printing = merge or split
    if not formats and not printing:
        raise DataError("不写每份文件时只写打印文件，需要同时合并（merge）或拆分（split_by）", field="formats",
                        expected="pdf、docx 或两者；不写每份文件时加 merge 或 split_by")
    if is_word_template(tpl):
        # A Word template makes separate files only; its PDFs need LibreOffice.
        if printing:
            raise DataError(f"模板 {tpl.id} 是 Word 模板，批量时只生成每份文件，不合并打印文件", field="merge",
                            expected="不合并、不拆分打印文件（merge、split_by），或改用文本模板（body.md）")
        if "pdf" in formats:
            require_soffice()
    if sets:
        apply_overrides(tpl, {}, sets)      # unknown fields are a usage error before any work
    profile = load_profile(profile_path)
    script = script_for_profile(script, profile)
    opts = Options(out=Path(out), formats=formats, merge=merge, split=split, duplex=duplex, jobs=jobs,
                   resume=resume, progress=progress, chunk=chunk)
    spec = WorkerSpec(template=tpl.id, out=opts.out, formats=formats, templates=tuple(Path(p) for p in templates or ()),
                      profile=Path(profile_path) if profile_path else None, source=source, duplex=duplex,
                      validated=validated, script=script)
    return Prepared(tpl, profile, script, opts, spec, store or RunStore(), setting_digest(tpl, profile, formats, script))


def outcome(p: Prepared, result: RunResult, job: Job) -> tuple[Outcome | None, str]:
    """The outcome of a job whose document was made (its files, or the print files it went into), else
    None and why not.  A document written only into print files is made only if every one of them
    was finished (a run stopped early drops its unfinished print files)."""
    o = result.outcomes.get(job.index)
    if o is None:
        return None, INTERRUPTED
    if not o.ok:
        return None, o.message
    if not o.files:
        names = print_names(p.opts, job.group)
        finished = {f.name for f in result.print_files}
        if not names or not all(n in finished for n in names):
            return None, INTERRUPTED
        o.files = names
    return o, ""


def tell_store(p: Prepared, result: RunResult, job: Job, o: Outcome | None, error: str, *, number: Any,
               recipient: str, unit: str, amount: Decimal | None, level: int | None, issue_date: date) -> None:
    """Tell the store what became of one record: issued (with its files, whether written in this run or
    kept from an earlier one by resume, and the record it was rendered from) or failed."""
    if o is not None:
        p.store.issued(Issued(str(number) if number else None, p.tpl.id, p.tpl.title, recipient, unit, amount,
                              level, issue_date, tuple(p.opts.out / f for f in o.files), result.run_id, job.name,
                              letter_data(p.tpl, job.data)))
    else:
        p.store.failed(template=p.tpl.id, record_key=job.name, error=error, run_id=result.run_id)


def take_numbers(store: IssueStore, template: str, wanted: list[tuple[str, date, str]]) -> list[str]:
    """Numbers for many records (pattern, issue date, record key) at once: a store that can (the register)
    takes them in a few transactions instead of one per record."""
    many = getattr(store, "numbers", None)
    if many is not None:
        return list(many(template=template, wanted=wanted))
    return [store.number(template=template, pattern=pat, issue_date=day, record_key=key) for pat, day, key in wanted]


def finish(p: Prepared, result: RunResult, rows: Iterable[ManifestRow], *, failed: int, resumed: int,
           print_files: list[Path], errors: list[tuple[int, str]]) -> Report:
    """Write the manifest and sum the run up."""
    manifest = p.opts.out / MANIFEST
    counts = write_manifest(manifest, rows)
    return Report(manifest, counts, result.letters, resumed, failed, print_files, result.print_pages,
                  result.seconds, errors[:50], result.interrupted, p.tpl.id, result.stopped, result.run_id)
