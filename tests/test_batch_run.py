"""Batch dunning end to end: a hostile ledger → letters, print files and a manifest that accounts for every line."""
from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from .helpers import SHARED, docx_text, pdf_text, pdfcheck
from docgen.batch import PdfJoiner, batch, safe_name
from docgen.dunning import dunning
from docgen.errors import DataError, DocgenError
from docgen.writers.pdf.fonts import fontset

AS_OF = date(2026, 11, 30)
ISSUED = date(2026, 11, 23)
HEADER = "楼栋,房号,业主姓名,联系电话,收费项目,所属期间,应收金额,已收金额,欠费金额（元）"
EMOJI = "\U0001F600"


def _emoji_drawable() -> bool:
    try:
        fontset().face_for(EMOJI)
        return True
    except DocgenError:
        return False


# line number -> (CSV text of the record, expected status).  Line 9 is the second physical
# line of record 8 (a quoted cell with a line break), so it is not a record of its own.
HOSTILE = {
    2: ("1栋,101,龚䶮,13812345678,物业服务费,2026-3,539.01,0,539.01", "ok"),
    3: ('1栋,101,龚䶮,13812345678,物业服务费,2026年4月,539.01,0.00,"¥539.01"', "ok"),
    4: ('1栋,101,龚䶮,13812345678,物业服务费,202605,"￥539.01",0,５３９．０１', "ok"),
    5: ("1栋,101,龚䶮,13812345678,车位使用费,46204,300,0,300元", "ok"),              # Excel serial: 2026-07
    6: ("", "skipped"),                                                               # a blank line
    7: ('1栋,102,𠮷野堃,13900000000,物业服务费,2026-06,"1,234.50",0,"1,234.50"', "ok"),
    8: ('1栋,102,𠮷野堃,13900000000,"公摊\n水电费",2026-06,30.5,0,30.50', "ok"),   # spans lines 8-9
    10: ('2栋,201,"**陳麗華**<b>[x](y) {.bold} :blank \x07&amp;",13700000000,物业服务费,2026-09,100,0,100',
         "ok"),                                                                       # markup and a control char
    11: ("2栋,202,王五,13600000000,物业服务费,2026-09,100,0,abc", "error"),           # not a number
    12: ("2栋,202,王五,13600000000,物业服务费,2026-10,100,0,100", "error"),           # good row, bad unit
    13: ("2栋,203,赵六,13600000001,物业服务费,2026-09,100,0,-100", "error"),          # negative
    14: ("2栋,204,钱七,13600000002,物业服务费,2026-13,100,0,100", "error"),          # month 13
    15: ("2栋,205,,13600000003,物业服务费,2026-09,100,0,100", "error"),              # no name
    16: (",206,孙八,13600000004,物业服务费,2026-09,100,0,100", "error"),             # no building
    17: ("1栋,101,龚䶮,13812345678,物业服务费,2026-3,539.01,0,539.01", "skipped"),   # duplicate of line 2
    18: ("2栋,207,周九,13600000005,物业服务费,2026-09,100,0,100", "error"),
    19: ("2栋,207,周九,13600000005,物业服务费,2026-09,90,0,90", "error"),            # same month, other amount
    20: ("2栋,208,吴十,13600000006,物业服务费,2026-09,100,100,0", "skipped"),        # paid
    21: ("2栋,209,郑一,13600000007,物业服务费,2026-12,100,0,100", "skipped"),        # after the as-of month
    22: ("2栋,210,冯二,13600000008,物业服务费,2026-09,100,50,100", "error"),         # 100 - 50 != 100
    23: ("2栋,211,陈三,13600000009,物业服务费,2026-09,100,0,100,多余", "error"),     # one cell too many
    24: ("10栋,101,張偉,13500000000,物业服务费,2026/1,88.80,0,88.80", "ok"),         # traditional name
    25: ("10栋,101,張偉,13500000000,物业服务费,2026.02,88.80,0,88.80", "ok"),
    26: ("10栋,101,張偉,13500000000,物业服务费,2026-03,88.80,44.40,44.40", "ok"),
    27: (f"2栋,212,李{EMOJI},13500000001,物业服务费,2026-09,100,0,100", "ok" if _emoji_drawable() else "error"),
}


