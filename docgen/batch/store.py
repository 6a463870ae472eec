"""The seam between a batch run and whoever keeps its record: progress, document numbers, issued documents.

A run reports :class:`Progress` to a callback (the CLI draws a bar from it, the web desk a
status line) and asks an :class:`IssueStore` for each document's number *in the parent
process*, before the record goes to a worker, so the letter and its 送达回执 print the same
number.  After a document's files are on disk the store hears :meth:`IssueStore.issued`;
a record that could not be rendered is reported by :meth:`IssueStore.failed`.

:class:`RunStore` is the default: numbers count from 1 within the run (what a run without a
register has always printed) and nothing is kept afterwards.  A register implements the same
protocol over its database; its ``number()`` should return the same number when asked again
for the same template and record key, so that a resumed run finds the earlier files unchanged,
and it may offer ``numbers(template=, wanted=[(pattern, issue_date, record_key), ...])`` to hand
out many at once (:func:`~docgen.batch.prepare.take_numbers` uses it when there).  Every document
a run made, including one a resumed run kept from the run before, is reported to ``issued()``
with the record it was rendered from (:attr:`Issued.data`, the template's fields only).
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol

from ..errors import DataError


@dataclass(frozen=True)
class Progress:
    """Where a run stands: sent to the progress callback once at the start (done=0) and after each record."""
    done: int
    total: int
    ok: int
    failed: int
    skipped: int
    current: str = ""


ProgressFn = Callable[[Progress], None]


@dataclass(frozen=True)
class Issued:
    """One document written by a run (reported in the parent, after its files are on disk)."""
    number: str | None
    template: str
    title: str
    recipient: str
    unit: str
    amount: Decimal | None
    level: int | None
    issue_date: date
    files: tuple[Path, ...]
    run_id: str
    record_key: str
    data: Mapping[str, Any] | None = None    # the record the letter was rendered from (for a reprint)


def letter_data(tpl: Any, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values of a record that are the template's own fields: what the letter itself shows.

    A register keeps these to render the same letter again (补发); anything else a run carries
    along (its level, columns of the ledger the template does not print) is left out."""
    names = {f.name for f in tpl.schema.fields}
    return {k: v for k, v in values.items() if k in names}


class IssueStore(Protocol):
    """Hands out document numbers and hears what a run issued or failed to issue."""

    def number(self, *, template: str, pattern: str, issue_date: date, record_key: str) -> str:
        """The number for one record, e.g. CG-202611-0007 (called in the parent before rendering)."""
        ...

    def issued(self, doc: Issued) -> None:
        """A document is on disk."""
        ...

    def failed(self, *, template: str, record_key: str, error: str, run_id: str) -> None:
        """A record that had been given a number was not rendered (its error, as the manifest says it)."""
        ...


_DATE_KEYS = {"yyyy": "%Y", "yy": "%y", "mm": "%m", "dd": "%d"}


@lru_cache(maxsize=256)
def _keys(pattern: str) -> tuple[str, ...]:
    try:
        return tuple(name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None)
    except ValueError as e:
        raise DataError(f"编号模式「{pattern}」写法有误：{e}", field="number_pattern",
                        expected="如 CG-{yyyy}{mm}-{seq:04}") from None


@lru_cache(maxsize=64)
def _date_values(issue_date: date) -> tuple[tuple[str, str], ...]:
    return tuple((k, issue_date.strftime(f)) for k, f in _DATE_KEYS.items())


def format_number(pattern: str, issue_date: date, seq: int) -> str:
    """The number a pattern gives: "CG-{yyyy}{mm}-{seq:04}", 2026-11-05, 7 → "CG-202611-0007"."""
    unknown = [k for k in _keys(pattern) if k not in _DATE_KEYS and k != "seq"]
    if unknown:
        raise DataError(f"编号模式「{pattern}」里的「{{{unknown[0]}}}」不认识", field="number_pattern",
                        expected="{yyyy}、{yy}、{mm}、{dd} 和 {seq}（如 {seq:04}）")
    try:
        return pattern.format(seq=seq, **dict(_date_values(issue_date)))
    except (ValueError, IndexError) as e:
        raise DataError(f"编号模式「{pattern}」写法有误：{e}", field="number_pattern",
                        expected="如 CG-{yyyy}{mm}-{seq:04}") from None


def number_period(pattern: str, issue_date: date) -> str:
    """The period a pattern's sequence restarts in: "202611" for {yyyy}{mm}, "2026" for {yyyy}, "" for never."""
    keys = set(_keys(pattern))
    year = issue_date.strftime("%Y") if keys & {"yyyy", "yy", "mm", "dd"} else ""
    if "dd" in keys:
        return issue_date.strftime("%Y%m%d")
    if "mm" in keys:
        return issue_date.strftime("%Y%m")
    return year


class RunStore:
    """The default store: a sequence per pattern and period, counted from 1 within this run; nothing is kept."""

    def __init__(self) -> None:
        self._seq: dict[tuple[str, str], int] = {}
        self._given: dict[tuple[str, str], str] = {}

    def number(self, *, template: str, pattern: str, issue_date: date, record_key: str) -> str:
        """The next number of the pattern's sequence (the same one again for a record key already numbered)."""
        given = self._given.get((template, record_key))
        if given is not None:
            return given
        key = (pattern, number_period(pattern, issue_date))
        seq = self._seq.get(key, 0) + 1
        self._seq[key] = seq
        number = self._given[(template, record_key)] = format_number(pattern, issue_date, seq)
        return number

    def issued(self, doc: Issued) -> None:
        """Nothing to keep."""

    def failed(self, *, template: str, record_key: str, error: str, run_id: str) -> None:
        """Nothing to keep."""
