"""The Dask executor on a 2-worker LocalCluster (worker processes) whose steps exchange values
only through S3 (``S3PickleIOManager`` against the session's SeaweedFS server)."""

from __future__ import annotations

import pickle
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

distributed = pytest.importorskip("distributed")

import dockyard as dg  # noqa: E402
from dockyard.execution.reconstruct import ReconstructableJob  # noqa: E402

JOBS = str(Path(__file__).with_name("dask_s3_jobs.py"))
BUCKET = "dockyard"
pytestmark = [pytest.mark.timeout(90), pytest.mark.dask, pytest.mark.s3]


@pytest.fixture(scope="module")
def s3_prefix() -> str:
    return f"dask-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def cluster(s3_server: Any, s3_prefix: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[distributed.LocalCluster]:
    # the workers inherit these when they start: dask_s3_jobs.s3_defs() reads them there
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOCKYARD_TEST_S3_ENDPOINT", s3_server.endpoint)
        mp.setenv("DOCKYARD_TEST_S3_KEY", s3_server.key)
        mp.setenv("DOCKYARD_TEST_S3_SECRET", s3_server.secret)
        mp.setenv("DOCKYARD_TEST_S3_PREFIX", s3_prefix)
        with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0",
            local_directory=str(tmp_path_factory.mktemp("dask-s3-workers")),
        ) as c:
            yield c


def objects(s3_server: Any, prefix: str) -> dict[str, bytes]:
    client: Any = s3_server.client()
    listing = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix + "/")
    return {
        o["Key"][len(prefix) + 1 :]: client.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read()
        for o in listing.get("Contents", [])
    }


def test_steps_on_two_workers_exchange_values_through_s3_while_events_stream_in(
    cluster: distributed.LocalCluster, s3_server: Any, s3_prefix: str, tmp_path: Path
) -> None:
    with distributed.Client(cluster, set_as_default=False) as client:
        worker_pids = set(client.run(lambda: __import__("os").getpid()).values())
    run_config = {"execution": {"config": {"cluster": {"existing": {"address": cluster.scheduler_address}}}}}
    with dg.DagsterInstance.from_home(str(tmp_path / "home")) as instance:
        result = dg.execute_job(ReconstructableJob.for_file(JOBS, "s3_defs"), instance, run_config=run_config)
        assert result.success, [e.event_specific_data for e in result.get_step_failure_events()]

        stored = objects(s3_server, s3_prefix)
        assert sorted(stored) == ["doubled", "numbers", "summary", "total", "watcher"]
        summary = pickle.loads(stored["summary"])
        assert summary["total"] == 20 and pickle.loads(stored["doubled"]) == [2, 4, 6, 8]
        # the watcher ran on one worker while the chain ran on the other, so the join read values
        # written by both workers, and the watcher saw the run's events stored while it ran
        watcher = summary["watcher"]
        assert {watcher["pid"], summary["numbers_pid"]} == worker_pids
        assert watcher["saw"] == [("STEP_START", "total"), ("STEP_SUCCESS", "doubled")]
        assert watcher["total_finished"] is False

        mat = instance.get_latest_materialization_event(dg.AssetKey("total")).asset_materialization
        assert mat.metadata["path"] == dg.MetadataValue.path(f"s3://{BUCKET}/{s3_prefix}/total")
        logs = instance.all_logs(result.run_id)
        kinds = [(e.dagster_event.event_type_value, e.step_key) for e in logs if e.dagster_event]
        # stored in the order things happened: total's start before the watcher (which waited for it) ended
        assert kinds.index(("STEP_START", "total")) < kinds.index(("STEP_SUCCESS", "watcher"))
        assert instance.get_run_by_id(result.run_id).status == dg.DagsterRunStatus.SUCCESS
