"""Library functions behind `docgen exam import | build | grade` (tests call these too)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ..profile import load_profile
from ..writers import atomic_write, formats_for, output_dir, write_outputs
from ..errors import DataError
from .bank import BankError
from .build import Paper, build_papers, key_json, load_spec
from .grade import GradeResult, grade
from .importers import ImportResult, import_questions, load_bank
from .yamlbank import check_unique, dump_bank
from .layout import key_document, paper_document, sheet_document
from .report import write_reports


def import_bank(source: Path, out: Path, *, fmt: str | None = None, tags: list[str] | None = None,
                difficulty: str | None = None, strict: bool = False) -> ImportResult:
    """Convert a GIFT, Aiken or XLSX file into a YAML bank at out; questions that fail are returned in problems.

    With strict, any failed question raises a BankError and nothing is written; so does a file where
    no question imports.
    """
    res = import_questions(source, fmt=fmt, tags=tags, difficulty=difficulty)
    if res.problems and (strict or not res.bank.questions):
        raise BankError(res.problems)
    if not res.bank.questions:
        raise DataError("文件里没有题目", file=str(source), expected="GIFT、Aiken 或 Excel 格式的题目")
    check_unique(res.bank.questions)
    text = dump_bank(res.bank, res.descriptions)
    atomic_write(out, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return res


@dataclass
class BuildResult:
    """What `exam build` made."""
    papers: list[Paper]
    files: list[Path]
    seed: int
    notice: str = ""        # e.g. the bank was too small for the default 100-point spec


def _org_name(profile) -> str:
    return profile.org.get("office") or profile.org.get("name") or ""


def build_exam(bank_path: Path | str, out: Path, *, spec_path: Path | None = None, versions: int = 2,
               seed: int | None = None, fmt: str | None = None, bank_format: str | None = None,
               profile_path: Path | None = None) -> BuildResult:
    """Build every version's paper, key and answer sheet into out/, plus key.json."""
    bank = load_bank(bank_path, fmt=bank_format)
    spec = load_spec(spec_path, bank)
    papers = build_papers(bank, spec, versions=versions, seed=seed)
    profile = load_profile(profile_path)
    org = _org_name(profile)
    formats = formats_for(None, fmt)
    output_dir(out)
    files: list[Path] = []
    for p in papers:
        files += write_outputs(paper_document(p, org), out / f"paper-{p.version}", formats, profile)
        files += write_outputs(key_document(p, org), out / f"key-{p.version}", formats, profile)
        files += write_outputs(sheet_document(p, org), out / f"sheet-{p.version}", ("pdf",), profile)
    text = key_json(papers)
    atomic_write(out / "key.json", lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    files.append(out / "key.json")
    return BuildResult(papers, files, papers[0].seed, spec.notice)


def grade_exam(key_path: Path, responses: Path, out: Path, *, pass_mark: Decimal | int | str | None = None,
               partial: str | None = None, sheet: str | None = None, title: str = "考试成绩分析报告",
               profile_path: Path | None = None, missing_as_blank: bool = False) -> tuple[GradeResult, list[Path]]:
    """Grade responses against key.json and write the score lists, item analysis, problems and report into out/.

    pass_mark and partial default to the settings stored in key.json at build time."""
    from ..writers.pdf.fonts import fontset
    res = grade(key_path, responses, pass_mark=pass_mark, partial=partial, sheet=sheet,
                missing_as_blank=missing_as_blank)
    profile = load_profile(profile_path)
    files = write_reports(res, out, title=title, org_name=_org_name(profile), fonts=fontset(profile.fonts))
    return res, files
