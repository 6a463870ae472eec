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
