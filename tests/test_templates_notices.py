"""Notice templates (通知/公告/启事/方案): each renders from its sample and says what it must, in PDF and DOCX."""
from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest
from docx import Document as DocxDocument

from docgen.errors import DataError

from .helpers import assert_east_asian_fonts, cell_text, docx_text, page_count as pages, pdf_text, pdfcheck, texts
from .helpers import render_pair as _render, sample_with as _sample

NOTICES = ("dog-keeping-notice", "access-card-notice", "owner-card-notice", "good-news-notice",
           "festival-tips", "weather-tips", "works-completion-notice", "lost-and-found-notice",
           "water-outage-notice", "power-outage-notice", "office-move-in-notice", "community-event-plan")
# Notices for a bulletin board fit on one page; the event plan is a multi-page working document.
ONE_PAGE = tuple(t for t in NOTICES if t != "community-event-plan")
# An outage for maintenance must never read like a sanction for unpaid fees (民法典 944).
SANCTION_WORDS = ("欠费", "催缴", "拖欠", "缴清", "缴纳物业费", "处罚", "罚款", "停止服务")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    out = tmp_path_factory.mktemp("notices")
    return {tid: _render(out, tid) for tid in NOTICES}


def docx_table_rows(docx: Path) -> list[list[str]]:
    """Rows of the first table, each a list of cell texts."""
    d = DocxDocument(str(docx))
    assert d.tables, "DOCX has no Word table"
    return [[cell_text(c) for c in row.cells] for row in d.tables[0].rows]


def assert_signed(text: str, date_text: str) -> None:
    assert "翠湖花园物业服务中心" in text
    assert date_text in text


# ---------------------------------------------------------------- every template

@pytest.mark.parametrize("tid", NOTICES)
def test_pdfcheck_clean(rendered, tid):
    checker = pdfcheck()
    report = checker.check(rendered[tid][0])
    assert not report["problems"], report["problems"]


@pytest.mark.parametrize("tid", ONE_PAGE)
def test_one_page_notice_fits_one_page(rendered, tid):
    assert pages(rendered[tid][0]) == 1


@pytest.mark.parametrize("tid", NOTICES)
def test_docx_sets_east_asian_fonts(rendered, tid):
    assert_east_asian_fonts(rendered[tid][1])


# ---------------------------------------------------------------- one test per template

def test_dog_keeping_notice(rendered):
    for text in texts(rendered["dog-keeping-notice"]):
        assert "关于文明养犬的通知" in text
        assert "《中华人民共和国动物防疫法》" in text and "《滨江市养犬管理条例》" in text
        assert "狂犬病疫苗" in text and "南湖区公安分局养犬登记窗口办理养犬登记" in text
        assert "牵引绳（长度不超过1.5米）" in text
        assert "清理犬只在公共区域的粪便" in text
        assert "请勿携犬进入儿童游乐场、健身区、游泳池和中心花园草坪" in text
        assert "乘电梯时" in text
        assert "0571-86502266" in text
        assert_signed(text, "2026年11月23日")


def test_access_card_notice(rendered):
    for text in texts(rendered["access-card-notice"]):
        assert "关于出入小区刷卡的通知" in text
        assert "自2026年12月15日起，小区南门、东门人行通道和各单元门实行刷卡出入" in text
        assert "物业服务中心前台（3栋架空层）" in text and "每日8:30—20:00" in text
        assert "每户免费发放2张" in text and "每张收取工本费20.00元" in text
        assert "挂失" in text
        assert "访客出入" in text and "在门岗登记姓名、来访房号和联系电话" in text
        assert "“翠湖生活”微信小程序" in text and "「" not in text      # mainland quotes
        assert_signed(text, "2026年11月23日")


def test_access_card_notice_without_app_uses_office_hours(tmp_path):
    data = _sample("access-card-notice", app_name=None, office_hours=None, card_fee="15")
    for text in texts(_render(tmp_path, "access-card-notice", data)):
        assert "手机开门" not in text
        assert "（每日8:00—18:00）" in text        # the profile's service hours
        assert "每张收取工本费15.00元" in text


