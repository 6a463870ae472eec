"""Documents that carry evidential weight, measured as a person would measure them with a ruler.

送达回执: every cell someone signs or writes in is at least 12 mm high, 拒收情况 leaves three lines of
writing room below its instruction, there is a 签收日期 and a place for the serving unit's seal, and no
typed name sits in a signature cell. A receipt under a letter never starts a sheet on its own."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pytest

from .helpers import render_pair

MM = 72 / 25.4
# The cells a person fills in at the door, by their printed label.
HAND_CELLS = ("签收人签字", "签收日期", "送达人签字", "见证人签字", "与业主关系", "送达时间")
SIGNATURE_CELLS = ("签收人签字", "送达人签字", "见证人签字")
RECEIPTS = ("delivery-receipt", "demand-letter", "final-notice")


def _plain(text: str) -> str:
    return "".join(text.split())


def _label_box(page, label: str):
    """The (x0, top, x1, bottom) of a printed label: its characters found in order on one line."""
    chars = [c for c in page.chars if c["text"].strip()]
    for i, c in enumerate(chars):
        if c["text"] != label[0]:
            continue
        run = [c]
        for want in label[1:]:
            nxt = [d for d in chars if d["text"] == want and abs(d["top"] - c["top"]) < 2
                   and 0 < d["x0"] - run[-1]["x0"] < c["size"] * 2.2]
            if not nxt:
                break
            run.append(min(nxt, key=lambda d: d["x0"]))
        if len(run) == len(label):
            return run[0]["x0"], min(d["top"] for d in run), run[-1]["x1"], max(d["bottom"] for d in run)
    return None


def _hlines(page) -> list[dict]:
    return [e for e in page.edges if abs(e["top"] - e["bottom"]) < 0.5]


def _vlines(page) -> list[dict]:
    return [e for e in page.edges if abs(e["x0"] - e["x1"]) < 0.5]


def cell_of(page, label: str, which: str = "label"):
    """The ruled cell holding a label ('label'), or the cell right of it ('value'): (x0, top, x1, bottom)."""
    box = _label_box(page, label)
    assert box, f"label {label} not found"
    x0, top, x1, bottom = box
    xm, ym = (x0 + x1) / 2, (top + bottom) / 2
    above = max(e["top"] for e in _hlines(page) if e["top"] < top + 0.5 and e["x0"] <= xm <= e["x1"])
    below = min(e["top"] for e in _hlines(page) if e["top"] > bottom - 0.5 and e["x0"] <= xm <= e["x1"])
    vs = sorted({round(e["x0"], 1) for e in _vlines(page) if e["top"] <= ym <= e["bottom"]})
    left = max(v for v in vs if v < x0 + 0.5)
    right = min(v for v in vs if v > x1 - 0.5)
    if which == "value":
        left, right = right, min(v for v in vs if v > right + 1)
    return left, above, right, below


def _page_with(pdf: Path, label: str):
    doc = pdfplumber.open(str(pdf))
    for page in doc.pages:
        if _label_box(page, label):
            return doc, page
    doc.close()
    raise AssertionError(f"{pdf.name}: no page shows {label}")


def _measure(pdf: Path) -> dict[str, float]:
    """Heights (mm) of the hand-filled cells and the writing room below the 拒收情况 instruction."""
    doc, page = _page_with(pdf, "拒收情况")
    try:
        out = {}
        for label in HAND_CELLS:
            l, t, r, b = cell_of(page, label)
            out[label] = (b - t) / MM
        l, t, r, b = cell_of(page, "拒收情况", "value")
        inside = [c for c in page.chars if l < c["x0"] < r and t < c["top"] < b and c["text"].strip()]
        last = max(c["bottom"] for c in inside)
        out["拒收情况 room"] = (b - last) / MM
        l, t, r, b = cell_of(page, "送达单位", "value")
        out["送达单位 cell"] = (b - t) / MM
        for label in SIGNATURE_CELLS:
            l, t, r, b = cell_of(page, label, "value")
            typed = "".join(c["text"] for c in page.chars if l < c["x0"] < r and t < c["top"] < b).strip()
            out[label + " typed"] = typed
        return out
    finally:
        doc.close()


def _check(m: dict, name: str) -> None:
    for label in HAND_CELLS:
        assert m[label] >= 12.0 - 0.05, f"{name}: {label} cell is {m[label]:.1f} mm high"
    assert m["拒收情况 room"] >= 3 * 6.5, f"{name}: 拒收情况 leaves {m['拒收情况 room']:.1f} mm below its text"
    assert m["送达单位 cell"] >= 20.0, f"{name}: the 送达单位 seal place is {m['送达单位 cell']:.1f} mm"
    for label in SIGNATURE_CELLS:
        assert m[label + " typed"] == "", f"{name}: typed text in {label}: {m[label + ' typed']}"


@pytest.fixture(scope="module")
def receipts(tmp_path_factory):
    out = tmp_path_factory.mktemp("receipts")
    return {tid: render_pair(out, tid) for tid in RECEIPTS}


@pytest.mark.parametrize("tid", RECEIPTS)
def test_receipt_cells_leave_room_to_sign_and_write(receipts, tid):
    _check(_measure(receipts[tid][0]), tid)


def test_receipt_prefilled_names_never_in_signature_cells(tmp_path):
    data = {"owner_name": "龚䶮", "building": "3栋", "unit": "1502", "signer": "龚䶮", "server": "张堃",
            "witness": "社区网格员刘芳", "show_guide": False}
    pdf, docx = render_pair(tmp_path, "delivery-receipt", data)
    m = _measure(pdf)
    _check(m, "prefilled")
    text = _plain(pdfplumber.open(str(pdf)).pages[0].extract_text())
    assert "送达人：张堃" in text and "见证人：社区网格员刘芳" in text and "签收人：龚䶮" in text


@pytest.mark.parametrize("tid", ("demand-letter", "final-notice"))
def test_stub_never_starts_a_sheet_alone(receipts, tid):
    """The cut line has the letter's closing (signature) above it on the same page."""
    with pdfplumber.open(str(receipts[tid][0])) as doc:
        pages = [p for p in doc.pages if "沿此线剪下" in _plain(p.extract_text() or "")]
        assert len(pages) == 1
        page = pages[0]
        cut = _label_box(page, "沿此线剪下")
        org = _label_box(page, "锦程物业服务有限公司")
        assert org and org[3] < cut[1], "the letter's signature is not above the cut line on the receipt's page"
        words = page.extract_words()
        assert any(w["bottom"] < org[1] and "服务电话" in w["text"] for w in words)


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) not installed")
def test_receipt_cells_in_docx_through_libreoffice(receipts, tmp_path):
    from docgen.engine.word import soffice_env
    lo = tmp_path / "lo"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "pdf", "--outdir", str(lo), *(str(receipts[t][1]) for t in RECEIPTS)],
                   check=True, capture_output=True, timeout=600, env=soffice_env(tmp_path))
    for tid in RECEIPTS:
        _check(_measure(lo / f"{tid}.pdf"), tid + " (DOCX)")


