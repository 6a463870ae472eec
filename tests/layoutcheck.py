"""Where text lines landed on a PDF page, measured as a person would with a ruler: the lines of each justified
paragraph of the document model, found again in the PDF by their text, and how far each ends from the margin."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_FOOTER = re.compile(r"^第\d+页共\d+页$")


@dataclass
class PdfLine:
    """One printed line: page, box (points from the top left) and its text without spaces."""
    page: int
    top: float
    bottom: float
    x0: float
    x1: float                # right end of its ink box, an underline drawn on it included
    size: float
    text: str


def pdf_lines(pdf: str | Path) -> list[PdfLine]:
    """Every upright text line of a PDF, in reading order (page, then top to bottom)."""
    import pdfplumber
    out: list[PdfLine] = []
    with pdfplumber.open(str(pdf)) as doc:
        for page in doc.pages:
            chars = [c for c in page.chars if c.get("upright", True) and c["text"].strip()]
            chars.sort(key=lambda c: (round(c["top"]), c["x0"]))
            rows: list[list[dict]] = []
            for c in chars:
                tol = max(c["size"], 1) * 0.35
                for row in rows:
                    if abs(row[0]["top"] - c["top"]) <= tol and abs(row[0]["size"] - c["size"]) < 0.5 * c["size"]:
                        row.append(c)
                        break
                else:
                    rows.append([c])
            rules = [e for e in page.lines if abs(e["top"] - e["bottom"]) < 0.5]
            for row in sorted(rows, key=lambda r: min(c["top"] for c in r)):
                row.sort(key=lambda c: c["x0"])
                top, bottom = min(c["top"] for c in row), max(c["bottom"] for c in row)
                size = max(c["size"] for c in row)
                x0, x1 = row[0]["x0"], row[-1]["x1"]
                under = sorted((e for e in rules if top + 0.5 * size < e["top"] <= bottom + 0.15 * size),
                               key=lambda e: e["x0"])
                for e in under + under[::-1]:   # a fill-in blank's underline at either end of the line
                    if e["x0"] <= x1 + size * 1.5 and e["x1"] >= x0 - size * 1.5:
                        x0, x1 = min(x0, e["x0"]), max(x1, e["x1"])
                out.append(PdfLine(page.page_number, top, bottom, x0, x1, size,
                                   "".join(c["text"] for c in row)))
    return out


@dataclass
class Justified:
    """A justified paragraph of the model: its text without spaces, its size and its margins (points)."""
    text: str
    size: float
    left: float
    right: float


def justified_paragraphs(doc) -> list[Justified]:
    """The body's justified paragraphs and list items (not those inside frames, tables or columns)."""
    from docgen import model as m
    from docgen.model.walk import inline_text
    page = doc.page
    out = []

    def walk(blocks):
        for b in blocks:
            if isinstance(b, m.KeepTogether):
                walk(b.blocks)
            elif isinstance(b, m.Paragraph) and b.align == "justify":
                size = b.size or page.body_size
                out.append(Justified(_plain(inline_text(b.inlines)), size, page.left,
                                     page.width - page.right - b.right_indent * size))
            elif isinstance(b, m.ListBlock):
                for i, item in enumerate(b.items):
                    label = f"{b.start + i}." if b.ordered else "•"
                    out.append(Justified(_plain(label + inline_text(item)), page.body_size, page.left,
                                         page.width - page.right))
    walk(doc.blocks)
    return [j for j in out if j.text]


def _plain(text: str) -> str:
    return re.sub(r"[\s\u3000]+", "", text)


def paragraph_lines(lines: list[PdfLine], paras: list[Justified]) -> list[tuple[Justified, list[PdfLine]]]:
    """Each paragraph with the run of PDF lines that prints exactly its text (a page footer between two
    lines of a paragraph split across pages is stepped over); paragraphs not found are left out."""
    found = []
    start = 0
    for p in paras:
        for i in range(start, len(lines)):
            if not (lines[i].text and p.text.startswith(lines[i].text)):
                continue
            got, acc, j = [], "", i
            while j < len(lines) and len(acc) < len(p.text):
                if _FOOTER.match(lines[j].text) and got:
                    j += 1
                    continue
                if not p.text.startswith(acc + lines[j].text):
                    break
                acc += lines[j].text
                got.append(lines[j])
                j += 1
            if acc == p.text:
                found.append((p, got))
                start = j
                break
    return found


def flush_findings(pdf: str | Path, doc, tol_em: float = 0.05) -> tuple[int, int, list[str]]:
    """(paragraphs found, full lines measured, findings): a line of a justified paragraph other than its
    last that ends more than tol_em short of the right margin, or a line after the first that does not
    start at the left margin."""
    paras = justified_paragraphs(doc)
    found = paragraph_lines(pdf_lines(pdf), paras)
    measured, out = 0, []
    for p, lines in found:
        for k, line in enumerate(lines[:-1]):
            measured += 1
            short = (p.right - line.x1) / p.size
            if short > tol_em:
                out.append(f"page {line.page}: «{line.text[-12:]}» ends {short:.2f} em short of the margin, "
                           f"before «{lines[k + 1].text[:8]}»")
        for line in lines[1:]:
            if abs(line.x0 - p.left) > 0.5:
                out.append(f"page {line.page}: «{line.text[:12]}» starts {line.x0 - p.left:.1f} pt from the margin")
    return len(found), measured, out


def sample_document(tid: str, blank: bool = False, profile_path: Path | None = None):
    """The document model a sample (or blank pad) is rendered from, or None for a Word template."""
    from docgen.engine.pipeline import build_document
    from docgen.engine.word import is_word_template
    from docgen.library.folders import Library
    from docgen.profile import load_profile
    tpl = Library().get(tid)
    if is_word_template(tpl):
        return None
    values = tpl.schema.validate({} if blank else dict(tpl.sample), base_dir=tpl.folder, blank=blank)
    return build_document(tpl, values, load_profile(profile_path), validated=True, blank=blank)
