"""Assets the multiprocess DuckDB test runs; worker processes import this file by code pointer.

The database file comes from ``$DOCKYARD_TEST_DUCKDB`` (set by the test, inherited by workers).
"""

from __future__ import annotations

import os
import time

import pandas as pd

import dockyard as dg
from dockyard.duckdb import DuckDBPandasIOManager


def _part(name: str) -> pd.DataFrame:
    time.sleep(0.2)  # long enough for the other worker to wait on the file meanwhile
    return pd.DataFrame({"part": [name] * 2, "pid": [os.getpid()] * 2})


def _writer(name: str) -> dg.AssetsDefinition:
    @dg.asset(name=name)
    def part() -> pd.DataFrame:
        return _part(name)

    return part


w1, w2, w3, w4 = (_writer(f"w{i}") for i in range(1, 5))


@dg.asset
def all_parts(w1: pd.DataFrame, w2: pd.DataFrame, w3: pd.DataFrame, w4: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([w1, w2, w3, w4], ignore_index=True)


writers_defs = dg.Definitions(
    assets=[w1, w2, w3, w4, all_parts],
    resources={
        "io_manager": DuckDBPandasIOManager(
            database=os.environ.get("DOCKYARD_TEST_DUCKDB", "unset.duckdb"), lock_timeout=30
        )
    },
)
