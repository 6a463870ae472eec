"""docgen's own preflight: each kind of finding on a page made to have it, the CLI, and agreement with the
independent referee ../shared/tools/pdfcheck.py (when it is beside the repository)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from docgen import preflight
from docgen.writers.pdf.fonts import fontset

from .helpers import shared_pdfcheck


def _page(path: Path, lines: list[tuple[float, float, str]], helvetica: bool = False) -> Path:
    """A one-page PDF with text drawn at (x, y) in the bundled Song face (or Helvetica)."""
    from reportlab.pdfgen.canvas import Canvas
    song = fontset().song.name
    c = Canvas(str(path), initialFontName=song)
    for x, y, text in lines:
        c.setFont("Helvetica" if helvetica else song, 12)
        c.drawString(x, y, text)
    c.save()
    return path


def _kinds(path: Path) -> list[str]:
    return sorted(p["kind"] for p in preflight.check(path)["problems"])


def test_clean_page(tmp_path):
    assert _kinds(_page(tmp_path / "a.pdf", [(72, 700, "一二三四五六七八九十"), (72, 682, "一二三四五。")])) == []


def test_kinsoku_both_ends(tmp_path):
    pdf = _page(tmp_path / "k.pdf", [(72, 700, "一二三四五六七八九（"), (72, 682, "，一二三四五。")])
    assert _kinds(pdf) == ["kinsoku", "kinsoku"]


def test_split_number_and_range(tmp_path):
    split = _page(tmp_path / "s.pdf", [(72, 700, "一二三四五六七八九十1,23"), (72, 682, "4.50元一二三")])
    assert _kinds(split) == ["split"]
    broken = _page(tmp_path / "r.pdf", [(72, 700, "一二三四五六七八每日8:00—"), (72, 682, "12:00一二三")])
    assert _kinds(broken) == ["range"]
    dash_first = _page(tmp_path / "r2.pdf", [(72, 700, "一二三四五六七八每日8:00"), (72, 682, "—12:00一二")])
    assert _kinds(dash_first) == ["range"]


def test_unembedded_standard_font(tmp_path):
    pdf = _page(tmp_path / "h.pdf", [(72, 700, "Total 12")], helvetica=True)
    found = preflight.check(pdf)["problems"]
    assert [(p["kind"], p["text"]) for p in found] == [("embed", "/Helvetica")]


def test_tofu_of_a_character_the_face_lacks(tmp_path):
    # the Song face has no emoji: ReportLab, asked to draw one in it, draws .notdef and maps it to U+0000
    pdf = _page(tmp_path / "t.pdf", [(72, 700, "好\U0001F600")])
    assert preflight.check(pdf)["problems"] == [{"kind": "tofu", "page": None, "text": "extracted '\\x00'"}]


def test_text_layer_that_does_not_round_trip(tmp_path):
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, StreamObject
    pdf = _page(tmp_path / "u.pdf", [(72, 700, "业主")])
    w = PdfWriter(clone_from=str(pdf))
    for font in w.pages[0]["/Resources"]["/Font"].values():
        cmap = StreamObject()
        # ReportLab's own CMap writes a code point beyond U+FFFF as five hex digits (not UTF-16)
        cmap.set_data(b"begincmap 1 beginbfchar <01> <20BB7> endbfchar endcmap")
        font.get_object()[NameObject("/ToUnicode")] = w._add_object(cmap)
    bad = tmp_path / "bad.pdf"
    w.write(str(bad))
    assert "text" in _kinds(bad)


@pytest.mark.slow
def test_docgen_check_cli(tmp_path):
    good = _page(tmp_path / "good.pdf", [(72, 700, "一二三")])
    bad = _page(tmp_path / "bad.pdf", [(72, 700, "一二三四五六七八九（"), (72, 682, "一二")])
    run = lambda *a: subprocess.run([sys.executable, "-c", "from docgen.cli import main; main()", "check", *a],
                                    capture_output=True, text=True, timeout=120)
    ok = run(str(good))
    assert ok.returncode == 0 and "通过" in ok.stdout
    r = run("--json", str(good), str(bad))
    assert r.returncode == 1
    reports = [json.loads(line) for line in r.stdout.splitlines()]
    assert [x["problems"] == [] for x in reports] == [True, False]
    assert reports[1]["problems"][0]["kind"] == "kinsoku" and reports[1]["pages"] == 1
    missing = run(str(tmp_path / "nothing.pdf"))
    assert missing.returncode == 2 and "找不到文件" in missing.stderr


def _agree(paths):
    referee = shared_pdfcheck()
    for path in paths:
        theirs = sorted((p["page"], p["kind"], p["text"]) for p in referee.check(path)["problems"])
        ours = sorted((p["page"], p["kind"], p["text"]) for p in preflight.check(path)["problems"]
                      if p["kind"] != "text")       # the referee has no text-layer check
        assert ours == theirs, path


def test_agrees_with_the_shared_referee_on_samples(samples):
    out, results = samples
    _agree([out / f"{r['id']}.pdf" for r in results if not r["error"]])


def test_agrees_with_the_shared_referee_on_defects(tmp_path):
    _agree([_page(tmp_path / "k.pdf", [(72, 700, "一二三四五六七八九（"), (72, 682, "，一二三四五。")]),
            _page(tmp_path / "r.pdf", [(72, 700, "一二三四五六七八每日8:00—"), (72, 682, "12:00一二三")]),
            _page(tmp_path / "s.pdf", [(72, 700, "一二三四五六七八九十1,23"), (72, 682, "4.50元一二三")]),
            _page(tmp_path / "h.pdf", [(72, 700, "Total 12")], helvetica=True),
            _page(tmp_path / "t.pdf", [(72, 700, "好\U0001F600")])])
