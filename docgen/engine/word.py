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
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from .. import model as m
from ..errors import DataError, Setting, TemplateError, Worded
from .filters import FILTERS, to_fen
from ..library.folders import Template
from ..profile import AttrDict, Profile
from ..writers import atomic_write
from .pipeline import context
from .jinja import template_errors

SOFFICE_HINT = Worded("安装 LibreOffice：Debian/Ubuntu 上 apt-get install libreoffice-writer-nogui"
                      "（或 libreoffice-writer），其他系统从 libreoffice.org 安装，并确保 soffice 在 PATH 中；"
                      "也可以用 ", Setting("formats", "docx"), " 只生成 Word 文件")
# Default sizes of inserted pictures: a round office seal is 40–42 mm across; logos sit in a header line.
IMAGE_WIDTH = "30mm"
SEAL_WIDTH = "40mm"
LOGO_HEIGHT = "15mm"
_BR = '</w:t><w:br/><w:t xml:space="preserve">'
_FONTS_DIR = Path(__file__).resolve().parent.parent / "fonts"   # docgen/fonts: the bundled faces
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


def _default(value: Any, default: Any = "", boolean: bool = False) -> Any:
    """Word filter: Jinja's default(), where a field left empty (None) also takes the default."""
    if isinstance(value, Undefined) or value is None or (boolean and not value):
        return default
    return value


def word_env() -> ImmutableSandboxedEnvironment:
    """The sandboxed, autoescaping Jinja environment Word bodies run in."""
    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=True, finalize=_finalize)
    env.filters.update(FILTERS)
    env.filters["blank"] = _blank
    env.filters["box"] = _box
    env.filters["fen"] = to_fen
    env.filters["default"] = env.filters["d"] = _default
    # data numbers with a fraction arrive as exact Decimal (readers.py); `is float` still knows them
    env.tests["float"] = lambda v: isinstance(v, (float, Decimal))
    return env


# ---------------------------------------------------------------- reading the body as lines

_PREFIX = re.compile(r"([{][{%#])(?:p|tr|tc|r|ch)\s")
_TAG = re.compile(r"[{][{%#].*?[}%#][}]", re.S)
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
# docxtpl's own tags, as its patch_xml rewrites them before Jinja sees the XML
_LEVEL = {y: re.compile(r"(\{%%|\{\{)%s ([^}%%]*(?:%%\}|\}\}))|(\{#)%s ([^}#]*#\})" % (y, y)) for y in ("tr", "tc", "p")}
_CELL_ATTR = re.compile(r"\{%\s*(?:colspan|cellbg)\s+([^%]*?)\s*%\}")
_MERGE = re.compile(r"\{%\s*[vh]m\s*%\}")
_PROPS = (("author", "作者"), ("comments", "备注"), ("identifier", "标识"), ("language", "语言"),
          ("subject", "主题"), ("title", "标题"))   # the core properties docxtpl renders


def _tag_text(text: str) -> str:
    """Paragraph text as Jinja sees it after docxtpl's clean-up: tag prefixes dropped, curly quotes straight,
    {% colspan n %}/{% cellbg c %} as the expressions they become, {% vm %}/{% hm %} gone."""
    text = _CELL_ATTR.sub(r"{{ \1 }}", text)
    text = _MERGE.sub("", text)
    text = _PREFIX.sub(r"\1 ", text)
    return _TAG.sub(lambda mt: mt.group(0).translate(_QUOTES), text)


def _paragraphs(element, label: str) -> list[tuple[str, str]]:
    """(where, text) for each paragraph under element; a row, cell or paragraph holding a {%tr/tc/p %} tag
    is that tag alone, as docxtpl makes it (line numbers still count every paragraph)."""
    from docx.oxml.ns import qn

    paras = list(element.iter(qn("w:p")))
    texts = {p: "".join(t.text or "" for t in p.iter(qn("w:t")) if next(t.iterancestors(qn("w:p")), None) is p)
             for p in paras}
    reduced: dict = {}
    for level, tag in (("tr", "w:tr"), ("tc", "w:tc")):
        for el in element.iter(qn(tag)):
            # the row (cell) a tag is in is the innermost one: a nested table's tags belong to its own rows
            inner = [p for p in el.iter(qn("w:p")) if p not in reduced and next(p.iterancestors(qn(tag))) is el]
            mt = _LEVEL[level].search("".join(texts[p] for p in inner))
            if inner and mt:
                for p in inner:
                    reduced[p] = ""
                reduced[inner[0]] = _level_tag(mt)
    lines = []
    for i, p in enumerate(paras, 1):
        text = reduced.get(p, texts[p])
        if p not in reduced:
            mt = _LEVEL["p"].search(text)
            text = _level_tag(mt) if mt else text
        lines.append((f"{label}第 {i} 段", _tag_text(text)))
    return lines


