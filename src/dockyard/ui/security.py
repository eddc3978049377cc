"""Request checks: CSRF tokens for state-changing requests, allowed Host names, response headers.

The server makes one random token at start. Pages carry it (a hidden form field and a
``<meta name="csrf-token">``); a POST must send it back as the ``csrf_token`` form field or the
``X-CSRF-Token`` header. Another site cannot read our pages, so it cannot learn the token. A
DNS-rebinding page *could* read them through its own host name, which is why a loopback server
also checks the ``Host`` header against loopback names. POSTs with an ``Origin`` of another
host are refused as well. Responses carry a Content-Security-Policy that allows only our own
script and stylesheet, so even a missed escape could not run injected script.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(host_header: str) -> str:
    """``127.0.0.1`` from ``127.0.0.1:3000``, ``::1`` from ``[::1]:3000``."""
    host_header = host_header.strip().lower()
    if host_header.startswith("["):
        return host_header[1:].split("]", 1)[0]
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


def host_allowed(host_header: str | None, allowed: Iterable[str] | None) -> bool:
    """Whether a ``Host`` header names one of ``allowed`` (``None`` allows any)."""
    if allowed is None:
        return True
    return host_header is not None and host_name(host_header) in {h.lower() for h in allowed}


def origin_allowed(origin: str | None, host_header: str | None) -> bool:
    """A POST's ``Origin`` (when the browser sends one) must be this server."""
    if not origin:
        return True
    if origin == "null":  # sandboxed frames and file:// pages
        return False
    parts = urlsplit(origin)
    return host_header is not None and parts.netloc.lower() == host_header.strip().lower()
