"""Front-desk registers and daily records, rectification notice, and training evaluation (issue 18):
render the samples and the blank pads, read them back, measure the writing cells, and fill the training
forms from what `docgen exam grade` writes."""
from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest
from docx import Document as read_docx

from docgen.api import render_one
from docgen.errors import DataError
from docgen.library.folders import Library

from .helpers import assert_east_asian_fonts, docx_text, pdf_text, pdf_text_and_cells, pdfcheck, render_pair
from .test_evidence import cell_of
from .test_seal import make_seal

REGISTERS = ["visitor-log", "parcel-log", "umbrella-loan-log", "computer-use-log", "work-order-register",
             "callback-record"]
RECORDS = ["shift-handover", "satisfaction-survey", "rectification-notice", "dept-liaison", "incident-record",
           "leave-request"]
TRAINING = ["training-assessment", "training-summary"]
DESK = REGISTERS + RECORDS + TRAINING
MM = 72 / 25.4
THREATS = ("停水", "停电", "断水", "断电", "停暖", "停气", "停止供水", "停止供电", "限制供")


def _squash(s: str) -> str:
    return re.sub(r"[\s\u2060]+", "", s)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Every template of this group from its sample: id -> (pdf, docx)."""
    out = tmp_path_factory.mktemp("desk")
    return {tid: render_pair(out, tid) for tid in DESK}


@pytest.fixture(scope="module")
def blanks(tmp_path_factory):
    """Every template of this group as a blank pad: id -> (pdf, docx)."""
    out = tmp_path_factory.mktemp("desk-blank")
    return {tid: render_pair(out, tid, blank=True) for tid in DESK}


def _both(files) -> tuple[str, str]:
    pdf, docx = files
    return _squash(pdf_text_and_cells(pdf)), docx_text(docx)


def _assert_in_both(files, *needles):
    ptxt, dtxt = _both(files)
    for n in needles:
        n = _squash(n)
        assert n in ptxt, f"{files[0].name}: PDF lacks {n!r}"
        assert n in dtxt, f"{files[1].name}: DOCX lacks {n!r}"


def _table_with(docx_path, header_text):
    """The first DOCX table whose first row contains header_text."""
    for t in read_docx(str(docx_path)).tables:
        if header_text in _squash("".join(c.text for c in t.rows[0].cells)):
            return t
    raise AssertionError(f"no table with header {header_text!r}")


def _header(table) -> list[str]:
    return [_squash(c.text) for c in table.rows[0].cells]


def _render(tid, data, tmp_path, name=None, **kw):
    written = render_one(tid, data=data, out=tmp_path / (name or tid), fmt="both", **kw)
    return next(p for p in written if p.suffix == ".pdf"), next(p for p in written if p.suffix == ".docx")


def _pages(pdf) -> int:
    with pdfplumber.open(str(pdf)) as doc:
        return len(doc.pages)


# ---------------------------------------------------------------- every template of the group

def test_listed_under_a_category_and_printable_blank():
    lib = Library()
    for tid in DESK:
        tpl = lib.get(tid)
        assert tpl.pad, tid
        assert tpl.category == ("培训" if tid in TRAINING else "表单"), (tid, tpl.category)
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", tid)
        assert re.search(r"[\u4e00-\u9fff]", tpl.title)


def test_docgen_list_shows_them(tmp_path):
    r = subprocess.run([sys.executable, "-m", "docgen.cli", "list", "--json"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    listed = {t["id"]: t for t in json.loads(r.stdout)}
    for tid in DESK:
        assert tid in listed, tid
    assert listed["visitor-log"]["title"] == "访客登记表"
    assert listed["training-summary"]["category"] == "培训"


@pytest.mark.parametrize("tid", DESK)
def test_sets_east_asian_fonts(rendered, blanks, tid):
    assert_east_asian_fonts(rendered[tid][1])
    assert_east_asian_fonts(blanks[tid][1])


@pytest.mark.parametrize("tid", DESK)
def test_pdfcheck_clean_and_one_page(rendered, blanks, tid):
    for pdf in (rendered[tid][0], blanks[tid][0]):
        report = pdfcheck().check(Path(pdf))
        assert not report["problems"], (pdf.name, report["problems"])
        assert _pages(pdf) == 1, pdf.name


@pytest.mark.parametrize("tid", DESK)
def test_org_profile_flows_in(rendered, tid):
    ptxt, dtxt = _both(rendered[tid])
    assert "翠湖花园物业服务中心" in ptxt and "翠湖花园物业服务中心" in dtxt


@pytest.mark.parametrize("tid", DESK)
def test_blank_pad_prints_no_sample_value(blanks, tid):
    """A pad carries nothing of the sample: no names, no record rows, no ticks."""
    tpl = Library().get(tid)
    ptxt, dtxt = _both(blanks[tid])
    for name in ("张堃", "龚䶮", "欧阳喆", "吉𠮷", "李赟", "刘敏", "赵磊"):
        assert name not in ptxt and name not in dtxt, (tid, name)
    assert "☑" not in dtxt and "None" not in dtxt and "None" not in ptxt
    body = _squash((Path(tpl.folder) / "body.md").read_text(encoding="utf-8"))
    for f in tpl.schema.fields:
        v = tpl.sample.get(f.name)
        if (isinstance(v, str) and len(v) >= 2 and f.default is None and f.type in ("string", "text", "phone")
                and _squash(v) not in body):
            assert _squash(v) not in dtxt and _squash(v) not in ptxt, (tid, f.name)


# ---------------------------------------------------------------- registers: hand columns, 12 mm rows, privacy

SIGNATURE_COLUMNS = {
    "visitor-log": ["访客签字"],
    "parcel-log": ["领取人签字"],
    "umbrella-loan-log": ["借用人签字", "归还人签字"],
    "computer-use-log": ["使用人签字", "管理人确认"],
}


@pytest.mark.parametrize("tid", list(SIGNATURE_COLUMNS))
def test_register_signature_columns_stay_empty_for_the_hand(rendered, tid):
    pdf, docx = rendered[tid]
    table = read_docx(str(docx)).tables[0]
    header = _header(table)
    for col in SIGNATURE_COLUMNS[tid]:
        i = header.index(col)
        assert all(r.cells[i].text == "" for r in table.rows[1:]), f"{tid}: typed text in {col}"


@pytest.mark.parametrize("tid", REGISTERS)
def test_register_rows_are_at_least_12mm(rendered, blanks, tid):
    """Each register row leaves 12 mm to write and sign in, in the PDF as a ruler measures it and in the DOCX."""
    from docx.shared import Mm
    for pdf, docx in (rendered[tid], blanks[tid]):
        with pdfplumber.open(str(pdf)) as doc:
            page = doc.pages[0]
            table = max(page.find_tables(), key=lambda t: len(t.rows))
            heights = [(r.bbox[3] - r.bbox[1]) / MM for r in table.rows[1:]]
        assert len(heights) >= 9, (tid, len(heights))
        assert min(heights) >= 12 - 0.05, f"{tid}: a row is {min(heights):.1f} mm"
        t = read_docx(str(docx)).tables[0]
        for row in t.rows[1:]:
            assert row.height is not None and row.height >= Mm(12), tid


def test_visitor_log(rendered):
    _assert_in_both(rendered["visitor-log"], "访客登记表", "岗位：南门岗", "日期：2026年11月24日", "9:12", "欧阳喆",
                    "3栋1502业主之子", "探望父母", "11:40", "郑澍", "浙A·7K2M9", "上门测量定制橱柜", "吉𠮷",
                    "宽带安装", "登记证件号码后四位")
    table = read_docx(str(rendered["visitor-log"][1])).tables[0]
    i = _header(table).index("证件号后四位")
    assert [table.rows[n].cells[i].text for n in (1, 2, 3)] == ["0031", "2215", "642X"]
    for full in ("330106198804120031", "330104199307262215", "33010219850903642X"):
        assert full not in _both(rendered["visitor-log"])[0] and full not in _both(rendered["visitor-log"])[1]
    assert len(table.rows) == 1 + 11


def test_visitor_log_prints_the_day_when_a_visit_runs_past_midnight(tmp_path):
    data = {"date": "2026-11-24", "entries": [{"arrived": "2026-11-24 22:10", "visitor": "郑澍", "host": "2栋0801",
                                               "left": "2026-11-25 00:30"}]}
    pdf, docx = _render("visitor-log", data, tmp_path)
    assert "22:10" in docx_text(docx) and "11月25日0:30" in docx_text(docx)


def test_parcel_log(rendered):
    _assert_in_both(rendered["parcel-log"], "快递/包裹代收登记表", "登记月份：2026年11月", "顺丰速运", "0719",
                    "张堃", "2栋0801", "11月23日18:42", "中通快递", "2281", "破损", "外箱一角压扁，已当面拍照",
                    "京东物流", "3615", "家人代领（配偶）", "贵重物品、生鲜及到付件不代收")
    txt = _both(rendered["parcel-log"])
    assert "SF140633820719" not in txt[0] and "SF140633820719" not in txt[1]


def test_umbrella_loan_log(rendered):
    _assert_in_both(rendered["umbrella-loan-log"], "爱心伞借用登记表", "AX-07", "欧阳喆", "3栋1502", "13757106632",
                    "11月25日19:20", "AX-12", "吉𠮷", "11月26日8:05", "AX-03", "访客（找4栋1106）",
                    "伞骨一根松动，已提醒", "请于3天内归还前台")
    pdf, docx = _render("umbrella-loan-log", {"return_days": 7}, Path(rendered["umbrella-loan-log"][0]).parent)
    assert "请于7天内归还前台" in docx_text(docx)


def test_computer_use_log(rendered):
    _assert_in_both(rendered["computer-use-log"], "电脑使用登记表", "PC-02（服务中心资料室）", "管理人：刘敏",
                    "11月23日", "9:00", "10:30", "打印设备维保记录", "李赟", "核对11月收费台账",
                    "拷贝台账至部门加密U盘", "鼠标失灵，已报工程部", "不得拷贝到个人存储设备")
    table = read_docx(str(rendered["computer-use-log"][1])).tables[0]
    h = _header(table)
    assert [table.rows[n].cells[h.index("拷贝资料")].text for n in (1, 2, 3)] == ["否", "是", "否"]
    assert table.rows[3].cells[h.index("设备状况")].text == "异常"
    assert table.rows[4].cells[h.index("设备状况")].text == "□正常 □异常"


def test_work_order_register_checks_the_20_minute_arrival(rendered):
    pdf, docx = rendered["work-order-register"]
    _assert_in_both(rendered["work-order-register"], "工作令单登记表", "到场时限：接单后20分钟内", "WX-2026-1120-03",
                    "11月20日9:10", "厨房水龙头滴水，更换阀芯", "李赟", "11月20日9:24", "是（14分钟）",
                    "11-20电话回访，满意", "WX-2026-1120-04", "否（29分钟）", "基本满意（到场稍慢）",
                    "BJ-2026-1121-01", "是（13分钟）")
    table = _table_with(docx, "按时到场")
    i = _header(table).index("按时到场（20分钟内）")
    assert [cell.text for cell in (table.rows[n].cells[i] for n in (1, 2, 3, 4))] == \
        ["是（14分钟）", "否（29分钟）", "是（13分钟）", "□是 □否"]


def test_work_order_register_limit_is_a_parameter_and_counts_across_midnight(tmp_path):
    data = {"arrival_minutes": 30, "entries": [
        {"order_no": "WX-1", "issued": "2026-11-20 10:32", "content": "电梯按钮失灵", "arrived": "2026-11-20 11:01"},
        {"order_no": "WX-2", "issued": "2026-11-20 23:50", "content": "地库漏水", "arrived": "2026-11-21 00:25"}]}
    pdf, docx = _render("work-order-register", data, tmp_path)
    txt = docx_text(docx)
    assert "接单后30分钟内" in txt and "是（29分钟）" in txt and "否（35分钟）" in txt


def test_callback_record(rendered):
    _assert_in_both(rendered["callback-record"], "回访记录表", "回访月份：2026年11月", "WX-2026-1120-03", "张堃",
                    "师傅准时，干活利索", "上门", "基本满意", "等了半小时才有人来，希望快一点", "TS-2026-1121-02",
                    "楼上装修提前施工噪声扰民", "2个工作日内回访")
    table = read_docx(str(rendered["callback-record"][1])).tables[0]
    h = _header(table)
    assert [table.rows[n].cells[h.index("满意度")].text for n in (1, 2, 3)] == ["满意", "基本满意", "满意"]
    assert "□满意" in table.rows[4].cells[h.index("满意度")].text


# ---------------------------------------------------------------- daily records

def test_shift_handover(rendered):
    pdf, docx = rendered["shift-handover"]
    _assert_in_both(rendered["shift-handover"], "交接班记录", "客服前台", "2026年11月24日20:00", "白班8:00—20:00",
                    "夜班20:00—次日8:00", "王晓", "刘敏", "交接物品", "对讲机", "4部", "2串（共31把）",
                    "借出2把未还（AX-03、AX-09）", "388.50元", "未办结事项", "工单BX-1124-07已派",
                    "21:00前跟进工程部到场情况", "电梯维保单位到5栋做月度保养", "交班人签字", "接班人签字")
    # both shifts sign by hand: the cells right of the labels are empty and at least 12 mm high
    with pdfplumber.open(str(pdf)) as doc:
        page = doc.pages[0]
        for label in ("交班人签字", "接班人签字"):
            l, t, r, b = cell_of(page, label, "value")
            assert (b - t) / MM >= 12 - 0.05, label
            assert not [c for c in page.chars if l < c["x0"] < r and t < c["top"] < b and c["text"].strip()]


def test_shift_handover_blank_prints_the_usual_items(blanks):
    table = _table_with(blanks["shift-handover"][1], "物品名称")
    items = [_squash(r.cells[1].text) for r in table.rows[1:]]
    assert items[:3] == ["对讲机", "值班手机", "公共部位钥匙"] and "备用金" in items
    assert table.rows[1].cells[3].text == "□完好 □有损坏 □缺少"


def test_satisfaction_survey_score_grid(rendered):
    pdf, docx = rendered["satisfaction-survey"]
    _assert_in_both(rendered["satisfaction-survey"], "2026年度业主满意度调查表", "4栋1106", "李赟", "2026年12月3日",
                    "请于2026年12月15日前交回", "非常满意", "很不满意", "客户服务", "前台接待的礼仪和态度",
                    "公共收益和维修资金使用公开", "已评12项，得46分（满分60分）", "楼道一直很干净",
                    "希望督促维保单位加强保养")
    table = _table_with(docx, "调查项目")
    ticks = {}
    for row in table.rows[1:13]:
        marks = [i for i, c in enumerate(row.cells[3:8]) if c.text == "√"]
        assert len(marks) == 1, [c.text for c in row.cells]
        ticks[_squash(row.cells[2].text)] = 5 - marks[0]
    assert ticks["前台接待的礼仪和态度"] == 5 and ticks["电梯、水泵等设备运行"] == 2
    assert sum(ticks.values()) == 46
    # the category column merges its rows: 客户服务 spans three items
    assert pdf_text(pdf).count("客户服务") == 1


def test_satisfaction_survey_blank_is_the_default_questionnaire(blanks):
    pdf, docx = blanks["satisfaction-survey"]
    table = _table_with(docx, "调查项目")
    rows = table.rows[1:-1]
    assert len(rows) == 12 and not any(c.text == "√" for r in rows for c in r.cells)
    assert "分（满分60分）" in docx_text(docx) and "已评" not in docx_text(docx)


def test_rectification_notice(rendered):
    pdf, docx = rendered["rectification-notice"]
    _assert_in_both(rendered["rectification-notice"], "整改通知书", "编号：ZG-2026-1125-01", "3栋1502欧阳喆业主（住户）：",
                    "2026年11月25日10:20", "秩序部赵磊、工程部张堃", "该墙为承重墙", "违反的规定",
                    "《住宅室内装饰装修管理办法》第五条", "整改要求", "由原设计单位或具有相应资质的设计单位出具加固方案",
                    "请于2026年11月28日前整改完毕", "报告所在街道及城市管理、住房和城乡建设等行政主管部门依法处理",
                    "由责任人依法承担相应责任", "（盖章）", "整改通知书（存根）", "签收人签字", "签收日期", "拒签情况",
                    "并通知本中心复查")
    ptxt, dtxt = _both(rendered["rectification-notice"])
    for text in (ptxt, dtxt):
        assert not [t for t in THREATS if t in text], "a rectification notice threatens utilities"
    for text in (_squash(pdf_text(pdf)), dtxt):
        assert text.count("ZG-2026-1125-01") == 2         # the notice and its stub
        assert text.count("沿此线剪开") == 1
    src = (Path(Library().get("rectification-notice").folder) / "body.md").read_text(encoding="utf-8")
    assert not [t for t in THREATS if t in src]


def test_rectification_stub_cells_leave_room_to_sign(rendered, blanks):
    for pdf, _ in (rendered["rectification-notice"], blanks["rectification-notice"]):
        with pdfplumber.open(str(pdf)) as doc:
            page = doc.pages[0]
            for label in ("签收人签字", "签收日期", "送达人"):
                l, t, r, b = cell_of(page, label)
                assert (b - t) / MM >= 12 - 0.05, (label, (b - t) / MM)
            l, t, r, b = cell_of(page, "签收人签字", "value")
            assert not [c for c in page.chars if l < c["x0"] < r and t < c["top"] < b and c["text"].strip()]
            l, t, r, b = cell_of(page, "拒签情况", "value")
            last = max(c["bottom"] for c in page.chars if l < c["x0"] < r and t < c["top"] < b and c["text"].strip())
            assert (b - last) / MM >= 3 * 5.5, "拒签情况 leaves less than three lines to write"


def test_rectification_seal_lands_beside_the_signature_above_the_cut_line(tmp_path):
    from .sealcheck import seal_boxes, seal_findings
    make_seal(tmp_path / "seal.png")
    prof = tmp_path / "docgen.toml"
    prof.write_text('[org]\nseal = "seal.png"\n', encoding="utf-8")
    written = render_one("rectification-notice", use_sample=True, out=tmp_path / "sealed", profile_path=prof,
                         fmt="pdf")
    boxes = seal_boxes(written[0])
    assert len(boxes) == 1 and abs((boxes[0][1][2] - boxes[0][1][0]) - 42 * MM) < 0.5
    assert not seal_findings(written[0], [])
    with pdfplumber.open(str(written[0])) as doc:
        page = doc.pages[0]
        cut = min(w["top"] for w in page.extract_words() if "沿此线剪开" in w["text"])
        assert boxes[0][1][3] < cut, "the seal reaches the stub"
        assert "（盖章）" not in pdf_text(written[0])
    blank = render_one("rectification-notice", blank=True, out=tmp_path / "blank", profile_path=prof, fmt="pdf")
    assert not seal_boxes(blank[0]) and "（盖章）" in pdf_text(blank[0])


def test_rectification_deadline_before_the_finding_is_refused():
    from docgen.engine.pipeline import build_document
    from docgen.profile import load_profile
    tpl = Library().get("rectification-notice")
    data = dict(tpl.sample, deadline="2026-11-20")
    with pytest.raises(DataError) as e:
        build_document(tpl, data, load_profile())
    assert "整改期限" in str(e.value)


def test_dept_liaison(rendered):
    pdf, docx = rendered["dept-liaison"]
    _assert_in_both(rendered["dept-liaison"], "部门工作联系单", "编号：LX-KF-2026-031", "客服部", "工程部",
                    "2026年11月24日", "2026年11月28日", "5栋2号电梯近期多次故障，请安排专项检查",
                    "会同电梯维保单位对该梯做一次专项检查", "王晓", "服务中心经理陈立新", "接收部门回复", "回复意见",
                    "处理结果", "部门负责人签字", "发出部门确认签字")
    with pdfplumber.open(str(pdf)) as doc:
        page = doc.pages[0]
        for label in ("签收人签字",):
            l, t, r, b = cell_of(page, label, "value")
            assert (b - t) / MM >= 12 and not [c for c in page.chars if l < c["x0"] < r and t < c["top"] < b
                                               and c["text"].strip()]


def test_incident_record(rendered):
    pdf, docx = rendered["incident-record"]
    _assert_in_both(rendered["incident-record"], "突发事件处理记录", "编号：TF-2026-011", "2026年11月21日20:35",
                    "5栋2号电梯（停于11楼与12楼之间）", "电梯五方对讲报警", "通知记录", "电梯维保单位（滨江电梯维保公司）",
                    "值班经理赵磊", "处置过程", "盘车平层至12楼", "被困人员安全走出", "20:58被困人员安全救出",
                    "无人员受伤，无财产损失", "门锁触点老化", "记录人签字", "主管审核签字", "119、120、110")
    dtxt = docx_text(docx)
    assert "☑电梯困人" in dtxt and "□停水停电" in dtxt and "□火情" in dtxt
    assert len(_table_with(docx, "通知对象").rows) == 1 + 4          # three calls padded to blank_rows
    assert len(_table_with(docx, "处置措施").rows) == 1 + 4


def test_incident_kinds_cover_power_water_and_fire(tmp_path):
    for kind in ("停水停电", "火情"):
        pdf, docx = _render("incident-record", {"kind": kind, "place": "3栋地下配电房"}, tmp_path, name=kind)
        assert f"☑{kind}" in docx_text(docx)


def test_leave_request(rendered):
    _assert_in_both(rendered["leave-request"], "事假申请单", "刘敏", "K002", "客服部", "前台客服",
                    "自2026年12月3日8:30", "至2026年12月4日17:30", "2天", "家长开放日暨运动会", "工作交接人", "王晓",
                    "请假3天以内由部门负责人审批", "服务中心经理意见", "人事备案", "销假", "申请人签字")


def test_leave_request_end_before_start_is_refused(tmp_path):
    with pytest.raises(DataError) as e:
        render_one("leave-request", data={"start": "2026-12-04 08:30", "end": "2026-12-03 17:30"},
                   out=tmp_path / "x", fmt="pdf")
    assert "请假结束时间" in str(e.value)


# ---------------------------------------------------------------- training

def _verdict(docx) -> str:
    """Which conclusion box is ticked: 'pass', 'retrain', or '' (none: left for the trainer)."""
    txt = docx_text(docx)
    ticked = [v for v, box in (("pass", "☑合格"), ("retrain", "☑需补训")) if box in txt]
    assert len(ticked) <= 1, txt
    return ticked[0] if ticked else ""


def test_training_assessment(rendered):
    pdf, docx = rendered["training-assessment"]
    _assert_in_both(rendered["training-assessment"], "培训效果考核表", "赵磊", "K003", "秩序部", "秩序维护领班",
                    "消防安全知识与灭火器使用", "钱立群（滨江消防安全培训中心）", "2027年3月12日", "及格线70分",
                    "83.0", "90", "提、拔、握、压", "受训人签字", "讲师签字", "培训主管签字")
    assert "☑全勤" in docx_text(docx)
    assert _verdict(docx) == "pass"


def test_training_assessment_refuses_a_pass_mark_other_than_grades():
    """exam grade decided 及格/不及格 at its pass mark; a 考核表 at another mark would contradict it."""
    from docgen.engine.pipeline import build_document
    from docgen.profile import load_profile
    tpl = Library().get("training-assessment")
    for changes, said in (({"written": "69.9"}, "却是“及格”"), ({"pass_mark": 90}, "却是“及格”"),
                          ({"exam_status": "不及格", "pass_mark": 60}, "却是“不及格”")):
        with pytest.raises(DataError) as e:
            build_document(tpl, dict(tpl.sample, **changes), load_profile())
        assert said in str(e.value) and "及格线（pass_mark）" in str(e.value), changes


@pytest.mark.parametrize("changes,verdict", [
    ({"practical": 65}, "retrain"),                         # one part under 70
    ({"written": "69.9", "exam_status": "不及格"}, "retrain"),
    ({"attendance": "缺勤"}, "retrain"),
    ({"written": None, "exam_status": "缺考"}, "retrain"),
    ({"written": None, "exam_status": "未评分"}, ""),       # no verdict until it is graded
    ({"practical": None}, ""),                              # a part missing: the trainer decides by hand
    ({"practical": 70, "written": 70}, "pass"),              # 70 itself passes
    ({"pass_mark": 80, "practical": 78}, "retrain"),         # the mark is a parameter: 78 passes 70, not 80
    ({"pass_mark": 60, "practical": 65}, "pass"),
])
def test_training_assessment_applies_the_pass_mark(tmp_path, changes, verdict):
    data = dict(Library().get("training-assessment").sample)
    data.update(changes)
    pdf, docx = _render("training-assessment", data, tmp_path)
    assert _verdict(docx) == verdict, changes
    if changes.get("exam_status") == "未评分":
        assert "笔试未评分，评分后再下结论" in docx_text(docx)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A real exam: the sample bank built, four staff's answers graded (one absent) → result/."""
    from docgen.exam.api import build_exam, grade_exam
    tmp = tmp_path_factory.mktemp("exam")
    build_exam("sample", tmp / "exam", versions=1, seed=2026, fmt="pdf")
    key = json.loads((tmp / "exam" / "key.json").read_text(encoding="utf-8"))
    qs = key["versions"]["A"]
    people = [("王晓", "K001", "客服部", len(qs)), ("刘敏", "K002", "客服部", 20), ("赵磊", "K003", "秩序部", 50),
              ("张堃", "K004", "工程部", None)]
    rows = []
    for name, no, dept, right in people:
        row = {"姓名": name, "工号": no, "部门": dept}
        for i, q in enumerate(qs):
            ok = right is not None and i < right
            a = q["answer"]
            if right is None:
                v = ""
            elif q["type"] == "single":
                v = a if ok else ("B" if a != "B" else "C")
            elif q["type"] == "multiple":
                v = "".join(a) if ok else "A"
            elif q["type"] == "truefalse":
                v = ("对" if a else "错") if ok else ("错" if a else "对")
            elif q["type"] == "blank":
                v = "，".join(x[0] for x in a) if ok else "，".join(["不知道"] * len(a))
            else:
                v = str(q["points"] if ok else 0)
            row[q["id"]] = v
        rows.append(row)
    answers = tmp / "answers.csv"
    with answers.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    grade_exam(tmp / "exam" / "key.json", answers, tmp / "result")
    return tmp / "result"


