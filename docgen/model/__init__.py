"""The document model: the nodes readers build and writers draw, one traversal, and the computed house style."""
from .nodes import (MM, PAGE_NUMBERS, SIZES, Blank, Block, Cell, Checkbox, Columns, CutLine, Document, Frame, Heading,
                    Image, Inline, KeepTogether, LineBreak, ListBlock, PageBreak, PageNumbers, PageSetup, Paragraph,
                    QRCode, Signature, Spacer, Table, Text, length_pt, size_pt)

__all__ = ["MM", "PAGE_NUMBERS", "SIZES", "Blank", "Block", "Cell", "Checkbox", "Columns", "CutLine", "Document",
           "Frame", "Heading", "Image", "Inline", "KeepTogether", "LineBreak", "ListBlock", "PageBreak", "PageNumbers",
           "PageSetup", "Paragraph", "QRCode", "Signature", "Spacer", "Table", "Text", "length_pt", "size_pt"]
