"""Pages of the desk: gallery, a template's form with its live preview, downloads (batch, exam, profile
and history pages are in pages_work.py)."""
from __future__ import annotations

import shutil
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from .. import api
from ..errors import DocgenError, TemplateError
from . import desk
from .forms import UPLOADED, form_data, form_value, input_kind, uploaded_name
from .security import csrf_token, page_form, save_upload

HERE = Path(__file__).parent
pages = Jinja2Templates(directory=str(HERE / "templates"))   # .html: autoescaped
pages.env.globals.update(input_kind=input_kind, form_value=form_value, uploaded_name=uploaded_name)


def _desk(request: Request):
    return request.app.state.desk


def page(request: Request, name: str, status_code: int = 200, **context) -> HTMLResponse:
    """A page from docgen/web/templates with the CSRF token and the active tab."""
    context.setdefault("tab", "")
    return pages.TemplateResponse(request, name, {"csrf": csrf_token(request), **context}, status_code=status_code)


def _info(tid: str) -> dict:
    try:
        return api.template_info(tid)
    except TemplateError:
        raise HTTPException(404, f"没有 id 为「{tid}」的模板") from None


async def gallery(request: Request):
    """GET / — every template by category, searchable by title."""
    q = request.query_params.get("q", "").strip()
    items = await run_in_threadpool(api.list_templates)
    if q:
        items = [t for t in items if q.lower() in t["title"].lower() or q.lower() in t["id"]]
    groups: dict[str, list] = {}
    for t in items:
        groups.setdefault(t["category"], []).append(t)
    return page(request, "gallery.html", tab="gallery", groups=groups, q=q, count=len(items))


def _thumb(ws, tid: str) -> Path | None:
    path = ws.root / "cache" / "thumbs" / f"{tid}.png"
    if path.is_file():
        return path
    if not shutil.which("pdftoppm"):
        return None
    rid, folder = ws.new_dir("renders")
    try:
        pdf = api.render_one(tid, use_sample=True, out=folder / f"{tid}.pdf", fmt="pdf", profile_path=ws.profile)[0]
        png = api.first_page_png(pdf, folder / tid, dpi=30)
        png.replace(path)
    except DocgenError:
        return None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return path


async def thumb(request: Request):
    """GET /thumb/{id}.png — the sample's first page, rendered once into the workspace cache."""
    tid = request.path_params["id"]
    _info(tid)
    path = await run_in_threadpool(_thumb, _desk(request).ws, tid)
    if path is None:
        svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="180" height="254"><rect width="100%" height="100%" '
               'fill="#f4f4f4" stroke="#ccc"/><text x="90" y="130" font-size="14" text-anchor="middle" fill="#999">'
               '无预览</text></svg>')
        return Response(svg, media_type="image/svg+xml")
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "max-age=3600"})


async def form(request: Request):
    """GET /t/{id} — the form for one template (?sample=1 starts from its example)."""
    tid = request.path_params["id"]
    info = await run_in_threadpool(_info, tid)
    values = dict(info["example"]) if request.query_params.get("sample") else {}
    org = (await run_in_threadpool(api.profile_info, _desk(request).ws.profile))["org"]
    return page(request, "form.html", tab="gallery", t=info, values=values, org=org)


async def _posted(request: Request, tid: str):
    d = _desk(request)
    info = await run_in_threadpool(_info, tid)
    f = await page_form(request, d.max_upload)
    return d, info, f, await form_data(info, f, d.ws, d.max_upload)


async def preview(request: Request):
    """POST /t/{id}/preview — the PDF (rendered in memory) in an iframe with its first page as a picture,
    or each error beside its field (the CLI's words)."""
    tid = request.path_params["id"]
    try:
        d, info, _, data = await _posted(request, tid)
        pdf = await run_in_threadpool(desk.render_bytes, d.ws, tid, data, "pdf")
    except HTTPException as e:
        return page(request, "preview.html", status_code=e.status_code, t={"fields": []},
                    errors=[{"field": None, "message": e.detail}], src=None)
    except DocgenError as e:
        return page(request, "preview.html", status_code=422, t=info, errors=desk.errors_of(tid, e, data), src=None)
    pid = d.previews.put(pdf, f"{tid}.pdf")
    png = f"/p/{pid}/page-1.png" if shutil.which("pdftoppm") else None
    return page(request, "preview.html", t=info, errors=[], src=f"/p/{pid}/{tid}.pdf", png=png)