def test_training_assessment_batch_from_exam_grade_scores(graded, tmp_path):
    """docgen batch over result/scores.csv: one 考核表 per candidate, the written score and the absence carried over."""
    scores = list(csv.DictReader((graded / "scores.csv").open(encoding="utf-8-sig")))
    by_name = {r["姓名"]: r for r in scores}
    out = tmp_path / "cards"
    from typer.testing import CliRunner
    from docgen.cli import app
    r = CliRunner().invoke(app, ["batch", "training-assessment", "--data", str(graded / "scores.csv"), "--out",
                                 str(out), "--format", "both", "--jobs", "1", "--name", "{staff_no}-{name}",
                                 "--set", "topic=物业服务综合知识", "--set", "trainer=钱立群"])
    assert r.exit_code == 0, r.output
    manifest = list(csv.DictReader((out / "manifest.csv").open(encoding="utf-8-sig")))
    assert len(manifest) == 4 and {m["status"] for m in manifest} == {"ok"}
    for name, no in (("王晓", "K001"), ("刘敏", "K002"), ("赵磊", "K003"), ("张堃", "K004")):
        pdf, docx = out / f"{no}-{name}.pdf", out / f"{no}-{name}.docx"
        ptxt, dtxt = _squash(pdf_text_and_cells(pdf)), docx_text(docx)
        for text in (ptxt, dtxt):
            assert name in text and no in text and "物业服务综合知识" in text
            if by_name[name]["是否及格"] == "缺考":
                assert "缺考" in text and "按缺考处理" in text
            else:
                assert by_name[name]["百分制得分"] in text
        assert not pdfcheck().check(pdf)["problems"]
    # the practical part is not in the exam: no verdict yet, except the absent one who must retrain
    assert _verdict(out / "K001-王晓.docx") == "" and _verdict(out / "K004-张堃.docx") == "retrain"
    low = [n for n, r_ in by_name.items() if r_["是否及格"] == "不及格"]
    assert low and "否" in docx_text(out / f"{by_name[low[0]]['工号']}-{low[0]}.docx")


