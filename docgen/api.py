"""Library functions behind the CLI commands (tests call these too)."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from .engine.pipeline import build_document
from .engine.script import convert_document, for_profile as script_for_profile
from .engine.word import is_word_template, write_word_outputs
from .errors import DataError, DocgenError
from .inputs.documents import STDIN_NAME, read_document
from .library.folders import Library
from .overrides import apply_overrides, parse_sets  # noqa: F401 - part of the api
from .profile import load_profile
from .writers import FORMATS, Format, document_bytes, formats_for, output_dir, write_outputs

if TYPE_CHECKING:    # the batch engine loads only when a batch runs
    from .batch import Report
    from .batch.store import IssueStore, ProgressFn
    from .register import Document, Register, RegisterStore


def render_one(template_id: str, *, data_path: Path | str | None = None, data: dict | None = None,
               out: Path | None = None, fmt: str | None = None, use_sample: bool = False,
               profile_path: Path | None = None, templates: list[Path] | None = None,
               overrides: dict | list[str] | None = None, script: str | None = None,
               blank: bool = False, register: bool = False, store: "IssueStore | None" = None,
               operator: str | None = None, mark: str | None = None) -> list[Path]:
    """Render one template with one data record; returns the files written.

    overrides: field values ("field=value" strings or a mapping) applied on top of the data;
    script: hans/hant/tw/hk output script (default: the profile's ``[output] script``);
    blank: a form with no data, as a pad to fill in by hand (only templates marked ``pad: true``);
    register: record the document in the office's register (numbered from it where the template has a
    number pattern); store: an IssueStore to use instead (a sample or a blank pad is never registered);
    mark: a line printed above the document (补发 on a reprint).
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
        if data is not None or data_path is not None or use_sample:
            raise DataError("空白表单不用数据，也不用示例数据", field="blank",
                            expected="空白表单不给数据（data、sample），可用 sets 预填个别字段")
        data, source = {}, "（空白表单）"
    if data is None:
        if use_sample or data_path is None:
            if data_path is None and not use_sample and not overrides:
                raise DataError("没有给出数据文件", field="data",
                                expected=f"一个数据文件（YAML/JSON），或模板 {template_id} 的示例数据（sample）")
            data = dict(tpl.sample) if use_sample else {}
            source = f"{tpl.folder}/template.yaml (sample)" if use_sample else "（逐项给出的值）"
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
                from .model import Paragraph, Text
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
    from .batch.store import Progress

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
    from .preflight import check_files as run
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
    from .dunning import dunning as run
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
    from .batch import batch as run
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


# --- register: the office's register (发文登记簿); SQL lives only in docgen/register.py

def open_register(profile_path: Path | None = None) -> "Register":
    """The office's register: $DOCGEN_REGISTER, else [register] path of the profile, else ./docgen.db."""
    from .register import Register, db_path
    return Register(db_path(load_profile(profile_path)))


def number_pattern_of(template_id: str, *, profile_path: Path | None = None,
                   templates: list[Path] | None = None) -> str | None:
    """A template's number pattern: [register.numbers] of the profile, else ``number:`` of its template.yaml."""
    numbers = (load_profile(profile_path).register.get("numbers") or {})
    return numbers.get(template_id) or Library(templates).get(template_id).number


def register_store(profile_path: Path | None = None, *, operator: str | None = None, resume: bool = False,
                   templates: list[Path] | None = None) -> "RegisterStore":
    """An IssueStore over the office's register for one run (close() it, or register_finish, at the end)."""
    from .register import RegisterStore
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
    day = values.get("issue_date") if isinstance(values.get("issue_date"), date) else date.today()
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
    from .batch.store import Issued
    recipient, unit, amount, level = _summary(values)
    if level is None:       # a dunning template rendered on its own still has its level on the ladder
        from .dunning.run import LEVEL_TEMPLATES
        level = next((n for n, ids in LEVEL_TEMPLATES.items() if tpl.id in ids), None)
    f = tpl.schema.field_for("notice_no")
    number = values.get(f.name) if f is not None else None
    day = values.get("issue_date") if isinstance(values.get("issue_date"), date) else date.today()
    if hasattr(store, "data"):
        store.data[(tpl.id, key)] = values      # kept so that `register reprint` can render it again
    store.issued(Issued(str(number) if number else None, tpl.id, tpl.title, recipient, unit, amount, level, day,
                        tuple(written), "render", key))


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
    """End a batch run's registration: documents the run kept from an earlier one (--resume) are marked issued
    from their files; numbers still pending were never written and become failed."""
    store.flush()
    if report is not None:
        store.register.complete_resumed(store.claim, Path(report.manifest).parent)
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


