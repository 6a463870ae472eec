"""The office's register (发文登记簿): one SQLite file of every issued document, its number and its delivery.

The only module that speaks SQL.  Numbers come from a sequence per pattern and period, taken
inside ``BEGIN IMMEDIATE`` so two processes never get the same one; a number once taken is
never handed out again (a voided one stays void).  A number is first *reserved* (status
``pending``) by :meth:`RegisterStore.number`, then marked ``issued`` with its files and their
SHA-256 once they are on disk, or ``failed``.  A run killed in between leaves pending rows of a
process that no longer exists: they are marked failed and the same record gets the same number
again, so there is no gap beyond voided numbers.
"""
from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

from .batch.store import Issued, format_number, number_period
from .errors import DataError, Setting, Worded

DB_NAME = "docgen.db"
METHODS = ("直接送达", "留置送达", "邮寄送达", "电子送达")
STATUSES = ("pending", "issued", "void", "failed")

# Each entry upgrades the schema by one version; a file's PRAGMA user_version says how many ran.
# Never edit an entry once released: add a new one.
MIGRATIONS: tuple[str, ...] = (
    # 1: documents and number sequences
    """
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        number TEXT,
        template TEXT NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        recipient TEXT NOT NULL DEFAULT '',
        unit TEXT NOT NULL DEFAULT '',
        amount TEXT,
        level INTEGER,
        issue_date TEXT NOT NULL,
        files TEXT NOT NULL DEFAULT '[]',
        sha256 TEXT NOT NULL DEFAULT '[]',
        run_id TEXT NOT NULL DEFAULT '',
        record_key TEXT NOT NULL DEFAULT '',
        operator TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'pending',
        created_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX documents_number ON documents(number) WHERE number IS NOT NULL;
    CREATE INDEX documents_unit ON documents(unit, issue_date);
    CREATE TABLE sequences (
        pattern TEXT NOT NULL,
        period TEXT NOT NULL,
        last INTEGER NOT NULL,
        PRIMARY KEY (pattern, period)
    );
    """,
    # 2: void reasons, failures, reprints, the record behind a document, runs, delivery records
    """
    ALTER TABLE documents ADD COLUMN note TEXT NOT NULL DEFAULT '';
    ALTER TABLE documents ADD COLUMN reprint_of INTEGER REFERENCES documents(id);
    ALTER TABLE documents ADD COLUMN data TEXT;
    ALTER TABLE documents ADD COLUMN claim TEXT NOT NULL DEFAULT '';
    DROP INDEX documents_number;
    CREATE UNIQUE INDEX documents_number ON documents(number) WHERE number IS NOT NULL AND reprint_of IS NULL;
    CREATE INDEX documents_record ON documents(template, record_key);
    CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        started TEXT NOT NULL
    );
    CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        document INTEGER NOT NULL REFERENCES documents(id),
        method TEXT NOT NULL,
        delivered_on TEXT NOT NULL,
        served_by TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX deliveries_document ON deliveries(document);
    """,
)
VERSION = len(MIGRATIONS)


def _hint(path: Path) -> str:
    return (f"检查 {path} 是否是 docgen 的登记簿；损坏时从备份恢复，或改名保存后重新开始"
            "（[register] path 可指定另一个文件）")


def db_path(profile=None, cwd: Path | None = None) -> Path:
    """Where the register lives: $DOCGEN_REGISTER, else [register] path of the profile (relative to it),
    else ./docgen.db."""
    if os.environ.get("DOCGEN_REGISTER"):
        return Path(os.environ["DOCGEN_REGISTER"]).expanduser()
    configured = (getattr(profile, "register", None) or {}).get("path") if profile is not None else None
    if configured:
        p = Path(str(configured)).expanduser()
        if not p.is_absolute() and getattr(profile, "path", None):
            p = Path(profile.path).parent / p
        return p
    return (cwd or Path.cwd()) / DB_NAME


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


