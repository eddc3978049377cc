"""Assets the Dask executor tests run; Dask workers import this file by code pointer."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import dockyard as dg
from dockyard.dask import dask_executor


def scratch(name: str) -> Path:
    return Path(os.environ["DOCKYARD_TEST_SCRATCH"]) / name


@dg.asset
def left() -> int:
    return os.getpid()


@dg.asset
def right() -> int:
    return os.getpid()


@dg.asset
def both(left: int, right: int) -> list[int]:
    return [left, right, os.getpid()]


@dg.asset
def sees_its_own_start(context: dg.AssetExecutionContext) -> bool:
    """True once this step's STEP_START is in the instance: events arrive while the step runs."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        starts = context.instance.all_logs(context.run_id, of_type=dg.DagsterEventType.STEP_START)
        if any(e.step_key == "sees_its_own_start" for e in starts):
            return True
        time.sleep(0.05)
    return False


@dg.asset
def kills_its_worker_once() -> int:
    marker = scratch("killed")
    if not marker.exists():
        marker.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return os.getpid()


@dg.asset(retry_policy=dg.RetryPolicy(max_retries=1))
def fails_once() -> str:
    marker = scratch("failed")
    if not marker.exists():
        marker.touch()
        raise ConnectionError("transient")
    return "ok"


@dg.asset(io_manager_key="memory")
def in_memory() -> int:
    return 1


defs = dg.Definitions(assets=[left, right, both, sees_its_own_start, kills_its_worker_once, fails_once], executor=dask_executor)
memory_defs = dg.Definitions(assets=[in_memory], resources={"memory": dg.mem_io_manager}, executor=dask_executor)
