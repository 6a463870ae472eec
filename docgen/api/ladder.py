"""The api's functions that render from the register: a reprint (补发) and the dunning ladder."""
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

from .documents import dunning, render_one
from .registry import open_register
def register_reprint(ref: str, *, out: Path | None = None, profile_path: Path | None = None,
                     templates: list[Path] | None = None, operator: str | None = None) -> tuple["Document", list[Path]]:
    """The same document again with the same number, marked 补发; recorded as a reprint of the original."""
    from ..batch.store import Issued
    from ..engine.filters import cn_date
    with open_register(profile_path) as reg:
        doc = reg.get(ref)
        if doc.status != "issued":
            raise DataError(f"{ref} 的状态是 {doc.status}，只有已发出的文书可以补发", field="NUMBER")
        if doc.data is None:
            raise DataError(f"登记簿没有保存 {ref} 的数据（本版以前批量生成的文书只登记了文件和指纹），无法重新生成",
                            field="NUMBER", expected="用原文件补印，或以同样的数据重新运行")
        files = [Path(f) for f in doc.files]
        fmts = sorted({f.suffix.lstrip(".").lower() for f in files} & {"pdf", "docx"}) or ["pdf"]
        # Named after the document, not its file: a letter made only into a print file is one of many there.
        name = Path(doc.record_key).name if doc.record_key else (files[0].stem if files else ref)
        base = out if out is not None else (files[0].parent if files else Path.cwd()) / f"{name}-补发"
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
    from ..batch.prepare import as_date
    from ..dunning.ledger import read_ledger
    from ..dunning.escalate import ladder
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
    rows: list[tuple] = [(line, status, "", "", "", msg, "") for line, (status, msg) in book.orphans.items()]
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
    from ..writers import atomic_write
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