@dataclass
class Document:
    """One row of the register, as the CLI and the web desk read it."""
    id: int
    number: str | None
    template: str
    title: str
    recipient: str
    unit: str
    amount: Decimal | None
    level: int | None
    issue_date: date
    files: list[str]
    sha256: list[str]
    run_id: str
    record_key: str
    operator: str
    status: str
    created_at: str
    note: str
    reprint_of: int | None
    data: dict | None
    deliveries: list[dict]

    @property
    def delivered(self) -> dict | None:
        """The latest delivery record, if the 送达回执 came back."""
        return self.deliveries[-1] if self.deliveries else None

    @property
    def reference(self) -> str:
        """How the CLI names this row: its number, or #id for an unnumbered document."""
        return self.number if self.number and self.reprint_of is None else f"#{self.id}"

    def check_files(self) -> list[dict]:
        """Each file with its state now: ok (hash matches), changed, or missing."""
        out = []
        for f, digest in zip(self.files, self.sha256):
            p = Path(f)
            state = "missing" if not p.is_file() else ("ok" if sha256_file(p) == digest else "changed")
            out.append({"file": f, "sha256": digest, "state": state})
        return out

    def as_dict(self) -> dict:
        """JSON-friendly (amount as text, dates ISO)."""
        return {"id": self.id, "number": self.number, "template": self.template, "title": self.title,
                "recipient": self.recipient, "unit": self.unit,
                "amount": None if self.amount is None else str(self.amount), "level": self.level,
                "issue_date": self.issue_date.isoformat(), "files": self.files, "sha256": self.sha256,
                "run_id": self.run_id, "operator": self.operator, "status": self.status,
                "created_at": self.created_at, "note": self.note, "reprint_of": self.reprint_of,
                "delivered": self.delivered, "deliveries": self.deliveries}


