"""chain_500: a linear chain of small assets, a0 -> a1 -> ... -> a{n-1}, materialized in-process.

``a0`` returns 0 and every other asset returns its upstream value + 1, stored with
``FilesystemIOManager`` in a fresh temp dir per repetition. Asset definitions are built before
the clock starts; the timed region is the ``dg.materialize`` call (planning included).
One warm-up materialize of a 3-asset chain runs first and is excluded.

Two sizes (500 and 100; quick: 50 and 20) show whether cost per asset stays flat as the graph
grows. Metrics: ``per_asset_ms`` / ``total_s`` / ``startup_s`` etc. for the large size, the same
prefixed ``small.`` for the small size, ``growth`` = large per-asset / small per-asset, and
``fs_write_ms``, the raw cost of creating one file in the same storage dir (context: the floor
a file-based I/O manager pays per asset there).
"""

from __future__ import annotations

from typing import Any

from _common import (
    QUICK,
    Stamps,
    combine,
    divert_stdout,
    emit,
    file_write_floor_ms,
    fresh_dir,
    load_impl,
    materialize_timed,
    measure_graph,
    storage_dir,
)

LARGE, SMALL = (50, 20) if QUICK else (500, 100)
# (min reps, max reps, time budget s): dagster gets the minimum, fast runs get more samples.
REPS_LARGE = (1, 3, 0.5) if QUICK else (5, 40, 4.0)
REPS_SMALL = (2, 5, 0.5) if QUICK else (7, 60, 2.0)


def build_chain(dg: Any, n: int, stamps: Stamps, prefix: str = "a") -> list[Any]:
    def make(i: int) -> Any:
        if i == 0:

            @dg.asset(name=f"{prefix}0")
            def first() -> int:
                stamps.start()
                return 0

            return first
        last = i == n - 1

        @dg.asset(name=f"{prefix}{i}", ins={"up": dg.AssetIn(key=f"{prefix}{i - 1}")})
        def step(up: int) -> int:
            if last:
                stamps.end()
            return up + 1

        return step

    return [make(i) for i in range(n)]


def run_size(dg: Any, n: int, reps: tuple[int, int, float], stamps: Stamps) -> Any:
    return measure_graph(
        dg,
        lambda: build_chain(dg, n, stamps),
        stamps,
        assets=n,
        check_node=f"a{n - 1}",
        expected=n - 1,
        min_reps=reps[0],
        max_reps=reps[1],
        budget_s=reps[2],
    )


def main() -> None:
    dg = load_impl()
    divert_stdout()
    stamps = Stamps()
    with fresh_dir("warmup") as tmp:
        materialize_timed(dg, build_chain(dg, 3, stamps, prefix="warm"), stamps, tmp)
    floor = file_write_floor_ms()
    large, reps_large, err_large = run_size(dg, LARGE, REPS_LARGE, stamps)
    small, reps_small, err_small = run_size(dg, SMALL, REPS_SMALL, stamps)
    metrics = combine(large, small)
    # The disk's file-creation cost drifts with machine load: average the floor from both ends.
    metrics["fs_write_ms"] = (floor + file_write_floor_ms()) / 2
    emit(
        "chain_500",
        metrics,
        n=LARGE,
        small_n=SMALL,
        reps=reps_large,
        small_reps=reps_small,
        storage=storage_dir(),
        check_error=err_large or err_small,
    )


if __name__ == "__main__":
    main()
