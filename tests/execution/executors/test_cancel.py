"""Ctrl-C (SIGINT to the launching process) cancels a run cleanly and records it CANCELED."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import dockyard as dg

SCRIPT = str(Path(__file__).with_name("cancel_script.py"))


def _wait_for(path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not appear within {timeout} s")
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", ["multiprocess", "in_process"])
def test_sigint_cancels_the_run_and_stops_its_workers(tmp_path: Path, kind: str) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    home = tmp_path / "home"
    env = {**os.environ, "DOCKYARD_TEST_SCRATCH": str(scratch)}
    proc = subprocess.Popen([sys.executable, SCRIPT, str(home), kind], env=env, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(scratch / "slow.pid", 30)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0 and "KeyboardInterrupt" in stderr
    worker = int((scratch / "slow.pid").read_text())
    if kind == "multiprocess":
        assert worker != proc.pid and not _alive(worker)
    with dg.DagsterInstance.from_home(str(home)) as instance:
        (run,) = instance.get_runs()
        assert run.status == dg.DagsterRunStatus.CANCELED
        types = [e.dagster_event.event_type_value for e in instance.all_logs(run.run_id) if e.dagster_event]
        assert types[-1] == "PIPELINE_CANCELED"
        failures = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
        assert [e.step_key for e in failures] == ["slow"]
        assert "interrupted" in failures[0].dagster_event.step_failure_data.error.message
        assert "after_slow" not in {e.step_key for e in instance.all_logs(run.run_id)}


@pytest.mark.timeout(30)
def test_keyboard_interrupt_inside_an_in_process_step_marks_the_run_canceled(tmp_path: Path) -> None:
    @dg.op
    def interrupted() -> None:
        raise KeyboardInterrupt

    @dg.job
    def job() -> None:
        interrupted()

    with dg.DagsterInstance.from_home(str(tmp_path)) as instance:
        with pytest.raises(KeyboardInterrupt):
            job.execute_in_process(instance=instance)
        (run,) = instance.get_runs()
        assert run.status == dg.DagsterRunStatus.CANCELED


def test_system_exit_inside_a_step_fails_the_run(tmp_path: Path) -> None:
    @dg.op
    def exits() -> None:
        raise SystemExit(3)

    @dg.job
    def job() -> None:
        exits()

    with dg.DagsterInstance.from_home(str(tmp_path)) as instance:
        with pytest.raises(SystemExit):
            job.execute_in_process(instance=instance)
        (run,) = instance.get_runs()
        assert run.status == dg.DagsterRunStatus.FAILURE
        assert [e.step_key for e in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)] == ["exits"]
