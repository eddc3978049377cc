"""The UI's pure helpers: URLs for keys, metadata display, the lineage layout, charts, the step
timeline, request checks and the server socket."""

from __future__ import annotations

import math

import pytest

import dockyard as dg
from dockyard.defs.keys import AssetKey
from dockyard.errors import DagsterInvariantViolationError
from dockyard.instance.events import DagsterEvent, DagsterEventType, EventLogEntry
from dockyard.ui.charts import HEIGHT, PAD, WIDTH, numeric_charts
from dockyard.ui.graph import NODE_WIDTH, layout_graph
from dockyard.ui.links import asset_url, key_from_path, key_path, run_url
from dockyard.ui.metadata import location_of, metadata_entries, metadata_entry
from dockyard.ui.runs import step_timeline
from dockyard.ui.security import host_allowed, host_name, is_loopback, origin_allowed, token_matches
from dockyard.ui.server import allowed_hosts_for, bind_socket, url_of


@pytest.mark.parametrize("parts", [["raw"], ["raw", "orders"], ["we ird", "<b>", "a/b", "100%", "ü?#"]])
def test_asset_key_survives_the_url_round_trip(parts: list[str]) -> None:
    key = AssetKey(parts)
    url = asset_url(key)
    assert url.startswith("/assets/") and "<" not in url and " " not in url
    assert key_from_path(url.encode(), "/assets/", "") == key
    assert key_from_path(None, "/assets/", "/".join(parts)) == AssetKey("/".join(parts).split("/"))
    assert key_path(key).count("/") == len(parts) - 1


def test_asset_url_and_run_url_quote_and_add_query() -> None:
    assert asset_url(AssetKey("a"), partition="2024-01-01", cursor=None) == "/assets/a?partition=2024-01-01"
    assert run_url("id/with slash") == "/runs/id%2Fwith%20slash"


def test_metadata_entries_have_kinds_text_and_only_safe_links() -> None:
    entries = {e.label: e for e in metadata_entries({
        "n": 3, "ratio": 0.25, "flag": True, "nan": float("nan"), "none": None, "text": "<b>hi</b>",
        "path": dg.MetadataValue.path("/data/x.parquet"), "web": dg.MetadataValue.url("https://x.example/a"),
        "evil": dg.MetadataValue.url("javascript:alert(1)"), "json": {"a": [1, 2]},
        "upstream": dg.MetadataValue.asset(AssetKey(["raw", "orders"])), "run": dg.MetadataValue.dagster_run("abc"),
        "when": dg.MetadataValue.timestamp(0.0), "md": dg.MetadataValue.md("# t"),
        "schema": dg.TableSchema([dg.TableColumn("id", "int", "the id")]),
        "table": dg.MetadataValue.table([dg.TableRecord({"a": 1}), dg.TableRecord({"a": 2, "b": None})]),
    })}
    assert (entries["n"].kind, entries["n"].number, entries["n"].text) == ("int", 3.0, "3")
    assert entries["ratio"].number == 0.25 and entries["flag"].kind == "bool" and entries["flag"].number is None
    assert entries["nan"].kind == "float" and entries["nan"].number is None
    assert entries["none"].kind == "null" and entries["text"].text == "<b>hi</b>"  # escaping is the template's job
    assert entries["web"].href == "https://x.example/a" and entries["evil"].href is None
    assert entries["upstream"].href == "/assets/raw/orders" and entries["run"].href == "/runs/abc"
    assert '"a": [' in entries["json"].text and entries["md"].kind == "md"
    assert entries["schema"].table is not None and entries["schema"].table.rows == [["id", "int", "the id"]]
    table = entries["table"].table
    assert table is not None and table.columns == ["a", "b"] and table.rows == [["1", ""], ["2", ""]]
    assert location_of(list(entries.values())) is entries["path"]
    assert metadata_entry("odd", object()).kind == "text"
    assert len(metadata_entry("long", "x" * 10_000).text) <= 2_000


def test_layout_puts_each_asset_right_of_its_upstream_and_groups_in_bands() -> None:
    a, b, c, d, e = (AssetKey(x) for x in "abcde")
    upstream = {b: {a}, c: {a}, d: {b, c}, e: set()}
    groups = {a: "ingest", b: "ingest", c: "ingest", d: "report", e: "report"}
    layout = layout_graph([a, b, c, e, d], upstream, groups, {a: "materialized"})
    nodes = {n.key: n for n in layout.nodes}
    assert nodes[a].x < nodes[b].x == nodes[c].x < nodes[d].x and nodes[e].x == nodes[a].x
    assert nodes[b].y != nodes[c].y and nodes[a].status == "materialized" and nodes[d].status == "missing"
    bands = {g.name: g for g in layout.groups}
    assert [g.name for g in layout.groups] == ["ingest", "report"]
    for node in layout.nodes:
        band = bands[node.group]
        assert band.y <= node.y and node.y + node.height <= band.y + band.height
        assert node.x + node.width <= layout.width and band.y + band.height <= layout.height
    assert len(layout.edges) == 4
    for edge in layout.edges:
        assert edge.path.startswith(f"M{nodes[edge.source].x + NODE_WIDTH},")


