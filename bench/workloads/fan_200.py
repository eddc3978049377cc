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

from _common import QUICK, Stamps, run_graph_workload

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


def main() -> None:
    run_graph_workload(
        "fan_200",
        build_fan,
        sizes=(LARGE, SMALL),
        reps=(REPS_LARGE, REPS_SMALL),
        warmup=(2, "warm_"),
        check=lambda n: (n + 2, "join", n + n * (n - 1) // 2),
        assets=LARGE + 2,
        small_assets=SMALL + 2,
    )


if __name__ == "__main__":
    main()
