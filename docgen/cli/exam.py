"""CLI commands: exam import | build | grade (registered on docgen.cli.app as `docgen exam`)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from ..errors import DocgenError
from .common import ProfileOpt, app, console, err, esc, fail, in_words

if TYPE_CHECKING:
    from ..exam.bank import QType

exam_app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode="rich",
                       help="培训考核：题库 → 多版本试卷、参考答案、答题卡；答卷 → 成绩与试题分析。")
app.add_typer(exam_app, name="exam")


@exam_app.command("import")
def import_cmd(source: Path = typer.Argument(..., help="GIFT（.gift/.txt）、Aiken（.txt）或 Excel（.xlsx/.csv）题目文件。"),
               out: Path = typer.Option(..., "--out", "-o", help="写出的 YAML 题库文件。"),
               fmt: Optional[str] = typer.Option(None, "--format", "-f", help="gift、aiken 或 xlsx（默认按后缀判断）。"),
               tag: Optional[list[str]] = typer.Option(None, "--tag", help="给每道题加上的标签（可多次给出）。"),
               difficulty: Optional[str] = typer.Option(None, "--difficulty", help="给每道题设定的难度：易、中、难。"),
               strict: bool = typer.Option(False, "--strict", help="有任何一道题无法导入就报错（退出码 2），不写文件。"),
               as_json: bool = typer.Option(False, "--json", help="以 JSON 输出结果。")):
    """把 GIFT、Aiken 或 Excel 题目导入为 YAML 题库；无法导入的题逐条报告文件、行号和原因，其余照常导入（退出码 1）。"""
    from ..exam.api import import_bank
    try:
        res = import_bank(source, out, fmt=fmt, tags=tag, difficulty=difficulty, strict=strict)
    except DocgenError as e:
        fail(e)
    bank = res.bank
    counts: dict[QType, int] = {}
    for q in bank.questions:
        counts[q.type] = counts.get(q.type, 0) + 1
    if as_json:
        print(json.dumps({"written": str(out), "questions": len(bank.questions), "types": counts,
                          "failed": [e.describe() for e in res.problems],
                          "descriptions": [{"line": d.line, "text": d.stem} for d in res.descriptions]},
                         ensure_ascii=False))
    else:
        from ..exam.bank import TYPE_NAMES
        detail = "，".join(f"{TYPE_NAMES[t]} {n}" for t, n in counts.items())
        if res.problems:
            err.print(f"[yellow]导入 {len(bank.questions)} 道，{len(res.problems)} 道未导入：[/]", highlight=False)
            for problem in res.problems:
                err.print("  " + esc(problem.describe()), highlight=False, soft_wrap=True)
        if res.descriptions:
            console.print(f"说明文字 {len(res.descriptions)} 段（不是题目，保存在题库的 descriptions 中，可用作大题说明）。",
                          highlight=False, markup=False)
        console.print(f"已导入 {len(bank.questions)} 道题（{detail}）→ {out}", highlight=False, markup=False)
    if res.problems:
        raise typer.Exit(1)


@exam_app.command()
def build(bank: Path = typer.Argument(..., help="题库：YAML 文件或文件夹、GIFT、Aiken、XLSX；或内置题库名 sample。"),
          out: Path = typer.Option(..., "--out", "-o", help="输出文件夹。"),
          spec: Optional[Path] = typer.Option(None, "--spec", help="组卷规格 YAML（大题、题数、分值、标签、难度搭配），或内置规格 standard（默认：60 题、100 分、90 分钟）、full（题库全部题目）。"),
          versions: int = typer.Option(2, "--versions", "-n", help="版本数（A、B、…卷）。"),
          seed: Optional[int] = typer.Option(None, "--seed", help="随机种子；相同题库、规格和种子生成相同的试卷。"),
          fmt: Optional[str] = typer.Option(None, "--format", "-f", help="试卷和答案的格式：pdf、docx 或 both（默认）。"),
          bank_format: Optional[str] = typer.Option(None, "--bank-format", help="题库格式：yaml、gift、aiken、xlsx（默认按后缀）。"),
          profile: Optional[Path] = ProfileOpt,
          as_json: bool = typer.Option(False, "--json", help="以 JSON 输出写出的文件。")):
    """按规格从题库组卷：每个版本的试卷、参考答案及评分标准、答题卡，以及全部版本的 key.json。"""
    from ..exam.api import build_exam
    try:
        result = build_exam(bank, out, spec_path=spec, versions=versions, seed=seed, fmt=fmt,
                            bank_format=bank_format, profile_path=profile)
    except DocgenError as e:
        fail(e)
    paper = result.papers[0]
    if as_json:
        print(json.dumps({"seed": result.seed, "versions": [p.version for p in result.papers],
                          "questions": len(paper.items()), "full_marks": str(paper.total),
                          "duration": paper.duration, "notice": in_words(result.notice),
                          "written": [str(f) for f in result.files]}, ensure_ascii=False, indent=1))
        return
    if result.notice:
        err.print(f"[yellow]提示：[/]{esc(in_words(result.notice))}", highlight=False, soft_wrap=True)
    for f in result.files:
        console.print(f"已生成 {f}", highlight=False, markup=False)
    time = f"、考试时间 {paper.duration} 分钟" if paper.duration else ""
    console.print(f"共 {len(result.papers)} 个版本，每卷 {len(paper.items())} 题、满分 {paper.total} 分{time}；"
                  f"种子 {result.seed}（加 --seed {result.seed} 可重新生成相同试卷）。", highlight=False, markup=False)


@exam_app.command()
def grade(key: Path = typer.Argument(..., help="docgen exam build 生成的 key.json。"),
          responses: Path = typer.Argument(..., help="答卷表（CSV 或 XLSX）：每人一行，姓名、版本、每题一列。"),
          out: Path = typer.Option(..., "--out", "-o", help="输出文件夹。"),
          pass_mark: Optional[str] = typer.Option(None, "--pass-mark",
                                                  help="及格线（百分制）；默认用组卷时记在 key.json 中的及格线（旧 key.json 为 70）。"),
          partial: Optional[str] = typer.Option(None, "--partial",
                                                help="多选题计分：none 全对才得分；half 少选得一半；ratio 少选按选对比例得分；错选一律 0 分。默认用 key.json 中的规则。"),
          missing_as_blank: bool = typer.Option(False, "--missing-as-blank",
                                                help="答卷表缺少某题的列时按未作答计（默认报错、不评分）。"),
          sheet: Optional[str] = typer.Option(None, "--sheet", help="XLSX 的工作表名（默认第一个）。"),
          title: str = typer.Option("考试成绩分析报告", "--title", help="报告标题。"),
          profile: Optional[Path] = ProfileOpt,
          as_json: bool = typer.Option(False, "--json", help="以 JSON 输出汇总结果。")):
    """评分：客观题自动判分、主观题读取得分列；输出成绩表、试题分析（难度、区分度、点二列、α）、问题清单和 PDF 报告。

    退出码：0 全部按所填内容评分；1 有行未评分或有答案无法识别（见 problems.csv）；2 答案、答卷表或参数有错。"""
    from ..exam.api import grade_exam
    try:
        res, files = grade_exam(key, responses, out, pass_mark=pass_mark, partial=partial, sheet=sheet,
                                title=title, profile_path=profile, missing_as_blank=missing_as_blank)
    except DocgenError as e:
        fail(e)
    s = res.summary()
    notices = [in_words(n) for n in res.notices]
    if as_json:
        s["notices"] = notices
        print(json.dumps({"summary": s, "errors": [e.describe() for e in res.errors],
                          "unreadable": [{"row": u.line, "name": u.name, "id": u.id, "number": u.number,
                                          "column": u.column, "value": u.raw, "reason": u.reason}
                                         for u in res.unreadable],
                          "absent": [{"row": c.line, "name": c.name} for c in res.absent],
                          "notices": notices, "unused_columns": res.unused_columns,
                          "written": [str(f) for f in files]}, ensure_ascii=False, indent=1))
    else:
        for n in notices:
            err.print("[yellow]注意：[/]" + esc(n), highlight=False, soft_wrap=True)
        if res.unused_columns:
            err.print("[yellow]注意：[/]答卷表中这些列不是题目，未使用：" + esc("、".join(f"「{h}」" for h in res.unused_columns)),
                      highlight=False, soft_wrap=True)
        for problem in res.errors[:20]:
            err.print(f"[red]未评分：[/]{esc(problem.describe())}", highlight=False, soft_wrap=True)
        if len(res.errors) > 20:
            err.print(f"……另有 {len(res.errors) - 20} 行未评分，全部见 problems.csv", highlight=False)
        bad = res.unreadable
        for u in bad[:20]:
            err.print(f"[red]无法识别：[/]{esc(f'第 {u.line} 行 {u.name}，第 {u.number} 题（{u.id}）「{u.raw}」：{u.reason}，按 0 分计')}",
                      highlight=False, soft_wrap=True)
        if len(bad) > 20:
            err.print(f"……另有 {len(bad) - 20} 个答案无法识别，全部见 problems.csv", highlight=False)
        if res.absent:
            err.print(f"缺考 {len(res.absent)} 人（没有任何作答，不计入统计）：" + esc("、".join(c.name for c in res.absent)),
                      highlight=False, soft_wrap=True)
        for f in files:
            console.print(f"已生成 {f}", highlight=False, markup=False)
        if s["candidates"]:
            console.print(f"{s['candidates']} 人参加，平均 {s['mean']} 分，及格 {s['passed']} 人（{s['pass_rate']}%），"
                          f"α = {s['alpha'] or '无法计算'}，需复核的试题 {len({f['id'] for f in s['flags']})} 道。",
                          highlight=False, markup=False)
        if not res.complete:
            err.print(f"[red]有 {len(res.errors)} 行未评分、{len(bad)} 个答案无法识别[/]，详见 problems.csv 和报告第六部分。",
                      highlight=False)
    if not res.complete:
        raise typer.Exit(1)
