"""The command line: list/show/render/demo, exit codes and messages for bad input."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from docgen.cli import app

from .helpers import docx_text, pdf_text

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def test_list_json_has_core_templates():
    r = run("list", "--json")
    assert r.exit_code == 0
    items = json.loads(r.stdout)
    ids = {i["id"]: i for i in items}
    for tid in ("wall-cleaning-notice", "fee-dunning-notice", "renovation-permit"):
        assert tid in ids and ids[tid]["title"] and ids[tid]["category"]


def test_show_example_round_trips_into_render(tmp_path):
    r = run("show", "fee-dunning-notice", "--example")
    assert r.exit_code == 0
    data = tmp_path / "data.yaml"
    data.write_text(r.stdout, encoding="utf-8")
    assert yaml.safe_load(r.stdout)["owner_name"] == "龚䶮"
    r = run("render", "fee-dunning-notice", "--data", data, "--out", tmp_path / "letter.pdf")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "letter.pdf").is_file() and not (tmp_path / "letter.docx").exists()
    assert "4,409.50" in pdf_text(tmp_path / "letter.pdf")


def test_render_both_formats_by_default(tmp_path):
    r = run("render", "wall-cleaning-notice", "--sample", "--out", tmp_path / "n")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "n.pdf").is_file() and (tmp_path / "n.docx").is_file()
    assert not list(tmp_path.glob("*.part"))


def _data(tmp_path, **changes):
    base = yaml.safe_load(run("show", "fee-dunning-notice", "--example").stdout)
    base.update(changes)
    p = tmp_path / "d.yaml"
    p.write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    return p


@pytest.mark.parametrize("changes, words", [
    ({"owner_name": None}, ["业主姓名", "缺少必填"]),
    ({"items": [{"item": "物业费", "period": "2026-01", "amount": "十二元"}]}, ["欠费金额", "十二元", "金额"]),
    ({"items": [{"item": "物业费", "period": "2026-01", "amount": "-5"}]}, ["欠费金额", "最小值"]),
    ({"due_date": "2026-13-45"}, ["缴费期限", "日期"]),
    ({"items": []}, ["欠费明细", "缺少"]),
])
def test_bad_input_exits_2_with_a_message_naming_the_field(tmp_path, changes, words):
    r = run("render", "fee-dunning-notice", "--data", _data(tmp_path, **changes), "--out", tmp_path / "x.pdf")
    assert r.exit_code == 2
    msg = r.stderr if hasattr(r, "stderr") else r.output
    assert "d.yaml" in msg.replace("\n", "")
    for w in words:
        assert w in msg.replace("\n", ""), msg
    assert "Traceback" not in r.output
    assert not (tmp_path / "x.pdf").exists()


def test_unknown_template_and_unreadable_file(tmp_path):
    r = run("render", "no-such-template", "--sample")
    assert r.exit_code == 2 and "no-such-template" in r.output
    r = run("render", "fee-dunning-notice", "--data", tmp_path / "missing.yaml")
    assert r.exit_code == 2 and "missing.yaml" in r.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("owner_name: [unclosed\n", encoding="utf-8")
    r = run("render", "fee-dunning-notice", "--data", bad)
    assert r.exit_code == 2 and "bad.yaml" in r.output and "YAML" in r.output


HOSTILE = "王<b>&amp;</b>{{ 7*7 }}{% raw %}\x01\x0b**粗**|表|:::\n# 标题 😀"


def test_hostile_data_prints_literally_and_never_executes(tmp_path):
    p = _data(tmp_path, owner_name="龚䶮<&>{{ org.name }}{% if 1 %}X{% endif %}\x07\x1f",
              building="3栋|<", unit="1502**")
    r = run("render", "fee-dunning-notice", "--data", p, "--out", tmp_path / "h", "--format", "both")
    assert r.exit_code == 0, r.output
    for text in (pdf_text(tmp_path / "h.pdf"), docx_text(tmp_path / "h.docx")):
        assert "龚䶮<&>{{org.name}}{%if1%}X{%endif%}" in text
        assert "锦程物业" not in text.split("龚䶮")[1][:20]  # the Jinja inside data was not run
        assert "3栋|<1502**" in text


def test_emoji_is_rejected_clearly_or_drawn(tmp_path):
    p = _data(tmp_path, owner_name="张三😀")
    r = run("render", "fee-dunning-notice", "--data", p, "--out", tmp_path / "e.pdf")
    if r.exit_code == 0:
        assert "张三😀" in pdf_text(tmp_path / "e.pdf")
    else:
        assert r.exit_code == 2 and "😀" in r.output and "U+1F600" in r.output
        assert not (tmp_path / "e.pdf").exists()


def test_stdin_data(tmp_path):
    example = run("show", "wall-cleaning-notice", "--example").stdout
    r = run("render", "wall-cleaning-notice", "--data", "-", "--out", tmp_path / "s.pdf", input=example)
    assert r.exit_code == 0, r.output
    assert "关于清洗外墙的通知" in pdf_text(tmp_path / "s.pdf")


def test_demo_renders_every_template(tmp_path):
    r = run("demo", "--out", tmp_path, "--json")
    assert r.exit_code == 0, r.output
    results = json.loads(r.stdout)
    assert results and all(not x["error"] for x in results)
    for x in results:
        assert (tmp_path / f"{x['id']}.pdf").stat().st_size > 1000
        assert (tmp_path / f"{x['id']}.docx").stat().st_size > 1000


@pytest.mark.slow
def test_installed_entry_point_help():
    exe = Path(sys.executable).with_name("docgen")
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "render" in out.stdout


def test_templates_option_reaches_includes(tmp_path):
    """A --templates folder overrides a part that a built-in bundle includes."""
    from docgen.library.folders import Library
    src = Library().get("move-in-notice").folder
    override = tmp_path / "tpl" / "move-in-notice"
    override.mkdir(parents=True)
    (override / "template.yaml").write_text((src / "template.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    body = (src / "body.md").read_text(encoding="utf-8").replace("# 入伙通知书\n", "# 入伙通知书\n\n本项目自定义的说明。\n", 1)
    (override / "body.md").write_text(body, encoding="utf-8")
    r = run("render", "move-in-packet", "--sample", "--templates", tmp_path / "tpl", "--out", tmp_path / "p.pdf")
    assert r.exit_code == 0, r.output
    assert "本项目自定义的说明。" in pdf_text(tmp_path / "p.pdf")
    r = run("render", "move-in-packet", "--sample", "--out", tmp_path / "q.pdf")
    assert "本项目自定义的说明。" not in pdf_text(tmp_path / "q.pdf")


def test_show_example_of_every_template_validates_unchanged():
    """`docgen show ID --example` prints YAML that render accepts as it is, for every template."""
    from docgen.library.folders import Library
    from docgen.profile import Profile
    from docgen.engine.pipeline import build_document
    lib = Library()
    for tid in lib.ids():
        r = run("show", tid, "--example")
        assert r.exit_code == 0, (tid, r.output)
        data = yaml.safe_load(r.stdout) or {}
        tpl = lib.get(tid)
        if tpl.body_file.endswith(".docx"):
            continue
        doc = build_document(tpl, data, Profile(), file=f"{tid} --example")
        assert doc.blocks, tid


def test_brackets_in_data_and_messages_print_literally(tmp_path):
    # Terminal output goes through rich: text from data, files and templates must never be read as
    # its markup ("[/]" used to crash with a traceback, "[fonts]" vanished from a hint).
    ledger = tmp_path / "[bold]台账.csv"
    ledger.write_text("楼栋,房号,业主姓名,收费项目,所属期间,欠费金额\n1栋,101,张三,物业费,2026-01,[/]\n", encoding="utf-8")
    r = run("dunning", ledger, "--out", tmp_path / "out", "--as-of", "2026-11-30")
    assert r.exit_code == 1, r.output
    assert "不是金额：'[/]'" in r.output
    data = tmp_path / "[bold]数据.yaml"
    data.write_text("owner_name: 张三\n", encoding="utf-8")
    r = run("render", "fee-dunning-notice", "--data", data, "--out", tmp_path / "y.pdf")
    assert r.exit_code == 2 and "[bold]数据.yaml" in r.output
    r = run("render", "fee-dunning-notice", "--sample", "--set", "owner_name=张三🦜", "--out", tmp_path / "x.pdf")
    assert r.exit_code == 2 and "docgen.toml 的 [fonts] 中" in r.output and "U+1F99C" in r.output
    folder = tmp_path / "tpls" / "bracket-notice"
    folder.mkdir(parents=True)
    (folder / "template.yaml").write_text("id: bracket-notice\ntitle: 通知[/]\ncategory: 通知\n"
                                          "description: 用 [red]方括号[/red] 的说明\n"
                                          "fields:\n  x: {type: string, label: '金额[元]', help: '[/]'}\n"
                                          "sample: {x: a}\n", encoding="utf-8")
    (folder / "body.md").write_text("# 通知\n\n{{ x }}\n", encoding="utf-8")
    r = run("show", "bracket-notice", "--templates", tmp_path / "tpls")
    assert r.exit_code == 0, r.output
    assert "通知[/]" in r.output and "[red]方括号[/red]" in r.output and "金额[元]" in r.output
    r = run("list", "--templates", tmp_path / "tpls")
    assert r.exit_code == 0 and "通知[/]" in r.output


def test_unwritable_output_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file.txt"
    blocker.write_text("x", encoding="utf-8")
    for args in (["render", "fee-dunning-notice", "--sample", "--out", blocker / "x.pdf"],
                 ["exam", "build", "sample", "--out", blocker / "exam"],
                 ["batch", "lost-and-found-notice", "--data", tmp_path / "rows.csv", "--out", blocker / "b"]):
        (tmp_path / "rows.csv").write_text("keep_days\n15\n", encoding="utf-8")
        r = run(*args)
        assert r.exit_code == 2, (args, r.output)
        assert "a-file.txt" in r.output and "可以写入的文件夹" in r.output and "Traceback" not in r.output
    assert blocker.read_text(encoding="utf-8") == "x"
