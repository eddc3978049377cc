"""Graph-backed assets for the multiprocess executor tests (loaded by file path)."""

from __future__ import annotations

from typing import Any

import dockyard as dg


@dg.asset
def upstream() -> int:
    return 3


@dg.op
def add_one(x: int) -> int:
    return x + 1


@dg.op
def double(x: int) -> int:
    return x * 2


@dg.graph_asset
def middle(upstream: int) -> Any:
    return double(add_one(upstream))


@dg.asset
def downstream(middle: int) -> int:
    return middle + 100


graph_asset_defs = dg.Definitions(assets=[upstream, middle, downstream], jobs=[dg.define_asset_job("all_assets")])
