"""Set keys of one table in a docgen.toml's text, keeping every other line as it was.

The profile page changes a few values; the office's file may hold other tables ([fonts], [register.numbers],
[web] …) and comments. So the text is edited line by line rather than parsed and written again: lines of
other tables, comment lines and keys whose value is unchanged stay byte for byte; a changed key keeps the
comment at the end of its line;
a key not there yet goes after the last key of its table (a table not there yet, at the end of the file)."""
from __future__ import annotations

import json
import re
import tomllib
from typing import Any

_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_ARRAY_HEADER = re.compile(r"^\s*\[\[")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=\s*(.*)$")


def toml_value(v: Any) -> str:
    """A value as TOML writes it (a JSON string is a TOML basic string)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return json.dumps(str(v), ensure_ascii=False)


def _tables(lines: list[str]) -> list[str | None]:
    """The table each line belongs to (None: before the first header, or an array of tables)."""
    out: list[str | None] = []
    cur: str | None = None
    for line in lines:
        if _ARRAY_HEADER.match(line):
            cur = None
        elif (m := _HEADER.match(line)) is not None:
            cur = m.group(1).strip()
        out.append(cur)
    return out


def _extent(lines: list[str], i: int) -> int:
    """How many lines the key at line i spans (a multi-line string runs on to its closing quotes)."""
    rest = _KEY.match(lines[i]).group(2).lstrip()          # type: ignore[union-attr]
    for q in ('"""', "'''"):
        if rest.startswith(q) and rest.count(q) == 1:
            for j in range(i + 1, len(lines)):
                if q in lines[j]:
                    return j - i + 1
    return 1


def _comment(line: str) -> str:
    """The comment at the end of a `key = value` line, if any ('#' inside a string is not one)."""
    for pos in [m.start() for m in re.finditer("#", line)]:
        try:
            tomllib.loads(line[:pos])
        except tomllib.TOMLDecodeError:
            continue
        return "  " + line[pos:].strip()
    return ""


def _value(text: str, key: str) -> Any:
    try:
        return tomllib.loads(text).get(key)
    except tomllib.TOMLDecodeError:
        return None


def set_keys(text: str, table: str, values: dict[str, Any]) -> str:
    """text with [table] key = value for each item (a value of None removes the key)."""
    lines = text.splitlines()
    for key, value in values.items():
        tables = _tables(lines)
        at = next((i for i, line in enumerate(lines) if tables[i] == table and not _HEADER.match(line)
                   and (m := _KEY.match(line)) is not None and m.group(1) == key), None)
        new = None if value is None else f"{key} = {toml_value(value)}"
        if at is not None:
            span = _extent(lines, at)
            if new is not None and _value("\n".join(lines[at:at + span]), key) == value:
                continue                     # unchanged: the line stays as the office wrote it
            keep = _comment(lines[at]) if span == 1 else ""
            lines[at:at + span] = [] if new is None else [new + keep]
        elif new is not None:
            own = [i for i, t in enumerate(tables) if t == table]
            if not own:
                lines += (["", f"[{table}]"] if lines and lines[-1].strip() else [f"[{table}]"]) + [new]
            else:
                last = max(i for i in own if lines[i].strip() and not lines[i].lstrip().startswith("#")
                           or _HEADER.match(lines[i]))
                lines.insert(last + 1, new)
    return "\n".join(lines) + "\n"
