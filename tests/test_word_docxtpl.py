"""An office's own Word file (docxtpl syntax) through `docgen new --docx`, with no hand edits, renders the
same document text as docxtpl itself renders the same file and data, and lints clean (issue 12).

Every fixture is built here with python-docx; the reference is docxtpl's own rendering (its default
Jinja environment, the data as YAML loads it, pictures as InlineImage objects)."""
from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from lxml import etree

from docgen.api import render_one
from docgen.errors import DocgenError
from docgen.library.lint import lint_template
from docgen.library.scaffold import new_template

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes)\.xml$")


def _part_text(xml: bytes) -> str:
    """A part's text as a reader sees it: paragraphs, runs, tabs, breaks, and each cell's span/merge/shading."""
    out = []
    for el in etree.fromstring(xml).iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == W + "p":
            out.append("¶")
        elif tag == W + "t":
            out.append(el.text or "")
        elif tag == W + "tab" and el.getparent().tag == W + "r":
            out.append("\t")
        elif tag == W + "br":
            out.append("[分页]" if el.get(W + "type") == "page" else "\n")
        elif tag == W + "tr":
            out.append("[行]")
        elif tag == W + "tc":
            pr, marks = el.find(W + "tcPr"), []
            if pr is not None:
                span, vm, shd = pr.find(W + "gridSpan"), pr.find(W + "vMerge"), pr.find(W + "shd")
                if span is not None and span.get(W + "val") != "1":
                    marks.append("跨" + span.get(W + "val"))
                if vm is not None:
                    marks.append("并" + (vm.get(W + "val") or "continue"))
                if shd is not None and shd.get(W + "fill") not in (None, "auto"):
                    marks.append("底" + shd.get(W + "fill").upper())
            out.append("[格" + " ".join(marks) + "]")
        elif tag.endswith("}drawing"):
            out.append("[图]")
    return "".join(out)


def word_text(path: Path) -> dict:
    """Body, headers, footers, footnotes (cells with merges and shading), core properties, picture count."""
    with zipfile.ZipFile(path) as z:
        res = {n: _part_text(z.read(n)) for n in sorted(z.namelist()) if PARTS.match(n)}
        core = etree.fromstring(z.read("docProps/core.xml"))
        res["core"] = {etree.QName(e).localname: e.text for e in core
                       if etree.QName(e).localname in ("title", "subject", "creator", "description")}
        res["pictures"] = sum(n.startswith("word/media/") for n in z.namelist())
    return res


