"""The register seen from the commands: render/dunning/batch record and number, list/show/export/void/delivered/reprint."""
from __future__ import annotations

import json
import os
import sqlite3
from datetime import date
from pathlib import Path

import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

from docgen import api
from docgen.cli import app
from docgen.register import Register, RegisterStore

from .helpers import pdf_text

HEADER = "楼栋,房号,业主姓名,联系电话,收费项目,所属期间,应收金额,已收金额,欠费金额"
runner = CliRunner()


def ledger(tmp_path: Path, units: int = 3, name: str = "l.csv") -> Path:
    lines = [HEADER]
    for n in range(units):
        for m in (8, 9, 10):
            lines.append(f"{n + 1}栋,{n + 1}01,业主{n},1380000{n:04d},物业服务费,2026-{m:02d},{100 + n}.00,0,{100 + n}.00")
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return p


def run(*args: str, code: int = 0):
    res = runner.invoke(app, list(args))
    assert res.exit_code == code, res.output
    return res


def listing(*args: str) -> list[dict]:
    return json.loads(run("register", "list", "--json", *args).stdout)


def demand_data(tmp_path: Path) -> Path:
    data = yaml.safe_load(run("show", "demand-letter", "--example").stdout)
    data.pop("notice_no", None)
    p = tmp_path / "d.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def test_render_numbers_from_the_register_and_continues_across_runs(tmp_path):
    d = demand_data(tmp_path)
    run("render", "demand-letter", "--data", str(d), "--out", str(tmp_path / "a.pdf"), "--operator", "王小明")
    run("render", "demand-letter", "--data", str(d), "--out", str(tmp_path / "b.pdf"))
    run("render", "demand-letter", "--data", str(d), "--out", str(tmp_path / "draft.pdf"), "--no-register")
    run("render", "demand-letter", "--sample", "--out", str(tmp_path / "sample.pdf"))      # a preview
    rows = listing()
    assert [r["number"] for r in rows] == ["CG-202611-0001", "CG-202611-0002"]
    assert rows[0]["operator"] == "王小明" and rows[0]["recipient"] and rows[0]["level"] == 2
    assert rows[0]["files"] == [str((tmp_path / "a.pdf").resolve())] and len(rows[0]["sha256"][0]) == 64
    assert {k for k in ("number", "template", "unit", "recipient", "level", "issue_date", "files", "sha256",
                        "status", "delivered")} <= set(rows[0])
    assert "CG-202611-0001" in pdf_text(tmp_path / "a.pdf") and "CG-202611-0002" in pdf_text(tmp_path / "b.pdf")
    assert "CG-2026" not in pdf_text(tmp_path / "draft.pdf")


def test_two_dunning_runs_in_a_month_give_distinct_numbers_letter_and_receipt_alike(tmp_path):
    led = ledger(tmp_path)
    for out in ("one", "two"):
        run("dunning", str(led), "--out", str(tmp_path / out), "--level", "2", "--receipt", "--issue-date",
            "2026-11-05", "--as-of", "2026-11-01", "--jobs", "1")
    rows = listing()
    numbers = [r["number"] for r in rows]
    assert numbers == [f"CG-202611-{i:04d}" for i in range(1, 7)]
    assert {r["level"] for r in rows} == {2} and {r["status"] for r in rows} == {"issued"}
    first = rows[0]
    text = pdf_text(Path(first["files"][0]))
    assert text.count(first["number"]) == 2            # on the letter and on its 送达回执
    assert first["unit"] == "1栋 101" and first["recipient"] == "业主0" and first["amount"] == "300.00"
    assert "CG-202611-0004" in pdf_text(tmp_path / "two" / "1栋-101.pdf")


def test_a_voided_number_is_not_reused_by_the_next_run(tmp_path):
    led = ledger(tmp_path, units=2)
    run("dunning", str(led), "--out", str(tmp_path / "a"), "--issue-date", "2026-11-05", "--as-of", "2026-11-01",
        "--jobs", "1")
    run("register", "void", "CJ-202611-0002", "--reason", "房号有误")
    run("dunning", str(led), "--out", str(tmp_path / "b"), "--issue-date", "2026-11-06", "--as-of", "2026-11-01",
        "--jobs", "1")
    rows = listing()
    assert [(r["number"], r["status"]) for r in rows] == [
        ("CJ-202611-0001", "issued"), ("CJ-202611-0002", "void"), ("CJ-202611-0003", "issued"),
        ("CJ-202611-0004", "issued")]
    assert listing("--status", "void")[0]["note"] == "房号有误"
    run("register", "void", "CJ-202611-0002", "--reason", "again", code=2)


