"""The ASGI app: ``create_app(instance, definitions=None)`` wires pages, the JSON API, static
files and the request checks of ``dockyard.ui.security`` together.

Handlers are plain functions, so Starlette runs them in its thread pool: instance reads are
blocking SQLite calls and must not stall the event loop. Templates are Jinja2 with autoescape
on for every file and ``StrictUndefined`` (a typo in a template fails loudly in tests).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from typing import Any

from dockyard.ui.security import SECURITY_HEADERS, host_allowed, new_token
from dockyard.ui.workspace import Workspace

HERE = os.path.dirname(os.path.abspath(__file__))


def _template_env() -> Any:
    import jinja2

    from dockyard.ui import links
    from dockyard.ui.metadata import format_timestamp

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.join(HERE, "templates")),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["ts"] = format_timestamp
    env.filters["duration"] = format_duration
    env.filters["asset_url"] = links.asset_url
    env.filters["run_url"] = links.run_url
    env.filters["short_id"] = lambda run_id: str(run_id)[:8]
    env.filters["key"] = lambda key: key.to_user_string()
    env.globals["with_query"] = links.with_query
    return env


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m {secs:02d}s"


class SecurityMiddleware:
    """Refuses requests whose ``Host`` is not allowed; adds the security headers to responses."""

    def __init__(self, app: Any, allowed_hosts: Iterable[str] | None = None) -> None:
        self.app = app
        self.allowed_hosts = list(allowed_hosts) if allowed_hosts is not None else None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from starlette.datastructures import Headers, MutableHeaders
        from starlette.responses import PlainTextResponse

        if not host_allowed(Headers(scope=scope).get("host"), self.allowed_hosts):
            allowed = ", ".join(self.allowed_hosts or [])
            response = PlainTextResponse(f"Host not allowed. This server answers to: {allowed}.", status_code=400)
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    instance: Any,
    definitions: Any = None,
    code_pointer: str | None = None,
    *,
    allowed_hosts: Iterable[str] | None = None,
    csrf_token: str | None = None,
) -> Any:
    """The Starlette app serving the UI.

    Args:
        instance: The ``DagsterInstance`` to show (and launch runs into).
        definitions: The code location's ``Definitions``; ``None`` makes the UI read-only.
        code_pointer: Where ``definitions`` came from, recorded on launched runs.
        allowed_hosts: Host names the server answers to (``None``: any; ``serve`` passes the
            loopback names when it binds a loopback address).
        csrf_token: The token POSTs must carry (default: a new random one).
    """
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from dockyard.ui import api, pages

    routes = [
        Route("/", pages.home),
        Route("/assets", pages.catalog),
        Route("/assets/{key:path}", pages.asset),
        Route("/graph", pages.graph),
        Route("/runs", pages.runs),
        Route("/runs/{run_id}", pages.run),
        Route("/runs/{run_id}/timeline", pages.run_timeline),
        Route("/launch", pages.launch, methods=["POST"]),
        Route("/api", api.index),
        Route("/api/assets", api.assets),
        Route("/api/assets/{key:path}", api.asset),
        Route("/api/materializations/{key:path}", api.materializations),
        Route("/api/partitions/{key:path}", api.partitions),
        Route("/api/graph", api.graph),
        Route("/api/runs", api.runs, methods=["GET"]),
        Route("/api/runs", api.launch, methods=["POST"]),
        Route("/api/runs/{run_id}", api.run),
        Route("/api/runs/{run_id}/events", api.run_events),
        Mount("/static", StaticFiles(directory=os.path.join(HERE, "static")), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityMiddleware, allowed_hosts=allowed_hosts)],
        exception_handlers={HTTPException: pages.http_error_handler},  # type: ignore[dict-item]
    )
    app.state.workspace = Workspace(instance, definitions, code_pointer)
    app.state.templates = _template_env()
    app.state.csrf_token = csrf_token or new_token()
    app.state.started = time.time()
    return app
