"""Each sample DOCX opens in LibreOffice and converts to PDF with its key text (skips without soffice)."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from .conftest import pdf_text

KEY_TEXT = {
    "wall-cleaning-notice": ["关于清洗外墙的通知", "翠湖花园物业服务中心"],
    "fee-dunning-notice": ["费用催缴通知单", "4,409.50", "人民币肆仟肆佰零玖元伍角"],
    "renovation-permit": ["装修许可证", "ZX-2026-0188"],
}


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) not installed: "
                    "apt-get install libreoffice-writer-nogui")
def test_sample_docx_converts_in_libreoffice(samples, tmp_path):
    out, results = samples
    docx = [out / f"{r['id']}.docx" for r in results if not r["error"]]
    from docgen.wordtemplate import soffice_env
    lo = tmp_path / "lo"
    # the bundled fonts stand in for 宋体/黑体, as on a fresh machine with no CJK fonts installed
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "pdf", "--outdir", str(lo), *map(str, docx)],
                   check=True, capture_output=True, timeout=600, env=soffice_env(tmp_path))
    for f in docx:
        pdf = lo / (f.stem + ".pdf")
        assert pdf.is_file(), f"LibreOffice did not convert {f.name}"
        text = pdf_text(pdf)
        for key in KEY_TEXT.get(f.stem, []):
            assert key in text, (f.stem, key)
        assert len(text) > 20, f.stem


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) not installed: "
                    "apt-get install libreoffice-writer-nogui")
def test_exam_paper_docx_keeps_its_seal_line_in_libreoffice(tmp_path):
    from docgen.exam.api import build_exam
    from docgen.wordtemplate import docx_to_pdf
    build_exam("sample", tmp_path / "exam", versions=1, seed=3, fmt="docx")
    docx_to_pdf(tmp_path / "exam" / "paper-A.docx", tmp_path / "lo.pdf")
    from pypdf import PdfReader
    pages = PdfReader(str(tmp_path / "lo.pdf")).pages
    for page in (pages[0], pages[-1]):       # header shapes: on every page
        text = page.extract_text().replace(" ", "").replace("\n", "")
        assert all(ch in text for ch in "密封线") and "姓名：" in text and "工号：" in text
    assert "一、单项选择题" in pdf_text(tmp_path / "lo.pdf")
