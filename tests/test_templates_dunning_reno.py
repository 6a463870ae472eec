"""Dunning letters and renovation paperwork: each renders from its sample and says what it must, in PDF and DOCX."""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pytest
from docx import Document as DocxDocument

from docgen.errors import DataError

from .helpers import assert_east_asian_fonts, cell_text, pdf_text_and_cells, docx_text, page_count as pages, pdf_text, pdfcheck, texts
from .helpers import render_pair as _render, sample_with as _sample

DUNNING = ("parking-fee-dunning", "demand-letter", "final-notice", "delivery-receipt", "arrears-public-list")
RENOVATION = ("renovation-application", "renovation-undertaking", "renovation-agreement",
              "renovation-worker-pass", "renovation-deposit-refund")
TEMPLATES = DUNNING + RENOVATION
# Forms and single letters stay on one sheet; the agreement runs over pages, and the
# formal letters put their detachable receipt on a second page when the letter is long.
ONE_PAGE = ("parking-fee-dunning", "delivery-receipt", "arrears-public-list", "renovation-application",
            "renovation-undertaking", "renovation-deposit-refund", "renovation-worker-pass")
# 民法典 944: a manager may not cut water, power, heating or gas to force payment; no letter threatens it.
THREATS = ("停水", "停电", "断水", "断电", "停暖", "停气", "停止供", "断供", "限制出入", "锁车位", "罚款")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    out = tmp_path_factory.mktemp("dunning_reno")
    return {tid: _render(out, tid) for tid in TEMPLATES}


def docx_rows(docx: Path) -> list[list[str]]:
    """Rows of every table in the DOCX, each a list of cell texts (merged cells repeat)."""
    d = DocxDocument(str(docx))
    return [[cell_text(c) for c in row.cells] for t in d.tables for row in t.rows]


def docx_cells(docx: Path) -> list[str]:
    """The text of every distinct table cell (a merged cell once), in document order."""
    d = DocxDocument(str(docx))
    seen, out = set(), []
    for t in d.tables:
        for row in t.rows:
            for c in row.cells:
                if c._tc not in seen:          # the element itself: it stays alive, unlike an id()
                    seen.add(c._tc)
                    out.append(cell_text(c))
    return out


def row_with(rows: list[list[str]], first: str) -> list[str]:
    """The first table row whose first cell (spaces removed) is `first`."""
    for r in rows:
        if r and re.sub(r"\s+", "", r[0]) == first:
            return r
    raise AssertionError(f"no table row starting with {first!r}")


# ---------------------------------------------------------------- every template

@pytest.mark.parametrize("tid", TEMPLATES)
def test_pdfcheck_clean(rendered, tid):
    checker = pdfcheck()
    report = checker.check(rendered[tid][0])
    assert not report["problems"], report["problems"]


@pytest.mark.parametrize("tid", TEMPLATES)
def test_no_glyphs_overlap(rendered, tid):
    # Justified lines mix CJK and Latin runs; each run must start where the previous one ended.
    with pdfplumber.open(str(rendered[tid][0])) as doc:
        for page in doc.pages:
            rows: dict[int, list[dict]] = {}
            for c in page.chars:
                if c["upright"] and c["text"].strip():
                    rows.setdefault(round(c["matrix"][5]), []).append(c)   # the baseline
            for chars in rows.values():
                chars.sort(key=lambda c: c["x0"])
                for a, b in zip(chars, chars[1:]):
                    assert b["x0"] >= a["x1"] - 0.5, (page.page_number, a["text"], b["text"], a["x1"], b["x0"])


@pytest.mark.parametrize("tid", ONE_PAGE)
def test_one_page_documents_fit_one_page(rendered, tid):
    assert pages(rendered[tid][0]) == 1


@pytest.mark.parametrize("tid", TEMPLATES)
def test_docx_sets_east_asian_fonts(rendered, tid):
    assert_east_asian_fonts(rendered[tid][1])


@pytest.mark.parametrize("tid", TEMPLATES)
def test_org_profile_flows_in(rendered, tid):
    for text in texts(rendered[tid]):
        assert "翠湖花园" in text


@pytest.mark.parametrize("tid", ("parking-fee-dunning", "demand-letter", "final-notice", "arrears-public-list",
                                 "delivery-receipt"))
