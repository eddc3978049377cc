"""Runs the documented examples (copied from ../shared/acceptance/seeds) against dockyard.

Each script runs in a subprocess with DG_IMPL=dockyard and must print ``ok <name>``. Scripts
that need features not built yet are listed in PENDING with the issue that brings them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
SCRIPTS = sorted(p for p in HERE.glob("[0-9][0-9][0-9]_*.py"))
PENDING: dict[str, str] = {}


@pytest.mark.seeds
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_documented_example_runs(script: Path) -> None:
    if script.stem in PENDING:
        pytest.skip(f"needs {PENDING[script.stem]}")
    env = {**os.environ, "DG_IMPL": "dockyard", "SEED_CHECK_DOC_AS_WRITTEN": "0", "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [sys.executable, str(script)], cwd=HERE, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, f"{script.name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    assert f"ok {script.stem}" in proc.stdout.splitlines()
