"""Asset selections: ``AssetSelection`` objects and the string form used by jobs and the CLI.

String syntax: ``key`` or ``a/b`` (a key), ``*`` (all), ``group:name``, ``+key`` (the key and its
direct upstream; ``++key`` two levels, ``*key`` all upstream), ``key+`` / ``key*`` likewise
downstream, and comma-separated lists of these.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from dockyard.defs.keys import AssetKey
from dockyard.errors import DagsterInvalidDefinitionError

if TYPE_CHECKING:
    from dockyard.defs.asset_graph import AssetLayer


class AssetSelection:
    """A composable selection of assets, resolved against an asset graph."""

    def __init__(self, kind: str, payload: Any = None, children: tuple[AssetSelection, ...] = ()) -> None:
        self.kind = kind
        self.payload = payload
        self.children = children

    @staticmethod
    def all() -> AssetSelection:
        return AssetSelection("all")

    @staticmethod
    def keys(*keys: Any) -> AssetSelection:
        return AssetSelection("keys", tuple(AssetKey.from_coercible(k) for k in keys))

    @staticmethod
    def assets(*defs: Any) -> AssetSelection:
        from dockyard.defs.asset_graph import keys_of

        return AssetSelection("keys", tuple(keys_of(defs)))

    @staticmethod
    def groups(*names: str) -> AssetSelection:
        return AssetSelection("groups", tuple(names))

    @staticmethod
    def key_prefixes(*prefixes: Any) -> AssetSelection:
        return AssetSelection("prefixes", tuple(tuple([p] if isinstance(p, str) else p) for p in prefixes))

    def upstream(self, depth: int | None = None) -> AssetSelection:
        return AssetSelection("upstream", depth, (self,))

    def downstream(self, depth: int | None = None) -> AssetSelection:
        return AssetSelection("downstream", depth, (self,))

    def __or__(self, other: AssetSelection) -> AssetSelection:
        return AssetSelection("or", None, (self, other))

    def __and__(self, other: AssetSelection) -> AssetSelection:
        return AssetSelection("and", None, (self, other))

    def __sub__(self, other: AssetSelection) -> AssetSelection:
        return AssetSelection("sub", None, (self, other))

    def resolve(self, layer: AssetLayer) -> set[AssetKey]:
        k = self.kind
        if k == "all":
            return set(layer.materializable_keys)
        if k == "keys":
            for key in self.payload:
                layer.node(key)
            return set(self.payload)
        if k == "groups":
            return {n.key for n in layer.nodes.values() if n.group_name in self.payload and n.is_materializable}
        if k == "prefixes":
            return {key for key in layer.materializable_keys if any(key.has_prefix(p) for p in self.payload)}
        if k in ("upstream", "downstream"):
            base = self.children[0].resolve(layer)
            return _walk(layer, base, self.payload, upstream=(k == "upstream"))
        a, b = (c.resolve(layer) for c in self.children)
        if k == "or":
            return a | b
        if k == "and":
            return a & b
        return a - b


def _walk(layer: AssetLayer, base: set[AssetKey], depth: int | None, upstream: bool) -> set[AssetKey]:
    down = None if upstream else layer.downstream_map()
    seen = set(base)
    frontier = set(base)
    level = 0
    while frontier and (depth is None or level < depth):
        nxt: set[AssetKey] = set()
        for key in frontier:
            neighbours = layer.upstream_keys(key) if upstream else (down or {}).get(key, set())
            nxt.update(n for n in neighbours if n in layer.nodes and n not in seen)
        seen |= nxt
        frontier = nxt
        level += 1
    return seen


def parse_selection_string(text: str) -> AssetSelection:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise DagsterInvalidDefinitionError(f"Empty asset selection {text!r}.")
    sel: AssetSelection | None = None
    for part in parts:
        one = _parse_one(part)
        sel = one if sel is None else sel | one
    assert sel is not None
    return sel


def _parse_one(part: str) -> AssetSelection:
    if part == "*":
        return AssetSelection.all()
    if part.startswith("group:"):
        return AssetSelection.groups(part[len("group:"):])
    up: int | None = 0
    down: int | None = 0
    body = part
    if body.startswith("*"):
        up, body = None, body[1:]
    else:
        n = len(body) - len(body.lstrip("+"))
        up, body = n, body[n:]
    if body.endswith("*"):
        down, body = None, body[:-1]
    else:
        n = len(body) - len(body.rstrip("+"))
        down, body = n, body[: len(body) - n]
    if not body:
        raise DagsterInvalidDefinitionError(f"Cannot parse asset selection {part!r}.")
    sel = AssetSelection.keys(AssetKey.from_user_string(body))
    result = sel
    if up != 0:
        result = result | sel.upstream(up)
    if down != 0:
        result = result | sel.downstream(down)
    return result


def resolve_selection(layer: AssetLayer, selection: Any) -> set[AssetKey]:
    """Resolve any accepted selection form to a set of asset keys."""
    if isinstance(selection, AssetSelection):
        return selection.resolve(layer)
    if isinstance(selection, str):
        return parse_selection_string(selection).resolve(layer)
    if isinstance(selection, AssetKey):
        layer.node(selection)
        return {selection}
    if isinstance(selection, Iterable):
        out: set[AssetKey] = set()
        for item in selection:
            if isinstance(item, str) and ("," in item or item.startswith(("group:", "+", "*")) or item.endswith(("+", "*"))):
                out |= parse_selection_string(item).resolve(layer)
            else:
                from dockyard.defs.asset_graph import keys_of

                for key in keys_of([item]):
                    layer.node(key)
                    out.add(key)
        return out
    raise DagsterInvalidDefinitionError(
        f"Cannot use {selection!r} as an asset selection. Pass an AssetSelection, a selection "
        "string ('group:x', '+key', 'a,b'), asset keys or asset definitions."
    )
