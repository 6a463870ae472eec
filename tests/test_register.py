"""The office's register (docgen/register.py): numbers, migrations, concurrency, recovery, file checks."""
from __future__ import annotations

import multiprocessing as mp
import os
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from docgen.batch.store import Issued
from docgen.errors import DataError
from docgen.register import VERSION, Register, RegisterStore

PATTERN = "CG-{yyyy}{mm}-{seq:04}"
NOV = date(2026, 11, 5)


def _issue(reg: Register, store: RegisterStore, key: str, tmp: Path, *, day: date = NOV, level: int | None = 2,
           unit: str = "3栋 1502") -> str:
    number = store.number(template="demand-letter", pattern=PATTERN, issue_date=day, record_key=key)
    f = tmp / f"{key}-{number}.pdf"
    f.write_bytes(b"%PDF-1.4 " + number.encode())
    store.issued(Issued(number, "demand-letter", "催告函", "张三", unit, Decimal("1409.50"), level, day, (f,),
                        "run-1", key))
    store.flush()
    return number


def test_created_on_first_use_in_wal_with_the_current_schema(tmp_path):
    path = tmp_path / "docgen.db"
    assert not path.exists()
    with Register(path) as reg:
        assert reg.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert reg.conn.execute("PRAGMA user_version").fetchone()[0] == VERSION
    assert path.is_file()


def test_numbers_continue_across_runs_and_restart_per_period(tmp_path):
    with Register(tmp_path / "r.db") as reg:
        s = RegisterStore(reg)
        first = [_issue(reg, s, f"u{i}", tmp_path) for i in range(3)]
        s.close()
    with Register(tmp_path / "r.db") as reg:     # a second run in the same month, same units
        s = RegisterStore(reg)
        second = [_issue(reg, s, f"u{i}", tmp_path) for i in range(3)]
        dec = _issue(reg, s, "u0", tmp_path, day=date(2026, 12, 1))
        s.close()
        assert first == ["CG-202611-0001", "CG-202611-0002", "CG-202611-0003"]
        assert second == ["CG-202611-0004", "CG-202611-0005", "CG-202611-0006"]
        assert dec == "CG-202612-0001"
        rows = reg.documents()
        assert [d.number for d in rows] == first + second + [dec]
        d = reg.get("CG-202611-0002")
        assert (d.status, d.recipient, d.unit, d.amount, d.level, d.issue_date) == \
            ("issued", "张三", "3栋 1502", Decimal("1409.50"), 2, NOV)
        # the amount is Decimal text in the file, not a float
        assert tuple(reg.conn.execute("SELECT typeof(amount), amount FROM documents WHERE id = ?", (d.id,)).fetchone()) \
            == ("text", "1409.50")


def test_a_voided_number_is_never_reused(tmp_path):
    with Register(tmp_path / "r.db") as reg:
        s = RegisterStore(reg)
        a = _issue(reg, s, "u1", tmp_path)
        b = _issue(reg, s, "u2", tmp_path)
        reg.void(b, "金额有误")
        assert reg.get(b).status == "void" and reg.get(b).note == "金额有误"
        c = _issue(reg, s, "u2", tmp_path)           # the same unit again: a new number
        assert (a, b, c) == ("CG-202611-0001", "CG-202611-0002", "CG-202611-0003")
        with pytest.raises(DataError, match="已作废"):
            reg.void(b, "again")
        with pytest.raises(DataError, match="原因"):
            reg.void(a, " ")


def _allocate_many(path: str, n: int, queue) -> None:
    with Register(path) as reg:
        store = RegisterStore(reg)
        got = [store.number(template="demand-letter", pattern=PATTERN, issue_date=NOV, record_key=f"{os.getpid()}-{i}")
               for i in range(n)]
        store.close()
    queue.put(got)


