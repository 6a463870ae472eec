"""The worker pool: forked after the template and fonts are loaded, watched for a worker that dies."""
from __future__ import annotations

import gc
import multiprocessing as mp
import os
from typing import Any, Callable, Iterable, Iterator

from .spec import WorkerSpec
from .worker import init_worker, setup


class WorkerLost(Exception):
    """A worker process ended without finishing its chunk (killed, out of memory, crashed)."""


def worker_count(jobs: int) -> int:
    """Worker processes for a jobs setting (0: one per core; at most 61, the Windows limit)."""
    return max(1, min(jobs or os.cpu_count() or 1, 61))


class Workers:
    """A multiprocessing pool whose workers tell the parent their pids, so a dead one is noticed."""

    def __init__(self, spec: WorkerSpec, count: int) -> None:
        method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
        ctx = mp.get_context(method)
        self._pids_q = ctx.SimpleQueue()
        self._pids: set[int] = set()
        if method == "fork":
            gc.freeze()   # the workers' garbage collector then never touches (and copies) inherited objects
        try:
            self._pool = ctx.Pool(count, initializer=init_worker, initargs=(spec, self._pids_q))
        finally:
            gc.unfreeze()

    def _lost(self) -> bool:
        while not self._pids_q.empty():
            self._pids.add(self._pids_q.get())
        alive = {p.pid for p in mp.active_children()}
        return bool(self._pids - alive)

    def imap(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Results of pool.imap in order, stopping with WorkerLost if a worker dies.

        multiprocessing.Pool silently replaces a dead worker and then waits forever for the chunk it
        held; workers here never end on their own, so a worker pid that is no longer alive means one died."""
        results = self._pool.imap(fn, tasks)
        while True:
            try:
                yield results.next(timeout=1.0)
            except StopIteration:
                return
            except mp.TimeoutError:
                if self._lost():
                    raise WorkerLost from None

    def close(self) -> None:
        """Wait for the workers to finish and end."""
        self._pool.close()
        self._pool.join()

    def stop(self) -> None:
        """End the workers now."""
        self._pool.terminate()
        self._pool.join()


def start_workers(spec: WorkerSpec, jobs: int = 0) -> Workers | None:
    """Load template, profile and fonts, then fork the worker pool (None for a one-process run).

    Forking before the data is read keeps the data out of the workers: they share only the
    fonts and code with the parent, and the parent's records are never copied page by page."""
    setup(spec)
    count = worker_count(jobs)
    if count == 1:
        return None
    return Workers(spec, count)


def stop_workers(pool: Workers | None) -> None:
    """Stop a pool started by start_workers that run_jobs did not get to use."""
    if pool is not None:
        pool.stop()
