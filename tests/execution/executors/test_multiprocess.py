"""The multiprocess executor: warm workers, executor selection, requirements, killed workers."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

import dockyard as dg
from dockyard.execution.executors.in_process import InProcessExecutor
from dockyard.execution.reconstruct import ReconstructableJob, load_code_pointer

JOBS = str(Path(__file__).with_name("executor_jobs.py"))
pytestmark = pytest.mark.timeout(60)


def recon(attr: str, job_name: str | None = None) -> ReconstructableJob:
    return ReconstructableJob.for_file(JOBS, attr, job_name)


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dg.DagsterInstance:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("DOCKYARD_TEST_SCRATCH", str(scratch))
    with dg.DagsterInstance.from_home(str(tmp_path / "home")) as inst:
        yield inst


def event_types(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    return [e.dagster_event.event_type_value for e in instance.all_logs(run_id) if e.dagster_event is not None]


def test_steps_run_in_a_pool_of_warm_workers(instance: dg.DagsterInstance) -> None:
    run_config = {"execution": {"config": {"multiprocess": {"max_concurrent": 2}}}}
    with dg.execute_job(recon("fan_defs"), instance, run_config=run_config) as result:
        assert result.success
        pids = result.output_for_node("joined")  # loaded back through the filesystem I/O manager
        assert result.output_for_node("sees_its_own_start") is True  # its start was stored mid-step
    assert os.getpid() not in pids
    assert len(set(pids)) <= 2  # six steps, two processes: workers are reused across steps
    run = instance.get_run_by_id(result.run_id)
    assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
    types = event_types(instance, result.run_id)
    assert types.count("STEP_SUCCESS") == 6 and types[0] == "PIPELINE_START" and types[-1] == "PIPELINE_SUCCESS"
    assert run.tags["dockyard/code_pointer"].endswith("executor_jobs.py:fan_defs")
    assert instance.get_latest_materialization_event(dg.AssetKey("joined")) is not None


def test_op_outputs_cross_processes_through_the_filesystem_io_manager(instance: dg.DagsterInstance) -> None:
    with dg.execute_job(recon("op_chain"), instance) as result:
        assert result.success
        assert result.output_for_node("add_one") == 21
    stored = Path(instance.storage_directory(), result.run_id, "add_one", "result")
    assert stored.is_file()


def test_reconstructable_names_module_level_jobs_by_importable_module(instance: dg.DagsterInstance) -> None:
    load_code_pointer(f"{JOBS}:op_chain")  # imports the file as module `executor_jobs`
    module = sys.modules["executor_jobs"]
    pointer = dg.reconstructable(module.op_chain)
    assert pointer.code_pointer == "executor_jobs:op_chain"
    assert dg.reconstructable(module.fan_defs, job_name="__ASSET_JOB").get_definition().name == "__ASSET_JOB"

    def local_job() -> None: ...

    with pytest.raises(dg.DagsterInvariantViolationError, match="module-level name"):
        dg.reconstructable(local_job)


def test_mem_io_manager_is_refused_before_the_run_starts(instance: dg.DagsterInstance) -> None:
    with pytest.raises(dg.DagsterUnmetExecutorRequirementsError) as info:
        dg.execute_job(recon("op_chain_in_memory"), instance)
    message = str(info.value)
    assert "uses multiple processes" in message and "persistent IO manager" in message
    assert "output 'result' of op 'emit'" in message and "FilesystemIOManager" in message
    assert instance.get_runs() == []


def test_ephemeral_instance_and_missing_code_pointer_are_refused() -> None:
    with pytest.raises(dg.DagsterUnmetExecutorRequirementsError, match="ephemeral"):
        dg.execute_job(recon("op_chain"), dg.DagsterInstance.ephemeral())

    @dg.job(executor_def=dg.multiprocess_executor)
    def unreachable() -> None: ...

    with pytest.raises(dg.DagsterUnmetExecutorRequirementsError, match="reconstructable"):
        dg.execute_job(unreachable, dg.DagsterInstance.ephemeral())


def test_executor_selection_by_definitions_job_and_run_config(instance: dg.DagsterInstance) -> None:
    # @job(executor_def=in_process_executor): steps run here
    with dg.execute_job(recon("op_chain_in_process"), instance) as result:
        assert result.success and result.output_for_node("add_one") == 21
    # Definitions(executor=in_process_executor): the asset job runs here too
    result = dg.execute_job(recon("gated_assets"), instance, asset_selection=[dg.AssetKey("independent")])
    assert result.success
    assert Path(os.environ["DOCKYARD_TEST_SCRATCH"], "calls-independent").read_text() == f"{os.getpid()}\n"
    # run config picks in_process of the default executor
    result = dg.execute_job(recon("fan_defs"), instance, run_config={"execution": {"config": {"in_process": {}}}},
                            asset_selection=[dg.AssetKey(k) for k in ("p1", "p2", "p3", "p4", "joined")])
    assert result.success and result.output_for_node("joined") == [os.getpid()] * 5
    with pytest.raises(dg.DagsterInvalidConfigError, match="execution"):
        dg.execute_job(recon("fan_defs"), instance, run_config={"execution": {"config": {"threads": {}}}})


def test_worker_killed_mid_step_fails_the_step_and_reexecution_finishes_the_run(instance: dg.DagsterInstance) -> None:
    job = recon("kill_defs")
    result = dg.execute_job(job, instance)
    assert not result.success
    failure = next(e for e in result.get_step_failure_events() if e.step_key == "doomed")
    message = failure.step_failure_data.error.message
    assert 'running step "doomed" exited unexpectedly (signal SIGKILL)' in message
    assert "ChildProcessCrashException" in message
    skipped = [e.step_key for e in result.all_events if e.event_type_value == "STEP_SKIPPED"]
    assert skipped == ["after_doomed"]
    # killed once, retried by its policy on a fresh worker
    assert [e.event_type_value for e in result.events_for_node("killed_once")].count("STEP_UP_FOR_RETRY") == 1
    assert "killed_once" not in result.get_failed_step_keys()
    run = instance.get_run_by_id(result.run_id)
    assert run is not None and run.status == dg.DagsterRunStatus.FAILURE

    Path(os.environ["DOCKYARD_TEST_SCRATCH"], "spare_doomed").touch()
    again = dg.reexecute_from_failure(result.run_id, instance)
    assert again.success
    assert {e.step_key for e in again.get_step_success_events()} == {"doomed", "after_doomed"}
    assert len(Path(os.environ["DOCKYARD_TEST_SCRATCH"], "calls-upstream_value").read_text().split()) == 1
    assert again.output_for_node("after_doomed") == 84
    assert again.dagster_run.tags["dagster/parent_run_id"] == result.run_id


@pytest.mark.parametrize("start_method", ["forkserver", {"forkserver": {"preload_modules": ["dockyard"]}}, "fork"])
def test_start_methods(instance: dg.DagsterInstance, start_method: object) -> None:
    run_config = {"execution": {"config": {"multiprocess": {"max_concurrent": 1, "start_method": start_method}}}}
    with dg.execute_job(recon("op_chain"), instance, run_config=run_config) as result:
        assert result.success and result.output_for_node("add_one") == 21


def test_unknown_start_method_lists_the_valid_ones(instance: dg.DagsterInstance) -> None:
    run_config = {"execution": {"config": {"multiprocess": {"start_method": "thread"}}}}
    with pytest.raises(dg.DagsterInvalidConfigError, match="'spawn', 'forkserver', 'fork'"):
        dg.execute_job(recon("op_chain"), instance, run_config=run_config)
    assert instance.get_runs() == []


def test_partition_and_resource_config_reach_the_workers(instance: dg.DagsterInstance) -> None:
    run_config = {"resources": {"multiplier": {"config": {"factor": 3}}}}
    with dg.execute_job(recon("partitioned_defs"), instance, run_config=run_config, tags={"dagster/partition": "b"}) as result:
        assert result.success and result.output_for_node("scaled") == "bbb"
    assert Path(instance.storage_directory(), "scaled", "b").is_file()


def test_a_job_workers_cannot_import_fails_every_step_with_the_reason(instance: dg.DagsterInstance) -> None:
    broken = str(Path(__file__).with_name("worker_broken_jobs.py"))
    result = dg.execute_job(ReconstructableJob.for_file(broken, "unloadable"), instance)
    assert not result.success and result.get_failed_step_keys() == {"one", "two"}
    message = result.get_step_failure_events()[0].step_failure_data.error.message
    assert "Could not load job" in message and "refuses to load in a worker process" in message


def test_a_custom_executor_drives_the_run(instance: dg.DagsterInstance) -> None:
    seen: list[str] = []

    class Recording(dg.Executor):
        def __init__(self, label: str) -> None:
            self.label = label

        def execute(self, run: Any) -> None:
            seen.extend(f"{self.label}:{s.key}" for s in run.steps)
            InProcessExecutor().execute(run)

    @dg.executor(name="recording", config_schema={"label": str})
    def recording(context: dg.InitExecutorContext) -> dg.Executor:
        return Recording(context.executor_config["label"])

    @dg.op
    def only() -> int:
        return 1

    @dg.job(executor_def=recording)
    def job() -> None:
        only()

    result = dg.execute_job(job, instance, run_config={"execution": {"config": {"label": "x"}}})
    assert result.success and seen == ["x:only"]
    with pytest.raises(dg.DagsterInvalidConfigError, match="label"):
        dg.execute_job(job, instance)
