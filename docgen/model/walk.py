"""One traversal of the document model: every block, every run of inlines and every plain string it prints.

Everything that reads a document as text (Traditional-Chinese conversion, a title from the first heading, the
exam's leak checks, tests) goes through here, so a new block kind is added in one place and nobody misses
lists, signatures, cut lines or QR captions.
"""
from __future__ import annotations

from typing import Callable, Iterable, Iterator

from .nodes import (Block, Checkbox, Columns, CutLine, Document, Frame, Heading, Inline, KeepTogether, LineBreak,
                    ListBlock, Paragraph, QRCode, Signature, Table, Text, Blank)


def blocks(items: Document | Iterable[Block]) -> Iterator[Block]:
    """Every block in reading order, depth first: a frame or keep-together group, then what it holds."""
    for b in (items.blocks if isinstance(items, Document) else items):
        yield b
        if isinstance(b, (Frame, KeepTogether)):
            yield from blocks(b.blocks)


def inline_groups(b: Block) -> list[list[Inline]]:
    """The runs of inlines a block holds itself (not those of blocks inside it), in reading order."""
    if isinstance(b, (Paragraph, Heading)):
        return [b.inlines]
    if isinstance(b, (ListBlock, Columns)):
        return list(b.items)
    if isinstance(b, Table):
        return [cell.inlines for row in b.rows for cell in row]
    if isinstance(b, Signature):
        return list(b.lines)
    return []


# Plain-string attributes a block prints (a QR code's data is encoded, not printed as text).
_STRINGS: dict[type, str] = {CutLine: "label", QRCode: "caption"}


def strings(b: Block) -> list[str]:
    """The plain strings a block prints besides its inlines (a cut line's label, a QR code's caption)."""
    attr = _STRINGS.get(type(b))
    value = getattr(b, attr) if attr else ""
    return [value] if value else []


def inlines(items: Document | Iterable[Block]) -> Iterator[list[Inline]]:
    """Every run of inlines in the document, in reading order."""
    for b in blocks(items):
        yield from inline_groups(b)


def map_strings(items: Document | Iterable[Block], fn: Callable[[str], str]) -> None:
    """Replace each plain string a block prints by fn(string), in place."""
    for b in blocks(items):
        attr = _STRINGS.get(type(b))
        if attr and getattr(b, attr):
            setattr(b, attr, fn(getattr(b, attr)))


def inline_text(runs: Iterable[Inline]) -> str:
    """The plain text of inlines (for titles, tests and the DOCX core properties)."""
    parts = []
    for x in runs:
        if isinstance(x, (Text, Blank)):
            parts.append(x.text)
        elif isinstance(x, Checkbox):
            parts.append("☑" if x.checked else "☐")
        elif isinstance(x, LineBreak):
            parts.append("\n")
    return "".join(parts)


def texts(items: Document | Iterable[Block]) -> Iterator[str]:
    """The text of every run of inlines and every plain string, one item each, in reading order."""
    for b in blocks(items):
        for group in inline_groups(b):
            yield inline_text(group)
        yield from strings(b)


def plain_text(items: Document | Iterable[Block]) -> str:
    """All text a document prints, one line per run of inlines or plain string."""
    return "\n".join(texts(items))
