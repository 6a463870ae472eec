"""Errors the user can act on: each names the file, row, field and what was expected.

The library speaks in fields and values: a message that tells the user which setting to change names it
with :class:`Setting` inside a :class:`Worded` text, and each face words it its own way (the CLI as
its option, ``--pass-mark 70``; :func:`docgen.cli.common.in_flags`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Setting:
    """A setting named inside a library message: its field (``pass_mark``) and the value given, if any."""
    field: str
    value: object = None

    def __str__(self) -> str:
        """In field language: ``pass_mark=70``, or the bare field when no value goes with it."""
        return self.field if self.value is None else f"{self.field}={self.value}"


class Worded(str):
    """Text that names settings. As a str it reads in field language (``pass_mark=70``); a face rewords
    each setting with :meth:`worded`. A plain str part is kept as written."""
    parts: tuple[str | Setting, ...]

    def __new__(cls, *parts: str | Setting) -> Worded:
        self = super().__new__(cls, "".join(map(str, parts)))
        self.parts = parts
        return self

    def worded(self, word: Callable[[Setting], str]) -> str:
        """The text with every setting as `word` says it."""
        return "".join(p if isinstance(p, str) else word(p) for p in self.parts)


def reword(text: str, word: Callable[[Setting], str]) -> str:
    """Any library text in a face's words: a Worded one rewords its settings, other text stays as it is."""
    return text.worded(word) if isinstance(text, Worded) else text



class DocgenError(Exception):
    """A problem with the user's input or templates; the CLI prints it and exits 2."""

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 field: str | None = None, expected: str | None = None):
        self.message = message
        self.file = file
        self.row = row
        self.field = field
        self.expected = expected
        super().__init__(self.describe())

    def describe(self) -> str:
        """One paragraph: where, which field, what was wrong, what was expected."""
        where = []
        if self.file:
            where.append(f"文件 {self.file}")
        if self.row is not None:
            where.append(f"第 {self.row} 行")
        if self.field:
            where.append(f"字段「{self.field}」")
        text = (("，".join(where) + "：") if where else "") + self.message
        if self.expected:
            text += f"（应为：{self.expected}）"
        return text


class DataError(DocgenError):
    """Input data is missing, malformed or of the wrong type."""


class TemplateError(DocgenError):
    """A template folder, its YAML or its body is broken."""


class FontError(DocgenError):
    """A character cannot be drawn by any configured font."""


class OutputError(DocgenError):
    """An output file or folder cannot be written (no permission, disk full, not a folder)."""
