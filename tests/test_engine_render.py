"""The first three templates end to end: content of PDF and DOCX, typography check, text layer."""
from __future__ import annotations

import io

import pytest
from docx import Document as DocxDocument
from docx.oxml.ns import qn

from docgen import model as m
from docgen.api import render_one
from docgen.library.folders import Library
from docgen.profile import Profile
from docgen.engine.pipeline import build_document
from docgen.writers import write_outputs
from docgen.writers.pdf import write_pdf

from .helpers import assert_east_asian_fonts, docx_text, pdf_text, pdfcheck

CORE = ("wall-cleaning-notice", "fee-dunning-notice", "renovation-permit")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("core")
    files = {}
    for tid in CORE:
        files[tid] = render_one(tid, use_sample=True, out=out / tid)
    return files


def _pdf(files):
    return next(p for p in files if p.suffix == ".pdf")


def _docx(files):
    return next(p for p in files if p.suffix == ".docx")


def test_wall_cleaning_notice_content(rendered):
    for text in (pdf_text(_pdf(rendered["wall-cleaning-notice"])), docx_text(_docx(rendered["wall-cleaning-notice"]))):
        assert "关于清洗外墙的通知" in text
        assert "2026年12月1日至2026年12月10日" in text
        assert "1—6栋高层住宅" in text
        assert "翠湖花园物业服务中心" in text and "2026年11月23日" in text
        assert "关好门窗" in text


def test_dunning_notice_amounts_and_upper(rendered):
    # 2,856.70 + 1,500.00 + 52.80 = 4,409.50
    for text in (pdf_text(_pdf(rendered["fee-dunning-notice"])), docx_text(_docx(rendered["fee-dunning-notice"]))):
        assert "龚䶮" in text and "3栋1502房" in text
        for amount in ("2,856.70", "1,500.00", "52.80", "4,409.50"):
            assert amount in text
        assert "人民币肆仟肆佰零玖元伍角" in text
        assert "2026年12月5日" in text
        for threat in ("停水", "停电", "断水", "断电"):
            assert threat not in text


def test_permit_extension_b_name_survives_text_layer(rendered):
    pdf = _pdf(rendered["renovation-permit"])
    text = pdf_text(pdf)
    assert "吉𠮷" in text            # U+20BB7 comes back as itself, not U+20BB + 7
    assert "欧阳喆" in text and "ZX-2026-0188" in text
    assert "2026年11月25日至2027年2月28日" in text
    assert "吉𠮷" in docx_text(_docx(rendered["renovation-permit"]))


def test_pdfs_pass_typography_check(rendered):
    mod = pdfcheck()
    for tid in CORE:
        report = mod.check(_pdf(rendered[tid]))
        assert report["problems"] == [], (tid, report["problems"])


def test_docx_sets_east_asian_fonts(rendered):
    for tid in CORE:
        assert_east_asian_fonts(_docx(rendered[tid]))
        d = DocxDocument(str(_docx(rendered[tid])))
        assert d.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"


def test_dunning_docx_uses_real_table_with_repeat_header(rendered):
    d = DocxDocument(str(_docx(rendered["fee-dunning-notice"])))
    t = d.tables[0]
    assert [c.text for c in t.rows[0].cells] == ["收费项目", "所属期间", "月数", "欠费金额（元）"]
    assert t.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert t.rows[1].cells[3].text == "2,856.70"


def test_docx_carries_only_the_parts_and_styles_it_needs(rendered):
    # python-docx's blank file brings 0.9 MB of unused styles; ours keeps the ones Word users reach for.
    import zipfile
    path = _docx(rendered["fee-dunning-notice"])
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
    assert "word/stylesWithEffects.xml" not in names and "docProps/thumbnail.jpeg" not in names
    assert {"word/document.xml", "word/styles.xml", "word/settings.xml"} <= names
    styles = {s.name for s in DocxDocument(str(path)).styles}
    assert {"Normal", "Heading 1", "Title", "Table Grid", "Header", "Footer"} <= styles
    assert path.stat().st_size < 30_000