def test_dunning_never_threatens_utilities(rendered, tid):
    for text in texts(rendered[tid]):
        for word in THREATS:
            assert word not in text, (tid, word)


# ---------------------------------------------------------------- 车位使用费催缴通知单

def test_parking_fee_dunning(rendered):
    for text in texts(rendered["parking-fee-dunning"]):
        assert "车位使用费催缴通知单" in text
        assert "1栋0603房吉𠮷业主" in text
        assert "B2-086号车位" in text and "浙A·7K326" in text
        assert "CW-2026-11-0021" in text
        assert "截至2026年11月20日" in text
        assert "1,800.00" in text and "86.40" in text
        assert "1,886.40" in text                       # 1,800.00 + 86.40
        assert "人民币壹仟捌佰捌拾陆元肆角" in text
        assert "请您于2026年12月5日前" in text
        assert "翠湖花园物业服务中心" in text and "2026年11月23日" in text
    rows = docx_rows(rendered["parking-fee-dunning"][1])
    assert row_with(rows, "合计")[-1] == "1,886.40"
    assert row_with(rows, "大写")[1] == "人民币壹仟捌佰捌拾陆元肆角"


def test_parking_fee_dunning_for_a_non_resident(tmp_path):
    data = _sample("parking-fee-dunning", building=None, unit=None, due_date=None, deadline_days=10)
    for text in texts(_render(tmp_path, "parking-fee-dunning", data)):
        assert "吉𠮷车位使用人：" in text
        assert "业主：" not in text
        assert "收到本通知之日起十日内" in text


# ---------------------------------------------------------------- 催告函

def test_demand_letter(rendered):
    for text in texts(rendered["demand-letter"]):
        assert text.startswith("催告函")
        assert "6栋2201房欧阳喆业主" in text
        assert "CG-2026-11-0042" in text
        assert "截至2026年11月20日" in text
        assert "2026年10月15日向您发出缴费通知" in text
        assert "3,856.00" in text and "127.44" in text
        assert "3,983.44" in text                         # 3,856.00 + 127.44
        assert "人民币叁仟玖佰捌拾叁元肆角肆分" in text
        assert "《中华人民共和国民法典》第九百四十四条" in text
        assert "合理期限内支付" in text and "提起诉讼或者申请仲裁" in text
        assert "收到本函之日起七日内" in text
        assert "违约金" not in text                      # no contract rate given: no late fee
        assert "锦程物业服务有限公司" in text and "2026年11月23日" in text
        # the detachable receipt, under its cut line
        assert "沿此线剪下" in text and "送达回执" in text
        assert "《催告函》（编号：CG-2026-11-0042）" in text
        for word in ("直接送达", "留置送达", "邮寄送达", "电子送达", "与业主关系", "见证人签字", "拒收情况"):
            assert word in text
    pdf, docx = rendered["demand-letter"]
    # the receipt is not split from its cut line: both sit on the same page
    with pdfplumber.open(str(pdf)) as doc:
        page_texts = [re.sub(r"\s+", "", p.extract_text() or "") for p in doc.pages]
    receipt_pages = [i for i, t in enumerate(page_texts) if "拒收情况" in t]
    assert receipt_pages and all("沿此线剪下" in page_texts[i] for i in receipt_pages)
    rows = docx_rows(docx)
    assert row_with(rows, "合计")[-1] == "3,983.44"
    assert row_with(rows, "受送达人")[1] == "欧阳喆"


def test_demand_letter_deadline_and_no_receipt(tmp_path):
    data = _sample("demand-letter", due_date="2026-12-10", receipt=False, prior_notice=None)
    for text in texts(_render(tmp_path, "demand-letter", data)):
        assert "请于2026年12月10日前" in text
        assert "收到本函之日起" not in text
        assert "送达回执" not in text and "沿此线剪下" not in text
        assert "向您发出缴费通知" not in text


def test_demand_letter_deadline_days_parameter(tmp_path):
    data = _sample("demand-letter", deadline_days=15)
    for text in texts(_render(tmp_path, "demand-letter", data)):
        assert "收到本函之日起十五日内" in text


