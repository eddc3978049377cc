"""dockyard's local web UI: the asset catalog, lineage, asset details with metadata history,
runs with live event logs, and launching materializations.

``dockyard dev -f FILE`` serves it for a code location (launching enabled); ``dockyard ui``
serves a read-only view of the instance at ``$DOCKYARD_HOME``. From Python::

    from dockyard.ui import create_app, serve
    app = create_app(DagsterInstance.get(), defs, code_pointer="pipeline.py:defs")
    serve(app, host="127.0.0.1", port=3000)

It needs the ``ui`` extra (``pip install 'dockyard[ui]'``: starlette, jinja2, uvicorn); nothing
here is imported by ``import dockyard``. Pages, the JSON API and the security model are described
in ``README.md`` next to this file and in ``dockyard.ui.api``.

Modules: ``app`` (the ASGI app and middleware), ``pages`` and ``api`` (request handlers),
``assets`` and ``runs`` (what pages show, read from the instance), ``launcher`` (runs in
background threads, live progress), ``graph`` (lineage layout), ``charts`` (numeric metadata
plots), ``metadata`` (metadata display values), ``links`` (URLs), ``security`` (CSRF, hosts),
``server`` (uvicorn), ``workspace`` (the instance and definitions being served).
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "serve"]


def create_app(instance: Any, definitions: Any = None, code_pointer: str | None = None, **kwargs: Any) -> Any:
    """The Starlette app; see ``dockyard.ui.app.create_app``."""
    from dockyard._internal.imports import require_extra

    for module in ("starlette", "jinja2"):
        require_extra(module, "ui")
    from dockyard.ui.app import create_app as create

    return create(instance, definitions, code_pointer, **kwargs)


def serve(app: Any, host: str = "127.0.0.1", port: int = 3000, **kwargs: Any) -> None:
    """Serve ``app`` until interrupted; see ``dockyard.ui.server.serve``."""
    from dockyard.ui.server import serve as run

    run(app, host, port, **kwargs)
