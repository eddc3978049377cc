"""Ctrl-C (SIGINT to the launching process) cancels a Dask run: the run is recorded CANCELED and
the LocalCluster it started, with the worker running the step, is gone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

import dockyard as dg

SCRIPT = str(Path(__file__).with_name("dask_cancel_script.py"))
pytestmark = [pytest.mark.timeout(90), pytest.mark.dask]


def _wait_for(path: Path, proc: subprocess.Popen[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the run ended before its slow step started:\n{proc.communicate()[1][-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not appear within {timeout} s")
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sigint_cancels_a_dask_run_and_closes_its_cluster(tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    home = tmp_path / "home"
    env = {**os.environ, "DOCKYARD_TEST_SCRATCH": str(scratch)}
    proc = subprocess.Popen([sys.executable, SCRIPT, str(home)], env=env, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        _wait_for(scratch / "slow.pid", proc, 45)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0 and "KeyboardInterrupt" in stderr
    worker = int((scratch / "slow.pid").read_text())
    assert worker != proc.pid
    deadline = time.monotonic() + 10  # the nanny may take a moment to reap its worker
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(worker)
    with dg.DagsterInstance.from_home(str(home)) as instance:
        (run,) = instance.get_runs()
        assert run.status == dg.DagsterRunStatus.CANCELED
        types = [e.dagster_event.event_type_value for e in instance.all_logs(run.run_id) if e.dagster_event]
        assert types[-1] == "PIPELINE_CANCELED"
        failures = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
        assert [e.step_key for e in failures] == ["slow"]
        assert "interrupted" in failures[0].dagster_event.step_failure_data.error.message
        assert "after_slow" not in {e.step_key for e in instance.all_logs(run.run_id)}
