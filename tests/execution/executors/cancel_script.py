"""Run by the Ctrl-C tests in a subprocess: ``python cancel_script.py HOME EXECUTOR``.

The ``slow`` step records its pid in ``$DOCKYARD_TEST_SCRATCH/slow.pid`` and sleeps; the test
sends SIGINT to this process once the file appears.
"""

from __future__ import annotations

import os
import sys
import time

import dockyard as dg


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

if __name__ == "__main__":
    home, kind = sys.argv[1], sys.argv[2]
    run_config = {"execution": {"config": {kind: {}}}}
    with dg.DagsterInstance.from_home(home) as instance:
        dg.execute_job(dg.reconstructable(defs), instance, run_config=run_config)