# ---------------------------------------------------------------- registers

@pytest.mark.parametrize("tid", ("key-loan-log", "item-loan-log"))
def test_registers_have_signature_columns_left_for_hand(tmp_path, tid):
    from docx import Document as DocxDocument
    pdf, docx = render_pair(tmp_path, tid)
    table = DocxDocument(str(docx)).tables[0]
    header = [_plain(c.text) for c in table.rows[0].cells]
    for col in ("借用人签字", "归还人签字"):
        assert col in header, (tid, header)
        i = header.index(col)
        assert all(r.cells[i].text == "" for r in table.rows[1:]), f"{tid}: typed text in {col}"
    with pdfplumber.open(str(pdf)) as doc:
        page = doc.pages[0]
        # the two signature columns' headers (借用人 / 签字, 归还人 / 签字) and below them only ruled, empty cells
        heads = [w for w in page.extract_words() if w["text"] == "签字"]
        table_bottom = max(e["top"] for e in _hlines(page))
        assert len(heads) == 2, heads
        for h in heads:
            inside = [c for c in page.chars if h["x0"] - 2 < c["x0"] < h["x1"] + 2 and c["top"] > h["bottom"] + 4
                      and c["bottom"] < table_bottom and c["text"].strip()]
            assert not inside, f"{tid}: text under a signature column: {''.join(c['text'] for c in inside)}"


def test_key_register_records_the_id_its_note_asks_for_last_four_only(tmp_path):
    from docx import Document as DocxDocument
    pdf, docx = render_pair(tmp_path, "key-loan-log")
    table = DocxDocument(str(docx)).tables[0]
    header = [_plain(c.text) for c in table.rows[0].cells]
    i = header.index("证件号后四位")
    assert table.rows[1].cells[i].text == "0031"
    text = _plain(pdfplumber.open(str(pdf)).pages[0].extract_text())
    assert "有效证件" in text and "330106198804120031" not in text


