"""multiprocess_fan_20: 20 independent small assets and one join, on the multiprocess executor.

``leaf_i`` returns i; ``join`` takes all 20 through ``AssetIn`` and returns their sum. The job is
``dg.execute_job(dg.reconstructable(all_assets), instance, run_config=multiprocess 2 workers)``,
with a persistent instance in a fresh ``DAGSTER_HOME`` per repetition, so worker processes start,
import this file by code pointer, and exchange values through the default filesystem I/O manager.
``wall_s`` is the whole call (worker start-up included): what a user waits for.

The job comes from a module-level function named like the job (``all_assets``): the form both
implementations' ``reconstructable`` accept for a job built by ``define_asset_job``.
"""

from __future__ import annotations

import os
from typing import Any

from _common import QUICK, divert_stdout, emit, fresh_dir, load_impl, median, repeat, timed

N = 20
dg = load_impl()


def _leaf(i: int) -> Any:
    @dg.asset(name=f"leaf_{i}")
    def leaf() -> int:
        return i

    return leaf


leaves = [_leaf(i) for i in range(N)]
_params = [f"l{i}" for i in range(N)]
_ns: dict[str, Any] = {}
exec(f"def join({', '.join(_params)}):\n    return {' + '.join(_params)}\n", _ns)
join = dg.asset(name="join", ins={f"l{i}": dg.AssetIn(key=f"leaf_{i}") for i in range(N)})(_ns["join"])


def all_assets() -> Any:
    """The job (a module-level function returning it: what dagster's reconstructable accepts)."""
    return dg.Definitions(assets=[*leaves, join], jobs=[dg.define_asset_job("all_assets")]).resolve_job_def("all_assets")


def run_once() -> float:
    with fresh_dir("mp") as home:
        os.environ["DAGSTER_HOME"] = home
        os.environ["DOCKYARD_HOME"] = home
        open(os.path.join(home, "dagster.yaml"), "w").close()
        instance = dg.DagsterInstance.get()
        run_config = {"execution": {"config": {"multiprocess": {"max_concurrent": 2}}}}
        seconds, result = timed(lambda: dg.execute_job(dg.reconstructable(all_assets), instance, run_config=run_config))
        if not result.success:
            raise SystemExit("multiprocess_fan_20: the run failed")
        instance.dispose()
        return seconds


if __name__ == "__main__":
    divert_stdout()
    reps = (1, 1, 0.0) if QUICK else (1, 5, 20.0)
    walls = repeat(run_once, *reps)
    emit("multiprocess_fan_20", {"wall_s": median(walls), "per_step_ms": median(walls) / (N + 1) * 1000},
         assets=N + 1, reps=len(walls))