def test_owner_card_notice(rendered):
    for text in texts(rendered["owner-card-notice"]):
        assert "关于办理业主卡的通知" in text
        assert "2026年12月1日至2026年12月20日" in text
        assert "9:00—12:00，14:00—18:00" in text
        assert "物业服务中心前台（3栋架空层）" in text
        assert "身份证原件及复印件" in text and "一寸免冠彩色照片" in text
        assert "每张收取工本费10.00元" in text and "免费办理" not in text
        assert "委托书" in text
        assert_signed(text, "2026年11月23日")


def test_owner_card_notice_free(tmp_path):
    data = _sample("owner-card-notice", fee=0)
    for text in texts(_render(tmp_path, "owner-card-notice", data)):
        assert "办理费用：免费办理" in text
        assert "工本费" not in text


def test_good_news_notice(rendered):
    for text in texts(rendered["good-news-notice"]):
        assert "好消息" in text
        assert "小区电动自行车智能充电棚正式启用" in text
        assert "该服务自2026年12月1日起正式启用，地点在5栋与6栋之间（原自行车棚）" in text
        assert "服务内容" in text and "共设充电车位60个" in text
        assert "使用方法" in text and "扫描车位旁的二维码" in text
        assert "收费标准：每小时0.50元" in text
        assert_signed(text, "2026年11月23日")


def test_good_news_without_features_renumbers_sections(tmp_path):
    data = _sample("good-news-notice", features=[])
    for text in texts(_render(tmp_path, "good-news-notice", data)):
        assert "服务内容" not in text
        assert "一、使用方法" in text and "二、使用方法" not in text


def test_festival_tips_spring_festival(rendered):
    pdf, docx = rendered["festival-tips"]
    for text in texts(rendered["festival-tips"]):
        assert "春节温馨提示" in text
        assert "关闭水、电、燃气总阀" in text
        assert "三、烟花爆竹" in text
        assert "根据《滨江市烟花爆竹安全管理规定》，滨江市行政区域内禁止燃放烟花爆竹" in text
        assert "四、节日服务安排" in text
        assert "0571-86502299" in text
        assert "祝大家新春快乐、阖家幸福、万事如意" in text
        assert_signed(text, "2027年1月28日")
    rows = docx_table_rows(docx)
    assert rows[0] == ["日期", "服务中心", "备注"]
    assert rows[1][:2] == ["2月5日—7日（除夕至初二）", "10:00—16:00"]
    assert rows[3] == ["2月13日起", "8:00—18:00", "恢复正常办公"]


def test_festival_tips_other_festivals(tmp_path):
    data = _sample("festival-tips", festival="国庆节", schedule=[], issue_date="2026-09-25")
    for text in texts(_render(tmp_path, "festival-tips", data, "national-day")):
        assert "国庆节温馨提示" in text and "国庆节将至" in text
        assert "烟花爆竹" not in text                  # only 元旦/春节/元宵节 carry the fireworks section
        assert "三、节日服务安排" in text and "节日期间物业服务中心照常值班" in text
        assert "祝大家国庆快乐、阖家幸福" in text
    data = _sample("festival-tips", festival="元旦", fireworks="限时限地燃放",
                   fireworks_detail="12月31日22:00至1月1日0:30，在小区南门外广场")
    for text in texts(_render(tmp_path, "festival-tips", data, "new-year")):
        assert "元旦温馨提示" in text
        assert "烟花爆竹只能在12月31日22:00至1月1日0:30，在小区南门外广场燃放" in text
        assert "禁止燃放烟花爆竹" not in text
    data = _sample("festival-tips", festival="清明节")
    for text in texts(_render(tmp_path, "festival-tips", data, "qingming")):
        assert "文明祭扫" in text and "烟花爆竹安全管理规定" not in text


def test_festival_tips_rejects_unknown_festival(tmp_path):
    with pytest.raises(DataError) as e:
        _render(tmp_path, "festival-tips", _sample("festival-tips", festival="圣诞节"))
    assert "festival" in str(e.value) and "春节" in str(e.value)


