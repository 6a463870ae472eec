"""The api's side of the office's register (发文登记簿): the store for a run, numbering, listing, voiding, delivery, export. SQL lives only in docgen/register.py."""
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
from ..library.folders import Library
from ..overrides import apply_overrides, parse_sets  # noqa: F401 - part of the api
from ..profile import load_profile
from ..writers import FORMATS, Format, document_bytes, formats_for, output_dir, write_outputs

if TYPE_CHECKING:    # the batch engine loads only when a batch runs
    from ..batch import Report
    from ..batch.store import IssueStore, ProgressFn
    from ..register import Document, Register, RegisterStore

# --- register: the office's register (发文登记簿); SQL lives only in docgen/register.py

def open_register(profile_path: Path | None = None) -> "Register":
    """The office's register: $DOCGEN_REGISTER, else [register] path of the profile, else ./docgen.db."""
    from ..register import Register, db_path
    return Register(db_path(load_profile(profile_path)))


def number_pattern_of(template_id: str, *, profile_path: Path | None = None,
                   templates: list[Path] | None = None) -> str | None:
    """A template's number pattern: [register.numbers] of the profile, else ``number:`` of its template.yaml."""
    numbers = (load_profile(profile_path).register.get("numbers") or {})
    return numbers.get(template_id) or Library(templates).get(template_id).number


def register_store(profile_path: Path | None = None, *, operator: str | None = None, resume: bool = False,
                   templates: list[Path] | None = None) -> "RegisterStore":
    """An IssueStore over the office's register for one run (close() it, or register_finish, at the end)."""
    from ..register import RegisterStore
    profile = load_profile(profile_path)
    lib = Library(templates)
    numbers = profile.register.get("numbers") or {}

    def pattern_for(tid: str) -> str | None:
        return numbers.get(tid) or (lib.get(tid).number if tid in lib.ids() else None)
    who = operator if operator is not None else str(profile.register.get("operator") or "")
    return RegisterStore(open_register(profile_path), operator=who, resume=resume, patterns=pattern_for)


def _numbered(store: "IssueStore", tpl, profile, values: dict, key: str) -> dict:
    """The values with notice_no taken from the store, when the template has a number pattern and none is given."""
    f = tpl.schema.field_for("notice_no")
    numbers = profile.register.get("numbers") or {}
    pattern = numbers.get(tpl.id) or tpl.number
    if f is not None and values.get(f.name) and hasattr(store, "register"):
        store.register.check_given(str(values[f.name]), key)
    if f is None or values.get(f.name) or not pattern:
        return values
    given = values.get("issue_date")
    day = given if isinstance(given, date) else date.today()
    return dict(values, **{f.name: store.number(template=tpl.id, pattern=pattern, issue_date=day, record_key=key)})


def _summary(values: dict) -> tuple[str, str, Decimal | None, int | None]:
    """Recipient, unit, amount and dunning level of a record, as far as its fields say."""
    recipient = str(values.get("owner_name") or values.get("recipient") or "")
    unit = " ".join(str(values[k]) for k in ("building", "unit") if values.get(k))
    amount = values.get("amount") if isinstance(values.get("amount"), Decimal) else None
    items = values.get("items")
    if amount is None and isinstance(items, list) and items and all(
            isinstance(i, dict) and isinstance(i.get("amount"), Decimal) for i in items):
        amount = sum((i["amount"] for i in items), Decimal("0.00"))
    level = values.get("level") if isinstance(values.get("level"), int) else None
    return recipient, unit, amount, level


def _record(store: "IssueStore", tpl, values: dict, written: list[Path], key: str) -> None:
    from ..batch.store import Issued, letter_data
    recipient, unit, amount, level = _summary(values)
    if level is None:       # a dunning template rendered on its own still has its level on the ladder
        from ..dunning.run import LEVEL_TEMPLATES
        level = next((n for n, ids in LEVEL_TEMPLATES.items() if tpl.id in ids), None)
    f = tpl.schema.field_for("notice_no")
    number = values.get(f.name) if f is not None else None
    given = values.get("issue_date")
    day = given if isinstance(given, date) else date.today()
    store.issued(Issued(str(number) if number else None, tpl.id, tpl.title, recipient, unit, amount, level, day,
                        tuple(written), "render", key, letter_data(tpl, values)))   # data: for `register reprint`


