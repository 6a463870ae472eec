"""Errors the user can act on: each names the file, row, field and what was expected."""
from __future__ import annotations


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
