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
