"""The dockyard demo: the sales pipeline from the I/O-manager guide, on embedded defaults.

``raw_sales_data`` reads the CSV shipped in ``examples/data``; ``clean_sales_data`` fills missing
amounts; ``sales_summary`` totals them per owner. Every value is stored by the filesystem I/O
manager under ``./.dockyard/storage`` and loaded back by the next asset.

Run it with ``make demo``, which goes through the CLI (``dockyard materialize -f
examples/sales_pipeline.py``, then ``dockyard asset show sales_summary``), or as a script:
``.venv/bin/python examples/sales_pipeline.py``. The CLI finds ``defs`` below; ``main()`` only
runs for the script.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

import pandas as pd

import dockyard as dg

DATA = Path(__file__).parent / "data" / "raw_sales_data.csv"


@dg.asset(group_name="sales", description="Raw sales rows read from the shipped CSV.")
def raw_sales_data() -> pd.DataFrame:
    return pd.read_csv(DATA)


@dg.asset(group_name="sales", description="Sales rows with missing amounts set to 0.")
def clean_sales_data(raw_sales_data: pd.DataFrame) -> pd.DataFrame:
    return raw_sales_data.fillna({"amount": 0.0})


@dg.asset(group_name="sales", description="Total sales amount per owner.")
def sales_summary(clean_sales_data: pd.DataFrame) -> pd.DataFrame:
    return clean_sales_data.groupby(["owner"])["amount"].sum().reset_index()


home = os.environ.get("DOCKYARD_HOME", str(Path.cwd() / ".dockyard"))
defs = dg.Definitions(
    assets=[raw_sales_data, clean_sales_data, sales_summary],
    resources={"io_manager": dg.FilesystemIOManager(base_dir=str(Path(home) / "storage"))},
)


def main() -> int:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("  %(message)s"))
    progress = logging.getLogger("dockyard.progress")
    progress.addHandler(handler)
    progress.setLevel(logging.INFO)
    print(f"dockyard demo: materializing {len(defs.assets)} assets into {home}")
    started = time.perf_counter()
    result = defs.get_implicit_global_asset_job_def().execute_in_process(raise_on_error=False)
    elapsed = time.perf_counter() - started
    print()
    print(f"run {result.run_id}: {'SUCCESS' if result.success else 'FAILURE'} in {elapsed * 1000:.0f} ms")
    print(f"{'asset':<20} {'stored at'}")
    for event in result.get_asset_materialization_events():
        mat = event.asset_materialization
        path = mat.metadata.get("path")
        print(f"{mat.asset_key.to_user_string():<20} {path.value if path else '(not stored)'}")
    if result.success:
        summary = defs.load_asset_value("sales_summary", instance=dg.DagsterInstance.get())
        print()
        print("sales_summary (loaded back through the I/O manager):")
        print(summary.to_string(index=False))
    return 0 if result.success else 1


if __name__ == "__main__":
    raise SystemExit(main())