def test_demand_letter_late_fee_only_with_contract_rate(tmp_path):
    # 0.5‰ a day on 3,983.44 from 2026-10-06 to 2026-11-20 (45 days) = 89.6274 → 89.63
    data = _sample("demand-letter", late_fee_rate="0.5", late_fee_start="2026-10-06")
    pdf, docx = _render(tmp_path, "demand-letter", data)
    for text in (pdf_text(pdf), docx_text(docx)):
        assert "每日0.5‰支付违约金" in text
        assert "自2026年10月6日起计算至2026年11月20日，共45日" in text
        assert "违约金（日0.5‰）" in text and "2026-10-06～2026-11-20" in text and "45日" in text
        assert "89.63" in text
        assert "4,073.07" in text                         # 3,983.44 + 89.63: the sum of the shown lines
        assert "人民币肆仟零柒拾叁元零柒分" in text
    rows = docx_rows(docx)
    assert row_with(rows, "欠费小计")[-1] == "3,983.44"
    assert row_with(rows, "违约金（日0.5‰）")[1:] == ["2026-10-06～2026-11-20", "45日", "89.63"]
    assert row_with(rows, "合计")[-1] == "4,073.07"


@pytest.mark.parametrize("tid", ["fee-dunning-notice", "parking-fee-dunning", "demand-letter", "final-notice"])
def test_folded_lines_show_the_monthly_amount_in_every_level(tmp_path, tid):
    # Batch dunning folds consecutive months into one line and gives the amount per month: every
    # level of letter shows it, so the owner can check months x monthly = line.
    items = [{"item": "物业服务费", "period": "2026-04～2026-12", "months": 9, "monthly": "539.01",
              "amount": "4851.09"},
             {"item": "车位使用费", "period": "2026-08", "months": 1, "monthly": "187.25", "amount": "187.25"}]
    data = _sample(tid, items=items, late_fee_rate="0.5", late_fee_start="2026-10-06") \
        if tid in ("demand-letter", "final-notice") else _sample(tid, items=items)
    pdf, docx = _render(tmp_path, tid, data)
    rows = docx_rows(docx)
    assert rows[0][:5] == ["收费项目", "所属期间", "月数", "每月（元）", "欠费金额（元）"]
    assert row_with(rows, "物业服务费")[1:] == ["2026-04～2026-12", "9", "539.01", "4,851.09"]
    if tid in ("demand-letter", "final-notice"):
        # 0.5‰ a day on 5,038.34 from 2026-10-06 to 2026-11-20 (45 days) = 113.3627 → 113.36
        assert row_with(rows, "违约金（日0.5‰）")[1:] == ["2026-10-06～2026-11-20", "45日", "45日", "113.36"]
        assert row_with(rows, "欠费小计")[-1] == "5,038.34"
        total, upper = "5,151.70", "人民币伍仟壹佰伍拾壹元柒角"
    else:
        total, upper = "5,038.34", "人民币伍仟零叁拾捌元叁角肆分"
    assert row_with(rows, "合计")[-1] == total
    t = pdf_text(pdf)
    assert "物业服务费2026-04～2026-129539.014,851.09" in t and total in t and upper in t


def test_demand_letter_rate_without_start_states_the_rate_only(tmp_path):
    data = _sample("demand-letter", late_fee_rate="0.3")
    pdf, docx = _render(tmp_path, "demand-letter", data)
    for text in (pdf_text(pdf), docx_text(docx)):
        assert "每日0.3‰支付违约金" in text and "违约金计算至实际缴清之日" in text
        assert "欠费小计" not in text
        assert "3,983.44" in text


def test_demand_letter_rejects_a_negative_amount(tmp_path):
    data = _sample("demand-letter", items=[{"item": "物业服务费", "period": "2026-10", "amount": "-5"}])
    with pytest.raises(DataError) as e:
        _render(tmp_path, "demand-letter", data)
    assert "欠费金额" in str(e.value)


# ---------------------------------------------------------------- 最后通知

def test_final_notice(rendered):
    for text in texts(rendered["final-notice"]):
        assert "最后通知" in text
        assert "9栋0306房张堃业主" in text
        assert "ZH-2026-11-0007" in text
        assert "2026年8月12日、2026年9月28日先后向您发出《费用催缴通知单》《催告函》" in text
        assert "6,007.14" in text and "1,500.00" in text
        assert "7,507.14" in text
        # 0.5‰ × 7,507.14 × 45 days = 168.91065 → 168.91; total 7,676.05
        assert "168.91" in text and "7,676.05" in text and "2026-10-06～2026-11-20" in text
        assert "人民币柒仟陆佰柒拾陆元零伍分" in text
        assert "收到本通知之日起十日内" in text
        assert "委托滨江明理律师事务所向您发送律师函" in text
        assert "申请支付令" in text and "提起诉讼" in text
        assert "第九百四十四条" in text
        assert "送达回执" in text and "《最后通知》（编号：ZH-2026-11-0007）" in text