def test_mainland_templates_use_mainland_quotes(samples):
    """“” in Simplified output, never 「」 (Traditional output converts them as usual)."""
    from .helpers import docx_text, pdf_text
    out, results = samples
    for r in results:
        for suffix in (".pdf", ".docx"):
            f = out / f"{r['id']}{suffix}"
            text = pdf_text(f) if suffix == ".pdf" else docx_text(f)
            assert "「" not in text and "」" not in text, r["id"]
    for folder in (Path(__file__).parent.parent / "docgen" / "templates").iterdir():
        for f in folder.glob("*.*"):
            if f.suffix in (".md", ".yaml"):
                assert "「" not in f.read_text(encoding="utf-8"), f


# ---------------------------------------------------------------- party blocks

@pytest.mark.parametrize("tid,parties", (("renovation-agreement", 3), ("renovation-undertaking", 3),
                                         ("key-handover", 2)))
def test_each_party_has_room_for_a_42mm_seal_a_signature_and_a_date(tmp_path, tid, parties):
    from .sealcheck import seal_boxes, seal_findings
    from .test_seal import make_seal
    pdf, docx = render_pair(tmp_path, tid)
    with pdfplumber.open(str(pdf)) as doc:
        page = doc.pages[-1]
        words = page.extract_words()
        stamps = [w for w in words if w["text"] == "（盖章）"]
        assert stamps, f"{tid}: no （盖章） where the seal goes"
        stamp = (stamps[0]["x0"], stamps[0]["top"], stamps[0]["x1"], stamps[0]["bottom"])
        # the row holding （盖章） is at least 42 mm: nothing printed within 21 mm above or below its centre
        cy = (stamp[1] + stamp[3]) / 2
        near = [w for w in words if abs((w["top"] + w["bottom"]) / 2 - cy) < 21 * MM - 2
                and w["text"] not in ("（盖章）", "（签字）")]
        assert not near, f"{tid}: text inside the seal room: {[w['text'] for w in near]}"
        text = _plain(page.extract_text())
        assert text.count("日期：") >= parties and text.count("签字") >= parties
    # with the office's seal configured, it lands in the office's own block and covers nothing
    make_seal(tmp_path / "seal.png")
    prof = tmp_path / "docgen.toml"
    prof.write_text('[org]\nseal = "seal.png"\n', encoding="utf-8")
    from docgen.api import render_one
    files = render_one(tid, use_sample=True, out=tmp_path / "sealed", profile_path=prof, fmt="pdf")
    boxes = seal_boxes(files[0])
    if tid == "renovation-undertaking":      # the company is not a party: the contractor stamps its own
        assert not boxes
        return
    assert len(boxes) == 1 and abs((boxes[0][1][2] - boxes[0][1][0]) - 42 * MM) < 0.5
    assert not seal_findings(files[0], [])


def test_traditional_output_turns_mainland_quotes_into_corner_brackets(tmp_path):
    from docgen.api import render_one
    from .helpers import docx_text, pdf_text
    for script in ("tw", "hk"):
        files = render_one("access-card-notice", use_sample=True, out=tmp_path / script, script=script)
        for f in files:
            text = pdf_text(f) if f.suffix == ".pdf" else docx_text(f)
            assert "「翠湖生活」" in text and "“" not in text, (script, f.suffix)


def test_framed_permit_keeps_its_inner_margins_in_docx(tmp_path):
    """装修许可证: the frame's padding is the frame cell's margins, and tables inside fit within them."""
    from docx import Document as DocxDocument
    from docx.oxml.ns import qn
    pdf, docx = render_pair(tmp_path, "renovation-permit")
    d = DocxDocument(str(docx))
    frame = d.tables[0]
    mar = frame.rows[0].cells[0]._tc.tcPr.find(qn("w:tcMar"))
    assert mar is not None
    left = int(mar.find(qn("w:left")).get(qn("w:w")))
    assert left >= 14 * 20                      # padding=14 (pt) in twentieths of a point
    inner = frame.rows[0].cells[0].tables[0]
    frame_w = sum(c.width for c in frame.columns)
    inner_w = sum(c.width for c in inner.columns)
    assert inner_w <= frame_w - 2 * left * 635 + 12700   # twips → EMU, within a point
