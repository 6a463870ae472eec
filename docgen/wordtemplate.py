"""Word templates: a .docx with Jinja tags (docxtpl syntax) rendered with our data, filters and validation.

A template folder whose template.yaml says ``body: body.docx`` is rendered here instead of through
the markup pipeline.  Data is validated by the same schema; the body sees the same names (fields,
org.*, today, template) and filters (money, rmb_upper, cn_date …), runs in the same Jinja sandbox
with autoescaping (data text never becomes XML), and images are inserted for image fields,
org.logo and org.seal.  PDF output goes through LibreOffice (``soffice``).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from . import model as m
from .errors import DataError, TemplateError
from .formatting import FILTERS, to_fen
from .library import Template
from .profile import AttrDict, Profile
from .render import atomic_write, context, template_errors

SOFFICE_HINT = ("安装 LibreOffice：Debian/Ubuntu 上 apt-get install libreoffice-writer-nogui"
                "（或 libreoffice-writer），其他系统从 libreoffice.org 安装，并确保 soffice 在 PATH 中；"
                "也可以用 --format docx 只生成 Word 文件")
# Default sizes of inserted pictures: a round office seal is 40–42 mm across; logos sit in a header line.
IMAGE_WIDTH = "30mm"
SEAL_WIDTH = "40mm"
LOGO_HEIGHT = "15mm"
_BR = '</w:t><w:br/><w:t xml:space="preserve">'
_FONTS_DIR = Path(__file__).parent / "fonts"
_SONG_NAMES = ("宋体", "SimSun", "新宋体", "NSimSun", "仿宋", "FangSong", "仿宋_GB2312", "方正小标宋简体",
               "华文宋体", "STSong", "华文仿宋", "STFangsong")
_HEI_NAMES = ("黑体", "SimHei", "微软雅黑", "Microsoft YaHei", "等线", "DengXian", "华文黑体", "STHeiti")


def is_word_template(tpl: Template) -> bool:
    """Whether the template's body is a Word file."""
    return tpl.body_file.lower().endswith(".docx")


def _finalize(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and not isinstance(value, Markup) and "\n" in value:
        # a line break inside a Word run is a <w:br/>, not a newline character
        return Markup(str(escape(value)).replace("\n", _BR))
    return value


def _blank(value: Any = "", n: int = 6) -> str:
    """Word filter: the value, or a line of n full-width underscores to write on when empty."""
    text = "" if value is None else str(value)
    return text if text.strip() else "＿" * int(n)


def _box(value: Any) -> str:
    """Word filter: a ticked or empty check box character."""
    return "☑" if value else "☐"


def word_env() -> ImmutableSandboxedEnvironment:
    """The sandboxed, autoescaping Jinja environment Word bodies run in."""
    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=True, finalize=_finalize)
    env.filters.update(FILTERS)
    env.filters["blank"] = _blank
    env.filters["box"] = _box
    env.filters["fen"] = to_fen
    return env


# ---------------------------------------------------------------- reading the body as lines

_PREFIX = re.compile(r"([{][{%#])(?:p|tr|tc|r|ch)\s")
_TAG = re.compile(r"[{][{%#].*?[}%#][}]", re.S)
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


def _tag_text(text: str) -> str:
    """Paragraph text as Jinja sees it after docxtpl's clean-up: tag prefixes dropped, curly quotes straight."""
    text = _PREFIX.sub(r"\1 ", text)
    return _TAG.sub(lambda mt: mt.group(0).translate(_QUOTES), text)


def body_lines(path: Path) -> list[tuple[str, str]]:
    """The body as (where, text) lines: one per paragraph in document order (table cells included),
    then headers and footers.  Line N of the Jinja source built from these is paragraph N."""
    from docx import Document
    from docx.oxml.ns import qn

    try:
        d = Document(str(path))
    except Exception as e:  # python-docx raises zipfile/KeyError/lxml errors for non-Word files
        raise TemplateError(f"无法打开 Word 文件：{e}", file=str(path), expected="用 Word 或 WPS 保存的 .docx 文件") from None
    lines: list[tuple[str, str]] = []

    def add(element, label: str):
        for i, p in enumerate(element.iter(qn("w:p")), 1):
            text = "".join(t.text or "" for t in p.iter(qn("w:t"))
                           if next(t.iterancestors(qn("w:p")), None) is p)
            lines.append((f"{label}第 {i} 段", _tag_text(text)))

    add(d.element.body, "正文")
    for n, s in enumerate(d.sections, 1):
        for name, hf in (("页眉", s.header), ("页脚", s.footer)):
            if not hf.is_linked_to_previous:
                add(hf._element, f"第 {n} 节{name}")
    return lines


