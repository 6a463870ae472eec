"""manifest.csv — one row per data line of the input with what became of it — and the run's report."""
from __future__ import annotations

import csv
from dataclasses import astuple, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Literal

from ..render import atomic_write

MANIFEST = "manifest.csv"
MANIFEST_COLUMNS = ("line", "status", "unit", "output", "message", "amount")

Status = Literal["ok", "skipped", "error"]


@dataclass(frozen=True)
class ManifestRow:
    """One data line of the input: its status, the unit or document it belongs to, files and message."""
    line: int
    status: Status
    unit: str = ""
    output: str = ""             # the files, joined by ;
    message: str = ""
    amount: Decimal | str = ""


def files_text(files: Iterable[str]) -> str:
    """The output column: file names joined by ;."""
    return ";".join(files)


def write_manifest(path: Path, rows: Iterable[ManifestRow]) -> dict[str, int]:
    """Write manifest.csv (UTF-8 with BOM, for Excel) atomically; returns the count per status."""
    counts: dict[str, int] = {"ok": 0, "skipped": 0, "error": 0}

    def write(tmp: Any) -> None:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(MANIFEST_COLUMNS)
            for r in rows:
                counts[r.status] = counts.get(r.status, 0) + 1
                w.writerow(astuple(r))
    atomic_write(path, write)
    return counts


@dataclass
class Report:
    """The result of a batch run, for the CLI and for tests."""
    manifest: Path
    rows: dict[str, int]                       # status → number of data lines
    letters: int                               # documents written in this run
    resumed: int                               # documents kept from an earlier run
    failed_units: int
    print_files: list[Path]
    print_pages: int
    seconds: float
    errors: list[tuple[int, str]]              # (line, message) of the first bad rows
    interrupted: bool = False
    template: str = ""
    stopped: str = ""                          # why the run stopped early, when not by Ctrl-C
    run_id: str = ""                           # the id the store heard this run's documents under

    @property
    def exit_code(self) -> int:
        """0 every row ok, 1 some rows failed (or the run stopped early), 130 interrupted by Ctrl-C."""
        if self.interrupted and not self.stopped:
            return 130
        return 1 if self.rows.get("error") else 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly summary."""
        return {"manifest": str(self.manifest), "rows": self.rows, "letters": self.letters,
                "resumed": self.resumed, "failed_units": self.failed_units,
                "print_files": [str(p) for p in self.print_files], "print_pages": self.print_pages,
                "seconds": round(self.seconds, 3), "exit_code": self.exit_code, "template": self.template,
                "interrupted": self.interrupted, "stopped": self.stopped, "run_id": self.run_id}