def test_weather_tips_typhoon(rendered):
    for text in texts(rendered["weather-tips"]):
        assert "台风天气温馨提示" in text
        assert "今年第18号台风“海葵”预计于9月14日夜间至16日白天影响我市" in text
        assert "台风橙色预警信号" in text
        assert "收回阳台、窗台上的花盆" in text and "防止高空坠物" in text
        assert "0571-86502299" in text
        assert "防冻" not in text and "雨水倒灌" not in text
        assert_signed(text, "2026年9月13日")


@pytest.mark.parametrize("kind,must,must_not", [
    ("寒潮", ("寒潮天气温馨提示", "防止冻裂", "一氧化碳中毒", "防冻包扎"), ("高空坠物", "雨水倒灌")),
    ("暴雨", ("暴雨天气温馨提示", "防止雨水倒灌", "谨防触电", "挡水板和沙袋"), ("防止冻裂", "高空坠物")),
])
def test_weather_tips_variants(tmp_path, kind, must, must_not):
    data = _sample("weather-tips", kind=kind, name=None, warning=None, forecast="预计最低气温降至零下3℃",
                   period="11月25日至27日", emergency_phone="0571-8650 1110")
    for text in texts(_render(tmp_path, "weather-tips", data, kind)):
        for phrase in must:
            assert phrase in text
        for phrase in must_not:
            assert phrase not in text
        assert f"{kind}预计于11月25日至27日影响我市" in text
        assert "预计最低气温降至零下3℃。为保障" in text     # a missing full stop is added
        assert "0571-86501110" in text


def test_works_completion_notice(rendered):
    for text in texts(rendered["works-completion-notice"]):
        assert "关于弱电系统改造工程完工的通告" in text
        assert "已于2026年11月15日全部完工，已通过验收并投入使用" in text
        assert "自2026年9月1日开工，由滨江智联安防工程有限公司施工" in text
        assert "监控摄像机共186台" in text and "人脸识别" in text
        assert "原有门禁卡继续有效" in text
        assert "保修期为两年" in text
        assert "感谢您的理解与配合" in text
        assert_signed(text, "2026年11月23日")


def test_lost_and_found_notice(rendered):
    pdf, docx = rendered["lost-and-found-notice"]
    for text in texts(rendered["lost-and-found-notice"]):
        assert "失物招领启事" in text
        assert "儿童自行车" in text and "中心花园儿童游乐场" in text and "11月15日" in text
        assert "本人身份证件" in text and "签字领取" in text
        assert "代为保管30天" in text and "移交辖区公安派出所" in text
        assert_signed(text, "2026年11月23日")
    rows = docx_table_rows(docx)
    # the item by kind only: its colour and features stay with the office to check a claimant against
    assert rows[0] == ["序号", "物品", "拾获地点", "拾获日期"]
    assert rows[2] == ["2", "钥匙", "5栋电梯厅", "11月18日"]
    assert len(rows) == 1 + 4
    for text in texts(rendered["lost-and-found-notice"]):
        for detail in ("红色门禁卡", "黑色", "书本和文具", "格子图案", "小熊挂件"):
            assert detail not in text
        assert "只写物品的种类" in text


def test_lost_and_found_blank_form(tmp_path):
    data = _sample("lost-and-found-notice", items=[], blank_rows=6, keep_days=60)
    pdf, docx = _render(tmp_path, "lost-and-found-notice", data)
    rows = docx_table_rows(docx)
    assert len(rows) == 1 + 6 and all(c == "" for r in rows[1:] for c in r)
    text = pdf_text(pdf)
    assert "拾获地点" in text and "代为保管60天" in text and "儿童自行车" not in text
    assert pages(pdf) == 1
    with pdfplumber.open(str(pdf)) as doc:       # the empty rows are drawn as a ruled grid
        assert len(doc.pages[0].find_tables()[0].rows) == 7
    assert not pdfcheck().check(pdf)["problems"]


