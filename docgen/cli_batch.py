"""CLI commands: dunning (arrears ledger → one letter per unit) and batch (any template over a table)."""
from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Optional

import typer

from .cli import ProfileOpt, ScriptOpt, TemplatesOpt, app, console, err, esc, fail, progress_bar
from .errors import DataError, DocgenError

_FORMATS = {"pdf": ("pdf",), "docx": ("docx",), "both": ("pdf", "docx"), "none": ()}


def _formats(fmt: str) -> tuple[str, ...]:
    if fmt not in _FORMATS:
        raise DataError(f"未知格式「{fmt}」", field="--format", expected="pdf、docx、both 或 none（只写打印文件）")
    return _FORMATS[fmt]


def _date(value: Optional[str], option: str):
    if value is None:
        return None
    from .formatting import to_date
    try:
        return to_date(value)
    except ValueError:
        raise DataError(f"「{value}」不是日期", field=option, expected="日期，如 2026-11-30") from None


def _amount(value: Optional[str], option: str) -> Optional[Decimal]:
    if value is None:
        return None
    from .readers import parse_amount
    try:
        d = parse_amount(value)
    except ValueError:
        raise DataError(f"「{value}」不是金额", field=option, expected="数字，如 100 或 0.5") from None
    if d < 0:
        raise DataError(f"「{value}」是负数", field=option, expected="不小于 0 的数")
    return d


def _interrupted() -> None:
    """Ctrl-C before any letter was rendered (e.g. while reading a big ledger): nothing was written."""
    err.print("[yellow]已中断[/]：尚未生成任何文件。", highlight=False)
    raise typer.Exit(130)


def _report(report, as_json: bool, what: str, rows_of: str = "台账") -> None:
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
    else:
        rows = report.rows
        for line, msg in report.errors[:10]:
            where = "" if f"第 {line} 行" in msg else f"[red]第 {line} 行[/]："
            err.print(f"{where}{esc(msg)}", highlight=False, soft_wrap=True)
        more = rows.get("error", 0) - min(10, len(report.errors))
        if more > 0:
            err.print(f"……另有 {more} 行错误，见 {report.manifest}", highlight=False, markup=False)
        rate = report.letters / report.seconds if report.seconds and report.letters else 0
        console.print(f"{what} {report.letters} 份（{rate:.0f} 份/秒）"
                      + (f"，沿用上次已生成的 {report.resumed} 份" if report.resumed else "")
                      + f"；{rows_of} {sum(rows.values())} 行：正常 {rows.get('ok', 0)}，跳过 {rows.get('skipped', 0)}，"
                        f"错误 {rows.get('error', 0)}。", highlight=False, markup=False)
        for p in report.print_files:
            console.print(f"打印文件 {p}", highlight=False, markup=False)
        console.print(f"清单 {report.manifest}", highlight=False, markup=False)
        if report.stopped:
            err.print(f"[red]已停止[/]：{esc(report.stopped)}。已写出的文件都是完整的；"
                      "加 --resume 重新运行可从中断处继续。", highlight=False)
        elif report.interrupted:
            err.print("[yellow]已中断[/]：没有写出不完整的文件；加 --resume 重新运行可从中断处继续。", highlight=False)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


