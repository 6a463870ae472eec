"""The PDF writer: ReportLab with docgen's fonts, Chinese line breaking and house style."""
from .document import table_widths, write_pdf
from .flowables import shape

__all__ = ["shape", "table_widths", "write_pdf"]
