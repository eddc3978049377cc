"""Ctrl-C (SIGINT to the launching process) cancels a run cleanly and records it CANCELED."""

from __future__ import annotations

from pathlib import Path

import pytest

import dockyard as dg

from ...interrupts import alive, assert_canceled_in_slow, interrupt_cancel_script


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", ["multiprocess", "in_process"])
def test_sigint_cancels_the_run_and_stops_its_workers(tmp_path: Path, kind: str) -> None:
    interrupted = interrupt_cancel_script(tmp_path, kind, start_timeout=30, exit_timeout=20)
    if kind == "multiprocess":
        assert interrupted.worker != interrupted.pid and not alive(interrupted.worker)
    assert_canceled_in_slow(interrupted)


@pytest.mark.parametrize(
    "exc, status",
    [
        pytest.param(KeyboardInterrupt, dg.DagsterRunStatus.CANCELED, marks=pytest.mark.timeout(30),
                     id="keyboard-interrupt-marks-the-run-canceled"),
        pytest.param(SystemExit(3), dg.DagsterRunStatus.FAILURE, id="system-exit-fails-the-run"),
    ],
)
def test_interrupt_inside_an_in_process_step(tmp_path: Path, exc: BaseException, status: dg.DagsterRunStatus) -> None:
    @dg.op
    def stops() -> None:
        raise exc

    @dg.job
    def job() -> None:
        stops()

    with dg.DagsterInstance.from_home(str(tmp_path)) as instance:
        with pytest.raises(exc if isinstance(exc, type) else type(exc)):
            job.execute_in_process(instance=instance)
        (run,) = instance.get_runs()
        assert run.status == status
        if status == dg.DagsterRunStatus.FAILURE:
            failures = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
            assert [e.step_key for e in failures] == ["stops"]
