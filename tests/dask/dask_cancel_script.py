"""Run by the Dask Ctrl-C test in a subprocess: ``python dask_cancel_script.py HOME``.

The run starts its own 1-worker LocalCluster. ``slow`` records its worker's pid in
``$DOCKYARD_TEST_SCRATCH/slow.pid`` and sleeps; the test sends SIGINT to this process once the
file appears.
"""

from __future__ import annotations

import os
import sys
import time

import dockyard as dg
from dockyard.dask import dask_executor


@dg.asset
def quick() -> int:
    return 1


@dg.asset
def slow(quick: int) -> int:
    scratch = os.environ["DOCKYARD_TEST_SCRATCH"]
    with open(os.path.join(scratch, "slow.pid.tmp"), "w") as f:
        f.write(str(os.getpid()))
    os.replace(os.path.join(scratch, "slow.pid.tmp"), os.path.join(scratch, "slow.pid"))
    time.sleep(60)
    return quick


@dg.asset
def after_slow(slow: int) -> int:
    return slow


defs = dg.Definitions(assets=[quick, slow, after_slow], executor=dask_executor)

if __name__ == "__main__":
    run_config = {"execution": {"config": {"cluster": {"local": {"n_workers": 1, "threads_per_worker": 1}}}}}
    with dg.DagsterInstance.from_home(sys.argv[1]) as instance:
        dg.execute_job(dg.reconstructable(defs), instance, run_config=run_config)
