"""What every command of the docgen CLI shares: the app, consoles, common options, errors and the progress bar.

The library names its settings by field (``receipt``, ``min_amount``, ``sets[owner_name]``); the CLI
says them the way the user typed them (``--receipt``, ``--min-amount``, ``--set owner_name``)."""
from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, NoReturn, Optional

import typer
from rich.console import Console
from rich.markup import escape as esc

from ..errors import DocgenError, Setting, reword

if TYPE_CHECKING:
    from ..batch.store import Progress

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode="rich",
                  help="docgen：物业服务中心文书生成器 — 模板 + 数据 → DOCX 与 PDF。")
console = Console()
err = Console(stderr=True)

TemplatesOpt = typer.Option(None, "--templates", help="额外的模板文件夹（可多次给出），同 id 覆盖内置模板。")
ProfileOpt = typer.Option(None, "--profile", help="机构配置文件 docgen.toml（默认当前目录下的 docgen.toml）。")
NoRegisterOpt = typer.Option(False, "--no-register", help="不记入发文登记簿（草稿、试印）；默认每份发出的文书都登记并编号。")
OperatorOpt = typer.Option(None, "--operator", help="经办人（记入发文登记簿；默认 docgen.toml 的 \\[register] operator）。")
ScriptOpt = typer.Option(None, "--script", help="输出文字：hans 简体（默认）、hant 繁体、tw 台湾正体及用语、"
                                                "hk 香港繁体；默认取 docgen.toml 的 \\[output] script。")

#: Library setting (the field a library error names) → the CLI option that sets it.
FLAGS = {
    "data": "--data", "sample": "--sample", "blank": "--blank", "sets": "--set", "formats": "--format",
    "script": "--script", "template": "--template", "level": "--level", "receipt": "--receipt",
    "merge": "--merge", "split_by": "--split-by", "min_amount": "--min-amount", "as_of": "--as-of",
    "issue_date": "--issue-date", "due_date": "--due-date", "late_fee_rate": "--late-fee-rate",
    "public_list": "--public-list", "name": "--name", "jobs": "--jobs", "sheet": "--sheet",
    "tables": "--table", "reason": "--reason", "method": "--method", "date": "--date", "by": "--by",
    "fmt": "--format", "pass_mark": "--pass-mark", "partial": "--partial", "missing_as_blank": "--missing-as-blank",
    "spec": "--spec", "versions": "--versions", "from_id": "--from", "word": "--word", "docx": "--docx",
}
_SET_KEY = re.compile(r"^sets\[(.*)\]$")


def as_flag(field: str | None) -> str | None:
    """The option a library field is given by on the command line (the field itself when none is)."""
    if field is None:
        return None
    m = _SET_KEY.match(field)
    if m:
        return f"--set {m.group(1)}"
    return FLAGS.get(field, field)


def flag_words(s: Setting) -> str:
    """A setting named in a library message as typed on the command line: --pass-mark 70, --missing-as-blank."""
    flag = as_flag(s.field) or s.field
    if s.value is None or s.value is True:
        return flag
    return f"{flag}={s.value}" if flag.startswith("--set ") else f"{flag} {s.value}"


def in_words(text: str) -> str:
    """Library text (a notice, a hint) worded for the command line: each setting it names becomes its option."""
    return reword(text, flag_words)


def in_flags(e: DocgenError) -> DocgenError:
    """The error worded for the command line: a setting named by field, message or hint becomes its option."""
    before = e.describe()
    e.message = in_words(e.message)
    if e.expected is not None:
        e.expected = in_words(e.expected)
    if e.file is None and e.row is None and e.field is not None:
        e.field = as_flag(e.field)
    if e.describe() != before:
        e.args = (e.describe(),)
    return e


def fail(e: DocgenError) -> NoReturn:
    """Print a user error as one paragraph and exit 2."""
    err.print(f"[bold red]错误：[/]{esc(in_flags(e).describe())}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def library(templates: Optional[list[Path]]):  # noqa: ANN201 - Library, imported late to keep --help fast
    """The template library with the extra folders given."""
    from ..library.folders import Library
    return Library(templates)


@contextmanager
def progress_bar(show: bool, label: str = "生成", transient: bool = False) -> Iterator[Optional[Callable[["Progress"], None]]]:
    """A rich progress bar on stderr, fed by the library's progress callback (None when not shown)."""
    if not show:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, ProgressColumn, TextColumn, TimeRemainingColumn
    from rich.progress import Progress as Bar
    from rich.text import Text

    class Rate(ProgressColumn):
        """Documents per second."""

        def render(self, task):  # noqa: ANN001, ANN201 - rich's signature
            speed = task.finished_speed or task.speed
            return Text(f"{speed:5.0f} 份/秒" if speed else "")

    bar = Bar(TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(), Rate(), TextColumn("剩余"),
              TimeRemainingColumn(), console=err, transient=transient)
    task = bar.add_task("run", total=None)

    def update(p: "Progress") -> None:
        bar.update(task, total=p.total, completed=p.done)
    bar.start()
    try:
        yield update
    finally:
        bar.stop()
