"""Pictures in the desk's forms: a list of images (upload per row, thumbnail) and a list of records with a
picture column; each picture is uploaded once and the form then carries its server-made name."""
from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pytest

pytest.importorskip("starlette", reason="the web desk needs the `web` extra: pip install 'docgen[web]'")

from tests.test_web import PNG, client, csrf  # noqa: E402

PHOTOS = """\
id: web-photos
title: 现场照片记录
category: 测试
fields:
  place: {type: string, label: 地点, required: true}
  photos: {type: list, items: image, label: 现场照片, required: true}
  rooms:
    type: list
    label: 房间
    fields:
      room: {type: string, label: 房号}
      photo: {type: image, label: 照片}
sample: {place: 示例}
"""
BODY = """# 现场照片记录

地点：{{ place }}，照片 {{ photos | length }} 张。

{% for p in photos %}
::: image {{ p }} {width=30mm}
{% endfor %}
{% for r in rooms %}
{{ r.room }}：{% if not r.photo %}无照片{% endif %}

{% if r.photo %}
::: image {{ r.photo }} {width=20mm}
{% endif %}
{% endfor %}
"""


@pytest.fixture()
def photos(tmp_path, monkeypatch):
    folder = tmp_path / "tpl" / "web-photos"
    folder.mkdir(parents=True)
    (folder / "template.yaml").write_text(PHOTOS, encoding="utf-8")
    (folder / "body.md").write_text(BODY, encoding="utf-8")
    monkeypatch.setenv("DOCGEN_TEMPLATES", str(tmp_path / "tpl"))
    return client(tmp_path / "ws")


def _images(pdf: bytes, tmp_path: Path) -> tuple[str, int]:
    p = tmp_path / "out.pdf"
    p.write_bytes(pdf)
    with pdfplumber.open(p) as doc:
        return "".join(pg.extract_text() or "" for pg in doc.pages), sum(len(pg.images) for pg in doc.pages)


def test_image_list_controls_upload_once_and_render(photos, tmp_path):
    c = photos
    page = c.get("/t/web-photos").text
    assert "（图片列表：请用命令行" not in page
    for snippet in ('type="file" name="photos[0]"', 'type="hidden" name="up:photos[0]"', '添加一张',
                    'type="file" name="rooms[0].photo"', 'name="up:rooms[0].photo"', 'name="rooms[0].room"'):
        assert snippet in page, snippet
    up = c.post("/upload/image", data={"csrf": csrf(c)}, files={"file": ("现场1.png", PNG, "image/png")})
    assert up.status_code == 200, up.text
    first = up.json()
    assert re.fullmatch(r"[0-9a-f]{24}\.png", first["name"]) and c.get(first["url"]).content == PNG
    second = c.post("/upload/image", data={"csrf": csrf(c)}, files={"file": ("2.png", PNG)}).json()["name"]
    form = {"csrf": csrf(c), "place": "3栋地下车库", "up:photos[0]": first["name"], "up:photos[1]": "",
            "up:photos[2]": second, "rooms[0].room": "101", "up:rooms[0].photo": second,
            "rooms[1].room": "102", "up:rooms[1].photo": ""}
    r = c.post("/t/web-photos/download?format=pdf", data=form,
               files={"photos[3]": ("直接.png", PNG, "image/png")})      # posted with the form (no script)
    assert r.status_code == 200, r.text
    text, images = _images(r.content, tmp_path)
    assert "照片 3 张" in text and "101" in text and "102：无照片" in re.sub(r"\s", "", text)
    assert images == 4                                   # 3 photos + room 101's
    pv = c.post("/t/web-photos/preview", data=form)
    assert pv.status_code == 200 and '<iframe id="pdf"' in pv.text
    # a form shown again (422) keeps the pictures already uploaded: their names and thumbnails
    bad = c.post("/t/web-photos/download?format=pdf", data={**form, "place": ""})
    assert bad.status_code == 422
    assert f'name="up:photos[0]" value="{first["name"]}"' in bad.text and f'src="/uploads/{first["name"]}"' in bad.text


def test_image_list_refusals(photos, tmp_path):
    c = photos
    r = c.post("/upload/image", data={"csrf": csrf(c)}, files={"file": ("a.gif", b"GIF89a")})
    assert r.status_code == 400 and "不支持的文件类型" in r.json()["errors"][0]["message"]
    r = c.post("/upload/image", data={"csrf": csrf(c)}, files={"file": ("fake.png", b"GIF89a....")})
    assert r.status_code == 400 and "不是 .png" in r.json()["errors"][0]["message"]
    assert c.post("/upload/image", files={"file": ("a.png", PNG)}).status_code == 403          # no CSRF token
    r = c.post("/t/web-photos/preview", data={"csrf": csrf(c), "place": "x", "up:photos[0]": "../docgen.toml"})
    assert r.status_code == 400 and "重新选择图片" in r.text
    r = c.post("/t/web-photos/preview", data={"csrf": csrf(c), "place": "x"})
    assert r.status_code == 422 and re.search(r'id="err-photos" hx-swap-oob="true">[^<]*缺少必填内容', r.text)
    outside = tmp_path / "p.png"
    outside.write_bytes(PNG)
    r = c.post("/api/render/web-photos", json={"place": "x", "photos": [str(outside)]})
    assert r.status_code == 422 and "上传" in r.json()["errors"][0]["message"]
    r = c.post("/api/render/web-photos", json={"place": "x", "rooms": [{"room": "1", "photo": str(outside)}]})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["photos", "rooms"]      # every problem, the refusal too
    assert "上传" in r.json()["errors"][1]["message"]
    assert c.get("/uploads/..%2Fdocgen.toml").status_code == 404
    assert c.get("/uploads/0123456789abcdef01234567.png").status_code == 404
