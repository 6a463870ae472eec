"""docgen.toml is checked when read: a key a section does not know is an error naming it and the known ones."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from docgen.cli import app
from docgen.errors import DataError
from docgen.profile import SECTIONS, load_profile


def _profile(tmp_path, text: str):
    p = tmp_path / "docgen.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_a_typo_in_docx_is_an_error_naming_the_key_and_the_known_ones(tmp_path):
    p = _profile(tmp_path, '[docx]\nsongti = "宋体"\n')
    with pytest.raises(DataError) as e:
        load_profile(p)
    assert e.value.field == "docx.songti" and e.value.file == str(p)
    msg = e.value.describe()
    assert "songti" in msg and all(k in msg for k in ("song", "hei", "latin"))
    r = CliRunner().invoke(app, ["render", "wall-cleaning-notice", "--sample", "--profile", str(p),
                                 "--out", str(tmp_path / "x.pdf")])
    assert r.exit_code == 2 and "songti" in r.output, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), "an error paragraph, not a traceback"
    assert not (tmp_path / "x.pdf").exists()


def test_an_unknown_fonts_key_is_not_ignored(tmp_path):
    p = _profile(tmp_path, '[fonts]\nsong = "a.ttf"\nkaiti = "kai.ttf"\n')
    with pytest.raises(DataError) as e:
        load_profile(p)
    assert e.value.field == "fonts.kaiti"
    assert all(k in e.value.describe() for k in SECTIONS["fonts"])


@pytest.mark.parametrize("text, field", [
    ('[dunning]\npublic_list = "规约"\n', "dunning.public_list"),
    ('[output]\nscripts = "hant"\n', "output.scripts"),
    ('[font]\nsong = "a.ttf"\n', "font"),
    ('name = "锦程物业"\n', "name"),
    ('[docx]\nsong = 12\n', "docx.song"),
    ('docx = "宋体"\n', "docx"),
])
def test_every_section_is_checked(tmp_path, text, field):
    with pytest.raises(DataError) as e:
        load_profile(_profile(tmp_path, text))
    assert e.value.field == field, e.value.describe()


def test_known_keys_and_own_org_keys_still_load(tmp_path):
    p = _profile(tmp_path, '[org]\nname = "某物业"\nbank_account = "6222 0000"\n[docx]\nsong = "仿宋"\n'
                           '[fonts]\nsong = "fonts/my.ttf"\n[dunning]\npublic_list_basis = "《规约》第三条"\n'
                           '[output]\nscript = "hk"\n')
    prof = load_profile(p)
    assert prof.org.name == "某物业" and prof.org.bank_account == "6222 0000"   # [org] is open: org.KEY
    assert prof.docx_fonts == {"song": "仿宋"} and prof.fonts == {"song": str(tmp_path / "fonts" / "my.ttf")}
    assert prof.public_list_basis == "《规约》第三条" and prof.script == "hk"
