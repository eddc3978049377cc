"""The HTML pages (server-rendered; ``static/ui.js`` adds live run updates and small conveniences).

Every page reads through the same functions as the JSON API (``dockyard.ui.assets`` and
``dockyard.ui.runs``), so what a page shows and what ``/api`` returns agree.
"""

from __future__ import annotations

import time
from typing import Any, TypeVar
from urllib.parse import parse_qs

from dockyard.defs.keys import AssetKey
from dockyard.errors import DagsterError
from dockyard.instance.runs import DagsterRunStatus
from dockyard.ui import assets as asset_views
from dockyard.ui.links import asset_url, key_from_path, run_url
from dockyard.ui.runs import RunView, event_view, run_view, step_timeline
from dockyard.ui.security import CSRF_FIELD, CSRF_HEADER, origin_allowed, token_matches
from dockyard.ui.workspace import Workspace

RUNS_PAGE = 50
MAX_RUNS_PAGE = 1_000
MAX_FORM_BYTES = 1_000_000

T = TypeVar("T")


# -- shared request helpers (the API uses them too) ---------------------------------------------------
def workspace(request: Any) -> Workspace:
    return request.app.state.workspace  # type: ignore[no-any-return]


def http_error(status: int, detail: str) -> Exception:
    from starlette.exceptions import HTTPException

    return HTTPException(status_code=status, detail=detail)


def int_param(request: Any, name: str, default: int, low: int, high: int) -> int:
    text = request.query_params.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise http_error(400, f"Query parameter {name!r} must be a whole number, got {text!r}.") from None
    return max(low, min(value, high))


def asset_key(request: Any, prefix: str) -> AssetKey:
    return key_from_path(request.scope.get("raw_path"), prefix, request.path_params["key"])


def found(value: T | None, message: str) -> T:
    """``value``; a 404 with ``message`` when it is ``None``."""
    if value is None:
        raise http_error(404, message)
    return value


def history_param(request: Any, ws: Workspace, key: AssetKey, partition: str | None) -> tuple[asset_views.HistoryPage, int]:
    """The page of history the ``cursor`` and ``limit`` parameters ask for, and the limit (a
    400 for a bad cursor)."""
    limit = int_param(request, "limit", asset_views.HISTORY_PAGE, 1, asset_views.MAX_HISTORY_PAGE)
    try:
        return asset_views.history_page(ws, key, request.query_params.get("cursor"), limit, partition), limit
    except ValueError as exc:
        raise http_error(400, str(exc)) from exc


def status_param(request: Any) -> DagsterRunStatus | None:
    text = (request.query_params.get("status") or "").upper()
    if not text:
        return None
    try:
        return DagsterRunStatus(text)
    except ValueError:
        valid = ", ".join(s.value for s in DagsterRunStatus)
        raise http_error(400, f"Unknown run status {text!r}. Valid statuses: {valid}.") from None


def require_csrf(request: Any, given: str | None) -> None:
    """Refuse a state-changing request without the server's token or from another origin."""
    if not origin_allowed(request.headers.get("origin"), request.headers.get("host")):
        raise http_error(403, "Cross-origin request refused: launch runs from the UI's own pages.")
    token = given or request.headers.get(CSRF_HEADER)
    if not token_matches(request.app.state.csrf_token, token):
        raise http_error(403, "Missing or wrong CSRF token: reload the page and try again.")


def require_launcher(ws: Workspace) -> Any:
    if ws.launcher is None:
        raise http_error(403, "This UI is read-only (`dockyard ui`). Start it with `dockyard dev -f FILE` to launch runs.")
    return ws.launcher


def launch_run(ws: Workspace, assets: list[str], partition: str | None) -> str:
    launcher = require_launcher(ws)
    try:
        return launcher.launch(assets, partition)  # type: ignore[no-any-return]
    except DagsterError as exc:
        raise http_error(400, str(exc)) from exc


def render(request: Any, template: str, status_code: int = 200, **context: Any) -> Any:
    from starlette.responses import HTMLResponse

    ws = workspace(request)
    context.setdefault("nav", "")
    html = request.app.state.templates.get_template(template).render(
        request=request, csrf_token=request.app.state.csrf_token, read_only=ws.is_read_only,
        code_pointer=ws.code_pointer, instance_home=ws.instance.root_directory, **context,
    )
    return HTMLResponse(html, status_code=status_code)


