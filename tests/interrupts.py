"""Ctrl-C tests, shared by ``tests/execution/executors/test_cancel.py`` and
``tests/dask/test_dask_cancel.py``: run ``tests/execution/executors/cancel_script.py`` in a
subprocess, send it SIGINT once its ``slow`` step is running, and check what the run recorded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import dockyard as dg

CANCEL_SCRIPT = str(Path(__file__).parent / "execution" / "executors" / "cancel_script.py")


@dataclass
class Interrupted:
    """What an interrupted ``cancel_script.py`` left: its exit, and the pid of ``slow``'s process."""

    pid: int
    returncode: int
    stderr: str
    worker: int
    home: Path


def _wait_for(path: Path, proc: subprocess.Popen[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the run ended before its slow step started:\n{proc.communicate()[1][-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not appear within {timeout} s")
        time.sleep(0.05)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_until_gone(pid: int, timeout: float) -> bool:
    """True once ``pid`` has exited, polling for up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not alive(pid)


def interrupt_cancel_script(
    tmp_path: Path, executor: str, *, start_timeout: float, exit_timeout: float, cwd: Path | None = None
) -> Interrupted:
    """Run ``cancel_script.py HOME EXECUTOR``, SIGINT it once ``slow`` wrote its pid, and wait
    for it to exit (killing it if it does not)."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    home = tmp_path / "home"
    env = {**os.environ, "DOCKYARD_TEST_SCRATCH": str(scratch)}
    proc = subprocess.Popen(
        [sys.executable, CANCEL_SCRIPT, str(home), executor], env=env, stderr=subprocess.PIPE, text=True, cwd=cwd
    )
    try:
        _wait_for(scratch / "slow.pid", proc, start_timeout)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=exit_timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return Interrupted(proc.pid, proc.returncode, stderr, int((scratch / "slow.pid").read_text()), home)


def assert_canceled_in_slow(interrupted: Interrupted) -> None:
    """The process died of the KeyboardInterrupt, and its one run is CANCELED: ``slow`` failed as
    interrupted and ``after_slow`` never started."""
    assert interrupted.returncode != 0 and "KeyboardInterrupt" in interrupted.stderr
    with dg.DagsterInstance.from_home(str(interrupted.home)) as instance:
        (run,) = instance.get_runs()
        assert run.status == dg.DagsterRunStatus.CANCELED
        types = [e.dagster_event.event_type_value for e in instance.all_logs(run.run_id) if e.dagster_event]
        assert types[-1] == "PIPELINE_CANCELED"
        failures = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
        assert [e.step_key for e in failures] == ["slow"]
        assert "interrupted" in failures[0].dagster_event.step_failure_data.error.message
        assert "after_slow" not in {e.step_key for e in instance.all_logs(run.run_id)}
