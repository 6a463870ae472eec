"""The api's functions for the web desk and HTTP API (docgen serve): template listings, field errors, pre-run checks."""
from __future__ import annotations

import re
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
    from ..dunning.ledger import LABELS, read_ledger
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
    from ..inputs.readers import read_table
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
    """The organisation values templates read as org.* (defaults filled in), the public-list basis, and the
    [dunning] / [register] settings the desk's profile page edits (escalate_after_days, operator)."""
    p = load_profile(profile_path)
    return {"org": {k: _plain_value(v) for k, v in p.org.items()}, "public_list_basis": p.public_list_basis,
            "path": str(p.path) if p.path else None,
            "dunning": {"escalate_after_days": p.register.get("escalate_after_days"),
                        "public_list_basis": p.public_list_basis},
            "register": {"operator": p.register.get("operator")}}


def data_errors(template_id: str, data: dict, templates: list[Path] | None = None) -> list[dict]:
    """Every field's problem at once (a form shows each beside its field), then the `checks:` rules;
    the messages are the CLI's. An empty list: the data validates."""
    from ..library.schema import Schema
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



def page_png(pdf: bytes, *, page: int = 1, dpi: int = 80) -> bytes:
    """One page of a PDF held in memory as PNG bytes (poppler's pdftoppm through a pipe; nothing on disk)."""
    exe = shutil.which("pdftoppm")
    if not exe:
        raise DataError("生成 PNG 预览需要 pdftoppm", expected="安装 poppler-utils（apt-get install poppler-utils）")
    try:
        r = subprocess.run([exe, "-r", str(dpi), "-png", "-f", str(page), "-l", str(page), "-singlefile", "-"],
                           input=pdf, capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        raise DataError("生成 PNG 预览超时（60 秒）", expected="一份能在一分钟内转换的 PDF") from None
    if r.returncode != 0 or not r.stdout.startswith(b"\x89PNG"):
        raise DataError(f"pdftoppm 没能转换这份 PDF：{r.stderr.decode('utf-8', 'replace').strip()[:200]}",
                        expected="一份完整的 PDF")
    return r.stdout


_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,3})\d+\"")
_R_ATTR = re.compile(rb"\br=\"(\d+)\"")


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def table_size(path: Path | str, *, max_unpacked: int) -> dict:
    """How big a CSV or XLSX table is, measured before it is read: {"rows", "columns", "unpacked"}.

    CSV: its lines (an upper bound of its records). XLSX: the last row and column any worksheet uses
    (rows without a number count on from the one before, as Excel reads them) and the bytes the file
    unpacks to. An XLSX that unpacks to more than max_unpacked is not opened further: "rows" is then None
    (a zip bomb costs a look at its directory, not its expansion). DataError: not a readable file."""
    import zipfile
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        lines, last = 0, b"\n"
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
        return {"rows": lines + (last != b"\n"), "columns": None, "unpacked": path.stat().st_size}
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            unpacked = sum(i.file_size for i in infos)
            if unpacked > max_unpacked:
                return {"rows": None, "columns": None, "unpacked": unpacked}
            rows = columns = 0
            for info in infos:
                if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                    continue
                row = 0
                carry = b""
                with z.open(info) as f:
                    while chunk := f.read(1 << 20):
                        buf = carry + chunk
                        cut = buf.rfind(b">") + 1          # scan whole tags only; the rest waits for the next read
                        for m in _ROW_TAG.finditer(buf, 0, cut):
                            r = _R_ATTR.search(m.group(1))
                            row = int(r.group(1)) if r else row + 1
                            rows = max(rows, row)
                        for m in _CELL_REF.finditer(buf, 0, cut):
                            columns = max(columns, _column_number(m.group(1)))
                        carry = buf[cut:][-4096:]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as e:
        raise DataError(f"Excel 文件已损坏，无法读取（{type(e).__name__}: {e}）", file=str(path),
                        expected="Excel 2007 及以后的 .xlsx 文件，未加密、未损坏") from None
    return {"rows": rows, "columns": columns, "unpacked": unpacked}
