"""Assets the Dask executor tests run; Dask workers import this file by code pointer."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import dockyard as dg
from dockyard.dask import dask_executor

# the pid and scratch-file helpers of the executor tests' jobs, by module name as their workers do
_EXECUTOR_JOBS = str(Path(__file__).resolve().parents[1] / "execution" / "executors")
if _EXECUTOR_JOBS not in sys.path:
    sys.path.append(_EXECUTOR_JOBS)

from executor_jobs import first_call, pid_asset, sees_its_own_start  # noqa: E402

left, right = pid_asset("left"), pid_asset("right")


@dg.asset
def both(left: int, right: int) -> list[int]:
    return [left, right, os.getpid()]


@dg.asset
def kills_its_worker_once() -> int:
    if first_call("killed"):
        os.kill(os.getpid(), signal.SIGKILL)
    return os.getpid()


@dg.asset(retry_policy=dg.RetryPolicy(max_retries=1))
def fails_once() -> str:
    if first_call("failed"):
        raise ConnectionError("transient")
    return "ok"


@dg.asset(io_manager_key="memory")
def in_memory() -> int:
    return 1


defs = dg.Definitions(assets=[left, right, both, sees_its_own_start, kills_its_worker_once, fails_once], executor=dask_executor)
memory_defs = dg.Definitions(assets=[in_memory], resources={"memory": dg.mem_io_manager}, executor=dask_executor)