class Register:
    """An open register file; every read and write of the office's record goes through here."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._hashes: dict[tuple[str, int, int, int], str] = {}     # (file, inode, size, mtime) → SHA-256
        self._folders: dict[Path, Path] = {}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA busy_timeout = 30000")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as e:
            raise self._error(e) from None
        except OSError as e:
            raise DataError(f"无法打开登记簿：{e.strerror or e}", file=str(self.path), expected=_hint(self.path)) from None

    def _error(self, e: sqlite3.Error) -> DataError:
        text = str(e)
        if "locked" in text or "busy" in text:
            return DataError("登记簿被另一个程序长时间占用（30 秒内未释放）", file=str(self.path),
                             expected="等另一个 docgen 运行结束，或关闭打开此文件的数据库工具后重试")
        return DataError(f"登记簿无法读取：{text}", file=str(self.path), expected=_hint(self.path))

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > VERSION:
            raise DataError(f"登记簿由较新版本的 docgen 写成（格式第 {version} 版，本程序只认到第 {VERSION} 版）",
                            file=str(self.path), expected="升级 docgen 后再打开")
        if version == 0 and self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise DataError("这个文件是 SQLite 数据库，但不是 docgen 的登记簿", file=str(self.path),
                            expected=_hint(self.path))
        for n in range(version, VERSION):
            with self.transaction():
                for stmt in filter(str.strip, MIGRATIONS[n].split(";")):
                    self.conn.execute(stmt)
                self.conn.execute(f"PRAGMA user_version = {n + 1}")

    def transaction(self):
        """A write transaction taken at once (BEGIN IMMEDIATE): allocation never races another process."""
        reg = self

        class _Tx:
            def __enter__(self):
                try:
                    reg.conn.execute("BEGIN IMMEDIATE")
                except sqlite3.Error as e:
                    raise reg._error(e) from None
                return reg.conn

            def __exit__(self, kind, exc, tb):
                if kind is None:
                    try:
                        reg.conn.execute("COMMIT")
                        return False
                    except sqlite3.Error as e:
                        reg.conn.execute("ROLLBACK")
                        raise reg._error(e) from None
                reg.conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise reg._error(exc) from None
                return False
        return _Tx()

    def close(self) -> None:
        """Close the file."""
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ numbers

    def _next(self, pattern: str, issue_date: date) -> str:
        """Take the next number of a pattern's sequence (inside a transaction); skips numbers already used."""
        period = number_period(pattern, issue_date)
        row = self.conn.execute("SELECT last FROM sequences WHERE pattern = ? AND period = ?",
                                (pattern, period)).fetchone()
        seq = row[0] if row else 0
        while True:
            seq += 1
            number = format_number(pattern, issue_date, seq)
            # a reprint carries its original's number, so the originals (the unique index) are all to look at
            if not self.conn.execute("SELECT 1 FROM documents WHERE number = ? AND reprint_of IS NULL",
                                     (number,)).fetchone():
                break
        self.conn.execute("INSERT INTO sequences(pattern, period, last) VALUES (?, ?, ?) "
                          "ON CONFLICT(pattern, period) DO UPDATE SET last = excluded.last", (pattern, period, seq))
        return number

    def allocate(self, *, template: str, pattern: str, issue_date: date, record_key: str = "", claim: str = "",
                 operator: str = "", resume: bool = False) -> str:
        """Reserve a number for one record (status pending) and return it (see allocate_many)."""
        return self.allocate_many(template=template, wanted=[(pattern, issue_date, record_key)], claim=claim,
                                  operator=operator, resume=resume)[0]

    ALLOCATE_CHUNK = 500     # numbers per transaction: short enough that another run waits little

    def allocate_many(self, *, template: str, wanted: list[tuple[str, date, str]], claim: str = "",
                      operator: str = "", resume: bool = False) -> list[str]:
        """Reserve numbers (status pending) for records given as (pattern, issue date, record key), a few
        hundred per transaction.  The same record (template + key + pattern period) gets back the number it
        was given before and never issued: one still pending in this run, or a failed one; with ``resume``
        also one already issued (its files are then found unchanged)."""
        for pattern in {w[0] for w in wanted}:
            if "{seq" not in pattern:
                raise DataError(f"编号模式「{pattern}」没有序号 {{seq}}，编不出不重复的编号", field="number",
                                expected="如 CG-{yyyy}{mm}-{seq:04}")
        statuses = ("pending", "failed", "issued") if resume else ("pending", "failed")
        numbers: list[str] = []
        for at in range(0, len(wanted), self.ALLOCATE_CHUNK):
            with self.transaction():
                numbers += [self._allocate(template, pattern, day, key, claim, operator, statuses)
                            for pattern, day, key in wanted[at:at + self.ALLOCATE_CHUNK]]
        return numbers

    def _allocate(self, template: str, pattern: str, issue_date: date, record_key: str, claim: str, operator: str,
                  statuses: tuple[str, ...]) -> str:
        if record_key:
            for row in self.conn.execute(
                    "SELECT id, number, status, claim FROM documents WHERE template = ? AND record_key = ? "
                    "AND number IS NOT NULL AND reprint_of IS NULL ORDER BY id DESC", (template, record_key)):
                if row["status"] not in statuses:
                    continue
                if row["status"] == "pending" and row["claim"] != claim:
                    continue        # another run, still alive, is working on it
                if self._matches(pattern, issue_date, row["number"]):
                    if row["status"] == "issued":
                        return row["number"]      # resume: the files on disk carry this number
                    self.conn.execute("UPDATE documents SET status = 'pending', claim = ?, issue_date = ? WHERE id = ?",
                                      (claim, issue_date.isoformat(), row["id"]))
                    return row["number"]
        number = self._next(pattern, issue_date)
        self.conn.execute("INSERT INTO documents(number, template, issue_date, record_key, claim, operator, "
                          "status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)",
                          (number, template, issue_date.isoformat(), record_key, claim, operator, _now()))
        return number

    @staticmethod
    def _matches(pattern: str, issue_date: date, number: str) -> bool:
        """Whether a number was made by this pattern in this period (same text around the sequence)."""
        probe = format_number(pattern, issue_date, 987654321)
        prefix, _, suffix = probe.partition("987654321")
        return number.startswith(prefix) and number.endswith(suffix) and number[len(prefix):len(number) - len(
            suffix) or None].isdigit()

    def _recover(self) -> None:
        """Pending rows of runs whose process is gone (killed, crashed) become failed (inside a transaction)."""
        host = socket.gethostname()
        dead = []
        for run in self.conn.execute("SELECT id, host, pid FROM runs"):
            if run["host"] == host and not _alive(run["pid"]):
                dead.append(run["id"])
        for claim in dead:
            self.conn.execute("UPDATE documents SET status = 'failed', note = '运行中断，未确认文件已写完' "
                              "WHERE claim = ? AND status = 'pending'", (claim,))
            self.conn.execute("DELETE FROM runs WHERE id = ?", (claim,))

    def start_run(self) -> str:
        """Register this process as a run; its pending numbers are recovered if it dies."""
        claim = uuid.uuid4().hex[:16]
        with self.transaction():
            self._recover()
            self.conn.execute("INSERT INTO runs(id, host, pid, started) VALUES (?, ?, ?, ?)",
                              (claim, socket.gethostname(), os.getpid(), _now()))
        return claim

    def end_run(self, claim: str) -> None:
        """A run finished: what it left pending was never written."""
        with self.transaction():
            self.conn.execute("UPDATE documents SET status = 'failed', note = '运行结束时仍未生成' "
                              "WHERE claim = ? AND status = 'pending'", (claim,))
            self.conn.execute("DELETE FROM runs WHERE id = ?", (claim,))

    # ------------------------------------------------------------------ recording

    def record(self, doc: Issued, *, operator: str = "", claim: str = "", reprint_of: int | None = None,
               note: str = "") -> int:
        """Mark a document issued with its files' SHA-256 (its pending row, or a new row); returns its id."""
        return self.record_many([doc], operator=operator, claim=claim, reprint_of=reprint_of, note=note)[0]

    def record_many(self, docs: list[Issued], *, operator: str = "", claim: str = "",
                    reprint_of: int | None = None, note: str = "") -> list[int]:
        """Record several issued documents, each with the record it was rendered from (Issued.data), in one
        transaction (a batch run's chunk)."""
        rows = [self._values(doc, note) for doc in docs]     # files hashed before the lock is taken
        with self.transaction():
            return [self._record(doc, values, operator, claim, reprint_of) for doc, values in zip(docs, rows)]

    def _hash(self, path: str) -> str:
        """A file's SHA-256, read once however many documents share it (a print file)."""
        st = os.stat(path)
        key = (path, st.st_ino, st.st_size, st.st_mtime_ns)
        if key not in self._hashes:
            self._hashes[key] = sha256_file(Path(path))
        return self._hashes[key]

    def _resolved(self, f: Path) -> str:
        """A file's absolute path; its folder is resolved once per run, not once per document."""
        folder = Path(f).parent
        if folder not in self._folders:
            self._folders[folder] = folder.resolve()
        return str(self._folders[folder] / Path(f).name)

    def _values(self, doc: Issued, note: str) -> dict[str, Any]:
        files = [self._resolved(f) for f in doc.files]
        return dict(template=doc.template, title=doc.title, recipient=doc.recipient, unit=doc.unit,
                    amount=None if doc.amount is None else str(doc.amount), level=doc.level,
                    issue_date=doc.issue_date.isoformat(), files=json.dumps(files, ensure_ascii=False),
                    sha256=json.dumps([self._hash(f) for f in files]), run_id=doc.run_id, record_key=doc.record_key,
                    data=_data_text(doc.data), note=note)

    def _record(self, doc: Issued, values: dict[str, Any], operator: str, claim: str, reprint_of: int | None) -> int:
        row = None
        if doc.number and reprint_of is None:
            row = self.conn.execute("SELECT id, status, record_key FROM documents WHERE number = ? AND "
                                    "reprint_of IS NULL", (doc.number,)).fetchone()
            if row is not None and (row["status"] == "void" or row["status"] == "issued"
                                    and row["record_key"] != doc.record_key):
                why = "已作废，不能再用于新的文书" if row["status"] == "void" else "已经用于另一份文书"
                raise DataError(f"编号 {doc.number} {why}", field="number", expected="换一个编号，或不写编号由登记簿分配")
        if row is not None:
            sets = ", ".join(f"{k} = ?" for k in values)
            self.conn.execute(f"UPDATE documents SET {sets}, status = 'issued' WHERE id = ?",
                              (*values.values(), row["id"]))
            return row["id"]
        cur = self.conn.execute(
            f"INSERT INTO documents(number, {', '.join(values)}, operator, claim, status, created_at, reprint_of) "
            f"VALUES (?, {', '.join('?' * len(values))}, ?, ?, 'issued', ?, ?)",
            (doc.number, *values.values(), operator, claim, _now(), reprint_of))
        assert cur.lastrowid is not None
        return cur.lastrowid

    def check_given(self, number: str, record_key: str) -> None:
        """A number the data gives itself must be unused (or this record's own), before anything is written."""
        row = self.conn.execute("SELECT status, record_key FROM documents WHERE number = ? AND reprint_of IS NULL",
                                (number,)).fetchone()
        if row is not None and (row["status"] == "void" or row["record_key"] != record_key):
            state = "已作废" if row["status"] == "void" else "已经用于另一份文书"
            raise DataError(f"编号 {number} {state}，不能再用", field="notice_no",
                            expected="去掉数据里的编号，由登记簿分配；或换一个未用过的编号")

    def fail(self, *, template: str, record_key: str, error: str, run_id: str, claim: str = "") -> None:
        """A record that was given a number could not be rendered: its row is marked failed with the error."""
        with self.transaction():
            cur = self.conn.execute("UPDATE documents SET status = 'failed', note = ?, run_id = ? WHERE template = ? "
                                    "AND record_key = ? AND status = 'pending' AND claim = ?",
                                    (error, run_id, template, record_key, claim))
            if not cur.rowcount:
                self.conn.execute("INSERT INTO documents(template, issue_date, record_key, run_id, claim, status, "
                                  "note, created_at) VALUES (?, ?, ?, ?, ?, 'failed', ?, ?)",
                                  (template, date.today().isoformat(), record_key, run_id, claim, error, _now()))

    def void(self, ref: str, reason: str) -> Document:
        """Void an issued (or failed) document: the number stays taken for ever."""
        if not reason.strip():
            raise DataError("作废要写明原因", field="reason", expected=Worded("如 ", Setting("reason", "金额有误，已重发")))
        doc = self.get(ref)
        if doc.status == "void":
            raise DataError(f"{ref} 已作废（原因：{doc.note}）", field="NUMBER")
        with self.transaction():
            self.conn.execute("UPDATE documents SET status = 'void', note = ? WHERE id = ?", (reason.strip(), doc.id))
        return self.get(ref)

    def delivered(self, ref: str, *, method: str, on: date, by: str = "", note: str = "") -> Document:
        """Record the returned 送达回执: method, date, server, note."""
        if method not in METHODS:
            raise DataError(f"未知的送达方式「{method}」", field="method", expected="、".join(METHODS))
        doc = self.get(ref)
        if doc.status != "issued":
            raise DataError(f"{ref} 的状态是 {doc.status}，只有已发出的文书才能登记送达", field="NUMBER")
        if on < doc.issue_date:
            raise DataError(f"送达日期 {on} 早于发文日期 {doc.issue_date}", field="date",
                            expected=f"{doc.issue_date} 或之后的日期")
        with self.transaction():
            self.conn.execute("INSERT INTO deliveries(document, method, delivered_on, served_by, note, recorded_at) "
                              "VALUES (?, ?, ?, ?, ?, ?)", (doc.id, method, on.isoformat(), by, note, _now()))
        return self.get(ref)

    # ------------------------------------------------------------------ reading

    def _doc(self, row: sqlite3.Row) -> Document:
        dels = [{"method": d["method"], "date": d["delivered_on"], "by": d["served_by"], "note": d["note"]}
                for d in self.conn.execute("SELECT * FROM deliveries WHERE document = ? ORDER BY id", (row["id"],))]
        return Document(
            id=row["id"], number=row["number"], template=row["template"], title=row["title"],
            recipient=row["recipient"], unit=row["unit"],
            amount=None if row["amount"] is None else Decimal(row["amount"]), level=row["level"],
            issue_date=date.fromisoformat(row["issue_date"]), files=json.loads(row["files"]),
            sha256=json.loads(row["sha256"]), run_id=row["run_id"], record_key=row["record_key"],
            operator=row["operator"], status=row["status"], created_at=row["created_at"], note=row["note"],
            reprint_of=row["reprint_of"], data=json.loads(row["data"]) if row["data"] else None, deliveries=dels)

    def get(self, ref: str) -> Document:
        """The document with this number (the original, not a reprint), or #id."""
        ref = ref.strip()
        if ref.startswith("#") and ref[1:].isdigit():
            row = self.conn.execute("SELECT * FROM documents WHERE id = ?", (int(ref[1:]),)).fetchone()
        else:
            row = self.conn.execute("SELECT * FROM documents WHERE number = ? AND reprint_of IS NULL",
                                    (ref,)).fetchone()
        if row is None:
            raise DataError(f"登记簿里没有 {ref}", file=str(self.path), field="NUMBER",
                            expected="docgen register list 列出的编号（未编号的文书写 #序号）")
        return self._doc(row)

    def reprints(self, doc: Document) -> list[Document]:
        """The 补发 copies of a document."""
        return [self._doc(r) for r in self.conn.execute("SELECT * FROM documents WHERE reprint_of = ? ORDER BY id",
                                                        (doc.id,))]

    def documents(self, *, unit: str | None = None, template: str | None = None, since: date | None = None,
                  status: str | None = None) -> list[Document]:
        """Documents in issue order, filtered by unit, template, issue date from, status."""
        where, args = ["status != 'pending'"], []
        for col, val in (("unit", unit), ("template", template), ("status", status)):
            if val:
                where.append(f"{col} = ?")
                args.append(val)
        if since:
            where.append("issue_date >= ?")
            args.append(since.isoformat())
        rows = self.conn.execute(f"SELECT * FROM documents WHERE {' AND '.join(where)} ORDER BY issue_date, id", args)
        return [self._doc(r) for r in rows.fetchall()]

    def history(self, unit: str) -> Iterator[Document]:
        """Issued dunning letters (documents with a level) of one unit, newest first."""
        for row in self.conn.execute("SELECT * FROM documents WHERE unit = ? AND status = 'issued' AND level IS NOT "
                                     "NULL AND reprint_of IS NULL ORDER BY issue_date DESC, id DESC", (unit,)):
            yield self._doc(row)


