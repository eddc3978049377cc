"""Jobs and assets the executor tests run; worker processes import this file by code pointer.

Steps leave traces under ``$DOCKYARD_TEST_SCRATCH`` (set by the tests, inherited by workers):
``calls-<name>`` gains a line per call, and marker files switch behaviour between runs.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import dockyard as dg


def scratch(name: str) -> Path:
    return Path(os.environ["DOCKYARD_TEST_SCRATCH"]) / name


def first_call(marker: str) -> bool:
    """True only the first time any process calls it with ``marker`` (it leaves that file)."""
    path = scratch(marker)
    if path.exists():
        return False
    path.touch()
    return True


def count_call(name: str) -> None:
    with open(scratch(f"calls-{name}"), "a") as f:
        f.write(f"{os.getpid()}\n")


# -- a fan-in of assets: which processes ran them -------------------------------------------------
def pid_asset(name: str) -> dg.AssetsDefinition:
    """An asset returning the pid of the process that ran it (the Dask jobs use it too)."""

    @dg.asset(name=name)
    def pid() -> int:
        return os.getpid()

    return pid


p1, p2, p3, p4 = (pid_asset(f"p{i}") for i in range(1, 5))


@dg.asset
def joined(p1: int, p2: int, p3: int, p4: int) -> list[int]:
    return [p1, p2, p3, p4, os.getpid()]


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


fan_defs = dg.Definitions(assets=[p1, p2, p3, p4, joined, sees_its_own_start])


# -- an op job on the default (filesystem) I/O manager ---------------------------------------------
@dg.op
def emit() -> int:
    return 20


@dg.op
def add_one(x: int) -> int:
    return x + 1


@dg.job
def op_chain() -> None:
    add_one(emit())


@dg.job(resource_defs={"io_manager": dg.mem_io_manager})
def op_chain_in_memory() -> None:
    add_one(emit())


@dg.job(executor_def=dg.in_process_executor)
def op_chain_in_process() -> None:
    add_one(emit())


# -- steps that fail until a marker file exists (re-execution) --------------------------------------
@dg.op
def source() -> int:
    count_call("source")
    return 20


@dg.op
def gate(x: int) -> int:
    count_call("gate")
    if not scratch("gate_open").exists():
        raise ValueError("gate closed")
    return x + 1


@dg.op
def after(y: int) -> int:
    count_call("after")
    return y * 2


@dg.job(executor_def=dg.in_process_executor)
def gated_ops() -> None:
    after(gate(source()))


@dg.asset
def raw() -> list[int]:
    count_call("raw")
    return [1, 2, 3]


@dg.asset
def checked(raw: list[int]) -> int:
    count_call("checked")
    if not scratch("gate_open").exists():
        raise ValueError("gate closed")
    return sum(raw)


@dg.asset
def report(checked: int) -> str:
    return f"total={checked}"


@dg.asset
def independent() -> int:
    count_call("independent")
    return 7


gated_assets = dg.Definitions(assets=[raw, checked, report, independent], executor=dg.in_process_executor)


# -- worker processes killed mid-step ---------------------------------------------------------------
@dg.asset
def upstream_value() -> int:
    count_call("upstream_value")
    return 41


@dg.asset
def doomed(upstream_value: int) -> int:
    if not scratch("spare_doomed").exists():
        os.kill(os.getpid(), signal.SIGKILL)
    return upstream_value + 1


@dg.asset
def after_doomed(doomed: int) -> int:
    return doomed * 2


@dg.asset(retry_policy=dg.RetryPolicy(max_retries=1))
def killed_once() -> int:
    if first_call("killed_once"):
        os.kill(os.getpid(), signal.SIGKILL)
    return os.getpid()


kill_defs = dg.Definitions(
    assets=[upstream_value, doomed, after_doomed, killed_once],
    executor=dg.multiprocess_executor.configured({"max_concurrent": 2}),
)


# -- partitions and resource config travel to the workers -------------------------------------------
class Multiplier(dg.ConfigurableResource):
    factor: int


@dg.asset(partitions_def=dg.StaticPartitionsDefinition(["a", "b"]))
def scaled(context: dg.AssetExecutionContext, multiplier: Multiplier) -> str:
    return context.partition_key * multiplier.factor


partitioned_defs = dg.Definitions(assets=[scaled], resources={"multiplier": Multiplier.configure_at_launch()})