def _pictures_as_objects(tpl, value, images: set[str]):
    from docxtpl import InlineImage
    if isinstance(value, dict):
        return {k: _pictures_as_objects(tpl, v, images) if k not in images else InlineImage(tpl, v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_pictures_as_objects(tpl, v, images) for v in value]
    return value


def docxtpl_render(src: Path, data_yaml: str, out: Path, images: set[str] = frozenset(), base: Path | None = None):
    """docxtpl's own rendering of src with the YAML data (names in `images` as InlineImage pictures)."""
    from docxtpl import DocxTemplate, InlineImage
    tpl = DocxTemplate(str(src))
    data = yaml.safe_load(data_yaml)

    def objects(v, key=None):
        if key in images:
            return [InlineImage(tpl, str(base / x)) for x in v] if isinstance(v, list) else InlineImage(tpl, str(base / v))
        if isinstance(v, dict):
            return {k: objects(x, k) for k, x in v.items()}
        if isinstance(v, list):
            return [objects(x) for x in v]
        return v
    tpl.render(objects(data))
    tpl.save(str(out))
    return out


def through_docgen(tmp_path: Path, src: Path, data_yaml: str, images: set[str] = frozenset()) -> tuple[dict, dict, Path]:
    """`docgen new --docx` (no edits), lint, render the data; returns (docgen text, docxtpl text, folder)."""
    folder = new_template("imported", dest=tmp_path / "tpl", docx=src)
    problems = [p.describe() for p in lint_template(folder, pdf=False)]
    assert problems == [], problems
    data = tmp_path / "data.yaml"
    data.write_text(data_yaml, encoding="utf-8")
    out, = render_one("imported", templates=[folder.parent], data_path=data, out=tmp_path / "docgen.docx")
    ref = docxtpl_render(src, data_yaml, tmp_path / "docxtpl.docx", images, base=tmp_path)
    return word_text(out), word_text(ref), folder


def declared(folder: Path) -> dict:
    return yaml.safe_load((folder / "template.yaml").read_text(encoding="utf-8"))["fields"]


def add_footnote(docx: Path, paragraph_text: str, note: str) -> None:
    """Give docx one footnote (python-docx cannot): a reference after paragraph_text, the note's text."""
    with zipfile.ZipFile(docx) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    parts["word/footnotes.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes {ns}>'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
        f'</w:footnote><w:footnote w:id="1"><w:p><w:r><w:t xml:space="preserve">{note}</w:t></w:r></w:p>'
        '</w:footnote></w:footnotes>').encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.wordprocessingml.footnotes+xml"/></Types>')
    parts["word/_rels/document.xml.rels"] = parts["word/_rels/document.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdNote1" Type="http://schemas.openxmlformats.org/officeDocument/'
                             b'2006/relationships/footnotes" Target="footnotes.xml"/></Relationships>')
    body = parts["word/document.xml"].decode()
    at = body.index(paragraph_text) + len(paragraph_text)
    at = body.index("</w:r>", at) + len("</w:r>")
    parts["word/document.xml"] = (body[:at] + '<w:r><w:footnoteReference w:id="1"/></w:r>' + body[at:]).encode()
    with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in parts.items():
            z.writestr(n, b)


def test_unpaid_owner_is_not_told_he_has_paid(tmp_path):
    # The issue's own case: {% if is_paid %} … {% else %} … with is_paid: false.
    src = tmp_path / "催缴函.docx"
    d = Document()
    d.add_paragraph("{{ owner }}业主：")
    d.add_paragraph("{% if is_paid %}您已缴清{{ period }}的物业费，谢谢！{% else %}"
                    "您{{ period }}的物业费{{ amount }}元尚未缴纳，请于月底前缴清。{% endif %}")
    d.add_paragraph("{%p if urgent %}")
    d.add_paragraph("本函为最后一次提醒。")
    d.add_paragraph("{%p endif %}")
    d.save(str(src))
    data = "owner: 陈立\nis_paid: false\nperiod: 2026年11月\namount: 326.45\nurgent: no\n"
    ours, theirs, folder = through_docgen(tmp_path, src, data)
    assert ours == theirs
    body = ours["word/document.xml"]
    assert "尚未缴纳" in body and "已缴清" not in body and "最后一次提醒" not in body
    fields = declared(folder)
    assert fields["is_paid"]["type"] == "bool" and not fields["is_paid"].get("required")
    assert fields["urgent"]["type"] == "bool"
    assert fields["owner"] == {"type": "any", "label": "owner", "required": True}
    # the same field from a spreadsheet arrives as text: a bool field reads 否/false as no, never as truthy text
    for no in ("否", "false", "FALSE", "0"):
        out, = render_one("imported", templates=[folder.parent], out=tmp_path / f"x{no}.docx",
                          data_path=_data(tmp_path, data, is_paid=no))
        assert "尚未缴纳" in word_text(out)["word/document.xml"], no


def _data(tmp_path: Path, data: str, **change) -> Path:
    values = yaml.safe_load(data)
    values.update(change)
    p = tmp_path / f"d{len(list(tmp_path.glob('d*.yaml')))}.yaml"
    p.write_text(yaml.safe_dump(values, allow_unicode=True), encoding="utf-8")
    return p


def test_a_yes_no_field_refuses_text_it_cannot_read(tmp_path):
    src = tmp_path / "a.docx"
    d = Document()
    d.add_paragraph("{% if is_paid %}已缴{% else %}未缴{% endif %}")
    d.save(str(src))
    folder = new_template("imported", dest=tmp_path / "tpl", docx=src)
    with pytest.raises(DocgenError) as e:
        render_one("imported", templates=[folder.parent], data_path=_data(tmp_path, "is_paid: 已经交了\n"),
                   out=tmp_path / "x.docx")
    assert "is_paid" in str(e.value) and "是/否" in str(e.value)
    assert not (tmp_path / "x.docx").exists()


def test_defaults_headers_footers_footnotes_and_properties(tmp_path):
    src = tmp_path / "通知.docx"
    d = Document()
    sec = d.sections[0]
    sec.header.paragraphs[0].text = "{{ estate }}　{{ contact|default(\"物业服务中心\") }}"
    sec.footer.paragraphs[0].text = "咨询电话：{{ phone|default(\"前台 & 值班室\") }}　{{ contact|default(\"值班室\") }}"
    d.add_paragraph("关于{{ topic }}的通知")
    d.add_paragraph("依据{{ basis_title }}")
    d.core_properties.title = "{{ topic }}通知"
    d.core_properties.subject = "{{ estate }}"
    d.save(str(src))
    add_footnote(src, "依据", "{{ basis }}（{{ basis_year }}年修订）")
    data = "estate: 翠湖花园\ntopic: 电梯年检\nbasis_title: 《特种设备安全法》\nbasis: 第四十条\nbasis_year: 2021\n"
    ours, theirs, folder = through_docgen(tmp_path, src, data)
    assert ours == theirs
    assert "翠湖花园　物业服务中心" in ours["word/header1.xml"]
    assert "咨询电话：前台 & 值班室　值班室" in ours["word/footer1.xml"]   # each default() keeps its own text
    assert "第四十条（2021年修订）" in ours["word/footnotes.xml"]
    assert ours["core"]["title"] == "电梯年检通知" and ours["core"]["subject"] == "翠湖花园"
    fields = declared(folder)
    assert {"estate", "contact", "phone", "topic", "basis_title", "basis", "basis_year"} <= set(fields)
    assert not fields["contact"].get("required") and not fields["phone"].get("required")
    assert fields["basis"].get("required")   # a footnote's name is a field like any other


def test_nested_loops_and_table_rows(tmp_path):
    src = tmp_path / "巡检.docx"
    d = Document()
    d.add_paragraph("{% for b in buildings %}")
    d.add_paragraph("{{ b.name }}：{% for f in b.floors %}{{ f }}层{% if not loop.last %}、{% endif %}{% endfor %}")
    d.add_paragraph("{% for r in b.rooms %}　{{ r['no'] }}　{{ r.owner }}{% endfor %}")
    d.add_paragraph("{% endfor %}")
    t = d.add_table(rows=4, cols=3)
    for c, text in enumerate(("项目", "数量", "单价")):
        t.cell(0, c).text = text
    t.cell(1, 0).text = "{%tr for it in items %}"
    t.cell(2, 0).text, t.cell(2, 1).text, t.cell(2, 2).text = "{{ it.name }}", "{{ it.qty }}", "{{ it.price }}"
    t.cell(3, 0).text = "{%tr endfor %}"
    d.add_paragraph("共 {{ items|length }} 项，首项小计 {{ items[0].qty * items[0].price }} 元")
    d.save(str(src))
    data = ("buildings:\n"
            "  - {name: 1栋, floors: [1, 2, 3], rooms: [{'no': '101', owner: 王芳}, {'no': '102', owner: 李强}]}\n"
            "  - {name: 2栋, floors: [5], rooms: [{'no': '501', owner: 赵敏}]}\n"
            "items:\n  - {name: 灭火器, qty: 4, price: 1.5}\n  - {name: 应急灯, qty: 2, price: 30}\n")
    ours, theirs, folder = through_docgen(tmp_path, src, data)
    assert ours == theirs
    body = ours["word/document.xml"]
    assert "1栋：1层、2层、3层" in body and "　501　赵敏" in body
    assert "¶灭火器[格]¶4[格]¶1.5" in body and "首项小计 6.0 元" in body   # numbers stay numbers
    b = declared(folder)["buildings"]
    assert b["type"] == "list" and b["fields"]["floors"]["type"] == "list"
    assert b["fields"]["rooms"]["fields"]["owner"]["type"] == "any"


def test_data_text_passes_through_as_docxtpl_would(tmp_path):
    src = tmp_path / "备注.docx"
    d = Document()
    d.add_paragraph("备注：{{ note }}")
    d.add_paragraph("[{{ padded }}][{{ blank }}]")
    d.add_paragraph("编号{{ code }}，数量{{ qty + 1 }}")
    d.save(str(src))
    data = ('note: "第一行\\n第二行\\t制表\\a新的一段\\f分页之后"\npadded: "  两边有空格  "\nblank: "   "\n'
            "code: '007'\nqty: 2\n")
    ours, theirs, _ = through_docgen(tmp_path, src, data)
    assert ours == theirs
    body = ours["word/document.xml"]
    assert "备注：第一行\n第二行\t制表¶新的一段¶[分页]¶分页之后" in body
    assert "[  两边有空格  ][   ]" in body and "编号007，数量3" in body


def test_data_types_win_where_the_tags_cannot_tell(tmp_path):
    src = tmp_path / "类型.docx"
    d = Document()
    for name, test in (("a", "mapping"), ("b", "sequence"), ("c", "string"), ("n", "integer"), ("x", "float"),
                       ("t", "true"), ("f", "false"), ("z", "none")):
        d.add_paragraph(f"{name}：{{% if {name} is {test} %}}是 {test}{{% else %}}不是 {test}{{% endif %}}")
    d.save(str(src))
    data = "a: {k: v}\nb: [1, 2]\nc: 文字\nn: 3\nx: 0.5\nt: true\nf: false\nz: null\n"
    ours, theirs, _ = through_docgen(tmp_path, src, data)
    assert ours == theirs and "不是" not in ours["word/document.xml"]


def test_docxtpl_table_tags_merges_and_shading(tmp_path):
    src = tmp_path / "值班表.docx"
    d = Document()
    t = d.add_table(rows=5, cols=4)
    t.cell(0, 0).text = "{% colspan cols|length + 1 %}{{ title }}"
    t.cell(1, 0).text = "班次"
    t.cell(1, 1).text = "{%tc for c in cols %}"
    t.cell(1, 2).text = "{% hm %}值班日"
    t.cell(1, 3).text = "{%tc endfor %}"
    t.cell(2, 0).text = "{%tr for r in rows %}"
    t.cell(3, 0).text = "{% vm %}{{ team }}"
    t.cell(3, 1).text = "{% cellbg r.bg %}{{ r.name }}"
    t.cell(3, 2).text = "{{ r.hours }}"
    t.cell(3, 3).text = "{%r if r.lead %}组长{%r endif %}"
    t.cell(4, 0).text = "{%tr endfor %}"
    d.save(str(src))
    data = ("title: 十二月值班安排\ncols: [周一, 周二, 周三]\nteam: 工程部\n"
            "rows:\n  - {name: 张伟, hours: 8, bg: FFDD00, lead: true}\n  - {name: 刘洋, hours: 6, bg: 8888FF, lead: false}\n")
    ours, theirs, _ = through_docgen(tmp_path, src, data)
    assert ours == theirs
    body = ours["word/document.xml"]
    assert "[格跨4]¶十二月值班安排" in body
    assert "[格底FFDD00]¶张伟" in body and "[格并restart]¶工程部" in body and "[格并continue]" in body
    assert "[格跨3]¶值班日" in body


def test_literal_braces_on_purpose_are_not_errors(tmp_path):
    src = tmp_path / "说明.docx"
    d = Document()
    d.add_paragraph("在 Word 里写 {{ '{{' }} 字段名 {{ '}}' }} 印出数据，如{{ example }}。")
    d.add_paragraph("也可以写成 {_{ owner }_} 或 {_% if paid %_}。")
    d.save(str(src))
    ours, theirs, _ = through_docgen(tmp_path, src, "example: 业主姓名\n")
    assert ours == theirs
    body = ours["word/document.xml"]
    assert "在 Word 里写 {{ 字段名 }} 印出数据，如业主姓名。" in body and "{{ owner }} 或 {% if paid %}" in body


def _png(path: Path, color: str) -> Path:
    from PIL import Image
    Image.new("RGB", (40, 30), color).save(path)
    return path


def test_pictures_from_image_fields(tmp_path):
    _png(tmp_path / "楼栋.png", "red")
    _png(tmp_path / "a.png", "green")
    _png(tmp_path / "b.png", "blue")
    src = tmp_path / "报修.docx"
    d = Document()
    d.sections[0].header.paragraphs[0].text = "{{ logo }}　报修回执"
    d.add_paragraph("现场照片：{{ photo }}")
    d.add_paragraph("{% for img in images %}{{ img }}{% endfor %}")
    d.save(str(src))
    data = f"logo: '{tmp_path / '楼栋.png'}'\nphoto: '{tmp_path / 'a.png'}'\nimages: ['{tmp_path / 'a.png'}', '{tmp_path / 'b.png'}']\n"
    ours, theirs, folder = through_docgen(tmp_path, src, data, images={"logo", "photo", "images"})
    assert ours == theirs
    assert ours["word/document.xml"].count("[图]") == 3 and ours["word/header1.xml"].count("[图]") == 1
    fields = declared(folder)
    assert fields["photo"]["type"] == "image" and fields["images"]["items"] == "image"


@pytest.mark.parametrize("text, snippet", [
    ("应缴{{ amount|rmb_big }}元", "rmb_big"),
    ("{% if paid %}已缴{% endif %}{% endif %}", "endif"),
])
def test_unknown_filter_or_stray_endif_names_the_paragraph(tmp_path, text, snippet):
    src = tmp_path / "错.docx"
    d = Document()
    d.add_paragraph("第一段没有标签。")
    d.add_paragraph("缴费通知：" + text)
    d.save(str(src))
    folder = new_template("imported", dest=tmp_path / "tpl", docx=src)   # still made: lint says what is wrong
    problems = lint_template(folder, pdf=False)
    assert len(problems) == 1, [p.describe() for p in problems]
    msg = problems[0].describe()
    assert snippet in msg and "缴费通知：" in msg and "第 2 段" in msg and "Traceback" not in msg
    with pytest.raises(DocgenError) as e:
        render_one("imported", templates=[folder.parent], data_path=_data(tmp_path, "amount: 1\npaid: true\n"),
                   out=tmp_path / "x.docx")
    assert "缴费通知：" in str(e.value)


def test_body_lines_read_docxtpl_tags_like_docxtpl(tmp_path):
    from docgen.engine.word import body_lines
    src = tmp_path / "a.docx"
    d = Document()
    t = d.add_table(rows=1, cols=2)
    t.cell(0, 0).text = "{%tr for r in rows %}"
    t.cell(0, 1).text = "这格随整行一起被 docxtpl 去掉 {{ never_used }}"
    d.add_paragraph("前面的字 {%p if ok %} 后面的字")
    d.save(str(src))
    lines = [text for _, text in body_lines(src)]
    assert lines[:3] == ["{% for r in rows %}", "", "{% if ok %}"]
    assert len([w for w, _ in body_lines(src) if w.startswith("正文")]) == 3   # numbering still counts paragraphs


def test_a_text_field_given_yes_or_no_is_an_error_not_truthy_text(tmp_path):
    # A template made before issue 12 declared is_paid as text: YAML false must not become the text 'False'.
    folder = tmp_path / "tpl" / "old"
    folder.mkdir(parents=True)
    d = Document()
    d.add_paragraph("{% if is_paid %}您已缴清，谢谢！{% else %}请尽快缴纳。{% endif %}")
    d.save(str(folder / "body.docx"))
    (folder / "template.yaml").write_text("id: old\ntitle: 旧模板\nbody: body.docx\nfields:\n"
                                          "  is_paid: {type: string, label: 是否已缴, required: true}\n", encoding="utf-8")
    with pytest.raises(DocgenError) as e:
        render_one("old", templates=[folder.parent], data_path=_data(tmp_path, "is_paid: false\n"),
                   out=tmp_path / "x.docx")
    assert "是否已缴" in str(e.value) and "false" in str(e.value) and "type: bool" in str(e.value)
    assert not (tmp_path / "x.docx").exists()


def test_a_field_called_as_a_function_is_named(tmp_path):
    # docxtpl contexts may hold functions; data never does, so lint says where the body calls one.
    src = tmp_path / "a.docx"
    d = Document()
    d.add_paragraph("开头")
    d.add_paragraph("{% for k, v in pairs(fees) %}{{ k }}：{{ v }}{% endfor %}")
    d.save(str(src))
    folder = new_template("imported", dest=tmp_path / "tpl", docx=src)
    problems = [p.describe() for p in lint_template(folder, pdf=False)]
    assert len(problems) == 1 and "「pairs」当函数调用" in problems[0] and "第 2 段" in problems[0], problems


def test_row_loop_inside_a_nested_table(tmp_path):
    src = tmp_path / "嵌套.docx"
    d = Document()
    outer = d.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "{{ heading }}"
    inner = outer.cell(0, 1).add_table(rows=3, cols=1)
    inner.cell(0, 0).text = "{%tr for r in rows %}"
    inner.cell(1, 0).text = "{{ r.name }}"
    inner.cell(2, 0).text = "{%tr endfor %}"
    d.save(str(src))
    ours, theirs, folder = through_docgen(tmp_path, src, "heading: 住户名单\nrows: [{name: 王芳}, {name: 李强}]\n")
    assert ours == theirs and "住户名单" in ours["word/document.xml"] and "¶李强" in ours["word/document.xml"]
    assert set(declared(folder)) == {"heading", "rows"}


def test_a_record_read_by_its_keys(tmp_path):
    src = tmp_path / "联系人.docx"
    d = Document()
    d.add_paragraph("联系人：{{ contact.name }}，电话{{ contact['phone'] }}，{{ contact.floor + 1 }}楼")
    d.save(str(src))
    ours, theirs, folder = through_docgen(tmp_path, src, "contact: {name: 周敏, phone: '0571-86502266', floor: 2}\n")
    assert ours == theirs and "联系人：周敏，电话0571-86502266，3楼" in ours["word/document.xml"]
    assert declared(folder)["contact"]["type"] == "any"


def test_an_error_in_the_footer_says_it_is_in_the_footer(tmp_path):
    src = tmp_path / "a.docx"
    d = Document()
    d.add_paragraph("{{ owner }}业主：")
    d.sections[0].footer.paragraphs[0].text = "第 {{ page_no|页码 }} 页"
    d.save(str(src))
    folder = new_template("imported", dest=tmp_path / "tpl", docx=src)
    problems = [p.describe() for p in lint_template(folder, pdf=False)]
    assert len(problems) == 1 and "第 1 节页脚第 1 段：「第 {{ page_no|页码 }} 页」" in problems[0], problems


def test_which_names_are_taken_for_pictures():
    from docgen.library import wordfields
    from docgen.engine.word import word_env
    env = word_env()
    ast = env.parse("{{ photo }}{{ logo_text }}{{ image_count + 1 }}{{ 现场照片 }}{{ image(sign) }}"
                    "{% for img in images %}{{ img }}{% endfor %}{% for n in photo_names %}{{ n }}{% endfor %}"
                    "{% macro row(label) %}{{ label }}{% endmacro %}{% set total = 3 %}{{ total }}{{ row('x') }}")
    guesses = wordfields.infer(ast, set(env.globals))
    kinds = {k: g.kind(k) for k, g in guesses.items()}
    assert kinds == {"photo": "image", "logo_text": "any", "image_count": "any", "现场照片": "image", "sign": "image",
                     "images": "list", "photo_names": "list"}
    assert "items: image" in wordfields.declaration("images", guesses["images"])
    assert "items:" not in wordfields.declaration("photo_names", guesses["photo_names"])
