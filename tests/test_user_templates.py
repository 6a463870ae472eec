"""Users' own templates: search path and overrides, `docgen new`, render --set and --data -."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from docgen.api import apply_overrides, render_one
from docgen.cli import app
from docgen.errors import DataError
from docgen.library.folders import Library, load_template
from docgen.library.scaffold import new_template

try:
    from .helpers import docx_text, pdf_text, pdf_text_and_cells
except ImportError:  # tests/ run as plain modules
    from helpers import docx_text, pdf_text, pdf_text_and_cells

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


@pytest.fixture()
def user_dir(tmp_path, monkeypatch) -> Path:
    """An empty ~/.config/docgen/templates for the test."""
    d = tmp_path / "config" / "docgen" / "templates"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("DOCGEN_TEMPLATES", raising=False)
    return d


# ---------------------------------------------------------------- new

def test_new_scaffolds_a_commented_template_that_renders(user_dir, tmp_path):
    r = run("new", "fire-drill", "--category", "安全")
    assert r.exit_code == 0, r.output
    folder = user_dir / "fire-drill"
    assert sorted(p.name for p in folder.iterdir()) == ["body.md", "template.yaml"]
    text = (folder / "template.yaml").read_text(encoding="utf-8")
    assert text.count("\n#") >= 10  # explained for a non-programmer
    raw = yaml.safe_load(text)
    assert raw["id"] == "fire-drill" and raw["category"] == "安全" and raw["sample"]["subject"]
    tpl = Library().get("fire-drill")
    assert tpl.source == "user" and tpl.category == "安全"
    listed = {t["id"]: t for t in json.loads(run("list", "--json").stdout)}
    assert listed["fire-drill"]["source"] == "user" and listed["wall-cleaning-notice"]["source"] == "builtin"
    pdf, = render_one("fire-drill", use_sample=True, out=tmp_path / "drill.pdf")
    text = pdf_text(pdf)
    assert "开展消防安全宣传活动的通知" in text
    assert "2026年12月5日（星期六）" in text
    assert "1.灭火器使用演示：消防员现场讲解并请业主动手操作；" in text
    assert "3.有奖问答。" in text
    assert "翠湖花园物业服务中心" in text


def test_new_from_existing_keeps_comments_and_changes_id(tmp_path):
    folder = new_template("wall-cleaning-b", dest=tmp_path, from_id="wall-cleaning-notice", category="公告",
                          title="外墙清洗告示")
    text = (folder / "template.yaml").read_text(encoding="utf-8")
    assert text.startswith("# 清洗外墙通知")  # the original's comment survives
    tpl = load_template(folder)
    assert (tpl.id, tpl.title, tpl.category) == ("wall-cleaning-b", "外墙清洗告示", "公告")
    assert (folder / "body.md").read_text(encoding="utf-8") == \
        (Library().get("wall-cleaning-notice").folder / "body.md").read_text(encoding="utf-8")


def test_new_refuses_bad_id_and_existing_folder(tmp_path):
    with pytest.raises(DataError) as e:
        new_template("停水 通知", dest=tmp_path)
    assert "停水 通知" in str(e.value)
    new_template("water", dest=tmp_path)
    with pytest.raises(DataError) as e:
        new_template("water", dest=tmp_path)
    assert "已存在" in str(e.value)
    r = run("new", "water", "--dir", tmp_path)
    assert r.exit_code == 2 and "已存在" in r.output


# ---------------------------------------------------------------- search path

def test_user_template_overrides_builtin_by_id(user_dir, tmp_path, monkeypatch):
    new_template("wall-cleaning-notice", dest=user_dir, from_id="wall-cleaning-notice", title="外墙清洗（本小区版）")
    body = user_dir / "wall-cleaning-notice" / "body.md"
    body.write_text(body.read_text(encoding="utf-8").replace("# 关于清洗外墙的通知", "# 外墙清洗温馨提示"),
                    encoding="utf-8")
    lib = Library()
    tpl = lib.get("wall-cleaning-notice")
    assert tpl.source == "user" and tpl.title == "外墙清洗（本小区版）"
    docx, = render_one("wall-cleaning-notice", use_sample=True, out=tmp_path / "u.docx")
    assert "外墙清洗温馨提示" in docx_text(docx) and "关于清洗外墙的通知" not in docx_text(docx)
    # DOCGEN_TEMPLATES beats the user folder, --templates beats both
    env_dir = tmp_path / "env"
    new_template("wall-cleaning-notice", dest=env_dir, from_id="wall-cleaning-notice", title="环境变量版")
    monkeypatch.setenv("DOCGEN_TEMPLATES", str(env_dir))
    assert Library().get("wall-cleaning-notice").source == "env"
    opt_dir = tmp_path / "opt"
    new_template("wall-cleaning-notice", dest=opt_dir, from_id="wall-cleaning-notice", title="命令行版")
    tpl = Library([opt_dir]).get("wall-cleaning-notice")
    assert (tpl.source, tpl.title) == ("option", "命令行版")
    r = run("list", "--templates", opt_dir)
    assert r.exit_code == 0 and "option" in r.stdout and "命令行版" in r.stdout


# ---------------------------------------------------------------- --set and --data -

def test_set_overrides_fields_by_name_label_and_alias(tmp_path):
    r = run("render", "wall-cleaning-notice", "--sample", "--set", "buildings=7栋、8栋",
            "--set", "开始日期=2026-12-03", "--out", tmp_path / "n.docx")
    assert r.exit_code == 0, r.output
    text = docx_text(tmp_path / "n.docx")
    assert "对7栋、8栋的外墙进行清洗" in text and "2026年12月3日至2026年12月10日" in text


def test_set_list_item_changes_total_and_upper_amount(tmp_path):
    r = run("render", "fee-dunning-notice", "--sample", "--set", "items.2.amount=100", "--set", "姓名=欧阳娜娜",
            "--out", tmp_path / "d.pdf")
    assert r.exit_code == 0, r.output
    text = pdf_text(tmp_path / "d.pdf")
    # 2,856.70 + 100.00 + 52.80
    assert "3,009.50" in text and "人民币叁仟零玖元伍角" in text
    assert "欧阳娜娜" in text and "龚䶮" not in text


def test_set_appends_a_list_item_and_accepts_yaml_values():
    tpl = Library().get("fee-dunning-notice")
    data = apply_overrides(tpl, dict(tpl.sample), ["items.4.item=装修垃圾清运费", "items.4.period=2026-10",
                                                   "items.4.amount=200", "due_date=2026-12-20"])
    assert len(data["items"]) == 4 and data["items"][3] == {"item": "装修垃圾清运费", "period": "2026-10",
                                                            "amount": "200"}
    assert len(tpl.sample["items"]) == 3  # the sample itself is untouched
    data = apply_overrides(tpl, {}, ["items=[{item: 物业费, period: 2026-10, amount: 12.5}]", "owner_name=王五",
                                         "building=1栋", "unit=101"])
    values = tpl.schema.validate(data)
    assert values["items"][0]["amount"] == __import__("decimal").Decimal("12.50")


def test_set_errors_name_the_option(tmp_path):
    r = run("render", "wall-cleaning-notice", "--sample", "--set", "buildngs=1栋", "--out", tmp_path / "x.pdf")
    assert r.exit_code == 2 and "buildngs" in r.output and "buildings" in r.output
    r = run("render", "wall-cleaning-notice", "--sample", "--set", "buildings", "--out", tmp_path / "x.pdf")
    assert r.exit_code == 2 and "字段=值" in r.output
    r = run("render", "fee-dunning-notice", "--sample", "--set", "items.9.amount=1", "--out", tmp_path / "x.pdf")
    assert r.exit_code == 2 and "只有 3 条" in r.output
    r = run("render", "fee-dunning-notice", "--sample", "--set", "items.2.amount=-1", "--out", tmp_path / "x.pdf")
    assert r.exit_code == 2 and "第 2 条" in r.output and "欠费金额" in r.output
    assert not (tmp_path / "x.pdf").exists()


def test_set_without_data_file(tmp_path):
    r = run("render", "wall-cleaning-notice", "--set", "buildings=全部楼栋", "--set", "start_date=2026-12-01",
            "--set", "end_date=2026-12-02", "--set", "issue_date=2026-11-20", "--out", tmp_path / "s.docx")
    assert r.exit_code == 0, r.output
    assert "对全部楼栋的外墙进行清洗" in docx_text(tmp_path / "s.docx")
    r = run("render", "wall-cleaning-notice", "--set", "buildings=全部楼栋", "--out", tmp_path / "t.docx")
    assert r.exit_code == 2 and "start_date" in r.output


def test_data_from_stdin(tmp_path):
    data = "buildings: 9栋\nstart_date: 2026-12-07\nend_date: 2026-12-08\nissue_date: 2026-11-30\n"
    r = run("render", "wall-cleaning-notice", "--data", "-", "--out", tmp_path / "stdin.docx", input=data)
    assert r.exit_code == 0, r.output
    text = docx_text(tmp_path / "stdin.docx")
    assert "对9栋的外墙进行清洗" in text and "2026年11月30日" in text
    r = run("render", "wall-cleaning-notice", "--data", "-", "--out", tmp_path / "bad.docx",
            input="buildings: 9栋\nstart_date: 下周\n")
    assert r.exit_code == 2 and "标准输入" in r.output and "start_date" in r.output
    json_data = json.dumps({"buildings": "10栋", "start_date": "2026-12-07", "end_date": "2026-12-08"})
    r = run("render", "wall-cleaning-notice", "--data", "-", "--set", "buildings=11栋",
            "--out", tmp_path / "j.docx", input=json_data)
    assert r.exit_code == 0, r.output
    assert "对11栋的外墙进行清洗" in docx_text(tmp_path / "j.docx")


# ---------------------------------------------------------------- the worked example in docs/templates.md

def test_worked_example_in_the_guide_lints_clean_and_renders(tmp_path):
    import re
    guide = Path(__file__).resolve().parents[1] / "docs" / "templates.md"
    blocks = re.findall(r"<!-- example: (\S+) -->\n```\w*\n(.*?)```", guide.read_text(encoding="utf-8"), re.S)
    assert [name for name, _ in blocks] == ["garage-floor-works/template.yaml", "garage-floor-works/body.md",
                                            "data.yaml"]
    for name, text in blocks:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    from docgen.library.lint import lint_template
    assert [p.describe() for p in lint_template(tmp_path / "garage-floor-works")] == []
    pdf, = render_one("garage-floor-works", templates=[tmp_path], use_sample=True, out=tmp_path / "s.pdf")
    text = pdf_text_and_cells(pdf)      # the dates wrap at 至 in their cell
    assert "关于2号地下车库地坪施工的通知" in text
    assert "A区（1—120号车位）" in text and "2026年12月7日至2026年12月9日" in text
    assert "施工期间在该处停车72小时内免费" in text and "0571-86502266" in text
    docx, = render_one("garage-floor-works", templates=[tmp_path], data_path=tmp_path / "data.yaml",
                       overrides=["free_hours=48"], out=tmp_path / "d.docx")
    text = docx_text(docx)
    assert "关于3号地下车库地坪施工的通知" in text and "2027年1月5日至2027年1月8日" in text
    assert "北门临时停车场，施工期间在该处停车48小时内免费" in text
    assert "因3号地下车库地面起砂、标线模糊" in text  # the default


def test_worked_example_in_the_readme_lints_clean_and_renders(tmp_path):
    import re
    readme = Path(__file__).resolve().parents[1] / "README.md"
    blocks = re.findall(r"<!-- example: (\S+) -->\n```\w*\n(.*?)```", readme.read_text(encoding="utf-8"), re.S)
    assert [name for name, _ in blocks] == ["lift-inspection-notice/template.yaml", "lift-inspection-notice/body.md"]
    for name, text in blocks:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    from docgen.library.lint import lint_template
    assert [p.describe() for p in lint_template(tmp_path / "lift-inspection-notice")] == []
    pdf, = render_one("lift-inspection-notice", templates=[tmp_path], use_sample=True, out=tmp_path / "s.pdf")
    text = pdf_text(pdf)
    assert "电梯年检通知" in text and "2026年12月3日（星期四）" in text and "5栋、6栋" in text
    assert "滨江市特种设备检验研究院" in text and "2026年11月26日" in text
    docx, = render_one("lift-inspection-notice", templates=[tmp_path], overrides=["date=2026-12-10", "buildings=8栋"],
                       out=tmp_path / "d.docx")
    text = docx_text(docx)
    assert "2026年12月10日（星期四）对8栋的电梯" in text and "特种设备检验机构" in text
