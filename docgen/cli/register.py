"""CLI commands: register list | show | export | void | delivered | reprint (registered on docgen.cli.app)."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table as RichTable

from .common import OperatorOpt, ProfileOpt, TemplatesOpt, app, console, err, esc, fail
from ..errors import DataError, DocgenError

register_app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode="rich",
                           help="发文登记簿（docgen.db）：每份发出的文书的编号、受送达人、文件指纹和送达记录。")
app.add_typer(register_app, name="register")

STATUS = {"issued": "已发出", "void": "已作废", "failed": "未生成", "pending": "生成中"}
FILE_STATE = {"ok": "指纹一致", "changed": "已被改动（指纹不符）", "missing": "文件不存在"}


def _date(value: Optional[str], option: str) -> Optional[date]:
    if value is None:
        return None
    from ..engine.filters import to_date
    try:
        return to_date(value)
    except ValueError:
        raise DataError(f"「{value}」不是日期", field=option, expected="日期，如 2026-11-30") from None


def _row(d) -> dict:
    """The JSON object of one document (the fields scripts rely on)."""
    out = d.as_dict()
    out.pop("data", None)
    return out


@register_app.command("list")
def list_cmd(unit: Optional[str] = typer.Option(None, "--unit", help="只列这一户，如 \"3栋 1502\"。"),
             template: Optional[str] = typer.Option(None, "--template", "-t", help="只列这个模板的文书。"),
             since: Optional[str] = typer.Option(None, "--since", help="只列此日期（含）以后发出的。"),
             status: Optional[str] = typer.Option(None, "--status", help="issued、void 或 failed。"),
             profile: Optional[Path] = ProfileOpt,
             as_json: bool = typer.Option(False, "--json", help="以 JSON 输出（对象列表）。")):
    """列出登记簿中的文书（按发文日期）。"""
    from ..api import register_documents
    try:
        if status is not None and status not in STATUS:
            raise DataError(f"未知的状态「{status}」", field="--status", expected="issued、void 或 failed")
        docs = register_documents(profile, unit=unit, template=template, since=_date(since, "--since"), status=status)
    except DocgenError as e:
        fail(e)
    if as_json:
        print(json.dumps([_row(d) for d in docs], ensure_ascii=False, indent=1))
        return
    table = RichTable()
    for col in ("编号", "状态", "文书", "受送达人", "房号", "金额", "级别", "发文日期", "送达"):
        table.add_column(col)
    for d in docs:
        dl = d.delivered
        table.add_row(*(esc(str(x)) for x in (
            d.reference, STATUS[d.status] + ("（补发）" if d.reprint_of else ""), d.title or d.template, d.recipient,
            d.unit, "" if d.amount is None else d.amount, d.level or "", d.issue_date,
            f"{dl['method']} {dl['date']}" if dl else "")))
    console.print(table)
    console.print(f"共 {len(docs)} 份。", highlight=False, markup=False)


@register_app.command()
def show(number: str = typer.Argument(..., help="文书编号（未编号的写 #序号）。"),
         profile: Optional[Path] = ProfileOpt,
         as_json: bool = typer.Option(False, "--json", help="以 JSON 输出。")):
    """显示一份文书的登记内容，并核对文件：指纹一致、已被改动或不存在（有改动或缺失时退出码 1）。"""
    from ..api import register_show
    try:
        doc, checks, reprints = register_show(number, profile)
    except DocgenError as e:
        fail(e)
    bad = [c for c in checks if c["state"] != "ok"]
    if as_json:
        print(json.dumps(dict(_row(doc), file_check=checks, reprints=[_row(r) for r in reprints]),
                         ensure_ascii=False, indent=1))
    else:
        lines = [("编号", doc.reference), ("状态", STATUS[doc.status] + (f"（{doc.note}）" if doc.note else "")),
                 ("文书", f"{doc.title}（{doc.template}）"), ("受送达人", doc.recipient), ("房号", doc.unit),
                 ("金额", "" if doc.amount is None else f"{doc.amount} 元"), ("催缴级别", doc.level or ""),
                 ("发文日期", doc.issue_date), ("经办人", doc.operator), ("运行", doc.run_id)]
        for k, v in lines:
            if v not in ("", None):
                console.print(f"{k}：{v}", highlight=False, markup=False)
        for c in checks:
            console.print(f"文件：{c['file']}  {FILE_STATE[c['state']]}  sha256 {c['sha256'][:16]}…",
                          highlight=False, markup=False)
        for dl in doc.deliveries:
            console.print(f"送达：{dl['method']} {dl['date']}" + (f"，送达人 {dl['by']}" if dl["by"] else "")
                          + (f"，{dl['note']}" if dl["note"] else ""), highlight=False, markup=False)
        if not doc.deliveries and doc.status == "issued":
            console.print("送达：尚未登记送达回执", highlight=False, markup=False)
        for r in reprints:
            console.print(f"补发：{r.issue_date} → {'、'.join(r.files)}", highlight=False, markup=False)
        for c in bad:
            err.print(f"[red]{esc(FILE_STATE[c['state']])}[/]：{esc(c['file'])}", highlight=False)
    if bad:
        raise typer.Exit(1)


@register_app.command()
def export(out: Path = typer.Option(..., "--out", "-o", help="写出的 Excel 文件，如 发文登记.xlsx。"),
           by: str = typer.Option("year", "--by", help="year 每年一张工作表（默认），template 每种文书一张。"),
           profile: Optional[Path] = ProfileOpt,
           as_json: bool = typer.Option(False, "--json", help="以 JSON 输出结果。")):
    """把发文登记簿导出为 Excel（中文表头）。"""
    from ..api import register_export
    try:
        path, count = register_export(out, by=by, profile_path=profile)
    except DocgenError as e:
        fail(e)
    if as_json:
        print(json.dumps({"written": str(path), "documents": count}, ensure_ascii=False))
    else:
        console.print(f"已导出 {count} 份文书 → {path}", highlight=False, markup=False)


@register_app.command()
def void(number: str = typer.Argument(..., help="文书编号。"),
         reason: str = typer.Option(..., "--reason", help="作废原因（必填）。"),
         profile: Optional[Path] = ProfileOpt):
    """作废一份文书；编号永不再用。"""
    from ..api import register_void
    try:
        doc = register_void(number, reason, profile_path=profile)
    except DocgenError as e:
        fail(e)
    console.print(f"已作废 {doc.reference}：{doc.note}", highlight=False, markup=False)


@register_app.command()
def delivered(number: str = typer.Argument(..., help="文书编号。"),
              method: str = typer.Option(..., "--method", help="直接送达、留置送达、邮寄送达或电子送达。"),
              on: str = typer.Option(..., "--date", help="送达日期（回执上的签收日期）。"),
              by: str = typer.Option("", "--by", help="送达人。"),
              note: str = typer.Option("", "--note", help="备注，如签收人与业主的关系、拒收情况、邮件单号。"),
              profile: Optional[Path] = ProfileOpt):
    """登记收回的送达回执：送达方式、日期、送达人。"""
    from ..api import register_delivered
    try:
        doc = register_delivered(number, method=method, on=_date(on, "--date") or date.today(), by=by, note=note,
                                 profile_path=profile)
    except DocgenError as e:
        fail(e)
    dl = doc.delivered or {}
    console.print(f"已登记 {doc.reference} {dl['method']}，{dl['date']}", highlight=False, markup=False)


@register_app.command()
def reprint(number: str = typer.Argument(..., help="文书编号。"),
            out: Optional[Path] = typer.Option(None, "--out", "-o", help="输出文件名前缀（默认在原文件旁，加“-补发”）。"),
            operator: Optional[str] = OperatorOpt,
            profile: Optional[Path] = ProfileOpt,
            templates: Optional[list[Path]] = TemplatesOpt,
            as_json: bool = typer.Option(False, "--json", help="以 JSON 输出写出的文件。")):
    """补发：以同一编号重新生成同一份文书，页首印“补发”，登记为原件的补发件。"""
    from ..api import register_reprint
    try:
        doc, written = register_reprint(number, out=out, profile_path=profile, templates=templates, operator=operator)
    except DocgenError as e:
        fail(e)
    if as_json:
        print(json.dumps({"number": doc.number, "written": [str(p) for p in written]}, ensure_ascii=False))
    else:
        for p in written:
            console.print(f"已补发 {doc.number} → {p}", highlight=False, markup=False)
