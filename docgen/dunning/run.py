"""The dunning run: an arrears ledger → one letter per unit, print files, the public list and the manifest."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..batch.manifest import ManifestRow, Report, files_text
from ..batch.naming import Names
from ..batch.pool import start_workers, stop_workers
from ..batch.prepare import (RESUMED, Prepared, as_amount, as_date, finish, outcome, prepare, take_numbers,
                             tell_store)
from ..batch.run import run_jobs
from ..batch.spec import Job, Outcome
from ..batch.state import digest
from ..batch.store import IssueStore, ProgressFn
from ..errors import DataError, TemplateError
from ..library.folders import Library, Template
from ..overrides import apply_overrides
from ..writers import Format
from .ledger import Ledger, Unit, delivery_order, fold, read_ledger
from .public_list import PUBLIC_LIST, require_basis, write_public_list

LEVEL_TEMPLATES = {1: ("fee-dunning-notice",), 2: ("dunning-letter", "demand-letter"), 3: ("final-notice",)}
LEVEL_PREFIX = {1: "CJ", 2: "CG", 3: "ZH"}
SPLIT_WORDS = ("楼栋", "building", "楼号", "栋")


def dunning_template(lib: Library, level: int, template: str | None) -> Template:
    """The template for a dunning level (1 催缴通知单, 2 催告函, 3 final notice) or the one named."""
    if template:
        return lib.get(template)
    if level not in LEVEL_TEMPLATES:
        raise DataError(f"未知的催缴级别 {level}", field="level", expected="1、2 或 3")
    for tid in LEVEL_TEMPLATES[level]:
        if tid in lib.ids():
            return lib.get(tid)
    raise TemplateError(f"找不到第 {level} 级催缴所用的模板（{'/'.join(LEVEL_TEMPLATES[level])}）",
                        field="level", expected="已有的模板之一，或指定所用的模板（template）")


@dataclass(frozen=True)
class Letters:
    """What the letters of a run say beyond the ledger: level, dates, receipt, late fee, threshold."""
    level: int
    receipt: bool
    as_of: date
    issue_date: date
    due_date: date | None
    late_fee_rate: Decimal | None
    detail: bool
    min_amount: Decimal | None

    @property
    def pattern(self) -> str:
        """The number pattern of this level's letters."""
        return f"{LEVEL_PREFIX.get(self.level, 'CJ')}-{{yyyy}}{{mm}}-{{seq:04}}"


def dunning(ledger_path: str | Path, *, out: Path, template: str | None = None, level: int = 1,
            receipt: bool = False, merge: bool = False, duplex: bool = False, formats: tuple[Format, ...] = ("pdf",),
            split_by: str | None = None, min_amount: Decimal | str | None = None, as_of: date | str | None = None,
            issue_date: date | str | None = None, due_date: date | str | None = None,
            late_fee_rate: Decimal | str | None = None, detail: bool = False, jobs: int = 0, resume: bool = False,
            profile_path: Path | None = None, templates: list[Path] | None = None, sheet: str | None = None,
            progress: ProgressFn | None = None, chunk: int = 0, sets: list[str] | dict[str, Any] | None = None,
            public_list: bool = False, script: str | None = None, store: IssueStore | None = None) -> Report:
    """Turn an arrears ledger into one dunning letter per unit; write the manifest of every line.

    Dates and amounts may be given as text (2026-11-30, ¥100); progress: called with a Progress at the
    start and after each letter; store: hands out the letters' numbers (in this process, before
    rendering) and hears what was issued (default: a RunStore)."""
    lib = Library(templates)
    tpl = dunning_template(lib, level, template)
    p = prepare(tpl, out=out, formats=formats, merge=merge, split=split_by is not None, duplex=duplex, jobs=jobs,
                resume=resume, progress=progress, chunk=chunk, profile_path=profile_path, templates=templates,
                script=script, sets=None, source=str(ledger_path), validated=False, store=store)
    public_tpl = lib.get(PUBLIC_LIST) if public_list else None
    if public_list:
        require_basis(p.profile)
    today = date.today()
    letters = Letters(level, receipt, as_date(as_of, "as_of") or today, as_date(issue_date, "issue_date") or today,
                      as_date(due_date, "due_date"), as_amount(late_fee_rate, "late_fee_rate"), detail,
                      as_amount(min_amount, "min_amount"))
    if split_by is not None and split_by not in SPLIT_WORDS:
        raise DataError(f"不支持按「{split_by}」拆分打印文件", field="split_by", expected="楼栋")
    if receipt and tpl.schema.field_for("receipt") is None:
        raise DataError(f"模板 {tpl.id} 没有送达回执（receipt）字段", field="receipt",
                        expected="第 2 或第 3 级（level；催告函、最后通知带回执），或不要回执")
    if letters.late_fee_rate is not None and tpl.schema.field_for("late_fee_rate") is None:
        raise DataError(f"模板 {tpl.id} 不计违约金（没有 late_fee_rate 字段）", field="late_fee_rate",
                        expected="第 2 或第 3 级（level），或不计违约金")
    if sets:
        apply_overrides(tpl, {}, sets)      # unknown fields are a usage error before any work
    pool = start_workers(p.spec, p.opts.jobs)
    try:
        ledger = read_ledger(ledger_path, as_of=letters.as_of, sheet=sheet)
        return _run(p, ledger, letters, sets, public_tpl, pool)
    except BaseException:
        stop_workers(pool)
        raise