def _registered(run, profile_path: Path | None, *, operator: str | None, resume: bool,
                templates: list[Path] | None) -> "Report":
    """Run a batch with the office's register as its store, then settle what the run left pending."""
    store = register_store(profile_path, operator=operator, resume=resume, templates=templates)
    report = None
    try:
        report = run(store)
        return report
    finally:
        register_finish(store, report)


def register_finish(store: "RegisterStore", report: "Report | None" = None) -> None:
    """End a batch run's registration: what it issued is written; numbers still pending were never written
    and become failed.  (report: unused, kept for callers that pass it.)"""
    store.close()


def register_documents(profile_path: Path | None = None, *, unit: str | None = None, template: str | None = None,
                       since: date | None = None, status: str | None = None) -> list["Document"]:
    """Documents in the register, in issue order."""
    with open_register(profile_path) as reg:
        return reg.documents(unit=unit, template=template, since=since, status=status)


def register_show(ref: str, profile_path: Path | None = None) -> tuple["Document", list[dict], list["Document"]]:
    """One document, the state of each of its files (ok / changed / missing) and its reprints."""
    with open_register(profile_path) as reg:
        doc = reg.get(ref)
        return doc, doc.check_files(), reg.reprints(doc)


def register_void(ref: str, reason: str, profile_path: Path | None = None) -> "Document":
    """Void a document; its number is never used again."""
    with open_register(profile_path) as reg:
        return reg.void(ref, reason)


def register_delivered(ref: str, *, method: str, on: date, by: str = "", note: str = "",
                       profile_path: Path | None = None) -> "Document":
    """Record the returned 送达回执 of a document."""
    with open_register(profile_path) as reg:
        return reg.delivered(ref, method=method, on=on, by=by, note=note)




EXPORT_HEADERS = ("编号", "状态", "模板", "文书名称", "受送达人", "房号", "金额（元）", "催缴级别", "发文日期",
                  "文件", "SHA-256", "经办人", "送达方式", "送达日期", "送达人", "备注", "补发自")
STATUS_NAMES = {"issued": "已发出", "void": "已作废", "failed": "未生成", "pending": "生成中"}


def register_export(out: Path, *, by: str = "year", profile_path: Path | None = None) -> tuple[Path, int]:
    """Write the register to an Excel workbook (one sheet per year or per template); returns path and row count."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from ..writers import atomic_write
    if by not in ("year", "template"):
        raise DataError(f"不认识的分表方式「{by}」", field="by", expected="year（每年一张表）或 template（每种文书一张表）")
    docs = register_documents(profile_path)
    wb = Workbook()
    wb.remove(wb.active)
    sheets: dict[str, Any] = {}
    ids = {d.id: d for d in docs}
    for d in docs:
        name = str(d.issue_date.year) if by == "year" else d.template[:31]
        ws = sheets.get(name)
        if ws is None:
            ws = sheets[name] = wb.create_sheet(name)
            ws.append(EXPORT_HEADERS)
            for c in ws[1]:
                c.font = Font(bold=True)
            ws.freeze_panes = "A2"
        dl = d.delivered or {}
        ws.append([d.number or f"#{d.id}", STATUS_NAMES.get(d.status, d.status), d.template, d.title, d.recipient,
                   d.unit, None if d.amount is None else str(d.amount), d.level, d.issue_date,
                   "\n".join(d.files), "\n".join(d.sha256), d.operator, dl.get("method"),
                   date.fromisoformat(dl["date"]) if dl else None, dl.get("by"), d.note,
                   (ids[d.reprint_of].number if d.reprint_of in ids else None)])
        ws.cell(ws.max_row, 9).number_format = "yyyy-mm-dd"
        if dl:
            ws.cell(ws.max_row, 14).number_format = "yyyy-mm-dd"
    if not sheets:
        wb.create_sheet("发文登记").append(EXPORT_HEADERS)
    for ws in wb.worksheets:
        for col, width in zip("ABCDEFGHIJKLMNOPQ", (16, 8, 20, 18, 12, 14, 12, 8, 12, 40, 20, 10, 10, 12, 10, 24, 16)):
            ws.column_dimensions[col].width = width
    atomic_write(Path(out), lambda tmp: wb.save(tmp))
    return Path(out), len(docs)


