"""Office-tower (写字楼) templates: render every sample and blank pad, read them back, measure the hand cells,
check the tenant 交款通知书 to the fen and over a rent roll with `docgen batch`."""
from __future__ import annotations

import csv
import re
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pdfplumber
import pytest
from typer.testing import CliRunner

from docgen.cli import app

from docgen.api import render_one
from docgen.engine.filters import money, rmb_upper
from docgen.library.folders import Library

from .helpers import assert_east_asian_fonts, docx_text, pdf_text, pdf_text_and_cells, pdfcheck
from .test_evidence import MM, cell_of, _page_with

OFFICE = ["tenant-move-in-notice", "tenant-move-in-pack-receipt", "tenant-info-sheet", "tenant-signatories",
          "tenant-staff-id-cards", "tenant-directory-board", "office-unit-handover", "tenant-move-out-clearance",
          "goods-release-slip", "tenant-payment-notice", "fitout-site-safety-agreement", "office-fitout-permit",
          "returned-mail-log"]
NOT_PADS = {"tenant-move-in-notice", "tenant-payment-notice"}
PADS = [t for t in OFFICE if t not in NOT_PADS]
MARKUP_LEFTOVERS = ("##", ":::", ":box", ":blank", ":br", "{.", "{h=", "None", "{{", "{%")


def _squash(s: str) -> str:
    return re.sub(r"[\s\u2060]+", "", s)


