"""asset_show_10k: ``dockyard asset show KEY`` on an asset with 10,000 materializations (dockyard only).

Set-up (untimed, reported as ``setup_s``): a persistent instance in a fresh ``DOCKYARD_HOME`` on
the disk, filled by ONE ``dg.materialize`` run of an asset whose body records 9,999
``dg.AssetMaterialization`` events with ``context.log_event`` (each with a path, a row count and
a float, like a real history) and then returns its value: the 10,000th materialization.

Timed:
- ``wall_s``: the ``dockyard asset show big`` console script as a subprocess, from exec to exit
  (interpreter start, imports, opening the instance, the query, formatting one page of 20).
  One warm-up run first; bytecode goes to a private ``PYTHONPYCACHEPREFIX`` as in
  ``import_time`` (this environment sets PYTHONDONTWRITEBYTECODE=1, which would otherwise make
  the editable install recompile every module on every run).
- ``in_process_s``: ``dockyard.cli.main(["asset", "show", "big"])`` in this process, stdout to a
  buffer (opening the instance included; imports already done by a warm-up call).
- ``bare_python_s``: ``python -c pass`` the same way, for context.
Target (issue 3): under 200 ms.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import IMPL, QUICK, divert_stdout, emit, fresh_home, load_impl, median, timed

HISTORY = 1_000 if QUICK else 10_000
RUNS = 3 if QUICK else 11


def fill(dg: Any) -> None:
    @dg.asset
    def big(context) -> int:  # no hint: dagster rejects `context: Any`
        for i in range(HISTORY - 1):
            context.log_event(
                dg.AssetMaterialization(
                    "big",
                    metadata={
                        "path": dg.MetadataValue.path(f"/data/big/{i}.parquet"),
                        "dagster/row_count": 1000 + i,
                        "mean": i / 7,
                    },
                )
            )
        return HISTORY

    instance = dg.DagsterInstance.get()
    result = dg.materialize([big], instance=instance)
    if not result.success:
        raise SystemExit("asset_show_10k: the set-up run failed")
    count = len(instance.get_materialization_history("big"))
    instance.dispose()
    if count != HISTORY:
        raise SystemExit(f"asset_show_10k: expected {HISTORY} materializations, found {count}")


def _wall(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed


def main() -> None:
    if IMPL != "dockyard":
        raise SystemExit("asset_show_10k is a dockyard-only workload (the dockyard CLI)")
    dg = load_impl()
    divert_stdout()
    from dockyard.cli import main as cli_main

    script = Path(sys.executable).parent / "dockyard"
    show_cmd = [str(script)] if script.exists() else [sys.executable, "-m", "dockyard"]
    show_cmd += ["asset", "show", "big"]

    with fresh_home("asset-show") as home, tempfile.TemporaryDirectory(prefix="bench-pycache-") as cache:
        setup_s, _ = timed(lambda: fill(dg))

        def in_process() -> float:
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                start = time.perf_counter()
                code = cli_main(["asset", "show", "big"])
                elapsed = time.perf_counter() - start
            if code != 0 or "materializations, newest first (20 shown)" not in buf.getvalue():
                raise SystemExit(f"asset show failed in-process ({code}): {buf.getvalue()[:500]}")
            return elapsed

        in_process()  # warm-up: imports of the CLI's command modules
        in_proc = [in_process() for _ in range(RUNS)]

        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(PYTHONPYCACHEPREFIX=cache, DOCKYARD_HOME=home)
        bare_cmd = [sys.executable, "-c", "pass"]
        _wall(show_cmd, env)  # warm-up: page cache, bytecode cache
        _wall(bare_cmd, env)
        walls, bare = [], []
        for _ in range(RUNS):  # interleaved, so drift hits both alike
            walls.append(_wall(show_cmd, env))
            bare.append(_wall(bare_cmd, env))
    emit(
        "asset_show_10k",
        {
            "wall_s": median(walls),
            "in_process_s": median(in_proc),
            "bare_python_s": median(bare),
            "setup_s": setup_s,
        },
        history=HISTORY,
        runs=RUNS,
        command=" ".join(show_cmd[-3:]),
    )


if __name__ == "__main__":
    main()
