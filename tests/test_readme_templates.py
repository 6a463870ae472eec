"""README's template list is the library: every built-in template once, under the category `docgen list` shows,
with the count and the pad mark right."""
from __future__ import annotations

import re

from docgen.library.folders import Library

from .helpers import ROOT


def _readme_rows() -> dict[str, tuple[int, list[tuple[str, bool]]]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Templates"):]
    section = section[:section.index("\n### ", 1)]
    rows = {}
    for m in re.finditer(r"^\| (\S+) \((\d+)\) \| (.+) \|$", section, re.M):
        rows[m.group(1)] = (int(m.group(2)), [(i, star == "*") for i, star in re.findall(r"`([a-z0-9-]+)`(\*?)",
                                                                                        m.group(3))])
    return rows


def test_readme_lists_every_template_under_its_category():
    lib = Library()
    rows = _readme_rows()
    listed = [tid for _, items in rows.values() for tid, _ in items]
    assert sorted(listed) == sorted(lib.ids()), set(listed) ^ set(lib.ids())
    assert f"shows all {len(lib.ids())} by category" in (ROOT / "README.md").read_text(encoding="utf-8")
    for category, (count, items) in rows.items():
        assert count == len(items), category
        for tid, pad in items:
            tpl = lib.get(tid)
            assert tpl.category == category, (tid, tpl.category, category)
            assert tpl.pad == pad, tid