def test_final_notice_without_history_or_firm(tmp_path):
    data = _sample("final-notice", prior_notices=[], law_firm=None, late_fee_rate=None, receipt=False)
    for text in texts(_render(tmp_path, "final-notice", data)):
        assert "此前我们已多次提醒" in text
        assert "委托律师事务所向您发送律师函" in text
        assert "违约金" not in text and "送达回执" not in text
        assert "7,507.14" in text and "人民币柒仟伍佰零柒元壹角肆分" in text


# ---------------------------------------------------------------- 送达回执

def test_delivery_receipt(rendered):
    pdf, docx = rendered["delivery-receipt"]
    for text in (pdf_text(pdf), docx_text(docx)):
        assert "送达回执" in text
        assert "《催告函》（编号：CG-2026-11-0042）" in text
        assert "李赟" in text and "2栋0801房" in text
        # what happens at the door is written there by hand: the sample prefills no time, signer or relation
        assert "年月日时分" in text and "2026年11月24日" not in text
        assert "送达人：张堃" in text
        for word in ("送达方式", "送达时间", "签收人签字", "签收日期", "与业主关系", "送达人签字", "见证人签字",
                     "拒收情况", "送达单位", "（盖章）"):
            assert word in text
        assert "锦程物业服务有限公司" in text
    docx_all = docx_text(docx)
    assert "☑直接送达" in docx_all and "□留置送达" in docx_all and "□邮寄送达" in docx_all
    assert "□本人" in docx_all and "□配偶" in docx_all and "☑本人" not in docx_all


def test_delivery_receipt_blank_and_refused(tmp_path):
    blank = texts(_render(tmp_path, "delivery-receipt", {}, name="blank"))
    for text in blank:
        assert "《催告函》" in text and "年月日时分" in text
    assert not pdfcheck().check(tmp_path / "blank.pdf")["problems"]
    docx_blank = blank[1]
    assert "☑" not in docx_blank
    refused = {"document_title": "最后通知", "owner_name": "龚䶮", "building": "3栋", "unit": "1502",
               "method": "留置送达", "refusal_note": "业主在家但拒绝开门签收，文书已留置于入户门内，现场录像留存。",
               "server": "张堃", "witness": "社区网格员刘芳", "show_guide": False}
    pdf, docx = _render(tmp_path, "delivery-receipt", refused, name="refused")
    for text in (pdf_text(pdf), docx_text(docx)):
        assert "《最后通知》" in text and "龚䶮" in text and "3栋1502房" in text
        assert "拒绝开门签收" in text and "社区网格员刘芳" in text
        assert "填写说明" not in text
    assert "☑留置送达" in docx_text(docx)


# ---------------------------------------------------------------- 欠费公示

def test_arrears_public_list_masks_names(rendered):
    for text in texts(rendered["arrears-public-list"]):
        assert "欠费公示" in text
        assert "截至2026年11月20日" in text and "欠费已达六个月以上" in text
        assert "李*" in text and "龚*" in text and "欧阳**" in text and "张*" in text and "吉*" in text
        for full in ("李赟", "龚䶮", "欧阳娜娜", "欧阳喆", "张堃", "吉𠮷"):
            assert full not in text
        assert "2栋" in text and "0801" in text and "11栋" in text and "0202" in text
        assert "3,420.00" in text and "6,007.14" in text
        assert "6户" in text                              # one row per unit
        assert "依据《翠湖花园管理规约》第二十六条" in text
        assert "欠费项目" not in text and "2026-01～2026-10" not in text   # no fee detail on the board
        assert "25,257.84" in text
        assert "2026年12月15日前" in text
        assert "公示期：2026年11月25日至2026年12月15日" in text
    rows = docx_rows(rendered["arrears-public-list"][1])
    assert rows[0] == ["序号", "楼栋", "房号", "业主", "欠费金额（元）", "备注"]
    assert row_with(rows, "3")[3] == "欧阳**"
    assert row_with(rows, "合计")[-2] == "25,257.84"
    assert sum(Decimal(r[4].replace(",", "")) for r in rows[1:] if r[0].isdigit()) == Decimal("25257.84")
    assert len([r for r in rows[1:] if r[0].isdigit()]) == 6


