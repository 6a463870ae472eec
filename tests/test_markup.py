from docgen import model as m
from docgen.engine.markup import escape, parse, parse_inlines
from docgen.model.walk import inline_text
from docgen.errors import TemplateError
import pytest


def test_headings_paragraphs_and_attrs():
    blocks = parse("# 标题\n\n尊敬的业主：{.noindent}\n\n第一行\n第二行 {.right size=小四}\n")
    assert isinstance(blocks[0], m.Heading) and blocks[0].level == 1
    assert blocks[1].indent == 0 and inline_text(blocks[1].inlines) == "尊敬的业主："
    p = blocks[2]
    assert inline_text(p.inlines) == "第一行第二行"  # CJK lines join without a space
    assert p.align == "right" and p.size == 12


def test_table_spans():
    t = parse("::: table widths=1,1,1 header=1\n| a | b | c |\n|---|---|---|\n| x | < | ^ |\n| y | z | ^ |\n:::\n")[0]
    assert isinstance(t, m.Table) and t.header_rows == 1
    assert t.rows[1][0].colspan == 2 and t.rows[1][1].merged
    assert t.rows[0][2].rowspan == 3 and t.rows[2][2].merged


@pytest.mark.parametrize("hostile", [
    "<b>&amp;</b>", "{{ 7*7 }}", "{% for x in y %}", "**粗体** :box[x] :br", "| a | b |",
    "::: pagebreak", "# 标题", "1. 列表", "\\ 反斜杠 \\\\", "a{.right}", "😀 emoji", "龚䶮 吉𠮷"])
def test_escaped_data_prints_literally(hostile):
    blocks = parse(f"前{escape(hostile)}后\n")
    assert len(blocks) == 1 and isinstance(blocks[0], m.Paragraph)
    assert inline_text(blocks[0].inlines) == f"前{hostile}后"


def test_escape_drops_control_characters_and_keeps_newlines():
    inl = parse_inlines(escape("甲\x00\x07乙\n丙\x1f"))
    assert inline_text(inl) == "甲乙\n丙"


def test_inline_directives():
    inl = parse_inlines("姓名:u[张三] 日期:blank{n=8} :box :box[x]")
    kinds = [type(x).__name__ for x in inl]
    assert kinds == ["Text", "Blank", "Text", "Blank", "Text", "Checkbox", "Text", "Checkbox"]
    assert inl[1].text == "张三" and inl[3].chars == 8 and inl[7].checked


def test_unclosed_block_names_line():
    with pytest.raises(TemplateError) as e:
        parse("a\n\n::: table\n| x |\n")
    assert e.value.row == 3


def test_unknown_directive():
    with pytest.raises(TemplateError, match="未知的块指令"):
        parse("::: nonsense\n:::\n")


def test_parse_attrs_quotes_and_escaped_data():
    from docgen.engine.markup import escape, parse_attrs
    assert parse_attrs(".right .bold size=小四") == ({"right", "bold"}, {"size": "小四"})
    assert parse_attrs('label="剪 开" n=8') == (set(), {"label": "剪 开", "n": "8"})
    # data printed into an attribute is backslash-escaped by the template step; the value comes back as typed
    assert parse_attrs(f"height={escape('6.5')}mm") == (set(), {"height": "6.5mm"})
    classes, kv = parse_attrs(".keep")
    classes.add("changed")
    assert parse_attrs(".keep") == ({"keep"}, {}), "callers get their own copies"
