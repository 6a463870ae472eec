"""Traditional Chinese output: phrase-level conversion, 大写金额 and dates stay right, both writers, CLI and profile."""
from __future__ import annotations

from decimal import Decimal

import pytest
from docx import Document as DocxDocument
from typer.testing import CliRunner

from docgen import model as m
from docgen.model import walk
from docgen.api import render_one
from docgen.cli import app
from docgen.errors import DataError
from docgen.engine.filters import cn_date, cn_date_upper, money, rmb_upper
from docgen.library.folders import Library
from docgen.model.walk import inline_text
from docgen.profile import Profile
from docgen.engine.pipeline import build_document
from docgen.engine.script import convert_document, convert_docx, convert_runs, convert_text, normalize

try:
    from .helpers import docx_text, pdf_text, pdfcheck
except ImportError:  # tests/ run as plain modules
    from helpers import docx_text, pdf_text, pdfcheck

runner = CliRunner()


@pytest.mark.parametrize("amount, hant, hk", [
    # Traditional financial numerals: 贰→貳, 陆→陸, 万→萬; 叁 is 叄 in OpenCC's standard forms and stays 叁 in Hong Kong.
    ("1409.50", "人民幣壹仟肆佰零玖元伍角", "人民幣壹仟肆佰零玖元伍角"),
    ("16409.02", "人民幣壹萬陸仟肆佰零玖元零貳分", "人民幣壹萬陸仟肆佰零玖元零貳分"),
    ("325.04", "人民幣叄佰貳拾伍元零肆分", "人民幣叁佰貳拾伍元零肆分"),
    ("107000.53", "人民幣壹拾萬柒仟元零伍角叄分", "人民幣壹拾萬柒仟元零伍角叁分"),
    ("10.00", "人民幣壹拾元整", "人民幣壹拾元整"),
])
def test_rmb_upper_in_traditional(amount, hant, hk):
    upper = rmb_upper(Decimal(amount))
    assert convert_text(upper, "hant") == hant
    assert convert_text(upper, "tw") == hant
    assert convert_text(upper, "hk") == hk


def test_dates_and_numbers_are_unchanged():
    for script in ("hant", "tw", "hk"):
        assert convert_text(cn_date_upper("2026-11-23"), script) == "二〇二六年十一月二十三日"
        assert convert_text(cn_date("2026-03-05"), script) == "2026年3月5日"
        assert convert_text(money("1234.5") + "元 A-1203 2026-11", script) == "1,234.50元 A-1203 2026-11"


def test_phrase_level_variants():
    text = "请于截止日前缴纳物业服务费，联系电话见信息栏，打印后张贴在社区公告栏。"
    assert convert_text(text, "hant") == "請於截止日前繳納物業服務費，聯繫電話見信息欄，打印後張貼在社區公告欄。"
    # Taiwan: everyday words (資訊, 列印, 聯絡) but not the computing senses (社區 stays, not 社群)
    assert convert_text(text, "tw") == "請於截止日前繳納物業服務費，聯絡電話見資訊欄，列印後張貼在社區公告欄。"
    assert convert_text(text, "hk") == "請於截止日前繳納物業服務費，聯繫電話見信息欄，打印後張貼在社區公告欄。"


def test_taiwan_keeps_office_words_that_opencc_reads_as_computing_terms():
    text = "欠费项目；设施设备运行维护；不得从窗口抛物；依法律程序处理；参加对象；发布通知；资料审核；统一社会信用代码"
    assert convert_text(text, "tw") == ("欠費項目；設施設備運行維護；不得從窗口拋物；依法律程序處理；參加對象；"
                                        "發布通知；資料審核；統一社會信用代碼")


def test_traditional_input_stays_as_it_is():
    assert convert_text("陳大文 先生 灣仔道 181 號", "hant") == "陳大文 先生 灣仔道 181 號"


def test_normalize_and_unknown_script():
    assert normalize("zh-TW") == "tw" and normalize("繁体") == "hant" and normalize(None) == "hans"
    with pytest.raises(DataError) as e:
        normalize("latin")
    assert "latin" in str(e.value) and "hant" in str(e.value)


def test_convert_runs_keeps_run_boundaries():
    runs = ["关于", "清洗外墙", "的通知"]
    assert convert_runs(runs, "hant") == ["關於", "清洗外牆", "的通知"]
    # a phrase split across runs is still converted as a phrase (打印机 → 印表機 in Taiwan), cut at the same places
    assert convert_runs(["打", "印机"], "tw") == ["印", "表機"]
    # a conversion that changes the length converts run by run, so no text moves out of its run
    assert convert_runs(["U盘", "已借出"], "tw") == [convert_text("U盘", "tw"), "已借出"]


