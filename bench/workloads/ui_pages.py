"""Server time of the web UI's heaviest pages (dockyard only; not in the side-by-side registry).

    .venv/bin/python bench/workloads/ui_pages.py          # BENCH_QUICK=1 for smaller sizes

Builds a persistent instance in a temp dir with one asset holding 10,000 materializations (each
with a path, a row count and a float) and 5,000 assets defined in code, every other one
materialized (a tenth of them partitioned by 30 static keys), then times requests through
Starlette's TestClient (in-process, so: server time plus a little client overhead). Prints one
JSON line (median and best of the repetitions, in ms) and a readable summary on stderr.
Targets (issue 8): details page < 300 ms, catalog of 5,000 assets < 500 ms.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
import warnings

QUICK = os.environ.get("BENCH_QUICK") == "1"
HISTORY = 1_000 if QUICK else 10_000
ASSETS = 500 if QUICK else 5_000
REPS = 3 if QUICK else 7


def build(home: str) -> tuple[object, object]:
    import dockyard as dg
    from dockyard.instance.events import (
        DagsterEvent,
        DagsterEventType,
        EventLogEntry,
        StepMaterializationData,
    )
    from dockyard.instance.instance import DagsterInstance

    def mat(key: str, i: int, partition: str | None = None) -> EventLogEntry:
        m = dg.AssetMaterialization(key, partition=partition, metadata={
            "path": dg.MetadataValue.path(f"/data/{key}/{i}.parquet"), "dagster/row_count": 1000 + i, "mean": i / 7,
        })
        return EventLogEntry("bench-run", DagsterEvent(DagsterEventType.ASSET_MATERIALIZATION.value, "job", key, key,
                                                       StepMaterializationData(m)))

    instance = DagsterInstance.from_home(home)
    instance.store_events([mat("big", i) for i in range(HISTORY)])
    parts = dg.StaticPartitionsDefinition([f"p{i:02d}" for i in range(30)])
    assets = []
    events = []
    for i in range(ASSETS):
        partitioned = i % 10 == 0

        @dg.asset(name=f"asset_{i:05d}", group_name=f"group_{i % 20}", partitions_def=parts if partitioned else None)
        def _a() -> int:
            return 1

        assets.append(_a)
        if i % 2 == 0:
            if partitioned:
                events.extend(mat(f"asset_{i:05d}", j, f"p{j:02d}") for j in range(10))
            else:
                events.append(mat(f"asset_{i:05d}", i))

    @dg.asset
    def big() -> int:
        return 1

    instance.store_events(events)
    return instance, dg.Definitions(assets=[*assets, big])


def timed(client: object, path: str) -> tuple[float, float]:
    samples = []
    for _ in range(REPS):
        started = time.perf_counter()
        response = client.get(path)  # type: ignore[attr-defined]
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
    return statistics.median(samples), min(samples)


def main() -> int:
    warnings.simplefilter("ignore", DeprecationWarning)
    from starlette.testclient import TestClient

    from dockyard.ui import create_app

    with tempfile.TemporaryDirectory(prefix="dockyard-ui-bench-") as home:
        started = time.perf_counter()
        instance, defs = build(home)
        setup = time.perf_counter() - started
        metrics = {}
        for mode, app in (("dev", create_app(instance, defs, "bench:defs")), ("read_only", create_app(instance))):
            client = TestClient(app)
            for name, path in (("asset_details", "/assets/big"), ("catalog", "/assets"), ("history_api", "/api/materializations/big?limit=100"),
                               ("catalog_api", "/api/assets")):
                median, best = timed(client, path)
                metrics[f"{mode}.{name}_ms"] = round(median, 1)
                metrics[f"{mode}.{name}_best_ms"] = round(best, 1)
            if mode == "dev":
                metrics["dev.graph_ms"] = round(timed(client, "/graph")[0], 1)
        instance.dispose()  # type: ignore[attr-defined]
    print(json.dumps({"workload": "ui_pages", "impl": "dockyard", "quick": QUICK, "metrics": metrics,
                      "info": {"history": HISTORY, "assets": ASSETS, "reps": REPS, "setup_s": round(setup, 2)}}))
    for name, value in metrics.items():
        if not name.endswith("_best_ms"):
            sys.stderr.write(f"{name:32s} {value:8.1f} ms\n")
    sys.stderr.write(f"targets: asset_details < 300 ms with {HISTORY} materializations, catalog < 500 ms with {ASSETS} assets\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
