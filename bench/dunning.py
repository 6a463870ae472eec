#!/usr/bin/env python3
"""Batch dunning benchmark: `docgen dunning` on generated ledgers of 1k and 10k units, vs docxtpl + LibreOffice.

    .venv/bin/python bench/dunning.py                       # 1k and 10k units, one worker per core
    .venv/bin/python bench/dunning.py --units 1000 --json r.json

For each ledger (made by ../shared/bench/make_ledger.py, one row per unit x fee item x month)
it runs the real command line in a fresh process and measures:
  * letters/s      — `docgen dunning LEDGER --out DIR` (one PDF per unit), end to end: reading
                     and checking the ledger, grouping, rendering, manifest;
  * merged pages/s — `docgen dunning LEDGER --out DIR --merge --format none` (the print file only);
  * peak memory    — the whole process tree (parent and workers), sampled from /proc every 50 ms
                     in a second, untimed run, as PSS (shared pages counted once) and as the
                     plain sum of RSS;
  * CPU            — user+system seconds of the whole process tree in the timed run: what the
                     machine could do with all its cores free (the shared machine rarely is);
  * size           — average and largest per-unit PDF.
Then the first 60 units' letters through docxtpl + LibreOffice headless (bench/render.py's
Word template), and the ratio per letter.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from render import baseline, load  # noqa: E402  (bench/render.py)

from docgen.dunning.ledger import delivery_order, fold, read_ledger  # noqa: E402

MAKE_LEDGER = ROOT.parent / "shared" / "bench" / "make_ledger.py"
AS_OF = "2026-12-31"


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            continue
    return pids


def _mem_kb(pid: int) -> tuple[int, int]:
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


class PeakMemory(threading.Thread):
    """Samples the memory of a process and its descendants until stopped."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_pss, self.peak_rss = pid, 0, 0
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            pss = rss = 0
            for p in _tree(self.pid):
                a, b = _mem_kb(p)
                pss, rss = pss + a, rss + b
            self.peak_pss, self.peak_rss = max(self.peak_pss, pss), max(self.peak_rss, rss)
            self._halt.wait(0.05)

    def stop(self):
        self._halt.set()
        self.join()


