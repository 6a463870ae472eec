"""Batch runs: many records → per-record files, merged print files and a manifest of every input row.

The engine (:mod:`.run`) sorts nothing itself: callers hand it jobs in delivery order.  It cuts
them into chunks and renders the chunks in a worker pool (:mod:`.pool`; fonts and the compiled
template are loaded once, before the workers fork, :mod:`.worker`).  Each chunk writes its
per-record files atomically and, for print files, one chunk PDF in which every letter is numbered
on its own; the parent joins the chunk PDFs in order into ``print.pdf`` (and one print file per
building, :mod:`.printfile`, :mod:`.joiner`) as they arrive, so memory stays flat however long
the input.  ``manifest.csv`` (:mod:`.manifest`) lists every data line with what became of it;
:mod:`.state` lets an interrupted run resume; :mod:`.store` is the seam to a register.

Two runs share the engine and :mod:`.prepare`: :func:`~docgen.batch.table.batch` (any template
over a table) here, and :func:`docgen.dunning.dunning` (an arrears ledger, one letter per unit).
"""
from __future__ import annotations

from .joiner import PdfJoiner
from .manifest import MANIFEST, ManifestRow, Report
from .naming import safe_name
from .pool import start_workers, stop_workers
from .printfile import PRINT_FILE
from .run import run_jobs
from .spec import Job, Options, Outcome, RunResult, WorkerSpec
from .store import IssueStore, Issued, Progress, RunStore, format_number, number_period
from .table import batch

__all__ = ["PdfJoiner", "MANIFEST", "ManifestRow", "Report", "safe_name", "start_workers", "stop_workers",
           "PRINT_FILE", "run_jobs", "Job", "Options", "Outcome", "RunResult", "WorkerSpec", "IssueStore", "Issued",
           "Progress", "RunStore", "format_number", "number_period", "batch"]
