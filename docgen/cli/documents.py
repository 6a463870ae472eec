"""CLI commands that make and check documents: render, demo and check."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from ..errors import DataError, DocgenError
from .common import (NoRegisterOpt, OperatorOpt, ProfileOpt, ScriptOpt, TemplatesOpt, app, console, err, esc, fail,
                     progress_bar)


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
           tables: Optional[list[str]] = typer.Option(None, "--table", "-t", metavar="列表字段=表格",
                                                      help="用一张表格（CSV/XLSX/YAML/JSON）填一个列表字段，每行一条，"
                                                           "表头写字段名或中文名，如 --table results=result/scores.csv；"
                                                           "模板只有一个列表字段时可只写表格；可多次给出。"),
           sheet: Optional[str] = typer.Option(None, "--sheet", help="--table 给的 Excel 的工作表名（默认第一个）。"),
           script: Optional[str] = ScriptOpt,
           no_register: bool = NoRegisterOpt,
           operator: Optional[str] = OperatorOpt,
           profile: Optional[Path] = ProfileOpt,
           templates: Optional[list[Path]] = TemplatesOpt,
           as_json: bool = typer.Option(False, "--json", help="以 JSON 输出写出的文件列表。")):
    """用一份数据渲染一个模板，写出 PDF 和/或 DOCX。"""
    from ..api import render_one
    try:
        written = render_one(template_id, data_path=data, out=out, fmt=fmt, use_sample=sample,
                             profile_path=profile, templates=templates, overrides=sets or None, script=script,
                             blank=blank, register=not no_register, operator=operator,
                             tables=_tables(template_id, tables, templates) if tables else None, sheet=sheet)
    except DocgenError as e:
        fail(e)
    if as_json:
        print(json.dumps({"written": [str(p) for p in written]}, ensure_ascii=False))
    else:
        for p in written:
            console.print(f"已生成 {p}", highlight=False, markup=False)


def _tables(template_id: str, specs: list[str], templates: Optional[list[Path]]) -> dict[str, str]:
    """--table FIELD=FILE (or FILE alone when the template has one list field) → {field: file}."""
    from .common import library
    schema = library(templates).get(template_id).schema
    lists = [f.name for f in schema.fields if f.type == "list" and f.fields]
    out: dict[str, str] = {}
    for spec in specs:
        key, sep, path = spec.partition("=")
        if not sep or schema.field_for(key.strip()) is None:
            if len(lists) != 1:
                raise DataError(f"「{spec}」没有写明填哪个列表字段", field="tables",
                                expected="列表字段=表格，字段为 " + ("、".join(lists) or "（这个模板没有列表字段）"))
            key, path = lists[0], spec
        f = schema.field_for(key.strip())
        key = f.name if f is not None else key.strip()
        if key in out:
            raise DataError(f"列表字段「{key}」给了两张表格", field="tables", expected="每个列表字段一张表格")
        out[key] = path.strip()
    return out


@app.command()
def demo(out: Path = typer.Option(Path("out"), "--out", "-o", help="输出文件夹。"),
         profile: Optional[Path] = ProfileOpt,
         templates: Optional[list[Path]] = TemplatesOpt,
         png: bool = typer.Option(False, "--png", help="同时为每个 PDF 的首页生成 PNG 预览（需要 pdftoppm）。"),
         as_json: bool = typer.Option(False, "--json", help="以 JSON 输出结果。")):
    """把每个内置模板的示例数据渲染成 PDF 和 DOCX（默认写到 out/）；表单另印一份空白版 ID-blank。"""
    from ..api import render_samples
    try:
        with progress_bar(not as_json and sys.stderr.isatty(), "渲染示例", transient=True) as bar:
            results = render_samples(out, profile_path=profile, templates=templates, png=png, progress=bar)
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
    from ..api import check_files
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
