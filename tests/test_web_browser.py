"""The desk in a real browser: Debian's chromium driven by Playwright (never `playwright install`).

A clerk fills 停水通知 and downloads the PDF; a manager checks a ledger with one bad row, runs it and
downloads the ZIP; a trainer builds an exam. Each page is photographed at 1280×800 into docs/web/."""
from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the web desk needs the `web` extra: pip install 'docgen[web]'")
pytest.importorskip("uvicorn", reason="the browser tests serve the desk with uvicorn")
playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the browser is Debian's chromium)")

CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).is_file()),
                shutil.which("chromium"))
if not CHROMIUM:
    pytest.skip("no chromium found (apt-get install chromium): browser tests skipped", allow_module_level=True)

from tests.helpers import pdf_text  # noqa: E402
from tests.test_web import ledger_csv  # noqa: E402

# Screenshots go to a temporary folder; DOCGEN_WEB_SHOTS=docs/web refreshes the ones in the docs.
SHOTS = Path(os.environ.get("DOCGEN_WEB_SHOTS") or tempfile.gettempdir() + "/docgen-web-shots")
# zh-CN as a Chinese office's browser runs: date inputs show 2026/12/08, not mm/dd/yyyy. On Linux chromium
# takes its UI locale from LANGUAGE (with Debian's chromium-l10n installed; --lang alone is not enough there)
ZH = Path("/usr/lib/chromium/locales/zh-CN.pak").is_file()
FLAGS = ["--headless", "--no-sandbox", "--lang=zh-CN", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn
    from docgen.web import create_app
    ws = tmp_path_factory.mktemp("desk")
    app = create_app(ws, workers=1)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    end = time.time() + 20
    while not srv.started and time.time() < end:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", ws
    srv.should_exit = True
    t.join(10)


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True,
                              env={**os.environ, "LANGUAGE": "zh_CN:zh"})
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True, locale="zh-CN")
    pg = ctx.new_page()
    yield pg
    ctx.close()


def shot(page, name: str) -> None:
    if os.environ.get("DOCGEN_WEB_SHOTS") and not ZH:
        pytest.fail("the docs' screenshots need chromium's zh-CN locale pack (apt-get install chromium-l10n)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.activeElement && document.activeElement.blur()")    # no caret or focus ring
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_clerk_fills_water_outage_notice(server, page, tmp_path):
    base, _ = server
    page.goto(base + "/")
    page.fill("input[name=q]", "停水")
    page.wait_for_function("document.querySelectorAll('.card').length === 1")
    page.goto(base + "/")
    page.wait_for_load_state("networkidle")
    shot(page, "gallery")
    page.click("text=停水通知")
    page.wait_for_selector("#docform")
    page.fill("input[name=start]", "2026-12-08T08:30")
    page.fill("input[name=end]", "2026-12-08T07:00")     # before the typed start: the error shows by the field
    page.fill("input[name=area]", "11栋全部住户")
    page.fill("input[name=reason]", "二次供水泵房检修")
    page.fill("input[name=issue_date]", "2026-12-02")
    page.wait_for_selector("#err-end:has-text('应晚于')")
    page.fill("input[name=end]", "2026-12-08T16:30")
    page.wait_for_selector("#preview iframe#pdf", timeout=20000)
    page.wait_for_function("(() => { var i = document.querySelector('#page1');"
                           " return i && i.complete && i.naturalWidth > 600; })()", timeout=20000)
    shot(page, "form-preview")
    with page.expect_download() as dl:
        page.click("text=下载 PDF")
    d = dl.value
    assert d.suggested_filename.startswith("停水通知") and d.suggested_filename.endswith(".pdf")
    out = tmp_path / "clerk.pdf"
    d.save_as(out)
    text = pdf_text(out)
    assert "11栋全部住户" in text and "二次供水泵房检修" in text and "16:30" in text


def test_manager_runs_a_ledger_with_one_bad_row(server, page, tmp_path):
    base, _ = server
    led = ledger_csv(tmp_path / "十一月欠费.csv")
    page.goto(base + "/batch")
    page.set_input_files("input[name=ledger]", str(led))
    page.click("text=上传并检查")
    page.wait_for_selector("#row-errors")
    row = page.inner_text("#row-errors")
    assert "8" in row and "三百" in row
    shot(page, "batch-check")
    page.select_option("select[name=level]", "2")
    page.check("input[name=receipt]")
    page.click("text=开始生成")
    page.wait_for_selector("text=已完成", timeout=120000)
    shot(page, "batch-job")
    with page.expect_download() as dl:
        page.click("#zip")
    out = tmp_path / "r.zip"
    dl.value.save_as(out)
    names = set(zipfile.ZipFile(out).namelist())
    assert {"2栋-101.pdf", "2栋-201.pdf", "2栋-301.pdf", "manifest.csv", "print.pdf"} <= names
    assert not any("401" in n for n in names)        # the unit with the bad row got no letter


