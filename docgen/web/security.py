"""What keeps a desk on 127.0.0.1 safe from the other pages a browser has open.

Any web page can make the browser post to 127.0.0.1, and a rebinding DNS name can point at it, so:
the Host header must name this server; every unsafe request from a browser must come from this
origin; page POSTs carry a CSRF token (double-submit: cookie + form field or X-CSRF-Token header);
a bind beyond loopback needs the access token (cookie after the first visit, Bearer for the API);
uploads are capped before they are read and checked by content, not by their name."""
from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse

CSRF_COOKIE = "docgen_csrf"
TOKEN_COOKIE = "docgen_token"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
MB = 1024 * 1024

# what each kind of upload may be: suffixes, and a check of the first bytes
KINDS = {
    "table": (".csv", ".xlsx", ".txt"),
    "bank": (".yaml", ".yml", ".gift", ".txt", ".xlsx", ".csv"),
    "answers": (".xlsx", ".csv"),
    "image": (".png", ".jpg", ".jpeg"),
}


def is_loopback(host: str) -> bool:
    """True for a bind address only this machine can reach."""
    return host in LOOPBACK or host.startswith("127.")


def _same(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


class Guard(BaseHTTPMiddleware):
    """Host check, same-origin check on unsafe methods, access token, request size cap."""

    def __init__(self, app, *, hosts: set[str], token: str | None, max_upload: int):
        super().__init__(app)
        self.hosts = {h.lower() for h in hosts}
        self.token = token
        self.max_upload = max_upload

    async def dispatch(self, request: Request, call_next):
        request.state.csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        host = (request.headers.get("host") or "").lower()
        name = urlsplit("//" + host).hostname or ""
        if name not in self.hosts and f"[{name}]" not in self.hosts:
            return PlainTextResponse("421 主机名不对：这个服务只接受本机地址的请求", status_code=421)
        api = request.url.path.startswith("/api/")
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            origin = request.headers.get("origin") or request.headers.get("referer")
            if origin and urlsplit(origin).netloc.lower() != host:
                return _refuse(api, 403, "来源不是本页面（跨站请求被拒绝）")
            length = request.headers.get("content-length")
            if length and length.isdigit() and int(length) > self.max_upload + MB:
                return _refuse(api, 413, f"上传内容太大（上限 {self.max_upload // MB} MB）")
        if self.token:
            given = request.query_params.get("token")
            if given and _same(given, self.token) and not api:
                # the URL printed at start-up: trade it for a cookie and drop it from the address bar
                resp = RedirectResponse(request.url.remove_query_params("token"), status_code=303)
                resp.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
                return resp
            auth = request.headers.get("authorization", "")
            bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
            if not (_same(bearer, self.token) or _same(request.cookies.get(TOKEN_COOKIE, ""), self.token)):
                return _refuse(api, 401, "需要访问令牌：请用启动时打印的网址打开，或在请求头加 Authorization: Bearer 令牌")
        response = await call_next(request)
        if not api and CSRF_COOKIE not in request.cookies:
            response.set_cookie(CSRF_COOKIE, request.state.csrf, httponly=False, samesite="strict")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response


def _refuse(api: bool, status: int, message: str):
    if api:
        return JSONResponse({"errors": [{"field": None, "label": None, "message": message}]}, status_code=status)
    return PlainTextResponse(f"{status} {message}", status_code=status)


def csrf_token(request: Request) -> str:
    """This browser's CSRF token (made on its first page view)."""
    return request.cookies.get(CSRF_COOKIE) or request.state.csrf


async def page_form(request: Request, max_upload: int):
    """The POSTed form of a page, after its CSRF token is checked (403 otherwise)."""
    form = await request.form(max_files=20, max_fields=2000, max_part_size=max_upload)
    sent = request.headers.get("x-csrf-token") or str(form.get("csrf") or "")
    if not _same(sent, request.cookies.get(CSRF_COOKIE, "")):
        raise HTTPException(403, "表单已过期或来自别的网页（CSRF 校验失败），请刷新页面后再提交")
    return form


def _looks_like(kind: str, suffix: str, head: bytes) -> bool:
    if suffix == ".xlsx":
        return head.startswith(b"PK\x03\x04")
    if suffix == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if suffix in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if b"\x00" in head:           # text files (CSV, YAML, GIFT, Aiken) never hold NUL bytes
        return False
    return True


async def save_upload(upload, kind: str, dest_for, max_upload: int) -> tuple[Path, str]:
    """Copy an upload to a server-made path (dest_for(suffix)); returns it and the shown original name.

    Refused with 400 when the suffix or content does not fit the kind, 413 above the cap."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise HTTPException(400, "没有选择文件")
    shown = Path(upload.filename.replace("\\", "/")).name[:120]
    suffix = Path(shown).suffix.lower()
    if suffix not in KINDS[kind]:
        raise HTTPException(400, f"不支持的文件类型「{suffix or shown}」，应为 {'、'.join(KINDS[kind])}")
    head = await upload.read(16)
    if not _looks_like(kind, suffix, head):
        raise HTTPException(400, f"文件「{shown}」的内容不是 {suffix} 文件")
    dest = dest_for(suffix)
    size = len(head)
    with open(dest, "wb") as f:
        f.write(head)
        while chunk := await upload.read(1024 * 256):
            size += len(chunk)
            if size > max_upload:
                f.close()
                dest.unlink(missing_ok=True)
                raise HTTPException(413, f"文件「{shown}」太大（上限 {max_upload // MB} MB）")
            f.write(chunk)
    return dest, shown
