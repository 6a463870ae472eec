"""The DOCX writer: python-docx for paragraphs and tables, oxml.py for the raw XML under them."""
from .writer import WJ, DocxFonts, blank_text, keep_together, write_docx

__all__ = ["WJ", "DocxFonts", "blank_text", "keep_together", "write_docx"]
