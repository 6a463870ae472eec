"""Every form prints blank, as a pad to fill in by hand (docgen render ID --blank, and in demo)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest

from docgen.library.folders import Library

from .helpers import docx_text, pdf_text
from .test_seal import make_seal

PADS = sorted(t.id for t in Library().all() if t.pad)
MM = 72 / 25.4


def _sample_values(tid: str) -> list[str]:
    """The sample's own string values (not the field defaults): a blank pad must print none of them."""
    tpl = Library().get(tid)
    out = []
    for f in tpl.schema.fields:
        v = tpl.sample.get(f.name)
        if isinstance(v, str) and len(v) >= 2 and f.default is None and f.type in ("string", "text", "phone"):
            out.append(v)
    return out


def test_the_forms_are_pads():
    for tid in ("move-in-inspection", "key-handover", "move-in-procedure", "delivery-receipt", "work-order",
                "key-loan-log", "item-loan-log", "renovation-agreement", "renovation-undertaking"):
        assert tid in PADS
    assert "wall-cleaning-notice" not in PADS


@pytest.fixture(scope="module")
def blanks(tmp_path_factory):
    from docgen.api import render_one
    out = tmp_path_factory.mktemp("blank")
    return {tid: render_one(tid, blank=True, out=out / tid) for tid in PADS}


@pytest.mark.parametrize("tid", PADS)
def test_form_renders_blank_in_both_formats(blanks, tid):
    files = blanks[tid]
    assert sorted(f.suffix for f in files) == [".docx", ".pdf"]
    pdf = next(f for f in files if f.suffix == ".pdf")
    docx = next(f for f in files if f.suffix == ".docx")
    for text in (pdf_text(pdf), docx_text(docx)):
        assert len(text) > 30
        for value in _sample_values(tid):
            assert "".join(value.split()) not in text, f"{tid}: blank pad prints the sample's {value!r}"
        assert "None" not in text
    with pdfplumber.open(str(pdf)) as doc:
        # writing space: ruled cells or fill-in lines
        assert sum(len(p.edges) for p in doc.pages) > 4, tid


def test_blank_pad_prints_no_date_of_today(blanks):
    import datetime
    from docgen.engine.filters import cn_date
    today = cn_date(datetime.date.today())
    for tid, files in blanks.items():
        for f in files:
            text = pdf_text(f) if f.suffix == ".pdf" else docx_text(f)
            assert today not in text, tid


def test_blank_pad_never_carries_the_seal_image(tmp_path):
    from docgen.api import render_one
    make_seal(tmp_path / "seal.png")
    prof = tmp_path / "docgen.toml"
    prof.write_text('[org]\nseal = "seal.png"\n', encoding="utf-8")
    for tid in ("key-handover", "renovation-agreement", "renovation-permit", "delivery-receipt"):
        files = render_one(tid, blank=True, out=tmp_path / tid, profile_path=prof)
        pdf = next(f for f in files if f.suffix == ".pdf")
        with pdfplumber.open(str(pdf)) as doc:
            assert not [i for p in doc.pages for i in p.images], f"{tid}: a sealed blank form"
        assert "（盖章）" in pdf_text(pdf) or tid == "renovation-permit"


@pytest.mark.slow
def test_render_blank_on_the_command_line(tmp_path):
    run = [sys.executable, "-m", "docgen.cli", "render", "move-in-inspection", "--blank", "--out",
           str(tmp_path / "pad.pdf")]
    r = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "收楼验房表" in pdf_text(tmp_path / "pad.pdf")
    r = subprocess.run([sys.executable, "-m", "docgen.cli", "render", "wall-cleaning-notice", "--blank", "--out",
                        str(tmp_path / "n.pdf")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "不是表单" in r.stderr and "move-in-inspection" in r.stderr
    r = subprocess.run([sys.executable, "-m", "docgen.cli", "render", "key-handover", "--blank", "--sample"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "--blank" in r.stderr


def test_demo_writes_a_blank_pad_of_every_form(samples):
    out, results = samples
    for tid in PADS:
        assert (out / f"{tid}-blank.pdf").is_file() and (out / f"{tid}-blank.docx").is_file(), tid


def test_blank_pad_can_prefill_a_field(tmp_path):
    from docgen.api import render_one
    files = render_one("key-handover", blank=True, overrides=["building=7栋"], out=tmp_path / "k", fmt="pdf")
    assert "7栋" in pdf_text(files[0])
