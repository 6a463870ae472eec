"""Pages for longer work: batch (upload, check, run, progress, cancel), exam, profile, history."""
from __future__ import annotations

import json
from typing import Any
import re
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from .. import api
from ..errors import DocgenError
from ..exam import api as exam_api
from . import desk
from .jobs import QueueFull
from .security import page_form, save_upload

_UPLOAD = re.compile(r"^[0-9a-f]{24}\.(csv|xlsx|txt|yaml|yml|gift)$")
ORG_FIELDS = [("name", "机构全称"), ("office", "落款（物业服务中心）"), ("project", "项目／小区"), ("address", "地址"),
              ("phone", "服务电话"), ("signer", "签发人"), ("service_hours", "服务时间"), ("emergency_phone", "应急电话")]


def _page(request, name, **kw):
    from .pages import page
    return page(request, name, **kw)


def _desk(request: Request):
    return request.app.state.desk


async def batch_page(request: Request):
    """GET /batch — upload a ledger (dunning) or a table for any template."""
    items = await run_in_threadpool(api.list_templates)
    return _page(request, "batch.html", tab="batch", templates=items,
                 active=[j.public() for j in _desk(request).jobs.active()])


async def batch_check(request: Request):
    """POST /batch/check — the column mapping and every bad row, before anything is rendered."""
    d = _desk(request)
    form = await page_form(request, d.max_upload)
    kind = "batch" if form.get("kind") == "batch" else "dunning"
    template = str(form.get("template") or "")
    try:
        path, shown = await desk.checked_upload(form.get("ledger"), "table", d)
        if kind == "batch":
            check = await d.checks.run(_table_check, path, template)
        else:
            check = await d.checks.run(api.ledger_check, path)
    except HTTPException as e:
        return _page(request, "batch_check.html", tab="batch", error=e.detail, check=None, status_code=e.status_code)
    except DocgenError as e:
        return _page(request, "batch_check.html", tab="batch", error=e.describe(), check=None, status_code=422)
    basis = (await run_in_threadpool(api.profile_info, d.ws.profile))["public_list_basis"]
    return _page(request, "batch_check.html", tab="batch", error=None, check=check, kind=kind, template=template,
                 upload=path.name, shown=shown, basis=basis)


def _table_check(path, template):
    return api.table_check(template, path)


async def batch_run(request: Request):
    """POST /batch/run — start the job over the checked upload; the job page shows its progress."""
    d = _desk(request)
    form = await page_form(request, d.max_upload)
    upload = str(form.get("upload") or "")
    if not _UPLOAD.match(upload) or not (d.ws.root / "uploads" / upload).is_file():
        raise HTTPException(400, "上传的文件已不在，请重新上传")
    try:
        kind, opts = desk.batch_options(form)
    except DocgenError as e:
        return _page(request, "batch_check.html", tab="batch", error=e.describe(), check=None)
    try:
        job = d.jobs.start(kind, d.ws.root / "uploads" / upload, str(form.get("shown") or upload)[:120], opts)
    except QueueFull as e:
        return _page(request, "batch_check.html", tab="batch", error=str(e), check=None, status_code=429)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


async def job_page(request: Request):
    """GET /jobs/{id} — progress (polled while running), cancel, downloads when finished."""
    job = desk.job_of(request)
    name = "job_status.html" if request.headers.get("hx-request") else "job.html"
    out = _desk(request).jobs.out_dir(job.id)
    files = sorted(p.name for p in out.iterdir() if p.is_file() and p.suffix in (".pdf", ".csv")
                   and (p.name.startswith("print") or p.name in ("manifest.csv", "欠费公示.pdf"))) \
        if out is not None and out.is_dir() and job.public()["finished"] else []
    return _page(request, name, tab="batch", job=job.public(), files=files)


async def job_cancel(request: Request):
    """POST /jobs/{id}/cancel — stop after the record being rendered."""
    await page_form(request, _desk(request).max_upload)
    job = desk.job_of(request)
    _desk(request).jobs.cancel(job.id)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


async def exam_page(request: Request):
    """GET /exam — build papers from an uploaded bank or the sample."""
    return _page(request, "exam.html", tab="exam", result=None, error=None, sections=SECTIONS)


SECTIONS = [("single", "单项选择题", 30, 1), ("multiple", "多项选择题", 8, 2), ("truefalse", "判断题", 14, 1),
            ("blank", "填空题", 5, 2), ("short", "简答题", 3, 10)]


def _custom_spec(form) -> dict:
    """A spec from the page's table: count and points per question type, time and pass mark."""
    def num(name: str, low: int, high: int) -> int | None:
        text = str(form.get(name) or "").strip()
        if not text:
            return None
        try:
            n = int(text)
        except ValueError:
            raise HTTPException(400, f"「{text}」不是整数（{name}）") from None
        if not low <= n <= high:
            raise HTTPException(400, f"{name} 应在 {low} 到 {high} 之间")
        return n
    sections = []
    for t, _, _, _ in SECTIONS:
        count, points = num(f"{t}_count", 0, 200), num(f"{t}_points", 1, 100)
        if count:
            sections.append({"type": t, "count": count, "points": points or 1})
    if not sections:
        raise HTTPException(400, "自定义规格至少要有一种题型的题数")
    spec: dict[str, object] = {"sections": sections}
    for key, low, high in (("duration", 1, 600), ("pass_mark", 0, 100)):
        if (v := num(key, low, high)) is not None:
            spec[key] = v
    return spec