def _json(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (Decimal, Path)):
        return str(value)
    raise TypeError(type(value).__name__)


def _data_text(data: Any) -> str | None:
    """A record as JSON text (amounts as text, dates ISO), or None when it holds something JSON cannot
    keep (the document is registered all the same; it just cannot be rendered again)."""
    if data is None:
        return None
    try:
        return json.dumps(data, ensure_ascii=False, default=_json)
    except (TypeError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RegisterStore:
    """The register as a batch run's IssueStore: numbers from the database, every document recorded."""

    def __init__(self, register: Register, *, operator: str = "", resume: bool = False, patterns=None):
        self.register = register
        self.operator = operator
        self.resume = resume
        self.patterns = patterns        # template id → its configured number pattern (or None: the run's own)
        self._pattern_of: dict[str, str | None] = {}
        self.claim = register.start_run()
        self._pending: list[Issued] = []

    def _pattern(self, template: str, pattern: str) -> str:
        if template not in self._pattern_of:
            self._pattern_of[template] = self.patterns(template) if self.patterns else None
        return self._pattern_of[template] or pattern

    def number(self, *, template: str, pattern: str, issue_date: date, record_key: str) -> str:
        """A number from the register's sequence (the same one again for the same record in this run)."""
        return self.numbers(template=template, wanted=[(pattern, issue_date, record_key)])[0]

    def numbers(self, *, template: str, wanted: list[tuple[str, date, str]]) -> list[str]:
        """Numbers for many records (pattern, issue date, record key) of one template, a few hundred per
        transaction."""
        return self.register.allocate_many(template=template, claim=self.claim, operator=self.operator,
                                           resume=self.resume,
                                           wanted=[(self._pattern(template, p), d, k) for p, d, k in wanted])

    CHUNK = 256     # documents recorded per transaction

    def issued(self, doc: Issued) -> None:
        """Record the document and the SHA-256 of its files (written in chunks; close() writes the rest)."""
        self._pending.append(doc)
        if len(self._pending) >= self.CHUNK:
            self.flush()

    def flush(self) -> None:
        """Write the documents heard so far in one transaction."""
        if self._pending:
            docs, self._pending = self._pending, []
            self.register.record_many(docs, operator=self.operator, claim=self.claim)

    def failed(self, *, template: str, record_key: str, error: str, run_id: str) -> None:
        """Mark the record's number failed (the next run gives it the same number)."""
        self.flush()
        self.register.fail(template=template, record_key=record_key, error=error, run_id=run_id, claim=self.claim)

    def close(self) -> None:
        """End the run: numbers still pending were never written and become failed."""
        self.flush()
        self.register.end_run(self.claim)
