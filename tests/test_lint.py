"""The code stays lint-clean: ``ruff check --select E,F,W,I`` (pycodestyle errors and warnings, pyflakes, import
order; line length and first-party packages from pyproject.toml) must find nothing.

CI runs only the README's test command (``.ci/run``), so a lint check kept outside pytest would never run there
and findings would pile up again; as a test, a new finding fails the suite like any other regression. ruff comes
with the ``test`` extras, pinned ``~=0.17.6`` (0.17.x only: ruff's minor releases are the ones that add or
stabilise rules), so a new release cannot bring new findings into this gate unannounced.
"""
from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--select", "E,F,W,I", "--output-format", "concise",
                             str(ROOT)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"ruff check --select E,F,W,I found:\n{result.stdout}{result.stderr}"