def _run(cmd: list[str], cwd: Path, sample: bool) -> tuple[float, bytes, "PeakMemory | None"]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    mem = PeakMemory(proc.pid) if sample else None
    if mem:
        mem.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t
    if mem:
        mem.stop()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode()[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    _run.cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime   # whole tree, reaped
    return wall, out, mem


def docgen(args: list[str], cwd: Path, memory: bool = True) -> dict:
    """Run the docgen command line twice: once timed, once with its memory sampled.

    Reading /proc/PID/smaps_rollup (needed for PSS) takes the process's memory-map lock and
    slows it down noticeably, so the timed run is not sampled."""
    exe = Path(sys.executable).parent / "docgen"
    cmd = ([str(exe)] if exe.is_file() else [sys.executable, "-c", "from docgen.cli import main; main()"]) + args
    wall, out, _ = _run(cmd + ["--json"], cwd, sample=False)
    summary, timed_load, cpu = json.loads(out), load(), _run.cpu
    pss = rss = float("nan")
    if memory:
        out_dir = Path(args[args.index("--out") + 1])
        shutil.rmtree(out_dir)
        _, _, mem = _run(cmd + ["--json"], cwd, sample=True)
        pss, rss = mem.peak_pss / 1024, mem.peak_rss / 1024
    return {"wall": wall, "cpu": cpu, "pss_mb": pss, "rss_mb": rss, "summary": summary, "load": timed_load}


def bench_ledger(units: int, jobs: int, work: Path, extra: tuple[str, ...] = (), memory: bool = True) -> dict:
    ledger = work / f"ledger-{units}.csv"
    if not ledger.is_file():
        subprocess.run([sys.executable, str(MAKE_LEDGER), "--units", str(units), "--out", str(ledger)], check=True)
    rows = sum(1 for _ in open(ledger, encoding="utf-8-sig")) - 1
    # Each run in its own folder: the register (docgen.db in the working directory) starts empty.
    tag = "-".join([str(units), *(a.lstrip("-") for a in extra)])      # 1000, 1000-no-register
    cwd = work / f"cwd-{tag}"
    cwd.mkdir()
    sep = docgen(["dunning", str(ledger), "--out", str(work / f"sep-{tag}"), "--as-of", AS_OF,
                  "--jobs", str(jobs), *extra], cwd, memory)
    letters = sep["summary"]["letters"]
    sizes = [p.stat().st_size for p in (work / f"sep-{tag}").glob("*.pdf")]
    merged = docgen(["dunning", str(ledger), "--out", str(work / f"print-{tag}"), "--as-of", AS_OF,
                     "--merge", "--format", "none", "--jobs", str(jobs), *extra], cwd, memory)
    pages = merged["summary"]["print_pages"]
    from pypdf import PdfReader
    if len(PdfReader(str(work / f"print-{tag}" / "print.pdf")).pages) != pages:
        raise SystemExit("print.pdf page count does not match the run's report")
    cores = os.cpu_count() or 1
    return {"units": units, "rows": rows, "letters": letters, "sep_wall": sep["wall"],
            "sep_cpu_ms": 1000 * sep["cpu"] / letters, "sep_capacity": cores * letters / sep["cpu"],
            "merged_cpu_ms": 1000 * merged["cpu"] / pages, "merged_capacity": cores * pages / merged["cpu"],
            "letters_per_s": letters / sep["wall"], "sep_render_s": sep["summary"]["seconds"],
            "sep_pss_mb": sep["pss_mb"], "sep_rss_mb": sep["rss_mb"], "sep_load": sep["load"],
            "kb_avg": sum(sizes) / len(sizes) / 1024, "kb_max": max(sizes) / 1024,
            "pages": pages, "merged_wall": merged["wall"], "pages_per_s": pages / merged["wall"],
            "merged_pss_mb": merged["pss_mb"], "merged_rss_mb": merged["rss_mb"], "merged_load": merged["load"],
            "print_mb": (work / f"print-{tag}" / "print.pdf").stat().st_size / 2**20}


def letters_for_baseline(ledger: Path, n: int) -> list[dict]:
    """The records docgen renders for the first n units (delivery order), for the docxtpl baseline."""
    led = read_ledger(ledger, as_of=date.fromisoformat(AS_OF))
    out = []
    for i, u in enumerate(delivery_order(led.units.values())[:n]):
        out.append({"owner_name": u.owner_name, "building": u.building, "unit": u.unit,
                    "as_of": date.fromisoformat(AS_OF), "due_date": date(2027, 1, 10),
                    "issue_date": date(2026, 12, 31), "notice_no": f"CJ-202612-{i + 1:04d}",
                    "items": fold(u.charges)})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--baseline-letters", type=int, default=60)
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--register-cost", action="store_true",
                    help="also run each ledger with --no-register and print what the register costs")
    ap.add_argument("--no-memory", action="store_true", help="skip the second, memory-sampled run of each command")
    args = ap.parse_args()
    if not MAKE_LEDGER.is_file():
        raise SystemExit(f"{MAKE_LEDGER} not found (it lives in ../shared/bench beside the repository)")
    results: dict = {"jobs": args.jobs, "ledgers": []}
    with tempfile.TemporaryDirectory(prefix="docgen-dunning-bench-") as tmp:
        work = Path(tmp)
        for units in args.units:
            r = bench_ledger(units, args.jobs, work, memory=not args.no_memory)
            results["ledgers"].append(r)
            print(f"{units} units ({r['rows']} ledger rows), {args.jobs} workers")
            print(f"  separate letters: {r['letters_per_s']:6.1f} letters/s  ({r['letters']} in {r['sep_wall']:.1f} s "
                  f"end to end, {r['sep_render_s']:.1f} s rendering; {r['kb_avg']:.1f} KB avg, {r['kb_max']:.1f} KB max; "
                  f"peak {r['sep_pss_mb']:.0f} MB PSS / {r['sep_rss_mb']:.0f} MB RSS)   [{r['sep_load']}]", flush=True)
            print(f"  merged print file: {r['pages_per_s']:6.1f} pages/s  ({r['pages']} pages in {r['merged_wall']:.1f} s, "
                  f"{r['print_mb']:.1f} MB; peak {r['merged_pss_mb']:.0f} MB PSS / {r['merged_rss_mb']:.0f} MB RSS)"
                  f"   [{r['merged_load']}]", flush=True)
            print(f"  CPU time of all processes: {r['sep_cpu_ms']:.1f} ms/letter -> "
                  f"{r['sep_capacity']:.0f} letters/s on {os.cpu_count()} idle cores; merged {r['merged_cpu_ms']:.1f} "
                  f"ms/page -> {r['merged_capacity']:.0f} pages/s", flush=True)
            if args.register_cost:
                n = bench_ledger(units, args.jobs, work, ("--no-register",), memory=False)
                r["no_register"] = n
                cost = {k: 100 * (r[k] / n[k] - 1) for k in ("sep_cpu_ms", "sep_wall", "merged_cpu_ms")}
                print(f"  without the register (--no-register): {n['letters_per_s']:6.1f} letters/s, "
                      f"{n['sep_cpu_ms']:.1f} ms CPU/letter; merged {n['pages_per_s']:6.1f} pages/s, "
                      f"{n['merged_cpu_ms']:.1f} ms CPU/page   [{n['sep_load']}]\n"
                      f"  the register costs {cost['sep_cpu_ms']:+.1f} % CPU per letter, {cost['sep_wall']:+.1f} % wall;"
                      f" merged {cost['merged_cpu_ms']:+.1f} % CPU per page", flush=True)
        if not args.no_baseline:
            small = min(args.units)
            recs = letters_for_baseline(work / f"ledger-{small}.csv", args.baseline_letters)
            b = baseline(recs, work)
            results["baseline"] = b
            per_letter = 1000 / results["ledgers"][-1]["letters_per_s"]
            results["ratio"] = b["baseline_per_letter_ms"] / per_letter
            print(f"baseline docxtpl + LibreOffice, the same {b['baseline_letters']} letters: "
                  f"{b['baseline_per_letter_ms']:.0f} ms/letter ({b['docxtpl_s']:.2f} s docxtpl + {b['soffice_s']:.2f} s "
                  f"soffice)   [{b['baseline_load']}]")
            print(f"ratio: docgen {per_letter:.1f} ms/letter ({results['ledgers'][-1]['units']} units) — "
                  f"{results['ratio']:.0f}x faster than the baseline")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
