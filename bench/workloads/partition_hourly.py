"""partition_hourly: one ``materialize(..., partition_key=...)`` of a small hourly-partitioned asset.

The definitions are built once (``HourlyPartitionsDefinition(start_date="2024-01-01-00:00")`` and
one asset returning a small value derived from ``context.partition_key``); then each timed call
materializes a different hour with ``FilesystemIOManager`` on tmpfs (one storage dir for all
calls, so earlier partitions' files stay around as they would). The median call is reported:
the cost a backfill or a schedule pays per partition run, planning and run set-up included.
One warm-up call on a key outside the timed set runs first. ``startup_s`` is call → asset body.
"""

from __future__ import annotations

import datetime as dt
import time

from _common import (
    QUICK,
    Stamps,
    divert_stdout,
    emit,
    fresh_dir,
    load_impl,
    median_phases,
    repeat,
    storage_dir,
)

REPS = (3, 6, 1.0) if QUICK else (15, 200, 5.0)
START = dt.datetime(2024, 1, 1)


def main() -> None:
    dg = load_impl()
    divert_stdout()
    stamps = Stamps()
    hourly = dg.HourlyPartitionsDefinition(start_date=f"{START:%Y-%m-%d-%H:%M}")

    @dg.asset(partitions_def=hourly)
    def hourly_readings(context) -> dict:  # no hint: dagster rejects `context: Any`
        stamps.start()
        value = {"hour": context.partition_key, "count": len(context.partition_key)}
        stamps.end()
        return value

    keys = iter(f"{START + dt.timedelta(hours=h):%Y-%m-%d-%H:%M}" for h in range(1, 10_000))
    check_error: list[str] = []

    with fresh_dir("partition-hourly") as tmp:
        resources = {"io_manager": dg.FilesystemIOManager(base_dir=tmp)}

        def once(key: str) -> dict[str, float]:
            stamps.reset()
            call_start = time.perf_counter()
            result = dg.materialize([hourly_readings], partition_key=key, resources=resources)
            call_end = time.perf_counter()
            if not result.success:
                raise RuntimeError(f"materialize of partition {key} failed")
            if not check_error:
                value = result.output_for_node("hourly_readings")
                ok = value == {"hour": key, "count": len(key)}
                check_error.append("" if ok else f"hourly_readings[{key}] = {value!r}")
            return stamps.phases(call_start, call_end)

        once(f"{START:%Y-%m-%d-%H:%M}")  # warm-up
        samples = repeat(lambda: once(next(keys)), *REPS)
    metrics = median_phases(samples)
    metrics["call_ms"] = metrics["total_s"] * 1000
    emit(
        "partition_hourly",
        metrics,
        reps=len(samples),
        storage=storage_dir(),
        check_error=check_error[0] if check_error else "no check ran",
    )


if __name__ == "__main__":
    main()
