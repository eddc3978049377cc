"""fan_200: one root, n children that each read the root, one join that reads all n children.

``root`` returns 1, ``child_i(root)`` returns root + i, and ``join`` takes every child as an
input through ``ins={"c<i>": dg.AssetIn(key="child_<i>")}`` and returns their sum. The join's
function is generated with explicit parameters (a factory), because that is how users write
it. Stored with ``FilesystemIOManager`` in a fresh temp dir per repetition; definitions are built
before the clock starts; one warm-up run of a 2-child fan is excluded.

Two sizes (200 and 50 children; quick: 20 and 5) show how planning (``startup_s``) and
per-asset cost grow with the graph. Metrics as in chain_500 (``small.`` prefix for the small
size); ``per_asset_ms`` divides by n + 2 assets; ``growth`` = large / small per-asset time and
``startup_growth`` = large / small startup time (n_large / n_small would mean linear planning);
``fs_write_ms`` as in chain_500.
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

LARGE, SMALL = (20, 5) if QUICK else (200, 50)
# (min reps, max reps, time budget s): dagster gets the minimum, fast runs get more samples.
REPS_LARGE = (1, 3, 0.5) if QUICK else (5, 40, 3.0)
REPS_SMALL = (2, 5, 0.5) if QUICK else (7, 60, 2.0)


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


def run_size(dg: Any, n: int, reps: tuple[int, int, float], stamps: Stamps) -> Any:
    return measure_graph(
        dg,
        lambda: build_fan(dg, n, stamps),
        stamps,
        assets=n + 2,
        check_node="join",
        expected=n + n * (n - 1) // 2,
        min_reps=reps[0],
        max_reps=reps[1],
        budget_s=reps[2],
    )


def main() -> None:
    dg = load_impl()
    divert_stdout()
    stamps = Stamps()
    with fresh_dir("warmup") as tmp:
        materialize_timed(dg, build_fan(dg, 2, stamps, prefix="warm_"), stamps, tmp)
    floor = file_write_floor_ms()
    large, reps_large, err_large = run_size(dg, LARGE, REPS_LARGE, stamps)
    small, reps_small, err_small = run_size(dg, SMALL, REPS_SMALL, stamps)
    metrics = combine(large, small)
    # The disk's file-creation cost drifts with machine load: average the floor from both ends.
    metrics["fs_write_ms"] = (floor + file_write_floor_ms()) / 2
    emit(
        "fan_200",
        metrics,
        n=LARGE,
        small_n=SMALL,
        assets=LARGE + 2,
        small_assets=SMALL + 2,
        reps=reps_large,
        small_reps=reps_small,
        storage=storage_dir(),
        check_error=err_large or err_small,
    )


if __name__ == "__main__":
    main()