def test_arrears_public_list_one_row_per_unit_and_needs_a_basis(tmp_path):
    rows = [{"building": "3栋", "unit": "1502", "owner_name": "龚䶮", "item": "物业服务费", "amount": "2,856.70"},
            {"building": "3栋", "unit": "1502", "owner_name": "龚䶮", "item": "车位使用费", "amount": "2,100.00"},
            {"building": "2栋", "unit": "0801", "owner_name": "李赟", "amount": "100.00"}]
    pdf, docx = _render(tmp_path, "arrears-public-list",
                        {"arrears": rows, "as_of": "2026-11-20", "basis": "2026年第一次业主大会决定"})
    table = docx_rows(docx)
    units = [r for r in table[1:] if r[0].isdigit()]
    assert [(r[1], r[2], r[4]) for r in units] == [("3栋", "1502", "4,956.70"), ("2栋", "0801", "100.00")]
    for text in (pdf_text(pdf), docx_text(docx)):
        assert "依据2026年第一次业主大会决定" in text and "2户" in text and "5,056.70" in text
        assert "车位使用费" not in text
    with pytest.raises(DataError) as e:
        _render(tmp_path, "arrears-public-list", {"arrears": rows, "as_of": "2026-11-20"}, name="nobasis")
    assert "公示依据" in e.value.describe()


def test_arrears_public_list_never_prints_phone_or_id(tmp_path):
    rows = [{"楼栋": "7栋", "房号": "1203", "业主姓名": "王大明", "收费项目": "物业服务费",
             "所属期间": "2026-01～2026-10", "欠费金额": "¥2,100.00",
             "联系电话": "13812345678", "身份证号": "330106198507120035", "phone": "13812345678"}]
    pdf, docx = _render(tmp_path, "arrears-public-list", {"arrears": rows, "as_of": "2026-11-20",
                                                           "basis": "《管理规约》第二十六条"})
    for text in (pdf_text(pdf), docx_text(docx)):
        assert "王**" in text and "王大明" not in text
        assert "13812345678" not in text and "5678" not in text
        assert "330106198507120035" not in text and "0035" not in text
        assert "1户" in text and "2,100.00" in text


# ---------------------------------------------------------------- 装饰装修申请表

def test_renovation_application(rendered):
    pdf, docx = rendered["renovation-application"]
    for text in (pdf_text_and_cells(pdf), docx_text(docx)):     # 计划工期 wraps at 至 in its cell
        assert "装饰装修申请表" in text
        assert "ZS-2026-0188" in text and "2026年11月18日" in text
        assert "翠湖花园5栋2603房" in text and "128.5" in text
        assert "欧阳喆" in text and "龚䶮" in text
        assert "滨江市安居装饰工程有限公司" in text and "D233018862" in text
        assert "吉𠮷" in text and "2026年11月25日至2027年2月28日" in text
        # the documents the national rules ask for
        for doc in ("房屋所有权证明", "身份证件", "装修设计方案", "相应资质设计单位出具的设计方案",
                    "资质证书", "业主同意装修的书面证明"):
            assert doc in text
        for desk in ("客服中心意见", "工程部意见", "物业服务中心主任意见"):
            assert desk in text
        assert "不拆改承重墙" in text
    t = docx_text(docx)
    assert "☑业主委托的使用人或代理人" in t and "□业主本人" in t
    assert "☑水电线路改造" in t and "☑木作家具" in t and "□空调安装" in t
    assert "☑不变动建筑主体和承重结构" in t
    rows = docx_rows(docx)
    assert row_with(rows, "4")[-1] == "□"        # structural design: not needed, not ticked
    assert row_with(rows, "6")[-1] == "☑"        # owner's consent: applicant is not the owner


def test_renovation_application_blank_form(tmp_path):
    pdf, docx = _render(tmp_path, "renovation-application", {}, name="blank")
    assert pages(pdf) == 1
    for text in (pdf_text(pdf), docx_text(docx)):
        assert "装饰装修申请表" in text and "提交资料清单" in text and "申请人承诺" in text
    t = docx_text(docx)
    assert "☑" not in t
    assert not pdfcheck().check(pdf)["problems"]


# ---------------------------------------------------------------- 装修施工责任承诺书

