"""Serving the app with uvicorn on a socket we bind ourselves, so ``--port 0`` works and the URL
printed is the real one (with the port the OS picked)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from dockyard.errors import DagsterInvariantViolationError
from dockyard.ui.security import LOOPBACK_HOSTS, is_loopback


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``port`` 0: any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # connections queue from now on, so the URL can be announced before serving
    except OSError as exc:
        sock.close()
        raise DagsterInvariantViolationError(
            f"Cannot listen on {host}:{port}: {exc.strerror}. Pick another port with --port (0 picks a free one)."
        ) from exc
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def allowed_hosts_for(host: str) -> list[str] | None:
    """Loopback names for a loopback bind (defeats DNS rebinding); any host otherwise."""
    return [*LOOPBACK_HOSTS, host] if is_loopback(host) else None


def serve(
    app: Any,
    host: str = "127.0.0.1",
    port: int = 3000,
    *,
    announce: Callable[[str], None] | None = None,
    log_level: str = "warning",
    access_log: bool = False,
) -> None:
    """Serve ``app`` on ``host:port`` until interrupted (Ctrl+C), then return.

    Args:
        app: The ASGI app (``create_app(...)``).
        host: The address to bind; loopback by default.
        port: The port; 0 picks a free one.
        announce: Called with the URL once the socket is bound, before serving.
        log_level: uvicorn's log level.
        access_log: Log every request.
    """
    import uvicorn

    sock = bind_socket(host, port)
    try:
        config = uvicorn.Config(app, log_level=log_level, access_log=access_log, lifespan="off")
        server = uvicorn.Server(config)
        if announce is not None:
            announce(url_of(sock))
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:  # uvicorn re-raises the Ctrl+C it handled: a normal stop here
            pass
    finally:
        sock.close()
