"""The document model: the nodes readers build and writers draw, one traversal, and the computed house style."""
from .nodes import (MM, SIZES, Blank, Block, Cell, Checkbox, Columns, CutLine, Document, Frame, Heading, Image,
                    Inline, KeepTogether, LineBreak, ListBlock, PageBreak, PageSetup, Paragraph, QRCode, Signature,
                    Spacer, Table, Text, length_pt, size_pt)

__all__ = ["MM", "SIZES", "Blank", "Block", "Cell", "Checkbox", "Columns", "CutLine", "Document", "Frame", "Heading",
           "Image", "Inline", "KeepTogether", "LineBreak", "ListBlock", "PageBreak", "PageSetup", "Paragraph",
           "QRCode", "Signature", "Spacer", "Table", "Text", "length_pt", "size_pt"]
