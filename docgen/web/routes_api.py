"""The HTTP API (an ERP calls it without a browser): the same library functions as the CLI and the pages."""
from __future__ import annotations

import json

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import api
from ..errors import DocgenError, TemplateError
from . import desk
from .jobs import QueueFull


def _state(request: Request):
    return request.app.state.desk


def _err(status: int, message: str, field: str | None = None) -> JSONResponse:
    return JSONResponse({"errors": [{"field": field, "label": field, "message": message}]}, status_code=status)


async def templates(request: Request):
    """GET /api/templates — every template, as `docgen list --json`."""
    return JSONResponse(await run_in_threadpool(api.list_templates))


async def template(request: Request):
    """GET /api/templates/{id} — fields and the example."""
    try:
        return JSONResponse(await run_in_threadpool(api.template_info, request.path_params["id"]))
    except TemplateError as e:
        return _err(404, e.describe(), "template")


async def render(request: Request):
    """POST /api/render/{id}?format=pdf|docx — JSON data in, the document out (rendered in memory); 422 with
    per-field errors."""
    tid = request.path_params["id"]
    fmt = request.query_params.get("format", "pdf")
    st = _state(request)
    try:
        info = await run_in_threadpool(api.template_info, tid)
    except TemplateError as e:
        return _err(404, e.describe(), "template")
    try:
        data = json.loads(await request.body() or b"{}")
    except (ValueError, UnicodeDecodeError) as e:
        return _err(400, f"请求体不是合法的 JSON：{e}")
    if not isinstance(data, dict):
        return _err(422, "请求体应为「字段: 值」的 JSON 对象")
    try:
        content = await run_in_threadpool(desk.render_bytes, st.ws, tid, data, fmt)
    except DocgenError as e:
        return JSONResponse({"errors": desk.errors_of(tid, e, data)}, status_code=422)
    st.ws.remember({"kind": "api", "template": tid, "what": info["title"], "link": None})
    return desk.download_bytes(content, fmt, f"{info['title']}.{fmt}", f"{tid}.{fmt}")


async def batch(request: Request):
    """POST /api/batch (multipart: ledger, template or level, options) → {"job": id}."""
    st = _state(request)
    form = await request.form(max_files=2, max_fields=100, max_part_size=st.max_upload)
    try:
        kind, opts = desk.batch_options(form)
        if kind == "batch":
            await run_in_threadpool(api.template_info, opts["template"])
    except DocgenError as e:
        return _err(422, e.describe(), e.field)
    upload = form.get("ledger") or form.get("data")
    try:
        path, shown = await desk.checked_upload(upload, "table", st)
    except HTTPException as e:
        return _err(e.status_code, e.detail, "ledger")
    try:
        job = st.jobs.start(kind, path, shown, opts)
    except QueueFull as e:
        path.unlink(missing_ok=True)
        return _err(429, str(e))
    return JSONResponse({"job": job.id, "status": job.status, "url": f"/api/jobs/{job.id}"}, status_code=202)


async def job(request: Request):
    """GET /api/jobs/{id} — status (queued with its position, running, …), done/total, counts, the report."""
    try:
        return JSONResponse(desk.job_of(request).public())
    except HTTPException as e:
        return _err(e.status_code, e.detail)


async def cancel(request: Request):
    """POST /api/jobs/{id}/cancel — stop after the record being rendered."""
    try:
        j = desk.job_of(request)
    except HTTPException as e:
        return _err(e.status_code, e.detail)
    ok = _state(request).jobs.cancel(j.id)
    return JSONResponse({"job": j.id, "cancelling": ok, "status": j.status}, status_code=202 if ok else 409)


async def job_file(request: Request):
    """GET /api/jobs/{id}/result.zip | manifest.csv | print.pdf — a finished job's files."""
    st = _state(request)
    try:
        j = desk.job_of(request)
    except HTTPException as e:
        return _err(e.status_code, e.detail)
    name = request.path_params["name"]
    if not j.public()["finished"]:
        return _err(409, "任务还没有结束")
    if name == "result.zip":
        path = await run_in_threadpool(st.jobs.result_zip, j.id)
        shown = f"{j.title or 'result'}-{j.id}.zip"
    else:
        path = st.jobs.file(j.id, name)
        shown = name
    if path is None:
        return _err(404, f"这个任务没有 {name}" + ("（没有选合并打印）" if name == "print.pdf" else ""))
    return desk.download(path, shown)


ROUTES = [
    Route("/api/templates", templates),
    Route("/api/templates/{id}", template),
    Route("/api/render/{id}", render, methods=["POST"]),
    Route("/api/batch", batch, methods=["POST"]),
    Route("/api/jobs/{id}", job),
    Route("/api/jobs/{id}/cancel", cancel, methods=["POST"]),
    Route("/api/jobs/{id}/{name}", job_file),
]
