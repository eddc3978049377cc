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

from _common import QUICK, Stamps, run_graph_workload

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


def main() -> None:
    run_graph_workload(
        "chain_500",
        build_chain,
        sizes=(LARGE, SMALL),
        reps=(REPS_LARGE, REPS_SMALL),
        warmup=(3, "warm"),
        check=lambda n: (n, f"a{n - 1}", n - 1),
    )


if __name__ == "__main__":
    main()
