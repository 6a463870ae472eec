"""The desk against uploads meant to hurt it: an XLSX zip bomb, a sheet claiming a million rows, a lying
zip directory, a cell at the last column, a ledger over the row limit, and a real 200k-row ledger,
while other requests keep being answered."""
from __future__ import annotations

import asyncio
import io
import re
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the web desk needs the `web` extra: pip install 'docgen[web]'")
import httpx  # noqa: E402

from docgen import api  # noqa: E402
from docgen.errors import DataError  # noqa: E402
from docgen.web import create_app  # noqa: E402
from tests.test_web import BASE, HEADER, client, csrf, ledger_csv  # noqa: E402

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "bench" / "make_ledger.py"


def _xlsx(path: Path, rows: int = 3) -> Path:
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    for n in range(rows):
        ws.append(["2栋", f"{n + 1}01", f"业主{n}", "13800000000", "物业服务费", "2026-10", "200.00", "0", "200.00"])
    wb.save(path)
    return path


def _with_sheet(src: Path, dest: Path, sheet_xml) -> Path:
    """A copy of an .xlsx whose first worksheet is replaced by sheet_xml (bytes, or an iterator of chunks)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with zout.open("xl/worksheets/sheet1.xml", "w") as f:
                    for chunk in ([sheet_xml] if isinstance(sheet_xml, bytes) else sheet_xml):
                        f.write(chunk)
            else:
                zout.writestr(info, zin.read(info))
    return dest


SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
              b'spreadsheetml/2006/main"><dimension ref="A1:I1048576"/><sheetData>')
SHEET_TAIL = b"</sheetData></worksheet>"


def _row(n: int, cells: list[str], col: str = "A") -> bytes:
    return (f'<row r="{n}">' + "".join(f'<c r="{chr(ord(col) + i)}{n}" t="inlineStr"><is><t>{v}</t></is></c>'
                                       for i, v in enumerate(cells)) + "</row>").encode()


def _post(c, path: Path, name: str | None = None):
    with open(path, "rb") as f:
        return c.post("/api/batch", files={"ledger": (name or path.name, f)}, data={"level": "1"})


def test_xlsx_bomb_refused_from_its_directory_in_bounded_memory(tmp_path):
    c = client(tmp_path / "ws", max_upload_mb=1)          # unpacked cap: 8 MB
    bomb = _with_sheet(_xlsx(tmp_path / "base.xlsx"), tmp_path / "bomb.xlsx",
                       (SHEET_HEAD if i == 0 else b" " * (1 << 20) for i in range(65)))   # 64 MB of blanks
    assert bomb.stat().st_size < 200_000                   # a tiny file ...
    tracemalloc.start()
    t0 = time.perf_counter()
    r = _post(c, bomb, "十一月.xlsx")
    took = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert r.status_code == 413, r.text
    msg = r.json()["errors"][0]["message"]
    assert "十一月.xlsx" in msg and "64 MB" in msg and "上限 8 MB" in msg and "另存为 CSV" in msg
    assert took < 10 and peak < 20 * 2**20                  # never expanded: a look at the zip directory
    assert list((tmp_path / "ws" / "uploads").iterdir()) == []       # the refused file is not kept
    page = c.post("/batch/check", data={"csrf": csrf(c), "kind": "dunning"},
                  files={"ledger": ("b.xlsx", bomb.read_bytes())})
    assert page.status_code == 413 and "压缩炸弹" in page.text and "重新上传" in page.text


def test_zip_directory_that_lies_about_sizes_is_a_broken_file(tmp_path):
    c = client(tmp_path / "ws", max_upload_mb=1)
    bomb = _with_sheet(_xlsx(tmp_path / "base.xlsx"), tmp_path / "liar.xlsx",
                       (SHEET_HEAD if i == 0 else b" " * (1 << 20) for i in range(32)))
    data = bytearray(bomb.read_bytes())
    at = data.find(b"PK\x01\x02")                          # central directory: claim every member is tiny
    while at >= 0:
        data[at + 24:at + 28] = (1000).to_bytes(4, "little")
        at = data.find(b"PK\x01\x02", at + 4)
    r = c.post("/api/batch", files={"ledger": ("liar.xlsx", bytes(data))}, data={"level": "1"})
    assert r.status_code == 422 and "已损坏" in r.json()["errors"][0]["message"]


def test_sheet_claiming_a_million_rows(tmp_path):
    c = client(tmp_path / "ws", max_upload_mb=1)
    base = _xlsx(tmp_path / "base.xlsx")
    header = HEADER.split(",")
    one = ["2栋", "101", "业主甲", "13800000000", "物业服务费", "2026-10", "200.00", "0", "200.00"]
    # only a <dimension> claim: the reader ignores it, the ledger is read as the 2 rows it has
    claim = _with_sheet(base, tmp_path / "claim.xlsx", SHEET_HEAD + _row(1, header) + _row(2, one) + SHEET_TAIL)
    assert api.table_size(claim, max_unpacked=2**30)["rows"] == 2
    r = c.post("/batch/check", data={"csrf": csrf(c), "kind": "dunning"}, files={"ledger": ("c.xlsx", claim.read_bytes())})
    assert r.status_code == 200 and "数据 1 行" in r.text and "1 户" in r.text
    # a row numbered 1048576: the reader would walk a million empty rows to reach it
    far = _with_sheet(base, tmp_path / "far.xlsx",
                      SHEET_HEAD + _row(1, header) + _row(2, one) + _row(1048576, one) + SHEET_TAIL)
    t0 = time.perf_counter()
    r = _post(c, far, "far.xlsx")
    assert r.status_code == 422 and time.perf_counter() - t0 < 10
    msg = r.json()["errors"][0]["message"]
    assert "1048576 行" in msg and "上限 300000 行" in msg and "max_rows" in msg and "拆成" in msg
    # a cell in the last column: every row would be read 16384 cells wide
    wide = _with_sheet(base, tmp_path / "wide.xlsx",
                       SHEET_HEAD + _row(1, header) + b'<row r="2"><c r="XFD2"><v>1</v></c></row>' + SHEET_TAIL)
    r = _post(c, wide)
    assert r.status_code == 422 and "16384 列" in r.json()["errors"][0]["message"]


def test_rows_without_numbers_count_on(tmp_path):
    base = _xlsx(tmp_path / "base.xlsx")
    xml = SHEET_HEAD + b"".join(b"<row><c t=\"inlineStr\"><is><t>x</t></is></c></row>" for _ in range(5)) + SHEET_TAIL
    assert api.table_size(_with_sheet(base, tmp_path / "n.xlsx", xml), max_unpacked=2**30) == {
        "rows": 5, "columns": 0, "unpacked": api.table_size(tmp_path / "n.xlsx", max_unpacked=2**30)["unpacked"]}
    assert api.table_size(base, max_unpacked=2**30)["rows"] == 4 and api.table_size(base, max_unpacked=2**30)["columns"] == 9
    with pytest.raises(DataError) as e:
        (tmp_path / "x.xlsx").write_bytes(b"PK\x03\x04 not really")
        api.table_size(tmp_path / "x.xlsx", max_unpacked=2**30)
    assert "已损坏" in str(e.value)


def test_row_limit_from_docgen_toml(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "docgen.toml").write_text("[web]\nmax_rows = 5\n", encoding="utf-8")
    c = client(ws)
    assert c.app.state.desk.max_rows == 5
    led = ledger_csv(tmp_path / "l.csv")                    # header + 7 rows = 8 lines
    r = _post(c, led)
    assert r.status_code == 422
    assert "有 8 行" in r.json()["errors"][0]["message"] and "上限 5 行" in r.json()["errors"][0]["message"]
    small = tmp_path / "s.csv"
    small.write_text("\n".join(led.read_text(encoding="utf-8-sig").splitlines()[:5]) + "\n", encoding="utf-8")
    assert _post(c, small).status_code == 202
    (ws / "docgen.toml").write_text("[web]\nmax_row = 5\n", encoding="utf-8")   # a typo is named, as by the CLI
    with pytest.raises(DataError) as e:
        api.profile_info(ws / "docgen.toml")
    assert "max_row" in str(e.value) and "max_rows" in str(e.value)


async def _check_while_asking(app, ledger: Path) -> tuple[httpx.Response, list[float], float]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE, timeout=300) as c:
        await c.get("/")
        token = c.cookies.get("docgen_csrf")
        done = {}

        async def check():
            r = await c.post("/batch/check", data={"csrf": token, "kind": "dunning"},
                             files={"ledger": ("十二月.csv", ledger.read_bytes())})
            done["at"] = time.perf_counter()
            return r

        task = asyncio.create_task(check())
        answered = []                       # (when it was answered, how long it took)
        while not task.done():
            await asyncio.sleep(0.2)
            t0 = time.perf_counter()
            r = await c.get("/api/templates/water-outage-notice")
            assert r.status_code == 200
            answered.append((time.perf_counter(), time.perf_counter() - t0))
        return await task, answered, done["at"]


@pytest.mark.slow
def test_a_200k_row_ledger_is_checked_while_the_desk_answers(tmp_path):
    led = tmp_path / "big.csv"
    subprocess.run([sys.executable, str(SHARED), "--units", "12000", "--out", str(led)], check=True)
    lines = led.read_bytes().count(b"\n")
    assert lines > 200_000
    app = create_app(tmp_path / "ws", workers=1)
    try:
        r, answered, finished = asyncio.run(_check_while_asking(app, led))
    finally:
        app.state.desk.checks.shutdown()
    assert r.status_code == 200, r.text[:500]
    assert f"数据 {lines - 1} 行" in r.text and "12000 户" in r.text
    during = sorted(took for at, took in answered if at < finished)
    # the check runs in a process of its own: the desk answers other requests meanwhile, promptly
    assert len(during) >= 3 and during[len(during) // 2] < 0.5, answered
    # over the row limit, the same ledger is refused before it is read, quickly
    app = create_app(tmp_path / "ws2", workers=1, max_rows=200_000)
    from tests.test_web import TestClient
    c2 = TestClient(app, base_url=BASE)
    t0 = time.perf_counter()
    r = _post(c2, led)
    assert r.status_code == 422 and f"有 {lines} 行" in r.json()["errors"][0]["message"]
    assert time.perf_counter() - t0 < 30
