"""What the pages and the HTTP API share: rendering one document, downloads, batch options, errors."""
from __future__ import annotations

import asyncio
import multiprocessing
import shutil
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response

from .. import api
from ..errors import DataError, DocgenError
from .security import MB, save_upload
from .workspace import Workspace

MEDIA = {"pdf": "application/pdf",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "zip": "application/zip", "csv": "text/csv; charset=utf-8", "json": "application/json"}
_BAD = '<>:"/\\|?*'


def _disposition(shown: str, fallback: str, inline: bool) -> dict[str, str]:
    shown = "".join("_" if c in _BAD or ord(c) < 32 else c for c in shown).strip(". ") or fallback
    ascii_name = shown if shown.isascii() and not any(c in shown for c in ';,"') else fallback
    kind = "inline" if inline else "attachment"
    return {"Content-Disposition": f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(shown, safe='')}",
            "Cache-Control": "no-store"}


def download(path: Path, shown: str, *, inline: bool = False) -> FileResponse:
    """A file response whose name Windows accepts: ASCII fallback plus the Chinese name (RFC 5987)."""
    media = MEDIA.get(path.suffix.lstrip(".").lower(), "application/octet-stream")
    return FileResponse(path, media_type=media, headers=_disposition(shown, path.name, inline))


def download_bytes(data: bytes, fmt: str, shown: str, fallback: str, *, inline: bool = False) -> Response:
    """A document held in memory as a download, named as download() names files (fallback: an ASCII name)."""
    return Response(data, media_type=MEDIA.get(fmt, "application/octet-stream"),
                    headers=_disposition(shown, fallback, inline))


class Checks:
    """The pre-run reads of uploaded tables (api.ledger_check, api.table_check): a big file in a process of
    its own, because reading a 200k-row ledger holds the interpreter lock for long stretches, which would
    stall every other request of the desk; a small one in a worker thread (no process start-up to wait for)."""

    BIG = 2 * MB

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    async def run(self, fn, path: Path, *args):
        """fn(path, *args), in a thread or (for a file over BIG bytes) in the check process."""
        if path.stat().st_size <= self.BIG:
            return await run_in_threadpool(fn, path, *args)
        with self._lock:
            if self._pool is None:     # spawned, not forked: the server process has threads
                self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            pool = self._pool
        try:
            return await asyncio.wrap_future(pool.submit(fn, path, *args))
        except BrokenProcessPool:
            with self._lock:
                self._pool = None
            raise HTTPException(500, "检查文件的进程意外退出（内存不够？），请把文件拆小后再试") from None

    def shutdown(self) -> None:
        """Stop the check process (the server is stopping)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:       # waited for: the check process ends with the server, never left behind
            pool.shutdown(wait=True, cancel_futures=True)


MAX_COLUMNS = 1000      # a ledger or table has tens of columns; a cell at column XFD makes every row 16384 wide
UNPACK_FACTOR = 8       # an honest .xlsx unpacks to a few times its size; a zip bomb to thousands of times


def check_table(path: Path, shown: str, max_rows: int, max_upload: int) -> None:
    """Refuse a table the desk should not read (HTTPException 413/422 saying the limit and what to do):
    an .xlsx that unpacks to more than UNPACK_FACTOR × the upload cap, more than max_rows rows, or more
    than MAX_COLUMNS columns. Measured before the table is read, in bounded memory."""
    unpack_cap = UNPACK_FACTOR * max_upload
    try:
        size = api.table_size(path, max_unpacked=unpack_cap)
    except DocgenError as e:
        raise HTTPException(422, f"文件「{shown}」：{e.message}" + (f"（应为：{e.expected}）" if e.expected else "")) from None
    cli = "或用命令行 docgen dunning / docgen batch 处理（没有这些上限）"
    if size["rows"] is None:
        raise HTTPException(413, f"文件「{shown}」解压后有 {size['unpacked'] // MB} MB，超过网页版的上限 "
                                 f"{unpack_cap // MB} MB（上传上限的 {UNPACK_FACTOR} 倍），不像一份正常的表格"
                                 f"（可能是压缩炸弹），没有读取。若确是台账：请在 Excel 里另存为 CSV 再上传，{cli}")
    if size["columns"] and size["columns"] > MAX_COLUMNS:
        raise HTTPException(422, f"文件「{shown}」用到第 {size['columns']} 列，超过网页版的上限 {MAX_COLUMNS} 列，"
                                 f"没有读取：请删去多余的列（或整张表另存为 CSV）后再上传")
    if size["rows"] > max_rows:
        what = "行" if path.suffix.lower() != ".xlsx" else "行（工作表里最后一行的行号）"
        raise HTTPException(422, f"文件「{shown}」有 {size['rows']} {what}，超过网页版的上限 {max_rows} 行，"
                                 f"没有读取：请按楼栋拆成几个文件分批上传，或在工作目录的 docgen.toml 里调高 "
                                 f"[web] max_rows，{cli}")


async def checked_upload(upload, kind: str, d) -> tuple[Path, str]:
    """save_upload, then check_table on a table, bank or answers file (in a worker thread: the check
    reads the whole file, and other requests must go on meanwhile); a refused file is deleted."""
    path, shown = await save_upload(upload, kind, d.ws.upload_path, d.max_upload)
    if kind in ("table", "bank", "answers") and path.suffix.lower() in (".csv", ".xlsx", ".txt"):
        try:
            await run_in_threadpool(check_table, path, shown, d.max_rows, d.max_upload)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    return path, shown


def check_images(info: dict, data: dict, ws: Workspace) -> None:
    """Image values must be files uploaded to this desk: a path typed into a form or an API call
    would otherwise put any picture on the server's disk into a document."""
    uploads = (ws.root / "uploads").resolve()

    def inside(v) -> bool:
        try:
            return Path(str(v)).resolve().parent == uploads
        except (OSError, ValueError):
            return False

    def check(v, title: str) -> None:
        if v not in (None, "") and not inside(v):
            raise DataError("图片要通过网页上传，不能写服务器上的路径", field=title,
                            expected="在表单里选择 PNG 或 JPG 图片上传")

    def names(f: dict) -> list:
        return [f["name"], f["label"], *f["aliases"]]

    for f in info["fields"]:
        for k in names(f):
            v = data.get(k)
            if f["type"] == "image":
                check(v, f["title"])
            elif f["type"] == "list" and isinstance(v, list):
                for item in v:          # a list of pictures, or records with a picture column
                    if f.get("items") == "image":
                        check(item, f["title"])
                    for s in f["fields"]:
                        if s["type"] == "image" and isinstance(item, dict):
                            for sk in names(s):
                                check(item.get(sk), f"{f['title']} {s['title']}")


