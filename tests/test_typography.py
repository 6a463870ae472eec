"""Line breaking rules and font fallback."""
import pytest

from docgen.typography import NO_END, NO_START, Glyph, break_lines


def glyphs(text, size=10.0):
    out = []
    for ch in text:
        if ch == " ":
            out.append(Glyph(" ", size * 0.3, None, kind="space"))
        else:
            out.append(Glyph(ch, size if ord(ch) > 0x2000 else size * 0.5, object()))
    return out


def lines_text(lines):
    return ["".join(g.text for g in l.glyphs) for l in lines]


@pytest.mark.parametrize("width_chars", range(4, 15))
def test_no_line_starts_with_closing_or_ends_with_opening(width_chars):
    text = "业主您好，请于（本月）底前缴费。「注意」：逾期《规约》第三条，谢谢！" * 3
    lines = lines_text(break_lines(glyphs(text), width_chars * 10.0 + 0.1))
    for i, l in enumerate(lines):
        if i:
            assert l[0] not in NO_START, lines
        if i < len(lines) - 1:
            assert l[-1] not in NO_END, lines
    assert "".join(lines) == text


@pytest.mark.parametrize("width_chars", range(6, 20))
def test_numbers_and_latin_words_never_split(width_chars):
    tokens = ["2026-11", "1,234.50", "A-1203", "13812345678", "docgen"]
    text = "应缴金额1,234.50元，期间2026-11，房号A-1203，电话13812345678，系统docgen生成。"
    lines = lines_text(break_lines(glyphs(text), width_chars * 10.0 + 0.1))
    for tok in tokens:
        assert any(tok in l for l in lines), (tok, lines)


def test_justified_lines_fill_width_and_last_is_marked():
    text = "为保持小区楼宇外观整洁延长外墙饰面的使用寿命物业服务中心定于近期清洗外墙"
    lines = break_lines(glyphs(text), 100.0)
    assert all(abs(l.width - 100.0) < 0.01 for l in lines[:-1])
    assert lines[-1].last and not any(l.last for l in lines[:-1])


def test_full_width_comma_may_hang_instead_of_pushing_a_character_down():
    # ten characters fit exactly; the comma hangs into its blank half
    lines = break_lines(glyphs("一二三四五六七八九十，一二"), 100.0)
    assert lines_text(lines)[0] == "一二三四五六七八九十，"


def test_overlong_token_is_broken_rather_than_overflowing():
    lines = break_lines(glyphs("x" * 60), 100.0)
    assert all(l.width <= 100.0 + 0.01 for l in lines)
    assert "".join(lines_text(lines)) == "x" * 60


def test_first_line_indent():
    lines = break_lines(glyphs("一二三四五六七八九十一二三四五六七八"), 100.0, first_indent=20.0)
    assert len(lines[0].glyphs) == 8 and len(lines[1].glyphs) == 10


def test_forced_break():
    gl = glyphs("甲乙") + [Glyph("", 0, None, kind="break")] + glyphs("丙")
    assert lines_text(break_lines(gl, 100.0)) == ["甲乙", "丙"]


def test_no_hanging_where_it_would_cross_a_rule():
    # table cells: the comma goes down with the character before it instead of past the cell border
    lines = break_lines(glyphs("一二三四五六七八九十，一二"), 100.0, hang=False)
    assert all(l.width <= 100.0 + 0.01 for l in lines)
    assert lines_text(lines)[1].startswith("十，")


def test_closing_mark_after_a_fill_in_blank_takes_the_whole_blank_along():
    pad = lambda w: Glyph("", w, None, underline=True, kind="pad")
    text = glyphs("一二三四五六七八") + [pad(15.0), pad(15.0)] + glyphs("）。")
    lines = break_lines(text, 100.0, hang=False)
    assert len(lines) == 2
    second = lines[1].glyphs
    assert second[0].kind == "pad" and second[1].kind == "pad" and second[2].text == "）"
