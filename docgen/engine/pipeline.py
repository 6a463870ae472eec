"""The pipeline: validated data + template → markup (sandboxed Jinja) → document model."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from .. import model as m
from ..library.folders import Template
from ..profile import Profile
from .jinja import compiled, template_errors
from ..model.walk import inline_text
from .markup import Resources, parse


def context(tpl: Template, values: dict, profile: Profile, today: date | None = None) -> dict:
    """The names a template body sees: its fields, org.*, today and template."""
    ctx = dict(values)
    ctx["org"] = profile.org
    ctx["today"] = today or date.today()
    ctx["template"] = {"id": tpl.id, "title": tpl.title, "category": tpl.category}
    return ctx


def build_document(tpl: Template, data: dict, profile: Profile, *, file: str | None = None,
                   row: int | None = None, validated: bool = False, today: date | None = None,
                   blank: bool = False) -> m.Document:
    """Validate data, run the body through the sandbox and parse the markup into a Document.

    blank: a pad to fill in by hand; it never carries the seal image (a sealed blank form could be
    filled in by anyone), its seal places print （盖章）."""
    values = data if validated else tpl.schema.validate(data, file=file, row=row, base_dir=Path.cwd(),
                                                        blank=blank)
    text = render_markup(tpl, values, profile, today=today, file=file, row=row)
    blocks = parse(text, Resources(base_dir=tpl.folder, seal=None if blank else profile.seal,
                                   source=str(tpl.body_path)))
    return make_document(blocks, tpl, profile)


def make_document(blocks: list[m.Block], tpl: Template, profile: Profile) -> m.Document:
    """The Document of parsed blocks: titled by its first level-1 heading (else the template's title)."""
    title = next((inline_text(b.inlines) for b in blocks if isinstance(b, m.Heading) and b.level == 1), tpl.title)
    return m.Document(blocks=blocks, page=tpl.page, title=title, author=profile.org.get("name", ""))


def render_markup(tpl: Template, values: dict, profile: Profile, *, today: date | None = None,
                  file: str | None = None, row: int | None = None) -> str:
    """The body after Jinja: markup text."""
    with template_errors(tpl.body_path, file=file, row=row):
        return compiled(tpl).render(context(tpl, values, profile, today))
