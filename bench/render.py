#!/usr/bin/env python3
"""Engine benchmark: the fee-dunning-notice template through docgen vs docxtpl + LibreOffice, in one run.

    .venv/bin/python bench/render.py                 # 600 letters, one worker per core
    .venv/bin/python bench/render.py --letters 2000 --jobs 2 --json results.json

Prints, on this machine:
  * separate PDFs/s — one PDF file per letter, through the batch engine's worker pool;
  * merged pages/s  — all letters in one print file (each numbered on its own);
  * DOCX/s          — one Word file per letter;
  * CPU ms per letter in one process (what the pool divides between cores);
  * cold start      — wall time of one `docgen render fee-dunning-notice --sample` in a fresh process;
  * the baseline    — the same 60 letters through docxtpl (a Word template made here, with the
    same content: the fee table as a row loop, total, 大写) and LibreOffice headless
    (`soffice --convert-to pdf`, one process for all 60), and the per-letter ratio.

Wall-clock figures depend on what else the machine is doing: the load average is printed
next to them.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from docgen.batch import Job, Options, WorkerSpec, run_jobs  # noqa: E402
from docgen.formatting import FILTERS, money, rmb_upper  # noqa: E402
from docgen.library import Library  # noqa: E402
from docgen.profile import load_profile  # noqa: E402
from docgen.render import build_document, pdf_bytes  # noqa: E402

TEMPLATE = "fee-dunning-notice"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘龚"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华建国志红玉梅晨浩宇轩涵梓萱欣怡堃喆赟昇玥珺璟祎䶮"
FEES = [("物业服务费", 180, 620), ("车位使用费", 150, 400), ("公摊水电费", 8, 60), ("垃圾清运费", 10, 20)]


def records(n: int, seed: int = 2026) -> list[dict]:
    """n plausible letters: 1-4 fee lines each, months folded, exact Decimal amounts."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        items = []
        for fee, lo, hi in FEES:
            if items and rng.random() < 0.45:
                continue
            months = rng.randint(1, 10)
            start = rng.randint(1, 11 - months + 1)
            monthly = Decimal(rng.randrange(lo * 100, hi * 100)) / 100
            period = f"2026-{start:02d}" if months == 1 else f"2026-{start:02d}～2026-{start + months - 1:02d}"
            items.append({"item": fee, "period": period, "months": months, "amount": monthly * months})
        out.append({"owner_name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                    "building": f"{i // 66 + 1}栋", "unit": f"{(i % 66) // 2 + 1}{i % 2 + 1:02d}",
                    "as_of": date(2026, 11, 20), "due_date": date(2026, 12, 5), "issue_date": date(2026, 11, 23),
                    "notice_no": f"CJ-202611-{i + 1:04d}", "items": items})
    return out


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f} on {os.cpu_count()} cores"


# --------------------------------------------------------------------------- docgen

def engine(recs: list[dict], jobs: int, workdir: Path) -> dict:
    """Separate PDFs/s, merged pages/s, DOCX/s through the batch engine; CPU ms per letter in one process."""
    lib = Library()
    tpl = lib.get(TEMPLATE)
    profile = load_profile()
    data = [tpl.schema.validate(r) for r in recs]
    spec = WorkerSpec(template=TEMPLATE, out=Path(), formats=(), source="bench", validated=True)
    res: dict = {"letters": len(recs), "jobs": jobs}

    def run(name: str, formats: tuple[str, ...], merge: bool = False, data=data):
        out = workdir / name
        out.mkdir()
        s = replace(spec, out=out, formats=formats)
        js = [Job(i, f"{i:05d}", d, i + 2) for i, d in enumerate(data)]
        t = time.perf_counter()
        r = run_jobs(s, js, Options(out=out, formats=formats, merge=merge, jobs=jobs))
        wall = time.perf_counter() - t
        bad = [o.message for o in r.outcomes.values() if not o.ok]
        if bad:
            raise SystemExit(f"{name}: {len(bad)} letters failed: {bad[0]}")
        return out, r, wall

    out, r, wall = run("pdf", ("pdf",))
    sizes = [p.stat().st_size for p in out.glob("*.pdf")]
    res.update(pdf_wall=wall, pdf_per_s=len(recs) / wall, pdf_kb_avg=sum(sizes) / len(sizes) / 1024,
               pdf_kb_max=max(sizes) / 1024, pdf_load=load())
    out, r, wall = run("merged", (), merge=True)
    res.update(merged_wall=wall, merged_pages=r.print_pages, merged_pages_per_s=r.print_pages / wall,
               merged_mb=(out / "print.pdf").stat().st_size / 2**20, merged_load=load())
    n_docx = min(len(recs), 300)
    out, r, wall = run("docx", ("docx",), data=data[:n_docx])
    res.update(docx_letters=n_docx, docx_wall=wall, docx_per_s=n_docx / wall, docx_load=load())

    # one process, CPU time: what a core spends per letter
    sample = data[:200]
    pdf_bytes(build_document(tpl, sample[0], profile, validated=True), profile)
    t = time.process_time()
    docs = [build_document(tpl, d, profile, validated=True) for d in sample]
    t1 = time.process_time()
    for d in docs:
        pdf_bytes(d, profile)
    t2 = time.process_time()
    res.update(cpu_ms_build=1000 * (t1 - t) / len(sample), cpu_ms_pdf=1000 * (t2 - t1) / len(sample))
    return res


