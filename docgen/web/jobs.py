"""Batch jobs of the desk: a ledger or table in, letters out, run in the background with progress and cancel.

A job runs in a thread of the server (max_jobs at a time, default one; renders from the pages go on
meanwhile), through the library's batch entry points with the worker pool. Jobs beyond that wait in a
small queue (max_queued), run in the order they came, and can be cancelled while they wait. Its state
is kept in jobs/ID/job.json, so a closed browser loses nothing: the job finishes and shows in history."""
from __future__ import annotations

import json
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DocgenError
from .workspace import Workspace

STATE = "job.json"
RESULT_ZIP = "result.zip"


@dataclass
class Job:
    """One batch run and what the page shows of it."""
    id: str
    kind: str                         # dunning | batch
    source: str                       # the upload's own name (text only)
    options: dict
    status: str = "queued"            # queued | running | done | failed | cancelled
    done: int = 0                     # documents rendered so far, of total
    total: int = 0
    ok: int = 0                       # while running: documents; when finished: the manifest's data rows
    failed: int = 0
    skipped: int = 0
    error: str = ""
    report: dict = field(default_factory=dict)
    title: str = ""
    position: int = 0                 # while queued: 1 = the next to run
    started_at: float = 0.0           # time.time() when it began to run, and when it ended
    ended_at: float = 0.0

    def public(self) -> dict:
        """The job as the API returns it."""
        d = json.loads(json.dumps(asdict(self), ensure_ascii=False, default=str))   # dates, amounts as text
        d["finished"] = self.status in ("done", "failed", "cancelled")
        return d


class QueueFull(Exception):
    """More batch jobs are waiting than the desk queues."""


class _Cancelled(KeyboardInterrupt):
    """Raised from the progress callback: the batch stops as on Ctrl-C, keeping every finished file."""


