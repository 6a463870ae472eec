"""A template's schema as an HTML form, and a posted form back to the data the library validates."""
from __future__ import annotations

import re

from .security import save_upload

_ROW = re.compile(r"^(?P<field>[A-Za-z_][\w]*)\[(?P<i>\d+)\]\.(?P<sub>[\w]+)$")


def input_kind(f: dict) -> str:
    """The HTML control for a field type."""
    t = f["type"]
    if t == "list":
        return "table" if f["fields"] else ("lines" if f.get("items") not in ("image",) else "none")
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


async def form_data(info: dict, form, ws, max_upload: int) -> dict:
    """The record a posted form stands for: empty controls are left out, list tables become lists of
    records (rows with nothing typed are dropped), uploads become files under the workspace."""
    data: dict = {}
    rows: dict[str, dict[int, dict]] = {}
    for key, value in form.multi_items():
        m = _ROW.match(key)
        if m:
            text = str(value).strip()
            if text:
                rows.setdefault(m["field"], {}).setdefault(int(m["i"]), {})[m["sub"]] = text
    for f in info["fields"]:
        name, kind = f["name"], input_kind(f)
        if kind == "table":
            if name in rows:
                data[name] = [rows[name][i] for i in sorted(rows[name])]
            continue
        if kind == "lines":
            lines = [x.strip() for x in str(form.get(name) or "").splitlines() if x.strip()]
            if lines:
                data[name] = lines
            continue
        if kind == "checkbox":
            data[name] = form.get(name) in ("true", "on", "1")
            continue
        if kind == "file":
            up = form.get(name)
            if up is not None and bool(getattr(up, "filename", None)):
                path, _ = await save_upload(up, "image", ws.upload_path, max_upload)
                data[name] = str(path)
            continue
        value = form.get(name)
        if value is not None and str(value).strip() != "":
            data[name] = str(value)
    return data
