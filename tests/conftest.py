"""Shared fixtures: every test runs with its own HOME and user template folder; rendered samples once."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """HOME, XDG_CONFIG_HOME and the user template folder point at an empty temporary folder, so no test
    reads (or writes) the developer's own ~/.config/docgen/templates."""
    from docgen.library.folders import user_dir
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("DOCGEN_TEMPLATES", raising=False)
    assert user_dir() == home / ".config" / "docgen" / "templates"   # read from the environment at call time
    return home


@pytest.fixture(scope="session")
def samples(tmp_path_factory):
    """Every built-in template's sample rendered once to PDF and DOCX."""
    from docgen.api import render_samples
    out = tmp_path_factory.mktemp("samples")
    results = render_samples(out)
    return out, results


@pytest.fixture(scope="session")
def sealed_samples(tmp_path_factory):
    """Every sample (and blank pad) rendered with a seal configured: (out folder, {name: signature line
    texts}); a blank pad's entry is empty, since a pad never prints the seal image."""
    from docgen.api import render_samples
    from .test_seal import _signature_texts, make_seal
    tmp = tmp_path_factory.mktemp("sealed")
    make_seal(tmp / "seal.png")
    prof = tmp / "docgen.toml"
    prof.write_text('[org]\nseal = "seal.png"\n', encoding="utf-8")
    results = render_samples(tmp / "out", profile_path=prof)
    assert not [r for r in results if r["error"]]
    sig = {}
    for r in results:
        sig[r["id"]] = _signature_texts(r["id"], prof)
        if (tmp / "out" / f"{r['id']}-blank.pdf").is_file():
            sig[f"{r['id']}-blank"] = []
    return tmp / "out", sig


@pytest.fixture(scope="session")
def sealed_lo(sealed_samples, tmp_path_factory):
    """{name: (our PDF, its DOCX converted by LibreOffice)} for every sealed sample, in one LibreOffice run."""
    import shutil
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice (soffice) not installed: apt-get install libreoffice-writer-nogui")
    from docgen.engine.word import docxs_to_pdfs
    out, sig = sealed_samples
    names = [n for n in sig if (out / f"{n}.docx").is_file() and (out / f"{n}.pdf").is_file()]
    lo = docxs_to_pdfs([out / f"{n}.docx" for n in names], tmp_path_factory.mktemp("sealed-lo"), timeout=600)
    return {n: (out / f"{n}.pdf", c) for n, c in zip(names, lo)}


@pytest.fixture(autouse=True)
def _own_register(tmp_path_factory, monkeypatch):
    """Each test gets its own office register, so no run writes docgen.db into the repository."""
    monkeypatch.setenv("DOCGEN_REGISTER", str(tmp_path_factory.mktemp("register") / "docgen.db"))