async def preview_file(request: Request):
    """GET /p/{id}/{name} — a preview's PDF (the iframe) or its first page as PNG, from memory."""
    d = _desk(request)
    pid, name = request.path_params["pid"], request.path_params["name"]
    p = d.previews.get(pid)
    if p is None:
        raise HTTPException(404, "预览已过期，请再改一下表单重新生成")
    if name == p.name:
        return desk.download_bytes(p.pdf, "pdf", p.name, p.name, inline=True)
    if name != "page-1.png":
        raise HTTPException(404, "文件不存在")
    png = p.png
    if png is None:
        try:
            png = await run_in_threadpool(api.page_png, p.pdf)
        except DocgenError as e:
            # an <img> must never break: say in the picture why there is none
            return Response(_svg(e.describe()), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})
        d.previews.set_png(pid, png)
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


def _svg(message: str) -> str:
    from html import escape
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="420" height="60"><rect width="100%" height="100%" '
            'fill="#fff3f3" stroke="#e8b4b4"/><text x="10" y="35" font-size="13" fill="#900">'
            f'{escape(message[:60])}</text></svg>')


async def download(request: Request):
    """POST /t/{id}/download?format=pdf|docx — the document under its Chinese title; kept in history."""
    tid = request.path_params["id"]
    fmt = request.query_params.get("format", "pdf")
    try:
        d, info, _, data = await _posted(request, tid)
        path = await run_in_threadpool(desk.render, d.ws, tid, data, fmt)
    except DocgenError as e:
        errors = desk.errors_of(tid, e, data)
        org = (await run_in_threadpool(api.profile_info, _desk(request).ws.profile))["org"]
        return page(request, "form.html", status_code=422, tab="gallery", t=info, values=data, org=org,
                    errors=errors)
    who = next((str(data[k]) for k in ("owner_name", "recipient", "name", "area", "buildings") if data.get(k)), "")
    d.ws.remember({"kind": "render", "template": tid, "title": info["title"], "what": who,
                   "link": f"/r/{path.parent.name}/{path.name}", "file": f"{info['title']}.{fmt}"})
    return desk.download(path, f"{info['title']}{('-' + who) if who else ''}.{fmt}")


async def upload_image(request: Request):
    """POST /upload/image — one picture for a form's image control (a seal, a photo, a row of a list):
    kept under a server-made name, which the form then posts instead of the file."""
    d = _desk(request)
    try:
        f = await page_form(request, d.max_upload)
        path, _ = await save_upload(f.get("file"), "image", d.ws.upload_path, d.max_upload)
    except HTTPException as e:
        return JSONResponse({"errors": [{"field": None, "label": None, "message": e.detail}]}, status_code=e.status_code)
    return JSONResponse({"name": path.name, "url": f"/uploads/{path.name}"})


async def uploaded_image(request: Request):
    """GET /uploads/{name} — a picture uploaded for a form (its thumbnail); only server-made image names."""
    name = request.path_params["name"]
    path = _desk(request).ws.root / "uploads" / name
    if not UPLOADED.match(name) or not path.is_file():
        raise HTTPException(404, "没有这张图片")
    media = "image/png" if name.endswith(".png") else "image/jpeg"
    return FileResponse(path, media_type=media, headers={"Cache-Control": "private, max-age=3600"})


async def rendered(request: Request):
    """GET /r/{rid}/{name} — a downloaded document again (the history's links)."""
    ws = _desk(request).ws
    folder = ws.find("renders", request.path_params["rid"])
    name = request.path_params["name"]
    if folder is None:
        raise HTTPException(404, "文件不存在（可能已被清理）")
    for f in folder.iterdir():
        if f.name == name and f.is_file():
            return desk.download(f, f.name, inline=request.query_params.get("dl") is None)
    raise HTTPException(404, "文件不存在")


ROUTES = [
    Route("/", gallery),
    Route("/thumb/{id}.png", thumb),
    Route("/t/{id}", form),
    Route("/t/{id}/preview", preview, methods=["POST"]),
    Route("/t/{id}/download", download, methods=["POST"]),
    Route("/r/{rid}/{name}", rendered),
    Route("/upload/image", upload_image, methods=["POST"]),
    Route("/uploads/{name}", uploaded_image),
    Route("/p/{pid}/{name}", preview_file),
]
