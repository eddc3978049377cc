"""partitions_24_parquet: a daily asset loading 24 hourly parquet partitions (~1 MB each).

``readings`` is hourly-partitioned, ``daily_summary`` daily-partitioned and takes ``readings``
as ``Dict[str, pd.DataFrame]`` (the default time-window mapping: one day = 24 hours). Both go
through the seeds' ``PandasParquetIOManager(dg.UPathIOManager)`` pattern (``obj.to_parquet``
on ``path.open("wb")``, ``pd.read_parquet`` on ``path.open("rb")``) with its base path on tmpfs.

Untimed: the 24 upstream partitions are materialized once (one run per hour). Each hour is
32,768 rows x 4 float64 columns of random numbers: 1 MiB in memory and ~1 MB of parquet, since
random floats do not compress. Timed: ``materialize([*readings.to_source_assets(), daily_summary],
partition_key=day)``; ``load_s`` is call → ``daily_summary``'s body (planning, run start and
the load of all 24 files: the part that dominates), ``total_s`` the whole call.

Memory: after a warm-up call and one release -> call cycle (see ``main``), before every timed
call the process's RSS high-water mark is reset (``5`` into ``/proc/self/clear_refs``) after a ``gc.collect()``, Arrow's pool release and ``malloc_trim``,
so ``peak_rss_mb`` = VmHWM after the call - VmRSS before it: what the run took at its peak
(maximum over the repetitions). ``data_mb`` is what the body received (the frames'
``memory_usage``); ``peak_over_data`` their ratio (target: at most 1.2, i.e. loaded data + 20 %).
One more, untimed, call runs under ``tracemalloc`` for the Python-level peak
(``tracemalloc_peak_mb``: numpy buffers are traced, Arrow's own pool is not).
"""

from __future__ import annotations

import ctypes
import datetime as dt
import gc
import os
import time
import tracemalloc
from typing import Any, Dict  # noqa: UP035 (the seeds' annotation)

import numpy as np
import pandas as pd
import pyarrow as pa
from _common import QUICK, divert_stdout, emit, fresh_dir, load_impl, median, repeat, storage_dir
from upath import UPath

HOURS = 24
ROWS = 8_192 if QUICK else 32_768  # x 4 float64 columns = 1 MiB per hour at full size
REPS = (2, 3, 1.0) if QUICK else (5, 25, 6.0)
DAY = dt.date(2024, 3, 1)

dg = load_impl()


class PandasParquetIOManager(dg.UPathIOManager):
    extension: str = ".parquet"

    def dump_to_path(self, context: dg.OutputContext, obj: pd.DataFrame, path: UPath) -> None:
        with path.open("wb") as file:
            obj.to_parquet(file)

    def load_from_path(self, context: dg.InputContext, path: UPath) -> pd.DataFrame:
        with path.open("rb") as file:
            return pd.read_parquet(file)


hourly = dg.HourlyPartitionsDefinition(start_date=f"{DAY:%Y-%m-%d}-00:00")
daily = dg.DailyPartitionsDefinition(start_date=f"{DAY:%Y-%m-%d}")
marks: dict[str, Any] = {}


@dg.asset(partitions_def=hourly)
def readings(context) -> pd.DataFrame:  # no hint: dagster rejects `context: Any`
    seed = int(context.partition_key[-5:-3])  # the hour
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.random((ROWS, 4)), columns=["a", "b", "c", "d"])


@dg.asset(partitions_def=daily)
def daily_summary(readings: Dict[str, pd.DataFrame]) -> pd.DataFrame:  # noqa: UP006
    marks["body"] = time.perf_counter()
    marks["hours"] = len(readings)
    marks["data_bytes"] = sum(int(df.memory_usage(index=True).sum()) for df in readings.values())
    return pd.DataFrame(
        {"hour": list(readings), "rows": [len(df) for df in readings.values()],
         "a_sum": [float(df["a"].sum()) for df in readings.values()]}
    )


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _release_memory() -> None:
    gc.collect()
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def main() -> None:
    divert_stdout()
    day_key = f"{DAY:%Y-%m-%d}"
    with fresh_dir("parquet24") as tmp:
        io_manager = PandasParquetIOManager(base_path=UPath(tmp))
        resources = {"io_manager": io_manager}
        for h in range(HOURS):
            key = f"{DAY:%Y-%m-%d}-{h:02d}:00"
            if not dg.materialize([readings], partition_key=key, resources=resources).success:
                raise SystemExit(f"upstream partition {key} failed")
        parquet_bytes = sum(
            os.path.getsize(os.path.join(root, name))
            for root, _, names in os.walk(tmp) for name in names
        )
        assets = [*readings.to_source_assets(), daily_summary]

        def call() -> tuple[float, float, Any]:
            marks.clear()
            start = time.perf_counter()
            result = dg.materialize(assets, partition_key=day_key, resources=resources)
            end = time.perf_counter()
            if not result.success or marks.get("hours") != HOURS:
                raise SystemExit(f"downstream run failed or saw {marks.get('hours')} hours")
            return end - start, marks["body"] - start, result

        call()  # warm-up
        # One release -> call cycle more before measuring: the first release (malloc_trim, Arrow's
        # pool) hands back pages that the process's one-off growth (caches, interned strings,
        # allocator arenas) then re-touches in the next call, which put 2-3 MB of process warm-up
        # into the first measured repetition on both sides.
        _release_memory()
        call()
        peak_ok = _reset_peak()
        totals: list[float] = []
        loads: list[float] = []
        peaks: list[int] = []

        def once() -> None:
            _release_memory()
            _reset_peak()
            before_kb = _status_kb("VmRSS")
            total, load, result = call()
            peaks.append((_status_kb("VmHWM") - before_kb) * 1024)
            totals.append(total)
            loads.append(load)
            del result

        repeat(once, *REPS)
        _release_memory()
        tracemalloc.start()
        tracemalloc.reset_peak()
        call()
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    data = marks["data_bytes"]
    mb = 1024 * 1024
    emit(
        "partitions_24_parquet",
        {
            "total_s": median(totals),
            "load_s": median(loads),
            "data_mb": data / mb,
            "parquet_mb": parquet_bytes / mb,
            "peak_rss_mb": max(peaks) / mb,
            "median_peak_rss_mb": median(peaks) / mb,
            "peak_over_data": max(peaks) / data,
            "tracemalloc_peak_mb": traced_peak / mb,
        },
        hours=HOURS,
        rows_per_hour=ROWS,
        reps=len(totals),
        peak_reset=peak_ok,
        storage=storage_dir(),
    )


if __name__ == "__main__":
    main()
