"""Simplified → Traditional Chinese output (OpenCC, phrase-level) for offices in Hong Kong, Macau and Taiwan.

Scripts: ``hans`` (no conversion), ``hant`` (OpenCC s2t, standard Traditional), ``tw`` (s2twp:
Taiwan forms and phrases such as 信息→資訊), ``hk`` (s2hk: Hong Kong forms).  Conversion runs on
the rendered text, so template wording and data are converted alike; digits, Latin text and
punctuation are left untouched.  大写 numerals convert to the standard Traditional financial forms
(贰→貳, 叁→叄 (hant/tw) or 叁 (hk), 陆→陸); 零壹肆伍柒捌玖, 〇 and 年月日 are the same in both scripts.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable, Iterable

from . import model as m
from .errors import DataError

SCRIPTS: dict[str, str | None] = {"hans": None, "hant": "s2t", "tw": "s2twp", "hk": "s2hk"}
_ALIASES = {"zh-hans": "hans", "zh-cn": "hans", "simplified": "hans", "简体": "hans",
            "zh-hant": "hant", "traditional": "hant", "繁体": "hant", "繁體": "hant",
            "zh-tw": "tw", "taiwan": "tw", "台湾": "tw", "zh-hk": "hk", "zh-mo": "hk", "hongkong": "hk",
            "香港": "hk", "mo": "hk", "澳门": "hk"}
# OpenCC's Taiwan phrase table is written for software (发布→釋出 as in "release a version");
# for notices and letters the ordinary Taiwan words are kept instead.
_TW_KEEP = {"釋出": "發布"}


def normalize(script: str | None, *, where: str = "--script") -> str:
    """The canonical script name (hans/hant/tw/hk) for a user's spelling; DataError if unknown."""
    key = (script or "hans").strip().lower()
    key = _ALIASES.get(key, key)
    if key not in SCRIPTS:
        raise DataError(f"未知的文字「{script}」", field=where,
                        expected="hans（简体）、hant（繁体）、tw（台湾正体及用语）、hk（香港繁体）")
    return key


@lru_cache(maxsize=None)
def converter(script: str) -> Callable[[str], str]:
    """A str → str function converting Simplified text to the given script (identity for hans)."""
    config = SCRIPTS[normalize(script)]
    if config is None:
        return lambda text: text
    try:
        import opencc
    except ImportError:  # pragma: no cover - opencc is a declared dependency
        raise DataError("繁体输出需要 OpenCC", field="--script", expected="pip install opencc") from None
    cc = opencc.OpenCC(config)
    if config != "s2twp":
        return cc.convert

    def convert(text: str) -> str:
        out = cc.convert(text)
        for bad, good in _TW_KEEP.items():
            out = out.replace(bad, good)
        return out
    return convert


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


def _convert_blocks(blocks: Iterable[m.Block], script: str) -> None:
    conv = converter(script)
    for b in blocks:
        if isinstance(b, (m.Paragraph, m.Heading)):
            _convert_inlines(b.inlines, script)
        elif isinstance(b, m.ListBlock):
            for item in b.items:
                _convert_inlines(item, script)
        elif isinstance(b, m.Table):
            for row in b.rows:
                for cell in row:
                    _convert_inlines(cell.inlines, script)
        elif isinstance(b, m.Signature):
            for line in b.lines:
                _convert_inlines(line, script)
        elif isinstance(b, m.Columns):
            for item in b.items:
                _convert_inlines(item, script)
        elif isinstance(b, (m.Frame, m.KeepTogether)):
            _convert_blocks(b.blocks, script)
        elif isinstance(b, m.CutLine):
            b.label = conv(b.label)
        elif isinstance(b, m.QRCode):
            b.caption = conv(b.caption)  # the encoded data stays as given: it may be a URL or a code


def convert_document(doc: m.Document, script: str) -> m.Document:
    """Convert every visible text of a document model in place (both writers then draw it); returns doc."""
    script = normalize(script)
    if SCRIPTS[script] is None:
        return doc
    _convert_blocks(doc.blocks, script)
    conv = converter(script)
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
