"""Table readers: a stream of ledger rows from CSV, XLSX, or a YAML/JSON list (one record: documents.py).

Also the value parsers every later layer reuses: :func:`parse_amount`,
:func:`parse_date`, :func:`parse_period` and :func:`normalize_text`.

Line numbers
------------
Every :class:`Row` carries ``line``, the number a person sees when opening the
source file (header = line 1):

* CSV: the *physical* line on which the record **starts**, counting every
  line break (``\\n``, ``\\r\\n`` or a lone ``\\r``) including those inside
  quoted fields.  A record whose quoted field spans lines 3-5 has line 3 and
  the next record has line 6.
* XLSX: the sheet's row number (what Excel shows on the left).
* YAML/JSON lists: the line where the record (the list item) starts.

Blank rows in the middle of a table are yielded with ``blank=True`` so a
manifest can account for every line; blank rows *after* the last data row are
dropped (editors and Excel leave those behind), as are blank lines before the
header.  Title rows above the header (rows with one filled cell, such as
“某小区欠费明细表”, followed by a row with several) are skipped and kept in
``Table.titles``.

Numbers from XLSX (and YAML/JSON tables) never arrive as ``float``: they become
``Decimal`` rounded to Excel's 15 significant digits, so amounts are exact.  A YAML
number is the Decimal of its text (``1500.00`` keeps its places).
"""
from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Literal

import yaml

from ..errors import DataError
from .documents import (DOCUMENT_SUFFIXES, _clean_header, _clean_value, _deep_clean, _decode_whole, _display,
                        _load_json, _load_yaml, _read_bytes, normalize_text)
from .values import parse_amount, parse_date, parse_period  # noqa: F401 - re-exported

__all__ = [
    "Row", "Table", "read_table", "read_headers",
    "parse_amount", "parse_date", "parse_period", "normalize_text",
    "TABLE_SUFFIXES", "DOCUMENT_SUFFIXES",
]

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
TABLE_SUFFIXES = CSV_SUFFIXES + XLSX_SUFFIXES + DOCUMENT_SUFFIXES

_SNIFF_CHARS = 8192        # characters handed to csv.Sniffer
_DETECT_BYTES = 64 * 1024  # bytes read to choose the encoding


# --------------------------------------------------------------------------- #
# Tables (many rows, streamed)
# --------------------------------------------------------------------------- #

@dataclass(slots=True)
class Row:
    """One data row of a table.

    ``line``: source line (CSV: physical line where the record starts; XLSX: sheet row;
    header = line 1).  ``values``: header -> value (strings stripped, ``""`` -> ``None``,
    XLSX floats -> ``Decimal``).  ``blank``: every cell empty.  ``error``: set only when
    reading with ``on_error="yield"`` and the row could not be read (e.g. more cells
    than headers); ``values`` then holds what could be mapped.
    """
    line: int
    values: dict[str, Any]
    blank: bool = False
    error: DataError | None = None


RawRow = tuple[int, Any]  # (line, list of cells | dict | other YAML item)


_MAX_TITLE_ROWS = 5


def _filled(cells: Any) -> bool:
    return any(_clean_value(c) is not None for c in cells)


class _CsvBroken(list):
    """Marker for a CSV record the csv module could not parse."""

    def __init__(self, message: str):
        super().__init__()
        self.message = message


