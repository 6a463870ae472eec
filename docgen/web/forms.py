"""A template's schema as an HTML form, and a posted form back to the data the library validates."""
from __future__ import annotations

import re
from pathlib import Path, PurePath

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from .security import save_upload

_ROW = re.compile(r"^(?P<field>[A-Za-z_][\w]*)\[(?P<i>\d+)\](?:\.(?P<sub>[\w]+))?$")
UPLOADED = re.compile(r"^[0-9a-f]{24}\.(png|jpg|jpeg)$")


def input_kind(f: dict) -> str:
    """The HTML control for a field type."""
    t = f["type"]
    if t == "list":
        if f["fields"]:
            return "table"
        return "images" if f.get("items") == "image" else "lines"
    return {"text": "textarea", "int": "number", "date": "date", "datetime": "datetime-local", "choice": "select",
            "bool": "checkbox", "image": "file", "period": "month", "money": "money", "number": "decimal",
            "phone": "tel"}.get(t, "text")


def form_value(f: dict, v) -> str:
    """A data value as the control shows it (datetime-local wants 2026-12-03T09:00)."""
    if v is None:
        return ""
    s = str(v)
    if f["type"] == "datetime" and len(s) >= 16 and s[10] == " ":
        return s[:10] + "T" + s[11:16]
    if f["type"] == "period":
        return s[:7]
    return s


def uploaded_name(v) -> str:
    """The server-made name of a picture already uploaded to this desk (a form shown again keeps it), else ""."""
    name = PurePath(str(v or "")).name
    return name if UPLOADED.match(name) else ""


def uploaded(ws, name: str) -> Path:
    """The file of a picture uploaded earlier through POST /upload/image (400 if it is not there)."""
    path = ws.root / "uploads" / name
    if not UPLOADED.match(name) or not path.is_file():
        raise HTTPException(400, "上传的图片已不在服务器上，请重新选择图片")
    return path


def _image_key(info: dict, key: str) -> bool:
    m = _ROW.match(key)
    f = next((f for f in info["fields"] if f["name"] == (m["field"] if m else key)), None)
    if f is None:
        return False
    if m is None:
        return f["type"] == "image"
    if m["sub"] is None:
        return f["type"] == "list" and f.get("items") == "image"
    return any(s["name"] == m["sub"] and s["type"] == "image" for s in f["fields"])


async def form_data(info: dict, form, ws, max_upload: int) -> dict:
    """The record a posted form stands for: empty controls are left out, list tables become lists of
    records (rows with nothing typed are dropped), a list of pictures a list of files; a picture is a
    file posted with the form or the name of one uploaded before (up:KEY), kept under the workspace."""
    got: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            if value.filename and _image_key(info, key):     # a file posted with the form wins over up:KEY
                path, _ = await save_upload(value, "image", ws.upload_path, max_upload)
                got[key] = str(path)
        elif key.startswith("up:"):
            if str(value).strip() and _image_key(info, key[3:]) and key[3:] not in got:
                got[key[3:]] = str(uploaded(ws, str(value).strip()))
        elif str(value).strip() and key not in got:
            got[key] = str(value)
    rows: dict[str, dict[int, dict]] = {}
    items: dict[str, dict[int, str]] = {}
    for key, v in got.items():
        m = _ROW.match(key)
        if m and m["sub"]:
            rows.setdefault(m["field"], {}).setdefault(int(m["i"]), {})[m["sub"]] = v.strip()
        elif m:
            items.setdefault(m["field"], {})[int(m["i"])] = v.strip()
    data: dict = {}
    for f in info["fields"]:
        name, kind = f["name"], input_kind(f)
        if kind == "table":
            if name in rows:
                data[name] = [rows[name][i] for i in sorted(rows[name])]
        elif kind == "images":
            if name in items:
                data[name] = [items[name][i] for i in sorted(items[name])]
        elif kind == "lines":
            lines = [x.strip() for x in got.get(name, "").splitlines() if x.strip()]
            if lines:
                data[name] = lines
        elif kind == "checkbox":
            data[name] = got.get(name) in ("true", "on", "1")
        elif name in got:
            data[name] = got[name]
    return data
