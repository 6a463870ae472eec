"""The body markup: Markdown-like text with ::: directives, parsed into the document model.

Block syntax (one construct per line group, blank lines separate paragraphs):
  # 标题 / ## 一、小标题 / ### …        headings (level 1 = document title)
  plain lines                           a paragraph (lines are joined)
  - item / 1. item                      lists
  ::: name key=value …  … :::           containers: table, signature, columns, frame, keep
  ::: pagebreak | cutline 标签 | spacer 8mm | qr DATA | image PATH   (no closing line)
  trailing {.center .right .left .noindent .bold .hei .keep size=小四 indent=0 before=6 after=6}
Inline syntax:
  **bold**   :u[underlined value]   :blank{n=8}   :blank[value]{n=8}   :box   :box[x]   :br
  \\X is a literal X for any ASCII punctuation X (data inserted by templates is escaped this way).
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from functools import lru_cache
from typing import overload
from pathlib import Path

from .. import model as m
from ..errors import TemplateError

ESCAPABLE = re.compile(r"([!-/:-@\[-`{-~])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def escape(text: str) -> str:
    """Escape data text so the parser prints it literally (no markup, no control characters)."""
    text = _CONTROL.sub("", str(text)).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = ESCAPABLE.sub(r"\\\1", text)
    return text.replace("\n", ":br ")


class Safe(str):
    """Text that is already markup: the template sandbox does not escape it."""


@dataclass
class Resources:
    """What the parser needs from outside the text: where files are and the configured seal."""
    base_dir: Path = Path(".")
    seal: Path | None = None
    source: str = "body"


# ---------------------------------------------------------------- inline

_INLINE_DIRECTIVE = re.compile(r":(blank|u|box|br|b)(?=[\[{\s]|$|[^A-Za-z])")


def _find_close(text: str, i: int, open_ch: str, close_ch: str) -> int:
    """Index of the bracket closing the one at i, honouring escapes; -1 if none."""
    depth = 0
    j = i
    while j < len(text):
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == open_ch:
            depth += 1
        elif c == close_ch:
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return -1


def _unescape(text: str) -> str:
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


def parse_attrs(text: str) -> tuple[set[str], dict[str, str]]:
    """Parse '.center .bold size=小四 n=8' into classes and key/values."""
    classes, kv = _attrs(text)
    return set(classes), dict(kv)


@lru_cache(maxsize=1024)
def _attrs(text: str) -> tuple[frozenset[str], tuple[tuple[str, str], ...]]:
    # Batches repeat the same few attribute strings ({.right}) thousands of times; shlex is slow.
    classes: set[str] = set()
    kv: dict[str, str] = {}
    parts = text.split()
    if '"' in text or "'" in text or "\\" in text:     # quotes, or data escaped with backslashes
        try:
            parts = shlex.split(text)
        except ValueError:
            pass
    for part in parts:
        if part.startswith("."):
            classes.add(part[1:])
        elif "=" in part:
            k, v = part.split("=", 1)
            kv[k.strip()] = v.strip()
        elif part:
            classes.add(part)
    return frozenset(classes), tuple(kv.items())


def parse_inlines(text: str, bold: bool = False) -> list[m.Inline]:
    """Parse inline markup into runs."""
    out: list[m.Inline] = []
    buf: list[str] = []

    def flush():
        if buf:
            s = "".join(buf)
            if out and isinstance(out[-1], m.Text) and out[-1].bold == bold and not out[-1].underline:
                out[-1].text += s
            else:
                out.append(m.Text(s, bold=bold))
            buf.clear()

    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and ESCAPABLE.match(text[i + 1]):
            buf.append(text[i + 1])
            i += 2
            continue
        if text.startswith("**", i):
            end = i + 2
            while True:
                end = text.find("**", end)
                if end == -1 or text[end - 1] != "\\":
                    break
                end += 2
            if end != -1:
                flush()
                out.extend(parse_inlines(text[i + 2:end], bold=True))
                i = end + 2
                continue
        if c == ":":
            mt = _INLINE_DIRECTIVE.match(text, i)
            if mt:
                name = mt.group(1)
                j = mt.end()
                content = None
                attrs = ""
                if j < n and text[j] == "[":
                    k = _find_close(text, j, "[", "]")
                    if k != -1:
                        content, j = text[j + 1:k], k + 1
                if j < n and text[j] == "{":
                    k = _find_close(text, j, "{", "}")
                    if k != -1:
                        attrs, j = text[j + 1:k], k + 1
                flush()
                _, kv = parse_attrs(attrs)
                if name == "br":
                    out.append(m.LineBreak())
                    if j < n and text[j] == " ":
                        j += 1
                elif name == "box":
                    out.append(m.Checkbox(checked=bool(content and _unescape(content).strip())))
                elif name == "b":
                    out.extend(parse_inlines(content or "", bold=True))
                else:
                    value = _unescape(content or "")
                    chars = int(kv.get("n", 0) or 0)
                    if name == "u" and not chars:
                        chars = 0
                    out.append(m.Blank(chars=chars or (6 if name == "blank" else 0), text=value, bold=bold))
                i = j
                continue
        buf.append(c)
        i += 1
    flush()
    return out


# ---------------------------------------------------------------- blocks

_ATTR_TAIL = re.compile(r"\s*(?<!\\)\{([.\w][^{}]*)\}\s*$")
_HEADING = re.compile(r"^(#{1,4})\s+(.*)$")
_ORDERED = re.compile(r"^(\d+)[.、]\s+(.*)$")
_BULLET = re.compile(r"^[-*]\s+(.*)$")
_DIRECTIVE = re.compile(r"^:::\s*([a-z]+)\s*(.*)$")
_VOID = {"pagebreak", "cutline", "spacer", "qr", "image"}
_CONTAINERS = {"table", "signature", "columns", "frame", "keep"}
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]")


def _split_attrs(line: str) -> tuple[str, set[str], dict[str, str]]:
    mt = _ATTR_TAIL.search(line)
    if not mt:
        return line, set(), {}
    classes, kv = parse_attrs(mt.group(1))
    return line[:mt.start()], classes, kv


def _join_lines(lines: list[str]) -> str:
    out = ""
    for line in lines:
        line = line.strip()
        if not out:
            out = line
        elif out.endswith("\\") and not out.endswith("\\\\"):
            out = out[:-1] + ":br " + line
        elif _CJK.match(out[-1:]) or _CJK.match(line[:1]):
            out += line
        else:
            out += " " + line
    return out


_ALIGNS = ("center", "right", "left", "justify")


@overload
def _align_of(classes: set[str], default: str) -> str: ...
@overload
def _align_of(classes: set[str], default: None) -> str | None: ...


def _align_of(classes: set[str], default: str | None) -> str | None:
    for a in _ALIGNS:
        if a in classes:
            return a
    return default


def _paragraph(text: str, classes: set[str], kv: dict[str, str], where: str) -> m.Paragraph:
    try:
        size = m.size_pt(kv.get("size"))
        before = m.length_pt(kv.get("before"), 0.0)
        after = m.length_pt(kv.get("after"), 0.0)
        indent = float(kv["indent"]) if "indent" in kv else (0.0 if "noindent" in classes else 2.0)
        right = float(kv.get("rindent", 0))
    except ValueError as e:
        raise TemplateError(str(e), file=where) from None
    align = _align_of(classes, "justify")
    if align in ("center", "right") and "indent" not in kv:
        indent = 0.0
    return m.Paragraph(parse_inlines(text, bold="bold" in classes), align=align, indent=indent,
                       size=size, bold="bold" in classes, hei="hei" in classes,
                       space_before=before, space_after=after, right_indent=right,
                       keep_with_next="keep" in classes)


def _split_cells(line: str) -> list[str]:
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    cells, cur, i = [], [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            cur.append(body[i:i + 2])
            i += 2
            continue
        if c == "|":
            cells.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    cells.append("".join(cur))
    return [c.strip() for c in cells]


SEAL_SIZE = 42 * m.MM
SEAL_PLACEHOLDER = "（盖章）"


def _table(lines: list[tuple[int, str]], kv: dict[str, str], classes: set[str], where: str,
           seal: Path | None = None) -> m.Table:
    grid: list[list[m.Cell]] = []
    for lineno, line in lines:
        if not line.strip():
            continue
        if re.fullmatch(r"\s*\|?[\s|:\-]+\|?\s*", line) and "-" in line:
            continue  # a Markdown header separator row
        if not line.strip().startswith("|"):
            raise TemplateError(f"表格行应以 | 开头：{line.strip()[:30]}", file=where, row=lineno)
        row = []
        for raw in _split_cells(line):
            text, cclasses, ckv = _split_attrs(raw)
            try:
                height = m.length_pt(ckv["h"]) if ckv.get("h") else None
            except ValueError:
                raise TemplateError(f"单元格高度 h={ckv['h']} 不是长度", file=where, row=lineno,
                                    expected="如 h=12mm") from None
            cell = m.Cell(parse_inlines(text.strip(), bold="bold" in cclasses),
                          align=_align_of(cclasses, None), bold="bold" in cclasses, height=height,
                          valign="top" if "top" in cclasses else "middle")
            if "seal" in cclasses:
                # The office's place to seal a party block: its seal image when one is configured,
                # else （盖章） where the stamp goes; either way room for a 42 mm seal.
                cell.height = max(cell.height or 0.0, SEAL_SIZE + 8)
                if seal is not None:
                    cell.inlines, cell.image, cell.image_size = [], seal, SEAL_SIZE
                elif not cell.inlines:
                    cell.inlines = [m.Text(SEAL_PLACEHOLDER)]
            row.append(cell)
            row[-1]._marker = raw  # type: ignore[attr-defined]
        grid.append(row)
    if not grid:
        raise TemplateError("表格没有任何行", file=where, row=lines[0][0] if lines else None)
    ncols = max(len(r) for r in grid)
    for r in grid:
        while len(r) < ncols:
            r.append(m.Cell([]))
    # Resolve spans: '<' merges into the cell on the left, '^' into the cell above.
    owner: list[list[tuple[int, int]]] = []
    for ri, row in enumerate(grid):
        owner.append([])
        for ci, cell in enumerate(row):
            marker = getattr(cell, "_marker", "").strip()
            if marker == "<" and ci > 0:
                owner[ri].append(owner[ri][ci - 1])
            elif marker == "^" and ri > 0:
                owner[ri].append(owner[ri - 1][ci])
            else:
                owner[ri].append((ri, ci))
    for ri, row in enumerate(grid):
        for ci, cell in enumerate(row):
            if hasattr(cell, "_marker"):
                del cell._marker
            ori, oci = owner[ri][ci]
            if (ori, oci) != (ri, ci):
                cell.merged, cell.inlines = True, []
                head = grid[ori][oci]
                head.colspan = max(head.colspan, ci - oci + 1)
                head.rowspan = max(head.rowspan, ri - ori + 1)
    try:
        widths = [float(w) for w in kv["widths"].split(",")] if "widths" in kv else [1.0] * ncols
    except ValueError:
        raise TemplateError(f"widths={kv['widths']} 不是数字列表", file=where, expected="如 widths=2,3,1") from None
    if len(widths) != ncols:
        raise TemplateError(f"widths 给了 {len(widths)} 列，表格有 {ncols} 列", file=where,
                            row=lines[0][0] if lines else None)
    try:
        return m.Table(grid, widths, header_rows=int(kv.get("header", 0)),
                       border=kv.get("border", "yes") not in ("no", "none", "0"),
                       align=kv.get("align", "center"), size=m.size_pt(kv.get("size")),
                       row_height=m.length_pt(kv.get("height"), 0.0) or None,
                       keep_together="keep" in classes)
    except ValueError as e:
        raise TemplateError(str(e), file=where) from None


@dataclass
class _Open:
    name: str
    args: str
    line: int
    lines: list[tuple[int, str]] = field(default_factory=list)
    blocks: list = field(default_factory=list)


def parse(text: str, res: Resources | None = None) -> list[m.Block]:
    """Parse markup text into model blocks."""
    res = res or Resources()
    root = _Open("root", "", 0)
    stack: list[_Open] = [root]
    para: list[str] = []
    para_line = 0
    list_items: list[str] = []
    list_ordered = False
    list_start = 1

    def where_for(lineno: int) -> str:
        return f"{res.source}:{lineno}"

    def flush_para():
        nonlocal para
        if para:
            joined = _join_lines(para)
            body, classes, kv = _split_attrs(joined)
            stack[-1].blocks.append(_paragraph(body, classes, kv, where_for(para_line)))
            para = []

    def flush_list():
        nonlocal list_items
        if list_items:
            stack[-1].blocks.append(m.ListBlock([parse_inlines(t) for t in list_items],
                                                ordered=list_ordered, start=list_start))
            list_items = []

    lines = text.splitlines()
    for idx, raw in enumerate(lines, 1):
        line = raw.rstrip()
        top = stack[-1]
        if top.name in ("table", "signature", "columns") and not line.strip().startswith(":::"):
            top.lines.append((idx, line))
            continue
        stripped = line.strip()
        dm = _DIRECTIVE.match(stripped)
        if stripped == ":::" or dm:
            flush_para()
            flush_list()
            if stripped == ":::":
                if len(stack) == 1:
                    raise TemplateError("多余的 ::: 结束行（没有打开的块）", file=res.source, row=idx)
                done = stack.pop()
                stack[-1].blocks.extend(_close(done, res))
                continue
            assert dm is not None
            name, args = dm.group(1), dm.group(2)
            if name in _VOID:
                stack[-1].blocks.append(_void(name, args, res, idx))
            elif name in _CONTAINERS:
                stack.append(_Open(name, args, idx))
            else:
                raise TemplateError(f"未知的块指令「{name}」", file=res.source, row=idx,
                                    expected="、".join(sorted(_VOID | _CONTAINERS)))
            continue
        if not stripped:
            flush_para()
            flush_list()
            continue
        hm = _HEADING.match(stripped)
        if hm and not para:
            flush_list()
            body, classes, kv = _split_attrs(hm.group(2))
            try:
                size = m.size_pt(kv.get("size"))
            except ValueError as e:
                raise TemplateError(str(e), file=res.source, row=idx) from None
            stack[-1].blocks.append(m.Heading(len(hm.group(1)), parse_inlines(body),
                                              align=_align_of(classes, None), size=size))
            continue
        om = _ORDERED.match(stripped)
        bm = _BULLET.match(stripped)
        if (om or bm) and not para:
            if list_items and list_ordered != bool(om):
                flush_list()
            if not list_items:
                list_ordered = bool(om)
                list_start = int(om.group(1)) if om else 1
            list_items.append(om.group(2) if om else bm.group(1) if bm else "")
            continue
        if list_items and raw.startswith((" ", "\t")):
            list_items[-1] = _join_lines([list_items[-1], stripped])
            continue
        flush_list()
        if not para:
            para_line = idx
        para.append(stripped)
    flush_para()
    flush_list()
    if len(stack) > 1:
        raise TemplateError(f"块「::: {stack[-1].name}」没有结束行 :::", file=res.source, row=stack[-1].line)
    return root.blocks


def _void(name: str, args: str, res: Resources, lineno: int) -> m.Block:
    body, classes, kv = _split_attrs(args)
    where = f"{res.source}:{lineno}"
    try:
        if name == "pagebreak":
            return m.PageBreak()
        if name == "cutline":
            return m.CutLine(_unescape(body.strip()) or "沿此线剪开")
        if name == "spacer":
            return m.Spacer(m.length_pt(body.strip() or kv.get("h"), 12.0))
        if name == "qr":
            return m.QRCode(_unescape(body.strip()), m.length_pt(kv.get("size"), 30 * m.MM),
                            align=_align_of(classes, "center"), caption=kv.get("caption", ""))
        if name == "image":
            path = Path(_unescape(body.strip()))
            if not path.is_absolute():
                path = res.base_dir / path
            if not path.is_file():
                raise TemplateError(f"找不到图片文件 {path}", file=res.source, row=lineno)
            return m.Image(path, m.length_pt(kv.get("width"), 40 * m.MM),
                           m.length_pt(kv.get("height"), 0.0) or None, align=_align_of(classes, "center"))
    except ValueError as e:
        raise TemplateError(str(e), file=where) from None
    raise AssertionError(name)


def _close(block: _Open, res: Resources) -> list[m.Block]:
    classes, kv = parse_attrs(block.args)
    where = f"{res.source}:{block.line}"
    if block.name == "table":
        return [_table(block.lines, kv, classes, where, res.seal)]
    if block.name == "signature":
        lines = [parse_inlines(_split_attrs(t)[0].strip()) for _, t in block.lines if t.strip()]
        seal = None if kv.get("seal", "yes") in ("no", "none", "0") else res.seal
        return [m.Signature(lines, seal=seal, right_chars=float(kv.get("right", 4)))]
    if block.name == "columns":
        items = []
        for _, t in block.lines:
            t = t.strip()
            if t:
                bm = _BULLET.match(t)
                items.append(parse_inlines(bm.group(1) if bm else t))
        n = kv.get("n", "auto")
        return [m.Columns(items, n=int(n) if n.isdigit() else 0, indent=float(kv.get("indent", 2)))]
    if block.name == "frame":
        return [m.Frame(block.blocks, padding=m.length_pt(kv.get("padding"), 10.0),
                        border_width=float(kv.get("border", 1.0)), double="double" in classes)]
    if block.name == "keep":
        return [m.KeepTogether(block.blocks)]
    raise AssertionError(block.name)
