"""A configured seal image lands over the signature (organisation and date) in both formats."""
from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document as DocxDocument
from docx.oxml.ns import qn


def make_seal(path: Path) -> Path:
    """A red ring with a star, transparent background: stands in for an office's scanned seal."""
    from PIL import Image, ImageDraw
    img = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.ellipse((10, 10, 390, 390), outline=(220, 20, 20, 230), width=18)
    d.regular_polygon((200, 200, 70), 5, fill=(220, 20, 20, 230))
    img.save(path)
    return path


@pytest.fixture()
def profile(tmp_path):
    make_seal(tmp_path / "seal.png")
    p = tmp_path / "docgen.toml"
    p.write_text('[org]\nname = "测试物业有限公司"\noffice = "测试物业服务中心"\nseal = "seal.png"\n', encoding="utf-8")
    return p


def test_seal_over_signature(tmp_path, profile):
    from docgen.api import render_one
    files = render_one("wall-cleaning-notice", use_sample=True, out=tmp_path / "n", profile_path=profile)
    pdf = next(f for f in files if f.suffix == ".pdf")
    import pdfplumber
    with pdfplumber.open(str(pdf)) as doc:
        page = doc.pages[0]
        assert len(page.images) == 1
        img = page.images[0]
        words = page.extract_words()
        org = [w for w in words if "测试物业服务中心" in w["text"]]
        assert org, words
        # the seal's box covers the organisation name's centre
        cx = (org[0]["x0"] + org[0]["x1"]) / 2
        cy = (org[0]["top"] + org[0]["bottom"]) / 2
        assert img["x0"] < cx < img["x1"] and img["top"] < cy < img["bottom"]
    docx = next(f for f in files if f.suffix == ".docx")
    d = DocxDocument(str(docx))
    anchors = list(d.element.body.iter(qn("wp:anchor")))
    assert len(anchors) == 1
    para = anchors[0].getparent().getparent().getparent()  # anchor → drawing → run → paragraph
    assert "测试物业服务中心" in "".join(t.text for t in para.iter(qn("w:t")))


def test_missing_seal_file_is_a_clear_error(tmp_path):
    p = tmp_path / "docgen.toml"
    p.write_text('[org]\nseal = "nope.png"\n', encoding="utf-8")
    from docgen.errors import DataError
    from docgen.profile import load_profile
    with pytest.raises(DataError) as e:
        load_profile(p)
    assert "nope.png" in e.value.describe() and "org.seal" in e.value.describe()


# ---------------------------------------------------------------- where the seal may land, every template

def _signature_texts(template_id: str, profile_path: Path) -> list[str]:
    """The texts of every signature block line (and party block line) of a sample, as printed."""
    from docgen import model as m
    from docgen.library.folders import Library
    from docgen.model import walk
    from docgen.model.walk import inline_text
    from docgen.profile import load_profile
    from docgen.engine.pipeline import build_document
    tpl = Library().get(template_id)
    doc = build_document(tpl, dict(tpl.sample), load_profile(profile_path), today=None)
    return [inline_text(line) for b in walk.blocks(doc) if isinstance(b, m.Signature) for line in b.lines]


@pytest.fixture(scope="module")
def sealed(sealed_samples):
    """Every template's sample rendered with a seal configured: (out folder, {id: signature line texts})."""
    return sealed_samples


def test_seal_covers_only_the_signature_in_every_pdf(sealed):
    from .sealcheck import seal_boxes, seal_findings
    out, sig = sealed
    problems, with_seal = {}, 0
    for tid, lines in sig.items():
        pdf = out / f"{tid}.pdf"
        if lines:
            assert seal_boxes(pdf), f"{tid}: a signature block but no seal drawn"
            with_seal += 1
        found = seal_findings(pdf, lines)
        if found:
            problems[tid] = found
    assert with_seal >= 20
    assert not problems, problems


def test_seal_box_is_42mm_and_over_the_date(sealed):
    import pdfplumber
    from .sealcheck import MM
    out, sig = sealed
    with pdfplumber.open(str(out / "demand-letter.pdf")) as doc:
        (page,) = [p for p in doc.pages if p.images]
        (img,) = page.images
        assert abs((img["x1"] - img["x0"]) - 42 * MM) < 0.5
        date = [w for w in page.extract_words() if w["text"].startswith("2026年11月23日")]
        assert date
        cx, cy = (date[0]["x0"] + date[0]["x1"]) / 2, (date[0]["top"] + date[0]["bottom"]) / 2
        assert img["x0"] < cx < img["x1"] and img["top"] < cy < img["bottom"]


@pytest.mark.slow
def test_seal_covers_only_the_signature_in_every_docx_through_libreoffice(sealed, sealed_lo):
    from .sealcheck import seal_boxes, seal_findings
    out, sig = sealed
    ids = [tid for tid, lines in sig.items() if lines]
    problems = {}
    for tid in ids:
        pdf = sealed_lo[tid][1]
        assert seal_boxes(pdf), f"{tid}: the DOCX lost its seal"
        found = seal_findings(pdf, sig[tid])
        if found:
            problems[tid] = found
    assert not problems, problems