def test_renovation_undertaking(rendered):
    for text in texts(rendered["renovation-undertaking"]):
        assert "装修施工责任承诺书" in text
        assert "致翠湖花园物业服务中心" in text
        assert "滨江市安居装饰工程有限公司" in text and "5栋2603房" in text and "欧阳喆" in text
        assert "2026年11月25日至2027年2月28日" in text
        assert "承重墙" in text and "门窗洞口" in text and "防水层" in text and "外立面" in text
        assert "8:00—12:00，14:00—18:00" in text and "9:00—12:00，14:30—17:30" in text
        assert "地下车库B1层东侧装修垃圾临时堆放点" in text
        assert "不少于2具灭火器" in text and "动火" in text
        assert "赔偿责任" in text
        # one block per party: the contractor's with room for its seal, each with a signature and date
        assert "施工单位" in text and "（盖章）" in text and "施工负责人" in text and text.count("（签字）") >= 2
        assert "代表签字：" in text and text.count("日期：年月日") >= 3
        assert "吉𠮷电话：13905718826" in text


def test_renovation_undertaking_parameters(tmp_path):
    data = _sample("renovation-undertaking", hours="7:30—12:00，13:30—18:30", extinguishers=3)
    for text in texts(_render(tmp_path, "renovation-undertaking", data)):
        assert "每日7:30—12:00，13:30—18:30" in text and "不少于3具灭火器" in text


def test_renovation_undertaking_blank_form(tmp_path):
    pdf, docx = _render(tmp_path, "renovation-undertaking", {}, name="blank")
    assert pages(pdf) == 1
    for text in (pdf_text(pdf), docx_text(docx)):
        assert "致翠湖花园物业服务中心" in text and "承接业主" in text and "栋" in text
        assert "不少于2具灭火器" in text and "物业服务中心指定的装修垃圾临时堆放点" in text
    assert not pdfcheck().check(pdf)["problems"]


# ---------------------------------------------------------------- 装饰装修管理协议书

NINE = ("一、装修范围", "二、装修期限", "三、允许施工的时间", "四、装修垃圾的清运与处置", "五、外立面与防盗窗",
        "六、禁止行为和注意事项", "七、费用与押金", "八、违约责任", "九、其他约定")


def test_renovation_agreement(rendered):
    pdf, docx = rendered["renovation-agreement"]
    for text in (pdf_text(pdf), docx_text(docx)):
        assert "装饰装修管理协议书" in text and "ZX-XY-2026-0188" in text
        assert "甲方（物业服务人）：锦程物业服务有限公司" in text
        assert "乙方（业主）：欧阳喆" in text
        assert "丙方（施工单位）：滨江市安居装饰工程有限公司" in text
        for heading in NINE:
            assert heading in text
        assert "2026年11月25日起至2027年2月28日止，共96日" in text
        assert "8:00—12:00，14:00—18:00" in text
        assert "承重结构" in text and "门窗洞口" in text and "防水层" in text
        # fees: figures and 大写, total = 3,000.00 + 642.50 + 4 × 20.00 + 4 × 10.00
        assert "3,000.00" in text and "人民币叁仟元整" in text
        assert "642.50" in text and "人民币陆佰肆拾贰元伍角" in text
        assert "80.00" in text and "人民币捌拾元整" in text
        assert "40.00" in text and "人民币肆拾元整" in text
        assert "3,762.50" in text and "人民币叁仟柒佰陆拾贰元伍角" in text
        assert "十五日内无息全额退还" in text
        assert "一式三份" in text
        # one block per party: 甲方 and 丙方 with room for a seal (（盖章） without a seal image), 乙方 signs
        assert "甲方（物业服务人）" in text and "乙方（业主）" in text and "丙方（施工单位）" in text
        assert text.count("（盖章）") >= 2 and "（签字）" in text and "业主签字：" in text
        assert text.count("日期：2026年11月23日") == 3
    assert pages(pdf) >= 2
    rows = docx_rows(docx)
    assert row_with(rows, "合计")[2] == "3,762.50"


