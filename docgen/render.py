"""The pipeline: validated data + template → markup (sandboxed Jinja) → document model → files."""
from __future__ import annotations

import io
from contextlib import contextmanager
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import (FileSystemLoader, StrictUndefined, TemplateNotFound, TemplateRuntimeError, TemplateSyntaxError,
                    UndefinedError)
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from . import model as m
from .errors import DataError, DocgenError, OutputError, TemplateError
from .formatting import FILTERS, to_fen
from .library import Template, search_path
from .markup import Resources, Safe, escape, inline_text, parse
from .profile import Profile
from .writers.docx import DocxFonts, write_docx
from .writers.pdf import write_pdf
from .typography import fontset

FORMATS = ("pdf", "docx")


def _finalize(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Safe):
        return value
    return escape(value if isinstance(value, str) else str(value))


def _blank(value: Any = "", n: int = 6) -> Safe:
    """Jinja filter: the value underlined as a fill-in blank at least n characters wide."""
    text = "" if value is None else str(value)
    return Safe(f":blank[{escape(text)}]{{n={int(n)}}}")


def _box(value: Any) -> Safe:
    """Jinja filter: a ticked or empty check box."""
    return Safe(":box[x]" if value else ":box")


def make_env(roots: tuple[Path, ...] | None = None) -> ImmutableSandboxedEnvironment:
    """The sandboxed Jinja environment templates run in (data is escaped, never executed)."""
    # {% include "other-template/body.md" %} or "_partials/x.md" resolves over the template roots,
    # highest priority first, so a user's override is what gets included.
    if roots is None:
        roots = tuple(root for _, root in reversed(search_path()) if root.is_dir())
    env = ImmutableSandboxedEnvironment(loader=FileSystemLoader([str(r) for r in roots]), finalize=_finalize,
                                        undefined=StrictUndefined, trim_blocks=True,
                                        lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)
    env.filters.update(FILTERS)
    env.filters["blank"] = _blank
    env.filters["box"] = _box
    # Amounts computed in a template (area × rate × months) are rounded per line, so a total is the sum
    # of the lines as shown.
    env.filters["fen"] = to_fen
    return env


_ENVS: dict[tuple[Path, ...] | None, ImmutableSandboxedEnvironment] = {}
_COMPILED: dict[tuple, Any] = {}


def _env(roots: tuple[Path, ...] | None) -> ImmutableSandboxedEnvironment:
    if roots not in _ENVS:
        _ENVS[roots] = make_env(roots)
    return _ENVS[roots]


def _compiled(tpl: Template):
    path = tpl.body_path
    roots = tpl.roots or None
    key = (str(path), path.stat().st_mtime, roots)
    if key not in _COMPILED:
        try:
            _COMPILED[key] = _env(roots).from_string(tpl.body())
        except TemplateSyntaxError as e:
            raise TemplateError(f"模板语法错误：{e.message}", file=str(path), row=e.lineno) from None
    return _COMPILED[key]


def context(tpl: Template, values: dict, profile: Profile, today: date | None = None) -> dict:
    """The names a template body sees: its fields, org.*, today and template."""
    ctx = dict(values)
    ctx["org"] = profile.org
    ctx["today"] = today or date.today()
    ctx["template"] = {"id": tpl.id, "title": tpl.title, "category": tpl.category}
    return ctx


def build_document(tpl: Template, data: dict, profile: Profile, *, file: str | None = None,
                   row: int | None = None, validated: bool = False, today: date | None = None,
                   blank: bool = False) -> m.Document:
    """Validate data, run the body through the sandbox and parse the markup into a Document.

    blank: a pad to fill in by hand; it never carries the seal image (a sealed blank form could be
    filled in by anyone), its seal places print （盖章）."""
    values = data if validated else tpl.schema.validate(data, file=file, row=row, base_dir=Path.cwd(),
                                                        blank=blank)
    text = render_markup(tpl, values, profile, today=today, file=file, row=row)
    blocks = parse(text, Resources(base_dir=tpl.folder, seal=None if blank else profile.seal,
                                   source=str(tpl.body_path)))
    title = tpl.title
    for b in blocks:
        if isinstance(b, m.Heading) and b.level == 1:
            title = inline_text(b.inlines)
            break
    return m.Document(blocks=blocks, page=tpl.page, title=title, author=profile.org.get("name", ""))