class Table(Iterator[Row]):
    """Iterator over the rows of a table file; see :func:`read_table`.

    The header is read when the table is opened, so a missing file or a broken
    header raises at once.  Attributes: ``file`` (display name), ``format``
    (``csv``/``xlsx``/``yaml``/``json``), ``headers``, ``header_line``,
    ``encoding`` and ``delimiter`` (CSV only), ``sheet`` (XLSX only).
    Use as a context manager, or call :meth:`close`, to release the file early.

    With ``on_error="raise"`` a bad row raises :class:`DataError` from ``next()``;
    iteration may be resumed with ``next()`` after catching it (a ``for`` loop
    stops).  Encoding errors and broken files end the iteration.
    """

    def __init__(self, path: str | Path, *, sheet: str | None = None,
                 on_error: Literal["raise", "yield"] = "raise"):
        if on_error not in ("raise", "yield"):
            raise ValueError("on_error must be 'raise' or 'yield'")
        self.path = Path(path)
        self.file = _display(path)
        self.on_error = on_error
        self.encoding: str | None = None
        self.delimiter: str | None = None
        self.sheet: str | None = None
        self.header_line = 0
        self.headers: list[str] = []
        self.titles: list[str] = []
        self._closers: list[Any] = []
        self._pending: list[Row] = []   # blank rows not yet known to be non-trailing
        self._out: deque[Row] = deque()
        self._done = False
        if str(path) == "-":
            raise DataError("表格数据不能从标准输入读取", file=self.file,
                            expected="CSV 或 Excel（.xlsx）文件路径")
        suffix = self.path.suffix.lower()
        if not self.path.exists():
            raise DataError("文件不存在", file=self.file)
        if self.path.is_dir():
            raise DataError("这是一个文件夹，不是数据文件", file=self.file)
        try:
            if suffix in XLSX_SUFFIXES:
                self.format = "xlsx"
                raw = self._open_xlsx(sheet)
            elif suffix in (".yaml", ".yml", ".json"):
                self.format = "json" if suffix == ".json" else "yaml"
                raw = self._open_records()
            elif suffix in CSV_SUFFIXES or suffix == "":
                self.format = "csv"
                raw = self._open_csv()
            elif suffix == ".xls":
                raise DataError("不支持旧版 Excel 97-2003（.xls）文件", file=self.file,
                                expected="在 Excel 中“另存为” .xlsx 或 CSV（UTF-8）")
            else:
                raise DataError(f"不支持的表格文件类型「{suffix}」", file=self.file,
                                expected="CSV（.csv/.tsv/.txt）、Excel（.xlsx）、YAML 或 JSON")
            if hasattr(raw, "close"):
                self._closers.append(raw.close)
            self._raw = self._with_header(raw)
        except BaseException:
            self.close()
            raise

    # -- protocol ----------------------------------------------------------- #
    def __iter__(self) -> "Table":
        return self

    def __next__(self) -> Row:
        if not self._out:
            self._fill()
        if not self._out:
            raise StopIteration
        row = self._out.popleft()
        if row.error is not None and self.on_error == "raise":
            raise row.error
        return row

    def __enter__(self) -> "Table":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._done = True
        self._out.clear()
        self._pending.clear()
        while self._closers:
            try:
                self._closers.pop()()
            except Exception:  # pragma: no cover - closing must not mask errors
                pass

    def __del__(self) -> None:  # pragma: no cover - best effort
        try:
            self.close()
        except Exception:
            pass

    def _fill(self) -> None:
        while not self._out and not self._done:
            try:
                raw = next(self._raw)
            except StopIteration:
                self._pending.clear()     # trailing blank rows are dropped
                self.close()
                return
            except BaseException:
                self.close()
                raise
            row = self._make_row(*raw)
            if row.blank:
                self._pending.append(row)
                continue
            self._out.extend(self._pending)
            self._pending.clear()
            self._out.append(row)

    # -- header & row mapping ---------------------------------------------- #
    def _with_header(self, raw: Iterator[RawRow]) -> Iterator[RawRow]:
        """Consume raw rows up to the header; return the rest.

        The header is the first non-blank row, except that rows with a single filled
        cell *above* a row with several (a title such as “某小区欠费明细表”, a line
        “制表日期：…”) are titles: they are skipped and kept in ``self.titles``."""
        if self.format in ("yaml", "json"):
            return raw  # headers were computed from the records
        held: list[RawRow] = []     # single-cell rows (and blanks after them) seen so far
        for line, cells in raw:
            if isinstance(cells, _CsvBroken):
                raise DataError(f"表头行 CSV 格式错误：{cells.message}", file=self.file, row=line,
                                expected="标准 CSV：含逗号、引号或换行的单元格用英文双引号括起来")
            filled = [c for c in cells if _clean_value(c) is not None]
            if not filled:
                if held:
                    held.append((line, cells))
                continue
            if len(filled) == 1 and sum(1 for _, c in held if _filled(c)) < _MAX_TITLE_ROWS:
                held.append((line, cells))
                continue
            if len(filled) > 1:
                self.titles = [str(_clean_value(next(c for c in cs if _clean_value(c) is not None)))
                               for _, cs in held if _filled(cs)]
                self._set_headers(line, list(cells))
                return raw
            held.append((line, cells))
            break
        if not held:
            raise DataError("表格是空的，没有表头", file=self.file,
                            expected="第一行是表头（如 楼栋、房号、业主姓名、欠费金额），下面每行一条记录")
        # a one-column table: the first single-cell row is the header, the rest is data
        self._set_headers(held[0][0], list(held[0][1]))
        return itertools.chain(held[1:], raw)

    def _set_headers(self, line: int, cells: list[Any]) -> None:
        names = [_clean_header(c) for c in cells]
        while names and not names[-1]:
            names.pop()
        seen: dict[str, int] = {}
        for i, h in enumerate(names):
            if not h:
                names[i] = h = f"第{i + 1}列"   # an unnamed column in the middle
            if h in seen:
                raise DataError(f"表头「{h}」重复（第 {seen[h]} 列和第 {i + 1} 列）", file=self.file,
                                row=line, field=h, expected="每列表头各不相同")
            seen[h] = i + 1
        self.header_line = line
        self.headers = names

    def _make_row(self, line: int, cells: Any) -> Row:
        if isinstance(cells, _CsvBroken):
            err = DataError(f"CSV 格式错误：{cells.message}", file=self.file, row=line,
                            expected="标准 CSV：含逗号、引号或换行的单元格用英文双引号括起来")
            return Row(line, {h: None for h in self.headers}, False, err)
        if isinstance(cells, dict):
            values = {h: None for h in self.headers}
            for k, v in cells.items():
                values[_clean_header(k)] = _deep_clean(v)
            blank = all(v is None or v == [] or v == {} for v in values.values())
            return Row(line, values, blank)
        if not isinstance(cells, (list, tuple)):
            err = DataError(f"这一条记录不是“字段: 值”的映射，而是 {cells!r}", file=self.file, row=line,
                            expected="每条记录都是字段映射")
            return Row(line, {h: None for h in self.headers}, False, err)
        n = len(self.headers)
        vals: list[Any] = [(c.strip() or None) if c.__class__ is str else _clean_value(c) for c in cells]
        if len(vals) > n:
            extra = [(i, v) for i, v in enumerate(vals[n:], start=n + 1) if v is not None]
            del vals[n:]
        else:
            extra = []
            if len(vals) < n:
                vals.extend([None] * (n - len(vals)))
        values = dict(zip(self.headers, vals))
        blank = not extra and vals.count(None) == n
        if extra:
            col, v = extra[-1]
            err = DataError(f"本行有 {col} 个单元格，但表头只有 {n} 列（多出的内容：{v!r}）",
                            file=self.file, row=line,
                            expected=f"每行最多 {n} 列，与表头对齐；"
                                     "若内容里含分隔符（逗号），请用英文双引号把该单元格括起来")
            return Row(line, values, False, err)
        return Row(line, values, blank)

    # -- CSV ---------------------------------------------------------------- #
    def _open_csv(self) -> Iterator[RawRow]:
        self.encoding = _detect_encoding(self.path, self.file)
        f = open(self.path, encoding=self.encoding, newline="", errors="strict")
        self._closers.append(f.close)
        try:
            sample = f.read(_SNIFF_CHARS)
        except UnicodeDecodeError:
            raise DataError(f"文件编码无法识别（按 {_encoding_label(self.encoding)} 读取失败）", file=self.file,
                            expected="UTF-8 或 GBK 编码的 CSV") from None
        self.delimiter = _sniff_delimiter(sample, self.path.suffix.lower())
        f.seek(0)
        return self._csv_rows(f)

    def _csv_rows(self, f: io.TextIOBase) -> Iterator[RawRow]:
        reader = csv.reader(f, delimiter=self.delimiter or ",", quotechar='"', doublequote=True,
                            skipinitialspace=False, strict=False)
        last_end = 0
        while True:
            start = last_end + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                bad = _first_undecodable_line(self.path, self.encoding) or start
                raise DataError(f"文件编码不一致：这一行不是 {_encoding_label(self.encoding)} 编码"
                                f"（前面的内容是）",
                                file=self.file, row=bad,
                                expected="整个文件使用同一种编码（UTF-8 或 GBK）") from None
            except csv.Error as e:
                last_end = reader.line_num
                yield start, _CsvBroken(str(e))
                continue
            last_end = reader.line_num
            yield start, cells

    # -- XLSX --------------------------------------------------------------- #
    def _open_xlsx(self, sheet: str | None) -> Iterator[RawRow]:
        import zipfile

        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            wb = load_workbook(self.path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as e:
            raise DataError(f"无法打开 Excel 文件（{type(e).__name__}: {e}）", file=self.file,
                            expected="Excel 2007 及以后的 .xlsx 文件，未加密、未损坏") from None
        self._closers.append(wb.close)
        if sheet is None:
            ws = wb.worksheets[0]
        elif sheet in wb.sheetnames:
            ws = wb[sheet]
        else:
            raise DataError(f"没有名为「{sheet}」的工作表", file=self.file,
                            expected="、".join(wb.sheetnames))
        self.sheet = ws.title
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()   # exporters often write a wrong <dimension>; read every row
        rows = ws.iter_rows(min_row=1, values_only=True)
        return ((i, list(r)) for i, r in enumerate(rows, start=1))

    # -- YAML / JSON -------------------------------------------------------- #
    def _open_records(self) -> Iterator[RawRow]:
        text = _decode_whole(_read_bytes(self.path, self.file), self.file)
        if self.format == "json":
            data = _load_json(text, self.file, exact=True)
        else:
            data = _load_yaml(text, self.file)
        records = data.get("records") if isinstance(data, dict) else data
        if not isinstance(records, list):
            raise DataError("找不到记录列表", file=self.file,
                            expected="由“字段: 值”映射组成的列表，或含 records: 列表的映射")
        lines = _item_lines(text, len(records))
        heads: dict[str, None] = {}
        for rec in records:
            if isinstance(rec, dict):
                heads.update((_clean_header(k), None) for k in rec)
        self.headers = list(heads)
        self.header_line = 0
        return iter(list(zip(lines, records)))


def _item_lines(text: str, count: int) -> list[int]:
    """Start line of each record (YAML nodes give positions; JSON is YAML enough).

    Falls back to the record's ordinal number if the text cannot be composed."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == "records"), None)
        if isinstance(node, yaml.SequenceNode) and len(node.value) == count:
            return [n.start_mark.line + 1 for n in node.value]
    except yaml.YAMLError:
        pass
    return list(range(1, count + 1))


def _encoding_label(encoding: str | None) -> str:
    return {"utf-8-sig": "UTF-8", "gb18030": "GBK/GB18030", "utf-16": "UTF-16"}.get(encoding or "", str(encoding))


def _first_undecodable_line(path: Path, encoding: str | None) -> int | None:
    """Physical line (1-based) of the first line that does not decode; for error messages."""
    if not encoding or encoding.startswith("utf-16"):
        return None
    with open(path, "rb") as f:
        for n, raw in enumerate(f, start=1):
            try:
                raw.decode(encoding)
            except UnicodeDecodeError:
                return n
    return None


def _detect_encoding(path: Path, name: str) -> str:
    """Choose the encoding from the first bytes: UTF-16 BOM, else UTF-8 (BOM optional)
    if it decodes strictly, else GB18030 (a superset of GBK and GB2312).

    If the first 64 KB are pure ASCII the file is scanned on (in 1 MB chunks, nothing
    kept) to the first non-ASCII byte, so a GBK name far down a ledger is still seen.
    Every byte before that one is ASCII, so it starts a character in both encodings."""
    try:
        f = open(path, "rb")
    except OSError as e:
        raise DataError(f"无法读取文件：{e.strerror or e}", file=name) from None
    with f:
        window = f.read(_DETECT_BYTES)
        if window.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if window.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        while window and window.isascii():
            window = f.read(1 << 20)
        if not window:
            return "utf-8-sig"   # pure ASCII
        first = next(i for i, b in enumerate(window) if b >= 0x80)
        window = window[first:first + _DETECT_BYTES]
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)("strict").decode(window, final=False)
        except UnicodeDecodeError:
            continue
        return "utf-8-sig" if encoding == "utf-8" else encoding
    raise DataError("无法识别文件编码", file=name,
                    expected="UTF-8 或 GBK 编码的 CSV（Excel 中“另存为 CSV UTF-8”）")


def _sniff_delimiter(sample: str, suffix: str) -> str:
    """Comma, tab or semicolon: csv.Sniffer on whole lines of the sample, checked against
    the header line; comma if in doubt (``.tsv`` defaults to tab)."""
    default = "\t" if suffix == ".tsv" else ","
    text = sample.lstrip("\ufeff")
    cut = max(text.rfind("\n"), text.rfind("\r"))
    if cut > 0 and len(sample) >= _SNIFF_CHARS:
        text = text[:cut]          # drop the partial last line
    first = text.splitlines()[0] if text else ""
    try:
        found = csv.Sniffer().sniff(text, delimiters=",\t;").delimiter
    except csv.Error:
        found = None
    if found and found in first:
        return found
    counts = {d: first.count(d) for d in ",\t;"}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] and counts[default] == 0 else default


def read_table(path: str | Path, *, sheet: str | None = None,
               on_error: Literal["raise", "yield"] = "raise") -> Table:
    """Stream the rows of a CSV, XLSX, or YAML/JSON table as :class:`Row` objects.

    * CSV (``.csv``/``.tsv``/``.txt``): encoding UTF-8 (with or without BOM), UTF-16
      with BOM, else GB18030/GBK; delimiter comma, tab or semicolon (sniffed).
      Read lazily, line by line.
    * XLSX: first sheet or ``sheet=``; openpyxl read-only, cached formula values;
      cells keep their types except floats, which become exact ``Decimal``.
    * YAML/JSON: a list of mappings, or a mapping with a ``records`` list (small files).

    The header is the first non-blank row; duplicate headers are a :class:`DataError`.
    Rows with more non-empty cells than headers are a row-level :class:`DataError`
    (raised from ``next()``, or attached as ``Row.error`` with ``on_error="yield"``);
    missing trailing cells are ``None``.  Returns a :class:`Table`, an iterator with
    ``headers`` and ``close()``.
    """
    return Table(path, sheet=sheet, on_error=on_error)


def read_headers(path: str | Path, *, sheet: str | None = None) -> list[str]:
    """The cleaned header names of a table file (see :func:`read_table`)."""
    with read_table(path, sheet=sheet) as t:
        return list(t.headers)