def cold_start(runs: int, workdir: Path) -> dict:
    """Wall and CPU seconds of `docgen render fee-dunning-notice --sample --out x.pdf` in a fresh process."""
    exe = Path(sys.executable).parent / "docgen"
    cmd = [str(exe)] if exe.is_file() else [sys.executable, "-c", "from docgen.cli import main; main()"]
    walls, cpus = [], []
    for i in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd + ["render", TEMPLATE, "--sample", "--out", str(workdir / f"cold{i}.pdf")],
                       check=True, capture_output=True, cwd=workdir)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return {"cold_wall_median": statistics.median(walls), "cold_wall_min": min(walls),
            "cold_cpu_median": statistics.median(cpus), "cold_load": load()}


# --------------------------------------------------------------------------- baseline

def word_template(path: Path) -> None:
    """A Word template with the same content as fee-dunning-notice, written with python-docx."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    d = Document()
    normal = d.styles["Normal"]
    normal.font.size = Pt(14)
    normal.font.name = "Times New Roman"
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")

    def para(text, align=None, bold=False, size=None, indent=True):
        p = d.add_paragraph()
        run = p.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if align:
            p.alignment = align
        if indent and not align:
            p.paragraph_format.first_line_indent = Pt(28)
        return p

    para("费用催缴通知单", WD_ALIGN_PARAGRAPH.CENTER, True, 22)
    para("编号：{{ notice_no }}", WD_ALIGN_PARAGRAPH.RIGHT)
    para("{{ building }}{{ unit }}房 {{ owner_name }} 业主（住户）：", indent=False)
    para("您好！感谢您一直以来对物业服务工作的理解与支持。经核对，截至{{ as_of|cn_date }}，"
         "您名下的房屋尚有以下费用未缴纳：")
    t = d.add_table(rows=6, cols=4)
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, h in enumerate(("收费项目", "所属期间", "月数", "欠费金额（元）")):
        t.cell(0, i).paragraphs[0].add_run(h).bold = True
    t.cell(1, 0).text = "{%tr for it in items %}"
    for i, v in enumerate(("{{ it.item }}", "{{ it.period }}", "{{ it.months }}", "{{ it.amount|money }}")):
        t.cell(2, i).text = v
    t.cell(3, 0).text = "{%tr endfor %}"
    total = t.cell(4, 0).merge(t.cell(4, 2))
    total.paragraphs[0].add_run("合计").bold = True
    t.cell(4, 3).paragraphs[0].add_run("{{ items|sum(attribute='amount')|money }}").bold = True
    t.cell(5, 0).text = "大写"
    t.cell(5, 1).merge(t.cell(5, 3)).text = "{{ items|sum(attribute='amount')|rmb_upper }}"
    para("请您于{{ due_date|cn_date }}前到物业服务中心缴纳上述费用，或通过物业服务中心公布的线上渠道缴费。"
         "如您已缴纳，请忽略本通知；如对金额有疑问，欢迎携带缴费凭证到物业服务中心核对。")
    para("物业服务费是小区保洁、绿化、秩序维护和设施设备运行维护的保障，您的及时缴纳是对全体业主共同利益的支持。谢谢您的配合！")
    para("服务电话：{{ org.phone }}　　服务时间：{{ org.service_hours }}", indent=False)
    para("{{ org.office }}", WD_ALIGN_PARAGRAPH.RIGHT)
    para("{{ issue_date|cn_date }}", WD_ALIGN_PARAGRAPH.RIGHT)
    d.save(str(path))


def baseline(recs: list[dict], workdir: Path) -> dict:
    """The same letters through docxtpl + LibreOffice headless (one soffice process for all)."""
    from docxtpl import DocxTemplate
    from jinja2 import Environment

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise SystemExit("baseline needs LibreOffice: apt-get install libreoffice-writer-nogui")
    tpl_path = workdir / "notice-template.docx"
    word_template(tpl_path)
    env = Environment(autoescape=False)
    env.filters.update(FILTERS)
    org = load_profile().org
    docx_dir, pdf_dir = workdir / "bl-docx", workdir / "bl-pdf"
    docx_dir.mkdir()
    pdf_dir.mkdir()
    profile_dir = workdir / "lo-profile"
    lo = [soffice, f"-env:UserInstallation={profile_dir.as_uri()}", "--headless", "--norestore",
          "--convert-to", "pdf", "--outdir"]
    # LibreOffice creates its user profile on first start: do that outside the timing.
    warm = workdir / "warm.docx"
    t0 = DocxTemplate(str(tpl_path))
    t0.render(dict(recs[0], org=org), env)
    t0.save(str(warm))
    # A fresh machine has no CJK font: LibreOffice gets the bundled ones, as docgen's Word path does.
    from docgen.wordtemplate import soffice_env
    lo_env = soffice_env(workdir)
    subprocess.run(lo + [str(workdir), str(warm)], check=True, capture_output=True, timeout=300, env=lo_env)

    t = time.perf_counter()
    for i, r in enumerate(recs):
        doc = DocxTemplate(str(tpl_path))
        doc.render(dict(r, org=org), env)
        doc.save(str(docx_dir / f"{i:05d}.docx"))
    t1 = time.perf_counter()
    files = sorted(str(p) for p in docx_dir.glob("*.docx"))
    subprocess.run(lo + [str(pdf_dir)] + files, check=True, capture_output=True, timeout=1800, env=lo_env)
    t2 = time.perf_counter()
    pdfs = sorted(pdf_dir.glob("*.pdf"))
    if len(pdfs) != len(recs):
        raise SystemExit(f"LibreOffice wrote {len(pdfs)} of {len(recs)} PDFs")
    from pypdf import PdfReader
    first = PdfReader(str(pdfs[0])).pages[0].extract_text().replace(" ", "").replace("\n", "")
    total = sum(it["amount"] for it in recs[0]["items"])
    if money(total) not in first or rmb_upper(total) not in first:
        raise SystemExit("baseline letter lacks the total: the Word template is broken")
    n = len(recs)
    return {"baseline_letters": n, "docxtpl_s": t1 - t, "soffice_s": t2 - t1,
            "baseline_per_letter_ms": 1000 * (t2 - t) / n, "baseline_per_s": n / (t2 - t),
            "baseline_kb_avg": sum(p.stat().st_size for p in pdfs) / n / 1024, "baseline_load": load()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--letters", type=int, default=600)
    ap.add_argument("--baseline-letters", type=int, default=60)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--cold-runs", type=int, default=5)
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args()
    recs = records(args.letters)
    with tempfile.TemporaryDirectory(prefix="docgen-bench-") as tmp:
        work = Path(tmp)
        res = engine(recs, args.jobs, work)
        res.update(cold_start(args.cold_runs, work))
        if not args.no_baseline:
            res.update(baseline(recs[:args.baseline_letters], work))
            res["ratio"] = res["baseline_per_letter_ms"] / (1000 / res["pdf_per_s"])
    print(f"docgen {TEMPLATE}, {res['letters']} letters, {res['jobs']} workers")
    print(f"  separate PDFs : {res['pdf_per_s']:7.1f} /s   ({res['pdf_wall']:.2f} s; "
          f"{res['pdf_kb_avg']:.1f} KB avg, {res['pdf_kb_max']:.1f} KB max)   [{res['pdf_load']}]")
    print(f"  merged pages  : {res['merged_pages_per_s']:7.1f} /s   ({res['merged_pages']} pages in "
          f"{res['merged_wall']:.2f} s, {res['merged_mb']:.1f} MB)   [{res['merged_load']}]")
    print(f"  DOCX          : {res['docx_per_s']:7.1f} /s   ({res['docx_letters']} in {res['docx_wall']:.2f} s)"
          f"   [{res['docx_load']}]")
    print(f"  one core      : {res['cpu_ms_build']:.2f} ms template+markup, {res['cpu_ms_pdf']:.2f} ms PDF "
          f"per letter (CPU)")
    print(f"  cold start    : {res['cold_wall_median']:.2f} s median wall ({res['cold_wall_min']:.2f} s min, "
          f"{res['cold_cpu_median']:.2f} s CPU)   [{res['cold_load']}]")
    if "ratio" in res:
        print(f"baseline docxtpl + LibreOffice, {res['baseline_letters']} letters: "
              f"{res['baseline_per_letter_ms']:.0f} ms/letter ({res['docxtpl_s']:.2f} s docxtpl + "
              f"{res['soffice_s']:.2f} s soffice; {res['baseline_kb_avg']:.1f} KB avg)   [{res['baseline_load']}]")
        print(f"ratio: docgen is {res['ratio']:.0f}x faster per separate PDF letter")
    if args.json:
        args.json.write_text(json.dumps(res, indent=1, ensure_ascii=False, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
