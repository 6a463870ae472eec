"""More than one batch job: jobs beyond the concurrent limit wait in a small queue, in order, shown with their
place on the page and in GET /api/jobs/{id}, and can be cancelled while they wait."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the web desk needs the `web` extra: pip install 'docgen[web]'")

from tests.test_web import HEADER, client, csrf, ledger_csv, wait  # noqa: E402


def _big(path: Path, units: int = 300) -> Path:
    lines = [HEADER] + [f"{n // 50 + 1}栋,{n % 50 + 1:02d}01,业主{n},13800000000,物业服务费,2026-10,100.00,0,100.00"
                        for n in range(units)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _start(c, path: Path):
    with open(path, "rb") as f:
        return c.post("/api/batch", files={"ledger": (path.name, f)}, data={"level": "1"})


def test_jobs_queue_in_order_and_cancel_while_waiting(tmp_path):
    c = client(tmp_path / "ws", max_jobs=1, max_queued=2)
    first = _start(c, _big(tmp_path / "一号.csv")).json()["job"]
    end = time.time() + 60
    while c.get(f"/api/jobs/{first}").json()["status"] != "running" and time.time() < end:
        time.sleep(0.05)
    second = _start(c, ledger_csv(tmp_path / "二号.csv")).json()
    third = _start(c, ledger_csv(tmp_path / "三号.csv")).json()
    assert second["status"] == "queued" and third["status"] == "queued"
    j2, j3 = c.get(f"/api/jobs/{second['job']}").json(), c.get(f"/api/jobs/{third['job']}").json()
    assert (j2["status"], j2["position"], j3["position"]) == ("queued", 1, 2)
    # the queue is small: a fourth is refused, saying why and what to do
    full = _start(c, ledger_csv(tmp_path / "四号.csv"))
    assert full.status_code == 429 and "上限 2 个" in full.json()["errors"][0]["message"]
    page = c.get(f"/jobs/{third['job']}").text
    assert "排队中" in page and "前面还有 1 个任务" in page and "取消" in page
    listing = c.get("/batch").text
    assert "进行中的任务" in listing and "生成中" in listing and "排队中（第 2 位）" in listing
    # cancelled while it waits: ended at once, never run, in history; the others keep their order
    r = c.post(f"/jobs/{third['job']}/cancel", data={"csrf": csrf(c)}, follow_redirects=False)
    assert r.status_code == 303
    j3 = c.get(f"/api/jobs/{third['job']}").json()
    assert j3["status"] == "cancelled" and j3["finished"] and j3["started_at"] == 0 and "排队时已取消" in j3["error"]
    assert c.get(f"/api/jobs/{second['job']}").json()["position"] == 1
    assert c.post(f"/api/jobs/{third['job']}/cancel").status_code == 409
    assert "三号.csv" in c.get("/history").text
    c.post(f"/api/jobs/{first}/cancel")
    j1, j2 = wait(c, first), wait(c, second["job"])
    assert j1["status"] == "cancelled" and j2["status"] == "done" and j2["report"]["letters"] == 3
    assert j2["started_at"] >= j1["ended_at"] > 0                # one at a time, in the order they came
    assert not list((tmp_path / "ws" / "jobs" / third["job"]).glob("out/*"))      # the cancelled one wrote nothing


def test_two_jobs_at_once_when_allowed(tmp_path):
    c = client(tmp_path / "ws", max_jobs=2)
    a = _start(c, ledger_csv(tmp_path / "a.csv")).json()["job"]
    b = _start(c, ledger_csv(tmp_path / "b.csv")).json()["job"]
    assert c.get(f"/api/jobs/{b}").json()["position"] == 0        # nothing ahead of it: it does not wait
    ja, jb = wait(c, a), wait(c, b)
    assert ja["status"] == jb["status"] == "done"


def test_queue_limits_from_docgen_toml(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "docgen.toml").write_text("[web]\nmax_jobs = 2\nmax_queued = 0\n", encoding="utf-8")
    c = client(ws)
    jobs = c.app.state.desk.jobs
    assert (jobs.max_jobs, jobs.max_queued) == (2, 0)
