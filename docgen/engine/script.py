"""Simplified → Traditional Chinese output (OpenCC, phrase-level) for offices in Hong Kong, Macau and Taiwan.

Scripts: ``hans`` (no conversion), ``hant`` (OpenCC s2t, standard Traditional), ``tw`` (s2twp:
Taiwan forms and phrases such as 信息→資訊), ``hk`` (s2hk: Hong Kong forms).  Conversion runs on
the rendered text, so template wording and data are converted alike; digits, Latin text and
punctuation are left untouched, except the mainland quotes “” ‘’, which become 「」 『』.  大写 numerals convert to the standard Traditional financial forms
(贰→貳, 叁→叄 (hant/tw) or 叁 (hk), 陆→陸); 零壹肆伍柒捌玖, 〇 and 年月日 are the same in both scripts.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable, Iterable

from .. import model as m
from ..model import walk
from ..errors import DataError

SCRIPTS: dict[str, str | None] = {"hans": None, "hant": "s2t", "tw": "s2twp", "hk": "s2hk"}
_ALIASES = {"zh-hans": "hans", "zh-cn": "hans", "simplified": "hans", "简体": "hans",
            "zh-hant": "hant", "traditional": "hant", "繁体": "hant", "繁體": "hant",
            "zh-tw": "tw", "taiwan": "tw", "台湾": "tw", "zh-hk": "hk", "zh-mo": "hk", "hongkong": "hk",
            "香港": "hk", "mo": "hk", "澳门": "hk"}
# OpenCC's Taiwan phrase table (s2twp) mixes everyday Taiwan words (信息→資訊, 打印→列印, 自行车→腳踏車)
# with computing senses that are wrong in an office letter: 项目→專案, 窗口→視窗, 设备→裝置, 运行→執行,
# 对象→物件, 社区→社群, 法律程序→法律程式, 文件→檔案, 代码→程式碼, 局部→區域性, 设置→設定.  These words
# (in their Traditional form, as the Taiwan step sees them) are kept; 發佈/審覈 get the Taiwan forms 發布/審核.
_TW_KEEP = ("項目", "窗口", "設備", "運行", "對象", "社區", "程序", "進程", "文件", "代碼", "局部", "全局", "設置",
            "支持", "保存", "發送", "連接", "類型", "分區", "消息", "聲明", "註銷", "權限", "參數", "用戶", "接口",
            "循環", "菜單", "調度", "調用", "高級", "低級", "查看", "優化", "集羣", "端口")
_TW_FORMS = {"發佈": "發布", "審覈": "審核"}


def _tw_config() -> str:
    """An OpenCC config: s2twp with the kept words placed ahead of the Taiwan phrase table."""
    import atexit
    import json
    import os
    import shutil
    import tempfile

    import opencc

    share = getattr(opencc, "_opencc_share_dir", None) or os.path.join(os.path.dirname(opencc.__file__),
                                                                        "clib", "share", "opencc")
    with open(os.path.join(share, "s2twp.json"), encoding="utf-8") as fh:
        cfg = json.load(fh)

    def absolute(d: dict) -> None:
        if d.get("type") == "ocd2":
            d["file"] = os.path.join(share, d["file"])
        for sub in d.get("dicts", []):
            absolute(sub)

    for n in cfg.get("normalization", []):
        absolute(n["dict"])
    absolute(cfg["segmentation"]["dict"])
    for step in cfg["conversion_chain"]:
        absolute(step["dict"])
    folder = tempfile.mkdtemp(prefix="docgen-opencc-")
    atexit.register(shutil.rmtree, folder, True)
    keep = os.path.join(folder, "tw-keep.txt")
    with open(keep, "w", encoding="utf-8") as fh:
        fh.writelines(f"{w}\t{_TW_FORMS.get(w, w)}\n" for w in (*_TW_KEEP, *_TW_FORMS))
    cfg["conversion_chain"][-1]["dict"]["dicts"].insert(0, {"type": "text", "file": keep})
    path = os.path.join(folder, "s2twp-docgen.json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(cfg, fh, ensure_ascii=False)
    return path


def normalize(script: str | None, *, where: str = "script") -> str:
    """The canonical script name (hans/hant/tw/hk) for a user's spelling; DataError if unknown."""
    key = (script or "hans").strip().lower()
    key = _ALIASES.get(key, key)
    if key not in SCRIPTS:
        raise DataError(f"未知的文字「{script}」", field=where,
                        expected="hans（简体）、hant（繁体）、tw（台湾正体及用语）、hk（香港繁体）")
    return key


