"""The docgen command line: a thin layer over the library (parse arguments, call, report).

One module per command group, each registering its commands on :data:`.common.app`; they import
only :mod:`.common`, never each other."""
from __future__ import annotations

import sys

from ..errors import DocgenError
from . import templates, documents  # noqa: F401 - list/show, then render/demo/check, as in --help
from . import batch, exam, authoring, register, serve  # noqa: F401,E402 - dunning/batch, exam, new/lint, register, serve
from .common import app, err, esc, in_flags

__all__ = ["app", "main"]


def main() -> None:
    """Entry point for the `docgen` command."""
    try:
        app()
    except DocgenError as e:  # a user error that escaped a command: still no traceback
        err.print(f"[bold red]错误：[/]{esc(in_flags(e).describe())}", highlight=False)
        sys.exit(2)