def _build(ws, bank, spec, versions, seed, fmt):
    eid, folder = ws.new_dir("exams")
    if isinstance(spec, dict):
        import yaml
        path = folder / "spec.yaml"
        path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
        spec = path
    res = exam_api.build_exam(bank, folder, spec_path=spec, versions=versions, seed=seed, fmt=fmt,
                              profile_path=ws.profile)
    (folder / "seed.txt").write_text(str(res.seed), encoding="utf-8")
    ws.remember({"kind": "exam", "template": "exam", "title": "试卷", "what": f"{len(res.papers)} 个版本，种子 {res.seed}",
                 "link": f"/exam/{eid}"})
    return eid


async def exam_build(request: Request):
    """POST /exam/build — papers, keys, answer sheets and key.json into a new exam folder."""
    d = _desk(request)
    form = await page_form(request, d.max_upload)
    try:
        bank: Any = "sample"
        if getattr(form.get("bank"), "filename", ""):
            bank, _ = await desk.checked_upload(form.get("bank"), "bank", d)
        spec: Any = str(form.get("spec") or "standard")
        if spec == "custom":
            spec = _custom_spec(form)
        elif spec not in ("standard", "full"):
            raise HTTPException(400, "组卷规格应为 standard、full 或 custom")
        versions = int(form.get("versions") or 2)
        if not 1 <= versions <= 10:
            raise HTTPException(400, "版本数应在 1 到 10 之间")
        seed = int(form["seed"]) if str(form.get("seed") or "").strip() else None
        eid = await run_in_threadpool(_build, d.ws, bank, spec, versions, seed, str(form.get("format") or "both"))
    except HTTPException as e:
        return _page(request, "exam.html", tab="exam", result=None, error=e.detail, sections=SECTIONS)
    except (DocgenError, ValueError) as e:
        return _page(request, "exam.html", tab="exam", result=None, sections=SECTIONS,
                     error=e.describe() if isinstance(e, DocgenError) else f"数字写错了：{e}")
    return RedirectResponse(f"/exam/{eid}", status_code=303)


def _exam_dir(request: Request) -> Path:
    folder = _desk(request).ws.find("exams", request.path_params["id"])
    if folder is None:
        raise HTTPException(404, "没有这份试卷")
    return folder


async def exam_result(request: Request):
    """GET /exam/{id} — the built files and the grading form."""
    folder = _exam_dir(request)
    files = sorted(p.name for p in folder.iterdir() if p.is_file() and p.name != "seed.txt")
    seed = (folder / "seed.txt").read_text(encoding="utf-8") if (folder / "seed.txt").is_file() else ""
    graded = sorted(p.name for p in (folder / "grade").iterdir()) if (folder / "grade").is_dir() else []
    key = json.loads((folder / "key.json").read_text(encoding="utf-8"))
    return _page(request, "exam_result.html", tab="exam", eid=folder.name, files=files, graded=graded,
                 key=key, seed=seed, error=request.query_params.get("error"))


async def exam_grade(request: Request):
    """POST /exam/{id}/grade — an answers XLSX/CSV against this exam's key.json; the report and lists."""
    d = _desk(request)
    folder = _exam_dir(request)
    form = await page_form(request, d.max_upload)
    try:
        answers, _ = await desk.checked_upload(form.get("answers"), "answers", d)
        await run_in_threadpool(exam_api.grade_exam, folder / "key.json", answers, folder / "grade",
                                profile_path=d.ws.profile)
    except HTTPException as e:
        return await _exam_error(request, folder, e.detail)
    except DocgenError as e:
        return await _exam_error(request, folder, e.describe())
    return RedirectResponse(f"/exam/{folder.name}", status_code=303)


async def _exam_error(request, folder, message):
    from urllib.parse import quote
    return RedirectResponse(f"/exam/{folder.name}?error={quote(message)}", status_code=303)


async def exam_file(request: Request):
    """GET /exam/{id}/{name} and /exam/{id}/grade/{name} — a built or graded file."""
    folder = _exam_dir(request)
    if request.url.path.rstrip("/").split("/")[-2] == "grade":
        folder = folder / "grade"
    name = request.path_params["name"]
    for f in folder.iterdir() if folder.is_dir() else []:
        if f.name == name and f.is_file():
            return desk.download(f, f.name)
    raise HTTPException(404, "文件不存在")


DUNNING_FIELDS = [("escalate_after_days", "催缴升级天数", "上一级通知发出多少天后可以发下一级（正整数，默认 15）"),
                  ("public_list_basis", "欠费公示的依据", "管理规约的条款或业主大会的决定，如《翠湖花园管理规约》第二十六条；不填则不能公示")]