def test_training_summary(rendered):
    pdf, docx = rendered["training-summary"]
    _assert_in_both(rendered["training-summary"], "培训签到及考核汇总表", "消防安全知识与灭火器使用", "2027年3月12日",
                    "70分（百分制）", "王晓", "K001", "96.0", "欧阳喆", "龚䶮", "78.5", "吉𠮷", "55.5", "合格", "补训",
                    "李赟", "缺考", "没有任何作答", "应到", "8人", "7人", "1人", "5人", "71.4%", "76.6", "96.0",
                    "讲师签字", "培训主管签字")
    table = _table_with(docx, "签到")
    h = _header(table)
    assert all(r.cells[h.index("签到")].text == "" for r in table.rows[1:])
    assert len(table.rows) == 1 + 10


def test_training_summary_is_filled_from_exam_grade_output(graded, tmp_path):
    """scores.csv rows (read by docgen's own table reader, headers as grade writes them) and summary.json as it is."""
    from docgen.inputs.readers import read_table
    with read_table(graded / "scores.csv") as t:
        rows = [r.values for r in t]
    summary = json.loads((graded / "summary.json").read_text(encoding="utf-8"))
    data = dict(summary, results=rows, topic="物业服务综合知识", train_date="2027-03-12")
    pdf, docx = _render("training-summary", data, tmp_path)
    ptxt, dtxt = _both((pdf, docx))
    table = _table_with(docx, "签到")
    h = _header(table)
    printed = [(_squash(r.cells[h.index("姓名")].text), r.cells[h.index("成绩")].text, r.cells[h.index("结果")].text,
                r.cells[h.index("名次")].text) for r in table.rows[1:1 + len(rows)]]
    # grade decides 及格; the sheet says it the training way: 及格 → 合格, 不及格 and 缺考 → 补训
    verdict = {"及格": "合格", "不及格": "补训", "缺考": "补训"}
    assert printed == [(r["姓名"], r["百分制得分"] or ("缺考" if r["是否及格"] == "缺考" else ""), verdict[r["是否及格"]],
                        r["排名"] or "") for r in rows]
    assert {p[2] for p in printed} == {"合格", "补训"} and {r["是否及格"] for r in rows} == {"及格", "不及格", "缺考"}
    for text in (ptxt, dtxt):
        assert f"{summary['candidates']}人" in text and f"{summary['pass_rate']}%" in text
        assert summary["mean"] in text and summary["max"] in text and summary["min"] in text
        assert f"{summary['pass_mark']}分（百分制）" in text
    assert not pdfcheck().check(pdf)["problems"]
    # the rows alone (no summary.json): counts from the 是否及格 column, no rate or mean invented
    pdf2, docx2 = _render("training-summary", {"results": rows}, tmp_path, name="rows-only")
    t2 = read_docx(str(docx2)).tables[-2]
    cells = [_squash(c.text) for row in t2.rows for c in row.cells]
    passed = sum(r["是否及格"] == "及格" for r in rows)
    assert cells[:8] == ["应到", "4人", "参加", "3人", "缺考", "1人", "及格人数", f"{passed}人"]
    assert cells[9] == "" and cells[11] == ""


def test_training_summary_refuses_inconsistent_counts():
    from docgen.engine.pipeline import build_document
    from docgen.profile import load_profile
    tpl = Library().get("training-summary")
    with pytest.raises(DataError) as e:
        build_document(tpl, dict(tpl.sample, passed=9), load_profile())
    assert "及格人数" in str(e.value)


def test_training_summary_from_summary_json_on_the_command_line(graded, tmp_path):
    """`docgen render training-summary --data result/summary.json`: grade's file as it is, its other keys ignored."""
    from typer.testing import CliRunner
    from docgen.cli import app
    summary = json.loads((graded / "summary.json").read_text(encoding="utf-8"))
    r = CliRunner().invoke(app, ["render", "training-summary", "--data", str(graded / "summary.json"), "--set",
                                 "topic=物业服务综合知识", "--out", str(tmp_path / "s.pdf")])
    assert r.exit_code == 0, r.output
    text = pdf_text(tmp_path / "s.pdf")
    assert f"参加{summary['candidates']}人" in text and f"缺考{summary['absent']}人" in text
    assert f"及格人数{summary['passed']}人" in text and f"{summary['pass_rate']}%" in text and summary["mean"] in text