async def http_error_handler(request: Any, exc: Any) -> Any:
    from starlette.responses import JSONResponse

    if request.url.path.startswith("/api"):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
    return render(request, "error.html", status_code=exc.status_code, status=exc.status_code, message=exc.detail)


# -- pages ---------------------------------------------------------------------------------------------
def home(request: Any) -> Any:
    from starlette.responses import RedirectResponse

    return RedirectResponse("/assets", status_code=307)


def catalog(request: Any) -> Any:
    ws = workspace(request)
    query = request.query_params.get("q") or ""
    group = request.query_params.get("group") or ""
    rows = asset_views.catalog_rows(ws, query, group or None)
    return render(request, "catalog.html", nav="assets", rows=rows, query=query, group=group,
                  groups=asset_views.group_names(ws))


def asset(request: Any) -> Any:
    ws = workspace(request)
    key = asset_key(request, "/assets/")
    detail = found(
        asset_views.asset_detail(ws, key),
        f"No asset {key.to_user_string()!r}: it is not defined here and has no materializations.",
    )
    history, limit = history_param(request, ws, key, request.query_params.get("partition") or None)
    grid = asset_views.partition_grid(ws, key)
    return render(
        request, "asset.html", nav="assets", asset=detail, history=history, grid=grid,
        charts=asset_views.metadata_charts(ws, key), chart_window=asset_views.CHART_WINDOW, limit=limit,
        page_url=asset_url(key),
    )


def graph(request: Any) -> Any:
    ws = workspace(request)
    group = request.query_params.get("group") or ""
    layout = asset_views.lineage(ws, group or None) if ws.layer is not None else None
    return render(request, "graph.html", nav="graph", layout=layout, group=group, groups=asset_views.group_names(ws))


def runs(request: Any) -> Any:
    ws = workspace(request)
    status = status_param(request)
    limit = int_param(request, "limit", RUNS_PAGE, 1, MAX_RUNS_PAGE)
    found = [run_view(r) for r in ws.instance.get_runs(limit=limit, status=status)]
    return render(request, "runs.html", nav="runs", runs=found, status=status.value if status else "", limit=limit,
                  statuses=[s.value for s in DagsterRunStatus], more=len(found) == limit)


def run_details(ws: Workspace, run_id: str) -> tuple[RunView, list[Any], Any, Any]:
    """The run (or the launcher's placeholder), its stored events, its launch state, its timeline."""
    stored = ws.instance.get_run_by_id(run_id)
    state = ws.launcher.state(run_id) if ws.launcher is not None else None
    if stored is None and state is None:
        raise http_error(404, f"No run {run_id!r} in the instance at {ws.instance.root_directory}.")
    if stored is not None:
        view = run_view(stored)
        entries = ws.instance.all_logs(run_id)
    else:
        assert state is not None
        status = "FAILURE" if state.error is not None else "STARTING"
        view = RunView(run_id, "__ASSET_JOB", status, state.launched, time.time() if state.done else None,
                       state.partition, list(state.assets), {})
        entries = []
    timeline = step_timeline(entries, state.running_steps if state is not None and not view.is_finished else ())
    return view, entries, state, timeline


def run(request: Any) -> Any:
    ws = workspace(request)
    view, entries, state, timeline = run_details(ws, request.path_params["run_id"])
    events = [event_view(e) for e in entries]
    cursor = entries[-1].storage_id if entries else 0
    return render(request, "run.html", nav="runs", run=view, events=events, state=state, timeline=timeline,
                  failures=[e for e in events if e.error is not None], cursor=cursor or 0)


def run_timeline(request: Any) -> Any:
    """The step timeline alone (an HTML fragment the run page swaps in while the run goes on)."""
    ws = workspace(request)
    _, _, _, timeline = run_details(ws, request.path_params["run_id"])
    return render(request, "_timeline.html", timeline=timeline)


async def launch(request: Any) -> Any:
    """The launch form: ``assets`` (repeated), ``partition``, ``csrf_token``; redirects to the run."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import RedirectResponse

    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise http_error(413, "Form too large.")
    form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    require_csrf(request, (form.get(CSRF_FIELD) or [None])[0])
    ws = workspace(request)
    partition = (form.get("partition") or [""])[0]
    run_id = await run_in_threadpool(launch_run, ws, form.get("assets") or [], partition)
    return RedirectResponse(run_url(run_id), status_code=303)
