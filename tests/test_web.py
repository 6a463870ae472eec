"""docgen serve over HTTP (Starlette's test client): every route, field types, 422s, CSRF, token, Host check,
upload limits, a full batch job, exam build and grade, profile, history."""
from __future__ import annotations

import csv
import io
import json
import re
import time
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the web desk needs the `web` extra: pip install 'docgen[web]'")
pytest.importorskip("httpx", reason="Starlette's test client needs httpx")
import warnings  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

from docgen import api  # noqa: E402
from docgen.errors import DataError  # noqa: E402
from docgen.web import create_app  # noqa: E402
from tests.helpers import docx_text, pdf_text  # noqa: E402

BASE = "http://127.0.0.1:8765"
HEADER = "楼栋,房号,业主姓名,联系电话,收费项目,所属期间,应收金额,已收金额,欠费金额（元）"
WATER = {"start": "2026-12-03 09:00", "end": "2026-12-03 17:00", "area": "7栋全部住户", "reason": "水箱年度清洗消毒"}


def client(ws: Path, **kw) -> TestClient:
    """A client on a fresh desk, with the CSRF cookie from a first page view."""
    c = TestClient(create_app(ws, workers=1, **kw), base_url=kw.pop("base", BASE))
    c.get("/")
    return c


@pytest.fixture()
def desk(tmp_path):
    return client(tmp_path / "ws")


def csrf(c: TestClient) -> str:
    return c.cookies.get("docgen_csrf")


def ledger_csv(path: Path, bad: bool = True) -> Path:
    lines = [HEADER]
    for n in range(3):
        for m in (9, 10):
            lines.append(f"2栋,{n + 1}01,业主{n},1380000{n:04d},物业服务费,2026-{m:02d},{200 + n}.00,0,{200 + n}.00")
    if bad:
        lines.append("2栋,401,钱某,13800009999,物业服务费,2026-10,三百,0,三百")   # line 8: not an amount
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def wait(c: TestClient, jid: str, timeout: float = 120) -> dict:
    end = time.time() + timeout
    while time.time() < end:
        j = c.get(f"/api/jobs/{jid}").json()
        if j["finished"]:
            return j
        time.sleep(0.2)
    raise AssertionError(f"job {jid} did not finish")


# ---------------------------------------------------------------- the HTTP API

def test_api_templates_as_list_json(desk):
    r = desk.get("/api/templates")
    assert r.status_code == 200
    assert r.json() == api.list_templates()
    ids = [t["id"] for t in r.json()]
    assert "water-outage-notice" in ids and "fee-dunning-notice" in ids
    one = desk.get("/api/templates/water-outage-notice").json()
    start = next(f for f in one["fields"] if f["name"] == "start")
    assert (start["type"], start["label"], start["required"]) == ("datetime", "停水开始时间", True)
    assert one["example"]["area"] == "1—3栋全部住户及沿街商铺"
    assert desk.get("/api/templates/no-such").status_code == 404


def test_api_render_pdf_and_docx(desk):
    r = desk.post("/api/render/water-outage-notice?format=pdf", json=WATER)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    disp = r.headers["content-disposition"]
    assert "filename*=UTF-8''%E5%81%9C%E6%B0%B4%E9%80%9A%E7%9F%A5.pdf" in disp      # 停水通知.pdf
    assert 'filename="water-outage-notice.pdf"' in disp                              # the ASCII fallback
    pdf = Path(desk.app.state.desk.ws.root) / "t.pdf"
    pdf.write_bytes(r.content)
    text = pdf_text(pdf)
    assert "7栋全部住户" in text and "水箱年度清洗消毒" in text
    r = desk.post("/api/render/water-outage-notice?format=docx", json=WATER)
    assert r.status_code == 200
    doc = pdf.with_suffix(".docx")
    doc.write_bytes(r.content)
    assert "7栋全部住户" in docx_text(doc)