def register_reprint(ref: str, *, out: Path | None = None, profile_path: Path | None = None,
                     templates: list[Path] | None = None, operator: str | None = None) -> tuple["Document", list[Path]]:
    """The same document again with the same number, marked 补发; recorded as a reprint of the original."""
    from .batch.store import Issued
    from .engine.filters import cn_date
    with open_register(profile_path) as reg:
        doc = reg.get(ref)
        if doc.status != "issued":
            raise DataError(f"{ref} 的状态是 {doc.status}，只有已发出的文书可以补发", field="NUMBER")
        if doc.data is None:
            raise DataError(f"登记簿没有保存 {ref} 的数据（批量生成的文书只登记了文件和指纹），无法重新生成",
                            field="NUMBER", expected="用原文件补印，或以同样的数据重新运行")
        files = [Path(f) for f in doc.files]
        fmts = sorted({f.suffix.lstrip(".").lower() for f in files} & {"pdf", "docx"}) or ["pdf"]
        base = out if out is not None else (files[0].parent / f"{files[0].stem}-补发" if files else Path(f"{ref}-补发"))
        if base.suffix.lower() in (".pdf", ".docx"):
            base = base.with_suffix("")
        mark = f"补发（原件{cn_date(doc.issue_date)}发出，编号 {doc.number or ref}）"
        written = render_one(doc.template, data=doc.data, out=base, fmt="both" if len(fmts) == 2 else fmts[0],
                             profile_path=profile_path, templates=templates, mark=mark)
        who = operator if operator is not None else str(load_profile(profile_path).register.get("operator") or "")
        row = reg.record(Issued(doc.number, doc.template, doc.title, doc.recipient, doc.unit, doc.amount, doc.level,
                                date.today(), tuple(written), "reprint", doc.record_key),
                         operator=who, reprint_of=doc.id, note="补发")
        return reg.get(f"#{row}"), written


EXPORT_HEADERS = ("编号", "状态", "模板", "文书名称", "受送达人", "房号", "金额（元）", "催缴级别", "发文日期",
                  "文件", "SHA-256", "经办人", "送达方式", "送达日期", "送达人", "备注", "补发自")
STATUS_NAMES = {"issued": "已发出", "void": "已作废", "failed": "未生成", "pending": "生成中"}