def test_two_processes_allocating_at_once_never_collide(tmp_path):
    path = str(tmp_path / "r.db")
    Register(path).close()
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_allocate_many, args=(path, 40, q)) for _ in range(2)]
    for p in procs:
        p.start()
    got = [q.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    everything = got[0] + got[1]
    assert len(set(everything)) == 80
    assert sorted(everything) == [f"CG-202611-{i:04d}" for i in range(1, 81)]


def _allocate_and_die(path: str) -> None:
    reg = Register(path)
    store = RegisterStore(reg)
    for key in ("u1", "u2"):
        store.number(template="demand-letter", pattern=PATTERN, issue_date=NOV, record_key=key)
    os._exit(9)      # like kill -9: no close, no end of run


def test_a_killed_run_leaves_failed_rows_and_the_next_run_reuses_their_numbers(tmp_path):
    path = str(tmp_path / "r.db")
    with Register(path) as reg:
        s = RegisterStore(reg)
        _issue(reg, s, "u0", tmp_path)
        s.close()
    p = mp.get_context("spawn").Process(target=_allocate_and_die, args=(path,))
    p.start()
    p.join(timeout=60)
    assert p.exitcode == 9
    with Register(path) as reg:
        s = RegisterStore(reg)      # starting a run recovers the dead one's numbers
        assert [(d.number, d.status) for d in reg.documents(status="failed")] == \
            [("CG-202611-0002", "failed"), ("CG-202611-0003", "failed")]
        again = [_issue(reg, s, k, tmp_path) for k in ("u2", "u1", "u3")]
        s.close()
        assert again == ["CG-202611-0003", "CG-202611-0002", "CG-202611-0004"]   # no gap, no duplicate
        assert {d.status for d in reg.documents()} == {"issued"}


def test_resume_keeps_an_issued_number_a_fresh_run_does_not(tmp_path):
    with Register(tmp_path / "r.db") as reg:
        s = RegisterStore(reg)
        a = _issue(reg, s, "u1", tmp_path)
        s.close()
        again = RegisterStore(reg, resume=True)
        assert again.number(template="demand-letter", pattern=PATTERN, issue_date=NOV, record_key="u1") == a
        again.close()
        fresh = RegisterStore(reg)
        assert fresh.number(template="demand-letter", pattern=PATTERN, issue_date=NOV, record_key="u1") != a
        fresh.close()


def test_a_render_failure_is_recorded_as_failed_with_its_error(tmp_path):
    with Register(tmp_path / "r.db") as reg:
        s = RegisterStore(reg)
        n = s.number(template="demand-letter", pattern=PATTERN, issue_date=NOV, record_key="u9")
        s.failed(template="demand-letter", record_key="u9", error="第 7 行：字段「amount」不是金额", run_id="r")
        d = reg.get(n)
        assert (d.status, d.note) == ("failed", "第 7 行：字段「amount」不是金额")


def test_show_notices_a_changed_and_a_missing_file(tmp_path):
    with Register(tmp_path / "r.db") as reg:
        s = RegisterStore(reg)
        a = _issue(reg, s, "u1", tmp_path)
        b = _issue(reg, s, "u2", tmp_path)
        assert [c["state"] for c in reg.get(a).check_files()] == ["ok"]
        Path(reg.get(a).files[0]).write_bytes(b"%PDF-1.4 tampered")
        Path(reg.get(b).files[0]).unlink()
        assert [c["state"] for c in reg.get(a).check_files()] == ["changed"]
        assert [c["state"] for c in reg.get(b).check_files()] == ["missing"]


def test_delivery_is_recorded_and_checked(tmp_path):
    with Register(tmp_path / "r.db") as reg:
        s = RegisterStore(reg)
        a = _issue(reg, s, "u1", tmp_path)
        d = reg.delivered(a, method="留置送达", on=date(2026, 11, 7), by="王五", note="业主拒签，见证人李四")
        assert d.delivered == {"method": "留置送达", "date": "2026-11-07", "by": "王五", "note": "业主拒签，见证人李四"}
        with pytest.raises(DataError, match="送达方式"):
            reg.delivered(a, method="托人转交", on=date(2026, 11, 7))
        with pytest.raises(DataError, match="早于"):
            reg.delivered(a, method="直接送达", on=date(2026, 11, 1))
        with pytest.raises(DataError, match="没有"):
            reg.get("CG-209901-0001")


# The first schema version exactly as released: a register written then must open after an upgrade.
V1_SCHEMA = """
CREATE TABLE documents (id INTEGER PRIMARY KEY, number TEXT, template TEXT NOT NULL, title TEXT NOT NULL DEFAULT '',
  recipient TEXT NOT NULL DEFAULT '', unit TEXT NOT NULL DEFAULT '', amount TEXT, level INTEGER,
  issue_date TEXT NOT NULL, files TEXT NOT NULL DEFAULT '[]', sha256 TEXT NOT NULL DEFAULT '[]',
  run_id TEXT NOT NULL DEFAULT '', record_key TEXT NOT NULL DEFAULT '', operator TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'pending', created_at TEXT NOT NULL);
CREATE UNIQUE INDEX documents_number ON documents(number) WHERE number IS NOT NULL;
CREATE INDEX documents_unit ON documents(unit, issue_date);
CREATE TABLE sequences (pattern TEXT NOT NULL, period TEXT NOT NULL, last INTEGER NOT NULL,
  PRIMARY KEY (pattern, period));
INSERT INTO documents(number, template, title, recipient, unit, amount, level, issue_date, status, created_at,
  record_key) VALUES ('CG-202610-0001', 'demand-letter', '催告函', '李四', '5栋 0801', '325.04', 2, '2026-10-20',
  'issued', '2026-10-20T09:00:00', 'u5');
INSERT INTO sequences VALUES ('CG-{yyyy}{mm}-{seq:04}', '202610', 1);
PRAGMA user_version = 1;
"""


def test_a_version_1_register_opens_after_the_upgrade(tmp_path):
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.executescript(V1_SCHEMA)
    con.close()
    with Register(path) as reg:
        assert reg.conn.execute("PRAGMA user_version").fetchone()[0] == VERSION
        old = reg.get("CG-202610-0001")
        assert (old.recipient, old.amount, old.status, old.reprint_of, old.deliveries) == \
            ("李四", Decimal("325.04"), "issued", None, [])
        reg.delivered("CG-202610-0001", method="直接送达", on=date(2026, 10, 22))   # a v2 table on a v1 row
        s = RegisterStore(reg)
        assert s.number(template="demand-letter", pattern=PATTERN, issue_date=date(2026, 10, 25),
                        record_key="u6") == "CG-202610-0002"
        s.close()


def test_a_corrupt_or_foreign_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "docgen.db"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DataError) as e:
        Register(bad)
    assert str(bad) in e.value.describe() and "备份" in e.value.describe()
    foreign = tmp_path / "other.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE t(x)")
    con.close()
    with pytest.raises(DataError, match="不是 docgen 的登记簿"):
        Register(foreign)


def test_a_locked_register_is_a_clear_error(tmp_path, monkeypatch):
    path = tmp_path / "r.db"
    Register(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        reg = Register.__new__(Register)
        reg.path = path
        reg.conn = sqlite3.connect(path, timeout=0.2, isolation_level=None)
        reg.conn.execute("PRAGMA busy_timeout = 200")
        with pytest.raises(DataError, match="占用"):
            with reg.transaction():
                pass
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_pattern_without_a_sequence_is_refused(tmp_path):
    with Register(tmp_path / "r.db") as reg:
        with pytest.raises(DataError, match="seq"):
            reg.allocate(template="t", pattern="CG-{yyyy}", issue_date=NOV, record_key="k")