def _record(p: Prepared, u: Unit, letters: Letters, number: str, phone_field: str | None) -> dict[str, Any]:
    """One unit's letter: the ledger's figures, the run's dates and its number from the store."""
    tpl = p.tpl
    record: dict[str, Any] = {
        "owner_name": u.owner_name, "building": u.building, "unit": u.unit,
        "as_of": letters.as_of, "issue_date": letters.issue_date, "notice_no": number,
        "items": fold(u.charges, detail=letters.detail), "level": letters.level,
    }
    if letters.due_date is not None:
        record["due_date"] = letters.due_date
    if tpl.schema.field_for("receipt") is not None:
        record["receipt"] = letters.receipt
    if letters.late_fee_rate is not None:
        record["late_fee_rate"] = letters.late_fee_rate
    if phone_field and u.phone:
        record[phone_field] = u.phone
    return record


def _field_name(tpl: Template, *keys: str) -> str | None:
    for k in keys:
        f = tpl.schema.field_for(k)
        if f is not None:
            return f.name
    return None


def _run(p: Prepared, ledger: Ledger, letters: Letters, sets: list[str] | dict[str, Any] | None,
         public_tpl: Template | None, pool: Any) -> Report:
    tpl = p.tpl
    phone_field = _field_name(tpl, "phone", "联系电话")
    names = Names()
    jobs_list: list[Job] = []
    unit_of_job: dict[int, Unit] = {}
    blocked: dict[tuple[str, str], str] = {}
    below: dict[tuple[str, str], str] = {}
    letter_units: list[tuple[Unit, str]] = []
    for u in delivery_order(ledger.units.values()):
        if u.errors:
            bad = sorted(u.errors)
            blocked[u.key] = (f"本户第 {'、'.join(map(str, bad[:5]))}{' 等' if len(bad) > 5 else ''} 行有错误，"
                              f"未生成通知（金额不全时宁缺勿错）")
            continue
        if not u.charges:
            continue
        total = u.total
        if letters.min_amount is not None and total < letters.min_amount:
            below[u.key] = f"本户欠费合计 {total} 元，低于起催金额 {letters.min_amount} 元，未生成通知"
            continue
        letter_units.append((u, names.take(f"{u.building}-{u.unit}")))
    # Numbers are taken in the parent before rendering, all at once (the register: a transaction per
    # few hundred, not one per letter), so the letter and its 送达回执 print the same one.
    numbers = take_numbers(p.store, tpl.id, [(letters.pattern, letters.issue_date, name) for _, name in letter_units])
    for (u, name), number in zip(letter_units, numbers):
        record = _record(p, u, letters, number, phone_field)
        if sets:
            record = apply_overrides(tpl, record, sets)   # keys were checked above; values are checked
        # The record is checked against the template's fields by the workers, in parallel
        # (build_document validates); a record that fails comes back as this unit's error.
        job = Job(len(jobs_list), name, record, min(c.line for c in u.charges), u.building)
        job.digest = digest(p.setting, record)
        unit_of_job[job.index] = u
        jobs_list.append(job)
    result = run_jobs(p.spec, jobs_list, p.opts, title=tpl.title, pool=pool)
    done: dict[tuple[str, str], Outcome] = {}
    for job in jobs_list:
        u = unit_of_job[job.index]
        o, why = outcome(p, result, job)
        if o is None:
            blocked[u.key] = why
        else:
            done[u.key] = o
        tell_store(p, result, job, o, why, number=job.data.get("notice_no"), recipient=u.owner_name, unit=u.label,
                   amount=u.total, level=letters.level, issue_date=letters.issue_date)
    print_files = list(result.print_files)
    if public_tpl is not None and done and not result.interrupted:
        units = [u for u in delivery_order(ledger.units.values()) if u.key in done]
        print_files += write_public_list(public_tpl, p.profile, units, p.opts.out, p.opts.formats or ("pdf",),
                                         as_of=letters.as_of, issue_date=letters.issue_date,
                                         due_date=letters.due_date, script=p.script)
    errors = sorted([(line, msg) for line, (status, msg) in ledger.orphans.items() if status == "error"]
                    + [(line, msg) for u in ledger.units.values() for line, msg in u.errors.items()])
    errors += [(min(u.lines), blocked[u.key]) for u in ledger.units.values() if u.key in blocked and not u.errors]
    return finish(p, result, _rows(ledger, done, blocked, below), failed=len(blocked),
                  resumed=sum(1 for o in done.values() if o.resumed), print_files=print_files, errors=errors)


def _rows(ledger: Ledger, done: dict[tuple[str, str], Outcome], blocked: dict[tuple[str, str], str],
          below: dict[tuple[str, str], str]) -> list[ManifestRow]:
    """Every data line of the ledger with what became of it, in file order."""
    rows = [ManifestRow(line, "error" if status == "error" else "skipped", message=msg)
            for line, (status, msg) in ledger.orphans.items()]
    for u in ledger.units.values():
        o = done.get(u.key)
        files = files_text(o.files) if o else ""
        amounts = u.amounts()
        for line in u.lines:
            amount = amounts.get(line, "")
            if line in u.errors:
                rows.append(ManifestRow(line, "error", u.label, message=u.errors[line]))
            elif line in u.skipped:
                rows.append(ManifestRow(line, "skipped", u.label, message=u.skipped[line]))
            elif u.key in blocked:
                rows.append(ManifestRow(line, "error", u.label, "", blocked[u.key], amount))
            elif u.key in below:
                rows.append(ManifestRow(line, "skipped", u.label, "", below[u.key], amount))
            elif o is not None:
                rows.append(ManifestRow(line, "ok", u.label, files, RESUMED if o.resumed else "", amount))
            else:  # pragma: no cover - every counted row belongs to a job
                rows.append(ManifestRow(line, "error", u.label, "", "内部错误：未处理", amount))
    rows.sort(key=lambda r: r.line)
    return rows