def test_a_killed_dunning_run_resumes_with_the_same_numbers_and_no_gap(tmp_path):
    led = ledger(tmp_path, units=3)
    out = tmp_path / "out"
    # The first run writes its files, then dies before the register hears of them (like kill -9).
    reg = Register(os.environ["DOCGEN_REGISTER"])
    store = RegisterStore(reg)
    store.issued = lambda doc: None
    store.failed = lambda **kw: None
    api.dunning(led, out=out, level=2, issue_date=date(2026, 11, 5), as_of=date(2026, 11, 1), jobs=1, store=store)
    reg.conn.execute("UPDATE runs SET pid = 999999999")        # its process is gone
    reg.close()
    report = api.dunning(led, out=out, level=2, issue_date=date(2026, 11, 5), as_of=date(2026, 11, 1), jobs=1,
                         resume=True, register=True)
    assert report.resumed == 3 and report.exit_code == 0
    rows = listing()
    assert [(r["number"], r["status"]) for r in rows] == [(f"CG-202611-{i:04d}", "issued") for i in (1, 2, 3)]
    assert all(Path(r["files"][0]).is_file() for r in rows)
    # settled from the record, as a fresh letter would be, not from the file alone
    assert [(r["recipient"], r["unit"], r["amount"], r["level"]) for r in rows] == [
        (f"业主{n}", f"{n + 1}栋 {n + 1}01", f"{3 * (100 + n)}.00", 2) for n in range(3)]
    run("register", "show", "CG-202611-0002")       # the hashes recorded match the files kept
    # the real kill -9 of a running `docgen dunning`: tests/test_register_batch_records.py


def test_reprint_has_the_same_number_and_says_补发(tmp_path):
    d = demand_data(tmp_path)
    run("render", "demand-letter", "--data", str(d), "--out", str(tmp_path / "a.pdf"))
    res = run("register", "reprint", "CG-202611-0001", "--json")
    written = [Path(p) for p in json.loads(res.stdout)["written"]]
    assert written == [tmp_path / "a-补发.pdf"]
    text = pdf_text(written[0])
    assert "补发" in text and text.count("CG-202611-0001") >= 2 and "补发" not in pdf_text(tmp_path / "a.pdf")
    shown = json.loads(run("register", "show", "CG-202611-0001", "--json").stdout)
    assert shown["reprints"][0]["number"] == "CG-202611-0001" and shown["reprints"][0]["note"] == "补发"
    # the next new letter still gets the next number
    run("render", "demand-letter", "--data", str(d), "--out", str(tmp_path / "c.pdf"))
    assert "CG-202611-0002" in pdf_text(tmp_path / "c.pdf")


def test_show_checks_the_files_and_exit_codes(tmp_path):
    led = ledger(tmp_path, units=2)
    run("dunning", str(led), "--out", str(tmp_path / "a"), "--issue-date", "2026-11-05", "--as-of", "2026-11-01",
        "--jobs", "1")
    run("register", "show", "CJ-202611-0001")
    f = tmp_path / "a" / "1栋-101.pdf"
    f.write_bytes(f.read_bytes() + b"\n% edited")
    res = run("register", "show", "CJ-202611-0001", "--json", code=1)
    assert json.loads(res.stdout)["file_check"][0]["state"] == "changed"
    (tmp_path / "a" / "2栋-201.pdf").unlink()
    assert json.loads(run("register", "show", "CJ-202611-0002", "--json", code=1).stdout)["file_check"][0]["state"] \
        == "missing"
    run("register", "show", "CJ-209901-0001", code=2)
    bad = run("register", "delivered", "CJ-202611-0001", "--method", "托人带回", "--date", "2026-11-06", code=2)
    assert "--method" in bad.output and "留置送达" in bad.output      # the library names the field, the CLI the option
    early = run("register", "delivered", "CJ-202611-0001", "--method", "直接送达", "--date", "2026-10-01", code=2)
    assert "--date" in early.output and "2026-11-05" in early.output
    blank = run("register", "void", "CJ-202611-0001", "--reason", " ", code=2)
    assert "--reason 金额有误" in blank.output
    run("register", "list", "--since", "not-a-date", code=2)