def render_markup(tpl: Template, values: dict, profile: Profile, *, today: date | None = None,
                  file: str | None = None, row: int | None = None) -> str:
    """The body after Jinja: markup text."""
    with template_errors(tpl.body_path, file=file, row=row):
        return _compiled(tpl).render(context(tpl, values, profile, today))


@contextmanager
def template_errors(path: Path, *, file: str | None = None, row: int | None = None):
    """Turn what Jinja raises while filling a body into errors naming the template or the data record."""
    try:
        yield
    except UndefinedError as e:
        raise TemplateError(f"模板引用了未定义的名称：{e.message}", file=str(path),
                            expected="template.yaml 中声明的字段，或 org.*、today、template") from None
    except TemplateNotFound as e:
        raise TemplateError(f"include 的文件不存在：{e.name}", file=str(path),
                            expected="相对模板根目录的路径，如 move-in-notice/body.md 或 _partials/x.md") from None
    except TemplateSyntaxError as e:
        raise TemplateError(f"模板语法错误：{e.message}", file=e.filename or str(path), row=e.lineno) from None
    except SecurityError as e:
        raise TemplateError(f"模板做了不允许的操作：{e}", file=str(path)) from None
    except TemplateRuntimeError as e:
        raise TemplateError(f"模板运行出错：{e}", file=str(path)) from None
    except DocgenError as e:
        if file and not e.file:
            e.file, e.row = file, row
            e.args = (e.describe(),)
        raise
    except (ValueError, TypeError, ArithmeticError) as e:
        raise DataError(f"填充模板时出错：{e}", file=file, row=row) from None


def output_dir(path: Path) -> Path:
    """Make sure an output folder exists; OutputError (not a traceback) when it cannot."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"无法创建输出文件夹：{e.strerror or e}", file=str(path),
                          expected="一个可以写入的文件夹（检查路径和权限）") from None
    return path


def atomic_write(path: Path, writer) -> None:
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
    buf = io.BytesIO()
    counts = write_pdf(doc, buf, fonts=fontset(profile.fonts))
    return buf.getvalue(), (counts[0] if counts else 1)


def write_outputs(doc: m.Document, base: Path, formats: tuple[str, ...], profile: Profile) -> list[Path]:
    """Write the document in each format to base.<ext> atomically; returns the paths written."""
    written: list[Path] = []
    pages = None
    if "pdf" in formats or doc.page.page_numbers == "auto":
        data, pages = pdf_bytes(doc, profile)
        if "pdf" in formats:
            target = base.with_suffix(".pdf")
            atomic_write(target, lambda tmp: Path(tmp).write_bytes(data))
            written.append(target)
    if "docx" in formats:
        target = base.with_suffix(".docx")
        fonts = DocxFonts(**profile.docx_fonts) if profile.docx_fonts else None
        atomic_write(target, lambda tmp: write_docx(doc, tmp, fonts=fonts, pages_hint=pages))
        written.append(target)
    return written


def formats_for(out: Path | None, fmt: str | None) -> tuple[str, ...]:
    """Which formats to write, from --format or the --out suffix (default both)."""
    if fmt:
        if fmt == "both":
            return FORMATS
        if fmt not in FORMATS:
            raise DataError(f"未知格式「{fmt}」", field="--format", expected="pdf、docx 或 both")
        return (fmt,)
    if out is not None and out.suffix.lower() in (".pdf", ".docx"):
        return (out.suffix.lower()[1:],)
    return FORMATS
