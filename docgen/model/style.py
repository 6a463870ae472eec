"""The computed house style: what both writers draw from, so the PDF and the DOCX of a document agree.

GB/T 9704 house style: the title in 二号 (22 pt) bold, centred; tables one size down from a 三号 body (小四);
page numbers only on documents of more than one page unless the template says always or never; short items
(exam options) four, two or one to a line by one rule.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .nodes import Columns, Heading, Inline, PageSetup, Table, Text

TITLE_SIZE = 22.0            # 二号
TITLE_LEADING = 1.45         # the title's line height, times its size
TITLE_SPACE_AFTER = 0.6      # the gap below the title, in body lines
TABLE_SIZE = 12.0            # 小四: a table's text under a body of 14 pt or more


@dataclass(frozen=True)
class HeadingStyle:
    """How a heading is set: size, alignment, first-line indent (characters), bold, line height, gap below."""
    size: float
    align: str
    indent: float
    bold: bool
    leading: float | None = None      # None: the body's line spacing
    space_after: float = 0.0


def heading(h: Heading, page: PageSetup) -> HeadingStyle:
    """The style of a heading: level 1 is the document title, lower levels are body-size run-in headings."""
    if h.level == 1:
        size = h.size or TITLE_SIZE
        return HeadingStyle(size, h.align or "center", 0.0, True, leading=size * TITLE_LEADING,
                            space_after=page.body_size * page.line_spacing * TITLE_SPACE_AFTER)
    return HeadingStyle(h.size or page.body_size, h.align or "left", 2.0, h.level <= 3)


def table_size(t: Table, page: PageSetup) -> float:
    """A table's text size: its own, else 小四 under a large body, else the body size."""
    return t.size or (TABLE_SIZE if page.body_size >= 14 else page.body_size)


def numbered(page: PageSetup, pages: int) -> bool:
    """Whether pages carry 第 X 页 共 Y 页: always, never, or (auto) only when there is more than one."""
    return page.page_numbers == "always" or (page.page_numbers == "auto" and pages > 1)


def column_count(widths: list[float], room: float, size: float) -> int:
    """How many short items (exam options) go to a line of width room: 4, 2 or 1."""
    widest = max(widths, default=0.0)
    return 4 if widest <= room / 4 - size else 2 if widest <= room / 2 - size else 1


def label_text(item: list[Inline]) -> str:
    """The label run of a hanging item (A. text), without its trailing space."""
    return item[0].text.strip() if item and isinstance(item[0], Text) else ""


def option_columns(b: Columns, room: float, size: float, measure: Callable[[list[Inline]], float]) -> int:
    """Columns for a Columns block: its own n, else by the widest item (a hanging label takes its slot)."""
    if b.n:
        return b.n
    widths = []
    for item in b.items:
        if b.hanging and item:
            slot = b.label_chars() * size
            widths.append(max(slot, measure([Text(label_text(item))])) + measure(item[1:]))
        else:
            widths.append(measure(item))
    return column_count(widths, room, size)
