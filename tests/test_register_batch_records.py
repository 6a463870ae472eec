"""Batch and dunning documents in the register: the record kept for a reprint (补发), and resumed runs settled
from that record (after a real kill -9), including runs that write only the merged print file."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader

from docgen import api

from .helpers import pdf_text
from .test_register_cli import HEADER, ledger, listing, run


def _pages(path: Path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [p.extract_text() or "" for p in pdf.pages]


def test_a_dunning_letter_is_reprinted_with_its_number_amount_owner_and_receipt(tmp_path):
    led = ledger(tmp_path, units=3)
    run("dunning", str(led), "--out", str(tmp_path / "a"), "--level", "2", "--receipt", "--issue-date",
        "2026-11-05", "--as-of", "2026-11-01", "--jobs", "1")
    original = tmp_path / "a" / "2栋-201.pdf"
    res = run("register", "reprint", "CG-202611-0002", "--json")
    written = [Path(p) for p in json.loads(res.stdout)["written"]]
    assert written == [tmp_path / "a" / "2栋-201-补发.pdf"]
    pages, before = _pages(written[0]), _pages(original)
    text = "\n".join(pages)
    assert "补发" in text and "补发" not in "\n".join(before)
    assert "编号 CG-202611-0002" in text.replace("\n", "")          # the mark names the original's number
    assert text.count("CG-202611-0002") >= 3                        # mark, letter, 送达回执
    assert "业主1" in text and "303.00" in text and "2栋" in text and "201" in text
    assert len(pages) == len(before) and "送达回执" in pages[-1] and "CG-202611-0002" in pages[-1]
    assert "业主0" not in text and "CG-202611-0001" not in text and "CG-202611-0003" not in text
    shown = json.loads(run("register", "show", "CG-202611-0002", "--json").stdout)
    assert shown["status"] == "issued" and shown["file_check"][0]["state"] == "ok"
    copy = shown["reprints"][0]
    assert (copy["number"], copy["note"], copy["unit"], copy["recipient"], copy["amount"], copy["level"]) == (
        "CG-202611-0002", "补发", "2栋 201", "业主1", "303.00", 2)
    assert copy["files"] == [str(written[0].resolve())]
    # the reprint takes no new number: the next run goes on from 0004
    run("dunning", str(led), "--out", str(tmp_path / "b"), "--level", "2", "--issue-date", "2026-11-06",
        "--as-of", "2026-11-01", "--jobs", "1")
    assert [r["number"] for r in listing() if r["reprint_of"] is None] == [f"CG-202611-{i:04d}" for i in range(1, 7)]


def test_the_register_keeps_only_what_the_letter_shows(tmp_path):
    # the ledger has phone numbers; the built-in letters do not print them, so the register does not keep them
    run("dunning", str(ledger(tmp_path, units=2)), "--out", str(tmp_path / "a"), "--issue-date", "2026-11-05",
        "--as-of", "2026-11-01", "--jobs", "1")
    con = sqlite3.connect(os.environ["DOCGEN_REGISTER"])
    rows = con.execute("SELECT data FROM documents ORDER BY id").fetchall()
    assert len(rows) == 2
    for (text,) in rows:
        data = json.loads(text)
        assert "1380000" not in text and "level" not in data
        assert data["owner_name"].startswith("业主") and data["notice_no"].startswith("CJ-202611-")
        assert data["items"][0]["amount"] == str(data["items"][0]["amount"])      # amounts as text
        assert data["issue_date"] == "2026-11-05"


def test_a_letter_made_only_into_the_print_file_is_registered_there_and_reprints_on_its_own(tmp_path):
    led = ledger(tmp_path, units=3)
    out = tmp_path / "m"
    run("dunning", str(led), "--out", str(out), "--level", "2", "--receipt", "--merge", "--format", "none",
        "--issue-date", "2026-11-05", "--as-of", "2026-11-01", "--jobs", "1")
    rows = listing()
    assert [(r["number"], r["status"]) for r in rows] == [(f"CG-202611-{i:04d}", "issued") for i in (1, 2, 3)]
    assert {tuple(r["files"]) for r in rows} == {(str((out / "print.pdf").resolve()),)}
    assert len({r["sha256"][0] for r in rows}) == 1
    run("register", "show", "CG-202611-0003")
    res = run("register", "reprint", "CG-202611-0003", "--json")
    written = [Path(p) for p in json.loads(res.stdout)["written"]]
    assert written == [out / "3栋-301-补发.pdf"]
    text = pdf_text(written[0])
    assert "补发" in text and "业主2" in text and "306.00" in text and "送达回执" in text
    assert "业主1" not in text


def test_a_document_registered_before_records_were_kept_is_refused_with_a_reason(tmp_path):
    run("dunning", str(ledger(tmp_path, units=1)), "--out", str(tmp_path / "a"), "--issue-date", "2026-11-05",
        "--as-of", "2026-11-01", "--jobs", "1")
    con = sqlite3.connect(os.environ["DOCGEN_REGISTER"])
    con.execute("UPDATE documents SET data = NULL")
    con.commit()
    con.close()
    res = run("register", "reprint", "CJ-202611-0001", code=2)
    assert "没有保存" in res.output and "CJ-202611-0001" in res.output


# ---------------------------------------------------------------- a real kill -9, then --resume

UNITS = 120


def _start(tmp_path: Path, out: Path, *options: str) -> tuple[subprocess.Popen, list[str]]:
    led = ledger(tmp_path, units=UNITS)
    cmd = [sys.executable, "-c", "from docgen.cli import main; main()", "dunning", str(led), "--out", str(out),
           "--level", "2", "--receipt", "--issue-date", "2026-11-05", "--as-of", "2026-11-01", "--jobs", "2",
           *options]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    state = out / ".docgen-batch-state.jsonl"      # a line per letter the run has taken stock of
    deadline = time.time() + 120
    while time.time() < deadline and not (state.is_file() and state.stat().st_size) and proc.poll() is None:
        time.sleep(0.01)
    return proc, cmd


@pytest.mark.slow
@pytest.mark.parametrize("options", [(), ("--merge", "--format", "none")], ids=["letters", "print-file-only"])
def test_after_a_real_kill_9_resume_issues_every_number_from_its_record(tmp_path, options):
    out = tmp_path / "out"
    proc, cmd = _start(tmp_path, out, *options)
    try:
        assert proc.poll() is None, "the run ended before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    assert proc.returncode == -signal.SIGKILL
    kept = len(list(out.glob("*.pdf")))
    assert kept < UNITS
    con = sqlite3.connect(os.environ["DOCGEN_REGISTER"])
    assert {s for (s,) in con.execute("SELECT status FROM documents")} == {"pending"}     # nothing claimed issued
    con.close()
    r = subprocess.run(cmd + ["--resume", "--json"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-800:]
    summary = json.loads(r.stdout)
    assert summary["resumed"] + summary["letters"] == UNITS
    if not options:
        # the files the killed run had taken stock of were kept (a worker may have finished a few more)
        assert 1 <= summary["resumed"] <= kept
    rows = listing()
    assert [r["number"] for r in rows] == [f"CG-202611-{i:04d}" for i in range(1, UNITS + 1)]     # no gap
    assert {r["status"] for r in rows} == {"issued"}
    assert all(r["recipient"].startswith("业主") and r["unit"].endswith("01") and r["amount"] and r["level"] == 2
               for r in rows)
    by_unit = {r["unit"]: r for r in rows}
    assert len(by_unit) == UNITS
    for doc in api.register_documents():
        assert [c["state"] for c in doc.check_files()] == ["ok"], doc.number
        assert doc.data and doc.data["notice_no"] == doc.number
    for number in ("CG-202611-0001", f"CG-202611-{UNITS // 2:04d}", f"CG-202611-{UNITS:04d}"):
        run("register", "show", number)
    if options:
        assert {tuple(r["files"]) for r in rows} == {(str((out / "print.pdf").resolve()),)}
        assert len(PdfReader(str(out / "print.pdf")).pages) >= 2 * UNITS
    else:
        one = by_unit["7栋 701"]
        assert Path(one["files"][0]).name == "7栋-701.pdf"
        assert pdf_text(Path(one["files"][0])).count(one["number"]) == 2


def test_a_stopped_run_that_writes_only_the_print_file_registers_nothing_as_issued(tmp_path):
    led, out = ledger(tmp_path, units=6), tmp_path / "m"
    seen = []

    def stop_after_two(p):
        seen.append(p)
        if p.ok >= 2:
            raise KeyboardInterrupt      # what Ctrl-C does in the middle of a run

    args = dict(out=out, level=2, merge=True, formats=(), issue_date="2026-11-05", as_of="2026-11-01", jobs=1,
                chunk=2)
    report = api.dunning(led, register=True, progress=stop_after_two, **args)
    assert report.interrupted and not (out / "print.pdf").exists()
    rows = listing()
    assert len(rows) == 6 and {r["status"] for r in rows} == {"failed"}       # no letter claimed without its file
    with open(out / "manifest.csv", encoding="utf-8-sig") as f:
        assert ",ok," not in f.read()        # nor does the manifest
    report = api.dunning(led, register=True, resume=True, **args)
    assert report.exit_code == 0 and (out / "print.pdf").is_file()
    rows = listing()
    assert [(r["number"], r["status"]) for r in rows] == [(f"CG-202611-{i:04d}", "issued") for i in range(1, 7)]
    assert all(r["recipient"] and r["unit"] for r in rows)
