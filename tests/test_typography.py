"""Line breaking rules and font fallback."""
import pytest

from docgen.writers.pdf.linebreak import NO_END, NO_START, Glyph, break_lines


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


def _breaks(text, width_chars, **kw):
    return lines_text(break_lines(glyphs(text), width_chars * 10.0 + 0.1, **kw))


@pytest.mark.parametrize("width_chars", range(6, 20))
def test_ranges_never_break_at_their_dash(width_chars):
    text = "办理时间每日8:00—12:00，14:00—18:00，期间2026-01～2026-10，共10个月。"
    for a, b in zip(_breaks(text, width_chars), _breaks(text, width_chars)[1:]):
        assert not (a[-1] in "—～" and b[0].isdigit()), (a, b)
        assert not (a[-1].isdigit() and b[0] in "—～"), (a, b)


@pytest.mark.parametrize("width_chars", range(6, 16))     # narrower: {% endif %} itself does not fit
def test_latin_closing_brackets_never_start_a_line_after_a_space(width_chars):
    # UAX #14 LB13: no break before a closing mark, even after spaces (template-like data)
    text = "业主姓名{{ owner_name }}与{% if paid %}已缴{% endif %}和(备注 )。"
    for line in _breaks(text, width_chars)[1:]:
        assert line.lstrip()[:1] not in set(")]}%"), _breaks(text, width_chars)


@pytest.mark.parametrize("width_chars", range(5, 18))     # the widest part, 1,234.50元, is 5 characters wide
def test_date_parts_weekdays_money_and_plates_stay_whole(width_chars):
    # a date may break between its parts (年|11月: a CJK boundary), never a number from its 年/月/日
    text = "定于2026年11月20日（星期五）起，缴费1,234.50元，车牌浙A·D1234的车辆请移至5栋。"
    lines = _breaks(text, width_chars)
    for tok in ("2026年", "11月", "20日", "（星期五）", "1,234.50元", "浙A·D1234", "5栋"):
        assert any(tok in l for l in lines), (tok, lines)
    for a, b in zip(lines, lines[1:]):
        assert not (a[-1].isdigit() and (b[0].isdigit() or b[0] in "年月日元栋")), (a, b)
    assert "".join(lines) == text


def test_one_character_last_line_pulls_a_character_down():
    lines = _breaks("一二三四五六七八九十甲", 10)          # 11 characters on lines of 10
    assert lines == ["一二三四五六七八九", "十甲"]
    assert break_lines(glyphs("一二三四五六七八九十甲"), 100.1)[0].last is False
    # not in table cells (hang=False), and not when the last line has two characters already
    assert _breaks("一二三四五六七八九十甲", 10, hang=False) == ["一二三四五六七八九十", "甲"]
    assert _breaks("一二三四五六七八九十甲乙", 10) == ["一二三四五六七八九十", "甲乙"]
    assert _breaks("一二三四五六七八九十好。", 10) == ["一二三四五六七八九", "十好。"]


def test_fit_columns_widens_what_content_needs_from_the_others():
    from docgen.writers.pdf.linebreak import fit_columns
    out = fit_columns([10, 45, 45], [30, 0, 0])
    assert out[0] == 30 and abs(sum(out) - 100) < 1e-9 and abs(out[1] - out[2]) < 1e-9
    assert fit_columns([50, 50], [10, 10]) == [50, 50]
    assert fit_columns([50, 50], [80, 40]) == [pytest.approx(200 / 3), pytest.approx(100 / 3)]
    out = fit_columns([10, 10, 80], [30, 30, 35])      # the wide column gives, down to its own need
    assert out[:2] == [30, 30] and out[2] == pytest.approx(40)


def test_docx_keeps_ranges_codes_and_spaced_numbers_together_with_few_joiners():
    from docgen.writers.docx import WJ, keep_together
    assert keep_together("每日8:00—12:00") == f"每日8:00{WJ}—{WJ}12:00"
    assert keep_together("2026-01～2026-10") == f"2026-01～{WJ}2026-10"     # no line starts with ～ anyway
    assert keep_together("钥匙K-B1-05") == f"钥匙K{WJ}-{WJ}B1-05"           # only before a letter
    assert keep_together("致电0571-8650 2266") == f"致电0571{WJ}-{WJ}8650\u202f2266"
    assert keep_together("2026-10-06，A-1203，第3—5条") == f"2026-10-06，A-1203，第3{WJ}—{WJ}5条"


def _docx_of(blocks, tmp_path):
    from docx import Document as Docx
    from docgen import model as m
    from docgen.writers.docx import write_docx
    write_docx(m.Document(blocks), tmp_path / "t.docx")
    return Docx(str(tmp_path / "t.docx"))


def test_docx_bold_runs_are_bold_for_latin_too_with_autospace(tmp_path):
    from docx.oxml.ns import qn
    from docgen import model as m
    d = _docx_of([m.Paragraph([m.Text("合计："), m.Text("4,409.50元（2027）", bold=True)])], tmp_path)
    runs = d.paragraphs[0].runs
    bold = [r for r in runs if "4,409.50" in r.text][0]
    assert bold.bold is True and bold._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    assert not runs[0].bold
    ppr = d.styles["Normal"].element.pPr       # CJK-Latin spacing on, as in the PDF
    assert ppr.find(qn("w:autoSpaceDE")) is None and ppr.find(qn("w:autoSpaceDN")) is None
    assert {lang.get(qn("w:eastAsia")) for lang in d.styles.element.iter(qn("w:lang"))} == {"zh-CN"}


def test_table_columns_fit_their_content_in_both_writers(tmp_path):
    from docx.oxml.ns import qn
    from docgen import model as m
    from docgen.writers.pdf.fonts import fontset
    from docgen.writers.pdf import table_widths
    cells = lambda *ts: [m.Cell([m.Text(t)]) for t in ts]
    t = m.Table([cells("序号", "钥匙编号", "说明"), cells("1", "K-B1-05", "当日归还")], widths=[1, 1, 12], size=12)
    width = m.PageSetup().width - m.PageSetup().left - m.PageSetup().right
    widths = table_widths(t, width, fontset(), 12)
    assert abs(sum(widths) - width) < 0.01
    assert widths[0] >= fontset().measure("序号", 12) + 2 * 12 * 0.35     # a two-character header on one line
    assert widths[1] >= fontset().measure("K-B1-05", 12) + 2 * 12 * 0.35
    d = _docx_of([t], tmp_path)
    grid = [int(c.get(qn("w:w"))) for c in d.tables[0]._element.tblGrid.iter(qn("w:gridCol"))]
    assert grid == [pytest.approx(w * 20, abs=1) for w in widths]


def test_autospace_between_han_and_latin_only():
    from docgen.writers.pdf.linebreak import autospace
    gl = glyphs("第3条（2米）A，B")
    autospace(gl, 10.0)
    widths = {g.text: g.width for g in gl}
    assert widths["第"] == 12.0 and widths["3"] == 7.0          # 第|3|条: 0.2 em at each side
    assert widths["（"] == 10.0 and widths["2"] == 7.0 and widths["米"] == 10.0   # none beside punctuation
