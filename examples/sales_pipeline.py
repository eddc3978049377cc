"""The dockyard demo: the sales pipeline from the I/O-manager guide, stored in DuckDB.

- ``raw_sales_data`` reads the CSV shipped in ``examples/data``;
- ``daily_sales`` is partitioned by day: each partition holds that day's rows with missing
  amounts set to 0 (the DuckDB I/O manager replaces only that day's rows on a re-run);
- ``sales_summary`` loads every daily partition and totals the amounts per owner.

Every value lives in ``$DOCKYARD_HOME/warehouse.duckdb`` (default ``./.dockyard``), written and
read back by ``DuckDBPandasIOManager``; the asset functions never touch the database.

``make demo`` runs it through the CLI::

    dockyard materialize -f examples/sales_pipeline.py --select raw_sales_data
    dockyard materialize -f examples/sales_pipeline.py --select daily_sales --partition-range 2024-01-02...2024-01-06
    dockyard materialize -f examples/sales_pipeline.py --select sales_summary
    dockyard asset show sales_summary

It also runs as a script (``python examples/sales_pipeline.py``), doing the same in-process.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

import dockyard as dg
from dockyard.duckdb import DuckDBPandasIOManager

DATA = Path(__file__).parent / "data" / "raw_sales_data.csv"
HOME = Path(os.environ.get("DOCKYARD_HOME", Path.cwd() / ".dockyard"))
WAREHOUSE = HOME / "warehouse.duckdb"
days = dg.DailyPartitionsDefinition(start_date="2024-01-02", end_date="2024-01-07")


@dg.asset(group_name="sales", description="Raw sales rows read from the shipped CSV.")
def raw_sales_data() -> pd.DataFrame:
    frame = pd.read_csv(DATA, parse_dates=["date"])
    return frame


@dg.asset(
    group_name="sales",
    partitions_def=days,
    metadata={"partition_expr": "date"},
    description="Sales per day (one partition per day), missing amounts set to 0.",
)
def daily_sales(context: dg.AssetExecutionContext, raw_sales_data: pd.DataFrame) -> pd.DataFrame:
    window = context.partition_time_window
    start, end = window.start.replace(tzinfo=None), window.end.replace(tzinfo=None)
    day = raw_sales_data[(raw_sales_data["date"] >= start) & (raw_sales_data["date"] < end)]
    context.log.info(f"{len(day)} rows for {context.partition_key_range}")
    return day.fillna({"amount": 0.0})


@dg.asset(group_name="sales", description="Total sales amount per owner over all days.")
def sales_summary(daily_sales: pd.DataFrame) -> pd.DataFrame:
    return daily_sales.groupby(["owner"])["amount"].sum().reset_index().sort_values("owner")


defs = dg.Definitions(
    assets=[raw_sales_data, daily_sales, sales_summary],
    resources={"io_manager": DuckDBPandasIOManager(database=str(WAREHOUSE), schema="public")},
)


def print_summary(limit: int = 10) -> None:
    """Print a few rows of the summary table, read straight from DuckDB."""
    import duckdb

    with duckdb.connect(str(WAREHOUSE), read_only=True) as conn:
        rows = conn.execute(f"SELECT owner, amount FROM public.sales_summary ORDER BY owner LIMIT {int(limit)}").fetchall()
    print(f"\npublic.sales_summary in {WAREHOUSE}:")
    print(f"  {'owner':<8} {'amount':>8}")
    for owner, amount in rows:
        print(f"  {owner:<8} {amount:>8.2f}")


def main() -> int:
    HOME.mkdir(parents=True, exist_ok=True)
    instance = dg.DagsterInstance.get()
    job = defs.get_implicit_global_asset_job_def()
    steps = [
        ("raw_sales_data", {}),
        ("daily_sales", {"tags": {"dagster/asset_partition_range_start": "2024-01-02", "dagster/asset_partition_range_end": "2024-01-06"}}),
        ("sales_summary", {}),
    ]
    for name, kwargs in steps:
        result = job.execute_in_process(instance=instance, asset_selection=[name], **kwargs)
        mats = result.get_asset_materialization_events()
        print(f"{name}: {'ok' if result.success else 'FAILED'} ({len(mats)} materialization(s))")
        if not result.success:
            return 1
    print_summary()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
