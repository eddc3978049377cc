"""Run by the Ctrl-C tests in a subprocess: ``python cancel_script.py HOME EXECUTOR`` (through
``tests/interrupts.py``), EXECUTOR one of ``multiprocess``, ``in_process`` or ``dask`` (the run
then starts its own 1-worker LocalCluster).

The ``slow`` step records its pid in ``$DOCKYARD_TEST_SCRATCH/slow.pid`` and sleeps; the test
sends SIGINT to this process once the file appears.
"""

from __future__ import annotations

import os
import sys
import time

import dockyard as dg
from dockyard.dask import dask_executor  # imports distributed only when a Dask run starts


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


defs = dg.Definitions(assets=[quick, slow, after_slow])
dask_defs = dg.Definitions(assets=[quick, slow, after_slow], executor=dask_executor)

if __name__ == "__main__":
    home, kind = sys.argv[1], sys.argv[2]
    if kind == "dask":
        job = dask_defs
        run_config = {"execution": {"config": {"cluster": {"local": {"n_workers": 1, "threads_per_worker": 1}}}}}
    else:
        job, run_config = defs, {"execution": {"config": {kind: {}}}}
    with dg.DagsterInstance.from_home(home) as instance:
        dg.execute_job(dg.reconstructable(job), instance, run_config=run_config)
