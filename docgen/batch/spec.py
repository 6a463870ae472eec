"""The typed contracts of a batch run: what a worker is set up with, a job, its outcome, the run's options."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .store import ProgressFn

Format = Literal["pdf", "docx"]


@dataclass(frozen=True)
class WorkerSpec:
    """What every worker process loads once: template, profile, fonts, and where and how it writes."""
    template: str
    out: Path
    formats: tuple[Format, ...] = ("pdf",)
    templates: tuple[Path, ...] = ()     # extra template folders (the search path)
    profile: Path | None = None
    source: str = ""                     # the data file, for error messages
    duplex: bool = False
    validated: bool = False              # records were checked against the fields in the parent
    script: str = "hans"


@dataclass
class Job:
    """One document to render: its record, file name, source line and print group."""
    index: int
    name: str
    data: dict[str, Any]
    row: int | None = None
    group: str = ""
    digest: str = ""
    skip_files: bool = False     # resumed: files already complete, render for print files only


@dataclass
class Outcome:
    """What became of one job."""
    index: int
    ok: bool
    files: list[str] = field(default_factory=list)
    pages: int = 0
    message: str = ""
    resumed: bool = False


@dataclass(frozen=True)
class Chunk:
    """A run of jobs one worker renders in one go; part is where its print PDF goes, when printing."""
    no: int
    jobs: list[Job]
    part: Path | None = None


@dataclass(frozen=True)
class Part:
    """A chunk's print PDF: its pages (blank backs included) and the page size for a blank page."""
    path: Path
    pages: int
    size: tuple[float, float]


@dataclass
class Options:
    """How a batch run writes its output."""
    out: Path
    formats: tuple[Format, ...] = ("pdf",)
    merge: bool = False
    split: bool = False          # one print file per group (building)
    duplex: bool = False
    jobs: int = 0                # 0: one worker per core
    resume: bool = False
    progress: ProgressFn | None = None   # called with a Progress at the start and after each record
    chunk: int = 0               # 0: chosen from the number of documents

    @property
    def printing(self) -> bool:
        """Whether the run writes print files."""
        return self.merge or self.split


@dataclass
class RunResult:
    """Counts and files of a finished run."""
    outcomes: dict[int, Outcome]
    print_files: list[Path]
    print_pages: int
    letters: int
    seconds: float
    interrupted: bool = False
    stopped: str = ""            # why the run stopped early, when not by Ctrl-C
    run_id: str = ""
