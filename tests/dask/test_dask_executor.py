"""The Dask executor on a 2-worker LocalCluster (worker processes) sharing a local directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

import dockyard as dg  # noqa: E402
from dockyard.execution.reconstruct import ReconstructableJob  # noqa: E402

JOBS = str(Path(__file__).with_name("dask_jobs.py"))
pytestmark = [pytest.mark.timeout(60), pytest.mark.dask]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[distributed.LocalCluster]:
    # set before the workers start: a worker the nanny restarts (lost-worker test) inherits it too
    scratch = tmp_path_factory.mktemp("scratch")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOCKYARD_TEST_SCRATCH", str(scratch))
        with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0",
            local_directory=str(tmp_path_factory.mktemp("dask-workers")),
        ) as c:
            yield c


@pytest.fixture
def instance(tmp_path: Path, cluster: distributed.LocalCluster) -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.from_home(str(tmp_path / "home")) as inst:
        yield inst


def on_cluster(cluster: distributed.LocalCluster, selection: list[str], instance: dg.DagsterInstance) -> dg.ExecuteJobResult:
    run_config = {"execution": {"config": {"cluster": {"existing": {"address": cluster.scheduler_address}}}}}
    return dg.execute_job(
        ReconstructableJob.for_file(JOBS, "defs"), instance, run_config=run_config,
        asset_selection=[dg.AssetKey(k) for k in selection],
    )


def test_steps_run_on_dask_workers_and_exchange_values_through_the_io_manager(
    cluster: distributed.LocalCluster, instance: dg.DagsterInstance
) -> None:
    with distributed.Client(cluster, set_as_default=False) as client:
        worker_pids = set(client.run(os.getpid).values())
    with on_cluster(cluster, ["left", "right", "both", "sees_its_own_start"], instance) as result:
        assert result.success
        pids = result.output_for_node("both")
        assert set(pids) <= worker_pids and os.getpid() not in pids
        assert result.output_for_node("sees_its_own_start") is True  # the start event was stored mid-step
    run = instance.get_run_by_id(result.run_id)
    assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
    assert instance.get_latest_materialization_event(dg.AssetKey("both")) is not None


def test_a_lost_worker_is_survived(cluster: distributed.LocalCluster, instance: dg.DagsterInstance) -> None:
    result = on_cluster(cluster, ["kills_its_worker_once"], instance)
    assert result.success
    assert Path(os.environ["DOCKYARD_TEST_SCRATCH"], "killed").exists()  # it did kill one
    assert result.output_for_node("kills_its_worker_once") != os.getpid()


def test_a_local_cluster_per_run_with_retries(instance: dg.DagsterInstance) -> None:
    run_config = {"execution": {"config": {"cluster": {"local": {"n_workers": 1, "threads_per_worker": 1}}}}}
    result = dg.execute_job(
        ReconstructableJob.for_file(JOBS, "defs"), instance, run_config=run_config,
        asset_selection=[dg.AssetKey("fails_once")],
    )
    assert result.success
    types = [e.event_type_value for e in result.events_for_node("fails_once")]
    assert types[:3] == ["STEP_START", "STEP_UP_FOR_RETRY", "STEP_RESTARTED"] and types[-1] == "STEP_SUCCESS"


def test_in_memory_outputs_are_refused(instance: dg.DagsterInstance) -> None:
    with pytest.raises(dg.DagsterUnmetExecutorRequirementsError, match="output 'result' of op 'in_memory'"):
        dg.execute_job(ReconstructableJob.for_file(JOBS, "memory_defs"), instance)
