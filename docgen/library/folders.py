"""The template library: template folders (template.yaml + body) found on the search path."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .. import model as m
from ..errors import TemplateError
from ..inputs.documents import DataLoader
from .schema import Schema

BUILTIN_DIR = Path(str(resources.files("docgen") / "templates"))


def user_dir() -> Path:
    """The user's own template folder, read from the environment now (XDG_CONFIG_HOME, else ~/.config)."""
    # Not fixed at import: a test, or a web process serving several users, sets the environment first.
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config).expanduser() / "docgen" / "templates"

_KEYS = {"id", "title", "category", "description", "body", "page", "fields", "checks", "sample", "tags", "version",
         "pad", "number"}
_PAGE_KEYS = {"body_size", "line_spacing", "margins", "top", "bottom", "left", "right", "page_numbers",
              "landscape", "size"}


@dataclass
class Template:
    """One template: metadata, page setup, field schema, sample data and body text."""
    id: str
    title: str
    category: str
    description: str
    folder: Path
    schema: Schema
    page: m.PageSetup
    sample: dict[str, Any]
    body_file: str = "body.md"
    source: str = "builtin"
    tags: list[str] = field(default_factory=list)
    roots: tuple[Path, ...] = ()    # the search path it was found on, highest priority first (for includes)
    pad: bool = False               # a form that also prints blank, as a pad to fill in by hand (render --blank)
    number: str | None = None       # the register's number pattern for notice_no, e.g. CG-{yyyy}{mm}-{seq:04}

    @property
    def body_path(self) -> Path:
        """The body file (Markdown with Jinja, or a .docx Word template)."""
        return self.folder / self.body_file

    def body(self) -> str:
        """The body text."""
        if self.body_file.lower().endswith(".docx"):
            raise TemplateError("这是 Word 模板，正文不是文本", file=str(self.body_path),
                                expected="用 docgen render 渲染（Word 模板走 docxtpl）")
        return self.body_path.read_text(encoding="utf-8")


def _page(spec: Any, where: str) -> m.PageSetup:
    page = m.PageSetup()
    if not spec:
        return page
    if not isinstance(spec, dict):
        raise TemplateError("page 应为映射", file=where)
    unknown = set(spec) - _PAGE_KEYS
    if unknown:
        raise TemplateError(f"page 有未知键：{', '.join(sorted(unknown))}", file=where,
                            expected="、".join(sorted(_PAGE_KEYS)))
    try:
        if "body_size" in spec or "size" in spec:
            page.body_size = m.size_pt(spec.get("body_size", spec.get("size")), page.body_size) or page.body_size
        if "line_spacing" in spec:
            page.line_spacing = float(spec["line_spacing"])
        margins = spec.get("margins")
        if margins is not None:
            parts = [m.length_pt(x) for x in str(margins).replace(",", " ").split()]
            if len(parts) != 4:
                raise ValueError("margins 应为 上 右 下 左 四个长度，如 25mm 20mm 25mm 20mm")
            page.top, page.right, page.bottom, page.left = parts
        for k in ("top", "bottom", "left", "right"):
            if k in spec:
                setattr(page, k, m.length_pt(spec[k]))
        if "page_numbers" in spec:
            value = str(spec["page_numbers"])
            for choice in m.PAGE_NUMBERS:
                if value == choice:
                    page.page_numbers = choice
                    break
            else:
                raise TemplateError(f"page_numbers 不能是「{value}」", file=where, field="page.page_numbers",
                                    expected="、".join(m.PAGE_NUMBERS))
        if spec.get("landscape"):
            page.landscape = True
            page.width, page.height = page.height, page.width
    except ValueError as e:
        raise TemplateError(str(e), file=where, field="page") from None
    return page