@app.command()
def dunning(ledger: Path = typer.Argument(..., help="欠费台账（CSV 或 Excel .xlsx），每行一户一个收费项目一个月。"),
            out: Path = typer.Option(..., "--out", "-o", help="输出文件夹。"),
            template: Optional[str] = typer.Option(None, "--template", "-t", help="模板 id（默认按 --level 选择）。"),
            level: int = typer.Option(1, "--level", "-l", help="1 费用催缴通知单，2 催告函（有期限），3 最后通知（诉前）。"),
            receipt: bool = typer.Option(False, "--receipt", help="附送达回执（剪切线下的回执联）。"),
            merge: bool = typer.Option(False, "--merge", help="另写一个按楼栋、房号排好的打印文件 print.pdf。"),
            duplex: bool = typer.Option(False, "--duplex", help="双面打印：打印文件中每份通知都从奇数页开始。"),
            fmt: str = typer.Option("pdf", "--format", "-f",
                                    help="每户文件的格式：pdf、docx、both；none 表示只写打印文件（需 --merge）。"),
            split_by: Optional[str] = typer.Option(None, "--split-by", help="按楼栋分别写打印文件（值：楼栋）。"),
            min_amount: Optional[str] = typer.Option(None, "--min-amount", help="欠费合计低于此金额的户不发通知。"),
            as_of: Optional[str] = typer.Option(None, "--as-of", help="欠费统计截止日（默认今天）；之后月份的费用不计入。"),
            issue_date: Optional[str] = typer.Option(None, "--issue-date", help="发出日期（默认今天）。"),
            due_date: Optional[str] = typer.Option(None, "--due-date", help="缴费期限（默认按模板措辞，如收到后七日内）。"),
            late_fee_rate: Optional[str] = typer.Option(None, "--late-fee-rate",
                                                        help="合同约定的违约金日费率（‰，如 0.5）；默认不计。"),
            detail: bool = typer.Option(False, "--detail", help="逐月列出，不合并连续月份。"),
            public_list: bool = typer.Option(False, "--public-list",
                                             help="另写欠费公示：每户一行，只有房号、隐去部分的姓名和金额；"
                                                  "须在 docgen.toml 写明依据 \\[dunning] public_list_basis。"),
            sets: Optional[list[str]] = typer.Option(None, "--set", "-s", metavar="字段=值",
                                                     help="给每份通知设一个模板字段（可多次给出），如 --set deadline_days=10。"),
            jobs: int = typer.Option(0, "--jobs", "-j", min=0, help="并行进程数（默认等于 CPU 核数）。"),
            resume: bool = typer.Option(False, "--resume", help="续跑：跳过上次已完整生成且数据未变的户。"),
            sheet: Optional[str] = typer.Option(None, "--sheet", help="Excel 工作表名（默认第一个）。"),
            script: Optional[str] = ScriptOpt,
            profile: Optional[Path] = ProfileOpt,
            templates: Optional[list[Path]] = TemplatesOpt,
            as_json: bool = typer.Option(False, "--json", help="以 JSON 输出运行结果。")):
    """欠费台账 → 每户一份催缴通知（PDF/DOCX），可合并打印文件；manifest.csv 逐行说明处理结果。"""
    from .api import dunning as run
    try:
        with progress_bar(not as_json and sys.stderr.isatty()) as bar:
            report = run(ledger, out=out, template=template, level=level, receipt=receipt, merge=merge, duplex=duplex,
                         formats=_formats(fmt), split_by=split_by, min_amount=_amount(min_amount, "--min-amount"),
                         as_of=_date(as_of, "--as-of"), issue_date=_date(issue_date, "--issue-date"),
                         due_date=_date(due_date, "--due-date"),
                         late_fee_rate=_amount(late_fee_rate, "--late-fee-rate"), detail=detail, jobs=jobs,
                         resume=resume, profile_path=profile, templates=templates, sheet=sheet,
                             progress=bar, sets=sets or None, public_list=public_list, script=script)
    except DocgenError as e:
        fail(e)
    except KeyboardInterrupt:
        _interrupted()
    _report(report, as_json, "已生成催缴通知")


@app.command()
def batch(template_id: str = typer.Argument(..., help="模板 id。"),
          data: Path = typer.Option(..., "--data", "-d", help="数据表（CSV、Excel、YAML 或 JSON 记录列表），每行一份文书。"),
          out: Path = typer.Option(..., "--out", "-o", help="输出文件夹。"),
          name: Optional[str] = typer.Option(None, "--name", help="文件名模式，如 \"{building}-{unit}\"（默认按行号）。"),
          fmt: str = typer.Option("pdf", "--format", "-f", help="pdf、docx、both；none 表示只写打印文件（需 --merge）。"),
          merge: bool = typer.Option(False, "--merge", help="另写一个合并的打印文件 print.pdf。"),
          duplex: bool = typer.Option(False, "--duplex", help="双面打印：打印文件中每份都从奇数页开始。"),
          split_by: Optional[str] = typer.Option(None, "--split-by", help="按此字段分别写打印文件。"),
          jobs: int = typer.Option(0, "--jobs", "-j", min=0, help="并行进程数（默认等于 CPU 核数）。"),
          resume: bool = typer.Option(False, "--resume", help="续跑：跳过上次已完整生成且数据未变的文书。"),
          sheet: Optional[str] = typer.Option(None, "--sheet", help="Excel 工作表名（默认第一个）。"),
          script: Optional[str] = ScriptOpt,
          sets: Optional[list[str]] = typer.Option(None, "--set", "-s", metavar="字段=值",
                                                   help="给每份文书设一个字段（可多次给出），如 --set issue_date=2026-12-01。"),
          profile: Optional[Path] = ProfileOpt,
          templates: Optional[list[Path]] = TemplatesOpt,
          as_json: bool = typer.Option(False, "--json", help="以 JSON 输出运行结果。")):
    """任一模板 × 数据表：每行生成一份文书，manifest.csv 逐行说明处理结果。"""
    from .api import batch as run
    try:
        with progress_bar(not as_json and sys.stderr.isatty()) as bar:
            report = run(template_id, data, out=out, name=name, formats=_formats(fmt), merge=merge, duplex=duplex,
                         split_by=split_by, jobs=jobs, resume=resume, profile_path=profile, templates=templates,
                         sheet=sheet, progress=bar, sets=sets or None, script=script)
    except DocgenError as e:
        fail(e)
    except KeyboardInterrupt:
        _interrupted()
    _report(report, as_json, "已生成", "数据")