def for_profile(script: str | None, profile) -> str:
    """The output script: the script given, else the profile's [output] script."""
    if script:
        return normalize(script)
    return normalize(profile.script, where=f"{profile.path or 'docgen.toml'} [output] script")


@lru_cache(maxsize=None)
def converter(script: str) -> Callable[[str], str]:
    """A str → str function converting Simplified text to the given script (identity for hans)."""
    config = SCRIPTS[normalize(script)]
    if config is None:
        return lambda text: text
    try:
        import opencc
    except ImportError:  # pragma: no cover - opencc is a declared dependency
        raise DataError("繁体输出需要 OpenCC", field="script", expected="pip install opencc") from None
    conv = opencc.OpenCC(_tw_config() if config == "s2twp" else config).convert
    # Templates are written with mainland quotes “” ‘’; Traditional usage (Taiwan, Hong Kong) is 「」 『』.
    # One character for one, so run boundaries stay where they were.
    return lambda text: conv(text).translate(_QUOTES)


_QUOTES = str.maketrans({"“": "「", "”": "」", "‘": "『", "’": "』"})


def convert_text(text: str, script: str) -> str:
    """Convert one string to the script."""
    return converter(script)(text) if text else text


def convert_runs(texts: list[str], script: str) -> list[str]:
    """Convert consecutive runs of one paragraph, keeping phrase context across run boundaries.

    The runs are converted as one string; when that keeps the length (the usual case: characters
    map one to one) the result is cut back at the run boundaries, otherwise each run is converted
    on its own so no text moves between runs (e.g. out of a bold run).
    """
    conv = converter(script)
    joined = "".join(texts)
    if not joined:
        return list(texts)
    whole = conv(joined)
    if len(whole) == len(joined):
        out, i = [], 0
        for t in texts:
            out.append(whole[i:i + len(t)])
            i += len(t)
        return out
    return [conv(t) if t else t for t in texts]


def _convert_inlines(inlines: Iterable[m.Inline], script: str) -> None:
    runs = [x for x in inlines if isinstance(x, (m.Text, m.Blank))]
    for run, text in zip(runs, convert_runs([r.text for r in runs], script)):
        run.text = text


def convert_document(doc: m.Document, script: str) -> m.Document:
    """Convert every visible text of a document model in place (both writers then draw it); returns doc."""
    script = normalize(script)
    if SCRIPTS[script] is None:
        return doc
    for group in walk.inlines(doc):
        _convert_inlines(group, script)
    conv = converter(script)
    walk.map_strings(doc, conv)    # cut-line labels, QR captions (a QR code's data stays as given: a URL, a code)
    doc.title = conv(doc.title)
    doc.author = conv(doc.author)
    return doc


def convert_docx(path, script: str) -> None:
    """Convert the text of a saved .docx in place (body, tables, headers, footers), paragraph by paragraph."""
    script = normalize(script)
    if SCRIPTS[script] is None:
        return
    from docx import Document
    from docx.oxml.ns import qn

    d = Document(str(path))
    parts = [d.element.body]
    for s in d.sections:
        for hf in (s.header, s.footer, s.first_page_header, s.first_page_footer, s.even_page_header,
                   s.even_page_footer):
            if not hf.is_linked_to_previous:
                parts.append(hf._element)
    seen: set[int] = set()
    for part in parts:
        if id(part) in seen:
            continue
        seen.add(id(part))
        for p in part.iter(qn("w:p")):
            # text in a text box belongs to the box's own paragraphs, not to the one holding it
            nodes = [t for t in p.iter(qn("w:t")) if next(t.iterancestors(qn("w:p")), None) is p]
            for node, text in zip(nodes, convert_runs([t.text or "" for t in nodes], script)):
                node.text = text
    conv = converter(script)
    props = d.core_properties
    props.title = conv(props.title or "")
    props.author = conv(props.author or "")
    d.save(str(path))
