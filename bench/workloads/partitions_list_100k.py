"""partitions_list_100k: listing and planning 100,000 hourly partitions.

Per repetition, on a fresh definition (so no cache survives from the previous one):
``HourlyPartitionsDefinition(start_date="2014-01-01-00:00", end_date=<100,000 hours later>)``
(the end is in the past, so the key list does not depend on the clock), then

- ``list_s``:   ``get_partition_keys()`` (100,000 keys; checked),
- ``subset_s``: ``empty_subset().with_partition_key_range(pdef, PartitionKeyRange(k[1000],
  k[89999]))`` and its ``len`` (89,000: what planning a backfill of that range builds),
- ``subset_keys_s``: that subset's ``get_partition_keys()``.

``total_s`` (definition included) is the row with the target: under 1 s for dockyard.
"""

from __future__ import annotations

import datetime as dt
import time

from _common import QUICK, divert_stdout, emit, load_impl, median_phases, repeat

N = 10_000 if QUICK else 100_000
FIRST, LAST = N // 100, N - N // 10 - 1
START = dt.datetime(2014, 1, 1)
FMT = "%Y-%m-%d-%H:%M"
REPS = (2, 3, 1.0) if QUICK else (3, 15, 8.0)


def main() -> None:
    dg = load_impl()
    divert_stdout()
    end = START + dt.timedelta(hours=N)
    check_error: list[str] = []

    def once() -> dict[str, float]:
        t0 = time.perf_counter()
        pdef = dg.HourlyPartitionsDefinition(start_date=START.strftime(FMT), end_date=end.strftime(FMT))
        keys = pdef.get_partition_keys()
        t1 = time.perf_counter()
        subset = pdef.empty_subset().with_partition_key_range(pdef, dg.PartitionKeyRange(keys[FIRST], keys[LAST]))
        size = len(subset)
        t2 = time.perf_counter()
        sub_keys = subset.get_partition_keys()
        t3 = time.perf_counter()
        if not check_error:
            expected_first = (START + dt.timedelta(hours=FIRST)).strftime(FMT)
            problems = []
            if len(keys) != N or keys[-1] != (end - dt.timedelta(hours=1)).strftime(FMT):
                problems.append(f"{len(keys)} keys ending {keys[-1]!r}")
            if size != LAST - FIRST + 1 or len(sub_keys) != size or sub_keys[0] != expected_first:
                problems.append(f"subset of {size} ({len(sub_keys)} keys, first {sub_keys[0]!r})")
            check_error.append("; ".join(problems))
        return {"list_s": t1 - t0, "subset_s": t2 - t1, "subset_keys_s": t3 - t2, "total_s": t3 - t0}

    once()  # warm-up (imports, first-call caches that are not per definition)
    samples = repeat(once, *REPS)
    metrics = median_phases(samples)
    metrics["best_total_s"] = min(s["total_s"] for s in samples)
    emit(
        "partitions_list_100k",
        metrics,
        partitions=N,
        subset=LAST - FIRST + 1,
        reps=len(samples),
        check_error=check_error[0] if check_error else "no check ran",
    )


if __name__ == "__main__":
    main()
