"""The docgen command line: a thin layer over the library (parse arguments, call, report)."""
from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Optional

import typer
import yaml
from rich.console import Console
from rich.markup import escape as esc
from rich.table import Table as RichTable

from .errors import DocgenError

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode="rich",
                  help="docgen：物业服务中心文书生成器 — 模板 + 数据 → DOCX 与 PDF。")
console = Console()
err = Console(stderr=True)

TemplatesOpt = typer.Option(None, "--templates", help="额外的模板文件夹（可多次给出），同 id 覆盖内置模板。")
ProfileOpt = typer.Option(None, "--profile", help="机构配置文件 docgen.toml（默认当前目录下的 docgen.toml）。")
ScriptOpt = typer.Option(None, "--script", help="输出文字：hans 简体（默认）、hant 繁体、tw 台湾正体及用语、"
                                                "hk 香港繁体；默认取 docgen.toml 的 \\[output] script。")


def fail(e: DocgenError) -> None:
    """Print a user error as one paragraph and exit 2."""
    err.print(f"[bold red]错误：[/]{esc(e.describe())}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


@contextmanager
def progress_bar(show: bool, label: str = "生成") -> Iterator[Optional[Callable]]:
    """A rich progress bar on stderr fed by a library progress callback (None when not shown)."""
    if not show:
        yield None
        return
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress as Bar, ProgressColumn, TextColumn,
                               TimeRemainingColumn)
    from rich.text import Text

    class Rate(ProgressColumn):
        """Documents per second."""

        def render(self, task):
            speed = task.finished_speed or task.speed
            return Text(f"{speed:5.0f} 份/秒" if speed else "")

    bar = Bar(TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(), Rate(), TextColumn("剩余"),
              TimeRemainingColumn(), console=err)
    task = bar.add_task("run", total=None)

    def update(p) -> None:
        bar.update(task, total=p.total, completed=p.done)
    bar.start()
    try:
        yield update
    finally:
        bar.stop()


def _library(templates: Optional[list[Path]]):
    from .library import Library
    return Library(templates)


class _Dumper(yaml.SafeDumper):
    pass


def _repr_decimal(dumper, value):
    # A plain number (1500.00, places kept): docgen's YAML loader reads it back as the same Decimal.
    text = format(value, "f")
    return dumper.represent_scalar("tag:yaml.org,2002:" + ("float" if "." in text else "int"), text)


_Dumper.add_representer(__import__("decimal").Decimal, _repr_decimal)
_Dumper.add_representer(Path, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", str(v)))


@app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json", help="输出 JSON（供脚本读取）。"),
             templates: Optional[list[Path]] = TemplatesOpt):
    """列出所有模板（按类别分组）。"""
    try:
        lib = _library(templates)
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
        tpl = _library(templates).get(template_id)
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


@app.command()
def render(template_id: str = typer.Argument(..., help="模板 id。"),
           data: Optional[Path] = typer.Option(None, "--data", "-d", help="数据文件（YAML/JSON；- 表示标准输入）。"),
           out: Optional[Path] = typer.Option(None, "--out", "-o", help="输出文件或文件名前缀；后缀 .pdf/.docx 决定格式。"),
           fmt: Optional[str] = typer.Option(None, "--format", "-f", help="pdf、docx 或 both（默认两者，或随 --out 后缀）。"),
           sample: bool = typer.Option(False, "--sample", help="用模板自带的示例数据。"),
           blank: bool = typer.Option(False, "--blank", help="不用数据，印空白表单（手写用的表格本）；只适用于表单模板。"),
           sets: Optional[list[str]] = typer.Option(None, "--set", "-s", metavar="字段=值",
                                                    help="临时改一个字段（可多次给出），如 --set owner_name=张三、"
                                                         "--set items.2.amount=300（列表第 2 条）。"),
           script: Optional[str] = ScriptOpt,
           profile: Optional[Path] = ProfileOpt,
           templates: Optional[list[Path]] = TemplatesOpt,
           as_json: bool = typer.Option(False, "--json", help="以 JSON 输出写出的文件列表。")):
    """用一份数据渲染一个模板，写出 PDF 和/或 DOCX。"""
    from .api import render_one
    try:
        written = render_one(template_id, data_path=data, out=out, fmt=fmt, use_sample=sample,
                             profile_path=profile, templates=templates, overrides=sets or None, script=script,
                             blank=blank)
    except DocgenError as e:
        fail(e)
    if as_json:
        print(json.dumps({"written": [str(p) for p in written]}, ensure_ascii=False))
    else:
        for p in written:
            console.print(f"已生成 {p}", highlight=False, markup=False)


@app.command()
def demo(out: Path = typer.Option(Path("out"), "--out", "-o", help="输出文件夹。"),
         profile: Optional[Path] = ProfileOpt,
         templates: Optional[list[Path]] = TemplatesOpt,
         png: bool = typer.Option(False, "--png", help="同时为每个 PDF 的首页生成 PNG 预览（需要 pdftoppm）。"),
         as_json: bool = typer.Option(False, "--json", help="以 JSON 输出结果。")):
    """把每个内置模板的示例数据渲染成 PDF 和 DOCX（默认写到 out/）；表单另印一份空白版 ID-blank。"""
    from .api import render_samples
    try:
        results = render_samples(out, profile_path=profile, templates=templates, png=png,
                                 progress=not as_json and sys.stderr.isatty())
    except DocgenError as e:
        fail(e)
    failed = [r for r in results if r["error"]]
    if as_json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
    else:
        for r in results:
            if r["error"]:
                err.print(f"[red]✗ {esc(r['id'])}[/]：{esc(r['error'])}", highlight=False)
        console.print(f"{len(results) - len(failed)} 个模板已渲染到 {out}/，{len(failed)} 个失败。", highlight=False, markup=False)
    if failed:
        raise typer.Exit(1)


@app.command()
def check(files: list[Path] = typer.Argument(..., help="PDF 文件；给出同名 DOCX 时用 LibreOffice 转换后比对页数与粗体。"),
          as_json: bool = typer.Option(False, "--json", help="每个文件一行 JSON（供脚本读取）。")):
    """检查排版：避头尾、数字与区间断行、缺字（豆腐块）、未嵌入字体、文字层；DOCX 与 PDF 的页数和粗体。"""
    from .api import check_files
    try:
        reports = check_files(files)
    except DocgenError as e:
        fail(e)
    bad = sum(1 for r in reports if r["problems"])
    for r in reports:
        if as_json:
            print(json.dumps(r, ensure_ascii=False))
            continue
        kinds: dict[str, int] = {}
        for p in r["problems"]:
            kinds[p["kind"]] = kinds.get(p["kind"], 0) + 1
        status = "通过" if not kinds else "，".join(f"{k} {n}" for k, n in sorted(kinds.items()))
        console.print(f"{r['file']}：{r['pages']} 页：{status}", highlight=False, markup=False)
        for p in r["problems"][:20]:
            where = f"第 {p['page']} 页 " if p["page"] else ""
            console.print(f"  {where}{p['kind']}：{p['text']}", highlight=False, markup=False)
    if not as_json:
        console.print(f"{len(reports) - bad} 个通过，{bad} 个有问题。", highlight=False, markup=False)
    if bad:
        raise typer.Exit(1)


# Command groups living in their own modules register themselves on `app`.
from . import cli_batch, cli_exam, cli_serve, cli_user  # noqa: E402,F401


def main() -> None:
    """Entry point for the `docgen` command."""
    try:
        app()
    except DocgenError as e:  # a user error that escaped a command: still no traceback
        err.print(f"[bold red]错误：[/]{esc(e.describe())}", highlight=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