def test_lost_and_found_bad_date_names_item_and_field(tmp_path):
    data = _sample("lost-and-found-notice", items=[{"物品名称": "手机", "拾获地点": "会所", "拾获日期": "上周"}])
    with pytest.raises(DataError) as e:
        _render(tmp_path, "lost-and-found-notice", data)
    assert "第 1 条" in str(e.value) and "拾获日期" in str(e.value)


def test_water_outage_notice(rendered):
    for text in texts(rendered["water-outage-notice"]):
        assert text.startswith("停水通知")
        assert "停水时间：2026年12月3日（星期四）9:00至17:00" in text
        assert "停水范围：1—3栋全部住户及沿街商铺" in text
        assert "因二次供水水箱年度清洗消毒" in text
        assert "储存足够的生活用水" in text and "关闭入户总阀" in text
        assert "另行通知" in text
        for word in SANCTION_WORDS:
            assert word not in text
        assert_signed(text, "2026年11月30日")


def test_power_outage_notice(rendered):
    for text in texts(rendered["power-outage-notice"]):
        assert text.startswith("停电通知")
        # Overnight: the end day is written out too (the year only when it changes).
        assert "停电时间：2026年12月8日（星期二）22:00至12月9日（星期三）6:00" in text
        assert "停电范围：4—6栋住户、地下车库及会所" in text
        assert "拔下电脑、电视等电器的插头" in text
        assert "电梯停止运行" in text and "储存生活用水" in text
        for word in SANCTION_WORDS:
            assert word not in text
        assert_signed(text, "2026年12月1日")


def test_power_outage_without_lifts_and_pumps(tmp_path):
    data = _sample("power-outage-notice", lifts_stop=False, pumps_stop="否",
                   start="2026-12-08 09:00", end="2026-12-08 11:30")
    pdf, docx = _render(tmp_path, "power-outage-notice", data)
    for text in (pdf_text(pdf), docx_text(docx)):
        assert "2026年12月8日（星期二）9:00至11:30" in text
        assert "电梯停止运行" not in text and "水泵" not in text
        # The list renumbers itself when items are left out.
        assert "2.单元门禁" in text and "3.家中有人使用呼吸机" in text and "4.家中" not in text


def test_outage_across_new_year_names_both_years(tmp_path):
    data = _sample("water-outage-notice", start="2026-12-31 22:00", end="2027-01-01 04:00")
    for text in texts(_render(tmp_path, "water-outage-notice", data)):
        assert "停水时间：2026年12月31日（星期四）22:00至2027年1月1日（星期五）4:00" in text


def test_office_move_in_notice(rendered):
    for text in texts(rendered["office-move-in-notice"]):
        assert "关于新业主（用户）迁入办公的通知" in text
        assert "欢迎您入驻翠湖商务中心A座" in text
        assert "工作日18:30—22:00，周六、周日及法定节假日9:00—21:00" in text
        assert "至少提前2个工作日" in text and "预约2号货梯（载重2吨）" in text
        assert "搬迁押金人民币2,000.00元（贰仟元整）" in text
        assert "押金于7个工作日内全额退还" in text
        assert "消防通道" in text and "请勿使用客梯" in text
        assert "联系人：张堃" in text and "0571-86502288" in text
        assert_signed(text, "2026年11月23日")


def test_office_move_in_without_deposit(tmp_path):
    data = _sample("office-move-in-notice", deposit="0", building=None, contact_person=None)
    for text in texts(_render(tmp_path, "office-move-in-notice", data)):
        assert "押金" not in text
        assert "欢迎您入驻翠湖花园" in text
        assert "须照价赔偿。" in text and "联系人" not in text


