"""Templates run here: the sandboxed Jinja environment, its filters, and a bounded cache of compiled bodies."""
from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Generic, Iterator, TypeVar

from jinja2 import (FileSystemLoader, StrictUndefined, TemplateNotFound, TemplateRuntimeError, TemplateSyntaxError,
                    UndefinedError)
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from ..errors import DataError, DocgenError, TemplateError
from ..library.folders import Template, search_path
from .filters import FILTERS, to_fen
from .markup import Safe, escape

K = TypeVar("K")
V = TypeVar("V")


def _finalize(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Safe):
        return value
    return escape(value if isinstance(value, str) else str(value))


def _blank(value: Any = "", n: int = 6) -> Safe:
    """Jinja filter: the value underlined as a fill-in blank at least n characters wide."""
    text = "" if value is None else str(value)
    return Safe(f":blank[{escape(text)}]{{n={int(n)}}}")


def _box(value: Any) -> Safe:
    """Jinja filter: a ticked or empty check box."""
    return Safe(":box[x]" if value else ":box")


def make_env(roots: tuple[Path, ...] | None = None) -> ImmutableSandboxedEnvironment:
    """The sandboxed Jinja environment templates run in (data is escaped, never executed)."""
    # {% include "other-template/body.md" %} or "_partials/x.md" resolves over the template roots,
    # highest priority first, so a user's override is what gets included.
    if roots is None:
        roots = tuple(root for _, root in reversed(search_path()) if root.is_dir())
    env = ImmutableSandboxedEnvironment(loader=FileSystemLoader([str(r) for r in roots]), finalize=_finalize,
                                        undefined=StrictUndefined, trim_blocks=True,
                                        lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)
    env.filters.update(FILTERS)
    env.filters["blank"] = _blank
    env.filters["box"] = _box
    # Amounts computed in a template (area × rate × months) are rounded per line, so a total is the sum
    # of the lines as shown.
    env.filters["fen"] = to_fen
    return env


class LRU(Generic[K, V]):
    """A dict that keeps the maxsize entries used last (a long-running process edits templates for ever)."""

    def __init__(self, maxsize: int):
        self.maxsize = maxsize
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The value for key (and mark it used), or None."""
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        """Store value for key, dropping the entry used longest ago when full."""
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._data.clear()


ENV_CACHE_SIZE = 32         # template search paths seen by one process
COMPILED_CACHE_SIZE = 256   # compiled bodies: the built-in library is about 60, plus a user's own
_ENVS: LRU[tuple[Path, ...] | None, ImmutableSandboxedEnvironment] = LRU(ENV_CACHE_SIZE)
# One entry per (body file, search path); the file's mtime lives in the value, so an edited template replaces
# its entry instead of adding one.
_COMPILED: LRU[tuple[str, tuple[Path, ...] | None], tuple[float, Any]] = LRU(COMPILED_CACHE_SIZE)


def env_for(roots: tuple[Path, ...] | None) -> ImmutableSandboxedEnvironment:
    """The sandboxed environment for a template search path (cached)."""
    env = _ENVS.get(roots)
    if env is None:
        env = make_env(roots)
        _ENVS.put(roots, env)
    return env


def compiled(tpl: Template) -> Any:
    """The template's body compiled by Jinja, recompiled when its file changes (bounded cache)."""
    path = tpl.body_path
    roots = tpl.roots or None
    key = (str(path), roots)
    mtime = path.stat().st_mtime
    hit = _COMPILED.get(key)
    if hit is not None and hit[0] == mtime:
        return hit[1]
    try:
        body = env_for(roots).from_string(tpl.body())
    except TemplateSyntaxError as e:
        raise TemplateError(f"模板语法错误：{e.message}", file=str(path), row=e.lineno) from None
    _COMPILED.put(key, (mtime, body))
    return body



@contextmanager
def template_errors(path: Path, *, file: str | None = None, row: int | None = None) -> Iterator[None]:
    """Turn what Jinja raises while filling a body into errors naming the template or the data record."""
    try:
        yield
    except UndefinedError as e:
        raise TemplateError(f"模板引用了未定义的名称：{e.message}", file=str(path),
                            expected="template.yaml 中声明的字段，或 org.*、today、template") from None
    except TemplateNotFound as e:
        raise TemplateError(f"include 的文件不存在：{e.name}", file=str(path),
                            expected="相对模板根目录的路径，如 move-in-notice/body.md 或 _partials/x.md") from None
    except TemplateSyntaxError as e:
        raise TemplateError(f"模板语法错误：{e.message}", file=e.filename or str(path), row=e.lineno) from None
    except SecurityError as e:
        raise TemplateError(f"模板做了不允许的操作：{e}", file=str(path)) from None
    except TemplateRuntimeError as e:
        raise TemplateError(f"模板运行出错：{e}", file=str(path)) from None
    except DocgenError as e:
        if file and not e.file:
            e.file, e.row = file, row
            e.args = (e.describe(),)
        raise
    except (ValueError, TypeError, ArithmeticError) as e:
        raise DataError(f"填充模板时出错：{e}", file=file, row=row) from None
