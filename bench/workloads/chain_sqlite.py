"""chain_sqlite: a chain of 200 small assets recorded in a persistent SQLite instance.

The same chain as ``chain_500`` (``a0`` returns 0, each next asset its upstream + 1 through
``AssetIn``), but ``dg.materialize(assets, instance=instance, resources=...)`` gets the
persistent instance ``dg.DagsterInstance.get()`` opens in a fresh ``DAGSTER_HOME`` /
``DOCKYARD_HOME`` on the disk: every run, step and materialization event goes to the default
SQLite storage of each side (dagster: an empty-but-for-telemetry ``dagster.yaml``; dockyard: no
``dockyard.yaml``). Asset values go through ``FilesystemIOManager`` on tmpfs, so the instance's
bookkeeping is what differs from ``chain_500``.

Per repetition: fresh asset objects, a fresh home and storage dir; opening the instance is not
timed (reported as ``open_instance_s``), the ``materialize`` call is. After timing, the instance
must hold a materialization of the last asset. ``sqlite_commit_ms`` is the context floor: one
single-row committed transaction with Python's ``sqlite3`` (default settings) in a database in
the same home directory.
"""

from __future__ import annotations

import os
import sqlite3
import time

from _common import (
    QUICK,
    Stamps,
    divert_stdout,
    emit,
    fresh_dir,
    fresh_home,
    load_impl,
    median,
    median_phases,
    repeat,
    storage_dir,
    timed,
)
from chain_500 import build_chain

N = 30 if QUICK else 200
REPS = (1, 2, 0.5) if QUICK else (3, 30, 12.0)


def sqlite_commit_floor_ms(commits: int = 100) -> float:
    with fresh_home("sqlite-floor") as home:
        conn = sqlite3.connect(os.path.join(home, "floor.db"), isolation_level=None)
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
        start = time.perf_counter()
        for i in range(commits):
            conn.execute("BEGIN")
            conn.execute("INSERT INTO t (body) VALUES (?)", (f"event {i}" * 10,))
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
        conn.close()
    return elapsed / commits * 1000


def main() -> None:
    dg = load_impl()
    divert_stdout()
    stamps = Stamps()
    check_error: list[str] = []
    opens: list[float] = []

    def once(n: int, prefix: str = "a") -> dict[str, float]:
        assets = build_chain(dg, n, stamps, prefix=prefix)
        with fresh_home("chain-sqlite") as home, fresh_dir("chain-sqlite-io") as tmp:
            open_s, instance = timed(dg.DagsterInstance.get)
            opens.append(open_s)
            stamps.reset()
            resources = {"io_manager": dg.FilesystemIOManager(base_dir=tmp)}
            call_start = time.perf_counter()
            result = dg.materialize(assets, instance=instance, resources=resources)
            call_end = time.perf_counter()
            if not result.success:
                raise RuntimeError("materialize returned success=False")
            if not check_error and prefix == "a":
                last = f"{prefix}{n - 1}"
                event = instance.get_latest_materialization_event(dg.AssetKey(last))
                value = result.output_for_node(last)
                if event is None:
                    check_error.append(f"no materialization of {last} in the instance at {home}")
                elif value != n - 1:
                    check_error.append(f"{last} = {value!r}, expected {n - 1}")
                else:
                    check_error.append("")
            instance.dispose()
        return stamps.phases(call_start, call_end)

    once(3, prefix="warm")  # lazy imports, first-call caches, first SQLite schema creation
    opens.clear()
    floor = sqlite_commit_floor_ms()
    samples = repeat(lambda: once(N), *REPS)
    metrics = median_phases(samples)
    metrics["per_asset_ms"] = metrics["total_s"] / N * 1000
    metrics["open_instance_s"] = median(opens)
    metrics["sqlite_commit_ms"] = (floor + sqlite_commit_floor_ms()) / 2
    emit(
        "chain_sqlite",
        metrics,
        n=N,
        reps=len(samples),
        storage=storage_dir(),
        check_error=check_error[0] if check_error else "no check ran",
    )


if __name__ == "__main__":
    main()