REGISTER_FIELDS = [("operator", "经办人", "登记簿里记为签发文书的人；不填则为空")]


def save_profile(ws, org: dict, dunning: dict | None = None, register: dict | None = None) -> Path:
    """Set these [org], [dunning] and [register] values in the workspace's docgen.toml (None removes a key),
    keeping every other table and every comment line (tomledit); the result must pass the profile
    checker, whose error (the CLI's words, naming docgen.toml) is raised and nothing is saved."""
    from .tomledit import set_keys
    path = ws.root / "docgen.toml"
    text = (path.read_text(encoding="utf-8-sig") if path.is_file()
            else "# 机构配置：由 docgen serve 的「机构信息」页写出，也可以直接编辑。\n")
    for table, values in (("org", org), ("dunning", dunning or {}), ("register", register or {})):
        if values:
            text = set_keys(text, table, values)
    tmp = ws.root / ".docgen.toml.new"
    tmp.write_text(text, encoding="utf-8")
    try:
        api.profile_info(tmp)          # a profile the library cannot read is never saved
    except DocgenError as e:
        tmp.unlink(missing_ok=True)
        e.file = str(path)
        e.args = (e.describe(),)
        raise
    tmp.replace(path)
    return path


def _settings_form(form) -> tuple[dict, dict]:
    def text(k: str) -> str | None:
        return str(form.get(k) or "").strip() or None
    days: object = text("escalate_after_days")
    if isinstance(days, str) and days.isdigit():
        days = int(days)             # anything else goes to the checker as written, which says what is wrong
    return ({"escalate_after_days": days, "public_list_basis": text("public_list_basis")},
            {"operator": text("operator")})


def _profile_page(request, info, **kw):
    kw.setdefault("typed", None)
    return _page(request, "profile.html", tab="profile", info=info, fields=ORG_FIELDS, dunning_fields=DUNNING_FIELDS,
                 register_fields=REGISTER_FIELDS, **kw)


def _read_profile(ws) -> tuple[dict, str | None]:
    """The workspace profile as the page shows it; a file the checker refuses shows the defaults and why."""
    try:
        return api.profile_info(ws.profile), None
    except DocgenError as e:
        return api.profile_info(None), e.describe()


async def profile_page(request: Request):
    """GET /profile — the organisation values every document prints, the dunning and register settings."""
    info, error = await run_in_threadpool(_read_profile, _desk(request).ws)
    return _profile_page(request, info, saved=False, error=error, error_field=None)


async def profile_save(request: Request):
    """POST /profile — save docgen.toml in the workspace (seal and logo uploads kept as seal.png, logo.png)."""
    d = _desk(request)
    form = await page_form(request, d.max_upload)
    org = {k: str(form.get(k) or "").strip() for k, _ in ORG_FIELDS}
    org = {k: v for k, v in org.items() if v}
    dunning, register = _settings_form(form)
    error = where = None
    status = 200
    try:
        for key in ("seal", "logo"):
            up = form.get(key)
            if getattr(up, "filename", ""):
                path, _ = await save_upload(up, "image", lambda s, k=key: d.ws.root / f"{k}{s}", d.max_upload)
                org[key] = path.name
        await run_in_threadpool(save_profile, d.ws, org, dunning, register)
    except HTTPException as e:
        error, status = e.detail, e.status_code
    except DocgenError as e:
        error, where, status = e.describe(), e.field, 422
    info, _ = await run_in_threadpool(_read_profile, d.ws)
    typed = None if error is None else {**{k: str(form.get(k) or "") for k, _, _ in DUNNING_FIELDS + REGISTER_FIELDS}}
    return _profile_page(request, info, saved=error is None, error=error, error_field=where, typed=typed,
                         status_code=status)


async def profile_image(request: Request):
    """GET /profile/{seal|logo} — the configured picture, for the preview on the profile page."""
    from starlette.responses import FileResponse
    key = request.path_params["key"]
    org = (await run_in_threadpool(api.profile_info, _desk(request).ws.profile))["org"]
    if key not in ("seal", "logo") or not org.get(key):
        raise HTTPException(404, "没有配置")
    return FileResponse(org[key])


async def history(request: Request):
    """GET /history — everything generated from the desk, newest first."""
    return _page(request, "history.html", tab="history", items=_desk(request).ws.history()[:500])


ROUTES = [
    Route("/batch", batch_page),
    Route("/batch/check", batch_check, methods=["POST"]),
    Route("/batch/run", batch_run, methods=["POST"]),
    Route("/jobs/{id}", job_page),
    Route("/jobs/{id}/cancel", job_cancel, methods=["POST"]),
    Route("/exam", exam_page),
    Route("/exam/build", exam_build, methods=["POST"]),
    Route("/exam/{id}", exam_result),
    Route("/exam/{id}/grade", exam_grade, methods=["POST"]),
    Route("/exam/{id}/grade/{name}", exam_file),
    Route("/exam/{id}/{name}", exam_file),
    Route("/profile", profile_page),
    Route("/profile", profile_save, methods=["POST"]),
    Route("/profile/{key}", profile_image),
    Route("/history", history),
]
