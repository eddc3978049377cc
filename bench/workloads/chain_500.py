"""chain_500: a linear chain of small assets, a0 -> a1 -> ... -> a{n-1}, materialized in-process.

``a0`` returns 0 and every other asset returns its upstream value + 1, stored with
``FilesystemIOManager`` in a fresh temp dir per repetition. Asset definitions are built before
the clock starts; the timed region is the ``dg.materialize`` call (planning included).
One warm-up materialize of a 3-asset chain runs first and is excluded.

Two sizes (500 and 100; quick: 50 and 20) show whether cost per asset stays flat as the graph
grows. Metrics: ``per_asset_ms`` / ``total_s`` / ``startup_s`` etc. for the large size, the same
prefixed ``small.`` for the small size, and ``growth`` = large per-asset / small per-asset.
"""

from __future__ import annotations

from typing import Any

from _common import (
    QUICK,
    Stamps,
    divert_stdout,
    emit,
    fresh_dir,
    load_impl,
    materialize_timed,
    median_phases,
)

LARGE, SMALL = (50, 20) if QUICK else (500, 100)
REPS_LARGE, REPS_SMALL = (1, 2) if QUICK else (5, 7)


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


def run_size(dg: Any, n: int, reps: int, stamps: Stamps) -> tuple[dict[str, float], str | None]:
    samples = []
    check_error = None
    for rep in range(reps):
        assets = build_chain(dg, n, stamps)
        with fresh_dir(f"chain{n}") as tmp:
            phases, result = materialize_timed(dg, assets, stamps, tmp)
            if rep == 0:
                try:
                    value = result.output_for_node(f"a{n - 1}")
                    if value != n - 1:
                        check_error = f"a{n - 1} = {value!r}, expected {n - 1}"
                except Exception as exc:  # reported, not fatal to timing
                    check_error = f"output_for_node failed: {type(exc).__name__}: {exc}"
        samples.append(phases)
    med = median_phases(samples)
    med["per_asset_ms"] = med["total_s"] / n * 1000
    return med, check_error


def main() -> None:
    dg = load_impl()
    divert_stdout()
    stamps = Stamps()
    with fresh_dir("warmup") as tmp:
        materialize_timed(dg, build_chain(dg, 3, stamps, prefix="warm"), stamps, tmp)
    large, err_large = run_size(dg, LARGE, REPS_LARGE, stamps)
    small, err_small = run_size(dg, SMALL, REPS_SMALL, stamps)
    metrics = dict(large)
    metrics.update({f"small.{k}": v for k, v in small.items()})
    metrics["growth"] = large["per_asset_ms"] / small["per_asset_ms"]
    emit(
        "chain_500",
        metrics,
        n=LARGE,
        small_n=SMALL,
        reps=REPS_LARGE,
        small_reps=REPS_SMALL,
        check_error=err_large or err_small,
    )


if __name__ == "__main__":
    main()
