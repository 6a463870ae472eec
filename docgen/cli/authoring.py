"""CLI commands for users' own templates: `new` and `lint` (registered on docgen.cli.app)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ..errors import DocgenError
from .common import ProfileOpt, TemplatesOpt, app, console, err, esc, fail


@app.command()
def new(template_id: str = typer.Argument(..., help="新模板的 id（字母、数字、连字符），如 parking-notice。"),
        from_id: Optional[str] = typer.Option(None, "--from", help="复制一个已有模板（id）作为起点。"),
        category: Optional[str] = typer.Option(None, "--category", "-c", help="类别，如 通知、催缴、表单。"),
        title: Optional[str] = typer.Option(None, "--title", help="模板名称（文档标题）。"),
        word: bool = typer.Option(False, "--word", help="正文用 Word 文件（生成一个带表格循环、图片的 body.docx 示例）。"),
        docx: Optional[Path] = typer.Option(None, "--docx", help="用你自己的 Word 文件（已写好 {{ 字段 }} 标签）作正文。"),
        dest: Optional[Path] = typer.Option(None, "--dir", help="在这个文件夹下建模板（默认用户模板文件夹 "
                                            "~/.config/docgen/templates，docgen list 能直接找到）。"),
        templates: Optional[list[Path]] = TemplatesOpt):
    """新建模板文件夹：带注释的 template.yaml、正文和示例数据。"""
    from ..library.scaffold import new_template
    try:
        folder = new_template(template_id, dest=dest, from_id=from_id, category=category, title=title, word=word,
                              docx=docx, templates=templates)
    except DocgenError as e:
        fail(e)
    console.print(f"已新建模板 {folder}", highlight=False, markup=False)
    for name in sorted(p.name for p in folder.iterdir()):
        console.print(f"  {name}", highlight=False, markup=False)
    hint = "" if dest is None else f" --templates {folder.parent}"
    console.print(f"下一步：编辑这些文件，然后运行\n  docgen lint {folder}\n"
                  f"  docgen render {template_id}{hint} --sample --out {template_id}.pdf", highlight=False, markup=False)


@app.command()
def lint(path: str = typer.Argument(..., help="模板文件夹（或其中的 template.yaml，或模板 id）。"),
         no_render: bool = typer.Option(False, "--no-render", help="不做试渲染（只查 YAML、字段和语法）。"),
         no_pdf: bool = typer.Option(False, "--no-pdf", help="Word 模板不试转 PDF（省去启动 LibreOffice 的时间）。"),
         as_json: bool = typer.Option(False, "--json", help="以 JSON 输出问题列表。"),
         profile: Optional[Path] = ProfileOpt,
         templates: Optional[list[Path]] = TemplatesOpt):
    """检查模板：YAML、字段声明与使用、Jinja 语法、标记、示例数据，并试渲染；有问题时退出码为 1。"""
    from ..library.lint import lint_template
    from ..profile import load_profile
    try:
        problems = lint_template(path, profile=load_profile(profile), render=not no_render, pdf=not no_pdf,
                                 templates=templates)
    except DocgenError as e:
        fail(e)
    if as_json:
        print(json.dumps([p.as_dict() for p in problems], ensure_ascii=False, indent=1))
    elif problems:
        for p in problems:
            err.print(f"[bold red]✗[/] {esc(p.location())}: {esc(p.message)}", highlight=False, soft_wrap=True)
            if p.hint:
                err.print(f"    [dim]提示：{esc(p.hint)}[/]", highlight=False, soft_wrap=True)
        err.print(f"共 {len(problems)} 个问题。", highlight=False)
    else:
        console.print(f"✓ {path}：没有发现问题。", highlight=False, soft_wrap=True, markup=False)
    if problems:
        raise typer.Exit(1)