def hostile_ledger(tmp_path: Path) -> Path:
    lines = [HEADER]
    n = 2
    for line, (text, _) in sorted(HOSTILE.items()):
        assert line == n, "the table above must list consecutive lines"
        lines.append(text)
        n = line + 1 + text.count("\n")
    p = tmp_path / "欠费明细.csv"
    p.write_bytes(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8-sig"))   # trailing blank lines too
    return p


def read_manifest(path: Path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "manifest must carry a BOM so Excel reads it as UTF-8"
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def assert_clean(*pdfs: Path) -> None:
    mod = pdfcheck()
    for p in pdfs:
        r = mod.check(p)
        assert r["problems"] == [], (p.name, r["problems"][:5])


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    ledger = hostile_ledger(tmp)
    out = tmp / "out"
    report = dunning(ledger, out=out, as_of=AS_OF, issue_date=ISSUED, merge=True, formats=("pdf", "docx"),
                     jobs=2, chunk=2)
    return ledger, out, report


def test_manifest_accounts_for_every_line(hostile_run):
    _, out, report = hostile_run
    rows = read_manifest(out / "manifest.csv")
    assert list(rows[0]) == ["line", "status", "unit", "output", "message", "amount"]
    got = {int(r["line"]): r["status"] for r in rows}
    assert got == {line: status for line, (_, status) in HOSTILE.items()}
    assert len(rows) == len(got), "each line exactly once"
    by_line = {int(r["line"]): r for r in rows}
    assert by_line[2]["output"] == "1栋-101.pdf;1栋-101.docx" and by_line[2]["unit"] == "1栋 101"
    assert by_line[2]["amount"] == "539.01"
    assert "abc" in by_line[11]["message"] and "欠费金额" in by_line[11]["message"]
    assert "第 11 行" in by_line[12]["message"] and by_line[12]["output"] == ""
    assert "负数" in by_line[13]["message"]
    assert "2026-13" in by_line[14]["message"]
    assert "业主姓名为空" in by_line[15]["message"]
    assert "楼栋" in by_line[16]["message"]
    assert "与第 2 行重复" in by_line[17]["message"]
    assert "第 18 行" in by_line[19]["message"] and "第 19 行" in by_line[18]["message"]
    assert "已结清" in by_line[20]["message"] and "晚于" in by_line[21]["message"]
    assert "不符" in by_line[22]["message"] and "表头只有 9 列" in by_line[23]["message"]
    assert by_line[6]["message"] == "空行"
    errors = sum(1 for _, s in HOSTILE.values() if s == "error")
    assert report.rows == {"ok": sum(1 for _, s in HOSTILE.values() if s == "ok"), "error": errors,
                           "skipped": sum(1 for _, s in HOSTILE.values() if s == "skipped")}
    assert report.exit_code == 1
    assert not list(out.glob(".*.part")) and not list(out.glob(".parts-*"))


def test_letters_carry_the_right_totals(hostile_run):
    _, out, _ = hostile_run
    t = pdf_text(out / "1栋-101.pdf")
    # 3 x 539.01 folded into one line (months, amount per month, line total), plus one month of parking
    assert "收费项目所属期间月数每月（元）欠费金额（元）" in t
    assert "物业服务费2026-03～2026-053539.011,617.03" in t
    assert "车位使用费2026-071300.00300.00" in t
    assert "合计1,917.03" in t and "人民币壹仟玖佰壹拾柒元零叁分" in t
    assert "龚䶮" in t and "截至2026年11月30日" in t and "2026年11月23日" in t
    assert "13812345678" not in t, "no phone number on a letter unless the template asks"
    assert "编号：CJ-202611-0001" in t
    t2 = pdf_text(out / "1栋-102.pdf")
    assert "𠮷野堃" in t2 and "公摊水电费" in t2 and "合计1,265.00" in t2 and "壹仟贰佰陆拾伍元整" in t2
    t3 = pdf_text(out / "2栋-201.pdf")
    assert "**陳麗華**<b>[x](y){.bold}:blank&amp;业主" in t3 and "壹佰元整" in t3
    t4 = pdf_text(out / "10栋-101.pdf")
    assert "張偉" in t4 and "2026-01～2026-02288.80177.60" in t4 and "2026-03144.4044.40" in t4 and "合计222.00" in t4
    d = docx_text(out / "1栋-101.docx")
    assert "1,917.03" in d and "人民币壹仟玖佰壹拾柒元零叁分" in d and "13812345678" not in d
    if HOSTILE[27][1] == "error":
        rows = {int(r["line"]): r for r in read_manifest(out / "manifest.csv")}
        assert EMOJI in rows[27]["message"]
    # blocked units get no letter at all
    for name in ("2栋-202", "2栋-203", "2栋-204", "2栋-205", "2栋-207", "2栋-210", "2栋-211", "2栋-208"):
        assert not (out / f"{name}.pdf").exists()


def test_print_file_in_delivery_order_and_clean(hostile_run):
    _, out, report = hostile_run
    letters = sorted(out.glob("*.pdf"))
    letters = [p for p in letters if p.name != "print.pdf"]
    reader = PdfReader(str(out / "print.pdf"), strict=True)
    assert len(reader.pages) == sum(len(PdfReader(str(p)).pages) for p in letters) == report.print_pages
    firsts = [re.sub(r"\s+", "", reader.pages[i].extract_text()) for i in range(len(reader.pages))]
    order = [next(n for n in ("1栋101房", "1栋102房", "2栋201房", "2栋212房", "10栋101房") if n in t)
             for t in firsts if "费用催缴通知单" in t]
    expected = ["1栋101房", "1栋102房", "2栋201房"] + (["2栋212房"] if HOSTILE[27][1] == "ok" else []) + ["10栋101房"]
    assert order == expected
    assert_clean(out / "print.pdf", *letters)


@pytest.mark.slow
def test_run_cannot_start_on_missing_columns(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("楼栋,房号,金额\n1栋,101,3\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        dunning(p, out=tmp_path / "out", as_of=AS_OF)
    assert "业主姓名" in e.value.describe()
    r = subprocess.run([sys.executable, "-c", "from docgen.cli import main; main()", "dunning", str(p), "--out", str(tmp_path / "o2")],
                       capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert r.returncode == 2 and "缺少必需的列" in r.stderr


def small_ledger(tmp_path: Path, units: int = 6, months: int = 3, name: str = "l.csv") -> Path:
    lines = [HEADER]
    for n in range(units):
        b, u = f"{n // 3 + 1}栋", f"{n % 3 + 1}01"
        for m in range(1, months + 1):
            lines.append(f"{b},{u},业主{n},1380000{n:04d},物业服务费,2026-{m:02d},{100 + n}.00,0,{100 + n}.00")
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return p


def test_duplex_split_and_exit_zero(tmp_path):
    ledger = small_ledger(tmp_path, units=5)
    out = tmp_path / "out"
    report = dunning(ledger, out=out, as_of=AS_OF, issue_date=ISSUED, merge=True, duplex=True,
                     split_by="楼栋", jobs=2, chunk=2, formats=())
    assert report.exit_code == 0 and report.rows == {"ok": 15, "skipped": 0, "error": 0}
    assert not list(out.glob("*栋-*.pdf")), "--format none writes print files only"
    merged = PdfReader(str(out / "print.pdf"))
    assert len(merged.pages) == 9       # five one-page letters, a blank back after each but the last
    texts = [re.sub(r"\s+", "", p.extract_text() or "") for p in merged.pages]
    assert [bool(t) for t in texts] == [True, False] * 4 + [True]
    assert "业主0" in texts[0] and "业主4" in texts[8]
    b1, b2 = PdfReader(str(out / "print-1栋.pdf")), PdfReader(str(out / "print-2栋.pdf"))
    assert len(b1.pages) == 5 and len(b2.pages) == 3
    rows = read_manifest(out / "manifest.csv")
    assert {r["output"] for r in rows if r["unit"].startswith("1栋")} == {"print.pdf;print-1栋.pdf"}
    assert_clean(out / "print.pdf", out / "print-2栋.pdf")


def test_long_letter_repeats_header_and_numbers_its_pages(tmp_path):
    lines = [HEADER]
    for y in (2023, 2024, 2025, 2026):
        for m in range(1, 13):
            for item in ("物业服务费", "车位使用费", "公摊水电费"):
                amount = f"{m}.{y % 100:02d}"
                lines.append(f"3栋,1502,欧阳娜娜,13800000000,{item},{y}-{m:02d},{amount},0,{amount}")
    p = tmp_path / "long.csv"
    p.write_text("\n".join(lines), encoding="utf-8")
    out = tmp_path / "out"
    report = dunning(p, out=out, as_of=AS_OF, issue_date=ISSUED, detail=True, jobs=1)
    assert report.exit_code == 0
    reader = PdfReader(str(out / "3栋-1502.pdf"))
    n = len(reader.pages)
    assert n >= 3
    table_pages = 0
    for i, page in enumerate(reader.pages, 1):
        t = re.sub(r"\s+", "", page.extract_text())
        assert f"第{i}页共{n}页" in t
        if re.search(r"(物业服务费|车位使用费|公摊水电费)20\d\d-\d\d", t):
            table_pages += 1
            assert "收费项目所属期间月数每月（元）欠费金额" in t, f"the table header repeats on page {i}"
    assert table_pages >= 3
    total = sum(Decimal(f"{m}.{y % 100:02d}") * 3 for y in (2023, 2024, 2025, 2026) for m in range(1, 13)
                if (y, m) <= (2026, 11))        # 2026-12 is after the as-of month
    assert f"合计{total:,.2f}" in pdf_text(out / "3栋-1502.pdf")


def test_resume_skips_complete_units_and_redoes_changed_ones(tmp_path):
    ledger = small_ledger(tmp_path, units=4)
    out = tmp_path / "out"
    first = dunning(ledger, out=out, as_of=AS_OF, issue_date=ISSUED, jobs=1)
    assert first.letters == 4
    stamp = {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")}
    again = dunning(ledger, out=out, as_of=AS_OF, issue_date=ISSUED, jobs=1, resume=True)
    assert again.letters == 0 and again.resumed == 4 and again.exit_code == 0
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")} == stamp
    rows = read_manifest(out / "manifest.csv")
    assert all(r["status"] == "ok" and r["output"].endswith(".pdf") for r in rows)
    # one unit's amount changes, another's file is gone: exactly those two are rendered again
    text = ledger.read_text(encoding="utf-8-sig").replace("1栋,201,业主1,13800000001,物业服务费,2026-01,101.00,0,101.00",
                                                          "1栋,201,业主1,13800000001,物业服务费,2026-01,111.00,0,111.00")
    ledger.write_text(text, encoding="utf-8-sig")
    (out / "1栋-101.pdf").unlink()
    third = dunning(ledger, out=out, as_of=AS_OF, issue_date=ISSUED, jobs=1, resume=True)
    assert third.letters == 2 and third.resumed == 2
    assert "合计313.00" in pdf_text(out / "1栋-201.pdf")


def test_min_amount_and_levels(tmp_path):
    ledger = small_ledger(tmp_path, units=3)
    out = tmp_path / "out"
    report = dunning(ledger, out=out, as_of=AS_OF, issue_date=ISSUED, min_amount=Decimal("301"), jobs=1,
                     level=2, receipt=True, sets=["deadline_days=10"])
    rows = read_manifest(out / "manifest.csv")
    low = [r for r in rows if r["unit"] == "1栋 101"]
    assert {r["status"] for r in low} == {"skipped"} and "低于起催金额 301 元" in low[0]["message"]
    assert "--" not in low[0]["message"], "the library names settings, not the CLI's flags"
    assert report.letters == 2 and report.exit_code == 0
    t = pdf_text(out / "1栋-201.pdf")
    assert "催告函" in t and "十日内" in t and "送达回执" in t and "CG-202611-0001" in t
    assert "合计303.00" in t
    for word in ("停水", "停电", "断水", "断电", "停暖", "停气"):
        assert word not in t
    with pytest.raises(DataError) as e:
        dunning(ledger, out=out, as_of=AS_OF, level=1, receipt=True)
    assert e.value.field == "receipt" and "--" not in e.value.describe()
    with pytest.raises(DataError):
        dunning(ledger, out=out, as_of=AS_OF, sets=["no_such_field=1"])


def _basis_profile(tmp_path):
    p = tmp_path / "docgen.toml"
    p.write_text('[dunning]\npublic_list_basis = "《翠湖花园管理规约》第二十六条"\n', encoding="utf-8")
    return p


def test_public_list_masks_names_and_omits_phones(tmp_path):
    ledger = small_ledger(tmp_path, units=2)
    out = tmp_path / "out"
    report = dunning(ledger, out=out, as_of=AS_OF, issue_date=ISSUED, public_list=True, jobs=1,
                     profile_path=_basis_profile(tmp_path))
    assert out / "欠费公示.pdf" in report.print_files
    t = pdf_text(out / "欠费公示.pdf")
    assert "业**" in t and "业主0" not in t and "1380000" not in t
    assert "300.00" in t and "303.00" in t
    assert "依据《翠湖花园管理规约》第二十六条" in t
    assert "欠费项目" not in t and "欠费期间" not in t     # unit, masked name and amount only


def test_public_list_is_off_without_a_basis_in_the_profile(tmp_path):
    ledger = small_ledger(tmp_path, units=2)
    with pytest.raises(DataError) as e:
        dunning(ledger, out=tmp_path / "out", as_of=AS_OF, issue_date=ISSUED, public_list=True, jobs=1)
    msg = e.value.describe()
    assert "public_list_basis" in msg and e.value.field == "public_list" and "--" not in msg
    assert not (tmp_path / "out" / "欠费公示.pdf").exists()


def test_batch_any_template_over_a_table(tmp_path):
    data = tmp_path / "notices.csv"
    data.write_text("清洗范围,开始日期,结束日期,施工单位\n"
                    "1—3栋,2026-12-01,2026-12-05,甲公司\n"
                    "\n"
                    "4/5栋,2026-12-06,2026-12-09,乙公司\n"
                    "6栋,2026-12-40,2026-12-12,丙公司\n", encoding="utf-8")
    out = tmp_path / "out"
    report = batch("wall-cleaning-notice", data, out=out, name="{buildings}", jobs=1, merge=True)
    rows = {int(r["line"]): r for r in read_manifest(out / "manifest.csv")}
    assert [rows[i]["status"] for i in (2, 3, 4, 5)] == ["ok", "skipped", "ok", "error"]
    assert rows[4]["output"] == "4_5栋.pdf" and "开始日期" in rows[5]["message"]
    assert "甲公司" in pdf_text(out / "1—3栋.pdf") and "乙公司" in pdf_text(out / "4_5栋.pdf")
    assert len(PdfReader(str(out / "print.pdf")).pages) == 2
    assert report.exit_code == 1


def test_safe_names():
    assert safe_name('A:1/2*?"<>|') == "A_1_2______"
    assert safe_name("CON") == "_CON" and safe_name("  . ") == "未命名"
    assert len(safe_name("堃" * 200).encode()) <= 150


def test_joiner_rejects_foreign_pdfs(tmp_path):
    j = PdfJoiner(tmp_path / "p.pdf")
    with pytest.raises(ValueError):
        j.add(b"%PDF-1.4\nnot really\n", 1)
    j.abort()
    assert not list(tmp_path.iterdir())


def _start_400_unit_run(tmp_path: Path, *options: str) -> tuple[subprocess.Popen, list[str], Path]:
    """Start `docgen dunning` on a 400-unit ledger in its own process group; return once letters are coming."""
    maker = SHARED / "bench" / "make_ledger.py"
    if not maker.is_file():
        pytest.skip("make_ledger.py not beside the repo")
    ledger = tmp_path / "l.csv"
    subprocess.run([sys.executable, str(maker), "--units", "400", "--out", str(ledger)], check=True, timeout=120)
    out = tmp_path / "out"
    cmd = [sys.executable, "-c", "from docgen.cli import main; main()", "dunning", str(ledger), "--out", str(out),
           "--as-of", "2026-12-31", "--jobs", "2", *options]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    state = out / ".docgen-batch-state.jsonl"     # a line per letter the run has taken stock of
    deadline = time.time() + 60
    while time.time() < deadline and not (state.is_file() and state.stat().st_size):
        time.sleep(0.02)
    return proc, cmd, out


@pytest.mark.slow
def test_ctrl_c_leaves_no_half_written_file_and_resume_finishes(tmp_path):
    proc, cmd, out = _start_400_unit_run(tmp_path, "--merge")
    os.killpg(proc.pid, signal.SIGINT)       # what the terminal does on Ctrl-C
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # leave nothing running behind a failed test
        raise
    assert proc.returncode == 130, err.decode()[-500:]
    assert not list(out.glob(".*.part")) and not list(out.glob(".parts-*")) and not (out / "print.pdf").exists()
    done = list(out.glob("*.pdf"))
    assert 1 <= len(done) < 400
    for p in done:
        PdfReader(str(p), strict=True).pages[0].extract_text()   # every file that exists is whole
    rows = read_manifest(out / "manifest.csv")
    assert {r["status"] for r in rows} == {"ok", "error"}
    ok_units = {r["unit"] for r in rows if r["status"] == "ok"}
    assert all("中断" in r["message"] for r in rows if r["status"] == "error")
    assert len(ok_units) <= len(done)
    r = subprocess.run(cmd + ["--resume", "--json"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-500:]
    summary = json.loads(r.stdout)
    assert summary["resumed"] >= len(ok_units) and summary["resumed"] + summary["letters"] == 400
    assert len(PdfReader(str(out / "print.pdf")).pages) >= 400


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finding worker processes needs Linux /proc")
def test_a_worker_that_dies_stops_the_run_instead_of_hanging(tmp_path):
    # multiprocessing.Pool would wait forever for the chunk a killed worker held (out of memory, kill -9).
    proc, cmd, out = _start_400_unit_run(tmp_path)
    try:
        children = set()
        for task in Path(f"/proc/{proc.pid}/task").iterdir():
            children |= {int(c) for c in (task / "children").read_text().split()}
        assert children, "the run has worker processes"
        os.kill(min(children), signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    err = err.decode()
    assert proc.returncode == 1, err[-500:]
    assert "工作进程意外退出" in err and "--resume" in err
    assert not list(out.glob(".*.part"))
    rows = read_manifest(out / "manifest.csv")
    assert any(r["status"] == "error" and "中断" in r["message"] for r in rows)
    r = subprocess.run(cmd + ["--resume", "--json"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-500:]
    assert json.loads(r.stdout)["resumed"] >= 1


def test_final_notice_with_contract_late_fee(tmp_path):
    ledger = small_ledger(tmp_path, units=2)
    out = tmp_path / "out"
    report = dunning(ledger, out=out, as_of=AS_OF, issue_date=ISSUED, level=3, receipt=True, jobs=1,
                     late_fee_rate=Decimal("0.5"), sets=["late_fee_start=2026-06-01"])
    assert report.exit_code == 0 and report.letters == 2
    t = pdf_text(out / "1栋-201.pdf")
    # 303.00 x 0.5‰ x 182 days (2026-06-01 .. 2026-11-30) = 27.573 -> 27.57
    assert "最后通知" in t and "ZH-202611-0002" in t and "欠费小计303.00" in t
    assert "182日27.57" in t and "合计330.57" in t and "人民币叁佰叁拾元零伍角柒分" in t
    assert "送达回执" in t
    for word in ("停水", "停电", "断水", "断电", "停暖", "停气"):
        assert word not in t
    plain = dunning(ledger, out=tmp_path / "plain", as_of=AS_OF, issue_date=ISSUED, level=3, jobs=1)
    assert plain.letters == 2 and "违约金" not in pdf_text(tmp_path / "plain" / "1栋-201.pdf")


def test_print_only_run_reports_an_undrawable_letter_and_prints_the_rest(tmp_path):
    ledger = small_ledger(tmp_path, units=4)
    text = ledger.read_text(encoding="utf-8-sig").replace("业主2,", "业主\ue000,")   # a private-use character
    ledger.write_text(text, encoding="utf-8-sig")
    out = tmp_path / "out"
    report = dunning(ledger, out=out, as_of=AS_OF, issue_date=ISSUED, merge=True, formats=(), jobs=1)
    assert report.exit_code == 1 and report.letters == 3
    rows = read_manifest(out / "manifest.csv")
    bad = [r for r in rows if r["unit"] == "1栋 301"]
    assert {r["status"] for r in bad} == {"error"} and "U+E000" in bad[0]["message"]
    assert {r["status"] for r in rows if r["unit"] != "1栋 301"} == {"ok"}
    t = pdf_text(out / "print.pdf")
    assert len(PdfReader(str(out / "print.pdf")).pages) == 3
    assert "业主0" in t and "业主1" in t and "业主3" in t and "1栋301房" not in t


def test_dunning_and_batch_in_traditional_chinese(tmp_path):
    # --script converts every letter, the merged print file, the public list and DOCX; the
    # profile's [output] script is the default; amounts, 大写 and resume keys stay right.
    ledger = small_ledger(tmp_path, units=2)
    out = tmp_path / "hk"
    report = dunning(ledger, out=out, as_of=AS_OF, issue_date=ISSUED, merge=True, formats=("pdf", "docx"),
                     jobs=1, public_list=True, script="hk", profile_path=_basis_profile(tmp_path))
    assert report.exit_code == 0 and report.letters == 2
    for text in (pdf_text(out / "1栋-201.pdf"), docx_text(out / "1栋-201.docx"), pdf_text(out / "print.pdf")):
        assert "費用催繳通知單" in text and "物業服務費" in text and "费用" not in text
        assert "303.00" in text and "人民幣叁佰零叁元整" in text and "2026年11月23日" in text
    public = next(out.glob("欠费公示*.pdf"))
    assert "欠費" in pdf_text(public)
    again = dunning(ledger, out=out, as_of=AS_OF, issue_date=ISSUED, formats=("pdf", "docx"), jobs=1,
                    resume=True, script="hans")
    assert again.resumed == 0 and "费用催缴通知单" in pdf_text(out / "1栋-201.pdf"), "a new script re-renders"
    profile = tmp_path / "docgen.toml"
    profile.write_text('[output]\nscript = "tw"\n', encoding="utf-8")
    data = tmp_path / "rows.csv"
    data.write_text("keep_days,claim_place\n15,物业服务中心前台\n", encoding="utf-8")
    rep = batch("lost-and-found-notice", data, out=tmp_path / "b", profile_path=profile, jobs=1)
    assert rep.exit_code == 0 and "失物招領" in pdf_text(next((tmp_path / "b").glob("*.pdf")))
    with pytest.raises(DataError, match="字段「script」"):
        dunning(ledger, out=tmp_path / "x", as_of=AS_OF, script="klingon")