def test_community_event_plan(rendered):
    pdf, docx = rendered["community-event-plan"]
    # 1800 + 100×6.50 + 60×4.80 + 680 + 50×38 + 10×32 + 260 + 300 = 6,198.00
    for text in texts(rendered["community-event-plan"]):
        assert "“邻里同乐迎新春”社区文化活动方案" in text
        assert "一、活动主题" in text and "写春联、包饺子，翠湖邻里一家亲" in text
        assert "二、活动目的" in text
        assert "活动时间：2027年1月30日（星期六）13:30—17:00" in text
        assert "参加对象：本小区业主、住户及其家属，预计200人" in text
        assert "主办单位：翠湖花园物业服务中心；协办单位：湖景社区居民委员会" in text
        assert "四、活动流程" in text and "五、人员分工" in text and "六、经费预算" in text
        assert "七、安全保障措施" in text and "八、应急安排" in text
        for amount in ("1,800.00", "650.00", "288.00", "1,900.00", "6,198.00"):
            assert amount in text
        assert "人民币陆仟壹佰玖拾捌元整" in text
        for name in ("吉𠮷", "李赟", "欧阳喆", "张堃", "龚䶮"):
            assert name in text
        assert "灭火器" in text and "疏散通道" in text
        assert_signed(text, "2027年1月10日")
    d = DocxDocument(str(docx))
    budget = [[c.text.strip() for c in r.cells] for r in d.tables[2].rows]
    assert budget[0][5] == "金额（元）"
    assert budget[5] == ["5", "抽奖礼品", "50", "份", "38.00", "1,900.00", "一、二、三等奖及纪念奖"]
    assert budget[-2][0] == "合计" and budget[-2][5] == "6,198.00"
    assert budget[-1][0] == "大写" and budget[-1][2] == "人民币陆仟壹佰玖拾捌元整"
    staff = [[c.text.strip() for c in r.cells] for r in d.tables[1].rows]
    assert staff[4][:2] == ["秩序安全组", "吉𠮷"]


def test_community_event_plan_budget_rounds_each_line(tmp_path):
    data = _sample("community-event-plan", staff=[], contingency=None,
                   budget=[{"项目": "矿泉水", "数量": 3, "单价": "¥1.335"},
                           {"项目": "横幅", "单价": "120"}])
    pdf, docx = _render(tmp_path, "community-event-plan", data)
    for text in (pdf_text(pdf), docx_text(docx)):
        # 1.335 is read as 1.34 (half-up to the fen); 3 × 1.34 = 4.02; total 124.02
        assert "1.34" in text and "4.02" in text and "124.02" in text
        assert "人民币壹佰贰拾肆元零贰分" in text
        assert "人员分工" not in text and "应急安排" not in text
        assert "五、经费预算" in text and "六、安全保障措施" in text


@pytest.mark.parametrize("tid,field,sub,label", [
    ("community-event-plan", "budget", "unit", "单位"),
    ("festival-tips", "schedule", "desk", "服务中心"),
    ("lost-and-found-notice", "items", "item", "物品名称"),
])
def test_table_cells_reject_overlong_text(tmp_path, tid, field, sub, label):
    # A table cell taller than a page cannot be laid out; the field limit turns that into a clear message.
    data = _sample(tid)
    data[field] = [{**row, sub: "很长的文字" * 30} for row in data[field]]
    with pytest.raises(DataError) as e:
        _render(tmp_path, tid, data)
    assert label in str(e.value) and "过长" in str(e.value) and "第 1 条" in str(e.value)


@pytest.mark.parametrize("width_chars", range(7, 24))
def test_spaced_phone_number_stays_on_one_line(width_chars):
    # Notices print org.phone as written in the profile ("0571-8650 2266"); a line may not break inside it.
    from docgen.writers.pdf.linebreak import Glyph, break_lines
    text = "紧急报修请拨打：0571-8650 2299，咨询电话：0571-8650 2266。"
    glyphs = [Glyph(" ", 3.0, None, kind="space") if ch == " " else
              Glyph(ch, 10.0 if ord(ch) > 0x2000 else 5.0, object()) for ch in text]
    lines = ["".join(g.text for g in line.glyphs) for line in break_lines(glyphs, width_chars * 10.0 + 0.1)]
    for phone in ("0571-8650 2299", "0571-8650 2266"):
        assert any(phone in line for line in lines), lines
