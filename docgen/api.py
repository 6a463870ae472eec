"""Library functions behind the CLI commands (tests call these too)."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Mapping

import yaml

from .errors import DataError, DocgenError
from .library.folders import Library, Template
from .profile import load_profile
from .inputs.documents import STDIN_NAME, DataLoader, read_document
from .engine.pipeline import build_document
from .writers import FORMATS, Format, document_bytes, formats_for, output_dir, write_outputs
from .library.schema import Schema
from .engine.script import convert_document, for_profile as script_for_profile
from .engine.word import is_word_template, write_word_outputs


def render_one(template_id: str, *, data_path: Path | str | None = None, data: dict | None = None,
               out: Path | None = None, fmt: str | None = None, use_sample: bool = False,
               profile_path: Path | None = None, templates: list[Path] | None = None,
               overrides: dict | list[str] | None = None, script: str | None = None,
               blank: bool = False) -> list[Path]:
    """Render one template with one data record; returns the files written.

    overrides: ``--set`` values ("field=value" strings or a mapping) applied on top of the data;
    script: hans/hant/tw/hk output script (default: the profile's ``[output] script``);
    blank: a form with no data, as a pad to fill in by hand (only templates marked ``pad: true``).
    """
    lib = Library(templates)
    tpl = lib.get(template_id)
    profile = load_profile(profile_path)
    script = script_for_profile(script, profile)
    source = None
    base_dir = Path.cwd()
    if blank:
        if not tpl.pad:
            pads = [t.id for t in lib.all() if t.pad]
            raise DataError(f"模板 {template_id} 不是表单，没有空白版", field="--blank",
                            expected="表单模板之一：" + "、".join(pads))
        if data is not None or data_path is not None or use_sample:
            raise DataError("--blank 不能与 --data、--sample 同时使用", field="--blank",
                            expected="空白表单只用 --blank（可加 --set 预填个别字段）")
        data, source = {}, "--blank"
    if data is None:
        if use_sample or data_path is None:
            if data_path is None and not use_sample and not overrides:
                raise DataError("没有给出数据文件", field="--data",
                                expected=f"--data 数据.yaml，或 --sample 使用示例（docgen show {template_id} --example）")
            data = dict(tpl.sample) if use_sample else {}
            source = f"{tpl.folder}/template.yaml (sample)" if use_sample else "--set"
            if use_sample:
                base_dir = tpl.folder  # a sample's picture paths are relative to its template folder
        else:
            data = read_document(data_path)
            source = STDIN_NAME if str(data_path) == "-" else str(data_path)
    if overrides:
        data = apply_overrides(tpl, data, overrides)
    values = tpl.schema.validate(data, file=source, base_dir=base_dir, blank=blank)
    formats = formats_for(out, fmt)
    base = out if out is not None else Path(template_id)
    if base.suffix.lower() in (".pdf", ".docx"):
        base = base.with_suffix("")
    elif out is not None and (out.is_dir() or str(out).endswith(("/", "\\"))):
        base = out / template_id
    if is_word_template(tpl):
        return write_word_outputs(tpl, values, profile, base, formats, script=script, file=source)
    doc = convert_document(build_document(tpl, values, profile, file=source, validated=True, blank=blank), script)
    try:
        return write_outputs(doc, base, formats, profile)
    except DocgenError as e:
        if not e.file:  # e.g. a character no font can draw: say which data file it came from
            e.file = source
            e.args = (e.describe(),)
        raise


def render_bytes(template_id: str, data: Mapping[str, Any], fmt: Format, *, profile_path: Path | None = None,
                 templates: list[Path] | None = None) -> bytes:
    """Render one document in memory (the web preview): its PDF or DOCX bytes; nothing is left on disk.

    data is validated like a data file (field names, labels or aliases; DataError names the field);
    fmt is "pdf" or "docx"; the output script is the profile's ``[output] script``."""
    if fmt not in FORMATS:
        raise DataError(f"未知格式「{fmt}」", field="format", expected="pdf 或 docx")
    tpl = Library(templates).get(template_id)
    profile = load_profile(profile_path)
    script = script_for_profile(None, profile)
    values = tpl.schema.validate(dict(data), base_dir=Path.cwd())
    if is_word_template(tpl):   # docxtpl (and LibreOffice for PDF) work on files: a private folder, then gone
        with tempfile.TemporaryDirectory(prefix="docgen-preview-") as tmp:
            written = write_word_outputs(tpl, values, profile, Path(tmp) / tpl.id, (fmt,), script=script)
            return next(p for p in written if p.suffix == "." + fmt).read_bytes()
    doc = convert_document(build_document(tpl, values, profile, validated=True), script)
    return dict(document_bytes(doc, (fmt,), profile))[fmt]


def parse_sets(items: list[str]) -> dict[str, Any]:
    """Read ``--set field=value`` strings into a mapping (later ones win); a value starting with [ or { is YAML."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise DataError(f"无法识别「{item}」", field="--set", expected="字段=值，如 --set owner_name=张三")
        if value.strip().startswith(("[", "{")):
            try:
                value = yaml.load(value, Loader=DataLoader)  # noqa: S506 - a SafeLoader subclass
            except yaml.YAMLError as e:
                raise DataError(f"「{key}」的值不是合法的 YAML：{getattr(e, 'problem', e)}", field="--set",
                                expected="如 --set 'items=[{item: 物业费, amount: 100}]'") from None
        out[key] = None if value == "" else value
    return out


def _put(schema: Schema, record: dict, path: list[str], value: Any, shown: str) -> dict:
    """A copy of record with value set at path; keys are matched by name, label or alias."""
    key = path[0]
    f = schema.field_for(key)
    if f is None:
        import difflib
        names = [x.name for x in schema.fields]
        close = difflib.get_close_matches(key, names, n=3, cutoff=0.5)
        raise DataError(f"模板没有字段「{key}」", field=f"--set {shown}",
                        expected=("、".join(close) + " 之一？全部字段：" if close else "") + "、".join(names))
    record = dict(record)
    current = None
    for k in list(record):  # drop the same field given under its label or an alias
        if schema.field_for(k) is f:
            if current is None or current in ("", []):
                current = record[k]
            del record[k]
    if len(path) == 1:
        record[f.name] = value
        return record
    if f.type != "list":
        raise DataError(f"字段「{f.name}」不是列表，不能用 {key}.… 的写法", field=f"--set {shown}")
    rows = list(current) if isinstance(current, list) else ([current] if isinstance(current, dict) else [])
    try:
        index = int(path[1])
    except ValueError:
        raise DataError(f"「{path[1]}」不是条目序号", field=f"--set {shown}",
                        expected=f"{key}.1.字段（序号从 1 开始）") from None
    if not 1 <= index <= len(rows) + 1:
        raise DataError(f"{key} 只有 {len(rows)} 条，没有第 {index} 条", field=f"--set {shown}",
                        expected=f"1 到 {len(rows) + 1}（{len(rows) + 1} 表示新加一条）")
    if index == len(rows) + 1:
        rows.append({})
    if len(path) == 2:
        rows[index - 1] = value
    elif len(path) == 3:
        rows[index - 1] = _put(Schema(f.fields), rows[index - 1] if isinstance(rows[index - 1], dict) else {},
                               path[2:], value, shown)
    else:
        raise DataError("层级太深", field=f"--set {shown}", expected="字段=值 或 列表字段.序号.子字段=值")
    record[f.name] = rows
    return record


def apply_overrides(tpl: Template, data: dict, overrides: dict | list[str]) -> dict:
    """The data with ``--set`` values applied: field=value, or list.N.subfield=value (N from 1)."""
    sets = parse_sets(overrides) if isinstance(overrides, list) else dict(overrides)
    for key, value in sets.items():
        data = _put(tpl.schema, data, str(key).split("."), value, str(key))
    return data


def render_samples(out: Path, *, profile_path: Path | None = None, templates: list[Path] | None = None,
                   png: bool = False, progress: bool = False) -> list[dict]:
    """Render every template's sample to out/ID.pdf and out/ID.docx (a form also blank, to out/ID-blank.*)."""
    lib = Library(templates)
    load_profile(profile_path)  # a broken profile stops the run before anything is written
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
            entry: dict[str, Any] = {"id": tid, "files": [], "error": None}
            try:
                formats = "both"
                if is_word_template(lib.get(tid)) and not shutil.which("soffice"):
                    formats = "docx"   # a Word template's PDF needs LibreOffice; the DOCX is still the sample
                entry["files"] = [str(p) for p in render_one(tid, use_sample=True, out=out / tid, fmt=formats,
                                                             profile_path=profile_path, templates=templates)]
                if lib.get(tid).pad:    # a form also as the blank pad the front desk prints
                    entry["files"] += [str(p) for p in render_one(tid, blank=True, out=out / f"{tid}-blank",
                                                                  fmt=formats, profile_path=profile_path,
                                                                  templates=templates)]
                if png and (out / f"{tid}.pdf").is_file():
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
    output_dir(stem.parent)
    subprocess.run([exe, "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
                   check=True, capture_output=True)
    return stem.with_suffix(".png")


def check_files(files: list[Path]) -> list[dict]:
    """Preflight PDFs (and DOCX files, converted with LibreOffice and compared with the PDF of the same
    name): one report per file, {"file", "pages", "problems": [{"page", "kind", "text"}]}."""
    from .preflight import check_files as run
    return run([Path(f) for f in files])
