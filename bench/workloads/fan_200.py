"""fan_200: one root, n children that each read the root, one join that reads all n children.

``root`` returns 1, ``child_i(root)`` returns root + i, and ``join`` takes every child as an
input through ``ins={"c<i>": dg.AssetIn(key="child_<i>")}`` and returns their sum. The join's
function is generated with explicit parameters (a factory), because that is how users write
it. Stored with ``FilesystemIOManager`` in a fresh temp dir per repetition; definitions are built
before the clock starts; one warm-up run of a 2-child fan is excluded.

Two sizes (200 and 50 children; quick: 20 and 5) show how planning (``startup_s``) and
per-asset cost grow with the graph. Metrics as in chain_500 (``small.`` prefix for the small
size); ``per_asset_ms`` divides by n + 2 assets; ``growth`` = large / small per-asset time and
``startup_growth`` = large / small startup time (n_large / n_small would mean linear planning).
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

LARGE, SMALL = (20, 5) if QUICK else (200, 50)
REPS_LARGE, REPS_SMALL = (1, 2) if QUICK else (5, 7)


def build_fan(dg: Any, n: int, stamps: Stamps, prefix: str = "") -> list[Any]:
    @dg.asset(name=f"{prefix}root")
    def root() -> int:
        stamps.start()
        return 1

    def make_child(i: int) -> Any:
        @dg.asset(name=f"{prefix}child_{i}", ins={"root": dg.AssetIn(key=f"{prefix}root")})
        def child(root: int) -> int:
            return root + i

        return child

    params = [f"c{i}" for i in range(n)]
    source = (
        f"def join({', '.join(params)}):\n"
        f"    total = {' + '.join(params)}\n"
        "    stamps.end()\n"
        "    return total\n"
    )
    namespace: dict[str, Any] = {"stamps": stamps}
    exec(source, namespace)  # explicit parameters, as a user would write them
    join = dg.asset(
        name=f"{prefix}join",
        ins={f"c{i}": dg.AssetIn(key=f"{prefix}child_{i}") for i in range(n)},
    )(namespace["join"])
    return [root, *(make_child(i) for i in range(n)), join]


def run_size(dg: Any, n: int, reps: int, stamps: Stamps) -> tuple[dict[str, float], str | None]:
    samples = []
    check_error = None
    expected = n + n * (n - 1) // 2
    for rep in range(reps):
        assets = build_fan(dg, n, stamps)
        with fresh_dir(f"fan{n}") as tmp:
            phases, result = materialize_timed(dg, assets, stamps, tmp)
            if rep == 0:
                try:
                    value = result.output_for_node("join")
                    if value != expected:
                        check_error = f"join = {value!r}, expected {expected}"
                except Exception as exc:  # reported, not fatal to timing
                    check_error = f"output_for_node failed: {type(exc).__name__}: {exc}"
        samples.append(phases)
    med = median_phases(samples)
    med["per_asset_ms"] = med["total_s"] / (n + 2) * 1000
    return med, check_error


def main() -> None:
    dg = load_impl()
    divert_stdout()
    stamps = Stamps()
    with fresh_dir("warmup") as tmp:
        materialize_timed(dg, build_fan(dg, 2, stamps, prefix="warm_"), stamps, tmp)
    large, err_large = run_size(dg, LARGE, REPS_LARGE, stamps)
    small, err_small = run_size(dg, SMALL, REPS_SMALL, stamps)
    metrics = dict(large)
    metrics.update({f"small.{k}": v for k, v in small.items()})
    metrics["growth"] = large["per_asset_ms"] / small["per_asset_ms"]
    metrics["startup_growth"] = large["startup_s"] / small["startup_s"]
    emit(
        "fan_200",
        metrics,
        n=LARGE,
        small_n=SMALL,
        assets=LARGE + 2,
        small_assets=SMALL + 2,
        reps=REPS_LARGE,
        small_reps=REPS_SMALL,
        check_error=err_large or err_small,
    )


if __name__ == "__main__":
    main()
