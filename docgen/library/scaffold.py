"""`docgen new`: a new template folder — commented template.yaml, body and sample data to edit."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from ..errors import DataError, Setting, TemplateError, Worded
from .folders import Library, user_dir

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")

TEMPLATE_YAML = """\
# {title}：docgen 模板的描述文件（YAML）。以 # 开头的是注释，可以删掉。
# 写法见 docs/templates.md；改完运行 docgen lint {folder} 检查，docgen render {id} --sample 看效果。

# id：字母、数字、连字符，docgen render {id} 用它；title：名称；category：类别（docgen list 按它分组）
id: {id}
title: {title}
category: {category}
description: 一句话说明这个模板做什么、给谁看。
{body_line}\
# 页面设置，可省略（默认 A4、公文版式边距、正文三号字）：
# page:
#   body_size: 三号                  # 正文字号：三号、四号、小四……或 12pt
#   line_spacing: 1.5                # 行距，字号的倍数
#   margins: 37mm 26mm 35mm 28mm     # 上 右 下 左

# 字段：正文里写 {{{{ 字段名 }}}} 引用。每个字段可有
#   type      string 一行文字 | text 多行文字 | int 整数 | number 数字 | money 金额 | date 日期
#             datetime 日期时间 | phone 电话 | choice 选项 | bool 是/否 | period 所属期间
#             list 记录列表（下面再写 fields）| image 图片文件 | any 按数据原样（Word 模板导入时猜不准的字段）
#   label     中文名（数据文件可以直接用中文名作键）
#   aliases   别名：台账表头的其他写法，如 [姓名, 客户名称]
#   required  true 表示必填；default 是不填时的值（日期可写 today）
#   choices   choice 的可选项；min / max 数值范围；max_length 最多几个字；help 填写说明
fields:
{fields}
# 规则（可省略）：几个字段之间必须满足的关系，数据不满足时报错（指出字段），不会印出自相矛盾的文书。
# rule 是条件表达式，只能用上面声明的字段；message 里可用 {{{{ 字段 }}}} 和过滤器。例如：
# checks:
#   - rule: end_date >= start_date
#     field: end_date
#     message: 结束日期（{{{{ end_date | cn_date }}}}）不能早于开始日期（{{{{ start_date | cn_date }}}}）

# 示例数据：docgen render {id} --sample 用它，docgen show {id} --example 打印它。
sample:
{sample}"""

MD_FIELDS = """\
  subject:    {type: string, label: 事由, required: true, help: 如：开展消防安全宣传活动}
  event_date: {type: date, label: 日期, required: true}
  hours:      {type: string, label: 时间, default: "9:00—11:30"}
  place:      {type: string, label: 地点, default: 小区中心广场}
  fee:        {type: money, label: 费用, help: 不收费则不填}
  items:                # 列表字段：每条是一条记录，正文里用 {% for %} 逐条写出
    type: list
    label: 事项
    fields:
      name: {type: string, label: 事项, required: true}
      note: {type: string, label: 说明}
  issue_date: {type: date, label: 发文日期, default: today}
"""

MD_SAMPLE = """\
  subject: 开展消防安全宣传活动
  event_date: 2026-12-05
  hours: "9:00—11:30"
  place: 小区中心广场
  items:
    - {name: 灭火器使用演示, note: 消防员现场讲解并请业主动手操作}
    - {name: 家庭火灾隐患自查, note: 发放自查表，可带回家中对照检查}
    - {name: 有奖问答}
  issue_date: 2026-11-23
