"""The run engine: jobs in delivery order → chunks → worker pool → per-record files, print files, resume log."""
from __future__ import annotations

import os
import time
from typing import Iterable
from uuid import uuid4

from ..render import output_dir
from .pool import WorkerLost, Workers, start_workers, stop_workers, worker_count
from .printfile import PrintFiles
from .spec import Chunk, Job, Options, Outcome, Part, RunResult, WorkerSpec
from .state import Done, StateLog, load_state, sweep_parts
from .store import Progress
from .worker import render_chunk, setup, warm

STOPPED_WORKER = "一个工作进程意外退出（可能是内存不足或被系统结束），其余的未生成"


def chunks(jobs: list[Job], size: int, split: bool) -> list[list[Job]]:
    """Cut jobs into runs of at most size; with split, a chunk never spans two groups."""
    out: list[list[Job]] = []
    for j in jobs:
        if not out or len(out[-1]) >= size or (split and out[-1][-1].group != j.group):
            out.append([])
        out[-1].append(j)
    return out


class _Tally:
    """Counts for the progress callback."""

    def __init__(self, opts: Options, total: int) -> None:
        self.fn, self.total = opts.progress, total
        self.ok = self.failed = self.skipped = 0

    def tell(self, current: str = "") -> None:
        if self.fn is not None:
            self.fn(Progress(self.ok + self.failed + self.skipped, self.total, self.ok, self.failed, self.skipped,
                             current))

    def count(self, o: Outcome, current: str) -> None:
        if o.resumed:
            self.skipped += 1
        elif o.ok:
            self.ok += 1
        else:
            self.failed += 1
        self.tell(current)


def run_jobs(spec: WorkerSpec, jobs: list[Job], opts: Options, *, title: str = "",
             pool: Workers | None = None) -> RunResult:
    """Render jobs (already in delivery order) in a worker pool; write per-record files and print files.

    pool: one from start_workers (run_jobs closes it); without one, workers are started here."""
    started = time.perf_counter()
    out = opts.out
    output_dir(out)
    sweep_parts(out)
    by_index = {j.index: j for j in jobs}
    outcomes: dict[int, Outcome] = {}
    state = load_state(out) if opts.resume else {}
    printing = opts.printing
    for j in jobs:
        rec = state.get(j.name)
        if rec and rec.digest == j.digest and rec.complete(out):
            j.skip_files = True
            if not printing:   # nothing left to do for this one
                outcomes[j.index] = Outcome(j.index, True, list(rec.files), rec.pages, resumed=True)
    todo = [j for j in jobs if j.index not in outcomes]
    workers = worker_count(opts.jobs)
    # Each chunk of a print file embeds its own font subsets (tens of ms to make): print chunks
    # are bigger; chunks of separate files stay small so an interrupted run loses little.
    size = opts.chunk or max(4, min(120 if printing else 64, -(-len(todo) // (workers * 6)) or 1))
    cut = chunks(todo, size, opts.split)
    parts_dir = out / f".parts-{os.getpid()}"
    if printing:
        parts_dir.mkdir(exist_ok=True)
    tasks = [Chunk(i, c, parts_dir / f"{i:06d}.pdf" if printing else None) for i, c in enumerate(cut)]
    printer = PrintFiles(out, opts, title)
    tally = _Tally(opts, len(jobs))
    interrupted, stopped = False, ""
    log = StateLog(out, opts.resume)
    try:
        if pool is None and workers > 1 and len(cut) > 1:
            if todo:
                setup(spec)
                warm(todo[0])          # forked workers inherit warm caches
            pool = start_workers(spec, opts.jobs)
        tally.tell()
        if outcomes:             # kept from an earlier run, nothing to render
            tally.skipped = len(outcomes)
            tally.tell()
        results: Iterable[tuple[int, list[Outcome], Part | None]]
        if pool is not None:
            results = pool.imap(render_chunk, tasks)
        else:
            setup(spec)
            results = map(render_chunk, tasks)
        for chunk_no, outs, part in results:
            for o in outs:
                job = by_index[o.index]
                if o.resumed:
                    rec = state[job.name]
                    o.files, o.pages = list(rec.files), rec.pages
                elif o.ok:
                    log.add(Done(job.name, job.digest, {f: (out / f).stat().st_size for f in o.files}, o.pages))
                outcomes[o.index] = o
                tally.count(o, job.name)
            log.flush()
            if part:
                printer.add(cut[chunk_no][0].group, part)
        printer.close()
        if pool is not None:
            pool.close()
            pool = None
    except KeyboardInterrupt:
        interrupted = True
    except WorkerLost:
        interrupted, stopped = True, STOPPED_WORKER
    finally:
        stop_workers(pool)
        printer.abort()
        log.close()
        if parts_dir.is_dir():
            for p in parts_dir.iterdir():
                p.unlink(missing_ok=True)
            parts_dir.rmdir()
        sweep_parts(out)
    files, pages = printer.finished()
    letters = sum(1 for o in outcomes.values() if o.ok and not o.resumed)
    return RunResult(outcomes, files, pages, letters, time.perf_counter() - started, interrupted, stopped,
                     uuid4().hex[:12])
