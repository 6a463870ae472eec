"""Where things are in a template's sources, for lint: YAML node lines, Jinja AST queries, rendered → body lines."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from jinja2 import TemplateSyntaxError, nodes

# ---------------------------------------------------------------- YAML positions

def _lookup(node: yaml.Node | None, key: Any) -> tuple[yaml.Node, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == str(key):
                return k, v
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        item = node.value[key]
        return item, item
    return None


def yaml_line(root: yaml.Node | None, *path: Any) -> int | None:
    """1-based line of the deepest key found along path in a composed YAML tree."""
    line = None
    node = root
    for key in path:
        hit = _lookup(node, key)
        if hit is None:
            break
        line = hit[0].start_mark.line + 1
        node = hit[1]
    return line


_YAML_HINTS = [
    ("mapping values are not allowed", "值里有冒号时请给整个值加引号，如 hours: \"8:00—12:00\"；或检查上一行是否少了缩进"),
    ("found character '\\t'", "缩进请用空格，不要用 Tab"),
    ("could not find expected ':'", "每行应为「键: 值」，冒号后要有空格；或检查引号是否成对"),
    ("did not find expected key", "检查这一行与同级的行缩进是否对齐"),
    ("found undefined alias", "& 和 * 在 YAML 中有特殊含义，含它们的值请加引号"),
    ("while scanning a quoted scalar", "引号没有成对"),
    ("expected <block end>", "检查这一行的缩进是否与同级的行一致"),
]


def _yaml_hint(e: yaml.YAMLError) -> str:
    text = str(e)
    for needle, hint in _YAML_HINTS:
        if needle in text:
            return hint
    return "检查这一行及上一行的缩进（空格）、冒号和引号"


# ---------------------------------------------------------------- body analysis

class _Blank(str):
    """A stand-in value for a name the test render cannot fill: empty, with any attribute, iterable as nothing."""

    def __getattr__(self, name: str) -> "_Blank":
        if name.startswith("__"):
            raise AttributeError(name)
        return _Blank()

    def __iter__(self):
        return iter(())

    def __call__(self, *args, **kwargs) -> "_Blank":
        return _Blank()


class _Record(dict):
    """A list record in the test render: a misspelt key (already reported) reads as blank instead of stopping it."""

    def __missing__(self, key: str) -> _Blank:
        return _Blank()


_JINJA_HINTS = [
    ("Encountered unknown tag 'end", "检查 {% if %} 与 {% endif %}、{% for %} 与 {% endfor %} 是否成对"),
    ("unexpected end of template", "有 {% if %} 或 {% for %} 没有对应的 {% endif %}/{% endfor %}"),
    ("Encountered unknown tag", "{% %} 里只能写 if、for、set、include 等 Jinja 语句；要印出字段请用 {{ 字段名 }}"),
    ("end of print statement", "{{ }} 里只能写一个字段或表达式：字段名不能含空格或连字符，过滤器写作 {{ 金额 | money }}"),
    ("unexpected '}'", "检查括号：印出用 {{ 字段名 }}，语句用 {% … %}"),
    ("no filter named", "可用的过滤器见 docs/templates.md「过滤器」"),
    ("unexpected char", "标签里有中文标点（如全角引号、括号）？标签里的符号要用半角"),
]


def _jinja_hint(message: str) -> str:
    for needle, hint in _JINJA_HINTS:
        if needle.lower() in message.lower():
            return hint
    return "对照 docs/templates.md 检查 {{ }} 和 {% %} 的写法"


def _unwrap(node: nodes.Node) -> nodes.Node:
    while isinstance(node, (nodes.Filter, nodes.Test)) and node.node is not None:
        node = node.node
    return node


_BLOCKS = {"for", "if", "macro", "call", "filter", "with", "block", "raw", "autoescape"}


def unclosed_block_line(env, source: str) -> int | None:
    """Line of the innermost {% for/if … %} left open at the end of the source (None if all are closed)."""
    stack: list[tuple[str, int]] = []
    after_begin = False
    try:
        for lineno, kind, value in env.lex(source):
            if kind == "block_begin":
                after_begin = True
                continue
            if after_begin and kind == "name":
                if value in _BLOCKS:
                    stack.append((value, lineno))
                elif value.startswith("end") and stack and stack[-1][0] == value[3:]:
                    stack.pop()
            after_begin = False
    except TemplateSyntaxError:
        return None
    return stack[-1][1] if stack else None


def _guarded(ast: nodes.Template) -> set[str]:
    """Names the body itself treats as optional: `x | default(…)`, `x is defined`."""
    out = {f.node.name for f in ast.find_all(nodes.Filter)
           if f.name in ("default", "d") and isinstance(f.node, nodes.Name)}
    out |= {t.node.name for t in ast.find_all(nodes.Test)
            if t.name in ("defined", "undefined") and isinstance(t.node, nodes.Name)}
    return out


def _assigned(ast: nodes.Template) -> set[str]:
    """Names the template sets itself: {% set %}, for-loop targets, macros and imports."""
    out = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")}
    out |= {m.name for m in ast.find_all(nodes.Macro)}
    for imp in ast.find_all(nodes.FromImport):
        out |= {n if isinstance(n, str) else n[1] for n in imp.names}
    out |= {imp.target for imp in ast.find_all(nodes.Import)}
    return out


def _template_frame(tb, body: Path) -> tuple[str, int | None]:
    """The innermost template file and line in a traceback (Jinja rewrites frames to point at templates)."""
    where: tuple[str, int | None] = (str(body), None)
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name == "<template>":
            where = (str(body), tb.tb_lineno)
        elif name.endswith((".md", ".txt", ".j2")) and Path(name).is_file():
            where = (name, tb.tb_lineno)
        tb = tb.tb_next
    return where


def _name_lines(ast: nodes.Template, name: str) -> list[int]:
    return sorted({n.lineno for n in ast.find_all(nodes.Name) if n.name == name and n.ctx == "load"})


def source_line(rendered: list[str], row: int, source: list[str]) -> int | None:
    """Best guess of the body line that produced rendered line `row` (literal text matched, tags as wildcards)."""
    if not 1 <= row <= len(rendered):
        return None
    target = rendered[row - 1].strip()
    scored = []
    for i, src in enumerate(source, 1):
        text = re.sub(r"\{#.*?#\}", "", src.strip())
        parts = re.split(r"\{\{.*?\}\}|\{%.*?%\}", text)
        literal = "".join(parts).strip()
        if not literal:
            continue
        pattern = ".*?".join(re.escape(p) for p in parts)
        if re.fullmatch(pattern, target, re.S):
            scored.append((-len(literal), abs(i / max(len(source), 1) - row / len(rendered)), i))
    return min(scored)[2] if scored else None