"""

MD_BODY = """\
{# 正文：Markdown 风格的标记 + Jinja2。{{ 字段 }} 填入数据（会自动转义，数据里的符号原样印出）；
   {% if %} / {% for %} 控制内容。格式见 docs/templates.md。本行是注释，不会印出。 #}
# {{ subject }}的通知

各位业主、住户：{.noindent}

为{{ subject }}，{{ org.office }}定于{{ event_date | cn_date }}（{{ event_date | weekday }}）{{ hours }}在{{ place }}举办活动{% if fee %}，每户收取材料费{{ fee | money }}元（{{ fee | rmb_upper }}）{% endif %}。活动安排如下：

{% for it in items %}
{{ loop.index }}. {{ it.name }}{% if it.note %}：{{ it.note }}{% endif %}{{ '。' if loop.last else '；' }}
{% endfor %}

欢迎各位业主、住户届时参加。如有疑问，请致电物业服务中心：{{ org.phone }}。

特此通知。

::: signature
{{ org.office }}
{{ issue_date | cn_date }}
:::
"""

WORD_FIELDS = """\
  owner_name: {type: string, label: 业主姓名, aliases: [姓名, 业主], required: true}
  building:   {type: string, label: 楼栋, required: true}
  unit:       {type: string, label: 房号, required: true}
  items:                # 表格里的每一行：Word 表格中用 {%tr for it in items %} … {%tr endfor %}
    type: list
    label: 费用明细
    required: true
    min_items: 1
    fields:
      item:   {type: string, label: 收费项目, required: true}
      period: {type: string, label: 所属期间, required: true}
      amount: {type: money, label: 金额, required: true, min: 0}
  due_date:   {type: date, label: 缴费期限, required: true}
  pay_code:   {type: image, label: 缴费二维码, help: PNG 或 JPG 图片的路径}
  issue_date: {type: date, label: 发出日期, default: today}
"""

WORD_SAMPLE = """\
  owner_name: 林晓菲
  building: 5栋
  unit: "2103"
  items:
    - {item: 物业服务费, period: 2026年10月—12月, amount: "1,128.60"}
    - {item: 生活垃圾处理费, period: 2026年10月—12月, amount: 45.00}
    - {item: 公共水电分摊, period: 2026年10月—12月, amount: 36.40}
  due_date: 2026-12-15
  pay_code: pay-code.png
  issue_date: 2026-11-23
"""


def build_word_body(path: Path) -> None:
    """Write the starter Word body (docxtpl tags: a fee table loop, rmb_upper, a picture, the seal)."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    d = Document()
    sec = d.sections[0]
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Cm(3), Cm(2.5), Cm(2.6), Cm(2.6)
    normal = d.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(14)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")

    def para(text: str = "", *, align=None, bold=False, size=None, indent=True, hei=False):
        p = d.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent and align is None:
            p.paragraph_format.first_line_indent = Pt(28)
        p.paragraph_format.space_after = Pt(4)
        if text:
            r = p.add_run(text)
            r.bold = bold
            if size:
                r.font.size = Pt(size)
            if hei:
                r._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "黑体")
        return p

    para("{% if org.logo %}{{ org.logo }}{% endif %}{{ org.name }}", align=WD_ALIGN_PARAGRAPH.LEFT, size=10.5)
    para("缴费提醒函", align=WD_ALIGN_PARAGRAPH.CENTER, size=22, hei=True)
    para("{{ owner_name }}（{{ building }}{{ unit }}房）业主：", indent=False)
    para("您好！感谢您一直以来对{{ org.office }}工作的支持。经核对，截至{{ issue_date|cn_date }}，"
         "您的房屋尚有以下费用未缴纳：")
    table = d.add_table(rows=5, cols=3)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    rows = [("收费项目", "所属期间", "金额（元）"),
            ("{%tr for it in items %}", "", ""),
            ("{{ it.item }}", "{{ it.period }}", "{{ it.amount|money }}"),
            ("{%tr endfor %}", "", ""),
            ("合计（大写）：{{ items|sum(attribute='amount')|rmb_upper }}", "", "{{ items|sum(attribute='amount')|money }}")]
    for r, values in enumerate(rows):
        for c, text in enumerate(values):
            cell = table.cell(r, c)
            cell.text = text
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            if r == 0:
                cell.paragraphs[0].runs[0].bold = True
    total = table.cell(4, 0).merge(table.cell(4, 1))
    for extra in total.paragraphs[1:]:  # merge() keeps the empty paragraph of the absorbed cell
        extra._element.getparent().remove(extra._element)
    total.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.LEFT
    table.autofit = False
    for i, width in enumerate((Cm(4.6), Cm(6.4), Cm(4.8))):
        table.columns[i].width = width
        for cell in table.columns[i].cells:
            cell.width = width
    para("请您于{{ due_date|cn_date }}前到物业服务中心前台缴纳，或通过下方二维码在线缴费。"
         "如您已缴纳，请忽略本函；对费用有疑问的，欢迎致电{{ org.phone }}与我们核对。")
    para("{% if pay_code %}{{ image(pay_code, width='30mm') }}{% endif %}", align=WD_ALIGN_PARAGRAPH.CENTER)
    para("{{ org.office }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    para("{{ issue_date|cn_date }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    para("{% if org.seal %}{{ org.seal }}{% endif %}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    d.core_properties.title = "缴费提醒函"
    d.save(str(path))


def _pay_code(path: Path) -> None:
    """A QR code picture standing in for the office's payment code in the starter sample."""
    import qrcode
    qrcode.make("docgen 示例：请换成物业服务中心的缴费二维码").save(str(path))


def _yaml_scalar(text: str) -> str:
    return text if re.fullmatch(r"[^\s:#{}\[\],&*!|>'\"%@`-][^:#{}\[\],]*", text) else '"' + text.replace('"', '\\"') + '"'


def new_template(tid: str, *, dest: Path | None = None, from_id: str | None = None, category: str | None = None,
                 title: str | None = None, word: bool = False, docx: Path | None = None,
                 templates: list[Path] | None = None) -> Path:
    """Create folder dest/ID (default: the user template folder) and return it."""
    if not _ID.match(tid):
        raise DataError(f"模板 id「{tid}」不合适", field="ID", expected="字母、数字、连字符或下划线，如 parking-notice")
    root = Path(dest).expanduser() if dest else user_dir()
    folder = root / tid
    if folder.exists():
        raise DataError("文件夹已存在", file=str(folder), expected="换一个 id，或先删掉/改名这个文件夹")
    if from_id:
        if word or docx:
            raise DataError(Worded(Setting("from_id"), " 不能和 ", Setting("word"), "/", Setting("docx"), " 一起用"),
                            field="from_id")
        src = Library(templates).get(from_id)
        shutil.copytree(src.folder, folder)
        _retitle(folder / "template.yaml", tid, title, category)
        return folder
    folder.mkdir(parents=True)
    title = title or (Path(docx).stem if docx else "缴费提醒函" if word else "活动通知")
    category = category or ("催缴" if word or docx else "通知")
    body_line = "# 正文是 Word 文件（docxtpl 写法，见 docs/templates.md）\nbody: body.docx\n" if word or docx else \
        "# 正文文件：默认 body.md；Word 模板写 body: body.docx\n"
    if docx:
        fields, sample = _fields_from_docx(Path(docx).expanduser(), folder)
    elif word:
        build_word_body(folder / "body.docx")
        _pay_code(folder / "pay-code.png")
        fields, sample = WORD_FIELDS, WORD_SAMPLE
    else:
        (folder / "body.md").write_text(MD_BODY, encoding="utf-8")
        fields, sample = MD_FIELDS, MD_SAMPLE
    text = TEMPLATE_YAML.format(id=tid, title=_yaml_scalar(title), category=_yaml_scalar(category),
                                folder=folder, body_line=body_line, fields=fields.rstrip("\n"), sample=sample)
    (folder / "template.yaml").write_text(text, encoding="utf-8")
    return folder


def _fields_from_docx(src: Path, folder: Path) -> tuple[str, str]:
    """Copy the user's Word file in as body.docx and declare a field for each name its tags use."""
    from jinja2 import TemplateSyntaxError

    from . import wordfields
    from ..engine.word import body_source, word_env

    if not src.is_file() or src.suffix.lower() != ".docx":
        shutil.rmtree(folder)
        raise DataError("找不到 Word 文件", file=str(src), expected="一个 .docx 文件（.doc 请先在 Word 里另存为 .docx）")
    shutil.copyfile(src, folder / "body.docx")
    try:
        env = word_env()
        guesses = wordfields.infer(env.parse(body_source(folder / "body.docx")), exclude=set(env.globals))
    except (TemplateSyntaxError, TemplateError):
        guesses = {}  # lint will point at the broken tag; the folder is still worth creating
    if not guesses:
        return ("  # 在 Word 文件里写 {{ 字段名 }}，再在这里声明，如：\n"
                "  # owner_name: {type: string, label: 业主姓名, required: true}\n  {}\n", "  {}\n")
    if wordfields.needs_sample_image(guesses):
        _pay_code(folder / wordfields.SAMPLE_IMAGE)
    decl = "".join(wordfields.declaration(name, g) for name, g in guesses.items())
    return ("  # 按 Word 文件里的标签猜的：any 表示按数据原样（文字、数字、是/否都保持原样）；\n"
            "  # 按需改 label，或把 type 改成 string、date、money 等，让数据先经过检查\n" + decl,
            wordfields.sample_yaml(guesses))


def _retitle(yml: Path, tid: str, title: str | None, category: str | None) -> None:
    """Set id (and title/category if given) in a copied template.yaml, keeping its comments."""
    text = yml.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^id:.*$", f"id: {tid}", text, count=1)
    for key, value in (("title", title), ("category", category)):
        if value is None:
            continue
        if re.search(rf"(?m)^{key}:", text):
            text = re.sub(rf"(?m)^{key}:.*$", lambda _: f"{key}: {_yaml_scalar(value)}", text, count=1)
        else:
            text = re.sub(r"(?m)^(id:.*)$", lambda mt: f"{mt.group(1)}\n{key}: {_yaml_scalar(value)}", text, count=1)
    yml.write_text(text, encoding="utf-8")
