"""Where the seal landed on a PDF page, measured as a person would: what its image box covers."""
from __future__ import annotations

from pathlib import Path

MM = 72 / 25.4


def _lines_of_chars(chars: list[dict], tol: float = 2.0) -> list[list[dict]]:
    """Characters grouped into text lines by their vertical position."""
    rows: list[list[dict]] = []
    for ch in sorted(chars, key=lambda c: (round(c["top"]), c["x0"])):
        for row in rows:
            if abs(row[0]["top"] - ch["top"]) <= tol and abs(row[0]["bottom"] - ch["bottom"]) <= tol:
                row.append(ch)
                break
        else:
            rows.append([ch])
    return rows


def _plain(text: str) -> str:
    return "".join(text.split())


def _overlap(a: dict, b: tuple[float, float, float, float], inset: float = 0.0) -> bool:
    x0, top, x1, bottom = b
    return (a["x0"] < x1 - inset and a["x1"] > x0 + inset and a["top"] < bottom - inset
            and a["bottom"] > top + inset)


def seal_findings(pdf: str | Path, allowed: list[str]) -> list[str]:
    """What each image (the seal) covers besides the signature lines in allowed: body text, rules, cut lines.

    allowed: the texts of the signature block's lines (org name, office, date); a text line the seal
    touches must be one of them. Any ruled line (table border, frame, dashed cut line) inside the
    seal's box, and any cut-line label, is a finding."""
    import pdfplumber
    allowed_n = {_plain(a) for a in allowed}
    out: list[str] = []
    with pdfplumber.open(str(pdf)) as doc:
        for page in doc.pages:
            for img in page.images:
                box = (img["x0"], img["top"], img["x1"], img["bottom"])
                if img["x1"] - img["x0"] < 30 * MM:
                    continue       # not a seal (a logo, a QR code's picture)
                if box[0] < -0.5 or box[2] > page.width + 0.5 or box[1] < -0.5 or box[3] > page.height + 0.5:
                    out.append(f"page {page.page_number}: seal box {box} leaves the page")
                for row in _lines_of_chars(page.chars):
                    if not any(_overlap(c, box, 0.5) for c in row):
                        continue
                    text = _plain("".join(c["text"] for c in sorted(row, key=lambda c: c["x0"])))
                    if text not in allowed_n:
                        out.append(f"page {page.page_number}: seal covers text line «{text}»")
                for e in page.edges:
                    if _overlap(e, box, 0.5) or (e["x0"] == e["x1"] and box[0] < e["x0"] < box[2]
                                                  and e["top"] < box[3] and e["bottom"] > box[1]) or (
                            e["top"] == e["bottom"] and box[1] < e["top"] < box[3]
                            and e["x0"] < box[2] and e["x1"] > box[0]):
                        out.append(f"page {page.page_number}: seal touches a ruled line at "
                                   f"({e['x0']:.0f},{e['top']:.0f})–({e['x1']:.0f},{e['bottom']:.0f})")
                        break
    return out


def seal_boxes(pdf: str | Path) -> list[tuple[int, tuple[float, float, float, float]]]:
    """(page number, box) of every seal-sized image."""
    import pdfplumber
    with pdfplumber.open(str(pdf)) as doc:
        return [(p.page_number, (i["x0"], i["top"], i["x1"], i["bottom"])) for p in doc.pages for i in p.images
                if i["x1"] - i["x0"] >= 30 * MM]
