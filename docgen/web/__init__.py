"""docgen serve: the office's web desk (gallery, forms, preview, batch, exam, profile, history) and HTTP API.

Starlette + Jinja2 pages + vendored htmx: a small, well-kept stack with no build step (see README.md here)."""
from __future__ import annotations

import contextlib
import secrets
import socket
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from .desk import Checks
from .jobs import Jobs
from .previews import Previews
from .security import MB, Guard, LOOPBACK, is_loopback
from .workspace import Workspace

HERE = Path(__file__).parent


@dataclass
class Desk:
    """What every route reads: the workspace, the jobs, the limits."""
    ws: Workspace
    jobs: Jobs
    max_upload: int
    token: str | None
    max_rows: int = 300_000
    previews: Previews = field(default_factory=Previews)
    checks: Checks = field(default_factory=Checks)


def _hosts(host: str, extra: list[str]) -> set[str]:
    hosts = set(LOOPBACK) | {host} | set(extra)
    if host in ("0.0.0.0", "::", ""):
        # a bind on every interface answers to this machine's own names and addresses
        name = socket.gethostname()
        hosts |= {name, socket.getfqdn()}
        try:
            hosts |= {str(ai[4][0]) for ai in socket.getaddrinfo(name, None)}
        except OSError:
            pass
    return {h.lower() for h in hosts}


def create_app(workspace: Path | str, *, host: str = "127.0.0.1", token: str | None = None,
               max_upload_mb: int | None = None, max_rows: int | None = None, workers: int = 0,
               max_jobs: int | None = None, max_queued: int | None = None) -> Starlette:
    """The desk's ASGI app over a workspace folder; a bind beyond loopback gets an access token.

    Limits not given here come from the workspace's docgen.toml [web]: max_upload_mb (20), max_rows (300000),
    max_jobs (batch jobs at a time, 1) and max_queued (jobs waiting, 5)."""
    from .pages import ROUTES as PAGES
    from .pages_work import ROUTES as WORK     # imports pages (its page()), never the other way
    from .routes_api import ROUTES as API
    ws = Workspace(Path(workspace))
    web = ws.web_settings()
    token = token or (str(web["token"]) if web.get("token") else None)
    if token is None and not is_loopback(host):
        token = secrets.token_urlsafe(18)
    max_upload = int(max_upload_mb or web.get("max_upload_mb") or 20) * MB
    rows = int(max_rows or web.get("max_rows") or 300_000)
    hosts = _hosts(host, [str(h) for h in web.get("hosts", []) if h])
    jobs = Jobs(ws, workers=workers, max_jobs=int(max_jobs or web.get("max_jobs") or 1),
                max_queued=int(max_queued if max_queued is not None else web.get("max_queued", 5)))
    desk = Desk(ws, jobs, max_upload, token, rows)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        desk.jobs.shutdown()
        desk.checks.shutdown()

    app = Starlette(routes=API + PAGES + WORK + [Mount("/static", StaticFiles(directory=HERE / "static"), name="static")],
                    middleware=[Middleware(Guard, hosts=hosts, token=token, max_upload=max_upload)],
                    lifespan=lifespan)
    app.state.desk = desk
    return app
