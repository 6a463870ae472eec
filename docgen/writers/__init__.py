"""The writers: one table from format name to writer, and the one way documents reach the disk (atomically)."""
from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Literal, Protocol, get_args

from .. import model as m
from ..errors import DataError, OutputError
from ..profile import Profile

if TYPE_CHECKING:
    from .docx import DocxFonts

# The PDF and DOCX writers (ReportLab, python-docx and lxml: a quarter of a second) are imported when a document is
# first drawn, not with this module: `docgen list`, a PDF-only run and each batch worker skip what they never use.

Format = Literal["pdf", "docx"]
FORMATS: tuple[Format, ...] = get_args(Format)


def output_dir(path: Path) -> Path:
    """Make sure an output folder exists; OutputError (not a traceback) when it cannot."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"无法创建输出文件夹：{e.strerror or e}", file=str(path),
                          expected="一个可以写入的文件夹（检查路径和权限）") from None
    return path


def atomic_write(path: Path, writer: Callable[[str], object]) -> None:
    """Write via a temporary file in the same folder, then rename: never a half-written file."""
    output_dir(path.parent)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as e:
        raise OutputError(f"无法在此写入文件：{e.strerror or e}", file=str(path),
                          expected="一个可以写入的文件夹（检查路径和权限）") from None
    os.close(fd)
    try:
        writer(tmp)
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError) and not isinstance(e, (FileNotFoundError, InterruptedError)):
            raise OutputError(f"写入失败：{e.strerror or e}", file=str(path),
                              expected="磁盘有空间、文件未被其他程序（如 Word、PDF 阅读器）占用") from None
        raise


def pdf_bytes(doc: m.Document, profile: Profile) -> tuple[bytes, int]:
    """The document as PDF bytes, with its page count."""
    from .pdf import write_pdf
    from .pdf.fonts import fontset
    buf = io.BytesIO()
    counts = write_pdf(doc, buf, fonts=fontset(profile.fonts))
    return buf.getvalue(), (counts[0] if counts else 1)


def docx_fonts(profile: Profile) -> DocxFonts | None:
    """The font names the profile's [docx] table writes into DOCX files (None: the defaults)."""
    from .docx import DocxFonts
    return DocxFonts(**profile.docx_fonts) if profile.docx_fonts else None


class Writer(Protocol):
    """Draws a document in one format: (doc, profile, page count if known) → (bytes, page count if known)."""

    def __call__(self, doc: m.Document, profile: Profile, pages: int | None) -> tuple[bytes, int | None]: ...


def _pdf(doc: m.Document, profile: Profile, pages: int | None) -> tuple[bytes, int | None]:
    return pdf_bytes(doc, profile)


def _docx(doc: m.Document, profile: Profile, pages: int | None) -> tuple[bytes, int | None]:
    from .docx import write_docx
    buf = io.BytesIO()
    write_docx(doc, buf, fonts=docx_fonts(profile), pages_hint=pages)
    return buf.getvalue(), pages


# Format name → writer, in the order they run: the PDF first, because its page count decides whether the DOCX
# prints 第 X 页 共 Y 页 (Word counts pages only when the file is opened).
WRITERS: dict[Format, Writer] = {"pdf": _pdf, "docx": _docx}


def document_bytes(doc: m.Document, formats: Iterable[str], profile: Profile) -> Iterator[tuple[Format, bytes]]:
    """The document in each format asked for, in the writers' order, each as soon as it is drawn."""
    wanted = set(formats)
    unknown = wanted - set(WRITERS)
    if unknown:
        raise DataError(f"未知格式「{'、'.join(sorted(unknown))}」", field="format", expected="pdf 或 docx")
    pages = None
    if "pdf" not in wanted and "docx" in wanted and doc.page.page_numbers == "auto":
        _, pages = pdf_bytes(doc, profile)
    for fmt, writer in WRITERS.items():
        if fmt in wanted:
            data, pages = writer(doc, profile, pages)
            yield fmt, data


def write_outputs(doc: m.Document, base: Path, formats: Iterable[str], profile: Profile) -> list[Path]:
    """Write the document in each format to base.<ext> atomically; returns the paths written."""
    written: list[Path] = []
    for fmt, data in document_bytes(doc, formats, profile):
        target = base.with_suffix("." + fmt)
        atomic_write(target, lambda tmp: Path(tmp).write_bytes(data))
        written.append(target)
    return written


def formats_for(out: Path | None, fmt: str | None) -> tuple[str, ...]:
    """Which formats to write, from fmt or the out suffix (default both)."""
    if fmt:
        if fmt == "both":
            return FORMATS
        if fmt not in FORMATS:
            raise DataError(f"未知格式「{fmt}」", field="fmt", expected="pdf、docx 或 both")
        return (fmt,)
    if out is not None and out.suffix.lower()[1:] in WRITERS:
        return (out.suffix.lower()[1:],)
    return FORMATS
