"""URL paths of the UI's pages, and asset keys read back from them.

An asset key's parts are percent-encoded one by one and joined with ``/``, so any part (even one
holding ``/``, ``<`` or spaces) survives the round trip: ``key_from_path`` splits the *raw* request
path before decoding it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote, urlencode

from dockyard.defs.keys import AssetKey


def key_path(key: AssetKey) -> str:
    """``raw/orders`` with each part percent-encoded."""
    return "/".join(quote(part, safe="") for part in key.parts)


def asset_url(key: AssetKey, **query: Any) -> str:
    return "/assets/" + key_path(key) + _query(query)


def run_url(run_id: str) -> str:
    return "/runs/" + quote(run_id, safe="")


def with_query(path: str, query: Mapping[str, Any]) -> str:
    return path + _query(query)


def _query(query: Mapping[str, Any]) -> str:
    pairs = {k: v for k, v in query.items() if v is not None and v != ""}
    return "?" + urlencode(pairs) if pairs else ""


def key_from_path(raw_path: bytes | str | None, prefix: str, fallback: str) -> AssetKey:
    """The asset key in a request path below ``prefix`` (``/assets/``).

    Args:
        raw_path: The undecoded path (ASGI ``raw_path``); ``None`` when the server gives none.
        prefix: The route prefix ending in ``/``.
        fallback: The decoded path parameter, used when ``raw_path`` is missing.
    """
    if raw_path is not None:
        text = raw_path.decode("latin-1") if isinstance(raw_path, bytes) else raw_path
        text = text.split("?", 1)[0]
        if text.startswith(prefix):
            parts = [unquote(p) for p in text[len(prefix):].strip("/").split("/")]
            return AssetKey(parts)
    return AssetKey(fallback.strip("/").split("/"))
