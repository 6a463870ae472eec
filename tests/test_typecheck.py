"""mypy over docgen/ with the configuration in pyproject.toml ([tool.mypy]) passes."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_mypy_passes_on_docgen():
    pytest.importorskip("mypy", reason="mypy is in the test extra: pip install -e '.[test]'")
    r = subprocess.run([sys.executable, "-m", "mypy", "docgen"], cwd=ROOT, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-1000:]
    assert "Success" in r.stdout
    assert (ROOT / "docgen" / "py.typed").is_file()