def test_renovation_agreement_two_parties_and_zero_fees(tmp_path):
    data = _sample("renovation-agreement", three_party=False, contractor=None, contractor_license=None,
                   foreman=None, foreman_phone=None, waste_fee=0, pass_count=2)
    for text in texts(_render(tmp_path, "renovation-agreement", data)):
        assert "丙方" not in text
        assert "一式两份" in text and "双方" in text
        assert "装修垃圾清运费" not in text                # a fee of 0 is not listed
        assert "20.00元/张×2张" in text and "40.00" in text
        assert "3,060.00" in text and "人民币叁仟零陆拾元整" in text


# ---------------------------------------------------------------- 装修出入证

def test_renovation_worker_pass(rendered):
    pdf, docx = rendered["renovation-worker-pass"]
    assert pdf_text(pdf).count("翠湖花园装修出入证") == 6      # 5 workers, the sixth card left blank
    assert docx_cells(docx).count("翠湖花园装修出入证") == 6
    for text in (pdf_text(pdf), docx_text(docx)):
        for name in ("吉𠮷", "张堃", "李赟", "王建国", "欧阳一鸣"):
            assert name in text
        assert "3301**********0035" in text and "3401**********601X" in text
        assert "330106198507120035" not in text
        assert "ZX-2026-0188-01" in text and "ZX-2026-0188-05" in text
        assert "ZX-2026-0188-06" not in text
        assert "5栋2603房" in text and "滨江市安居装饰工程有限公司" in text
        assert "2026年11月25日至2027年2月28日" in text
        assert "照片" in text and "翠湖花园物业服务中心（盖章）" in text
        assert "沿此线剪开" in text


def test_renovation_worker_pass_blank_sheet(tmp_path):
    pdf, docx = _render(tmp_path, "renovation-worker-pass", {}, name="blank")
    assert pages(pdf) == 1
    assert pdf_text(pdf).count("翠湖花园装修出入证") == 8
    assert docx_cells(docx).count("翠湖花园装修出入证") == 8
    pdf, docx = _render(tmp_path, "renovation-worker-pass", {"blank_cards": 12}, name="blank12")
    assert pages(pdf) == 2
    assert pdf_text(pdf).count("装修出入证") == 12
    assert not pdfcheck().check(pdf)["problems"]


# ---------------------------------------------------------------- 装修押金退款

def test_renovation_deposit_refund(rendered):
    pdf, docx = rendered["renovation-deposit-refund"]
    for text in (pdf_text(pdf), docx_text(docx)):
        assert "装修押金退款申请表" in text and "TY-2027-0031" in text
        assert "5栋2603房" in text and "欧阳喆" in text and "ZX-2026-0188" in text and "SJ-0045127" in text
        assert "2027年2月26日" in text
        assert "3,000.00" in text and "380.00" in text and "20.00" in text
        assert "400.00" in text
        assert "2,600.00" in text and "人民币贰仟陆佰元整" in text
        assert "发出4张，交回3张" in text
        for step in ("客服中心受理", "工程部完工检查", "客服中心核对", "财务部审核", "物业服务中心主任审批", "财务退款"):
            assert step in text
    rows = docx_rows(docx)
    refund = next(r for r in rows if re.sub(r"\s+", "", r[1]) == "应退金额")
    assert refund[2] == "2,600.00"
    assert "☑原路退回" in docx_text(docx)


def test_renovation_deposit_refund_deductions_over_deposit(tmp_path):
    data = _sample("renovation-deposit-refund", deposit="2000",
                   deductions=[{"item": "外墙空调孔封堵修复", "amount": "2,150.50", "note": "修复单 WX-0301"}])
    for text in texts(_render(tmp_path, "renovation-deposit-refund", data)):
        assert "2,150.50" in text
        assert "扣款超过押金，差额150.50元另行结算" in text
        # nothing is refunded: 应退 is 0.00 in figures, in words and in the finance step (the deposit's
        # own "2,000.00" must not stand in for it)
        assert "应退金额0.00" in text and "应退金额（大写）人民币零元整" in text and "应退0.00元" in text


def test_renovation_deposit_refund_blank_form(tmp_path):
    pdf, docx = _render(tmp_path, "renovation-deposit-refund", {}, name="blank")
    assert pages(pdf) == 1
    for text in (pdf_text(pdf), docx_text(docx)):
        assert "完工检查" in text and "押金结算" in text and "审批与退款" in text
        assert "承重墙" in text and "装修垃圾已清运" in text
        assert "人民币" not in text.replace("已退还人民币", "")
    assert "☑" not in docx_text(docx)
    assert not pdfcheck().check(pdf)["problems"]
