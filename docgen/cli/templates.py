"""CLI commands that browse the library: list and show."""
from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Optional

import typer
import yaml
from rich.table import Table as RichTable

from ..errors import DocgenError
from .common import TemplatesOpt, app, console, esc, fail, library


class _Dumper(yaml.SafeDumper):
    pass


def _repr_decimal(dumper, value):
    # A plain number (1500.00, places kept): docgen's YAML loader reads it back as the same Decimal.
    text = format(value, "f")
    return dumper.represent_scalar("tag:yaml.org,2002:" + ("float" if "." in text else "int"), text)


_Dumper.add_representer(Decimal, _repr_decimal)
_Dumper.add_representer(Path, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", str(v)))


@app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json", help="输出 JSON（供脚本读取）。"),
             templates: Optional[list[Path]] = TemplatesOpt):
    """列出所有模板（按类别分组）。"""
    try:
        lib = library(templates)
        items = lib.all()
    except DocgenError as e:
        fail(e)
    if as_json:
        print(json.dumps([{"id": t.id, "title": t.title, "category": t.category, "description": t.description,
                           "source": t.source, "folder": str(t.folder), "pad": t.pad} for t in items],
                         ensure_ascii=False, indent=1))
        return
    table = RichTable(show_lines=False)
    table.add_column("类别")
    table.add_column("id")
    table.add_column("名称")
    table.add_column("来源")
    last = None
    for t in items:
        table.add_row(*(esc(x) for x in (t.category if t.category != last else "", t.id, t.title, t.source)))
        last = t.category
    console.print(table)


@app.command()
def show(template_id: str = typer.Argument(..., help="模板 id（见 docgen list）。"),
         example: bool = typer.Option(False, "--example", help="输出示例数据（YAML，可直接用于 render --data）。"),
         as_json: bool = typer.Option(False, "--json", help="以 JSON 输出字段说明。"),
         templates: Optional[list[Path]] = TemplatesOpt):
    """显示模板的字段（类型、中文名、别名）或示例数据。"""
    try:
        tpl = library(templates).get(template_id)
    except DocgenError as e:
        fail(e)
    if example:
        sys.stdout.write(yaml.dump(tpl.sample, Dumper=_Dumper, allow_unicode=True, sort_keys=False))
        return
    fields = [{"name": f.name, "type": f.type, "label": f.label, "required": f.required, "aliases": f.aliases,
               "default": None if f.default is None else str(f.default), "choices": f.choices, "help": f.help,
               "fields": [{"name": s.name, "type": s.type, "label": s.label} for s in f.fields]}
              for f in tpl.schema.fields]
    if as_json:
        print(json.dumps({"id": tpl.id, "title": tpl.title, "category": tpl.category, "fields": fields},
                         ensure_ascii=False, indent=1))
        return
    console.print(f"[bold]{esc(tpl.title)}[/]  ({esc(tpl.id)}, {esc(tpl.category)})")
    if tpl.description:
        console.print(tpl.description, markup=False)
    table = RichTable()
    for col in ("字段", "中文名", "类型", "必填", "别名/说明"):
        table.add_column(col)
    for f in tpl.schema.fields:
        note = "、".join(f.aliases)
        if f.choices:
            note += ("；" if note else "") + "可选：" + "/".join(f.choices)
        if f.default is not None:
            note += ("；" if note else "") + f"默认 {f.default}"
        if f.fields:
            note += ("；" if note else "") + "每条：" + "、".join(s.label or s.name for s in f.fields)
        table.add_row(*(esc(x) for x in (f.name, f.label, f.type, "是" if f.required else "", note)))
    console.print(table)
    console.print("示例数据：docgen show " + tpl.id + " --example > data.yaml", markup=False)