def load_template(folder: Path, source: str = "builtin") -> Template:
    """Load a template folder; errors name the file and key."""
    folder = Path(folder)
    path = folder / "template.yaml"
    where = str(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=DataLoader)  # noqa: S506
    except FileNotFoundError:
        raise TemplateError("模板文件夹里没有 template.yaml", file=str(folder)) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise TemplateError(f"YAML 语法错误：{getattr(e, 'problem', e)}", file=where,
                            row=mark.line + 1 if mark else None) from None
    if not isinstance(raw, dict):
        raise TemplateError("template.yaml 顶层应为映射", file=where)
    unknown = set(raw) - _KEYS
    if unknown:
        raise TemplateError(f"未知键：{', '.join(sorted(unknown))}", file=where, expected="、".join(sorted(_KEYS)))
    for key in ("id", "title"):
        if not raw.get(key):
            raise TemplateError(f"缺少 {key}", file=where, field=key)
    body = str(raw.get("body", "body.md"))
    if not (folder / body).is_file():
        raise TemplateError(f"找不到正文文件 {body}", file=where, field="body")
    sample = raw.get("sample") or {}
    if (folder / "sample.yaml").is_file() and not sample:
        sample = yaml.load((folder / "sample.yaml").read_text(encoding="utf-8"), Loader=DataLoader) or {}  # noqa: S506
    return Template(id=str(raw["id"]), title=str(raw["title"]), category=str(raw.get("category", "其他")),
                    description=str(raw.get("description", "")).strip(), folder=folder,
                    schema=Schema.from_yaml(raw.get("fields"), where, raw.get("checks")), page=_page(raw.get("page"), where),
                    sample=sample, body_file=body, source=source, tags=list(raw.get("tags") or []),
                    pad=raw.get("pad") is True, number=str(raw["number"]) if raw.get("number") else None)


def search_path(extra: list[Path] | None = None) -> list[tuple[str, Path]]:
    """Template roots, lowest priority first: built-in, user folder, DOCGEN_TEMPLATES, --templates."""
    roots: list[tuple[str, Path]] = [("builtin", BUILTIN_DIR), ("user", user_dir())]
    for p in filter(None, os.environ.get("DOCGEN_TEMPLATES", "").split(os.pathsep)):
        roots.append(("env", Path(p).expanduser()))
    for extra_root in extra or []:
        roots.append(("option", Path(extra_root).expanduser()))
    return roots


class Library:
    """All templates on the search path; later roots override earlier ones by id."""

    def __init__(self, extra: list[Path] | None = None):
        self.roots = search_path(extra)
        self._folders: dict[str, tuple[str, Path]] = {}
        for source, root in self.roots:
            if not root.is_dir():
                continue
            for yml in sorted(root.glob("*/template.yaml")):
                tid = _peek_id(yml) or yml.parent.name
                self._folders[tid] = (source, yml.parent)
        self._cache: dict[str, Template] = {}

    def ids(self) -> list[str]:
        """All template ids."""
        return sorted(self._folders)

    def get(self, tid: str) -> Template:
        """The template with this id, or a TemplateError listing close matches."""
        if tid not in self._cache:
            if tid not in self._folders:
                import difflib
                close = difflib.get_close_matches(tid, self.ids(), n=3, cutoff=0.5)
                raise TemplateError(f"没有 id 为「{tid}」的模板", field="template",
                                    expected=("、".join(close) + " 之一，或") if close else "运行 docgen list 查看可用模板")
            source, folder = self._folders[tid]
            tpl = load_template(folder, source)
            tpl.roots = tuple(root for _, root in reversed(self.roots) if root.is_dir())
            self._cache[tid] = tpl
        return self._cache[tid]

    def all(self) -> list[Template]:
        """Every template, sorted by category then id."""
        return sorted((self.get(t) for t in self.ids()), key=lambda t: (t.category, t.id))


def _peek_id(yml: Path) -> str | None:
    for line in yml.read_text(encoding="utf-8").splitlines():
        if line.startswith("id:"):
            return line[3:].split(" #")[0].strip().strip("'\"") or None
    return None
