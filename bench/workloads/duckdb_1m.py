"""duckdb_1m: a 1,000,000-row, 5-column DataFrame stored and loaded through DuckDBPandasIOManager.

The frame (``_common.sample_frame``, built once, untimed): ``id`` int64, ``amount`` float64,
``category`` str (16 values, object dtype), ``flag`` bool, ``ts`` datetime64. ``big`` returns it; ``total``
takes it back as a ``pd.DataFrame`` (loaded from the table) and returns a small tuple, stored by
``mem_io_manager`` so only ``big`` goes through DuckDB. The manager is dagster's
``dagster_duckdb_pandas.DuckDBPandasIOManager`` or dockyard's ``dockyard.duckdb`` one, with a
fresh database file on tmpfs per repetition (``schema="bench"``).

Timed per repetition, alternating which goes first:
- ``materialize_s``: ``dg.materialize([big, total], resources=...)``: the store, the load and the
  run around them; ``io_s`` is ``big``'s body end → ``total``'s body start (store + load).
- ``raw_s``: the same round trip by hand with the same duckdb module, same frame, a fresh file
  in the same dir: ``connect`` → ``CREATE SCHEMA`` → ``CREATE TABLE bench.big AS SELECT * FROM
  df`` → ``SELECT * FROM bench.big`` → ``.df()`` → the same sum ``total`` computes → the frame
  freed (as the run frees its loaded input) → ``close``.
``vs_raw`` = median ``materialize_s`` / median ``raw_s`` on each side (dockyard target: at most
1.1). The sides may run different duckdb versions (the reference venv pins duckdb<2): the
``raw_s`` rows show what the library alone costs on each side.
"""

from __future__ import annotations

import importlib
import os
import time
from typing import Any

import duckdb
import pandas as pd
from _common import (
    IMPL,
    QUICK,
    alternate_runs,
    divert_stdout,
    emit,
    fresh_dir,
    load_impl,
    materialize_round_trip,
    round_trip_assets,
    round_trip_metrics,
    sample_frame,
    storage_dir,
)

ROWS = 100_000 if QUICK else 1_000_000
REPS = 2 if QUICK else 9

dg = load_impl()
DuckDBPandasIOManager = importlib.import_module(
    "dagster_duckdb_pandas" if IMPL == "dagster" else "dockyard.duckdb"
).DuckDBPandasIOManager


FRAME = sample_frame(ROWS)
EXPECTED = (ROWS, int(FRAME["id"].sum()))
big, total, marks = round_trip_assets(dg, FRAME, pd.DataFrame)


def run_materialize() -> tuple[float, float, Any]:
    with fresh_dir("duckdb") as tmp:
        resources = {
            "io_manager": DuckDBPandasIOManager(database=os.path.join(tmp, "warehouse.duckdb"), schema="bench"),
            "mem": dg.mem_io_manager,
        }
        return materialize_round_trip(dg, [big, total], resources, marks, "duckdb_1m")


def run_raw() -> tuple[float, Any]:
    df = FRAME  # noqa: F841 (read by name by DuckDB's replacement scan)
    with fresh_dir("duckdb-raw") as tmp:
        start = time.perf_counter()
        con = duckdb.connect(os.path.join(tmp, "raw.duckdb"))
        con.execute("CREATE SCHEMA bench")
        con.execute("CREATE TABLE bench.big AS SELECT * FROM df")
        back = con.execute("SELECT * FROM bench.big").df()
        value = (len(back), int(back["id"].sum()))  # what `total` computes
        del back  # freed inside the clock, as the run frees the loaded input
        con.close()
        elapsed = time.perf_counter() - start
        return elapsed, value


def main() -> None:
    divert_stdout()
    run_materialize()  # warm-up (imports, first-call caches)
    run_raw()
    mats, ios, raws, check_error = alternate_runs(REPS, run_materialize, run_raw, EXPECTED)
    emit(
        "duckdb_1m",
        round_trip_metrics(mats, ios, raws),
        rows=ROWS,
        reps=REPS,
        duckdb=duckdb.__version__,
        storage=storage_dir(),
        check_error=check_error,
    )


if __name__ == "__main__":
    main()
