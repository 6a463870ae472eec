"""Reading one record: YAML and JSON documents (a file or standard input), and the text clean-up every reader uses.

Numbers never arrive as ``float``: a YAML number is the Decimal of its text (``1500.00`` keeps its places).
"""
from __future__ import annotations

import codecs
import json
import re
import sys
import unicodedata
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from ..errors import DataError
from .values import float_to_decimal

STDIN_NAME = "标准输入"
DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")

# --------------------------------------------------------------------------- #
# Text
# --------------------------------------------------------------------------- #

# XML 1.0 forbids C0 controls except TAB/LF/CR, U+FFFE, U+FFFF and surrogates.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def normalize_text(s: Any) -> str:
    """Text safe for DOCX/PDF: NFC, no XML-illegal characters, ``\\n`` line ends, stripped.

    Removes C0 control characters other than TAB/LF/CR, U+FFFE/U+FFFF and lone
    surrogates; turns ``\\r\\n`` (and a lone ``\\r``) into ``\\n``.  Emoji,
    Extension-B characters (U+20000+) and traditional characters are kept.
    ``None`` becomes ``""``; other non-strings are converted with ``str()``.
    """
    if s is None:
        return ""
    if not isinstance(s, str):
        s = str(s)
    s = _XML_ILLEGAL.sub("", s)
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", s).strip()


_HEADER_SPACE = re.compile(r"\s+")


def _clean_header(h: Any) -> str:
    """Header text: no BOM / zero-width chars, NFC, ends stripped (incl. U+3000), inner runs of
    whitespace (e.g. a line break typed into an Excel header cell) collapsed to one space."""
    if h is None:
        return ""
    if isinstance(h, float):
        h = float_to_decimal(h)
    if isinstance(h, datetime) and h.time() == datetime.min.time():
        h = h.date()
    s = str(h).replace("\ufeff", "").replace("\u200b", "")
    s = unicodedata.normalize("NFC", _XML_ILLEGAL.sub("", s))
    return _HEADER_SPACE.sub(" ", s.strip())


def _clean_value(v: Any) -> Any:
    """Cell value: strings stripped (empty -> None), floats -> Decimal, rest unchanged."""
    if isinstance(v, str):
        v = v.strip()
        return v or None
    if isinstance(v, float):
        return float_to_decimal(v)
    return v


def _deep_clean(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _deep_clean(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_deep_clean(x) for x in v]
    return _clean_value(v)


# --------------------------------------------------------------------------- #
# Documents (one record)
# --------------------------------------------------------------------------- #

def _display(path: Any) -> str:
    return STDIN_NAME if str(path) == "-" else str(path)


def _decode_whole(data: bytes, name: str) -> str:
    """Decode a whole (small) file: UTF-8 (BOM optional), UTF-16 with BOM, else GB18030."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise DataError("无法识别文件编码", file=name, expected="UTF-8 或 GBK 编码的文本文件") from None


def _read_bytes(path: Any, name: str) -> bytes:
    if str(path) == "-":
        stream = getattr(sys.stdin, "buffer", None)
        return stream.read() if stream is not None else sys.stdin.read().encode("utf-8")
    p = Path(path)
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise DataError("文件不存在", file=name) from None
    except IsADirectoryError:
        raise DataError("这是一个文件夹，不是数据文件", file=name) from None
    except OSError as e:
        raise DataError(f"无法读取文件：{e.strerror or e}", file=name) from None


def _yaml_error(e: yaml.YAMLError, name: str) -> DataError:
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(e, "problem", None) or str(e)
    hint = ""
    if "'\\t'" in problem or "\t" in problem:
        hint = "；YAML 不能用 Tab 缩进，请改用空格"
    elif "mapping values are not allowed" in problem:
        hint = "；冒号后面要有空格，值里含冒号时请加引号"
    col = f"第 {mark.column + 1} 列，" if mark is not None else ""
    return DataError(f"YAML 语法错误（{col}{problem}{hint}）", file=name, row=line,
                     expected="合法的 YAML，如 “字段: 值”，缩进用空格")


class DataLoader(yaml.SafeLoader):
    """YAML 1.1 reads 0101 as octal 65 and 8:30 as 510 (base 60); data files mean the text."""


def _int_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    raw = node.value
    digits = raw.lstrip("+-")
    if ":" in raw or "_" in raw or (len(digits) > 1 and digits.startswith("0") and digits.isdigit()):
        return raw
    return loader.construct_yaml_int(node)


def _float_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    if ":" in node.value or "_" in node.value:
        return node.value
    try:
        d = Decimal(node.value)         # exact, and 1500.00 keeps its two places
    except ArithmeticError:
        return loader.construct_yaml_float(node)    # .inf, .nan
    # 0.30000000000000004 is a float some program printed, not an amount anyone typed
    return float_to_decimal(float(d)) if len(d.as_tuple().digits) > 15 else d


def _date_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    # 2026-13-45 looks like a date to YAML but is none: keep the text so validation names the field
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return node.value


DataLoader.add_constructor("tag:yaml.org,2002:int", _int_or_text)
DataLoader.add_constructor("tag:yaml.org,2002:float", _float_or_text)
DataLoader.add_constructor("tag:yaml.org,2002:timestamp", _date_or_text)


def _load_yaml(text: str, name: str) -> Any:
    try:
        return yaml.load(text, Loader=DataLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        raise _yaml_error(e, name) from None


def _load_json(text: str, name: str, *, exact: bool = False) -> Any:
    try:
        return json.loads(text, parse_float=Decimal if exact else None)
    except json.JSONDecodeError as e:
        raise DataError(f"JSON 语法错误（第 {e.colno} 列，{e.msg}）", file=name, row=e.lineno,
                        expected="合法的 JSON") from None


def read_document(path: str | Path) -> dict:
    """Read one record from a ``.yaml``/``.yml``/``.json`` file, or ``'-'`` for stdin
    (parsed as YAML, which also accepts JSON).  The top level must be a mapping.

    Values are exactly what ``yaml.safe_load`` / ``json.loads`` give: dates stay
    ``datetime.date``, numbers stay int/float (use :func:`parse_amount` for money).
    Errors are :class:`DataError` naming the file and, for syntax errors, the line.
    """
    name = _display(path)
    if str(path) != "-":
        suffix = Path(path).suffix.lower()
        if suffix not in DOCUMENT_SUFFIXES:
            raise DataError(f"不支持的数据文件类型「{suffix or '无扩展名'}」", file=name,
                            expected="YAML（.yaml/.yml）或 JSON（.json）文件；"
                                     "CSV/Excel 台账请用批量生成")
    text = _decode_whole(_read_bytes(path, name), name)
    if str(path) != "-" and Path(path).suffix.lower() == ".json":
        data = _load_json(text, name)
    else:
        data = _load_yaml(text, name)
    if data is None:
        raise DataError("文件是空的", file=name, expected="“字段: 值” 形式的数据")
    if not isinstance(data, dict):
        kind = "列表" if isinstance(data, list) else type(data).__name__
        raise DataError(f"顶层应为字段映射，实际是{kind}", file=name,
                        expected="“字段: 值” 形式的一条记录（多条记录请用批量生成）")
    return data