def test_trainer_builds_an_exam(server, page):
    base, _ = server
    page.goto(base + "/exam")
    page.fill("input[name=seed]", "2026")
    page.select_option("select[name=format]", "pdf")
    shot(page, "exam")
    page.click("button:has-text('组卷')")
    page.wait_for_selector("#exam-files", timeout=120000)
    links = page.inner_text("#exam-files")
    for name in ("paper-A.pdf", "paper-B.pdf", "key-A.pdf", "sheet-B.pdf", "key.json"):
        assert name in links
    shot(page, "exam-built")


def test_profile_and_history_pages(server, page):
    base, _ = server
    page.goto(base + "/profile")
    page.fill("input[name=office]", "翠湖花园物业服务中心")
    page.fill("input[name=escalate_after_days]", "十五")
    page.click("button:has-text('保存')")
    page.wait_for_selector("#err-dunning-escalate_after_days:has-text('正整数')")      # beside its field
    page.fill("input[name=escalate_after_days]", "20")
    page.fill("input[name=public_list_basis]", "《翠湖花园管理规约》第二十六条")
    page.fill("input[name=operator]", "王晓梅")
    page.click("button:has-text('保存')")
    page.wait_for_selector("p.good:has-text('已保存')")
    _, ws = server
    saved = (ws / "docgen.toml").read_text(encoding="utf-8")
    assert "escalate_after_days = 20" in saved and 'operator = "王晓梅"' in saved
    shot(page, "profile")
    page.goto(base + "/history")
    shot(page, "history")
    assert page.locator("#history tr").count() >= 2


def test_clerk_adds_photos_row_by_row(server, page, tmp_path, monkeypatch):
    from PIL import Image, ImageDraw
    from tests.test_web_images import BODY, PHOTOS
    base, ws = server
    folder = tmp_path / "tpl" / "web-photos"
    folder.mkdir(parents=True)
    (folder / "template.yaml").write_text(PHOTOS.replace("测试", "现场记录"), encoding="utf-8")
    (folder / "body.md").write_text(BODY, encoding="utf-8")
    monkeypatch.setenv("DOCGEN_TEMPLATES", str(tmp_path / "tpl"))
    pictures = []
    for n, color in enumerate(("#4a7fb5", "#c8843a")):
        im = Image.new("RGB", (320, 240), color)
        ImageDraw.Draw(im).rectangle((40, 40, 280, 200), outline="white", width=8)
        im.save(tmp_path / f"现场{n + 1}.png")
        pictures.append(str(tmp_path / f"现场{n + 1}.png"))
    before = set((ws / "uploads").iterdir())
    page.goto(base + "/t/web-photos")
    page.fill("input[name=place]", "3栋地下车库")
    page.set_input_files('input[type=file][name="photos[0]"]', pictures[0])
    page.wait_for_function("document.querySelector('input[name=\"up:photos[0]\"]').value !== ''")
    page.click("text=添加一张")
    page.set_input_files('input[type=file][name="photos[1]"]', pictures[1])
    page.wait_for_function("document.querySelector('input[name=\"up:photos[1]\"]').value !== ''")
    page.wait_for_function("Array.prototype.filter.call(document.querySelectorAll('span.img img.thumb'),"
                           " function (e) { return e.complete && e.naturalWidth === 320; }).length === 2")   # each row's picture
    page.fill('input[name="rooms[0].room"]', "101")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("(() => { var i = document.querySelector('#page1');"
                           " return i && i.complete && i.naturalWidth > 600; })()", timeout=20000)
    shot(page, "form-images")
    with page.expect_download() as dl:
        page.click("text=下载 PDF")
    out = tmp_path / "photos.pdf"
    dl.value.save_as(out)
    import pdfplumber
    with pdfplumber.open(out) as pdf:
        assert sum(len(p.images) for p in pdf.pages) == 2
    assert "照片2张" in pdf_text(out).replace(" ", "")
    assert len(set((ws / "uploads").iterdir()) - before) == 2       # each picture went up once, not per preview
