"""Move-in documents and packet, office forms and training forms: render the samples, read them back."""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pytest
from docx import Document as read_docx

from .helpers import assert_east_asian_fonts, docx_text, pdf_text, pdfcheck, render_pair
from docgen.api import render_one
from docgen.errors import DataError
from docgen.library.folders import Library
from docgen.profile import Profile
from docgen.engine.pipeline import build_document
from docgen.writers import write_outputs

MOVE_IN = ["move-in-notice", "move-in-procedure", "move-in-payment-notice", "move-in-inspection",
           "key-handover", "owner-registration", "move-in-packet"]
FORMS = ["visit-call-log", "patrol-record", "work-order", "complaint-record", "key-loan-log", "duty-log",
         "item-loan-log"]
TRAINING = ["training-plan", "training-record"]
ALL = MOVE_IN + FORMS + TRAINING
ONE_PAGE = [t for t in ALL if t != "move-in-packet"]
THREATS = ("停水", "停电", "断水", "断电", "停暖", "停气")


def _squash(s: str) -> str:
    return re.sub(r"[\s\u2060]+", "", s)   # word joiners: layout the DOCX writer adds


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Every template of this group rendered once from its sample: id -> (pdf, docx)."""
    out = tmp_path_factory.mktemp("movein_forms")
    return {tid: render_pair(out, tid) for tid in ALL}


def pdf_cells(path) -> str:
    """The PDF's running text plus the text of every ruled table cell read cell by cell, whitespace removed.

    A cell's wrapped lines interleave with its neighbours' in the running text, so table content is
    checked cell by cell as well."""
    parts = [pdf_text(path)]
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            for table in page.extract_tables():
                parts.extend(c or "" for row in table for c in row)
    return _squash("|".join(parts))


def docx_cells_once(path) -> str:
    """DOCX paragraphs and table cells, each merged cell once (python-docx repeats it per spanned column)."""
    d = read_docx(str(path))
    parts = [para.text for para in d.paragraphs]
    for t in d.tables:
        seen = set()                                 # holds the elements, so lxml keeps one proxy each
        for row in t.rows:
            for c in row.cells:
                if c._tc not in seen:
                    seen.add(c._tc)
                    parts.append(c.text)
    return _squash("|".join(parts))


def _both(rendered, tid) -> tuple[str, str]:
    pdf, docx = rendered[tid]
    return pdf_cells(pdf), docx_text(docx)


def _assert_in_both(rendered, tid, *needles):
    ptxt, dtxt = _both(rendered, tid)
    for n in needles:
        n = _squash(n)
        assert n in ptxt, f"{tid}: PDF lacks {n!r}"
        assert n in dtxt, f"{tid}: DOCX lacks {n!r}"


def _render(tid, data, tmp_path, templates=None, profile_path=None):
    written = render_one(tid, data=data, out=tmp_path / tid, fmt="both", templates=templates,
                         profile_path=profile_path)
    return next(p for p in written if p.suffix == ".pdf"), next(p for p in written if p.suffix == ".docx")


def _table_with(docx_path, header_text):
    """The first DOCX table whose first row contains header_text."""
    d = read_docx(str(docx_path))
    for t in d.tables:
        if header_text in "".join(c.text for c in t.rows[0].cells):
            return t
    raise AssertionError(f"no table with header {header_text!r}")


# ---------------------------------------------------------------- every template

@pytest.mark.parametrize("tid", ALL)
def test_sets_east_asian_fonts(rendered, tid):
    assert_east_asian_fonts(rendered[tid][1])


@pytest.mark.parametrize("tid", ALL)
def test_pdfcheck_clean(rendered, tid):
    mod = pdfcheck()
    report = mod.check(Path(rendered[tid][0]))
    assert not report["problems"], report["problems"]


@pytest.mark.parametrize("tid", ONE_PAGE)
def test_sample_fits_one_page(rendered, tid):
    with pdfplumber.open(str(rendered[tid][0])) as pdf:
        assert len(pdf.pages) == 1


@pytest.mark.parametrize("tid", ALL)
def test_org_profile_flows_in(rendered, tid):
    ptxt, dtxt = _both(rendered, tid)
    office = "翠湖花园物业服务中心"
    assert office in ptxt and office in dtxt


# ---------------------------------------------------------------- move-in

def test_move_in_notice(rendered):
    _assert_in_both(rendered, "move-in-notice",
                    "入伙通知书", "编号：RH-2026-0315", "尊敬的欧阳喆业主", "3栋1502房", "建筑面积89.56平方米",
                    "2026年12月20日至2026年12月31日", "9:00—12:00，13:30—17:30", "翠湖花园会所一楼入伙办理大厅",
                    "受滨江锦城置业有限公司委托",
                    # what to bring
                    "有效身份证件", "商品房买卖合同原件", "缴款凭证", "购房贷款合同", "授权委托书",
                    # fees: 89.56 × 2.80 × 6 = 1504.608 → 1,504.61; + 500.00 = 2,004.61 paid to the office;
                    # the maintenance fund 89.56 × 80 = 7,164.80 goes to the special account, outside the total
                    "89.56㎡×2.80元/㎡·月×6个月", "1,504.61", "500.00", "2,004.61",
                    "人民币贰仟零肆元陆角壹分", "专项维修资金7,164.80元", "按当地规定缴存至专项维修资金专户",
                    "资料审核→缴费→签约", "管理规约", "前期物业服务协议", "消防安全责任书", "验房", "领钥匙",
                    "咨询电话：0571-86502266", "2026年11月20日")
    ptxt, dtxt = _both(rendered, "move-in-notice")
    for word in THREATS:
        assert word not in ptxt and word not in dtxt


def test_move_in_fees_round_each_line_half_up_and_total_is_their_sum(tmp_path):
    # 88.5 × 2.33 × 1 = 206.205 → 206.21 (half-up, not banker's 206.20); 88.5 × 61.11 = 5408.235 → 5,408.24
    data = {"owner_name": "张堃", "building": "1栋", "unit": "0101", "area": "88.5", "move_in_start": "2026-12-01",
            "move_in_end": "2026-12-10", "fee_rate": "2.33", "fee_months": 1, "fund_rate": "61.11",
            "utilities_deposit": "0"}
    pdf, docx = _render("move-in-notice", data, tmp_path)
    for txt in (pdf_text(pdf), docx_text(docx)):
        assert "206.21" in txt and "5,408.24" in txt
        assert "合计206.21" in txt                # the fund (5,408.24) is not paid to the office: not in the total
        assert "人民币贰佰零陆元贰角壹分" in txt
        assert "专项维修资金5,408.24元" in txt and "专项维修资金专户" in txt
        assert "水电周转金" not in txt          # a zero amount is not listed


def test_move_in_fees_from_an_itemised_list(tmp_path):
    data = {"owner_name": "李赟", "building": "2栋", "unit": "0801", "area": 95, "payment_no": "JK-9",
            "fees": [{"item": "物业服务费", "basis": "2027年1—6月", "amount": "1,596.00"},
                     {"item": "车位管理费", "amount": "¥480"}]}
    pdf, docx = _render("move-in-payment-notice", data, tmp_path)
    for txt in (pdf_text(pdf), docx_text(docx)):
        assert "车位管理费" in txt and "480.00" in txt and "2,076.00" in txt
        assert "人民币贰仟零柒拾陆元整" in txt
        assert "专项维修资金" not in txt
        assert "办理入伙手续时缴清" in txt      # no pay_by given


def test_move_in_procedure(rendered):
    _assert_in_both(rendered, "move-in-procedure",
                    "入伙手续书", "欧阳喆", "3栋1502房", "89.56㎡", "13906521875", "2026年12月22日",
                    "资料审核", "缴费", "签约", "验房", "领钥匙", "经办人签字", "日期",
                    "《管理规约》", "《前期物业服务协议》", "《消防安全责任书》", "《收楼验房表》", "《钥匙交接书》")
    table = _table_with(rendered["move-in-procedure"][1], "经办人签字")
    assert [r.cells[1].text for r in table.rows[1:]] == ["资料审核", "缴费", "签约", "验房", "领钥匙"]
    assert all(r.cells[3].text == "" and r.cells[4].text == "" for r in table.rows[1:])  # left for signatures
    assert table.rows[0]._tr.trPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader") is not None


def test_move_in_payment_notice(rendered):
    _assert_in_both(rendered, "move-in-payment-notice",
                    "缴款通知书", "编号：JK-2026-0315", "3栋1502房欧阳喆业主", "1,504.61", "2,004.61",
                    "人民币贰仟零肆元陆角壹分", "2026年12月31日前缴清",
                    "专项维修资金7,164.80元", "按当地规定缴存至专项维修资金专户",
                    "锦程物业服务有限公司", "中国建设银行滨江南湖支行", "33050161728000000815",
                    "3栋1502入伙费", "缴款回执", "¥2,004.61", "2026年11月20日")


def test_payment_notice_takes_bank_from_profile_or_omits_it(tmp_path):
    data = {"owner_name": "吉𠮷", "building": "1栋", "unit": "1203", "area": "100"}
    pdf, docx = _render("move-in-payment-notice", data, tmp_path / "none")
    for txt in (pdf_text(pdf), docx_text(docx)):
        assert "开户银行" not in txt and "银行转账" not in txt
        assert "刷卡或扫码缴纳" in txt
    prof = tmp_path / "docgen.toml"
    prof.write_text('[org]\nbank_name = "滨江农商银行湖景支行"\nbank_account = "201000 3398 7766"\n', encoding="utf-8")
    pdf, docx = _render("move-in-payment-notice", data, tmp_path / "prof", profile_path=prof)
    for txt in (pdf_text(pdf), docx_text(docx)):
        assert "滨江农商银行湖景支行" in txt and "2010003398 7766".replace(" ", "") in txt
        assert "收款户名锦程物业服务有限公司" in txt     # account name falls back to org.name
        assert "吉𠮷" in txt


def test_move_in_inspection(rendered):
    _assert_in_both(rendered, "move-in-inspection",
                    "收楼验房表", "欧阳喆", "3栋1502房", "2026年12月22日", "张堃",
                    "入户门", "客厅、餐厅", "卧室", "厨房", "卫生间", "阳台", "墙面、顶棚", "防水（闭水试验）",
                    "合格", "不合格", "南侧推拉窗纱窗破损约5cm", "主卧北墙距地1.2m处有一道约30cm裂纹",
                    "水表", "电表", "燃气表", "SB-03-1502", "0.8m³", "12.6kWh",
                    "入户门钥匙3把", "户内房门钥匙6把", "单元门禁卡2张", "信报箱钥匙2把",
                    "2027年1月10日前整改完毕", "业主签字", "验房人签字")
    table = _table_with(rendered["move-in-inspection"][1], "查验项目")
    rows = {(r.cells[1].text): (r.cells[2].text, r.cells[3].text) for r in table.rows[1:]}
    assert rows["门窗、玻璃、纱窗"] == ("□", "☑")
    assert rows["地面、栏杆"] == ("☑", "□")
    assert len(table.rows) == 1 + 24
    dtxt = docx_text(rendered["move-in-inspection"][1])
    assert "☑存在上表所列问题，同意先行收楼" in dtxt and "□房屋查验合格" in dtxt


def test_inspection_blank_prints_default_checklist_and_keys(tmp_path):
    pdf, docx = _render("move-in-inspection", {"owner_name": "龚䶮", "building": "5栋", "unit": "2603"}, tmp_path)
    table = _table_with(docx, "查验项目")
    assert len(table.rows) == 1 + 24
    assert all(r.cells[2].text == "□" and r.cells[3].text == "□" for r in table.rows[1:])
    for txt in (pdf_text(pdf), docx_text(docx)):
        assert "入户门钥匙" in txt and "单元门禁卡" in txt and "年月日" in txt
    with pdfplumber.open(str(pdf)) as p:
        assert len(p.pages) == 1


def test_key_handover(rendered):
    _assert_in_both(rendered, "key-handover",
                    "钥匙交接书", "翠湖花园物业服务中心（受滨江锦城置业有限公司委托）", "欧阳喆（业主）", "3栋1502房",
                    "2026年12月22日", "入户门钥匙", "卧室、卫生间各2把", "单元门禁卡",
                    "数量无误", "自行管理和保管", "不留存业主的房屋钥匙", "移交人签字", "接收方（业主）", "业主签字", "（盖章）",
                    "一式两份")
    table = _table_with(rendered["key-handover"][1], "名称")
    counts = [(r.cells[1].text, r.cells[2].text, r.cells[3].text) for r in table.rows[1:]]
    assert counts[:4] == [("入户门钥匙", "3", "把"), ("户内房门钥匙", "6", "把"), ("单元门禁卡", "2", "张"),
                          ("信报箱钥匙", "2", "把")]
    assert counts[4:] == [("", "", ""), ("", "", "")]            # blank_rows: 2
    dtxt = docx_text(rendered["key-handover"][1])
    assert "☑不委托" in dtxt and "□委托物业服务中心保管" in dtxt


def test_owner_registration(rendered):
    _assert_in_both(rendered, "owner-registration",
                    "业主资料登记表", "档案编号：DA-03-1502", "欧阳喆", "330106198807151234", "13906521875",
                    "3栋1502房", "89.56㎡", "2026年12月22日", "李赟", "配偶", "欧阳一鸣", "浙A·D52816", "B2-136",
                    "紧急联系人", "13757102468",
                    "个人信息保护说明", "个人信息保护法", "不向任何第三方提供", "二年", "查阅、复制、更正、补充",
                    "未满十四周岁", "业主签字")
    dtxt = docx_text(rendered["owner-registration"][1])
    assert "☑男" in dtxt and "☑自住" in dtxt and "□出租" in dtxt
    members = _table_with(rendered["owner-registration"][1], "与业主关系")
    assert len(members.rows) == 1 + 5                              # 3 members padded to member_rows


def test_owner_registration_prints_blank(tmp_path):
    pdf, docx = _render("owner-registration", {}, tmp_path)
    members = _table_with(docx, "与业主关系")
    vehicles = _table_with(docx, "车牌号码")
    assert len(members.rows) == 1 + 5 and len(vehicles.rows) == 1 + 2
    assert all(c.text == "" for r in members.rows[1:] for c in r.cells[1:])
    assert "个人信息保护说明" in pdf_text(pdf)
    dtxt = docx_text(docx)
    assert "个人信息保护说明" in dtxt and "□男□女" in dtxt and "□自住□出租□空置□其他" in dtxt
    with pdfplumber.open(str(pdf)) as p:
        assert len(p.pages) == 1


def test_move_in_packet_is_five_parts_one_per_page(rendered):
    pdf, docx = rendered["move-in-packet"]
    with pdfplumber.open(str(pdf)) as p:
        pages = [_squash(pg.extract_text() or "") for pg in p.pages]
    titles = ["入伙通知书", "入伙手续书", "缴款通知书", "收楼验房表", "钥匙交接书"]
    assert len(pages) == 5
    for page, title in zip(pages, titles):
        assert page.startswith(title) or title in page[:40], (title, page[:60])
        assert "龚䶮" in page and "5栋2603" in page
    # the same figures on the notice and the payment notice: 126.38 × 2.80 × 6 = 2123.184 → 2,123.18;
    # + 500.00 utilities = 2,623.18 paid to the office; the fund 126.38 × 80 = 10,110.40 goes to the 专户
    for i in (0, 2):
        assert "2,123.18" in pages[i] and "合计2,623.18" in pages[i] and "专项维修资金10,110.40元" in pages[i]
        assert "人民币贰仟陆佰贰拾叁元壹角捌分" in pages[i] and "专项维修资金专户" in pages[i]
    assert "入户门钥匙3把" in pages[3] and "户内房门钥匙8把" in pages[3]
    dtxt = docx_text(docx)
    for title in titles:
        assert title in dtxt
    d = read_docx(str(docx))
    breaks = d.element.body.xml.count('w:type="page"')
    assert breaks == 4


def test_packet_includes_a_users_override_of_a_part(tmp_path, monkeypatch):
    """{% include "move-in-notice/body.md" %} resolves over the template roots, a user's folder before the built-ins."""
    src = Library().get("move-in-notice").folder
    override = tmp_path / "tpl" / "move-in-notice"
    override.mkdir(parents=True)
    (override / "template.yaml").write_text((src / "template.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    body = (src / "body.md").read_text(encoding="utf-8")
    body = body.replace("# 入伙通知书\n", "# 入伙通知书\n\n本通知由本项目自行修改。\n", 1)
    (override / "body.md").write_text(body, encoding="utf-8")
    # Includes resolve over the search path of the library the packet was found in.
    monkeypatch.setenv("DOCGEN_TEMPLATES", str(tmp_path / "tpl"))
    sample = dict(Library().get("move-in-packet").sample)
    pdf, docx = _render("move-in-packet", sample, tmp_path / "out")
    assert "本通知由本项目自行修改。" in pdf_text(pdf) and "本通知由本项目自行修改。" in docx_text(docx)
    assert "入伙手续书" in pdf_text(pdf)                       # the other parts still come from the built-ins


def test_move_in_missing_required_field_names_it():
    tpl = Library().get("move-in-notice")
    data = dict(tpl.sample)
    del data["move_in_start"]
    with pytest.raises(DataError) as e:
        build_document(tpl, data, Profile(), file="owners.csv", row=7)
    msg = str(e.value)
    assert "办理开始日期" in msg and "owners.csv" in msg and "7" in msg


def test_move_in_rejects_bad_area():
    tpl = Library().get("move-in-payment-notice")
    with pytest.raises(DataError) as e:
        build_document(tpl, dict(tpl.sample, area="-3"), Profile())
    assert "建筑面积" in str(e.value)


# ---------------------------------------------------------------- office forms

def _rows_of(docx_path, header_text):
    return _table_with(docx_path, header_text).rows


def test_visit_call_log(rendered):
    _assert_in_both(rendered, "visit-call-log",
                    "来电来访登记表", "登记月份：2026年11月", "11月20日9:05", "来电", "来访", "张堃", "2栋0801",
                    "13588016624", "厨房水龙头滴水", "WX-1120-03", "王晓", "龚䶮", "吉𠮷", "0571-86503317",
                    "反映楼上夜间噪声", "11-21回访，已改善")
    rows = _rows_of(rendered["visit-call-log"][1], "接待人")
    assert len(rows) == 1 + 14                                    # 3 entries padded to blank_rows
    assert rows[4].cells[0].text == "4" and rows[4].cells[2].text == "□来电 □来访"


@pytest.mark.parametrize("tid,header,n", [("visit-call-log", "接待人", 14), ("patrol-record", "巡视部位", 18),
                                          ("key-loan-log", "借用人", 14), ("duty-log", "记录人", 16),
                                          ("item-loan-log", "物品名称", 14), ("training-plan", "培训主题", 16),
                                          ("complaint-record", "处理措施", 6)])
def test_blank_forms_print_ruled_rows(tmp_path, tid, header, n):
    pdf, docx = _render(tid, {}, tmp_path)
    rows = _rows_of(docx, header)
    extra = 1 if tid == "training-plan" else 0                    # the 合计课时 row
    assert len(rows) == 1 + n + extra
    with pdfplumber.open(str(pdf)) as p:
        assert len(p.pages) == 1
    assert not pdfcheck().check(Path(pdf))["problems"]


def test_blank_rows_is_a_parameter(tmp_path):
    pdf, docx = _render("key-loan-log", {"blank_rows": 20}, tmp_path)
    assert len(_rows_of(docx, "借用人")) == 21
    with pdfplumber.open(str(pdf)) as p:
        pages = len(p.pages)
    assert pages == 2 and "第1页共2页" in pdf_text(pdf)


def test_long_log_repeats_header_on_every_page(tmp_path):
    entries = [{"at": f"2026-11-{d:02d} 09:{m:02d}", "kind": "来电", "name": "欧阳喆", "unit": "3栋1502",
                "content": "咨询物业费缴纳方式与发票开具" * 2} for d in range(1, 21) for m in (0, 30)]
    pdf, docx = _render("visit-call-log", {"month": "2026-11", "entries": entries}, tmp_path)
    with pdfplumber.open(str(pdf)) as p:
        assert len(p.pages) >= 3
        for pg in p.pages:
            assert "回访及备注" in _squash(pg.extract_text() or "")
    txt = pdf_cells(pdf)
    assert "第1页共" in txt and "11月20日9:30" in txt
    assert len(_rows_of(docx, "接待人")) == 1 + 40


def test_patrol_record(rendered):
    _assert_in_both(rendered, "patrol-record",
                    "巡视记录表", "2026年11月21日（星期六）", "赵磊", "1—6栋、地下车库、周界", "20:25",
                    "地下车库B1—B2", "消防通道被电动车占用", "已联系车主吉𠮷移走", "GC-1121-07",
                    "交接班事项", "东侧围墙照明待工程部次日更换", "巡视人签字", "接班人签字", "主管检查")
    rows = _rows_of(rendered["patrol-record"][1], "巡视部位")
    assert rows[2].cells[3].text == "□正常 ☑异常"
    assert rows[1].cells[3].text == "☑正常 □异常"
    assert len(rows) == 1 + 18
    assert "☑夜班" in docx_text(rendered["patrol-record"][1])


def test_work_order_three_copies_one_number(rendered):
    pdf, docx = rendered["work-order"]
    with pdfplumber.open(str(pdf)) as p:
        cells = [_squash(c or "") for t in p.pages[0].extract_tables() for row in t for c in row]
    ptxt, dtxt = pdf_text(pdf), docx_cells_once(docx)
    for txt in (ptxt, dtxt):
        assert txt.count("WX-2026-1120-03") == 3
        for copy in ("存根联", "执行联", "回执联"):
            assert f"工作令单（{copy}）" in txt
        assert txt.count("沿此线剪开") == 2
    for txt in ("|".join(cells), dtxt):
        assert txt.count("厨房水龙头关闭后仍滴水，请上门检查更换阀芯。") == 3
        assert txt.count("11月20日9:10") == 2 and "11月20日12:00" in txt and txt.count("2栋0801房") == 3
        assert "张堃13588016624" in txt and "35.00" in txt
    assert "☑有偿" in dtxt and "□无偿" in dtxt and "☑维修" in dtxt
    ruled = [t for t in read_docx(str(docx)).tables if "工作内容" in "".join(c.text for c in t.columns[0].cells)]
    assert len(ruled) == 3


def test_work_order_blank(tmp_path):
    pdf, docx = _render("work-order", {}, tmp_path)
    txt = docx_text(docx)
    assert txt.count("工作令单（") == 3 and "☑" not in txt
    with pdfplumber.open(str(pdf)) as p:
        assert len(p.pages) == 1


def test_complaint_record(rendered):
    _assert_in_both(rendered, "complaint-record",
                    "投诉记录表", "编号：TS-2026-1121-02", "11月21日8:40", "龚䶮", "5栋2603", "13906525518", "王晓",
                    "噪声", "早上7点多就开始电钻作业", "处理过程", "约谈施工负责人", "重申噪声作业时间9:00—12:00", "14:30—17:30",
                    "客服部王晓", "已签承诺", "处理结果", "已约谈施工方并签署承诺书", "2026年11月22日",
                    "11月24日16:00", "刘敏", "满意度", "处理及时，谢谢。", "主管审核")
    dtxt = docx_text(rendered["complaint-record"][1])
    assert "☑来电" in dtxt and "☑电话" in dtxt and "☑满意" in dtxt and "□基本满意" in dtxt
    rows = _rows_of(rendered["complaint-record"][1], "处理措施")
    assert len(rows) == 1 + 6                                     # 3 steps padded to blank_rows


def test_key_loan_log(rendered):
    _assert_in_both(rendered, "key-loan-log",
                    "钥匙借用登记表", "登记月份：2026年11月", "3栋天台门K-03-T", "欧阳喆", "滨江通信设备维护公司",
                    "天台基站设备检修", "11月18日9:20", "11月18日11:45", "地下室水泵房K-B1-05",
                    "业主委托钥匙WT-17", "装修施工（业主书面授权）", "吉𠮷", "不得转借、复制")


def test_duty_log(rendered):
    _assert_in_both(rendered, "duty-log",
                    "值班记录", "2026年11月21日（星期六）", "赵磊、刘敏", "20:00—次日8:00", "电梯报警",
                    "20:58救出", "欧阳喆", "道闸", "交接事项", "南大门道闸故障", "对讲机4部", "交班人签字",
                    "接班人签字", "值班主管")
    assert "☑夜班" in docx_text(rendered["duty-log"][1])


def test_item_loan_log(rendered):
    _assert_in_both(rendered, "item-loan-log",
                    "物品借用登记表", "人字梯（2米）", "李赟", "3栋1502", "100.00", "50.00", "11月15日", "11月16日",
                    "爱心雨伞", "龚䶮", "免押金", "押金（元）", "归还人签字")
    rows = _rows_of(rendered["item-loan-log"][1], "物品名称")
    assert rows[3].cells[7].text == ""                            # no deposit taken: blank, not 0.00


# ---------------------------------------------------------------- training

def test_training_plan(rendered):
    _assert_in_both(rendered, "training-plan",
                    "2027年度培训计划表", "翠湖花园物业服务中心客服部", "1月", "服务礼仪与接待规范", "投诉受理与处理流程",
                    "消防安全知识与灭火器使用", "电梯困人应急处置", "实操考核", "1.5", "合计课时", "12.5",
                    "编制：王晓", "审核", "批准", "2026年12月15日")
    rows = _rows_of(rendered["training-plan"][1], "培训主题")
    assert [c.text for c in rows[0].cells] == ["序号", "月份", "培训主题", "讲师", "培训对象", "课时", "培训方式",
                                              "考核方式"]
    assert rows[-1].cells[5].text == "12.5"


def test_training_record(rendered):
    _assert_in_both(rendered, "training-record",
                    "培训记录表", "消防安全知识与灭火器使用", "赵磊", "2027年3月12日14:30—17:30",
                    "翠湖花园物业服务中心二楼会议室", "全体员工", "授课加现场演练", "“提、拔、握、压”四步法",
                    "实操考核（每人操作灭火器一次）", "10人", "签到表", "王晓", "吉𠮷", "龚䶮", "欧阳喆", "保洁部",
                    "效果评估", "记录人", "部门负责人")
    rows = _rows_of(rendered["training-record"][1], "签到")
    assert len(rows) == 1 + 12                                    # 8 names, at least 12 rows of two
    assert rows[1].cells[1].text == "王晓" and rows[1].cells[5].text == "刘敏"
    assert rows[4].cells[5].text == "龚䶮" and rows[5].cells[1].text == ""
    assert all(r.cells[3].text == "" and r.cells[7].text == "" for r in rows[1:])   # signatures by hand


# ---------------------------------------------------------------- the fen filter

def test_fen_filter_rounds_half_up():
    from docgen.engine.jinja import make_env
    env = make_env()
    out = env.from_string("{{ (a * b) | fen }} {{ ((a * b) | fen) + ((a * b) | fen) }}").render(
        a=Decimal("88.5"), b=Decimal("2.33"))
    assert out.replace("\\", "") == "206.21 412.42"


def test_markup_characters_in_data_stay_literal(tmp_path):
    """'^', '<' and '|' are span markers in table markup; from data they must print as themselves."""
    hostile = '<&>"\'|^ ::: **x** {.right} :br 龚䶮𠮷'
    data = {"owner_name": hostile, "building": "1栋", "unit": "101",
            "checklist": [{"room": "卧室", "item": "墙面"}, {"room": "^", "item": "<"},
                          {"room": "阳台", "item": "x|y", "result": "不合格", "remark": hostile}]}
    pdf, docx = _render("move-in-inspection", data, tmp_path)
    rows = _table_with(docx, "查验项目").rows
    assert [(r.cells[0].text, r.cells[1].text) for r in rows[1:]] == [("卧室", "墙面"), ("^", "<"), ("阳台", "x|y")]
    assert rows[3].cells[3].text == "☑" and rows[3].cells[4].text == hostile
    ptxt = pdf_cells(pdf)
    assert _squash(hostile) in ptxt and "龚䶮𠮷" in ptxt
    assert not pdfcheck().check(Path(pdf))["problems"]


def test_maintenance_fund_goes_to_the_special_account(tmp_path):
    """专项维修资金 belongs to the owners: never into the company's account, never 代收代缴 by default."""
    from docgen.api import render_one
    prof = tmp_path / "docgen.toml"
    prof.write_text('[org]\nfund_account_name = "滨江市住房专项维修资金专户"\nfund_bank = "滨江农商银行南湖支行"\n'
                    'fund_account = "2010 0033 1234 5678"\n', encoding="utf-8")
    for tid in ("move-in-notice", "move-in-payment-notice", "move-in-packet"):
        plain = render_one(tid, use_sample=True, out=tmp_path / f"{tid}-plain")
        configured = render_one(tid, use_sample=True, out=tmp_path / tid, profile_path=prof)
        for f in plain + configured:
            txt = pdf_text(f) if f.suffix == ".pdf" else docx_text(f)
            assert "代收代缴" not in txt and "按当地规定缴存至专项维修资金专户" in txt, (tid, f.suffix)
        for f in configured:
            txt = pdf_text(f) if f.suffix == ".pdf" else docx_text(f)
            assert "滨江市住房专项维修资金专户" in txt and "201000331234" in txt.replace(" ", ""), tid
        for f in plain:
            txt = pdf_text(f) if f.suffix == ".pdf" else docx_text(f)
            assert "缴存通知为准" in txt, tid
    # the company's own account is printed for its own fees only: the fund's amount is not in its total
    pay = pdf_text(tmp_path / "move-in-payment-notice.pdf")
    assert "¥2,004.61" in pay and "¥9,169.41" not in pay
