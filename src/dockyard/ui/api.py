"""The JSON API under ``/api`` (the run page polls it; scripts can use it too).

All responses are JSON; errors are ``{"error": "<message>"}`` with a 4xx status. Asset keys in
paths are their parts, each percent-encoded, joined by ``/`` (``/api/assets/raw/orders``);
in bodies and responses they are user strings (``"raw/orders"``). Times are Unix seconds.

=======  ==================================  =====================================================
GET      /api                                this list, and whether the server is read-only
GET      /api/assets?q=&group=               catalog rows: key, group, io_manager_key, status,
                                             last_materialized, last_run_id, partitions_filled/total
GET      /api/assets/{key}                   one asset: description, definition metadata, upstream,
                                             downstream, latest materialization, status
GET      /api/materializations/{key}         history page, newest first: ``limit`` (default 25,
         ?limit=&cursor=&partition=          max 500), ``cursor`` from the previous page,
                                             ``partition`` to filter -> records, cursor, has_more
GET      /api/partitions/{key}               partition status grid: partitions [{key, status}],
                                             total, counts; 404 when the asset is not partitioned
GET      /api/graph?group=                   lineage with layout: nodes (key, group, status, x, y),
                                             edges (source, target), groups (name, y, height)
GET      /api/runs?status=&limit=            runs, newest first (default 50)
POST     /api/runs                           launch: body ``{"assets": ["a", "b/c"], "partition":
                                             null}``, header ``X-CSRF-Token`` -> 202 {run_id, url};
                                             400 with a message when the launch is invalid, 403
                                             without the token or in read-only mode
GET      /api/runs/{run_id}                  run, live progress, steps (timeline), errors
GET      /api/runs/{run_id}/events?after=ID  events stored after storage id ``after`` (default 0),
                                             with the run's status and progress -> events, cursor
=======  ==================================  =====================================================

The CSRF token is in every page's ``<meta name="csrf-token">``.
"""

from __future__ import annotations

import json
from typing import Any

from dockyard.ui import assets as asset_views
from dockyard.ui.links import asset_url, run_url
from dockyard.ui.pages import (
    MAX_RUNS_PAGE,
    RUNS_PAGE,
    asset_key,
    found,
    history_param,
    http_error,
    int_param,
    launch_run,
    require_csrf,
    run_details,
    status_param,
    workspace,
)
from dockyard.ui.runs import event_view, run_view

MAX_BODY_BYTES = 1_000_000
ENDPOINTS = [
    "GET /api", "GET /api/assets", "GET /api/assets/{key}", "GET /api/materializations/{key}",
    "GET /api/partitions/{key}", "GET /api/graph", "GET /api/runs", "POST /api/runs",
    "GET /api/runs/{run_id}", "GET /api/runs/{run_id}/events",
]


def _json(data: Any, status_code: int = 200) -> Any:
    from starlette.responses import JSONResponse

    return JSONResponse(data, status_code=status_code)


def index(request: Any) -> Any:
    ws = workspace(request)
    return _json({"read_only": ws.is_read_only, "code_pointer": ws.code_pointer,
                  "instance": ws.instance.root_directory, "endpoints": ENDPOINTS})


def assets(request: Any) -> Any:
    ws = workspace(request)
    rows = asset_views.catalog_rows(ws, request.query_params.get("q"), request.query_params.get("group") or None)
    return _json({"assets": [r.to_json() for r in rows], "read_only": ws.is_read_only})


def asset(request: Any) -> Any:
    ws = workspace(request)
    key = asset_key(request, "/api/assets/")
    detail = found(asset_views.asset_detail(ws, key), f"No asset {key.to_user_string()!r}.")
    return _json({"asset": detail.to_json(), "url": asset_url(key)})


def materializations(request: Any) -> Any:
    ws = workspace(request)
    key = asset_key(request, "/api/materializations/")
    page, _limit = history_param(request, ws, key, request.query_params.get("partition") or None)
    return _json({"asset": key.to_user_string(), **page.to_json()})


def partitions(request: Any) -> Any:
    ws = workspace(request)
    key = asset_key(request, "/api/partitions/")
    grid = found(asset_views.partition_grid(ws, key), f"Asset {key.to_user_string()!r} is not partitioned (or unknown).")
    return _json({"asset": key.to_user_string(), **grid.to_json()})


def graph(request: Any) -> Any:
    ws = workspace(request)
    if ws.layer is None:
        raise http_error(404, "Lineage needs definitions: start the UI with `dockyard dev -f FILE`.")
    layout = asset_views.lineage(ws, request.query_params.get("group") or None)
    return _json({
        "nodes": [{"key": n.key.to_user_string(), "group": n.group, "status": n.status, "x": n.x, "y": n.y,
                   "width": n.width, "height": n.height, "url": asset_url(n.key)} for n in layout.nodes],
        "edges": [{"source": e.source.to_user_string(), "target": e.target.to_user_string()} for e in layout.edges],
        "groups": [{"name": g.name, "y": g.y, "height": g.height} for g in layout.groups],
        "width": layout.width, "height": layout.height,
    })


def runs(request: Any) -> Any:
    ws = workspace(request)
    limit = int_param(request, "limit", RUNS_PAGE, 1, MAX_RUNS_PAGE)
    found = ws.instance.get_runs(limit=limit, status=status_param(request))
    return _json({"runs": [{**run_view(r).to_json(), "url": run_url(r.run_id)} for r in found]})


def run(request: Any) -> Any:
    ws = workspace(request)
    view, entries, state, timeline = run_details(ws, request.path_params["run_id"])
    events = [event_view(e) for e in entries]
    return _json({
        "run": view.to_json(),
        "progress": state.to_json() if state is not None else None,
        "steps": [{"step_key": b.step_key, "status": b.status, "start": b.start, "end": b.end} for b in timeline.bars],
        "errors": [{"step_key": e.step_key, "type": e.event_type, **(e.error.to_json() if e.error else {})} for e in events if e.error],
    })


def run_events(request: Any) -> Any:
    ws = workspace(request)
    after = int_param(request, "after", 0, 0, 2**62)
    view, entries, state, _ = run_details(ws, request.path_params["run_id"])
    new = [event_view(e) for e in entries if (e.storage_id or 0) > after]
    cursor = max([after, *(e.storage_id for e in new)])
    return _json({
        "run": view.to_json(), "progress": state.to_json() if state is not None else None,
        "events": [e.to_json() for e in new], "cursor": cursor,
    })


async def launch(request: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    require_csrf(request, None)
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise http_error(413, "Request body too large.")
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise http_error(400, 'Body must be JSON: {"assets": ["key", ...], "partition": null}.') from None
    names = data.get("assets") if isinstance(data, dict) else None
    partition = data.get("partition") if isinstance(data, dict) else None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise http_error(400, f'"assets" must be a list of asset keys like "raw/orders", got {names!r}.')
    if partition is not None and not isinstance(partition, str):
        raise http_error(400, f'"partition" must be a string or null, got {partition!r}.')
    run_id = await run_in_threadpool(launch_run, workspace(request), names, partition)
    return _json({"run_id": run_id, "url": run_url(run_id)}, status_code=202)