def body_source(path: Path) -> str:
    """The Jinja source of a Word body, one line per paragraph (for lint and error locations)."""
    return "\n".join(text for _, text in body_lines(path))


def _locate(path: Path, lineno: int | None) -> tuple[int | None, str]:
    """Paragraph number and a short snippet for a line of body_source."""
    if not lineno:
        return None, ""
    try:
        lines = body_lines(path)
    except TemplateError:
        return None, ""
    if 1 <= lineno <= len(lines):
        where, text = lines[lineno - 1]
        return lineno, f"（{where}：「{text.strip()[:40]}」）"
    return None, ""


def check_syntax(path: Path) -> None:
    """Raise TemplateError naming the paragraph of the first Jinja syntax error in a Word body."""
    try:
        word_env().parse(body_source(path))
    except TemplateSyntaxError as e:
        row, snippet = _locate(path, e.lineno)
        raise TemplateError(f"模板语法错误：{e.message}{snippet}", file=str(path), row=row) from None


# ---------------------------------------------------------------- rendering

def _length(value: Any) -> Any:
    from docx.shared import Pt
    return None if value in (None, "") else Pt(m.length_pt(value))


def _image_fn(doc, base_dir: Path):
    from docxtpl import InlineImage

    def image(src: Any, width: Any = None, height: Any = None) -> Any:
        """Template function: a picture from an image field or a file in the template folder."""
        if src in (None, ""):
            return ""
        if isinstance(src, InlineImage):
            src = src.image_descriptor
        p = Path(str(src)).expanduser()
        if not p.is_absolute():
            p = base_dir / p
        if not p.is_file():
            raise TemplateError(f"找不到图片文件 {p}", file=str(base_dir), expected="PNG 或 JPG 文件")
        if width is None and height is None:
            width = IMAGE_WIDTH
        return InlineImage(doc, str(p), width=_length(width), height=_length(height))
    return image


def word_context(doc, tpl: Template, values: dict, profile: Profile, today: date | None = None) -> dict:
    """The names a Word body sees: like the markup body's, with pictures for image fields, org.logo and org.seal."""
    image = _image_fn(doc, tpl.folder)
    ctx = context(tpl, values, profile, today)
    for f in tpl.schema.fields:
        if f.type == "image" and ctx.get(f.name):
            ctx[f.name] = image(ctx[f.name])
        elif f.type == "list" and any(s.type == "image" for s in f.fields):
            rows = []
            for item in ctx.get(f.name) or []:
                item = dict(item)
                for s in f.fields:
                    if s.type == "image" and item.get(s.name):
                        item[s.name] = image(item[s.name])
                rows.append(item)
            ctx[f.name] = rows
    org = AttrDict(profile.org)
    if org.get("logo"):
        org["logo"] = image(org["logo"], height=LOGO_HEIGHT)
    if org.get("seal"):
        org["seal"] = image(org["seal"], width=SEAL_WIDTH)
    ctx["org"] = org
    ctx["image"] = image
    return ctx


def render_docx(tpl: Template, values: dict, profile: Profile, out: Path, *, today: date | None = None,
                file: str | None = None, row: int | None = None) -> None:
    """Render the Word body with validated values and save it to out (not atomic: callers write a temp file)."""
    from docxtpl import DocxTemplate

    path = tpl.body_path
    try:
        doc = DocxTemplate(str(path))
        doc.init_docx()
    except Exception as e:
        raise TemplateError(f"无法打开 Word 文件：{e}", file=str(path), expected="用 Word 或 WPS 保存的 .docx 文件") from None
    try:
        with template_errors(path, file=file, row=row):
            doc.render(word_context(doc, tpl, values, profile, today), jinja_env=word_env(), autoescape=True)
    except TemplateError as e:
        if e.message.startswith("模板语法错误"):
            check_syntax(path)   # names the Word paragraph, where Jinja's line number means nothing
        raise
    doc.save(str(out))


