"""Assets whose values move between Dask workers only through S3 (the SeaweedFS test server).

Dask workers import this file by code pointer and call ``s3_defs()``, which reads where the
server is from ``DOCKYARD_TEST_S3_*`` variables the test sets before the cluster starts.

``watcher`` runs beside the ``numbers -> doubled -> total`` chain (2 workers, one step each) and
waits until the instance holds ``doubled``'s STEP_SUCCESS and ``total``'s STEP_START: it sees the
run's events while the run (and the watcher itself) is still going.
"""

from __future__ import annotations

import os
import time

import dockyard as dg
from dockyard.aws.s3 import S3PickleIOManager, S3Resource
from dockyard.dask import dask_executor

WATCH_SECONDS = 20


@dg.asset
def numbers() -> dict[str, object]:
    return {"values": [1, 2, 3, 4], "pid": os.getpid()}


@dg.asset
def doubled(numbers: dict[str, object]) -> list[int]:
    values = numbers["values"]
    assert isinstance(values, list)
    return [2 * v for v in values]


@dg.asset
def total(doubled: list[int]) -> int:
    time.sleep(0.5)  # still running while the watcher looks
    return sum(doubled)


@dg.asset
def watcher(context: dg.AssetExecutionContext) -> dict[str, object]:
    wanted = {("STEP_SUCCESS", "doubled"), ("STEP_START", "total")}
    seen: set[tuple[str, str]] = set()
    deadline = time.monotonic() + WATCH_SECONDS
    while time.monotonic() < deadline and not wanted <= seen:
        seen = {
            (e.dagster_event.event_type_value, e.step_key or "")
            for e in context.instance.all_logs(context.run_id)
            if e.dagster_event is not None
        }
        time.sleep(0.05)
    return {"saw": sorted(wanted & seen), "total_finished": ("STEP_SUCCESS", "total") in seen, "pid": os.getpid()}


@dg.asset
def summary(total: int, watcher: dict[str, object], numbers: dict[str, object]) -> dict[str, object]:
    return {"total": total, "watcher": watcher, "numbers_pid": numbers["pid"], "pid": os.getpid()}


def s3_defs() -> dg.Definitions:
    env = os.environ
    io_manager = S3PickleIOManager(
        s3_resource=S3Resource(
            endpoint_url=env["DOCKYARD_TEST_S3_ENDPOINT"], aws_access_key_id=env["DOCKYARD_TEST_S3_KEY"],
            aws_secret_access_key=dg.EnvVar("DOCKYARD_TEST_S3_SECRET"), max_attempts=2,
        ),
        s3_bucket="dockyard",
        s3_prefix=env["DOCKYARD_TEST_S3_PREFIX"],
    )
    return dg.Definitions(
        assets=[numbers, doubled, total, watcher, summary], resources={"io_manager": io_manager}, executor=dask_executor,
    )
