"""dask_200: 200 small assets (1 root, 198 children, 1 join) on a 2-worker Dask LocalCluster.

dockyard only (no dagster-dask in the reference venv): the issue's target is absolute, a per-step
overhead under 20 ms. The cluster (2 worker processes, 1 thread each) is started before the
clock; ``wall_s`` is ``execute_job(..., execution: {config: {cluster: {existing: ...}}})`` with a
persistent instance in a fresh ``DOCKYARD_HOME``, values through the default filesystem I/O
manager; ``per_step_ms`` = wall / 200. The first repetition (workers import this file) counts.
"""

from __future__ import annotations

import os
from typing import Any

from _common import QUICK, divert_stdout, emit, fresh_dir, load_impl, median, repeat, timed

N = 20 if QUICK else 200
dg = load_impl()


@dg.asset
def root() -> int:
    return 1


def _child(i: int) -> Any:
    @dg.asset(name=f"child_{i}", ins={"root": dg.AssetIn(key="root")})
    def child(root: int) -> int:
        return root + i

    return child


children = [_child(i) for i in range(N - 2)]
_params = [f"c{i}" for i in range(N - 2)]
_ns: dict[str, Any] = {}
exec(f"def join({', '.join(_params)}):\n    return {' + '.join(_params)}\n", _ns)
join = dg.asset(name="join", ins={f"c{i}": dg.AssetIn(key=f"child_{i}") for i in range(N - 2)})(_ns["join"])


def defs() -> Any:
    from dockyard.dask import dask_executor

    return dg.Definitions(assets=[root, *children, join], executor=dask_executor)


if __name__ == "__main__":
    divert_stdout()
    import distributed

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address="127.0.0.1:0") as cluster:
        run_config = {"execution": {"config": {"cluster": {"existing": {"address": cluster.scheduler_address}}}}}

        def run_once() -> float:
            with fresh_dir("dask") as home:
                os.environ["DOCKYARD_HOME"] = home
                instance = dg.DagsterInstance.get()
                seconds, result = timed(lambda: dg.execute_job(dg.reconstructable(defs), instance, run_config=run_config))
                if not result.success:
                    raise SystemExit("dask_200: the run failed")
                instance.dispose()
                return seconds

        walls = repeat(run_once, *((1, 1, 0.0) if QUICK else (3, 5, 20.0)))
    emit("dask_200", {"wall_s": median(walls), "per_step_ms": median(walls) / N * 1000, "first_s": walls[0]},
         assets=N, reps=len(walls))