def _doc(blocks, **page):
    return m.Document(blocks=blocks, page=m.PageSetup(**page))


def test_long_document_gets_page_footer_per_document():
    para = m.Paragraph([m.Text("物业服务费是小区保洁、绿化、秩序维护和设施设备运行维护的保障。" * 6)])
    long_doc = _doc([para] * 12)
    short_doc = _doc([m.Paragraph([m.Text("短文。")])])
    buf = io.BytesIO()
    counts = write_pdf([long_doc, short_doc], buf)
    assert counts[0] >= 2 and counts[1] == 1
    import pdfplumber
    with pdfplumber.open(buf) as pdf:
        first = pdf.pages[0].extract_text().replace(" ", "")
        last = pdf.pages[-1].extract_text().replace(" ", "")
    assert f"第1页共{counts[0]}页" in first
    assert "第1页共1页" not in last  # a one-page document has no footer


def test_duplex_merge_pads_odd_documents():
    para = m.Paragraph([m.Text("测试段落内容。" * 40)])
    three = _doc([para] * 6)          # spills onto a second or third page
    one = _doc([m.Paragraph([m.Text("一页。")])])
    plain, duplex = io.BytesIO(), io.BytesIO()
    counts = write_pdf([one, three, one], plain)
    write_pdf([one, three, one], duplex, duplex=True)
    from pypdf import PdfReader
    n_plain = len(PdfReader(plain).pages)
    n_duplex = len(PdfReader(duplex).pages)
    assert n_plain == sum(counts)
    expected = sum(c + (c % 2) for c in counts[:-1]) + counts[-1]
    assert n_duplex == expected


def test_long_values_wrap_inside_the_page(tmp_path):
    lib = Library()
    tpl = lib.get("renovation-permit")
    data = dict(tpl.sample)
    data["contractor"] = "超长施工单位名称" * 30 + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 8
    doc = build_document(tpl, data, Profile())
    pdf = write_outputs(doc, tmp_path / "long", ("pdf",), Profile())[0]
    import pdfplumber
    with pdfplumber.open(str(pdf)) as p:
        for page in p.pages:
            for ch in page.chars:
                assert 0 <= ch["x0"] and ch["x1"] <= page.width, ch["text"]
    assert "超长施工单位名称" in pdf_text(pdf)


def test_table_cell_longer_than_a_page_continues_in_rows():
    # A cell too tall for a page (a complaint written out in full, a one-character-wide column) goes on
    # in continuation rows that break across pages; every character is printed once, in order.
    narrow = m.Cell([m.Text("长文本" * 40 + "完")])
    t = m.Table([[m.Cell([m.Text("甲")]), narrow, m.Cell([m.Text("乙")])]], [1, 0.3, 12])
    buf = io.BytesIO()
    pages, = write_pdf(_doc([t]), buf)
    assert pages >= 2
    import pdfplumber
    with pdfplumber.open(buf) as p:
        text = "".join(pg.extract_text() or "" for pg in p.pages)
    text = text.replace("\n", "").replace(" ", "")
    assert text.count("长文本") == 40 and text.index("完") > text.rindex("长文本") and "甲" in text and "乙" in text


def test_complaint_with_a_very_long_content_prints_on_several_pages(tmp_path):
    from docgen.library.folders import Library
    tpl = Library().get("complaint-record")
    content = "".join(f"第{i}句：业主反映楼上住户夜间噪音扰民，多次沟通无果。" for i in range(1, 121))
    doc = build_document(tpl, dict(tpl.sample, content=content), Profile())
    pdf = write_outputs(doc, tmp_path / "long", ("pdf",), Profile())[0]
    text = pdf_text(pdf)
    assert "第1句" in text and "第120句" in text and text.index("第1句") < text.index("第60句") < text.index("第120句")
    assert "处理结果与回访" in text and "第3页共3页" in text
    assert pdfcheck().check(pdf)["problems"] == []


