"""The document model: plain dataclasses every reader produces and every writer draws."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

# Named Chinese type sizes (pt).
SIZES = {
    "初号": 42, "小初": 36, "一号": 26, "小一": 24, "二号": 22, "小二": 18,
    "三号": 16, "小三": 15, "四号": 14, "小四": 12, "五号": 10.5, "小五": 9,
    "六号": 7.5, "小六": 6.5, "七号": 5.5, "八号": 5,
}


def size_pt(value: str | float | int | None, default: float | None = None) -> float | None:
    """A size as points: a Chinese size name (三号), '12pt' or a number."""
    if value is None or value == "":
        return default
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if text in SIZES:
        return float(SIZES[text])
    try:
        return float(text.removesuffix("pt"))
    except ValueError:
        raise ValueError(f"未知字号「{value}」（应为 三号、小四 等字号名或磅值，如 12pt）") from None


MM = 72 / 25.4  # points per millimetre


def length_pt(value: str | float | int | None, default: float = 0.0) -> float:
    """A length as points: '20mm', '2cm', '12pt' or a bare number of points."""
    if value is None or value == "":
        return default
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    for unit, factor in (("mm", MM), ("cm", 10 * MM), ("pt", 1.0), ("in", 72.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


# ---------------------------------------------------------------- inlines

@dataclass
class Text:
    """A run of text with simple emphasis; nobreak keeps the whole run on one line (（10分）, ＿＿＿＿)."""
    text: str
    bold: bool = False
    underline: bool = False
    nobreak: bool = False


@dataclass
class Blank:
    """A fill-in line: underlined text (or empty underline) at least `chars` characters wide."""
    chars: int = 6
    text: str = ""
    bold: bool = False


@dataclass
class Checkbox:
    """A tick box, checked or not."""
    checked: bool = False


@dataclass
class LineBreak:
    """A forced line break inside a paragraph."""


Inline = Text | Blank | Checkbox | LineBreak


# ---------------------------------------------------------------- blocks

@dataclass
class Paragraph:
    """A paragraph of inlines. indent is the first-line indent in characters."""
    inlines: list[Inline]
    align: str = "justify"          # justify | left | center | right
    indent: float = 2.0
    size: float | None = None       # None: the document's body size
    bold: bool = False
    hei: bool = False               # draw in the Hei (title) face
    space_before: float = 0.0       # points
    space_after: float = 0.0
    right_indent: float = 0.0       # characters kept free at the right edge
    keep_with_next: bool = False


@dataclass
class Heading:
    """A heading; level 1 is the document title (centred, 二号 Hei)."""
    level: int
    inlines: list[Inline]
    align: str | None = None
    size: float | None = None


@dataclass
class ListBlock:
    """A numbered or bulleted list of paragraphs."""
    items: list[list[Inline]]
    ordered: bool = False
    start: int = 1


@dataclass
class Cell:
    """A table cell; spans are counted in grid columns/rows."""
    inlines: list[Inline]
    colspan: int = 1
    rowspan: int = 1
    align: str | None = None        # None: the table's alignment
    bold: bool = False
    merged: bool = False            # covered by a neighbour's span: drawn by that neighbour
    height: float | None = None     # minimum height of the cell's row in points (a signature or writing cell)
    valign: str = "middle"          # middle | top (writing room below a printed instruction)
    image: Path | None = None       # a picture instead of text (the office seal in a party's block)
    image_size: float = 0.0         # its width and height in points


@dataclass
class Table:
    """A grid table; rows hold one Cell per grid column (merged cells marked)."""
    rows: list[list[Cell]]
    widths: list[float]             # relative column widths
    header_rows: int = 0
    border: bool = True
    align: str = "center"           # default cell alignment
    size: float | None = None
    row_height: float | None = None # minimum row height in points
    keep_together: bool = False


@dataclass
class Signature:
    """Right-aligned organisation and date lines; the seal overlaps them when configured."""
    lines: list[list[Inline]]
    seal: Path | None = None
    right_chars: float = 4.0        # distance of the date line from the right margin, in characters


@dataclass
class Image:
    """A picture from a file."""
    path: Path
    width: float                    # points
    height: float | None = None
    align: str = "center"


@dataclass
class QRCode:
    """A QR code drawn as vector modules."""
    data: str
    size: float                     # points
    align: str = "center"
    caption: str = ""


@dataclass
class CutLine:
    """A dashed cut line across the text block with a label (e.g. 沿此线剪开)."""
    label: str = "沿此线剪开"


@dataclass
class PageBreak:
    """Start a new page."""


@dataclass
class Spacer:
    """Vertical space."""
    height: float


@dataclass
class Columns:
    """Short items laid out n to a line (e.g. exam options).

    hanging: each item's first run is its label ("A. "); wrapped lines start under the text, not the label."""
    items: list[list[Inline]]
    n: int = 2
    indent: float = 2.0
    hanging: bool = False

    def labels(self) -> list[str]:
        """The items' labels, stripped ("A."), when hanging."""
        if not self.hanging:
            return []
        return [i[0].text.strip() if i and isinstance(i[0], Text) else "" for i in self.items]

    def label_chars(self) -> float:
        """Width of the label slot in characters (Latin counts half), with half a character to the text."""
        labels = self.labels()
        if not labels:
            return 0.0
        return max(sum(0.5 if ord(c) < 0x2e80 else 1.0 for c in lab) for lab in labels) + 0.5


@dataclass
class Frame:
    """A bordered box around blocks (permits, cards)."""
    blocks: list["Block"]
    padding: float = 10.0
    border_width: float = 1.0
    double: bool = False


@dataclass
class KeepTogether:
    """Blocks that must stay on one page."""
    blocks: list["Block"]


Block = (Paragraph | Heading | ListBlock | Table | Signature | Image | QRCode | CutLine
         | PageBreak | Spacer | Columns | Frame | KeepTogether)


PageNumbers = Literal["auto", "always", "never"]
PAGE_NUMBERS: tuple[PageNumbers, ...] = get_args(PageNumbers)


@dataclass
class PageSetup:
    """A4 page with GB/T 9704 house-style margins by default (points)."""
    width: float = 210 * MM
    height: float = 297 * MM
    top: float = 37 * MM
    bottom: float = 35 * MM
    left: float = 28 * MM
    right: float = 26 * MM
    body_size: float = 16.0         # 三号
    line_spacing: float = 1.5       # multiple of the font size (≈28.9 pt at 三号: 22 lines)
    page_numbers: PageNumbers = "auto"   # auto (only multi-page) | always | never
    landscape: bool = False
    # A 密封线 (seal line) in the left margin of every page, with these fill-in labels beside it.
    seal_line: bool = False
    seal_labels: tuple[str, ...] = ("姓名", "部门", "工号")


@dataclass
class Document:
    """One rendered document: page setup, blocks and metadata."""
    blocks: list[Block]
    page: PageSetup = field(default_factory=PageSetup)
    title: str = ""
    author: str = ""
