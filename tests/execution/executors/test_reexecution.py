"""Re-executing failed runs: only what did not succeed runs again; stored outputs are reused."""

from __future__ import annotations

from pathlib import Path

import pytest

import dockyard as dg
from dockyard.execution.reconstruct import ReconstructableJob

JOBS = str(Path(__file__).with_name("executor_jobs.py"))


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "scratch"
    path.mkdir()
    monkeypatch.setenv("DOCKYARD_TEST_SCRATCH", str(path))
    return path


@pytest.fixture
def instance(tmp_path: Path, scratch: Path) -> dg.DagsterInstance:
    with dg.DagsterInstance.from_home(str(tmp_path / "home")) as inst:
        yield inst


def calls(scratch: Path, name: str) -> int:
    f = scratch / f"calls-{name}"
    return len(f.read_text().split()) if f.exists() else 0


def test_op_job_reexecution_loads_upstream_op_outputs_from_the_parent_run(instance: dg.DagsterInstance, scratch: Path) -> None:
    first = dg.execute_job(ReconstructableJob.for_file(JOBS, "gated_ops"), instance)
    assert not first.success and first.get_failed_step_keys() == {"gate"}

    second = dg.reexecute_from_failure(first.run_id, instance)  # gate still closed: fails again
    assert not second.success
    assert calls(scratch, "source") == 1 and calls(scratch, "gate") == 2

    (scratch / "gate_open").touch()
    third = dg.reexecute_from_failure(second.run_id, instance)  # source's output is two runs back
    assert third.success
    assert calls(scratch, "source") == 1 and calls(scratch, "gate") == 3 and calls(scratch, "after") == 1
    assert third.output_for_node("after") == 42
    assert third.output_for_node("source") == 20  # reused: loaded from the first run's storage
    tags = third.dagster_run.tags
    assert tags["dagster/parent_run_id"] == second.run_id and tags["dagster/root_run_id"] == first.run_id
    assert tags["dagster/is_resume_retry"] == "true"
    assert [e.step_key for e in third.all_events if e.event_type_value == "STEP_START"] == ["gate", "after"]


def test_asset_reexecution_keeps_the_parent_selection_and_skips_what_succeeded(instance: dg.DagsterInstance, scratch: Path) -> None:
    job = ReconstructableJob.for_file(JOBS, "gated_assets")
    selection = [dg.AssetKey("raw"), dg.AssetKey("checked"), dg.AssetKey("report")]
    first = dg.execute_job(job, instance, asset_selection=selection)
    assert not first.success
    (scratch / "gate_open").touch()
    options = dg.ReexecutionOptions.from_failure(first.run_id, instance)
    second = dg.execute_job(job, instance, reexecution_options=options)
    assert second.success
    assert {e.step_key for e in second.get_step_success_events()} == {"checked", "report"}
    assert calls(scratch, "raw") == 1 and calls(scratch, "independent") == 0
    assert second.output_for_node("report") == "total=6"


def test_reexecution_of_chosen_steps_and_refusals(instance: dg.DagsterInstance, scratch: Path) -> None:
    (scratch / "gate_open").touch()
    job = ReconstructableJob.for_file(JOBS, "gated_ops")
    first = dg.execute_job(job, instance)
    assert first.success
    with pytest.raises(dg.DagsterInvalidInvocationError, match="status SUCCESS"):
        dg.reexecute_from_failure(first.run_id, instance)
    again = dg.execute_job(job, instance, reexecution_options=dg.ReexecutionOptions(first.run_id, step_selection=["after"]))
    assert again.success and calls(scratch, "gate") == 1 and calls(scratch, "after") == 2
    with pytest.raises(dg.DagsterInvalidInvocationError, match="not in"):
        dg.ReexecutionOptions.from_failure("no-such-run", instance)


def test_runs_without_a_code_pointer_need_the_job(instance: dg.DagsterInstance) -> None:
    @dg.op
    def broken() -> None:
        raise ValueError("no")

    @dg.job
    def in_process_only() -> None:
        broken()

    run_id = in_process_only.execute_in_process(instance=instance, raise_on_error=False).run_id
    with pytest.raises(dg.DagsterInvariantViolationError, match="did not record where its code lives"):
        dg.reexecute_from_failure(run_id, instance)