def test_layout_of_nothing_and_long_labels() -> None:
    assert layout_graph([], {}, {}, {}).nodes == []
    key = AssetKey(["a" * 40, "table"])
    node = layout_graph([key], {}, {key: "g"}, {}).nodes[0]
    assert len(node.label) <= 24 and node.label.endswith("table") and node.full_label == key.to_user_string()


def test_numeric_charts_scale_points_into_the_box() -> None:
    def entries(**values: object) -> list:
        return metadata_entries(values)

    samples = [(100.0, entries(rows=10, path="/x")), (200.0, entries(rows=30)), (400.0, entries(rows=20, ratio=0.5))]
    charts = {c.label: c for c in numeric_charts(samples)}
    assert set(charts) == {"rows", "ratio"}
    rows = charts["rows"]
    assert (rows.low, rows.high, rows.last, rows.count) == ("10", "30", "20", 3)
    xs = [p.x for p in rows.points]
    ys = [p.y for p in rows.points]
    assert xs[0] == PAD and xs[-1] == WIDTH - PAD and xs[0] < xs[1] < xs[2]
    assert ys[1] == PAD and ys[0] == HEIGHT - PAD  # highest value at the top
    assert charts["ratio"].points[0].y == HEIGHT / 2  # a single value sits in the middle
    same_time = numeric_charts([(5.0, entries(n=1)), (5.0, entries(n=2)), (5.0, entries(n=3))])[0]
    assert [p.x for p in same_time.points] == sorted({p.x for p in same_time.points})
    assert all(math.isfinite(p.y) for p in same_time.points)


def _event(kind: DagsterEventType, step: str | None, ts: float) -> EventLogEntry:
    return EventLogEntry("r", DagsterEvent(kind.value, "job", step), timestamp=ts)


def test_step_timeline_bars_follow_step_events_and_running_steps() -> None:
    entries = [
        _event(DagsterEventType.RUN_START, None, 10.0),
        _event(DagsterEventType.STEP_START, "a", 10.0), _event(DagsterEventType.STEP_SUCCESS, "a", 11.0),
        _event(DagsterEventType.STEP_START, "b", 11.0), _event(DagsterEventType.STEP_FAILURE, "b", 12.0),
    ]
    timeline = step_timeline(entries, running=[("c", 12.0)], now=14.0)
    bars = {b.step_key: b for b in timeline.bars}
    assert [b.status for b in timeline.bars] == ["success", "failure", "running"]
    assert bars["a"].x < bars["b"].x < bars["c"].x and bars["a"].duration == 1.0 and bars["c"].end is None
    assert timeline.span == 4.0 and bars["c"].x + bars["c"].width <= timeline.width
    assert step_timeline([]).bars == []


def test_request_checks() -> None:
    assert host_name("127.0.0.1:3000") == "127.0.0.1" and host_name("[::1]:3000") == "::1" and host_name("LocalHost") == "localhost"
    loopback = allowed_hosts_for("127.0.0.1")
    assert host_allowed("localhost:3000", loopback) and host_allowed("[::1]:80", loopback)
    assert not host_allowed("evil.example:3000", loopback) and not host_allowed(None, loopback)
    assert host_allowed("anything", None) and allowed_hosts_for("0.0.0.0") is None
    assert is_loopback("127.0.0.2") and is_loopback("::1") and not is_loopback("0.0.0.0") and not is_loopback("example.com")
    assert origin_allowed(None, "127.0.0.1:3000") and origin_allowed("http://127.0.0.1:3000", "127.0.0.1:3000")
    assert not origin_allowed("http://evil.example", "127.0.0.1:3000") and not origin_allowed("null", "127.0.0.1:3000")
    assert token_matches("abc", "abc") and not token_matches("abc", "abd") and not token_matches("abc", None)


def test_server_socket_picks_a_free_port_and_explains_a_busy_one() -> None:
    sock = bind_socket("127.0.0.1", 0)
    try:
        url = url_of(sock)
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
        port = sock.getsockname()[1]
        with pytest.raises(DagsterInvariantViolationError, match=f"Cannot listen on 127.0.0.1:{port}.*--port"):
            bind_socket("127.0.0.1", port)  # a listening socket holds it, SO_REUSEADDR or not
    finally:
        sock.close()