class Jobs:
    """The desk's batch jobs: start, look up, cancel."""

    def __init__(self, ws: Workspace, *, workers: int = 0, max_jobs: int = 1, max_queued: int = 5):
        self.ws = ws
        self.workers = workers
        self.max_jobs, self.max_queued = max(1, max_jobs), max(0, max_queued)
        self._pool = ThreadPoolExecutor(max_workers=self.max_jobs, thread_name_prefix="docgen-job")
        self._jobs: dict[str, Job] = {}
        self._cancel: dict[str, threading.Event] = {}
        self._queue: list[str] = []       # queued job ids, oldest first (the pool runs them in this order)
        self._running = 0
        self._lock = threading.Lock()

    def start(self, kind: str, source_path: Path, shown: str, options: dict) -> Job:
        """Queue a job over an uploaded file; options are the library function's keyword arguments.
        QueueFull when max_queued jobs are already waiting."""
        with self._lock:
            if self._running + len(self._queue) >= self.max_jobs and len(self._queue) >= self.max_queued:
                raise QueueFull(f"已有 {len(self._queue)} 个批量任务在排队（上限 {self.max_queued} 个），"
                                f"请等前面的任务完成或取消一个后再提交")
            jid, out = self.ws.new_dir("jobs")
            job = Job(jid, kind, shown, options)
            self._jobs[jid] = job
            self._cancel[jid] = threading.Event()
            self._queue.append(jid)
            self._number()
            self._save(job)
            self._pool.submit(self._run, job, source_path, out / "out")
        return job

    def _number(self) -> None:
        """Give the queued jobs their places (under the lock); a job about to run is not counted as waiting."""
        free = max(0, self.max_jobs - self._running)
        for n, jid in enumerate(self._queue):
            self._jobs[jid].position = max(0, n + 1 - free)

    def active(self) -> list[Job]:
        """The jobs running or waiting, in the order they came."""
        with self._lock:
            return [j for j in self._jobs.values() if j.status in ("queued", "running")]

    def get(self, jid: str) -> Job | None:
        """A job by id: from memory, or from its job.json (jobs of an earlier server run)."""
        if jid in self._jobs:
            return self._jobs[jid]
        d = self.ws.find("jobs", jid)
        if d is None or not (d / STATE).is_file():
            return None
        try:
            job = Job(**json.loads((d / STATE).read_text(encoding="utf-8")))
        except (ValueError, TypeError):
            return None
        if job.status in ("queued", "running"):   # the server stopped under it
            job.status, job.error = "failed", "服务在运行中停止，这个任务没有完成（已生成的文件完整可用）"
        return job

    def cancel(self, jid: str) -> bool:
        """Ask a job to stop after the record it is on; False when it is unknown or already finished."""
        with self._lock:
            job = self._jobs.get(jid)
            if job is None or job.status not in ("queued", "running"):
                return False
            self._cancel[jid].set()
            if job.status != "queued" or jid not in self._queue:
                return True
            # still waiting: it ends now, without ever running
            self._queue.remove(jid)
            self._number()
            job.status, job.error, job.position, job.ended_at = "cancelled", "排队时已取消：没有生成任何文件", 0, time.time()
            self._save(job)
        self._remember(job)
        return True

    def out_dir(self, jid: str) -> Path | None:
        """The folder a job writes its letters, print files and manifest to."""
        d = self.ws.find("jobs", jid)
        return d / "out" if d is not None else None

    def _save(self, job: Job) -> None:
        d = self.ws.find("jobs", job.id)
        assert d is not None, job.id        # a job's folder is made before the job is saved
        tmp = d / (STATE + ".tmp")
        tmp.write_text(json.dumps(asdict(job), ensure_ascii=False, default=str), encoding="utf-8")
        tmp.replace(d / STATE)

    def _run(self, job: Job, source: Path, out: Path) -> None:
        stop = self._cancel[job.id]
        with self._lock:
            if job.id not in self._queue:      # cancelled while it waited: cancel() has ended it
                return
            self._queue.remove(job.id)
            self._running += 1
            job.status, job.position, job.started_at = "running", 0, time.time()
            self._number()
            self._save(job)
        try:
            self._work(job, stop, source, out)
        finally:
            with self._lock:
                self._running -= 1
                job.ended_at = time.time()
                self._number()
                self._save(job)
        self._remember(job)

    def _work(self, job: Job, stop: threading.Event, source: Path, out: Path) -> None:
        from .. import api

        def progress(p: Any) -> None:
            job.done, job.total, job.ok, job.failed, job.skipped = p.done, p.total, p.ok, p.failed, p.skipped
            if stop.is_set():
                raise _Cancelled

        kwargs = dict(job.options)
        kwargs.setdefault("jobs", self.workers)
        kwargs["progress"] = progress
        try:
            if job.kind == "dunning":
                report = api.dunning(source, out=out, profile_path=self.ws.profile, **kwargs)
            else:
                template = kwargs.pop("template")
                report = api.batch(template, source, out=out, profile_path=self.ws.profile, **kwargs)
        except DocgenError as e:
            job.status, job.error = "failed", e.describe()
        except _Cancelled:
            job.status, job.error = "cancelled", "已取消：尚未生成任何文件"
        except Exception as e:  # noqa: BLE001 - a job must end with a state the page can show
            job.status, job.error = "failed", f"内部错误：{type(e).__name__}: {e}"
        else:
            job.report = report.as_dict()
            job.title = report.template
            rows = report.rows
            job.ok, job.failed, job.skipped = rows.get("ok", 0), rows.get("error", 0), rows.get("skipped", 0)
            # done/total stay the documents the progress callback counted; ok/failed/skipped become the
            # manifest's data rows (what the office reconciles against its ledger)
            if report.interrupted and stop.is_set():
                job.status, job.error = "cancelled", "已取消：已生成的文件完整可用，清单 manifest.csv 写明了未生成的行"
            else:
                job.status = "done"
                if report.stopped:
                    job.error = report.stopped

    def _remember(self, job: Job) -> None:
        from .. import api
        status = {"done": "已完成", "failed": "失败", "cancelled": "已取消"}.get(job.status, job.status)
        self.ws.remember({"kind": "batch", "template": job.title or job.options.get("template") or "",
                          "title": api.template_info(job.title).get("title") if job.title else "",
                          "what": f"{job.source}：{job.report.get('letters', 0)} 份（{status}）",
                          "link": f"/jobs/{job.id}"})

    def result_zip(self, jid: str) -> Path | None:
        """One ZIP of everything the job wrote (letters, print files, manifest, public list), made once."""
        job, out = self.get(jid), self.out_dir(jid)
        if job is None or out is None or job.status not in ("done", "cancelled") or not out.is_dir():
            return None
        path = out.parent / RESULT_ZIP
        if not path.is_file():
            tmp = path.with_suffix(".tmp")
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
                for f in sorted(out.rglob("*")):
                    if f.is_file() and not f.name.startswith("."):
                        z.write(f, f.relative_to(out).as_posix())
            tmp.replace(path)
        return path

    def file(self, jid: str, name: str) -> Path | None:
        """A named output of a finished job (manifest.csv, print.pdf …); names are matched, not joined."""
        out = self.out_dir(jid)
        if out is None or not out.is_dir():
            return None
        for f in out.iterdir():
            if f.name == name and f.is_file():
                return f
        return None

    def shutdown(self) -> None:
        """Let a running job finish (the server is stopping)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
