"""The heavy pages stay fast: asset details with 10,000 materializations (one page of history is
read, not all of it) and a catalog of 5,000 assets.

Bounds here are loose (several times the issue's targets of 300 ms and 500 ms) so a busy
machine does not fail them; they catch a page that reads the whole history. The real numbers
come from ``bench/workloads/ui_pages.py``.
"""

from __future__ import annotations

import re
import time
from typing import Any

import dockyard as dg
from dockyard.instance.events import (
    DagsterEvent,
    DagsterEventType,
    EventLogEntry,
    StepMaterializationData,
)

DETAILS_BOUND_S = 1.5
CATALOG_BOUND_S = 2.5


def _mat(key: str, i: int) -> EventLogEntry:
    m = dg.AssetMaterialization(key, metadata={"path": dg.MetadataValue.path(f"/data/{key}/{i}"), "dagster/row_count": i})
    return EventLogEntry("run", DagsterEvent(DagsterEventType.ASSET_MATERIALIZATION.value, "job", key, key, StepMaterializationData(m)))


def best_of(client: Any, path: str, times: int = 3) -> tuple[float, str]:
    best, text = float("inf"), ""
    for _ in range(times):
        started = time.perf_counter()
        response = client.get(path)
        best = min(best, time.perf_counter() - started)
        assert response.status_code == 200
        text = response.text
    return best, text


def test_asset_details_with_ten_thousand_materializations_reads_one_page(instance: Any) -> None:
    from starlette.testclient import TestClient

    from dockyard.ui import create_app

    instance.store_events([_mat("big", i) for i in range(10_000)])
    client = TestClient(create_app(instance))
    took, html = best_of(client, "/assets/big")
    assert len(re.findall(r'<tr class="materialization"', html)) == 25 and 'id="older"' in html
    assert ">9,999</span>" in html  # newest first
    assert took < DETAILS_BOUND_S, f"asset details took {took * 1000:.0f} ms"


def test_catalog_of_five_thousand_assets(instance: Any) -> None:
    from starlette.testclient import TestClient

    from dockyard.ui import create_app

    instance.store_events([_mat(f"asset_{i:05d}", i) for i in range(5_000)])
    client = TestClient(create_app(instance))
    took, html = best_of(client, "/assets")
    assert html.count("<tr data-key=") == 5_000
    assert took < CATALOG_BOUND_S, f"catalog took {took * 1000:.0f} ms"