def test_delivered_then_export_lists_every_document(tmp_path):
    led = ledger(tmp_path, units=2)
    run("dunning", str(led), "--out", str(tmp_path / "a"), "--level", "2", "--issue-date", "2026-11-05",
        "--as-of", "2026-11-01", "--jobs", "1")
    d = demand_data(tmp_path)
    run("render", "demand-letter", "--data", str(d), "--out", str(tmp_path / "x.pdf"), "--set", "issue_date=2027-01-04")
    run("register", "delivered", "CG-202611-0001", "--method", "直接送达", "--date", "2026-11-07", "--by", "王五")
    assert listing("--unit", "1栋 101")[0]["delivered"] == {"method": "直接送达", "date": "2026-11-07", "by": "王五",
                                                           "note": ""}
    out = tmp_path / "发文登记.xlsx"
    run("register", "export", "--out", str(out))
    wb = load_workbook(out)
    assert wb.sheetnames == ["2026", "2027"]
    ws = wb["2026"]
    head = [c.value for c in ws[1]]
    assert head[:6] == ["编号", "状态", "模板", "文书名称", "受送达人", "房号"]
    rows = [dict(zip(head, (c.value for c in r))) for r in ws.iter_rows(min_row=2)]
    assert [r["编号"] for r in rows] == ["CG-202611-0001", "CG-202611-0002"]
    assert rows[0]["送达方式"] == "直接送达" and rows[0]["金额（元）"] == "300.00" and rows[0]["状态"] == "已发出"
    assert [c.value for c in wb["2027"]["A"]][1:] == ["CG-202701-0001"]
    run("register", "export", "--out", str(tmp_path / "t.xlsx"), "--by", "template")
    assert load_workbook(tmp_path / "t.xlsx").sheetnames == ["demand-letter"]


def test_batch_move_in_packets_are_numbered_and_registered(tmp_path):
    sample = yaml.safe_load(run("show", "move-in-packet", "--example").stdout)
    sample.pop("notice_no", None)
    data = tmp_path / "owners.yaml"
    data.write_text(yaml.safe_dump([sample, dict(sample, owner_name="李四")], allow_unicode=True), encoding="utf-8")
    run("batch", "move-in-packet", "--data", str(data), "--out", str(tmp_path / "p"), "--jobs", "1")
    rows = listing("--template", "move-in-packet")
    year = rows[0]["issue_date"][:4]
    assert [r["number"] for r in rows] == [f"RH-{year}-0001", f"RH-{year}-0002"]
    assert rows[1]["recipient"] == "李四"
    assert f"RH-{year}-0002" in pdf_text(Path(rows[1]["files"][0]))


def test_a_corrupt_register_stops_the_run_with_exit_2(tmp_path):
    Path(os.environ["DOCGEN_REGISTER"]).write_bytes(b"garbage" * 200)
    d = demand_data(tmp_path)
    res = run("render", "demand-letter", "--data", str(d), "--out", str(tmp_path / "a.pdf"), code=2)
    assert "docgen.db" in res.output and not (tmp_path / "a.pdf").exists()
    run("dunning", str(ledger(tmp_path)), "--out", str(tmp_path / "o"), code=2)
    assert not (tmp_path / "o" / "1栋-101.pdf").exists()


def test_profile_sets_the_register_path_operator_and_a_pattern(tmp_path, monkeypatch):
    monkeypatch.delenv("DOCGEN_REGISTER")
    prof = tmp_path / "docgen.toml"
    prof.write_text('[register]\npath = "登记/office.db"\noperator = "赵会计"\n'
                    '[register.numbers]\n"demand-letter" = "CGH-{yyyy}-{seq:05}"\n', encoding="utf-8")
    d = demand_data(tmp_path)
    run("render", "demand-letter", "--data", str(d), "--out", str(tmp_path / "a.pdf"), "--profile", str(prof))
    con = sqlite3.connect(tmp_path / "登记" / "office.db")
    assert con.execute("SELECT number, operator FROM documents").fetchall() == [("CGH-2026-00001", "赵会计")]
    assert "CGH-2026-00001" in pdf_text(tmp_path / "a.pdf")


def _units_ledger(tmp_path: Path, units: list[int], name: str) -> Path:
    lines = [HEADER]
    for n in units:
        for m in (6, 7, 8):
            lines.append(f"{n}栋,{n}01,业主{n},1380000{n:04d},物业服务费,2026-{m:02d},200.00,0,200.00")
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return p


