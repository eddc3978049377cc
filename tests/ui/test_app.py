"""Every page and API route of the web UI, through Starlette's TestClient (no browser)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import dockyard as dg
from dockyard.execution.asset_origins import CODE_POINTER_TAG
from dockyard.instance.events import (
    DagsterEvent,
    DagsterEventType,
    EventLogEntry,
    StepMaterializationData,
)
from dockyard.ui.runs import LAUNCHED_BY_TAG

from .conftest import launch


def store_materializations(instance: Any, key: Any, count: int, partition: str | None = None, start: int = 0) -> None:
    key = dg.AssetKey.from_coercible(key)
    instance.store_events([
        EventLogEntry("manual-run", DagsterEvent(
            DagsterEventType.ASSET_MATERIALIZATION.value, "job", "step", "step",
            StepMaterializationData(dg.AssetMaterialization(key, partition=partition, metadata={"n": i, "path": dg.MetadataValue.path(f"/data/{i}")})),
        ), timestamp=1_700_000_000 + i)
        for i in range(start, start + count)
    ])


def rows_of(html: str, css_class: str) -> int:
    return len(re.findall(rf'<tr class="{css_class}"', html))


# -- catalog -----------------------------------------------------------------------------------------
def test_root_redirects_to_the_catalog(client: Any) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "/assets"


def test_catalog_lists_defined_assets_with_group_io_manager_and_partitions(client: Any) -> None:
    html = client.get("/assets").text
    for key in ("raw", "doubled", "slow", "regional", "broken", "needs_warehouse"):
        assert f'data-key="{key}"' in html
    assert "sales" in html and "reports" in html and "<code>io_manager</code>" in html
    assert "0 / 3" in html  # regional: none of 3 partitions filled
    assert 'name="csrf_token"' in html and 'name="assets" value="raw"' in html
    rows = {r["key"]: r for r in client.get("/api/assets").json()["assets"]}
    assert rows["raw"]["group"] == "sales" and rows["raw"]["status"] == "missing" and rows["raw"]["io_manager_key"] == "io_manager"
    assert (rows["regional"]["partitions_filled"], rows["regional"]["partitions_total"]) == (0, 3)


def test_catalog_filters_by_substring_and_group(client: Any) -> None:
    html = client.get("/assets?q=doub").text
    assert 'data-key="doubled"' in html and 'data-key="raw"' not in html
    html = client.get("/assets?group=reports").text
    assert 'data-key="regional"' in html and 'data-key="raw"' not in html
    keys = [r["key"] for r in client.get("/api/assets?group=sales").json()["assets"]]
    assert keys == ["raw", "doubled"]  # dependency order


def test_catalog_shows_last_materialization_and_partition_counts_after_runs(client: Any) -> None:
    run_id = launch(client, ["raw"])
    launch(client, ["regional"], partition="eu")
    rows = {r["key"]: r for r in client.get("/api/assets").json()["assets"]}
    assert rows["raw"]["status"] == "materialized" and rows["raw"]["last_run_id"] == run_id
    assert rows["raw"]["last_materialized"] is not None
    assert (rows["regional"]["partitions_filled"], rows["regional"]["partitions_total"]) == (1, 3)
    assert "1 / 3" in client.get("/assets").text


# -- asset details -------------------------------------------------------------------------------------
def test_asset_page_shows_description_definition_and_lineage(client: Any) -> None:
    html = client.get("/assets/doubled").text
    assert 'href="/assets/raw"' in html and 'href="/assets/slow"' in html and 'href="/assets/broken"' in html
    html = client.get("/assets/raw").text
    assert "Raw rows &lt;b&gt;as delivered&lt;/b&gt;." in html
    assert "team:data" in html and "ui_pipeline.py:defs" in html
    assert 'id="materialize-button"' in html
    data = client.get("/api/assets/raw").json()["asset"]
    assert data["downstream"] == ["doubled"] and data["upstream"] == [] and data["group"] == "sales"
    assert {m["label"] for m in data["definition_metadata"]} == {"note", "docs", "home"}


def test_asset_page_shows_materialization_metadata_after_a_run(client: Any) -> None:
    launch(client, ["raw"])
    html = client.get("/assets/raw").text
    assert rows_of(html, "materialization") == 1
    assert "dagster/row_count" in html and 'href="https://storage.example.com/raw.csv"' in html
    assert '<code class="path">' in html  # where the filesystem I/O manager stored it
    assert "<th>id</th>" in html and "&lt;i&gt;one&lt;/i&gt;" in html  # table metadata
    latest = client.get("/api/assets/raw").json()["asset"]["latest"]
    labels = {m["label"]: m for m in latest["metadata"]}
    assert labels["dagster/row_count"]["number"] == 3 and labels["path"]["kind"] == "path"
    assert labels["table"]["table"]["rows"] == [["1", "<i>one</i>"]]


def test_user_strings_are_escaped_everywhere(client: Any) -> None:
    launch(client, ["raw"])
    for path in ("/assets/raw", f"/runs/{client.get('/api/runs').json()['runs'][0]['run_id']}"):
        html = client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(" in html
    html = client.get("/assets/raw").text
    assert "&lt;script&gt;alert(&#39;definition&#39;)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(&#39;materialized&#39;)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html and "javascript:alert(1)" in html  # shown, not linked
    # the page's only scripts are our own file
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/ui.js" defer>']


def test_unusual_asset_keys_round_trip_through_urls_and_are_escaped(client: Any, instance: Any) -> None:
    key = dg.AssetKey(["we ird", "<script>x</script>", "a/b"])
    store_materializations(instance, key, 2)
    catalog = client.get("/assets").text
    assert "/assets/we%20ird/%3Cscript%3Ex%3C%2Fscript%3E/a%2Fb" in catalog and "<script>x" not in catalog
    page = client.get("/assets/we%20ird/%3Cscript%3Ex%3C%2Fscript%3E/a%2Fb")
    assert page.status_code == 200 and rows_of(page.text, "materialization") == 2
    data = client.get("/api/assets/we%20ird/%3Cscript%3Ex%3C%2Fscript%3E/a%2Fb").json()["asset"]
    assert data["path"] == ["we ird", "<script>x</script>", "a/b"] and not data["is_defined"]


def test_unknown_asset_is_a_404_page_and_json_error(client: Any) -> None:
    response = client.get("/assets/nope")
    assert response.status_code == 404 and "No asset &#39;nope&#39;" in response.text
    response = client.get("/api/assets/nope")
    assert response.status_code == 404 and "nope" in response.json()["error"]


def test_history_is_paginated_newest_first_with_a_cursor(client: Any, instance: Any) -> None:
    store_materializations(instance, "raw", 60)
    first = client.get("/assets/raw").text
    assert rows_of(first, "materialization") == 25 and ">n</dt>" in first
    older = re.search(r'href="([^"]*cursor=[^"]*)" id="older"', first)
    assert older is not None
    second = client.get(older.group(1).replace("&amp;", "&")).text
    assert rows_of(second, "materialization") == 25 and "« Newest" in second
    page = client.get("/api/materializations/raw?limit=25").json()
    assert [r["metadata"][0]["number"] for r in page["records"]][:2] == [59, 58] and page["has_more"]
    seen = 25
    while page["has_more"]:
        page = client.get(f"/api/materializations/raw?limit=25&cursor={page['cursor']}").json()
        seen += len(page["records"])
    assert seen == 60 and page["records"][-1]["metadata"][0]["number"] == 0
    assert client.get("/api/materializations/raw?cursor=not-a-number").status_code == 400
    assert client.get("/api/materializations/raw?limit=abc").status_code == 400


def test_history_filters_by_partition_and_grid_shows_partition_status(client: Any, instance: Any) -> None:
    launch(client, ["regional"], partition="us")
    store_materializations(instance, "regional", 3, partition="eu")
    html = client.get("/assets/regional?partition=us").text
    assert rows_of(html, "materialization") == 1 and "of partition <code>us</code>" in html
    assert 'class="cell status-materialized selected"' in html and 'value="us"' in html
    grid = client.get("/api/partitions/regional").json()
    assert {p["key"]: p["status"] for p in grid["partitions"]} == {"eu": "materialized", "us": "materialized", "apac": "missing"}
    assert grid["total"] == 3 and grid["counts"] == {"materialized": 2, "missing": 1}
    assert client.get("/api/partitions/raw").status_code == 404


def test_numeric_metadata_is_plotted_over_time(client: Any, instance: Any) -> None:
    store_materializations(instance, "doubled", 5)
    html = client.get("/assets/doubled").text
    assert "Metadata over time" in html and html.count('class="chart-dot"') == 5
    points = re.search(r'<polyline class="chart-line" points="([^"]+)"', html)
    assert points is not None
    ys = [float(p.split(",")[1]) for p in points.group(1).split()]
    assert ys == sorted(ys, reverse=True)  # n grows, so the line climbs (SVG y points down)


# -- lineage -------------------------------------------------------------------------------------------
def test_graph_page_draws_group_bands_nodes_and_edges(client: Any) -> None:
    launch(client, ["raw", "doubled", "broken"])
    html = client.get("/graph").text
    assert html.count('class="edge"') == 3
    assert 'class="node status-materialized" data-key="raw"' in html
    assert 'class="node status-failed" data-key="broken"' in html
    assert ">sales</text>" in html and ">reports</text>" in html
    data = client.get("/api/graph").json()
    assert {(e["source"], e["target"]) for e in data["edges"]} == {("raw", "doubled"), ("doubled", "slow"), ("doubled", "broken")}
    nodes = {n["key"]: n for n in data["nodes"]}
    assert nodes["raw"]["x"] < nodes["doubled"]["x"] < nodes["slow"]["x"]
    assert [g["name"] for g in data["groups"]] == ["sales", "reports"]  # upstream group first
    assert client.get("/api/graph?group=sales").json()["groups"] == [data["groups"][0]]


# -- runs ----------------------------------------------------------------------------------------------
def test_launch_form_starts_a_run_recorded_like_a_cli_run(client: Any, instance: Any) -> None:
    token = client.app.state.csrf_token
    response = client.post("/launch", data={"assets": ["raw", "doubled"], "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    run_id = response.headers["location"].rsplit("/", 1)[1]
    assert client.app.state.workspace.launcher.wait(run_id, 30)
    run = instance.get_run_by_id(run_id)
    assert run.status.value == "SUCCESS"
    assert run.tags[CODE_POINTER_TAG].endswith("ui_pipeline.py:defs") and run.tags[LAUNCHED_BY_TAG] == "ui"
    assert {k.to_user_string() for k in run.asset_selection} == {"raw", "doubled"}
    origin = instance.get_asset_origin(dg.AssetKey("doubled"))
    assert origin is not None and origin.code_pointer == run.tags[CODE_POINTER_TAG]
    html = client.get(f"/runs/{run_id}").text
    assert "status-success" in html and 'data-finished="1"' in html and rows_of(html, "event type-asset_materialization") == 2
    assert '<g class="step status-success" data-step="raw">' in html


def test_launch_requires_the_csrf_token_and_same_origin(client: Any) -> None:
    token = client.app.state.csrf_token
    assert client.post("/launch", data={"assets": ["raw"]}).status_code == 403
    assert client.post("/launch", data={"assets": ["raw"], "csrf_token": "guess"}).status_code == 403
    assert client.post("/api/runs", json={"assets": ["raw"]}).status_code == 403
    response = client.post("/api/runs", json={"assets": ["raw"]}, headers={"X-CSRF-Token": token, "Origin": "http://evil.example"})
    assert response.status_code == 403 and "Cross-origin" in response.json()["error"]
    assert client.get("/launch").status_code == 405
    assert client.app.state.workspace.launcher.active_run_ids == []
    assert client.get("/api/runs").json()["runs"] == []


def test_invalid_launches_are_refused_with_a_message(client: Any) -> None:
    headers = {"X-CSRF-Token": client.app.state.csrf_token}
    cases = [
        ({"assets": []}, "at least one asset"),
        ({"assets": ["nope"]}, "'nope' is not defined"),
        ({"assets": ["regional"]}, "choose a partition"),
        ({"assets": ["regional"], "partition": "mars"}, "'mars' is not a partition"),
        ({"assets": ["raw"], "partition": "eu"}, "none of the selected assets is partitioned"),
        ({"assets": "raw"}, "must be a list"),
    ]
    for body, message in cases:
        response = client.post("/api/runs", json=body, headers=headers)
        assert response.status_code == 400 and message in response.json()["error"], (body, response.text)
    response = client.post("/api/runs", content=b"{not json", headers=headers)
    assert response.status_code == 400
    page = client.post("/launch", data={"assets": ["nope"], "csrf_token": client.app.state.csrf_token})
    assert page.status_code == 400 and "is not defined" in page.text


def test_failed_run_shows_errors_with_stack_traces(client: Any) -> None:
    run_id = launch(client, ["raw", "doubled", "broken"])
    html = client.get(f"/runs/{run_id}").text
    assert "status-failure" in html and 'id="errors"' in html
    assert "ValueError: the source is down" in html and "Stack trace" in html and "raise ValueError" in html
    data = client.get(f"/api/runs/{run_id}").json()
    assert data["run"]["status"] == "FAILURE"
    assert any("the source is down" in (e["message"] + str(e.get("cause"))) for e in data["errors"])
    steps = {s["step_key"]: s["status"] for s in data["steps"]}
    assert steps == {"raw": "success", "doubled": "success", "broken": "failure"}
    assert {r["key"]: r["status"] for r in client.get("/api/assets").json()["assets"]}["broken"] == "failed"


def test_a_launch_that_fails_before_starting_shows_why(client: Any) -> None:
    run_id = launch(client, ["needs_warehouse"])
    html = client.get(f"/runs/{run_id}").text
    assert "could not start" in html and "resource with key &#39;warehouse&#39;" in html and "Stack trace" in html
    data = client.get(f"/api/runs/{run_id}").json()
    assert data["run"]["status"] == "FAILURE" and data["progress"]["launch_error"] is not None


def test_runs_page_lists_runs_and_filters_by_status(client: Any) -> None:
    good = launch(client, ["raw"])
    bad = launch(client, ["raw", "doubled", "broken"])
    html = client.get("/runs").text
    assert f'data-run-id="{good}"' in html and f'data-run-id="{bad}"' in html
    html = client.get("/runs?status=failure").text
    assert f'data-run-id="{bad}"' in html and f'data-run-id="{good}"' not in html
    runs = client.get("/api/runs?status=SUCCESS").json()["runs"]
    assert [r["run_id"] for r in runs] == [good] and runs[0]["tags"][LAUNCHED_BY_TAG] == "ui"
    assert client.get("/api/runs?limit=1").json()["runs"][0]["run_id"] == bad
    assert client.get("/runs?status=bogus").status_code == 400
    assert client.get("/api/runs?status=bogus").status_code == 400


def test_run_events_api_returns_only_events_after_the_cursor(client: Any) -> None:
    run_id = launch(client, ["raw"])
    everything = client.get(f"/api/runs/{run_id}/events").json()
    types = [e["type"] for e in everything["events"]]
    assert types[0] == "RUN_START" and types[-1] == "RUN_SUCCESS" and "ASSET_MATERIALIZATION" in types
    middle = everything["events"][2]["id"]
    rest = client.get(f"/api/runs/{run_id}/events?after={middle}").json()
    assert [e["id"] for e in rest["events"]] == [e["id"] for e in everything["events"][3:]]
    assert rest["cursor"] == everything["cursor"] == everything["events"][-1]["id"]
    assert client.get(f"/api/runs/{run_id}/events?after={rest['cursor']}").json()["events"] == []


def test_run_timeline_fragment_and_unknown_runs(client: Any) -> None:
    run_id = launch(client, ["raw", "doubled"])
    fragment = client.get(f"/runs/{run_id}/timeline").text
    assert "<html" not in fragment and fragment.count('<g class="step status-success"') == 2
    assert client.get("/runs/no-such-run").status_code == 404
    assert client.get("/api/runs/no-such-run").json()["error"].startswith("No run 'no-such-run'")
    assert client.get("/api/runs/no-such-run/events").status_code == 404


# -- API index, static files, security ----------------------------------------------------------------
def test_api_index_documents_the_endpoints(client: Any) -> None:
    data = client.get("/api").json()
    assert data["read_only"] is False and data["code_pointer"].endswith("ui_pipeline.py:defs")
    assert "POST /api/runs" in data["endpoints"]


def test_static_files_and_security_headers(client: Any) -> None:
    js = client.get("/static/ui.js")
    assert js.status_code == 200 and "textContent" in js.text
    assert client.get("/static/ui.css").status_code == 200
    headers = client.get("/assets").headers
    assert "script-src 'self'" in headers["content-security-policy"] and headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"


def test_host_header_is_checked_when_allowed_hosts_are_given(instance: Any, location: Any) -> None:
    from starlette.testclient import TestClient

    from dockyard.ui import create_app
    from dockyard.ui.server import allowed_hosts_for

    app = create_app(instance, location.definitions, location.code_pointer, allowed_hosts=allowed_hosts_for("127.0.0.1"))
    assert TestClient(app, base_url="http://127.0.0.1:3000").get("/api").status_code == 200
    assert TestClient(app, base_url="http://localhost:3000").get("/api").status_code == 200
    response = TestClient(app, base_url="http://attacker.example").get("/api")
    assert response.status_code == 400 and "Host not allowed" in response.text


def test_read_only_ui_shows_the_instance_and_refuses_launches(instance: Any, tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from dockyard.ui import create_app

    store_materializations(instance, ["warehouse", "orders"], 3)
    store_materializations(instance, "daily", 2, partition="2024-01-01")
    client = TestClient(create_app(instance))
    html = client.get("/assets").text
    assert 'data-key="warehouse/orders"' in html and "read-only" in html and 'name="assets"' not in html
    assert "Materialize" not in client.get("/assets/warehouse/orders").text
    assert "needs the definitions" in client.get("/graph").text
    assert client.get("/api/graph").status_code == 404
    response = client.post("/api/runs", json={"assets": ["warehouse/orders"]}, headers={"X-CSRF-Token": client.app.state.csrf_token})
    assert response.status_code == 403 and "read-only" in response.json()["error"]
    rows = {r["key"]: r for r in client.get("/api/assets").json()["assets"]}
    assert rows["daily"]["partitions_filled"] == 1 and rows["warehouse/orders"]["status"] == "materialized"
    grid = client.get("/api/partitions/daily").json()
    assert grid["partitions"] == [{"key": "2024-01-01", "status": "materialized", "timestamp": grid["partitions"][0]["timestamp"]}]
    assert client.get("/api").json()["read_only"] is True


@pytest.mark.parametrize("path", ["/assets", "/graph", "/runs"])
def test_empty_instance_pages_render(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200 and "<main>" in response.text
