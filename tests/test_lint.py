"""`docgen lint`: a template made with `new` is clean; each way of breaking it is named with its file and line."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from docgen.cli import app
from docgen.library.lint import lint_template
from docgen.library.sources import source_line
from docgen.library.scaffold import new_template
from docgen.engine.word import body_lines

runner = CliRunner()


@pytest.fixture()
def tpl(tmp_path) -> Path:
    """A fresh template folder from `docgen new`."""
    return new_template("club-event", dest=tmp_path)


def line_of(path: Path, needle: str) -> int:
    """1-based number of the first line containing needle."""
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in {path}")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def only(problems, code):
    found = [p for p in problems if p.code == code]
    assert found, (code, [p.describe() for p in problems])
    return found


def test_new_template_is_clean(tpl):
    assert lint_template(tpl) == []
    r = runner.invoke(app, ["lint", str(tpl)])
    assert r.exit_code == 0, r.output
    assert "没有发现问题" in r.stdout


def test_yaml_syntax_error_has_its_line(tpl):
    yml = tpl / "template.yaml"
    edit(yml, "description: 一句话说明这个模板做什么、给谁看。", "description: 注意: 冒号后面还有冒号")
    [p] = lint_template(tpl)
    assert p.code == "yaml" and p.file == str(yml)
    assert p.line == line_of(yml, "description: 注意")
    assert "YAML" in p.message and "加引号" in p.hint


def test_unknown_field_type_and_top_level_key(tpl):
    yml = tpl / "template.yaml"
    edit(yml, "{type: money, label: 费用", "{type: mony, label: 费用")
    edit(yml, "description:", "descripton:")
    problems = only(lint_template(tpl), "schema")
    by_line = {p.line: p for p in problems}
    fee = by_line[line_of(yml, "type: mony")]
    assert "mony" in fee.message and "money" in fee.hint
    key = by_line[line_of(yml, "descripton:")]
    assert "descripton" in key.message and "description" in key.hint


def test_undeclared_and_unused_fields(tpl):
    body, yml = tpl / "body.md", tpl / "template.yaml"
    edit(body, "在{{ place }}举办", "在{{ venue }}举办")
    problems = lint_template(tpl)
    [undeclared] = only(problems, "undeclared")
    assert undeclared.file == str(body) and undeclared.line == line_of(body, "{{ venue }}")
    assert "venue" in undeclared.message and "fields" in undeclared.hint
    [unused] = only(problems, "unused")
    assert unused.file == str(yml) and unused.line == line_of(yml, "  place:")
    assert "place" in unused.message


def test_label_used_instead_of_field_name(tpl):
    body = tpl / "body.md"
    edit(body, "在{{ place }}举办", "在{{ 地点 }}举办")
    [p] = only(lint_template(tpl), "undeclared")
    assert p.line == line_of(body, "{{ 地点 }}") and "{{ place }}" in p.hint


def test_typo_in_list_record_key(tpl):
    body = tpl / "body.md"
    edit(body, "{{ it.name }}", "{{ it.nmae }}")
    [p] = only(lint_template(tpl, render=False), "undeclared")
    assert p.line == line_of(body, "it.nmae") and "nmae" in p.message and "name" in p.hint


def test_jinja_syntax_error_has_its_line(tpl):
    body = tpl / "body.md"
    edit(body, "{{ fee | money }}", "{{ fee | money }")
    [p] = lint_template(tpl)
    assert p.code == "syntax" and p.file == str(body)
    assert p.line == line_of(body, "{{ fee | money }元")


def test_unclosed_for_block(tpl):
    body = tpl / "body.md"
    edit(body, "{% endfor %}\n", "")
    [p] = lint_template(tpl)
    assert p.code == "syntax" and "endfor" in p.hint


def test_markup_error_is_mapped_back_to_the_body_line(tpl):
    body = tpl / "body.md"
    edit(body, "::: signature", "::: signatur")
    [p] = lint_template(tpl)
    assert p.code == "markup" and p.file == str(body)
    assert p.line == line_of(body, "::: signatur")
    assert "signatur" in p.message and "渲染后第" in p.message and "signature" in p.hint


def test_unclosed_markup_block(tpl):
    body = tpl / "body.md"
    text = body.read_text(encoding="utf-8").rstrip("\n")
    assert text.endswith(":::")
    body.write_text(text[:-3], encoding="utf-8")
    [p] = lint_template(tpl)
    assert p.code == "markup" and p.line == line_of(body, "::: signature") and "没有结束行" in p.message


def test_missing_image_in_markup(tpl):
    body = tpl / "body.md"
    edit(body, "特此通知。", "特此通知。\n\n::: image logo-missing.png width=30mm")
    [p] = lint_template(tpl)
    assert p.code == "markup" and p.line == line_of(body, "logo-missing.png") and "logo-missing.png" in p.message


def test_bad_sample_values_each_with_their_line(tpl):
    yml = tpl / "template.yaml"
    edit(yml, "  event_date: 2026-12-05", "  event_date: 2026-13-45")
    edit(yml, "  subject: 开展消防安全宣传活动\n", "  subjct: 开展消防安全宣传活动\n")
    edit(yml, "    - {name: 有奖问答}", "    - {note: 没有名称}")
    problems = only(lint_template(tpl), "sample")
    lines = {p.line: p for p in problems}
    assert "2026-13-45" in lines[line_of(yml, "event_date: 2026-13-45")].message
    unknown = lines[line_of(yml, "subjct:")]
    assert "subjct" in unknown.message and "subject" in unknown.hint
    assert any("缺少必填" in p.message and "subject" in p.message for p in problems)
    item = lines[line_of(yml, "{note: 没有名称}")]
    assert "第 3 条" in item.message and "缺少必填" in item.message


def test_several_breaks_are_all_reported(tpl):
    body, yml = tpl / "body.md", tpl / "template.yaml"
    edit(body, "在{{ place }}举办", "在{{ venue }}举办")
    edit(body, "::: signature", "::: signatur")
    edit(yml, "  event_date: 2026-12-05", "  event_date: 明天")
    problems = lint_template(tpl)
    got = {(p.code, p.line) for p in problems}
    assert ("undeclared", line_of(body, "{{ venue }}")) in got
    assert ("unused", line_of(yml, "  place:")) in got
    assert ("markup", line_of(body, "::: signatur")) in got
    assert ("sample", line_of(yml, "event_date: 明天")) in got


def test_cli_reports_file_line_and_hint_and_exits_1(tpl):
    body = tpl / "body.md"
    edit(body, "{{ it.name }}", "{{ it.nmae }}")
    r = runner.invoke(app, ["lint", str(tpl)])
    assert r.exit_code == 1
    assert f"{body}:{line_of(body, 'it.nmae')}" in r.output
    assert "提示" in r.output and "共 1 个问题" in r.output
    r = runner.invoke(app, ["lint", str(tpl), "--json"])
    assert r.exit_code == 1
    [item] = json.loads(r.stdout)
    assert item["line"] == line_of(body, "it.nmae") and item["code"] == "undeclared"


def test_cli_missing_path_is_usage_error(tmp_path):
    r = runner.invoke(app, ["lint", str(tmp_path / "nope")])
    assert r.exit_code == 2 and "找不到模板文件夹" in r.output


def test_builtin_templates_lint_clean_by_id():
    # the core three, and templates that share partials ({% set %} before {% include %}, macros, bundles)
    for tid in ("wall-cleaning-notice", "fee-dunning-notice", "renovation-permit", "delivery-receipt",
                "demand-letter", "move-in-packet"):
        assert [p.describe() for p in lint_template(tid)] == []


def test_typo_in_a_partial_is_found_by_the_test_render(tmp_path):
    root = tmp_path / "templates"
    folder = new_template("receipt-copy", dest=root, from_id="delivery-receipt")
    (root / "_partials").mkdir()
    src = Path(__file__).resolve().parents[1] / "docgen" / "templates" / "_partials" / "delivery-receipt.md"
    partial = root / "_partials" / "delivery-receipt.md"
    partial.write_text(src.read_text(encoding="utf-8").replace("{{ receipt_title }}", "{{ reciept_title }}"),
                       encoding="utf-8")
    [p] = lint_template(folder)
    assert p.code == "render" and p.file == str(partial) and p.line == line_of(partial, "reciept_title")
    assert "reciept_title" in p.message


def test_source_line_prefers_literal_text():
    source = ["# {{ title }}", "", "{% for x in xs %}", "- {{ x }}", "{% endfor %}", "", "::: tabel widths=1,2"]
    rendered = ["# 通知", "", "- a", "- b", "", "::: tabel widths=1,2"]
    assert source_line(rendered, 6, source) == 7
    assert source_line(rendered, 4, source) == 4
    assert source_line(rendered, 1, source) == 1
    assert source_line(rendered, 9, source) is None


def test_word_template_problems_name_paragraphs(tmp_path):
    from docx import Document

    folder = new_template("fee-letter", dest=tmp_path, word=True)
    assert lint_template(folder, pdf=False) == []
    d = Document(str(folder / "body.docx"))
    target = next(p for p in d.paragraphs if "{{ owner_name }}" in p.text)
    target.runs[0].text = target.runs[0].text.replace("{{ owner_name }}", "{{ owner }}")
    d.save(str(folder / "body.docx"))
    problems = lint_template(folder, pdf=False)
    [undeclared] = only(problems, "undeclared")
    assert undeclared.paragraph and undeclared.line == 3 and "owner" in undeclared.message
    assert "（第 3 段）" in undeclared.describe()
    assert any(p.code == "unused" and "owner_name" in p.message for p in problems)
    cell = d.tables[0].cell(2, 2)
    cell.paragraphs[0].runs[0].text = "{{ it.amount|money }"
    d.save(str(folder / "body.docx"))
    [syntax] = only(lint_template(folder, pdf=False), "syntax")
    texts = [text for _, text in body_lines(folder / "body.docx")]
    assert syntax.paragraph and texts[syntax.line - 1] == "{{ it.amount|money }"
    assert "{{ it.amount|money }" in syntax.message


def test_checks_rules_are_linted(tpl):
    # A rule over undeclared names, a rule with a syntax error, and a sample that breaks a rule:
    # each is named with the line of its entry under checks:.
    yml = tpl / "template.yaml"
    edit(yml, "\n# 示例数据：", "\nchecks:\n"
              "  - rule: issue_date <= event_date\n"
              "    field: issue_date\n"
              "    message: 发文日期（{{ issue_date | cn_date }}）不能晚于活动日期（{{ event_date | cn_date }}）\n"
              "  - rule: event_dat > issue_date\n"
              "    message: 活动日期有误\n"
              "  - rule: event_date >\n"
              "    message: 写了一半\n"
              "  - rule: issue_date < hours\n"
              "    message: 日期与文字不能比较\n"
              "\n# 示例数据：")
    edit(yml, "  issue_date: 2026-11-23", "  issue_date: 2026-12-06")
    problems = lint_template(tpl, render=False)
    by_line = {p.line: p for p in problems}
    p = by_line[line_of(yml, "rule: issue_date <= event_date")]
    assert p.code == "sample" and "发文日期（2026年12月6日）不能晚于活动日期（2026年12月5日）" in p.message
    p = by_line[line_of(yml, "rule: event_dat >")]
    assert "未声明的字段「event_dat」" in p.message and "event_date" in p.hint
    p = by_line[line_of(yml, "rule: event_date >")]
    assert "语法错误" in p.message
    p = by_line[line_of(yml, "rule: issue_date < hours")]
    assert "无法用示例数据计算" in p.message and "TypeError" in p.message
    assert len(problems) == 4, [x.describe() for x in problems]