def _manifest(path: Path) -> dict[str, dict]:
    import csv
    with open(path, encoding="utf-8-sig", newline="") as f:
        return {r["unit"]: r for r in csv.DictReader(f)}


def test_escalate_over_three_months_follows_the_ladder_and_delivery_gates_level_3(tmp_path):
    def month(units, day, name, *extra, code=0):
        led = _units_ledger(tmp_path, units, f"{name}.csv")
        run("dunning", str(led), "--out", str(tmp_path / name), "--escalate", "--issue-date", day,
            "--as-of", "2026-09-01", "--jobs", "1", *extra, code=code)
        return _manifest(tmp_path / name / "manifest.csv") if "--dry-run" not in extra else None

    sep = month([1, 2, 3, 4], "2026-09-05", "sep")
    assert {u: r["level"] for u, r in sep.items()} == {"1栋 101": "1", "2栋 201": "1", "3栋 301": "1", "4栋 401": "1"}
    assert sep["1栋 101"]["output"] == "1-催缴通知单/1栋-101.pdf" and sep["1栋 101"]["status"] == "ok"
    again = month([1, 2, 3, 4], "2026-09-10", "sep2")
    assert {r["status"] for r in again.values()} == {"skipped"}
    assert again["2栋 201"]["message"] == "已于 2026-09-05 发出 CJ-202609-0002，未满 15 天"
    # October: unit 4 has paid; the others get the 催告函 (with receipt)
    plan = json.loads(run("dunning", str(_units_ledger(tmp_path, [1, 2, 3], "oct.csv")), "--out",
                          str(tmp_path / "dry"), "--escalate", "--dry-run", "--issue-date", "2026-10-05",
                          "--as-of", "2026-09-01", "--json").stdout)
    assert [p["level"] for p in plan["plan"]] == [2, 2, 2] and not (tmp_path / "dry" / "manifest.csv").exists()
    octo = month([1, 2, 3], "2026-10-05", "oct")
    assert {u: r["level"] for u, r in octo.items()} == {"1栋 101": "2", "2栋 201": "2", "3栋 301": "2"}
    letter = pdf_text(tmp_path / "oct" / "2-催告函" / "1栋-101.pdf")
    assert letter.count("CG-202610-0001") == 2 and "送达回执" in letter
    run("register", "delivered", "CG-202610-0001", "--method", "直接送达", "--date", "2026-10-08")
    run("register", "delivered", "CG-202610-0002", "--method", "邮寄送达", "--date", "2026-10-30")
    nov = month([1, 2, 3], "2026-11-05", "nov")
    assert {u: r["level"] for u, r in nov.items()} == {"1栋 101": "3", "2栋 201": "", "3栋 301": ""}
    assert nov["2栋 201"]["message"] == "CG-202610-0002 于 2026-10-30 送达，未满 15 天"
    assert "尚未登记送达" in nov["3栋 301"]["message"]
    numbers = {r["number"]: (r["unit"], r["level"]) for r in listing()}
    assert numbers == {"CJ-202609-0001": ("1栋 101", 1), "CJ-202609-0002": ("2栋 201", 1),
                       "CJ-202609-0003": ("3栋 301", 1), "CJ-202609-0004": ("4栋 401", 1),
                       "CG-202610-0001": ("1栋 101", 2), "CG-202610-0002": ("2栋 201", 2),
                       "CG-202610-0003": ("3栋 301", 2), "ZH-202611-0001": ("1栋 101", 3)}
    run("dunning", str(tmp_path / "nov.csv"), "--out", str(tmp_path / "x"), "--escalate", "--no-register", code=2)


def test_a_number_given_in_the_data_is_checked_before_anything_is_written(tmp_path):
    d = demand_data(tmp_path)
    run("render", "demand-letter", "--data", str(d), "--out", str(tmp_path / "a.pdf"), "--set", "notice_no=CG-X-1")
    assert listing()[0]["number"] == "CG-X-1"
    res = run("render", "demand-letter", "--data", str(d), "--out", str(tmp_path / "b.pdf"), "--set",
              "notice_no=CG-X-1", code=2)
    assert "CG-X-1" in res.output and not (tmp_path / "b.pdf").exists()
    run("register", "void", "CG-X-1", "--reason", "写错")
    run("render", "demand-letter", "--data", str(d), "--out", str(tmp_path / "a.pdf"), "--set", "notice_no=CG-X-1",
        code=2)
