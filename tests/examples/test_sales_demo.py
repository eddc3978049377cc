"""The demo project (examples/sales_pipeline.py) runs end to end, through the CLI and as a script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "sales_pipeline.py"
EXPECTED = {"alice": 162.5, "bob": 188.27, "carol": 210.25, "dave": 246.6}


def _summary(home: Path) -> dict[str, float]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        return {o: round(a, 2) for o, a in conn.execute("SELECT owner, amount FROM public.sales_summary").fetchall()}


def test_demo_script_stores_every_asset_in_duckdb(tmp_path: Path) -> None:
    env = {**os.environ, "DOCKYARD_HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "daily_sales: ok (5 materialization(s))" in proc.stdout
    assert _summary(tmp_path) == EXPECTED


def test_demo_through_the_cli_backfills_daily_partitions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dockyard.cli import main

    monkeypatch.setenv("DOCKYARD_HOME", str(tmp_path))
    assert main(["materialize", "-f", str(EXAMPLE), "--select", "raw_sales_data"]) == 0
    assert main(["materialize", "-f", str(EXAMPLE), "--select", "daily_sales", "--partition-range", "2024-01-02...2024-01-06"]) == 0
    assert main(["materialize", "-f", str(EXAMPLE), "--select", "sales_summary"]) == 0
    assert _summary(tmp_path) == EXPECTED
    import dockyard as dg

    instance = dg.DagsterInstance.get()
    try:
        assert instance.get_materialized_partitions("daily_sales") == {
            "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06"
        }
    finally:
        instance.dispose()


def test_partition_range_needs_start_and_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from dockyard.cli import main

    monkeypatch.setenv("DOCKYARD_HOME", str(tmp_path))
    assert main(["materialize", "-f", str(EXAMPLE), "--select", "daily_sales", "--partition-range", "2024-01-02"]) != 0
    assert "START...END" in capsys.readouterr().err
