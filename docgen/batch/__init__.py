"""Batch runs: many records → per-record files, merged print files and a manifest of every input row."""
from __future__ import annotations

from .core import (MANIFEST, PRINT_FILE, Job, Options, Outcome, PdfJoiner, Report, RunResult, batch, dunning,
                   run_jobs, safe_name, start_workers, stop_workers)
from .store import IssueStore, Issued, Progress, RunStore, format_number, number_period

__all__ = ["MANIFEST", "PRINT_FILE", "Job", "Options", "Outcome", "PdfJoiner", "Report", "RunResult", "batch",
           "dunning", "run_jobs", "safe_name", "start_workers", "stop_workers", "IssueStore", "Issued", "Progress",
           "RunStore", "format_number", "number_period"]