def register_export(out: Path, *, by: str = "year", profile_path: Path | None = None) -> tuple[Path, int]:
    """Write the register to an Excel workbook (one sheet per year or per template); returns path and row count."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from .writers import atomic_write
    if by not in ("year", "template"):
        raise DataError(f"不认识的分表方式「{by}」", field="--by", expected="year（每年一张表）或 template（每种文书一张表）")
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


LEVEL_DIRS = {1: "1-催缴通知单", 2: "2-催告函", 3: "3-最后通知"}


def dunning_escalate(ledger: str | Path, *, out: Path, as_of: date | str | None = None,
                     issue_date: date | str | None = None,
                     dry_run: bool = False, receipt: bool = True, profile_path: Path | None = None,
                     templates: list[Path] | None = None, sheet: str | None = None, operator: str | None = None,
                     jobs: int = 0, **options) -> dict:
    """The dunning ladder from the register: each unit in arrears gets the level its history says (see
    register.ladder); one run per level into out/1-催缴通知单, out/2-催告函, out/3-最后通知, each with the
    ledger of its units; out/manifest.csv lists every line of the ledger with the unit's level and reason.
    dry_run: only the plan.  Returns {"plan": [...], "runs": {level: report dict}, "manifest", "exit_code"}."""
    import csv
    from .batch.prepare import as_date
    from .dunning.ledger import read_ledger
    from .register import ladder
    profile = load_profile(profile_path)
    days = int(profile.register.get("escalate_after_days", 15))
    today = date.today()
    as_of = as_date(as_of, "as_of") or today
    issue_date = as_date(issue_date, "issue_date") or today
    book = read_ledger(ledger, as_of=as_of, sheet=sheet)
    plan: list[dict] = []
    with open_register(profile_path) as reg:
        for u in book.units.values():
            if u.errors or not u.charges:
                continue
            level, reason = ladder(reg, u.label, on=issue_date, days=days)
            plan.append({"unit": u.label, "recipient": u.owner_name, "amount": str(u.total), "level": level,
                         "reason": reason, "lines": list(u.lines)})
    result: dict = {"plan": plan, "runs": {}, "manifest": None, "exit_code": 0, "escalate_after_days": days}
    if dry_run:
        return result
    output_dir(Path(out))
    by_unit = {u.label: u for u in book.units.values()}
    outputs: dict[str, tuple[str, str, str]] = {}      # unit → (status, output, message) from its level's run
    for level in (1, 2, 3):
        units = [by_unit[p["unit"]] for p in plan if p["level"] == level]
        if not units:
            continue
        sub = Path(out) / LEVEL_DIRS[level]
        output_dir(sub)
        part = sub / "台账.csv"      # this level's units, as the letters list them (its manifest's lines)
        with open(part, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(["楼栋", "房号", "业主姓名", "收费项目", "所属期间", "欠费金额"])
            for u in units:
                for c in u.charges:
                    w.writerow([u.building, u.unit, u.owner_name, c.item, c.period, str(c.amount)])
        report = dunning(part, out=sub, level=level, receipt=receipt and level >= 2, as_of=as_of,
                         issue_date=issue_date, profile_path=profile_path, templates=templates, jobs=jobs,
                         register=True, operator=operator, **options)
        result["runs"][level] = report.as_dict()
        result["exit_code"] = max(result["exit_code"], report.exit_code)
        with open(report.manifest, encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                if row["unit"] and (row["status"] == "error" or row["unit"] not in outputs):
                    outputs[row["unit"]] = (row["status"], f"{LEVEL_DIRS[level]}/{row['output']}" if row["output"]
                                            else "", row["message"])
    rows = [(line, status, "", "", "", msg, "") for line, (status, msg) in book.orphans.items()]
    planned = {p["unit"]: p for p in plan}
    for u in book.units.values():
        p = planned.get(u.label)
        amounts = u.amounts()
        for line in u.lines:
            if line in u.errors:
                rows.append((line, "error", u.label, "", "", u.errors[line], ""))
            elif line in u.skipped:
                rows.append((line, "skipped", u.label, "", "", u.skipped[line], ""))
            elif p is None:
                rows.append((line, "error", u.label, "", "", "本户有错误行，未生成通知", ""))
            elif p["level"] is None:
                rows.append((line, "skipped", u.label, "", "", p["reason"], amounts.get(line, "")))
            else:
                status, output, msg = outputs.get(u.label, ("error", "", "未生成"))
                rows.append((line, status, u.label, p["level"], output, "；".join(filter(None, [p["reason"], msg])),
                             amounts.get(line, "")))
    rows.sort(key=lambda r: r[0])
    manifest = Path(out) / "manifest.csv"
    counts = _write_ladder_manifest(manifest, rows)
    result["manifest"] = str(manifest)
    result["rows"] = counts
    if counts.get("error"):
        result["exit_code"] = max(result["exit_code"], 1)
    return result


def _write_ladder_manifest(path: Path, rows: list[tuple]) -> dict[str, int]:
    import csv
    from .writers import atomic_write
    counts: dict[str, int] = {"ok": 0, "skipped": 0, "error": 0}

    def write(tmp):
        with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(("line", "status", "unit", "level", "output", "message", "amount"))
            for r in rows:
                counts[r[1]] = counts.get(r[1], 0) + 1
                w.writerow(r)
    atomic_write(path, write)
    return counts
