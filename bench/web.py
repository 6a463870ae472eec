#!/usr/bin/env python3
"""Web desk benchmark: preview latency of a one-page notice, and renders/s with 10 clients at once.

    .venv/bin/python bench/web.py                    # 40 previews, then 10 clients × 6 renders
    .venv/bin/python bench/web.py --previews 100 --per-client 10

Starts `docgen serve`'s app with uvicorn on 127.0.0.1 (a free port, loopback only) in this process
and talks HTTP to it like a browser does:
  * preview latency — POST /t/water-outage-notice/preview (the form the clerk types in: the PDF is
    rendered in memory) and GET of the PDF the iframe shows; p50 / p95 / max; then the same with the
    first page's PNG the page shows beside it (pdftoppm through a pipe), when pdftoppm is installed;
  * concurrent renders — 10 threads each POSTing /api/render/water-outage-notice?format=pdf in a
    bounded loop; total renders / wall time.
Wall-clock figures depend on what else the machine is doing: the load average is printed beside them.
"""
from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import uvicorn

from docgen.web import create_app

FORM = {"start": "2026-12-03T09:00", "end": "2026-12-03T17:00", "area": "1—3栋全部住户", "reason": "二次供水水箱清洗消毒",
        "operator": "滨江市清源水务工程有限公司", "issue_date": "2026-11-30"}
DATA = {"start": "2026-12-03 09:00", "end": "2026-12-03 17:00", "area": "5栋", "reason": "管网维修"}


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--previews", type=int, default=40)
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--per-client", type=int, default=6)
    args = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ws = tempfile.mkdtemp(prefix="docgen-bench-web-")
    server = uvicorn.Server(uvicorn.Config(create_app(ws), host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=60) as c:
            c.get("/")
            token = c.cookies.get("docgen_csrf")
            for _ in range(3):          # warm: fonts and the template load once per process
                c.post("/t/water-outage-notice/preview", data={**FORM, "csrf": token})
            times, with_png = [], []
            for i in range(args.previews):
                form = {**FORM, "area": f"{i % 9 + 1}栋全部住户", "csrf": token}
                t0 = time.perf_counter()
                r = c.post("/t/water-outage-notice/preview", data=form)
                src = re.search(r'<iframe id="pdf" src="([^"]+)"', r.text).group(1)
                pdf = c.get(src)
                assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
                times.append((time.perf_counter() - t0) * 1000)
                png = re.search(r'<img id="page1" class="page" src="([^"]+)"', r.text)
                if png:                 # the page's picture of page 1 (only where pdftoppm is installed)
                    img = c.get(png.group(1))
                    assert img.headers["content-type"] == "image/png", img.text[:200]
                    with_png.append((time.perf_counter() - t0) * 1000)
        load = os.getloadavg()[0]
        print(f"preview (POST form → PDF in the iframe), {args.previews} runs: p50 {statistics.median(times):.0f} ms, "
              f"p95 {pct(times, 95):.0f} ms, max {max(times):.0f} ms  (load {load:.1f}, {os.cpu_count()} cores)")
        if with_png:
            print(f"  … and the first page's PNG beside it: p50 {statistics.median(with_png):.0f} ms, "
                  f"p95 {pct(with_png, 95):.0f} ms, max {max(with_png):.0f} ms")
        else:
            print("  (no pdftoppm: the page shows no picture of page 1, only the iframe)")

        def client(_n: int) -> int:
            with httpx.Client(base_url=base, timeout=120) as c:
                for _ in range(args.per_client):
                    r = c.post("/api/render/water-outage-notice?format=pdf", json=DATA)
                    assert r.status_code == 200 and r.content.startswith(b"%PDF"), r.text[:200]
            return args.per_client

        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            n = sum(pool.map(client, range(args.clients)))
        wall = time.perf_counter() - t0
        print(f"{args.clients} concurrent clients: {n} renders in {wall:.1f} s = {n / wall:.1f} renders/s "
              f"(load {os.getloadavg()[0]:.1f})")
    finally:
        server.should_exit = True
        t.join(10)


if __name__ == "__main__":
    main()