def _level_tag(mt: re.Match) -> str:
    return (mt.group(1) + " " + mt.group(2)) if mt.group(1) else (mt.group(3) + " " + mt.group(4))


def body_lines(path: Path) -> list[tuple[str, str]]:
    """The Word file as (where, text) lines, everything docxtpl renders: one per paragraph of the body
    (table cells included), then headers, footers, footnotes and document properties.  Line N of the
    Jinja source built from these is item N."""
    from docx import Document

    try:
        d = Document(str(path))
    except Exception as e:  # python-docx raises zipfile/KeyError/lxml errors for non-Word files
        raise TemplateError(f"无法打开 Word 文件：{e}", file=str(path), expected="用 Word 或 WPS 保存的 .docx 文件") from None
    lines = _paragraphs(d.element.body, "正文")
    seen = set()
    for n, s in enumerate(d.sections, 1):
        for name, attr in (("页眉", "header"), ("首页页眉", "first_page_header"), ("偶数页页眉", "even_page_header"),
                           ("页脚", "footer"), ("首页页脚", "first_page_footer"), ("偶数页页脚", "even_page_footer")):
            hf = getattr(s, attr)
            if hf.is_linked_to_previous or id(hf.part) in seen:
                continue
            seen.add(id(hf.part))
            lines += _paragraphs(hf._element, f"第 {n} 节{name}")
    for part in d.part.package.parts:
        if part.content_type.endswith(".footnotes+xml"):
            from docx.oxml import parse_xml
            lines += _paragraphs(parse_xml(part.blob), "脚注")
    props = d.core_properties
    for attr, name in _PROPS:
        lines.append((f"文档属性「{name}」", _tag_text(" ".join((getattr(props, attr) or "").splitlines()))))
    return lines


def body_source(path: Path) -> str:
    """The Jinja source of a Word body, one line per paragraph (for lint and error locations)."""
    return "\n".join(text for _, text in body_lines(path))


_MARK = re.compile(r"[{][{%#]|[}%#][}]")
_ESCAPED = re.compile(r"\{_([{%])(.*?)([}%])_\}")
_ESCAPES = (("{_{", "{{"), ("}_}", "}}"), ("{_%", "{%"), ("%_}", "%}"))


