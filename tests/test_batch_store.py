"""The run's seam to a register: progress callback, numbers from a store in the parent, issued documents."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from docgen import api
from docgen.batch.store import Issued, Progress, RunStore, format_number, number_period
from docgen.errors import DataError
from docgen.library import Library

from .conftest import pdf_text

LEDGER = ("楼栋,房号,业主姓名,收费项目,所属期间,欠费金额\n"
          "1栋,101,张三,物业服务费,2026-09,100\n"
          "1栋,102,李四,物业服务费,2026-09,abc\n"
          "1栋,103,王五,物业服务费,2026-09,250.50\n"
          "2栋,201,赵六,物业服务费,2026-10,88\n")


def test_format_number_and_period():
    assert format_number("CG-{yyyy}{mm}-{seq:04}", date(2026, 11, 5), 7) == "CG-202611-0007"
    assert format_number("TZ{yy}-{seq}", date(2026, 1, 9), 12) == "TZ26-12"
    assert number_period("CG-{yyyy}{mm}-{seq:04}", date(2026, 11, 5)) == "202611"
    assert number_period("D{yyyy}{mm}{dd}-{seq}", date(2026, 11, 5)) == "20261105"
    assert number_period("Y{yyyy}-{seq}", date(2026, 11, 5)) == "2026"
    assert number_period("N-{seq}", date(2026, 11, 5)) == ""
    with pytest.raises(DataError) as e:
        format_number("CG-{year}-{seq}", date(2026, 11, 5), 1)
    assert "year" in str(e.value) and e.value.field == "number_pattern"


def test_run_store_counts_per_pattern_and_period():
    s = RunStore()
    n = lambda key, d=date(2026, 11, 5), p="CG-{yyyy}{mm}-{seq:04}": s.number(   # noqa: E731
        template="t", pattern=p, issue_date=d, record_key=key)
    assert [n("a"), n("b"), n("c", date(2026, 12, 1)), n("d", p="X-{seq}")] == \
        ["CG-202611-0001", "CG-202611-0002", "CG-202612-0001", "X-1"]
    assert n("a") == "CG-202611-0001", "the same record asked again keeps its number"


class Register:
    """A store as a register would write one: numbers from its own sequence, keeps what it heard."""

    def __init__(self):
        self.asked: list[tuple[str, str]] = []
        self.docs: list[Issued] = []
        self.failures: list[tuple[str, str]] = []

    def number(self, *, template, pattern, issue_date, record_key):
        self.asked.append((template, record_key))
        return format_number(pattern, issue_date, 40 + len(self.asked))

    def issued(self, doc):
        assert all(p.is_file() for p in doc.files), "issued only once the files are on disk"
        self.docs.append(doc)

    def failed(self, *, template, record_key, error, run_id):
        self.failures.append((record_key, error))


def test_dunning_numbers_from_the_store_and_reports_progress(tmp_path):
    ledger = tmp_path / "l.csv"
    ledger.write_text(LEDGER, encoding="utf-8")
    seen: list[Progress] = []
    reg = Register()
    report = api.dunning(ledger, out=tmp_path / "o", as_of=date(2026, 11, 30), issue_date=date(2026, 11, 23),
                         level=2, jobs=1, progress=seen.append, store=reg)
    assert report.exit_code == 1      # 102's row is bad: no letter, no number
    assert [k for _, k in reg.asked] == ["1栋-101", "1栋-103", "2栋-201"]
    assert {d.record_key: d.number for d in reg.docs} == {"1栋-101": "CG-202611-0041", "1栋-103": "CG-202611-0042",
                                                          "2栋-201": "CG-202611-0043"}
    d = next(d for d in reg.docs if d.record_key == "1栋-103")
    assert (d.recipient, d.unit, d.amount, d.level, d.issue_date) == ("王五", "1栋 103", Decimal("250.50"), 2,
                                                                      date(2026, 11, 23))
    assert d.run_id == report.run_id and d.run_id and [p.name for p in d.files] == ["1栋-103.pdf"]
    assert "CG-202611-0042" in pdf_text(tmp_path / "o" / "1栋-103.pdf")
    assert reg.failures == []
    assert seen[0] == Progress(0, 3, 0, 0, 0)
    assert seen[-1].done == seen[-1].total == 3 and seen[-1].ok == 3
    assert [p.done for p in seen] == [0, 1, 2, 3]
    assert {p.current for p in seen[1:]} == {"1栋-101", "1栋-103", "2栋-201"}


def test_batch_numbers_rows_without_one(tmp_path):
    data = tmp_path / "rows.yaml"
    tpl = "final-notice"
    sample = dict(Library().get(tpl).sample)
    sample.pop("notice_no", None)
    import yaml
    rows = [dict(sample, owner_name="甲"), dict(sample, owner_name="乙", notice_no="ZH-手写-9")]
    data.write_text(yaml.safe_dump([{k: (str(v) if isinstance(v, (date, Decimal)) else v) for k, v in r.items()}
                                    for r in rows], allow_unicode=True), encoding="utf-8")
    reg = Register()
    seen: list[Progress] = []
    report = api.batch(tpl, data, out=tmp_path / "o", jobs=1, store=reg, progress=seen.append,
                       number_pattern="ZH-{yyyy}{mm}-{seq:04}")
    assert report.exit_code == 0 and len(reg.asked) == 1
    numbers = sorted(d.number for d in reg.docs)
    assert numbers[0].startswith("ZH-") and numbers[0].endswith("-0041") and numbers[1] == "ZH-手写-9"
    texts = {p.stem: pdf_text(p) for p in (tmp_path / "o").glob("*.pdf")}
    assert any(numbers[0] in t for t in texts.values()) and any("ZH-手写-9" in t for t in texts.values())
    assert seen[-1] == Progress(2, 2, 2, 0, 0, seen[-1].current)
    with pytest.raises(DataError) as e:
        api.batch("wall-cleaning-notice", data, out=tmp_path / "o2", number_pattern="N-{seq}")
    assert e.value.field == "number_pattern" and "notice_no" in str(e.value)