def test_row_span_taller_than_a_page_is_a_clear_error():
    # Rows tied by a row span cannot be cut into continuation rows: still a clear error, never a hang.
    from docgen.errors import DataError
    tall = m.Cell([m.Text("长文本" * 40)], rowspan=2)
    t = m.Table([[m.Cell([m.Text("甲")]), tall, m.Cell([m.Text("乙")])],
                 [m.Cell([m.Text("丙")]), m.Cell([], merged=True), m.Cell([m.Text("丁")])]], [1, 0.3, 12])
    with pytest.raises(DataError, match="比一整页还高"):
        write_pdf(_doc([t]), io.BytesIO())


def test_template_checks_name_the_field_and_values(tmp_path):
    # checks: in template.yaml: an outage that ends before it starts is refused with a clear message,
    # in one render and as one row of a batch (the other rows still render).
    from docgen.batch import batch
    from docgen.errors import DataError
    from docgen.library.folders import Library
    tpl = Library().get("water-outage-notice")
    base = dict(tpl.sample)
    with pytest.raises(DataError) as e:
        tpl.schema.validate(dict(base, end="2026-12-03 08:00"), file="d.yaml")
    msg = str(e.value)
    assert "恢复供水时间（end）" in msg and "2026年12月3日 8:00" in msg and "2026年12月3日 9:00" in msg
    assert "应晚于停水开始时间" in msg and "d.yaml" in msg
    # a notice about an outage already under way (posted after it began) still prints
    assert tpl.schema.validate(dict(base, issue_date="2026-12-04"))["issue_date"].day == 4
    assert tpl.schema.validate(dict(base))["end"].hour == 17
    # a rule over an optional field that was left empty does not apply
    app = Library().get("renovation-application")
    data = {k: v for k, v in app.sample.items() if k not in ("start_date", "end_date")}
    assert app.schema.validate(data)["end_date"] is None
    with pytest.raises(DataError, match="完工日期（2026年1月1日）不能早于开工日期"):
        app.schema.validate(dict(data, start_date="2026-03-01", end_date="2026-01-01"))
    rows = tmp_path / "rows.csv"
    rows.write_text("开始时间,结束时间,area,reason,issue_date\n"
                    "2026-12-03 09:00,2026-12-03 17:00,1栋,水箱清洗,2026-11-30\n"
                    "2026-12-03 09:00,2026-12-02 17:00,2栋,水箱清洗,2026-11-30\n", encoding="utf-8")
    report = batch("water-outage-notice", rows, out=tmp_path / "out", jobs=1)
    assert report.exit_code == 1 and report.letters == 1
    assert report.errors[0][0] == 3 and "应晚于停水开始时间" in report.errors[0][1]


def test_page_numbers_outside_its_three_values_is_a_template_error(tmp_path):
    # PageSetup.page_numbers is Literal["auto", "always", "never"]: anything else used to pass through silently.
    from docgen.errors import TemplateError
    from docgen.library.folders import load_template
    folder = tmp_path / "odd-pages"
    folder.mkdir()
    (folder / "template.yaml").write_text("id: odd-pages\ntitle: 测试\npage:\n  page_numbers: sometimes\n",
                                          encoding="utf-8")
    (folder / "body.md").write_text("# 测试\n", encoding="utf-8")
    with pytest.raises(TemplateError) as e:
        load_template(folder)
    assert "sometimes" in str(e.value) and e.value.field == "page.page_numbers"
    assert "auto" in e.value.expected and "never" in e.value.expected
    (folder / "template.yaml").write_text("id: odd-pages\ntitle: 测试\npage:\n  page_numbers: always\n",
                                          encoding="utf-8")
    assert load_template(folder).page.page_numbers == "always"
