"""A table (CSV/XLSX/YAML/JSON) as the rows of one list field of a record, each row checked against the
list's item fields (e.g. a training summary's 名单 from the score list ``exam grade`` writes)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from ..errors import DataError
from ..library.schema import Field, Schema
from .readers import read_table

#: More bad rows than this are counted, not listed, in the error.
_LISTED = 10


def list_field(schema: Schema, key: str) -> Field:
    """The list field (with item fields) a key names: its name, Chinese label or an alias."""
    lists = [f for f in schema.fields if f.type == "list" and f.fields]
    f = schema.field_for(key)
    if f is None or f not in lists:
        what = f"「{key}」不是记录列表字段" if f is not None else f"模板没有字段「{key}」"
        raise DataError(what, field="tables",
                        expected=("、".join(f"{x.name}（{x.label}）" if x.label else x.name for x in lists)
                                  if lists else "这个模板没有可用表格填写的列表字段"))
    return f


def _header_map(f: Field, headers: list[str], file: str, line: int | None) -> dict[str, str]:
    """Item field name → the header that gives it; a header row that cannot fill the items is an error."""
    sub = Schema(f.fields)
    found: dict[str, str] = {}
    for h in headers:
        sf = sub.field_for(h)
        if sf is None:
            continue            # other columns (e.g. each question's score in scores.csv) are not item fields
        if sf.name in found:
            raise DataError(f"「{found[sf.name]}」和「{h}」两列都是{sf.title}", file=file, row=line, field=sf.title,
                            expected="每个字段只占一列：删去或改名其中一列")
        found[sf.name] = h
    accepted = "；".join(f"{sf.title}：" + "、".join(sf.keys()) for sf in f.fields)
    if not found:
        raise DataError(f"表头没有一列是{f.title}的字段（表头：{'、'.join(headers) or '无'}）", file=file, row=line,
                        expected=f"表头用字段名或中文名：{accepted}")
    missing = [sf for sf in f.fields if sf.required and sf.name not in found]
    if missing:
        raise DataError("表头缺少必填的列：" + "、".join(sf.title for sf in missing), file=file, row=line,
                        field=missing[0].title, expected="表头写作 " + "、".join(missing[0].keys()) + " 之一")
    return found


def read_list_table(f: Field, path: str | Path, *, sheet: str | None = None) -> list[dict[str, Any]]:
    """Every data row of a table as one validated item of list field f, in the table's order.

    Headers may be the item fields' names, Chinese labels or aliases; other columns are kept as extra keys.
    A blank row between data rows, a broken row or a value that does not fit its field is a DataError
    naming the file, the line, the column and the field (the first bad row, and how many others there are);
    so is a table with no data rows."""
    sub = Schema(f.fields)
    base_dir = Path(path).parent
    items: list[dict[str, Any]] = []
    problems: list[DataError] = []
    with read_table(path, sheet=sheet, on_error="yield") as table:
        header_line = table.header_line or None     # YAML/JSON records have no header line
        found = _header_map(f, table.headers, table.file, header_line)
        column = {h: i for i, h in enumerate(table.headers, 1)}
        by_title = {sf.title: sf for sf in f.fields}
        for row in table:
            if row.error is not None:
                problems.append(row.error)
                continue
            if row.blank:
                problems.append(DataError("空行夹在数据行之间", file=table.file, row=row.line,
                                          expected="删去空行，或填上这一行"))
                continue
            try:
                items.append(sub.validate(row.values, file=table.file, row=row.line, base_dir=base_dir))
            except DataError as e:
                sf = by_title.get(e.field or "")
                h = found.get(sf.name) if sf is not None else None
                where = "" if h is None else (f"第 {column[h]} 列「{h}」：" if table.format in ("csv", "xlsx")
                                              else f"「{h}」：")
                problems.append(DataError(where + e.message, file=table.file, row=row.line, field=e.field,
                                          expected=e.expected))
        file = table.file
    if problems:
        first = problems[0]
        if len(problems) > 1:
            rows = [str(p.row) for p in problems[1:_LISTED + 1] if p.row is not None]
            more = "等" if len(problems) - 1 > _LISTED else ""
            first = DataError(f"{first.message}；另有 {len(problems) - 1} 行有问题（第 {'、'.join(rows)} 行{more}）",
                              file=first.file, row=first.row, field=first.field, expected=first.expected)
        raise first
    if not items:
        raise DataError(f"表格只有表头，没有{f.label or f.name}的数据行", file=file, row=header_line,
                        expected="表头下面每行一条记录")
    return items


def with_tables(schema: Schema, data: dict, tables: Mapping[str, str | Path], *, sheet: str | None = None,
                replace: bool = False) -> dict:
    """The data with each named list field filled from its table (see :func:`read_list_table`).

    A list the data already gives is an error (which one was meant?) unless replace is true (a sample's list)."""
    out = dict(data)
    for key, path in tables.items():
        f = list_field(schema, str(key))
        given = [k for k in out if schema.field_for(k) is f]
        if not replace and any(out[k] not in (None, "", []) for k in given):
            raise DataError(f"{f.title}既在数据里给了，又给了表格 {path}", field="tables",
                            expected="二者取其一：数据里删去这一项，或不给这张表格")
        for k in given:
            del out[k]
        out[f.name] = read_list_table(f, path, sheet=sheet)
    return out