def test_convert_document_walks_every_block():
    doc = m.Document(blocks=[
        m.Heading(1, [m.Text("关于停水的通知")]),
        m.Frame([m.Paragraph([m.Text("请"), m.Blank(8, "业主"), m.Text("储水", bold=True)])]),
        m.Table([[m.Cell([m.Text("欠费项目")]), m.Cell([m.Text("金额")])]], [1, 1]),
        m.ListBlock([[m.Text("关好门窗")]]),
        m.Signature([[m.Text("翠湖花园物业服务中心")]]),
        m.Columns([[m.Text("A. 电梯")]]),
        m.CutLine("沿此线剪开"),
        m.QRCode("https://example.org/缴费", 80, caption="扫码缴费"),
    ], title="关于停水的通知", author="锦程物业")
    convert_document(doc, "hant")
    heading, frame, table, lst, sig, cols, cut, qr = doc.blocks
    assert inline_text(heading.inlines) == "關於停水的通知"
    assert inline_text(frame.blocks[0].inlines) == "請業主儲水" and frame.blocks[0].inlines[2].bold
    assert inline_text(table.rows[0][0].inlines) == "欠費項目"
    assert inline_text(lst.items[0]) == "關好門窗"
    assert inline_text(sig.lines[0]) == "翠湖花園物業服務中心"
    assert inline_text(cols.items[0]) == "A. 電梯"
    assert cut.label == "沿此線剪開" and qr.caption == "掃碼繳費"
    assert qr.data == "https://example.org/缴费"  # encoded data is not text to read: unchanged
    assert doc.title == "關於停水的通知" and doc.author == "錦程物業"


def test_notice_in_traditional_pdf_and_docx(tmp_path):
    written = render_one("wall-cleaning-notice", use_sample=True, out=tmp_path / "notice", script="hant")
    pdf, docx = sorted(written)[::-1] if written[0].suffix == ".docx" else written
    for text in (pdf_text(pdf), docx_text(docx)):
        assert "關於清洗外牆的通知" in text
        assert "各位業主、住戶" in text
        assert "翠湖花園物業服務中心" in text
        assert "2026年12月1日至2026年12月10日" in text
        assert "特此通知" in text
        assert "关于" not in text and "业主" not in text
    assert pdfcheck().check(pdf)["problems"] == []


def test_dunning_letter_amounts_in_traditional(tmp_path):
    pdf, = render_one("fee-dunning-notice", use_sample=True, out=tmp_path / "letter.pdf", script="tw")
    text = pdf_text(pdf)
    assert "費用催繳通知單" in text
    assert "4,409.50" in text
    assert "人民幣肆仟肆佰零玖元伍角" in text
    assert "物業服務費" in text and "車位使用費" in text


def test_cli_script_option_and_profile_setting(tmp_path, monkeypatch):
    out = tmp_path / "a.docx"
    r = runner.invoke(app, ["render", "wall-cleaning-notice", "--sample", "--script", "hk", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "關於清洗外牆的通知" in docx_text(out)
    profile = tmp_path / "docgen.toml"
    profile.write_text('[output]\nscript = "hant"\n', encoding="utf-8")
    out2 = tmp_path / "b.docx"
    r = runner.invoke(app, ["render", "wall-cleaning-notice", "--sample", "--profile", str(profile), "--out", str(out2)])
    assert r.exit_code == 0, r.output
    assert "關於清洗外牆的通知" in docx_text(out2)
    # the command line wins over the profile
    out3 = tmp_path / "c.docx"
    r = runner.invoke(app, ["render", "wall-cleaning-notice", "--sample", "--profile", str(profile),
                            "--script", "hans", "--out", str(out3)])
    assert r.exit_code == 0 and "关于清洗外墙的通知" in docx_text(out3)
    r = runner.invoke(app, ["render", "wall-cleaning-notice", "--sample", "--script", "klingon", "--out", str(out3)])
    assert r.exit_code == 2 and "klingon" in r.output and "字段「--script」" in r.output


def test_bad_script_in_profile_names_the_setting(tmp_path):
    profile = tmp_path / "docgen.toml"
    profile.write_text('[output]\nscript = "traditonal"\n', encoding="utf-8")
    with pytest.raises(DataError) as e:
        render_one("wall-cleaning-notice", use_sample=True, out=tmp_path / "x.pdf", profile_path=profile)
    assert "traditonal" in str(e.value) and "[output] script" in str(e.value)


def test_convert_docx_paragraphs_tables_and_headers(tmp_path):
    d = DocxDocument()
    d.add_paragraph("关于").add_run("清洗外墙").bold = True
    d.add_table(rows=1, cols=1).cell(0, 0).text = "欠费项目"
    d.sections[0].header.paragraphs[0].text = "锦程物业服务有限公司"
    d.core_properties.title = "关于清洗外墙的通知"
    path = tmp_path / "x.docx"
    d.save(str(path))
    convert_docx(path, "tw")
    back = DocxDocument(str(path))
    p = back.paragraphs[0]
    assert [r.text for r in p.runs] == ["關於", "清洗外牆"] and p.runs[1].bold
    assert back.tables[0].cell(0, 0).text == "欠費項目"
    assert back.sections[0].header.paragraphs[0].text == "錦程物業服務有限公司"
    assert back.core_properties.title == "關於清洗外牆的通知"


def _texts(blocks) -> list[str]:
    """Every text and blank run in reading order, into frames, tables and signatures."""
    return [x.text for group in walk.inlines(blocks) for x in group if isinstance(x, (m.Text, m.Blank))]


def test_every_sample_converts_without_losing_text():
    lib, profile = Library(), Profile()
    for tid in ("wall-cleaning-notice", "fee-dunning-notice", "renovation-permit"):
        tpl = lib.get(tid)
        doc = build_document(tpl, dict(tpl.sample), profile)
        before = _texts(doc.blocks)
        convert_document(doc, "hant")
        after = _texts(doc.blocks)
        assert [len(x) for x in before] == [len(x) for x in after], tid
        assert sum(a != b for a, b in zip(before, after)) > len(before) // 3, tid