def leftover_tags(template: Path, rendered: Path, values: dict) -> list[tuple[str, str]]:
    """Lines of a rendered Word file that still hold tag marks no tag, literal or data put there on
    purpose ({{ '{{' }}, docxtpl's {_{ … }_} escapes and data text are meant to be printed)."""
    from jinja2 import nodes

    lines = body_lines(template)
    source = "\n".join(text for _, text in lines)
    meant: set[str] = set()
    try:
        ast = word_env().parse(source)
        meant |= {str(c.value) for c in ast.find_all(nodes.Const) if isinstance(c.value, str) and _MARK.search(c.value)}
    except TemplateSyntaxError:
        pass
    meant |= {"{%s%s%s}" % mt.groups() for mt in _ESCAPED.finditer(source)}
    meant |= {mark for esc, mark in _ESCAPES if esc in source}

    def data(v):
        if isinstance(v, str) and _MARK.search(v):
            meant.add(v)
        elif isinstance(v, dict):
            for x in v.values():
                data(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                data(x)
    data(values)
    found = []
    for where, text in body_lines(rendered):
        rest = text
        for m in sorted(meant, key=len, reverse=True):
            rest = rest.replace(m, "")
        if _MARK.search(rest):
            found.append((where, text))
    return found


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
    """Raise TemplateError naming the paragraph of the first Jinja error in a Word body (syntax, unknown filter)."""
    try:
        word_env().compile(body_source(path))
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


def _pictures(f, rows: Any, image) -> Any:
    """A list field's value with its image entries (or image columns, at any depth) as pictures."""
    if not rows or not isinstance(rows, list):
        return rows
    if f.items == "image":
        return [image(v) if v else v for v in rows]
    if not any(s.type in ("image", "list") for s in f.fields):
        return rows
    out = []
    for item in rows:
        item = dict(item)
        for s in f.fields:
            if s.type == "image" and item.get(s.name):
                item[s.name] = image(item[s.name])
            elif s.type == "list":
                item[s.name] = _pictures(s, item.get(s.name), image)
        out.append(item)
    return out


def word_context(doc, tpl: Template, values: dict, profile: Profile, today: date | None = None) -> dict:
    """The names a Word body sees: like the markup body's, with pictures for image fields, org.logo and org.seal."""
    image = _image_fn(doc, tpl.folder)
    ctx = context(tpl, values, profile, today)
    for f in tpl.schema.fields:
        if f.type == "image" and ctx.get(f.name):
            ctx[f.name] = image(ctx[f.name])
        elif f.type == "list":
            ctx[f.name] = _pictures(f, ctx.get(f.name), image)
    org = AttrDict(profile.org)
    if org.get("logo"):
        org["logo"] = image(org["logo"], height=LOGO_HEIGHT)
    if org.get("seal"):
        org["seal"] = image(org["seal"], width=SEAL_WIDTH)
    ctx["org"] = org
    ctx["image"] = image
    return ctx


_ENTITY_IN_TAG = re.compile(r"(?<=\{[{%])(.*?)(?=[}%]\})", re.S)
_ENTITIES = (("&quot;", '"'), ("&apos;", "'"), ("&#39;", "'"), ("&amp;", "&"))


def _docx_template(path: Path):
    """A docxtpl template whose tags see '&' and quotes as typed: the XML escapes them, and with
    autoescaping a literal like default("A&B") would otherwise come out as 'A&amp;B'."""
    from docxtpl import DocxTemplate

    class WordTemplate(DocxTemplate):
        def patch_xml(self, src_xml):
            def unescape(mt):
                text = mt.group(0)
                for entity, char in _ENTITIES:
                    text = text.replace(entity, char)
                return text
            return _ENTITY_IN_TAG.sub(unescape, super().patch_xml(src_xml))

    return WordTemplate(str(path))


def render_docx(tpl: Template, values: dict, profile: Profile, out: Path, *, today: date | None = None,
                file: str | None = None, row: int | None = None) -> None:
    """Render the Word body with validated values and save it to out (not atomic: callers write a temp file)."""
    path = tpl.body_path
    try:
        doc = _docx_template(path)
        doc.init_docx()
    except Exception as e:
        raise TemplateError(f"无法打开 Word 文件：{e}", file=str(path), expected="用 Word 或 WPS 保存的 .docx 文件") from None
    props = {attr: getattr(doc.docx.core_properties, attr) or "" for attr, _ in _PROPS}
    with template_errors(path, file=file, row=row):
        ctx = word_context(doc, tpl, values, profile, today)
        try:
            doc.render(ctx, jinja_env=word_env(), autoescape=True)
        except TemplateSyntaxError as e:
            check_syntax(path)   # names the Word paragraph, where Jinja's line number (of XML) means nothing
            # docxtpl read the tags differently from body_lines: name the text it gives around the line
            near = [t.strip() for t in getattr(e, "docx_context", None) or [] if t.strip()]
            where = f"（附近的文字：「{' '.join(near)[:60]}」）" if near else ""
            raise TemplateError(f"模板语法错误：{e.message}{where}", file=str(path)) from None
        _render_properties(doc, props, ctx)
    doc.save(str(out))


def _render_properties(doc, props: dict[str, str], ctx: dict) -> None:
    """Fill tags in the document properties as plain text (docxtpl would XML-escape them: 'A &amp; B')."""
    env = word_env()
    env.autoescape = False
    env.finalize = lambda v: "" if v is None else v
    for attr, text in props.items():
        if "{" in text:
            setattr(doc.docx.core_properties, attr, env.from_string(_tag_text(text)).render(ctx))


def soffice() -> str | None:
    """The LibreOffice executable, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def require_soffice() -> str:
    """The LibreOffice executable, or a DataError naming the package to install."""
    exe = soffice()
    if not exe:
        raise DataError("Word 模板生成 PDF 需要 LibreOffice（soffice），本机没有找到", field="formats",
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
