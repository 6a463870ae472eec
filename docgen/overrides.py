"""``--set`` style overrides: field=value strings (or a mapping) applied on top of a record's data."""
from __future__ import annotations

from typing import Any

import yaml

from .errors import DataError
from .library import Template
from .readers import DataLoader
from .schema import Schema


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
