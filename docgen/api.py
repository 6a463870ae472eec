"""Library functions behind the CLI commands (tests call these too)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .errors import DataError, DocgenError
from .library import Library
from .profile import load_profile
from .readers import read_document
from .render import build_document, formats_for, write_outputs


def render_one(template_id: str, *, data_path: Path | str | None = None, data: dict | None = None,
               out: Path | None = None, fmt: str | None = None, use_sample: bool = False,
               profile_path: Path | None = None, templates: list[Path] | None = None) -> list[Path]:
    """Render one template with one data record; returns the files written."""
    lib = Library(templates)
    tpl = lib.get(template_id)
    profile = load_profile(profile_path)
    source = None
    if data is None:
        if use_sample or data_path is None:
            if data_path is None and not use_sample:
                raise DataError("没有给出数据文件", field="--data",
                                expected=f"--data 数据.yaml，或 --sample 使用示例（docgen show {template_id} --example）")
            data = dict(tpl.sample)
            source = f"{tpl.folder}/template.yaml (sample)"
        else:
            data = read_document(data_path)
            source = str(data_path)
    doc = build_document(tpl, data, profile, file=source)
    formats = formats_for(out, fmt)
    base = out if out is not None else Path(template_id)
    if base.suffix.lower() in (".pdf", ".docx"):
        base = base.with_suffix("")
    elif out is not None and (out.is_dir() or str(out).endswith(("/", "\\"))):
        base = out / template_id
    try:
        return write_outputs(doc, base, formats, profile)
    except DocgenError as e:
        if not e.file:  # e.g. a character no font can draw: say which data file it came from
            e.file = source
            e.args = (e.describe(),)
        raise


def render_samples(out: Path, *, profile_path: Path | None = None, templates: list[Path] | None = None,
                   png: bool = False, progress: bool = False) -> list[dict]:
    """Render every template's sample to out/ID.pdf and out/ID.docx; one result dict per template."""
    lib = Library(templates)
    profile = load_profile(profile_path)
    results = []
    ids = lib.ids()
    bar = None
    if progress:
        from rich.progress import Progress
        bar = Progress(transient=True)
        bar.start()
        task = bar.add_task("渲染示例", total=len(ids))
    try:
        for tid in ids:
            entry = {"id": tid, "files": [], "error": None}
            try:
                tpl = lib.get(tid)
                doc = build_document(tpl, dict(tpl.sample), profile, file=f"{tpl.folder}/template.yaml (sample)")
                entry["files"] = [str(p) for p in write_outputs(doc, out / tid, ("pdf", "docx"), profile)]
                if png:
                    entry["files"].append(str(first_page_png(out / f"{tid}.pdf", out / "png" / tid)))
            except DocgenError as e:
                entry["error"] = e.describe()
            results.append(entry)
            if bar:
                bar.advance(task)
    finally:
        if bar:
            bar.stop()
    return results


def first_page_png(pdf: Path, stem: Path, dpi: int = 60) -> Path:
    """A PNG of the first page (needs poppler's pdftoppm)."""
    exe = shutil.which("pdftoppm")
    if not exe:
        raise DataError("生成 PNG 预览需要 pdftoppm", expected="安装 poppler-utils（apt-get install poppler-utils）")
    stem.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([exe, "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
                   check=True, capture_output=True)
    return stem.with_suffix(".png")
