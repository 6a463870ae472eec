"""ReportLab attributes docgen replaces (writers/pdf/rl_patches.py): each must still be what the replacement
assumes, so an upstream change fails here, loudly, instead of silently changing every PDF."""
import inspect
import io

from reportlab import rl_config
from reportlab.pdfbase import pdfdoc, ttfonts

from docgen import model as m
from docgen.writers.pdf import rl_patches, write_pdf


def _original(owner, name):
    return rl_patches.ORIGINALS[(owner, name)]


def test_every_patch_targets_an_attribute_that_still_exists():
    assert {(owner, name) for owner, name, _ in rl_patches.PATCHES} == set(rl_patches.ORIGINALS)
    for owner, name, _ in rl_patches.PATCHES:
        assert hasattr(owner, name), f"ReportLab no longer has {owner.__name__}.{name}"


def test_to_unicode_cmap_keeps_its_signature_and_is_looked_up_at_call_time():
    original = _original(ttfonts, "makeToUnicodeCMap")
    assert list(inspect.signature(original).parameters) == ["fontname", "subset"]
    # The module-level replacement only takes effect if ReportLab calls it through the module's globals.
    assert "makeToUnicodeCMap(baseFontName, subset)" in inspect.getsource(ttfonts)
    cmap = original("F1", [0x41, 0x42])
    assert "beginbfchar" in cmap and "<00> <0041>" in cmap


def test_get_table_still_reads_tables_by_position_from_the_font_data():
    original = _original(ttfonts.TTFontFile, "get_table")
    assert list(inspect.signature(original).parameters) == ["self", "tag"]
    src = inspect.getsource(original)
    assert "get_table_pos(tag)" in src and "_ttf_data[" in src, src
    # The glyf window (a memoryview) is only sliced: makeSubset must still read glyphs that way.
    subset = inspect.getsource(ttfonts.TTFontFile.makeSubset)
    assert "glyphData = self.get_table('glyf')" in subset
    assert "glyphData[" in subset
    assert "self.name" in inspect.getsource(ttfonts.TTFontFile.extractInfo)


def test_zcompress_encode_keeps_its_signature_and_flate_name():
    original = _original(pdfdoc.PDFStreamFilterZCompress, "encode")
    assert list(inspect.signature(original).parameters) == ["self", "text"]
    assert "zlib.compress" in inspect.getsource(original)
    assert pdfdoc.PDFStreamFilterZCompress.pdfname == "FlateDecode"
    assert _original(rl_config, "useA85") in (0, 1)


def test_install_is_explicit_idempotent_and_takes_effect():
    rl_patches.install()
    rl_patches.install()
    assert ttfonts.makeToUnicodeCMap is rl_patches._to_unicode_cmap
    assert ttfonts.TTFontFile.get_table is rl_patches._cached_table
    assert pdfdoc.PDFStreamFilterZCompress.encode is rl_patches._deflate
    assert rl_config.useA85 == 0
    buf = io.BytesIO()
    write_pdf(m.Document([m.Paragraph([m.Text("吉𠮷 2026")])]), buf)
    data = buf.getvalue()
    assert b"ASCII85Decode" not in data and b"FlateDecode" in data