def soffice() -> str | None:
    """The LibreOffice executable, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def require_soffice() -> str:
    """The LibreOffice executable, or a DataError naming the package to install."""
    exe = soffice()
    if not exe:
        raise DataError("Word 模板生成 PDF 需要 LibreOffice（soffice），本机没有找到", field="--format",
                        expected=SOFFICE_HINT)
    return exe


def soffice_env(tmp: Path) -> dict[str, str]:
    """Environment for soffice that adds the bundled fonts (a fresh machine may have no CJK font)."""
    env = dict(os.environ)
    if not any(_FONTS_DIR.glob("*.ttf")):
        return env
    conf = tmp / "fonts.conf"
    system = os.environ.get("FONTCONFIG_FILE", "/etc/fonts/fonts.conf")
    # Word files name Windows fonts (宋体, 黑体 …); where those are missing, use the bundled Song/Hei faces
    # rather than whatever CJK face happens to be installed.
    aliases = "".join(f"  <alias><family>{escape(name)}</family><accept><family>{family}</family></accept></alias>\n"
                      for names, family in ((_SONG_NAMES, "Noto Serif SC"), (_HEI_NAMES, "Noto Sans SC"))
                      for name in names)
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
                    f'  <include ignore_missing="yes">{escape(system)}</include>\n'
                    f"  <dir>{escape(str(_FONTS_DIR))}</dir>\n{aliases}</fontconfig>\n", encoding="utf-8")
    env["FONTCONFIG_FILE"] = str(conf)
    return env


def docx_to_pdf(docx: Path, pdf: Path, timeout: int = 180) -> None:
    """Convert a .docx to PDF with LibreOffice, writing pdf atomically."""
    with tempfile.TemporaryDirectory(prefix="docgen-soffice-") as tmpd:
        result, = docxs_to_pdfs([docx], Path(tmpd), timeout)
        atomic_write(pdf, lambda t: shutil.copyfile(result, t))


def docxs_to_pdfs(docxs: list[Path], work: Path, timeout: int = 180) -> list[Path]:
    """Convert .docx files to PDFs in work/out with one LibreOffice run (starting it takes seconds)."""
    exe = require_soffice()
    # A private profile per run: parallel conversions do not fight over one user installation.
    cmd = [exe, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
           "--nologo", "--convert-to", "pdf", "--outdir", str(work / "out"), *map(str, docxs)]
    what = str(docxs[0]) if len(docxs) == 1 else f"{len(docxs)} 个 Word 文件"
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 10 * len(docxs),
                              env=soffice_env(work))
    except subprocess.TimeoutExpired:
        raise DataError(f"LibreOffice 转换超过 {timeout + 10 * len(docxs)} 秒未完成", file=what) from None
    results = [work / "out" / (d.stem + ".pdf") for d in docxs]
    if proc.returncode != 0 or not all(r.is_file() for r in results):
        detail = (proc.stderr or proc.stdout or "").strip().splitlines()[-3:]
        raise DataError(f"LibreOffice 没能把 Word 文件转成 PDF：{' '.join(detail) or '无输出'}", file=what)
    return results


def write_word_outputs(tpl: Template, values: dict, profile: Profile, base: Path, formats: tuple[str, ...], *,
                       script: str = "hans", today: date | None = None, file: str | None = None,
                       row: int | None = None) -> list[Path]:
    """Render a Word template to base.docx and/or base.pdf atomically; returns the paths written."""
    from .script import convert_docx

    if "pdf" in formats:
        require_soffice()  # fail before any work, not after the DOCX is written
    written: list[Path] = []
    base.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="docgen-word-") as tmpd:
        tmp_docx = Path(tmpd) / (base.name + ".docx")
        render_docx(tpl, values, profile, tmp_docx, today=today, file=file, row=row)
        convert_docx(tmp_docx, script)
        if "docx" in formats:
            target = base.with_suffix(".docx")
            atomic_write(target, lambda t: shutil.copyfile(tmp_docx, t))
            written.append(target)
        if "pdf" in formats:
            target = base.with_suffix(".pdf")
            docx_to_pdf(tmp_docx, target)
            written.append(target)
    return written