def _pair(files) -> tuple[Path, Path]:
    return next(p for p in files if p.suffix == ".pdf"), next(p for p in files if p.suffix == ".docx")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Every office template from its sample: id -> (pdf, docx)."""
    out = tmp_path_factory.mktemp("office")
    return {tid: _pair(render_one(tid, use_sample=True, out=out / tid, fmt="both")) for tid in OFFICE}


@pytest.fixture(scope="module")
def blanks(tmp_path_factory):
    """Every office form printed blank: id -> (pdf, docx)."""
    out = tmp_path_factory.mktemp("office_blank")
    return {tid: _pair(render_one(tid, blank=True, out=out / tid, fmt="both")) for tid in PADS}


def _texts(files) -> tuple[str, str]:
    pdf, docx = files
    return pdf_text_and_cells(pdf), docx_text(docx)


def _assert_in_both(files, tid, *needles):
    """Each needle in the PDF and the DOCX; a ☑/☐ is text in the DOCX and a drawn box in the PDF."""
    ptxt, dtxt = _texts(files)
    for n in needles:
        n = _squash(n)
        assert n.lstrip("☑☐□") in ptxt, f"{tid}: PDF lacks {n!r}"
        assert n in dtxt, f"{tid}: DOCX lacks {n!r}"


def _assert_in_neither(files, tid, *needles):
    ptxt, dtxt = _texts(files)
    for n in needles:
        n = _squash(n)
        assert n not in ptxt and n not in dtxt, f"{tid}: prints {n!r}"


# ---------------------------------------------------------------- the group as a whole

def test_office_templates_are_listed_under_their_own_category():
    lib = Library()
    group = sorted(t.id for t in lib.all() if t.category == "写字楼")
    assert group == sorted(OFFICE)
    for tid in OFFICE:
        tpl = lib.get(tid)
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", tid) and re.search(r"[\u4e00-\u9fff]", tpl.title)
        assert tpl.pad == (tid not in NOT_PADS), tid


def test_docgen_list_shows_the_category(tmp_path):
    r = subprocess.run([sys.executable, "-m", "docgen.cli", "list", "--json"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    for tid in OFFICE:
        assert f'"{tid}"' in r.stdout
    assert "写字楼" in r.stdout


@pytest.mark.parametrize("tid", OFFICE)
def test_sample_renders_in_both_formats_clean(rendered, tid):
    pdf, docx = rendered[tid]
    assert not pdfcheck().check(str(pdf))["problems"], tid
    assert_east_asian_fonts(docx)
    for text in _texts(rendered[tid]):
        for bad in MARKUP_LEFTOVERS:
            assert bad not in text, f"{tid}: leftover {bad!r}"
    with pdfplumber.open(str(pdf)) as doc:
        pages = len(doc.pages)
    assert pages == (2 if tid == "fitout-site-safety-agreement" else 1), f"{tid}: {pages} pages"


@pytest.mark.parametrize("tid", PADS)
def test_blank_pad_is_clean_and_carries_no_sample(blanks, tid):
    pdf, docx = blanks[tid]
    assert not pdfcheck().check(str(pdf))["problems"], tid
    assert_east_asian_fonts(docx)
    ptxt, dtxt = _texts(blanks[tid])
    sample = Library().get(tid).sample
    for key in ("tenant", "contractor", "applicant", "receiver", "safety_officer", "licence_no"):
        if key in sample:
            v = _squash(str(sample[key]))
            assert v not in ptxt and v not in dtxt, f"{tid}: blank pad prints the sample's {key}"
    for bad in MARKUP_LEFTOVERS:
        assert bad not in ptxt and bad not in dtxt, f"{tid}: leftover {bad!r}"
    assert "年月日" in ptxt or tid == "returned-mail-log"     # dates left to write by hand
    with pdfplumber.open(str(pdf)) as doc:
        assert len(doc.pages) == (2 if tid == "fitout-site-safety-agreement" else 1), tid
        assert not [i for p in doc.pages for i in p.images]


# ---------------------------------------------------------------- one by one

def test_tenant_move_in_notice(rendered):
    files = rendered["tenant-move-in-notice"]
    _assert_in_both(files, "tenant-move-in-notice", "租户入住通知", "各部门：", "滨江晨曦数据科技有限公司",
                    "18层1801—1805单元", "612.40平方米", "2027年1月4日（星期一）", "2026年12月7日",
                    "客服部", "工程部", "保安部", "保洁部", "财务部", "部门签收", "抄录水、电、空调计量表读数",
                    "龚䶮", "KF-TZ-2026-047", "2026年11月26日")


def test_tenant_move_in_notice_defaults_each_department(tmp_path):
    data = dict(Library().get("tenant-move-in-notice").sample)
    del data["departments"]
    files = _pair(render_one("tenant-move-in-notice", data=data, out=tmp_path / "n", fmt="both"))
    _assert_in_both(files, "tenant-move-in-notice", "客服部", "工程部", "保安部", "保洁部", "财务部",
                    "开具首期费用和押金的交款通知书")


def test_move_in_pack_receipt(rendered, blanks):
    files = rendered["tenant-move-in-pack-receipt"]
    _assert_in_both(files, "tenant-move-in-pack-receipt", "租户入住资料签收表", "《写字楼用户手册》", "1册",
                    "入户门钥匙", "6把", "门禁卡（临时）", "4张", "签字盖章后交回一份", "租户经办人签字",
                    "物业经办人签字", "租户盖章", "2026年12月4日")
    # the blank pad lists the standard pack with the counts left to write
    _assert_in_both(blanks["tenant-move-in-pack-receipt"], "blank", "《写字楼用户手册》", "《消防安全责任书》",
                    "《签字有效人员确认表》", "物业服务中心联系卡")


def test_tenant_info_sheet(rendered):
    _assert_in_both(rendered["tenant-info-sheet"], "tenant-info-sheet", "租户入住资讯表",
                    "91330108MA2K7Q3X5D", "BinjiangChenxiDataTechnologyCo.,Ltd.", "法定代表人", "欧阳喆",
                    "86人", "周一至周五9:00—18:00", "紧急联系人", "吉𠮷", "IT运维经理", "13905718826",
                    "0571-87023316", "24小时运行的服务器间", "租户盖章")


def test_signatories_print_id_tail_only_and_leave_specimens_empty(rendered, tmp_path):
    files = rendered["tenant-signatories"]
    _assert_in_both(files, "tenant-signatories", "租户签字有效人员确认表", "签字样本", "0031", "0418", "001X",
                    "☑物品放行", "至本公司书面通知变更时止", "法定代表人：欧阳喆", "法定代表人签字", "租户盖章")
    _assert_in_neither(files, "tenant-signatories", "330106198804120031", "33010519900321001X")
    with pdfplumber.open(str(files[0])) as doc:
        table = next(t for t in doc.pages[0].find_tables() if "签字样本" in _squash(str(t.extract()[0])))
        rows = table.extract()
        assert _squash(rows[0][-1]) == "签字样本" and len(rows) == 5
        for row, cells in zip(rows[1:], table.rows[1:]):
            assert not (row[-1] or "").strip(), f"typed text in the specimen cell: {row[-1]}"
            assert (cells.bbox[3] - cells.bbox[1]) / MM >= 12.0, cells.bbox     # room to sign


def test_staff_id_cards_totals_and_photo_slots(rendered):
    files = rendered["tenant-staff-id-cards"]
    # 4 cards × 50.00 deposit + 4 × 20.00 fee
    _assert_in_both(files, "tenant-staff-id-cards", "租户员工身份卡登记表", "押金50.00元/张，工本费20.00元/张",
                    "本次办卡4张，押金200.00元，工本费80.00元，合计280.00元（人民币贰佰捌拾元整）",
                    "A18-0002", "司马赟", "001X", "领卡人签字")
    _assert_in_neither(files, "tenant-staff-id-cards", "33010519900321001X")
    pdf = files[0]
    doc, page = _page_with(pdf, "贴照片处")
    try:
        l, t, r, b = cell_of(page, "贴照片处")
        assert (b - t) / MM >= 35.0 and (r - l) / MM >= 25.0, ((b - t) / MM, (r - l) / MM)   # a 1-inch photo
    finally:
        doc.close()


def test_staff_id_cards_fee_is_a_parameter(tmp_path):
    data = dict(Library().get("tenant-staff-id-cards").sample, card_deposit="0", card_fee="15.50")
    files = _pair(render_one("tenant-staff-id-cards", data=data, out=tmp_path / "c", fmt="both"))
    _assert_in_both(files, "fee", "工本费15.50元/张", "工本费62.00元，合计62.00元（人民币陆拾贰元整）")
    _assert_in_neither(files, "fee", "押金")


def test_directory_board(rendered):
    files = rendered["tenant-directory-board"]
    _assert_in_both(files, "tenant-directory-board", "租户水牌申请表", "晨曦数据科技", "ChenxiDataTechnology",
                    "18层1801—1805", "☑大堂总水牌", "☑楼层水牌", "☑新增", "□更改", "80.00元/块", "营业执照核对",
                    "主管审批意见", "主管签字", "申请人签字")
    doc, page = _page_with(files[0], "申请人签字")
    try:
        for label in ("申请人签字", "客服经办签字", "主管签字", "租户确认签字"):
            l, t, r, b = cell_of(page, label)
            assert (b - t) / MM >= 12.0 - 0.05, (label, (b - t) / MM)
            l, t, r, b = cell_of(page, label, "value")
            assert not "".join(c["text"] for c in page.chars if l < c["x0"] < r and t < c["top"] < b).strip()
    finally:
        doc.close()


def test_unit_handover(rendered, blanks):
    files = rendered["office-unit-handover"]
    _assert_in_both(files, "office-unit-handover", "房屋交验表", "写字楼单元入住交付", "612.40㎡", "☑简装",
                    "喷淋头、烟感探测器", "1803窗边两块吊顶板水渍，需更换", "DB-A18-01", "1286.4", "kWh",
                    "空调计量表", "5120", "玻璃门钥匙", "门禁卡", "2026年12月11日前整改完毕", "交付方",
                    "接收方", "（盖章）", "起租计费")
    _assert_in_both(blanks["office-unit-handover"], "blank", "架空地板", "电表", "水表", "空调计量表",
                    "入户门钥匙", "（盖章）")


def test_unit_handover_for_move_out_swaps_the_parties(tmp_path):
    data = dict(Library().get("office-unit-handover").sample, purpose="退租交还")
    pdf, docx = _pair(render_one("office-unit-handover", data=data, out=tmp_path / "o", fmt="both"))
    text = pdf_text_and_cells(pdf)
    assert "写字楼单元退租交还" in text and "退租结算" in text
    assert text.index("交付方（租户）") < text.index("接收方（物业服务中")


def test_move_out_clearance(rendered):
    files = rendered["tenant-move-out-clearance"]
    _assert_in_both(files, "tenant-move-out-clearance", "退租核签表", "滨江远帆国际贸易有限公司", "12层1206单元",
                    "2026年12月26日", "18:30—22:00", "2号货梯（载重2吨）", "浙A·7K326", "搬出物品清单",
                    "台式电脑及显示器", "20", "档案纸箱", "36", "部门核签", "客服部", "工程部", "保安部", "财务部",
                    "单元已按租赁合同恢复原状", "租金、物业管理费已结清至", "以上四个部门均已签字",
                    "未全部签字的，不予放行", "服务中心主管签字", "（盖章）")
    doc, page = _page_with(files[0], "部门核签")
    try:
        for dept in ("客服部", "工程部", "保安部", "财务部"):
            l, t, r, b = cell_of(page, dept)
            assert (b - t) / MM >= 12.0 - 0.05, (dept, (b - t) / MM)
    finally:
        doc.close()


def test_move_out_date_after_lease_end_is_reported(tmp_path):
    from docgen.errors import DataError
    data = dict(Library().get("tenant-move-out-clearance").sample, move_date="2027-01-05")
    with pytest.raises(DataError) as e:
        render_one("tenant-move-out-clearance", data=data, out=tmp_path / "x", fmt="pdf")
    assert "搬迁日期" in e.value.describe() and "move_date" in e.value.describe()


def test_goods_release_slip_three_copies_with_cut_lines(rendered, blanks):
    for files, name in ((rendered["goods-release-slip"], "sample"), (blanks["goods-release-slip"], "blank")):
        for text in (pdf_text(files[0]), docx_text(files[1])):
            assert text.count("沿此线剪开") == 2, name
            for copy in ("存根联·服务中心留存", "门岗联·门岗保安留存", "租户联·租户留存"):
                assert copy in text, (name, copy)
            assert text.count("门岗核对") == 1
        with pdfplumber.open(str(files[0])) as doc:
            assert len(doc.pages) == 1
    _assert_in_both(rendered["goods-release-slip"], "goods-release-slip", "FX-2026-12-0058",
                    "2026年12月15日19:30", "浙A·5D209", "☑维修", "服务器（机架式，序列号CX-SV-0712）", "2台",
                    "不间断电源", "3箱", "吉𠮷", "王晓", "审批人签字")
    assert pdf_text(rendered["goods-release-slip"][0]).count("FX-2026-12-0058") == 3   # one number, three copies
    doc, page = _page_with(rendered["goods-release-slip"][0], "申请人签字")
    try:
        l, t, r, b = cell_of(page, "申请人签字")
        assert (b - t) / MM >= 12.0 - 0.05
        l, t, r, b = cell_of(page, "申请人签字", "value")
        assert not "".join(c["text"] for c in page.chars if l < c["x0"] < r and t < c["top"] < b).strip()
    finally:
        doc.close()


def test_goods_release_slip_refuses_more_items_than_it_prints(tmp_path):
    from docgen.errors import DataError
    data = dict(Library().get("goods-release-slip").sample)
    data["items"] = [{"name": f"纸箱{i}", "count": 1} for i in range(5)]
    with pytest.raises(DataError) as e:
        render_one("goods-release-slip", data=data, out=tmp_path / "x", fmt="pdf")
    assert "最多印四项" in e.value.describe()


def test_fitout_safety_agreement(rendered):
    files = rendered["fitout-site-safety-agreement"]
    _assert_in_both(files, "fitout-site-safety-agreement", "装饰装修现场安全协议", "现场安全负责人", "司马赟",
                    "动火许可证", "至少提前一个工作日", "1,000,000.00元（人民币壹佰万元整）", "每50平方米至少一具",
                    "本单元至少13具", "不得拆除、遮蔽、移动喷淋头、烟感探测器", "5,000.00元（人民币伍仟元整）",
                    "甲方", "乙方", "丙方", "滨江市安居装饰工程有限公司", "（盖章）", "2026年12月4日")


def test_fitout_safety_agreement_parameters(tmp_path):
    data = dict(Library().get("fitout-site-safety-agreement").sample, insurance="0", safety_deposit="0",
                extinguisher_area=100, hot_work_days=2)
    files = _pair(render_one("fitout-site-safety-agreement", data=data, out=tmp_path / "a", fmt="both"))
    _assert_in_both(files, "params", "每100平方米至少一具", "本单元至少7具", "至少提前二个工作日")
    _assert_in_neither(files, "params", "安全保证金5", "壹佰万")


def test_office_fitout_permit(rendered):
    _assert_in_both(rendered["office-fitout-permit"], "office-fitout-permit", "装修施工许可证", "写字楼",
                    "ZXXK-A18-2026-009", "18层1801—1805单元", "司马赟", "2026年12月7日至2026年12月30日",
                    "工作日19:00—次日7:00，周六、周日全天", "动火作业须另办动火许可证", "☑施工人员意外险",
                    "翠湖花园物业服务中心", "2026年12月5日")


def test_returned_mail_log(rendered, blanks):
    _assert_in_both(rendered["returned-mail-log"], "returned-mail-log", "特殊邮件退信表", "2026年12月",
                    "挂号信", "包裹", "汇款单", "XA7120345581 6", "迁移新址不明", "地址不详", "原址查无此人",
                    "滨江市南湖区人民法院", "12月3日", "审批人", "邮局（快递）签收")
    ptxt, dtxt = _texts(blanks["returned-mail-log"])
    assert "13" in ptxt and "原址查无此人" in ptxt and "迁移新址不明" in ptxt and "地址不详" in ptxt


# ---------------------------------------------------------------- seal over the office's own block only

@pytest.mark.parametrize("tid", ("office-unit-handover", "tenant-move-out-clearance", "fitout-site-safety-agreement"))
def test_office_seal_lands_in_its_own_block_and_covers_nothing(tmp_path, tid):
    from .sealcheck import seal_boxes, seal_findings
    from .test_seal import make_seal
    make_seal(tmp_path / "seal.png")
    prof = tmp_path / "docgen.toml"
    prof.write_text('[org]\nseal = "seal.png"\n', encoding="utf-8")
    pdf = render_one(tid, use_sample=True, out=tmp_path / "s", profile_path=prof, fmt="pdf")[0]
    boxes = seal_boxes(pdf)
    assert len(boxes) == 1 and abs((boxes[0][1][2] - boxes[0][1][0]) - 42 * MM) < 0.5
    assert not seal_findings(pdf, [])
    blank = render_one(tid, blank=True, out=tmp_path / "b", profile_path=prof, fmt="pdf")[0]
    assert not seal_boxes(blank) and "（盖章）" in pdf_text_and_cells(blank)


# ---------------------------------------------------------------- 交款通知书: amounts to the fen

def _fen(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _expected_lines(area, rent, mgmt, months, readings) -> list[Decimal]:
    lines = []
    if rent:
        lines.append(_fen(Decimal(area) * Decimal(rent) * months))
    if mgmt:
        lines.append(_fen(Decimal(area) * Decimal(mgmt) * months))
    for prev, curr, price in readings:
        lines.append(_fen((Decimal(curr) - Decimal(prev)) * Decimal(price)))
    return lines


def test_payment_notice_amounts_to_the_fen(rendered):
    files = rendered["tenant-payment-notice"]
    lines = _expected_lines("612.37", "118.50", "26.80", 3, [("37.2", "102.6", "5.20"),
                                                               ("23865.2", "25311.6", "1.0135"),
                                                               ("5120", "9876.5", "0.95")])
    lines.append(Decimal("1308.45"))                              # 上期欠费
    # rounded per line: 217,697.535 → .54, 49,234.548 → .55, 1,465.9264 → .93, 4,518.675 → .68
    assert lines == [Decimal("217697.54"), Decimal("49234.55"), Decimal("340.08"), Decimal("1465.93"),
                     Decimal("4518.68"), Decimal("1308.45")]
    total = sum(lines)
    assert total == Decimal("274565.23")
    _assert_in_both(files, "tenant-payment-notice", *[money(x) for x in lines], money(total),
                    "人民币贰拾柒万肆仟伍佰陆拾伍元贰角叁分", "612.37㎡×118.50元/㎡·月×3个月",
                    "1446.4kWh×1.0135元/kWh", "2027年1月至2027年3月", "2027年1月10日前", "上期欠费",
                    "3305016172800000 0815")
    assert rmb_upper(total) == "人民币贰拾柒万肆仟伍佰陆拾伍元贰角叁分"


def test_payment_notice_leaves_out_what_is_not_charged(tmp_path):
    data = dict(Library().get("tenant-payment-notice").sample, rent_rate="0", period_end="2027-01")
    for k in ("water_prev", "water_curr", "ac_prev", "ac_curr", "arrears"):
        data.pop(k)
    files = _pair(render_one("tenant-payment-notice", data=data, out=tmp_path / "p", fmt="both"))
    mgmt = _fen(Decimal("612.37") * Decimal("26.80"))             # 16,411.516 → 16,411.52
    power = _fen(Decimal("1446.4") * Decimal("1.0135"))
    total = mgmt + power
    _assert_in_both(files, "one month", money(mgmt), money(power), money(total), rmb_upper(total),
                    "612.37㎡×26.80元/㎡·月×1个月", "2027年1月应缴费用")
    _assert_in_neither(files, "one month", "租金", "水费", "空调能耗费", "上期欠费")


def test_payment_notice_batch_over_a_rent_roll(tmp_path):
    roll = tmp_path / "租户台账.csv"
    rows = [
        # 租户名称, 楼层单元, 计费面积, 起始月, 截止月, 租金单价, 物业管理费单价, 电表上期, 电表本期
        ("滨江晨曦数据科技有限公司", "18层1801—1805单元", "612.37", "2027-01", "2027-03", "118.50", "26.80",
         "23865.2", "25311.6"),
        ("滨江远帆国际贸易有限公司", "12层1206单元", "145.08", "2027-01", "2027-01", "0", "26.80", "8001.3",
         "8347.9"),
        ("滨江青禾律师事务所", "9层0902单元", "233.33", "2027-01", "2027-03", "96.00", "26.80", "500", "420"),
    ]
    with roll.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["租户名称", "楼层单元", "计费面积", "计费起始月", "计费截止月", "租金单价", "物业管理费单价",
                    "电表上期读数", "电表本期读数", "缴款期限"])
        for r in rows:
            w.writerow([*r, "2027-01-10"])
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["batch", "tenant-payment-notice", "--data", str(roll), "--out", str(out),
                                 "--set", "issue_date=2026-12-28", "--jobs", "1"])
    # the third row's power reading runs backwards: reported by row and field, never printed
    assert r.exit_code == 1, r.output
    with (out / "manifest.csv").open(encoding="utf-8-sig") as f:
        manifest = list(csv.DictReader(f))
    assert [m["status"] for m in manifest] == ["ok", "ok", "error"]
    assert "第 4 行" in manifest[2]["message"] and "power_curr" in manifest[2]["message"]
    for row, m in zip(rows[:2], manifest[:2]):
        tenant, unit, area, p1, p2, rent, mgmt, prev, curr = row
        months = (int(p2[:4]) * 12 + int(p2[5:])) - (int(p1[:4]) * 12 + int(p1[5:])) + 1
        lines = _expected_lines(area, Decimal(rent), mgmt, months, [(prev, curr, "1.0135")])
        total = sum(lines)
        text = pdf_text_and_cells(out / m["output"])
        assert _squash(tenant) in text and _squash(unit) in text
        for x in lines:
            assert money(x) in text, (tenant, x)
        assert money(total) in text and rmb_upper(total) in text, (tenant, total)
    assert len(list(out.glob("*.pdf"))) == 2
