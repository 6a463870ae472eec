"""Field guesses for `docgen new --docx`: what the tags of an office's own Word file say about its data.

A name tested in `{% if x %}` is a yes/no field that may be left out; one with `|default(…)` may be left
out too (the default is honoured at render time).  `{% for x in xs %}` makes a list, nested loops
nested lists, `x.attr` the columns of its records; a name that looks like a picture (or is given to
`image(…)`) is an image field; cn_date/money… filters give dates and amounts.  Everything else is
`any`: the data's own type wins (YAML false stays false, 2 stays 2, spaces and line breaks stay).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import yaml
from jinja2 import nodes

FILTER_TYPES = {"cn_date": "date", "cn_date_upper": "date", "weekday": "date", "cn_datetime": "datetime",
                "money": "money", "rmb_upper": "money", "fen": "money", "cn_period": "period",
                "mask_phone": "phone", "cn_number": "int"}
EXAMPLES = {"any": "示例", "string": "示例", "date": "2026-11-23", "datetime": "2026-11-23 09:00",
            "money": "100.00", "period": "2026-11", "phone": "0571-86502266", "int": 1, "bool": True,
            "image": "sample-image.png"}
SAMPLE_IMAGE = "sample-image.png"
_IMAGE_NAME = re.compile(r"image|img|photo|picture|logo|qrcode|(^|_)pics?($|_)|图片|照片|图像|二维码|签名|印章|公章", re.I)
_TEXT_NAME = re.compile(r"(text|name|caption|title|desc|description|note|count|num|no|url|说明|名称|数量|编号)s?$", re.I)
_CONTEXT = {"org", "today", "template", "image", "loop", "range", "lipsum", "dict", "cycler", "joiner",
            "namespace", "True", "False", "None", "true", "false", "none"}


@dataclass
class Guess:
    """What the body shows about one name (or record column)."""
    used: bool = False         # printed, filtered, looped or read from
    tested: bool = False       # {% if x %} / {% if not x %}
    typed_test: bool = False   # {% if x is mapping %} …: the data decides
    optional: bool = False     # |default(…), is defined, or tested
    ftype: str | None = None   # from a filter or image()
    image: bool = False
    numeric: bool = False      # used in arithmetic or compared with a number: the sample gives a number
    loop: "Guess | None" = None                      # the entries, when looped over
    fields: dict[str, "Guess"] = field(default_factory=dict)   # read as x.attr

    def attr(self, name: str) -> "Guess":
        return self.fields.setdefault(name, Guess())

    def entry(self) -> "Guess":
        if self.loop is None:
            self.loop = Guess()
        return self.loop

    def kind(self, name: str) -> str:
        """The field type this guess declares."""
        if self.loop is not None:
            return "list"
        if self.image or (_IMAGE_NAME.search(name) and not _TEXT_NAME.search(name) and self.used
                          and not (self.fields or self.ftype or self.typed_test or self.numeric)):
            return "image"
        if self.ftype:
            return self.ftype
        if self.tested and not (self.used or self.fields or self.typed_test):
            return "bool"
        return "any"


def infer(ast: nodes.Template, exclude: set[str] | frozenset = frozenset()) -> dict[str, Guess]:
    """Guesses for the names a parsed Word body reads, in order of first use."""
    top: dict[str, Guess] = {}
    skip = _CONTEXT | set(exclude)

    def resolve(node, scope) -> Guess | None:
        while isinstance(node, nodes.Filter) and node.node is not None:
            node = node.node
        if isinstance(node, nodes.Name):
            if node.name in scope:
                return scope[node.name]
            if node.name in skip:
                return None
            return top.setdefault(node.name, Guess())
        if isinstance(node, nodes.Getattr):
            base = resolve(node.node, scope)
            return base.attr(node.attr) if base is not None else None
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            base = resolve(node.node, scope)
            if base is None:
                return None
            if isinstance(node.arg.value, str):
                return base.attr(node.arg.value)
            return base.entry() if isinstance(node.arg.value, int) else None   # items[0]
        return None

    def truth(test, scope) -> None:
        if isinstance(test, nodes.Not):
            truth(test.node, scope)
        elif isinstance(test, (nodes.And, nodes.Or)):
            truth(test.left, scope)
            truth(test.right, scope)
        elif isinstance(test, (nodes.Name, nodes.Getattr)):
            g = resolve(test, scope)
            if g is not None:
                g.tested = g.optional = True
                return
        visit(test, scope)

    def visit(node, scope) -> None:
        if isinstance(node, nodes.For):
            visit(node.iter, scope)
            g = resolve(node.iter, scope)
            inner = dict(scope, loop=None)
            if g is not None:
                g.used = True
                if isinstance(node.target, nodes.Name):
                    inner[node.target.name] = g.entry()
                    if _IMAGE_NAME.search(node.target.name):
                        g.entry().image = True   # {% for img in images %}{{ img }}
            for n in [node.target, *node.target.find_all(nodes.Name)]:
                if isinstance(n, nodes.Name):
                    inner.setdefault(n.name, None)
            for child in [*node.body, *node.else_] + ([node.test] if node.test else []):
                visit(child, inner)
            return
        if isinstance(node, (nodes.If, nodes.CondExpr)):
            truth(node.test, scope)
            rest = [*node.body, *getattr(node, "elif_", []), *node.else_] if isinstance(node, nodes.If) \
                else [node.expr1] + ([node.expr2] if node.expr2 else [])
            for child in rest:
                visit(child, scope)
            return
        if isinstance(node, (nodes.Macro, nodes.CallBlock)):
            inner = dict(scope, **{a.name: None for a in node.args}, caller=None, varargs=None, kwargs=None)
            if isinstance(node, nodes.Macro):
                scope[node.name] = None
            else:
                visit(node.call, scope)
            for child in node.body + node.defaults:
                visit(child, inner)
            return
        if isinstance(node, (nodes.Assign, nodes.AssignBlock)):
            for n in [node.target, *node.target.find_all(nodes.Name)]:
                if isinstance(n, nodes.Name):
                    scope[n.name] = None
        if isinstance(node, (nodes.BinExpr, nodes.UnaryExpr, nodes.Compare)):
            operands = [node.left, node.right] if isinstance(node, nodes.BinExpr) else [node.node] \
                if isinstance(node, nodes.UnaryExpr) else [node.expr, *(op.expr for op in node.ops)]
            if not any(isinstance(o, nodes.Const) and isinstance(o.value, str) for o in operands):
                for o in operands:
                    g = resolve(o, scope)
                    if g is not None:
                        g.numeric = True
        if isinstance(node, nodes.Filter):
            g = resolve(node.node, scope) if node.node is not None else None
            if g is not None:
                g.used = True
                if node.name in ("default", "d"):
                    g.optional = True
                elif node.name in FILTER_TYPES and not g.ftype:
                    g.ftype = FILTER_TYPES[node.name]
        if isinstance(node, nodes.Test):
            g = resolve(node.node, scope)
            if g is not None:
                g.typed_test = g.optional = True
                g.used = True
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name == "image" \
                and node.args:
            g = resolve(node.args[0], scope)
            if g is not None:
                g.image = g.used = True
        if isinstance(node, (nodes.Name, nodes.Getattr, nodes.Getitem)):
            g = resolve(node, scope)
            if g is not None:
                g.used = True
            if not isinstance(node, nodes.Name):
                visit(node.node, scope)   # the record itself is read, not printed
            return
        for child in node.iter_child_nodes():
            visit(child, scope)

    scope: dict = {}
    for child in ast.body:
        visit(child, scope)
    return top


def _entry_is_image(name: str, g: Guess) -> bool:
    e = g.loop
    return e is not None and not e.fields and e.loop is None and not e.numeric and (
        e.image or bool(_IMAGE_NAME.search(name) and not _TEXT_NAME.search(name)))


def _key(name: str) -> str:
    """name as a YAML mapping key (no, on, 1 … would otherwise read as other things)."""
    try:
        if yaml.safe_load(f"{name}: 1") == {name: 1}:
            return name
    except yaml.YAMLError:
        pass
    return json.dumps(name, ensure_ascii=False)


def declaration(name: str, g: Guess, indent: int = 2) -> str:
    """The template.yaml lines declaring one guessed field (nested lists indented under fields:)."""
    pad = " " * indent
    label = _key(name)
    kind = g.kind(name)
    req = "" if g.optional or kind == "bool" else ", required: true"
    if kind != "list":
        note = "   # 正文用 default(…) 给了没填时的值" if g.optional and g.used and not g.tested and not g.typed_test \
            else "   # 正文里 {% if %} 判断它" if kind == "bool" \
            else f"   # 映射，正文读它的 {'、'.join(g.fields)}" if kind == "any" and g.fields else ""
        return f"{pad}{label}: {{type: {kind}, label: {label}{req}}}{note}\n"
    entry = g.loop
    assert entry is not None   # a list is a field some {% for %} loops over
    head = f"{pad}{label}:\n{pad}  type: list\n{pad}  label: {label}\n" + ("" if g.optional else f"{pad}  required: true\n")
    if entry.fields:
        return head + f"{pad}  fields:\n" + "".join(declaration(k, v, indent + 4) for k, v in entry.fields.items())
    if _entry_is_image(name, g):
        return head + f"{pad}  items: image\n"
    return head   # entries (text, numbers, lists) pass through as the data gives them


def sample_value(name: str, g: Guess):
    """A sample value for one guessed field."""
    kind = g.kind(name)
    if kind == "any" and g.fields:
        return {k: sample_value(k, v) for k, v in g.fields.items()}
    if kind != "list":
        return 1 if kind == "any" and g.numeric else EXAMPLES[kind]
    entry = g.loop
    assert entry is not None   # a list is a field some {% for %} loops over
    if entry.fields:
        return [{k: sample_value(k, v) for k, v in entry.fields.items()}]
    if _entry_is_image(name, g):
        return [SAMPLE_IMAGE]
    return [["示例"]] if entry.loop is not None else ["示例"]


def needs_sample_image(guesses: dict[str, Guess]) -> bool:
    """Whether the sample refers to the placeholder picture."""
    def walk(v) -> bool:
        if isinstance(v, list):
            return any(map(walk, v))
        if isinstance(v, dict):
            return any(map(walk, v.values()))
        return v == SAMPLE_IMAGE
    return any(walk(sample_value(k, g)) for k, g in guesses.items())


def sample_yaml(guesses: dict[str, Guess]) -> str:
    """The sample: block (indented two spaces) for the guessed fields."""
    data = {k: sample_value(k, g) for k, g in guesses.items()}
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None, width=100)
    return "".join("  " + line + "\n" for line in text.splitlines())