def render(ws: Workspace, template_id: str, data: dict, fmt: str) -> Path:
    """Render one document into a fresh folder under renders/ (a download, kept for history);
    returns the file (DataError on bad data)."""
    if fmt not in ("pdf", "docx"):
        raise DataError(f"未知格式「{fmt}」", field="format", expected="pdf 或 docx")
    check_images(api.template_info(template_id), data, ws)
    rid, folder = ws.new_dir("renders")
    try:
        written = api.render_one(template_id, data=data, out=folder / f"{template_id}.{fmt}", fmt=fmt,
                                 profile_path=ws.profile)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return written[0]


def render_bytes(ws: Workspace, template_id: str, data: dict, fmt: str) -> bytes:
    """Render one document in memory (the live preview, the API): nothing is written to the workspace."""
    check_images(api.template_info(template_id), data, ws)
    return api.render_bytes(template_id, data, fmt, profile_path=ws.profile)    # type: ignore[arg-type]


def errors_of(template_id: str, e: DocgenError, data: dict | None = None) -> list[dict]:
    """A DocgenError as the list the 422 answer and the form show: field, label, message (CLI wording);
    with the data, every field's problem, not only the first."""
    try:
        if data is not None and isinstance(e, DataError):
            found = api.data_errors(template_id, data)
            mine = api.error_field(template_id, e)
            if found and mine["message"] not in [f["message"] for f in found]:
                found.append(mine)        # a refusal the schema does not know (a picture not uploaded here)
            if found:
                return found
        return [api.error_field(template_id, e)]
    except DocgenError:
        return [{"field": None, "label": None, "message": e.describe()}]


def _flag(v) -> bool:
    return str(v or "").strip().lower() in ("1", "true", "on", "yes", "是")


def _opt_date(v, name: str):
    if not v:
        return None
    try:
        return date.fromisoformat(str(v).strip())
    except ValueError:
        raise DataError(f"「{v}」不是日期", field=name, expected="日期，如 2026-11-30") from None


def _opt_amount(v, name: str):
    if v in (None, ""):
        return None
    try:
        d = Decimal(str(v).strip().replace(",", ""))
    except InvalidOperation:
        raise DataError(f"「{v}」不是金额", field=name, expected="数字，如 100 或 0.5") from None
    if d < 0:
        raise DataError(f"「{v}」是负数", field=name, expected="不小于 0 的数")
    return d


FORMATS = {"pdf": ("pdf",), "docx": ("docx",), "both": ("pdf", "docx"), "none": ()}


def batch_options(form) -> tuple[str, dict]:
    """The job kind and library keyword arguments from a batch form or API call (names as the CLI's)."""
    fmt = str(form.get("format") or "pdf")
    if fmt not in FORMATS:
        raise DataError(f"未知格式「{fmt}」", field="format", expected="pdf、docx、both 或 none（只写打印文件）")
    opts: dict = {"formats": FORMATS[fmt], "merge": _flag(form.get("merge")), "duplex": _flag(form.get("duplex"))}
    template = str(form.get("template") or "").strip()
    level = str(form.get("level") or "").strip()
    kind = str(form.get("kind") or "").strip()
    if kind not in ("", "dunning", "batch"):
        raise DataError(f"未知任务「{kind}」", field="kind", expected="dunning（欠费台账）或 batch（任一模板 × 数据表）")
    if kind == "batch" and not template:
        raise DataError("批量生成要选模板", field="template", expected="模板 id，见 GET /api/templates")
    if kind == "batch" or (not kind and template and not level):
        opts["template"] = template
        if form.get("split_by"):
            opts["split_by"] = str(form.get("split_by"))
        if form.get("name"):
            opts["name"] = str(form.get("name"))
        return "batch", opts
    if level not in ("", "1", "2", "3"):
        raise DataError(f"「{level}」不是催缴级别", field="level", expected="1、2 或 3")
    opts.update(level=int(level or 1), template=template or None, receipt=_flag(form.get("receipt")),
                public_list=_flag(form.get("public_list")), detail=_flag(form.get("detail")),
                min_amount=_opt_amount(form.get("min_amount"), "min_amount"),
                late_fee_rate=_opt_amount(form.get("late_fee_rate"), "late_fee_rate"),
                as_of=_opt_date(form.get("as_of"), "as_of"), issue_date=_opt_date(form.get("issue_date"), "issue_date"),
                due_date=_opt_date(form.get("due_date"), "due_date"))
    if form.get("split_by"):
        opts["split_by"] = "楼栋"
    return "dunning", opts


def job_of(request):
    """The job a /jobs/{id} or /api/jobs/{id} route names (404 if the workspace has none)."""
    job = request.app.state.desk.jobs.get(request.path_params["id"])
    if job is None:
        raise HTTPException(404, "没有这个任务")
    return job
