"""Word templates (docxtpl): table loop, pictures, filters, validation, escaping, PDF through LibreOffice."""
from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
from docx import Document as DocxDocument

from docgen.engine import word as wordtemplate
from docgen.api import render_one
from docgen.errors import DataError, TemplateError
from docgen.library.scaffold import new_template

try:
    from .helpers import docx_text, pdf_text, pdfcheck
except ImportError:  # tests/ run as plain modules
    from helpers import docx_text, pdf_text, pdfcheck

needs_soffice = pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) not installed: "
                                   "apt-get install libreoffice-writer-nogui")


@pytest.fixture()
def word_tpl(tmp_path) -> Path:
    """The Word starter from `docgen new --word` (fee table loop, rmb_upper, pay-code picture, seal)."""
    return new_template("fee-letter", dest=tmp_path / "tpl", word=True)


def table_rows(path: Path) -> list[list[str]]:
    d = DocxDocument(str(path))
    return [[c.text for c in row.cells] for row in d.tables[0].rows]


def pictures(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return sorted(n for n in z.namelist() if n.startswith("word/media/"))


def test_word_template_renders_table_loop_image_and_rmb_upper(word_tpl, tmp_path):
    out, = render_one("fee-letter", templates=[word_tpl.parent], use_sample=True, out=tmp_path / "letter.docx")
    rows = table_rows(out)
    assert rows[0] == ["收费项目", "所属期间", "金额（元）"]
    assert rows[1:4] == [["物业服务费", "2026年10月—12月", "1,128.60"],
                         ["生活垃圾处理费", "2026年10月—12月", "45.00"],
                         ["公共水电分摊", "2026年10月—12月", "36.40"]]
    assert rows[4][0] == "合计（大写）：人民币壹仟贰佰壹拾元整" and rows[4][2] == "1,210.00"
    assert len(rows) == 5  # the {%tr %} rows are gone
    text = docx_text(out)
    assert "林晓菲（5栋2103房）业主：" in text
    assert "请您于2026年12月15日前到物业服务中心前台缴纳" in text
    assert "翠湖花园物业服务中心" in text and "2026年11月23日" in text
    assert "{{" not in text and "{%" not in text
    assert len(pictures(out)) == 1  # the pay code


def test_seal_and_logo_from_the_profile(word_tpl, tmp_path):
    shutil.copy(word_tpl / "pay-code.png", tmp_path / "seal.png")
    shutil.copy(word_tpl / "pay-code.png", tmp_path / "logo.png")
    profile = tmp_path / "docgen.toml"
    profile.write_text('[org]\nname = "安居物业管理有限公司"\noffice = "安居苑物业服务中心"\n'
                       'seal = "seal.png"\nlogo = "logo.png"\n', encoding="utf-8")
    out, = render_one("fee-letter", templates=[word_tpl.parent], use_sample=True, out=tmp_path / "l.docx",
                      profile_path=profile)
    d = DocxDocument(str(out))
    shapes = d.inline_shapes
    assert len(shapes) == 3  # logo, pay code, seal
    widths_mm = sorted(round(s.width.mm) for s in shapes)
    assert 30 in widths_mm and 40 in widths_mm  # pay code at width='30mm', seal at its 40 mm default
    assert any(round(s.height.mm) == 15 for s in shapes)  # logo at its 15 mm height
    assert "安居苑物业服务中心" in docx_text(out) and "安居物业管理有限公司" in docx_text(out)


def test_data_is_escaped_never_interpreted(word_tpl, tmp_path):
    data = tmp_path / "d.yaml"
    data.write_text(
        "owner_name: '张<三>&\"李\" {{ org.name }}'\nbuilding: 5栋\nunit: '2103'\ndue_date: 2026-12-15\n"
        "items:\n  - {item: '水电费 </w:t><w:t>注入', period: '2026-10', amount: 10}\n"
        "  - {item: '{% for x in y %}', period: '2026-11', amount: '¥1,000.005'}\n", encoding="utf-8")
    out, = render_one("fee-letter", templates=[word_tpl.parent], data_path=data, out=tmp_path / "x.docx")
    text = docx_text(out)
    assert '张<三>&"李"{{org.name}}（5栋2103房）' in text  # literal, and the tag in data was not evaluated
    rows = table_rows(out)
    assert rows[1][0] == "水电费 </w:t><w:t>注入" and rows[2][0] == "{% for x in y %}"
    assert rows[2][2] == "1,000.01" and rows[3][2] == "1,010.01"  # half-up to the fen, total of shown lines
    assert "人民币壹仟零壹拾元零壹分" in rows[3][0]


def test_multiline_text_becomes_line_breaks(tmp_path):
    folder = tmp_path / "tpl" / "memo"
    folder.mkdir(parents=True)
    d = DocxDocument()
    d.add_paragraph("备注：{{ note }}")
    d.save(str(folder / "body.docx"))
    (folder / "template.yaml").write_text(
        "id: memo\ntitle: 备忘\nbody: body.docx\nfields:\n  note: {type: text, label: 备注}\n"
        "sample:\n  note: \"第一行\\n第二行\"\n", encoding="utf-8")
    out, = render_one("memo", templates=[folder.parent], use_sample=True, out=tmp_path / "memo.docx")
    p = DocxDocument(str(out)).paragraphs[0]
    assert p.text == "备注：第一行\n第二行"  # python-docx reads <w:br/> as \n
    assert p._p.xpath(".//w:br")


def test_validation_names_field_and_file(word_tpl, tmp_path):
    data = tmp_path / "bad.yaml"
    data.write_text("owner_name: 王五\nbuilding: 1栋\nunit: '101'\ndue_date: 2026-12-15\n"
                    "items:\n  - {item: 物业费, period: '2026-10', amount: -5}\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        render_one("fee-letter", templates=[word_tpl.parent], data_path=data, out=tmp_path / "x.docx")
    msg = str(e.value)
    assert str(data) in msg and "金额（amount）" in msg and "第 1 条" in msg
    assert not (tmp_path / "x.docx").exists()


def test_syntax_error_names_the_paragraph(word_tpl, tmp_path):
    d = DocxDocument(str(word_tpl / "body.docx"))
    p = next(p for p in d.paragraphs if "{{ due_date|cn_date }}" in p.text)
    p.runs[0].text = p.runs[0].text.replace("{{ due_date|cn_date }}", "{{ due_date|cn_date }")
    d.save(str(word_tpl / "body.docx"))
    with pytest.raises(TemplateError) as e:
        render_one("fee-letter", templates=[word_tpl.parent], use_sample=True, out=tmp_path / "x.docx")
    texts = [t for _, t in wordtemplate.body_lines(word_tpl / "body.docx")]
    assert e.value.row is not None and "{{ due_date|cn_date }" in texts[e.value.row - 1]
    assert "请您于" in str(e.value)


def test_undeclared_name_is_a_template_error(word_tpl, tmp_path):
    d = DocxDocument(str(word_tpl / "body.docx"))
    d.add_paragraph("{{ contact_person }}")
    d.save(str(word_tpl / "body.docx"))
    with pytest.raises(TemplateError) as e:
        render_one("fee-letter", templates=[word_tpl.parent], use_sample=True, out=tmp_path / "x.docx")
    assert "contact_person" in str(e.value)


def test_traditional_output_for_word(word_tpl, tmp_path):
    out, = render_one("fee-letter", templates=[word_tpl.parent], use_sample=True, out=tmp_path / "t.docx",
                      script="hk")
    text = docx_text(out)
    assert "繳費提醒函" in text and "翠湖花園物業服務中心" in text
    assert table_rows(out)[4][0] == "合計（大寫）：人民幣壹仟貳佰壹拾元整"
    assert "2026年11月23日" in text


def test_without_libreoffice_pdf_is_a_clear_error(word_tpl, tmp_path, monkeypatch):
    monkeypatch.setattr(wordtemplate.shutil, "which", lambda name: None)
    with pytest.raises(DataError) as e:
        render_one("fee-letter", templates=[word_tpl.parent], use_sample=True, out=tmp_path / "x.pdf")
    assert "libreoffice-writer-nogui" in str(e.value) and "也可以用 formats=docx 只生成 Word 文件" in str(e.value)
    assert e.value.field == "formats"
    assert not list(tmp_path.glob("x.*"))
    out, = render_one("fee-letter", templates=[word_tpl.parent], use_sample=True, out=tmp_path / "x", fmt="docx")
    assert out.suffix == ".docx" and out.is_file()


def test_without_libreoffice_the_cli_names_its_option(word_tpl, tmp_path, monkeypatch):
    # The library names the setting (formats=docx); the command line says it as the user types it.
    from typer.testing import CliRunner
    from docgen.cli import app
    monkeypatch.setattr(wordtemplate.shutil, "which", lambda name: None)
    r = CliRunner().invoke(app, ["render", "fee-letter", "--templates", str(word_tpl.parent), "--sample",
                                 "--out", str(tmp_path / "x.pdf")])
    assert r.exit_code == 2, r.output
    flat = re.sub(r"\s+", "", r.output)
    assert "字段「--format」" in flat and "也可以用--formatdocx只生成Word文件" in flat and "formats" not in flat
    assert not list(tmp_path.glob("x.*"))


@pytest.mark.slow
@needs_soffice
def test_word_template_to_pdf_through_libreoffice(word_tpl, tmp_path):
    written = render_one("fee-letter", templates=[word_tpl.parent], use_sample=True, out=tmp_path / "letter")
    assert sorted(p.suffix for p in written) == [".docx", ".pdf"]
    pdf = next(p for p in written if p.suffix == ".pdf")
    text = pdf_text(pdf)
    for key in ("缴费提醒函", "林晓菲", "物业服务费", "1,128.60", "1,210.00", "人民币壹仟贰佰壹拾元整", "2026年12月15日"):
        assert key in text, key
    assert pdfcheck().check(pdf)["problems"] == []
    assert not list(tmp_path.glob(".*.part"))


def test_docx_import_declares_the_tags_it_finds(tmp_path):
    src = tmp_path / "我们的通知.docx"
    d = DocxDocument()
    d.add_paragraph("{{ owner_name }}先生/女士：")
    d.add_paragraph("您好！您家的{{ meter }}读数为{{ reading }}，抄表日期{{ read_date|cn_date }}，"
                    "应缴{{ due|money }}元（{{ due|rmb_upper }}）。")
    t = d.add_table(rows=3, cols=2)
    t.cell(0, 0).text = "{%tr for r in rows %}"
    t.cell(1, 0).text = "{{ r.name }}"
    t.cell(1, 1).text = "{{ r.amount|money }}"
    t.cell(2, 0).text = "{%tr endfor %}"
    d.add_paragraph("{{ org.office }}")
    d.save(str(src))
    folder = new_template("meter-notice", dest=tmp_path / "tpl", docx=src)
    assert (folder / "body.docx").read_bytes() == src.read_bytes()
    yml = (folder / "template.yaml").read_text(encoding="utf-8")
    # plain {{ x }} is `any` (the data's own type wins, issue 12); filters still give dates and amounts
    for name, ftype in (("meter", "any"), ("owner_name", "any"), ("reading", "any"),
                        ("read_date", "date"), ("due", "money")):
        assert re.search(rf"(?m)^  {name}: \{{type: {ftype},", yml), name
    assert re.search(r"(?m)^  rows:.*\n    type: list\n.*\n.*\n    fields:\n      name: \{type: any.*\n"
                     r"      amount: \{type: money", yml), yml
    assert "org:" not in yml
    from docgen.library.lint import lint_template
    assert [p.describe() for p in lint_template(folder, pdf=False)] == []
    out, = render_one("meter-notice", templates=[folder.parent], use_sample=True, out=tmp_path / "m.docx")
    text = docx_text(out)
    assert "抄表日期2026年11月23日" in text and "应缴100.00元（人民币壹佰元整）" in text


def _rows_yaml(tmp_path: Path) -> Path:
    p = tmp_path / "rows.yaml"
    p.write_text("- {owner_name: 林晓菲, building: 5栋, unit: '2103', due_date: 2026-12-15,\n"
                 "   items: [{item: 物业服务费, period: 2026年10月—12月, amount: 1128.60}]}\n"
                 "- {owner_name: 吉𠮷, building: 5栋, unit: '2104', due_date: 2026-12-15,\n"
                 "   items: [{item: 物业服务费, period: 2026年10月—12月, amount: 600.00},\n"
                 "           {item: 车位使用费, period: 2026年12月, amount: 150}]}\n"
                 "- {owner_name: 坏数据, building: 5栋, unit: '2105', due_date: 2026-12-15,\n"
                 "   items: [{item: 物业服务费, period: 2026年10月—12月, amount: abc}]}\n", encoding="utf-8")
    return p


def test_batch_over_a_word_template(word_tpl, tmp_path):
    # A Word letter an office already owns, over a table of records: one DOCX per record, bad
    # records named in the manifest, Traditional output, and no print file (that needs a text body).
    from docgen.batch import batch
    from .test_batch_run import read_manifest
    out = tmp_path / "out"
    report = batch("fee-letter", _rows_yaml(tmp_path), out=out, templates=[word_tpl.parent], formats=("docx",),
                   name="{building}-{unit}", jobs=2, chunk=1, script="hk")
    assert report.exit_code == 1 and report.letters == 2
    rows = read_manifest(out / "manifest.csv")
    assert [r["status"] for r in rows] == ["ok", "ok", "error"] and "abc" in rows[2]["message"]
    assert rows[1]["output"] == "5栋-2104.docx"
    doc = out / "5栋-2104.docx"
    assert table_rows(doc)[1:3] == [["物業服務費", "2026年10月—12月", "600.00"], ["車位使用費", "2026年12月", "150.00"]]
    assert "合計（大寫）：人民幣柒佰伍拾元整" in docx_text(doc) and "吉𠮷（5棟2104房）業主" in docx_text(doc)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["5栋-2103.docx", "5栋-2104.docx",
                                                                                 "manifest.csv"]
    with pytest.raises(DataError, match="Word 模板"):
        batch("fee-letter", _rows_yaml(tmp_path), out=tmp_path / "m", templates=[word_tpl.parent], merge=True,
              formats=())


def test_batch_word_pdf_needs_libreoffice(word_tpl, tmp_path, monkeypatch):
    from docgen.batch import batch
    monkeypatch.setattr(wordtemplate.shutil, "which", lambda name: None)
    with pytest.raises(DataError, match="libreoffice-writer-nogui"):
        batch("fee-letter", _rows_yaml(tmp_path), out=tmp_path / "out", templates=[word_tpl.parent])
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
@needs_soffice
def test_dunning_with_a_word_letter_to_pdf(word_tpl, tmp_path):
    # The monthly ledger through the office's own Word letter; LibreOffice makes the PDFs, one run per chunk.
    from docgen.dunning import dunning
    from .test_batch_run import AS_OF, small_ledger
    out = tmp_path / "out"
    report = dunning(small_ledger(tmp_path, units=3), out=out, template="fee-letter", templates=[word_tpl.parent],
                     as_of=AS_OF, due_date=AS_OF, formats=("pdf", "docx"), jobs=1)
    assert report.exit_code == 0 and report.letters == 3
    text = pdf_text(out / "1栋-201.pdf")
    assert "业主1（1栋201房）业主" in text and "303.00" in text and "人民币叁佰零叁元整" in text
    assert "2026年11月30日前" in text
    assert pdfcheck().check(out / "1栋-201.pdf")["problems"] == []