def test_api_render_422_names_each_field_in_the_cli_words(desk):
    r = desk.post("/api/render/water-outage-notice", json={"start": "2026-12-03 09:00", "end": "明天"})
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert [e["field"] for e in errors] == ["end", "area", "reason"]
    assert errors[1]["label"] == "停水范围"
    with pytest.raises(DataError) as cli:       # the CLI's message for the same data
        api.render_one("water-outage-notice", data={"start": "2026-12-03 09:00", "end": "明天"},
                       out=Path(desk.app.state.desk.ws.root) / "x.pdf")
    assert errors[0]["message"] == cli.value.describe()
    r = desk.post("/api/render/water-outage-notice", json={**WATER, "end": "2026-12-03 08:00"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "end"
    assert "应晚于停水开始时间" in r.json()["errors"][0]["message"]      # the template's checks: rule
    assert desk.post("/api/render/water-outage-notice", content=b"{oops").status_code == 400
    assert desk.post("/api/render/water-outage-notice", json=[1]).status_code == 422
    assert desk.post("/api/render/water-outage-notice?format=odt", json=WATER).status_code == 422
    assert desk.post("/api/render/nope", json=WATER).status_code == 404


def test_api_batch_job_end_to_end(desk, tmp_path):
    led = ledger_csv(tmp_path / "台账.csv")
    with open(led, "rb") as f:
        r = desk.post("/api/batch", files={"ledger": ("../../etc/台账.csv", f, "text/csv")},
                      data={"level": "2", "receipt": "true", "merge": "true", "issue_date": "2026-11-23",
                            "as_of": "2026-11-30"})
    assert r.status_code == 202, r.text
    jid = r.json()["job"]
    job = wait(desk, jid)
    assert job["status"] == "done", job
    assert (job["total"], job["done"], job["ok"]) == (3, 3, 6)
    assert job["failed"] == 1 and job["report"]["letters"] == 3
    ws = Path(desk.app.state.desk.ws.root)
    assert not (ws / "etc").exists() and not list(ws.rglob("台账.csv"))     # the upload's name is never a path
    man = desk.get(f"/api/jobs/{jid}/manifest.csv")
    assert man.status_code == 200
    rows = list(csv.DictReader(io.StringIO(man.content.decode("utf-8-sig"))))
    bad = [r for r in rows if r["status"] == "error"]
    assert [r["line"] for r in bad] == ["8"] and "三百" in bad[0]["message"]
    pdf = desk.get(f"/api/jobs/{jid}/print.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    z = zipfile.ZipFile(io.BytesIO(desk.get(f"/api/jobs/{jid}/result.zip").content))
    names = set(z.namelist())
    assert {"manifest.csv", "print.pdf", "2栋-101.pdf", "2栋-201.pdf", "2栋-301.pdf"} <= names
    letter = tmp_path / "l.pdf"
    letter.write_bytes(z.read("2栋-201.pdf"))
    text = pdf_text(letter)
    assert "业主1" in text and "402.00" in text and "送达回执" in text
    assert desk.get(f"/api/jobs/{jid}/nothing.txt").status_code == 404
    assert desk.post(f"/api/jobs/{jid}/cancel").status_code == 409      # already finished
    assert desk.get("/api/jobs/nope").status_code == 404
    hist = desk.get("/history").text
    assert "台账.csv" in hist and f"/jobs/{jid}" in hist


def test_api_batch_any_template_and_bad_options(desk, tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("停水开始时间,恢复供水时间,停水范围,停水原因\n"
                     "2026-12-03 09:00,2026-12-03 17:00,1栋,检修\n"
                     "2026-12-04 09:00,2026-12-04 08:00,2栋,检修\n", encoding="utf-8")
    with open(table, "rb") as f:
        r = desk.post("/api/batch", files={"data": ("t.csv", f)},
                      data={"kind": "batch", "template": "water-outage-notice", "name": "{area}"})
    job = wait(desk, r.json()["job"])
    assert job["status"] == "done" and job["ok"] == 1 and job["failed"] == 1
    assert desk.post("/api/batch", data={"level": "9"}).status_code == 422
    assert desk.post("/api/batch", data={"kind": "batch", "template": "nope"}).status_code == 422
    r = desk.post("/api/batch", data={"level": "1"})
    assert r.status_code == 400 and "没有选择文件" in r.json()["errors"][0]["message"]


# ---------------------------------------------------------------- safety

def test_foreign_host_refused(desk):
    assert desk.get("/", headers={"host": "evil.example:8765"}).status_code == 421
    assert desk.get("/api/templates", headers={"host": "rebind.attacker.test"}).status_code == 421
    assert desk.get("/", headers={"host": "localhost:8765"}).status_code == 200


def test_cross_origin_posts_refused(desk):
    r = desk.post("/api/render/water-outage-notice", json=WATER, headers={"origin": "http://evil.example"})
    assert r.status_code == 403
    r = desk.post("/t/water-outage-notice/preview", data={"csrf": csrf(desk), **WATER},
                  headers={"origin": "http://evil.example"})
    assert r.status_code == 403
    r = desk.post("/api/render/water-outage-notice", json=WATER, headers={"origin": BASE})
    assert r.status_code == 200


def test_page_posts_need_the_csrf_token(desk):
    form = {"start": "2026-12-03T09:00", "end": "2026-12-03T17:00", "area": "1栋", "reason": "检修"}
    assert desk.post("/t/water-outage-notice/preview", data=form).status_code == 403
    assert desk.post("/t/water-outage-notice/preview", data={**form, "csrf": "forged"}).status_code == 403
    assert desk.post("/profile", data={"name": "X"}).status_code == 403
    assert desk.post("/batch/run", data={"upload": "x"}).status_code == 403
    ok = desk.post("/t/water-outage-notice/preview", data=form, headers={"x-csrf-token": csrf(desk)})
    assert ok.status_code == 200 and "<iframe" in ok.text


def test_token_beyond_loopback(tmp_path):
    app = create_app(tmp_path / "ws", host="0.0.0.0", workers=1)
    token = app.state.desk.token
    assert token and len(token) >= 20
    c = TestClient(app, base_url=BASE)
    assert c.get("/api/templates").status_code == 401
    assert c.get("/").status_code == 401
    assert c.get("/api/templates", headers={"authorization": "Bearer wrong"}).status_code == 401
    assert c.get("/api/templates", headers={"authorization": f"Bearer {token}"}).status_code == 200
    r = c.get(f"/?token={token}", follow_redirects=False)
    assert r.status_code == 303 and "token" not in r.headers["location"]
    assert c.get("/").status_code == 200                       # the cookie from then on
    assert c.get("/api/templates").status_code == 200


def test_token_from_docgen_toml(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "docgen.toml").write_text('[org]\nname = "测试物业"\noffice = "测试苑物业服务中心"\n\n[web]\ntoken = "s3cret-token-of-the-office"\n',
                                    encoding="utf-8")
    c = TestClient(create_app(ws, workers=1), base_url=BASE)
    assert c.get("/api/templates").status_code == 401
    auth = {"authorization": "Bearer s3cret-token-of-the-office"}
    assert c.get("/api/templates", headers=auth).status_code == 200
    # the profile loader reads the same file: its [web] table must not stop a render (profile.SECTIONS knows "web")
    r = c.post("/api/render/water-outage-notice", json=WATER, headers=auth)
    assert r.status_code == 200, r.text
    pdf = ws / "o.pdf"
    pdf.write_bytes(r.content)
    assert "测试苑物业服务中心" in pdf_text(pdf)


def test_upload_cap_and_type(tmp_path):
    c = client(tmp_path / "ws", max_upload_mb=1)
    big = b"a,b\n" + b"1,2\n" * 700_000           # 2.8 MB
    r = c.post("/api/batch", files={"ledger": ("big.csv", big)}, data={"level": "1"})
    assert r.status_code == 413
    r = c.post("/api/batch", files={"ledger": ("x.exe", b"MZ\x90\x00")}, data={"level": "1"})
    assert r.status_code == 400 and ".exe" in r.json()["errors"][0]["message"]
    r = c.post("/api/batch", files={"ledger": ("fake.xlsx", b"not a zip file")}, data={"level": "1"})
    assert r.status_code == 400 and "不是 .xlsx" in r.json()["errors"][0]["message"]
    r = c.post("/api/batch", files={"ledger": ("bin.csv", b"a,b\x00\x01")}, data={"level": "1"})
    assert r.status_code == 400
    assert list((tmp_path / "ws" / "uploads").iterdir()) == []


# ---------------------------------------------------------------- pages

def test_gallery_by_category_and_search(desk):
    page = desk.get("/").text
    assert '<meta name="renderer" content="webkit">' in page
    assert "/static/htmx.min.js" in page and "https://" not in page           # no CDN
    assert "<h2>通知</h2>" in page and "停水通知" in page and "/thumb/water-outage-notice.png" in page
    found = desk.get("/?q=停水").text
    assert "停水通知" in found and "催告函" not in found
    assert "没有名称含" in desk.get("/?q=不存在的模板").text
    assert desk.get("/static/htmx.min.js").status_code == 200


def test_thumbnail_rendered_once(desk):
    r = desk.get("/thumb/water-outage-notice.png")
    assert r.status_code == 200
    cached = Path(desk.app.state.desk.ws.root) / "cache" / "thumbs" / "water-outage-notice.png"
    if r.headers["content-type"] == "image/png":
        assert cached.is_file() and r.content == cached.read_bytes()
        stamp = cached.stat().st_mtime_ns
        desk.get("/thumb/water-outage-notice.png")
        assert cached.stat().st_mtime_ns == stamp
    assert desk.get("/thumb/nope.png").status_code == 404


def test_form_controls_per_type(desk):
    page = desk.get("/t/water-outage-notice").text
    assert 'type="datetime-local" name="start"' in page and 'type="date" name="issue_date"' in page
    assert 'title="不填则为今天"' in page
    filled = desk.get("/t/water-outage-notice?sample=1").text
    assert 'value="2026-12-03T09:00"' in filled and "1—3栋全部住户及沿街商铺" in filled
    assert "锦程物业服务有限公司" in filled                     # profile values shown, not retyped
    dun = desk.get("/t/fee-dunning-notice?sample=1").text
    assert re.search(r'<table class="rows" data-field="\w+">', dun)          # a list field as a table
    assert re.search(r'name="\w+\[1\]\.\w+"', dun)                            # with the sample's rows


ALL_TYPES = """\
id: web-all-types
title: 字段类型测试
category: 测试
fields:
  s:  {type: string, label: 一行, required: true}
  t:  {type: text, label: 多行}
  i:  {type: int, label: 整数, min: 1, max: 9}
  n:  {type: number, label: 数字}
  m:  {type: money, label: 金额}
  d:  {type: date, label: 日期}
  dt: {type: datetime, label: 时间}
  p:  {type: phone, label: 电话}
  c:  {type: choice, label: 选项, choices: [甲, 乙]}
  b:  {type: bool, label: 是否}
  pe: {type: period, label: 期间}
  img: {type: image, label: 图片}
  tags: {type: list, label: 标签}
  rows:
    type: list
    label: 明细
    fields:
      item: {type: string, label: 项目}
      amount: {type: money, label: 金额}
sample: {s: 示例}
"""
ALL_BODY = """# 字段类型测试

{{ s }}|{{ t }}|{{ i }}|{{ n }}|{{ m | money }}|{{ d | cn_date }}|{{ dt | cn_datetime }}|{{ p }}|{{ c }}|{{ '是' if b else '否' }}|{{ pe }}|{{ tags | join('、') }}

{% for r in rows %}{{ r.item }}={{ r.amount | money }}；{% endfor %}{% if img %}有图{% endif %}
"""
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00"
       b"\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")


def test_every_field_type_through_the_form(tmp_path, monkeypatch):
    folder = tmp_path / "tpl" / "web-all-types"
    folder.mkdir(parents=True)
    (folder / "template.yaml").write_text(ALL_TYPES, encoding="utf-8")
    (folder / "body.md").write_text(ALL_BODY, encoding="utf-8")
    monkeypatch.setenv("DOCGEN_TEMPLATES", str(tmp_path / "tpl"))
    c = client(tmp_path / "ws")
    page = c.get("/t/web-all-types").text
    for snippet in ('<textarea name="t"', 'type="number" step="1" name="i" value="" min="1" max="9"',
                    'inputmode="decimal" name="m"', 'type="date" name="d"', 'type="datetime-local" name="dt"',
                    'type="tel" name="p"', '<select name="c">', 'type="checkbox" name="b"', 'type="month" name="pe"',
                    'type="file" name="img"', 'placeholder="每行一项"', 'name="rows[0].item"'):
        assert snippet in page, snippet
    form = {"csrf": csrf(c), "s": "<script>alert(1)</script>", "t": "第一行\n第二行", "i": "3", "n": "0.5",
            "m": "¥1,234.5", "d": "2026-12-01", "dt": "2026-12-01T08:30", "p": "13812345678", "c": "乙",
            "b": "true", "pe": "2026-03", "tags": "红\n绿", "rows[0].item": "水费", "rows[0].amount": "10",
            "rows[1].item": "", "rows[1].amount": "", "rows[2].item": "电费", "rows[2].amount": "20.5"}
    r = c.post("/t/web-all-types/download?format=pdf", data=form, files={"img": ("照片.png", PNG, "image/png")})
    assert r.status_code == 200, r.text
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(r.content)
    text = pdf_text(pdf).replace("\n", "").replace(" ", "")
    for want in ("<script>alert(1)</script>|第一行第二行|3|0.5|1,234.50|2026年12月1日|2026年12月1日8:30|13812345678", "|乙|是|2026-03|红、绿",
                 "水费=10.00；电费=20.50；", "有图"):
        assert want in text, want
    bad = c.post("/t/web-all-types/download?format=pdf", data={**form, "i": "12", "c": "丙", "s": ""})
    assert bad.status_code == 422
    assert "<script>alert" not in bad.text                         # escaped in HTML
    errs = dict(re.findall(r'id="err-(\w+)">([^<]+)<', bad.text))
    assert set(errs) == {"s", "i", "c"}
    assert "大于允许的最大值 9" in errs["i"] and "不在可选项中" in errs["c"] and "缺少必填内容" in errs["s"]
    outside = tmp_path / "p.png"          # a picture on the server's disk, named by an API caller
    outside.write_bytes(PNG)
    r = c.post("/api/render/web-all-types", json={"s": "x", "img": str(outside)})
    assert r.status_code == 422 and "上传" in r.json()["errors"][0]["message"]
    r = c.post("/t/web-all-types/preview", data={"csrf": csrf(c), "s": "x"},
               files={"img": ("evil.png", b"GIF89a....", "image/png")})
    assert r.status_code == 400 and "不是 .png" in r.text


def _files(root: Path) -> set:
    return {(p.relative_to(root).as_posix(), p.stat().st_size) for p in root.rglob("*") if p.is_file()}


def test_preview_and_download_the_clerk_way(desk, tmp_path):
    form = {"csrf": csrf(desk), "start": "2026-12-05T08:00", "end": "2026-12-05T12:00", "area": "9栋", "reason": "管网维修"}
    root = Path(desk.app.state.desk.ws.root)
    before = _files(root)
    r = desk.post("/t/water-outage-notice/preview", data=form)
    assert _files(root) == before                       # rendered in memory: nothing written to the workspace
    src = re.search(r'<iframe id="pdf" src="([^"]+)"', r.text).group(1)
    shown = desk.get(src)
    assert shown.status_code == 200 and shown.headers["content-disposition"].startswith("inline")
    assert src.startswith("/p/") and shown.content.startswith(b"%PDF")
    (tmp_path / "pv.pdf").write_bytes(shown.content)
    assert "9栋" in pdf_text(tmp_path / "pv.pdf") and "管网维修" in pdf_text(tmp_path / "pv.pdf")
    png = re.search(r'<img id="page1" class="page" src="([^"]+)"', r.text).group(1)
    img = desk.get(png)
    assert img.status_code == 200 and img.headers["content-type"] == "image/png"
    from PIL import Image
    with Image.open(io.BytesIO(img.content)) as im:
        assert abs(im.width - 661) <= 2 and abs(im.height - 935) <= 2       # A4 at 80 dpi: the first page
        assert im.convert("L").getextrema()[0] < 100                        # with dark text on it, not blank
    assert desk.get(png).content == img.content and _files(root) == before
    desk.app.state.desk.previews.ttl = 0                                    # an hour later: dropped from memory
    assert desk.get(src).status_code == 404 and "过期" in desk.get(src).text
    desk.app.state.desk.previews.ttl = 3600
    r = desk.post("/t/water-outage-notice/preview", data={**form, "end": "2026-12-05T07:00"})
    assert r.status_code == 422 and re.search(r'id="err-end" hx-swap-oob="true">[^<]*应晚于', r.text)
    assert "<iframe" not in r.text and "<img" not in r.text
    r = desk.post("/t/water-outage-notice/download?format=docx", data=form)
    assert r.status_code == 200
    name = r.headers["content-disposition"]
    assert "filename*=UTF-8''%E5%81%9C%E6%B0%B4%E9%80%9A%E7%9F%A5-9%E6%A0%8B.docx" in name      # 停水通知-9栋.docx
    assert 'filename="water-outage-notice.docx"' in name
    hist = desk.get("/history").text
    assert "停水通知" in hist and "9栋" in hist
    link = re.search(r'href="(/r/[^"?]+)\?dl=1"', hist).group(1)
    again = desk.get(link + "?dl=1")
    assert again.status_code == 200 and again.headers["content-disposition"].startswith("attachment")
    assert desk.get("/r/nope/x.pdf").status_code == 404
    assert desk.get("/r/..%2F..%2Fetc/passwd").status_code == 404


def test_batch_page_shows_errors_before_running(desk, tmp_path):
    led = ledger_csv(tmp_path / "l.csv")
    with open(led, "rb") as f:
        r = desk.post("/batch/check", data={"csrf": csrf(desk), "kind": "dunning"}, files={"ledger": ("十月.csv", f)})
    assert r.status_code == 200
    assert "有错的行 1 行" in r.text and re.search(r"<td>8</td><td>[^<]*三百", r.text)
    assert "<td>欠费金额</td><td>欠费金额（元）</td>" in r.text
    assert not list((Path(desk.app.state.desk.ws.root) / "jobs").iterdir())       # nothing run yet
    upload = re.search(r'name="upload" value="([^"]+)"', r.text).group(1)
    r = desk.post("/batch/run", data={"csrf": csrf(desk), "upload": upload, "shown": "十月.csv", "kind": "dunning",
                                      "level": "1", "merge": "true", "format": "pdf"}, follow_redirects=False)
    assert r.status_code == 303
    jid = r.headers["location"].rsplit("/", 1)[1]
    assert wait(desk, jid)["status"] == "done"
    page = desk.get(f"/jobs/{jid}").text
    assert "已完成" in page and f"/api/jobs/{jid}/result.zip" in page and "manifest.csv" in page
    assert desk.post("/batch/run", data={"csrf": csrf(desk), "upload": "../docgen.toml"}).status_code == 400


def test_cancel_stops_a_running_job(tmp_path):
    c = client(tmp_path / "ws")
    led = tmp_path / "big.csv"
    lines = [HEADER] + [f"{n // 50 + 1}栋,{n % 50 + 1:02d}01,业主{n},13800000000,物业服务费,2026-10,100.00,0,100.00"
                        for n in range(400)]
    led.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open(led, "rb") as f:
        jid = c.post("/api/batch", files={"ledger": ("big.csv", f)}, data={"level": "1"}).json()["job"]
    end = time.time() + 60
    while c.get(f"/api/jobs/{jid}").json()["done"] < 2 and time.time() < end:
        time.sleep(0.05)
    r = c.post(f"/jobs/{jid}/cancel", data={"csrf": csrf(c)}, follow_redirects=False)
    assert r.status_code == 303
    job = wait(c, jid)
    assert job["status"] == "cancelled" and job["done"] < 400
    rows = list(csv.DictReader(io.StringIO(c.get(f"/api/jobs/{jid}/manifest.csv").content.decode("utf-8-sig"))))
    assert len(rows) == 400 and any(r["status"] == "error" and "中断" in r["message"] for r in rows)


def test_exam_build_and_grade(desk, tmp_path):
    r = desk.post("/exam/build", data={"csrf": csrf(desk), "spec": "standard", "versions": "2", "seed": "7",
                                       "format": "pdf"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    eid = r.headers["location"].rsplit("/", 1)[1]
    page = desk.get(f"/exam/{eid}").text
    for name in ("paper-A.pdf", "paper-B.pdf", "key-A.pdf", "sheet-A.pdf", "key.json"):
        assert f"/exam/{eid}/{name}" in page, name
    key = desk.get(f"/exam/{eid}/key.json").json()
    versions = key["versions"]
    items = versions["A"]
    assert len(items) == 60
    rows = [["姓名", "版本"] + [it["id"] for it in items], ["考生甲", "A"] + [_answer(it) for it in items]]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    r = desk.post(f"/exam/{eid}/grade", data={"csrf": csrf(desk)},
                  files={"answers": ("答卷.csv", buf.getvalue().encode("utf-8"))}, follow_redirects=False)
    assert r.status_code == 303 and "error" not in r.headers["location"], r.headers["location"]
    page = desk.get(f"/exam/{eid}").text
    assert f"/exam/{eid}/grade/report.pdf" in page
    scores = desk.get(f"/exam/{eid}/grade/scores.csv").content.decode("utf-8-sig")
    assert "考生甲" in scores and "100" in scores
    r = desk.post("/exam/build", data={"csrf": csrf(desk), "versions": "99"})
    assert "版本数" in r.text


def _answer(it: dict) -> str:
    a = it["answer"]
    if it["type"] == "truefalse":
        return "对" if a else "错"
    if it["type"] == "blank":
        return ";".join(alts[0] for alts in a)
    if it["type"] in ("short", "essay"):
        return str(it["points"])
    if isinstance(a, list):
        return "".join(a)
    if isinstance(a, dict):
        return ";".join(f"{k}{v}" for k, v in a.items())
    return str(a)


def test_profile_saved_and_used(desk, tmp_path):
    r = desk.post("/profile", data={"csrf": csrf(desk), "name": "青松物业管理有限公司", "office": "青松苑物业服务中心",
                                    "phone": "0571-1234 5678"}, files={"seal": ("公章.png", PNG, "image/png")})
    assert r.status_code == 200 and 'class="good">已保存' in r.text
    ws = Path(desk.app.state.desk.ws.root)
    toml = (ws / "docgen.toml").read_text(encoding="utf-8")
    assert 'office = "青松苑物业服务中心"' in toml and 'seal = "seal.png"' in toml
    assert desk.get("/profile/seal").content == PNG
    r = desk.post("/api/render/water-outage-notice", json=WATER)
    pdf = tmp_path / "p.pdf"
    pdf.write_bytes(r.content)
    assert "青松苑物业服务中心" in pdf_text(pdf)
    r = desk.post("/profile", data={"csrf": csrf(desk), "name": "x"}, files={"logo": ("a.gif", b"GIF89a")})
    assert "不支持的文件类型" in r.text


def test_serve_command_registered():
    from typer.testing import CliRunner
    from docgen.cli import app
    r = CliRunner().invoke(app, ["serve", "--help"])
    assert r.exit_code == 0 and "--workspace" in r.output and "--open" in r.output


def test_exam_custom_spec_from_the_page(desk):
    form = {"csrf": csrf(desk), "spec": "custom", "versions": "1", "seed": "3", "format": "pdf",
            "single_count": "5", "single_points": "2", "truefalse_count": "5", "truefalse_points": "2",
            "multiple_count": "0", "blank_count": "", "short_count": "0", "duration": "30", "pass_mark": "60"}
    r = desk.post("/exam/build", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    eid = r.headers["location"].rsplit("/", 1)[1]
    key = desk.get(f"/exam/{eid}/key.json").json()
    assert key["full_marks"] == 20 and key["pass_mark"] == 60
    items = key["versions"]["A"]
    assert len(items) == 10 and {it["type"] for it in items} == {"single", "truefalse"}
    bad = desk.post("/exam/build", data={**form, "single_count": "0", "truefalse_count": "0"})
    assert "至少要有一种题型" in bad.text
    bad = desk.post("/exam/build", data={**form, "duration": "abc"})
    assert "不是整数" in bad.text


def test_preview_without_pdftoppm_says_so_and_shows_no_broken_picture(desk, monkeypatch):
    import docgen.web.pages as pages
    form = {"csrf": csrf(desk), "start": "2026-12-05T08:00", "end": "2026-12-05T12:00", "area": "9栋", "reason": "检修"}
    monkeypatch.setattr(pages.shutil, "which", lambda name: None)
    r = desk.post("/t/water-outage-notice/preview", data=form)
    assert r.status_code == 200 and '<iframe id="pdf"' in r.text
    assert "<img" not in r.text and "没有 pdftoppm" in r.text
    # a picture asked for anyway (pdftoppm removed after the page was made) is an SVG saying why, never broken
    src = re.search(r'<iframe id="pdf" src="(/p/\w+)/', r.text).group(1)
    monkeypatch.setattr("docgen.api.desk.shutil.which", lambda name: None)
    img = desk.get(src + "/page-1.png")
    assert img.status_code == 200 and img.headers["content-type"] == "image/svg+xml"
    assert "pdftoppm" in img.text
    assert desk.get(src + "/other.pdf").status_code == 404


def test_previews_kept_in_memory_are_bounded():
    from docgen.web.previews import Previews
    pv = Previews(max_items=3, max_bytes=1000)
    ids = [pv.put(b"%PDF" + bytes(100), f"{n}.pdf") for n in range(5)]
    assert [pv.get(i) is not None for i in ids] == [False, False, True, True, True]     # oldest dropped first
    big = pv.put(b"%PDF" + bytes(900), "big.pdf")
    assert pv.get(big) is not None and sum(pv.get(i) is not None for i in ids) == 0     # bytes bound too
