"""Asset selections: ``AssetSelection`` objects and the string form used by jobs and the CLI.

String syntax: ``key`` or ``a/b`` (a key), ``*`` (all), ``group:name``, ``+key`` (the key and its
direct upstream; ``++key`` two levels, ``*key`` all upstream), ``key+`` / ``key*`` likewise
downstream, and comma-separated lists of these.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from dockyard.defs.keys import AssetKey
from dockyard.errors import DagsterInvalidDefinitionError

if TYPE_CHECKING:
    from dockyard.defs.asset_graph import AssetLayer


class AssetSelection:
    """A composable selection of assets, resolved against an asset graph."""

    __slots__ = ("_op", "children", "payload")

    def __init__(self, kind: str, payload: Any = None, children: tuple[AssetSelection, ...] = ()) -> None:
        self._op = kind
        self.payload = payload
        self.children = children

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, AssetSelection)
            and (self._op, self.payload, self.children) == (other._op, other.payload, other.children)
        )

    def __hash__(self) -> int:
        return hash((self._op, self.payload, self.children))

    def __repr__(self) -> str:
        inner = ", ".join([repr(self.payload)] * (self.payload is not None) + [repr(c) for c in self.children])
        return f"AssetSelection.{self._op}({inner})"

    # -- leaves ---------------------------------------------------------------------------------

    @staticmethod
    def all(include_sources: bool = False) -> AssetSelection:
        return AssetSelection("all", include_sources)

    @staticmethod
    def keys(*keys: Any) -> AssetSelection:
        return AssetSelection("keys", tuple(AssetKey.from_coercible(k) for k in keys))

    @staticmethod
    def assets(*defs: Any) -> AssetSelection:
        from dockyard.defs.asset_graph import keys_of

        return AssetSelection("keys", tuple(keys_of(defs)))

    @staticmethod
    def groups(*names: str, include_sources: bool = False) -> AssetSelection:
        return AssetSelection("groups", (tuple(names), include_sources))

    @staticmethod
    def key_prefixes(*prefixes: Any, include_sources: bool = False) -> AssetSelection:
        return AssetSelection(
            "prefixes", (tuple(tuple([p] if isinstance(p, str) else p) for p in prefixes), include_sources)
        )

    @staticmethod
    def key_substring(key_substring: str, include_sources: bool = False) -> AssetSelection:
        return AssetSelection("substring", (key_substring, include_sources))

    @staticmethod
    def tag(key: str, value: str, include_sources: bool = False) -> AssetSelection:
        return AssetSelection("tag", (key, value, include_sources))

    @staticmethod
    def kind(kind: str | None, include_sources: bool = False) -> AssetSelection:
        return AssetSelection("kind", (kind, include_sources))

    @staticmethod
    def owner(owner: str | None, include_sources: bool = False) -> AssetSelection:
        return AssetSelection("owner", (owner, include_sources))

    @staticmethod
    def from_string(string: str, include_sources: bool = False) -> AssetSelection:
        """Parse a selection string: the legacy ``+key*`` / ``group:x`` forms or the
        ``key:a and not group:g``, ``2+key:a+``, ``sinks(...)`` grammar."""
        return parse_selection_string(string)

    @staticmethod
    def from_coercible(selection: Any) -> AssetSelection:
        if isinstance(selection, AssetSelection):
            return selection
        if isinstance(selection, str):
            return parse_selection_string(selection)
        from dockyard.defs.asset_graph import keys_of

        return AssetSelection("keys", tuple(keys_of(list(selection))))

    # -- combinators ----------------------------------------------------------------------------

    def upstream(self, depth: int | None = None, include_self: bool = True) -> AssetSelection:
        return AssetSelection("upstream", (depth, include_self), (self,))

    def downstream(self, depth: int | None = None, include_self: bool = True) -> AssetSelection:
        return AssetSelection("downstream", (depth, include_self), (self,))

    def sinks(self) -> AssetSelection:
        return AssetSelection("sinks", None, (self,))

    def roots(self) -> AssetSelection:
        return AssetSelection("roots", None, (self,))

    def sources(self) -> AssetSelection:
        return self.roots()

    def materializable(self) -> AssetSelection:
        return AssetSelection("materializable", None, (self,))

    def upstream_source_assets(self) -> AssetSelection:
        return AssetSelection("source_parents", None, (self,))

    def required_multi_asset_neighbors(self) -> AssetSelection:
        return AssetSelection("multi_neighbors", None, (self,))

    def without_checks(self) -> AssetSelection:
        return self

    def __or__(self, other: AssetSelection) -> AssetSelection:
        return AssetSelection("or", None, (self, other))

    def __and__(self, other: AssetSelection) -> AssetSelection:
        return AssetSelection("and", None, (self, other))

    def __sub__(self, other: AssetSelection) -> AssetSelection:
        return AssetSelection("sub", None, (self, other))

    # -- resolution -----------------------------------------------------------------------------

    def resolve(self, all_assets: Any, allow_missing: bool = False) -> set[AssetKey]:
        """The selected keys in ``all_assets`` (an asset graph, or a list of asset definitions)."""
        from dockyard.defs.asset_graph import AssetLayer

        layer = all_assets if isinstance(all_assets, AssetLayer) else AssetLayer(list(all_assets))
        return self._resolve(layer, allow_missing)

    def _resolve(self, layer: AssetLayer, allow_missing: bool = False) -> set[AssetKey]:
        k = self._op
        p = self.payload
        if k == "all":
            return set(layer.nodes) if p else set(layer.materializable_keys)
        if k == "keys":
            if allow_missing:
                return {key for key in p if key in layer.nodes}
            for key in p:
                layer.node(key)
            return set(p)
        if k in _LEAF_TESTS:
            test = _LEAF_TESTS[k]
            return {n.key for n in layer.nodes.values() if (p[-1] or n.is_materializable) and test(n, p)}
        if k == "wildcard":
            rx = re.compile("^" + ".*".join(re.escape(part) for part in p.split("*")) + "$")
            return {n.key for n in layer.nodes.values() if rx.match(n.key.to_user_string())}
        if k == "not":
            return set(layer.materializable_keys) - self.children[0]._resolve(layer, allow_missing)
        base = self.children[0]._resolve(layer, allow_missing)
        if k in ("upstream", "downstream"):
            depth, include_self = p
            out = {
                key
                for key in _walk(layer, base, depth, upstream=(k == "upstream"))
                # Like Dagster: upstream never selects external assets; downstream keeps the base.
                if layer.nodes[key].is_materializable or (k == "downstream" and key in base)
            }
            return out if include_self else out - base
        if k == "sinks":
            down = layer.downstream_map()
            return {key for key in base if not (down.get(key, set()) & base)}
        if k == "roots":
            return {key for key in base if not (layer.upstream_keys(key) & base)} if base else set()
        if k == "materializable":
            return {key for key in base if layer.nodes[key].is_materializable}
        if k == "source_parents":
            return {
                u
                for key in base
                for u in layer.upstream_keys(key)
                if u in layer.nodes and not layer.nodes[u].is_materializable
            }
        if k == "multi_neighbors":
            out = set(base)
            for key in base:
                ad = layer.nodes[key].assets_def
                if ad is not None and not getattr(ad, "can_subset", False):
                    out.update(ad.keys)
            return out
        other = self.children[1]._resolve(layer, allow_missing)
        if k == "or":
            return base | other
        if k == "and":
            return base & other
        return base - other


def _spec_attr(node: Any, name: str) -> Any:
    return getattr(node.spec, name, None) or ()


_LEAF_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "groups": lambda n, p: n.group_name in p[0],
    "prefixes": lambda n, p: any(n.key.has_prefix(pre) for pre in p[0]),
    "substring": lambda n, p: p[0] in n.key.to_user_string(),
    "tag": lambda n, p: p[0] in _spec_attr(n, "tags") and n.spec.tags[p[0]] == p[1],
    "kind": lambda n, p: p[0] in _spec_attr(n, "kinds") if p[0] is not None else not _spec_attr(n, "kinds"),
    "owner": lambda n, p: p[0] in _spec_attr(n, "owners") if p[0] is not None else not _spec_attr(n, "owners"),
}


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
    """Parse a selection string. Plain forms (``a``, ``+a``, ``*a``, ``a+``, ``a,b``, ``*``) use
    the legacy syntax; anything with ``attr:value``, parentheses or ``and``/``or``/``not`` uses
    the expression grammar (``key:a``, ``group:g``, ``tag:k=v``, ``kind:x``, ``owner:x``,
    ``2+key:a+``, ``sinks(...)``, ``roots(...)``)."""
    stripped = text.strip()
    if (stripped.startswith("group:") and not re.search(r"[\s()]", stripped)) or not re.search(r"[:()\s]", stripped):
        parts = [p.strip() for p in stripped.split(",") if p.strip()]
        if not parts:
            raise DagsterInvalidDefinitionError(f"Empty asset selection {text!r}.")
        sel: AssetSelection | None = None
        for part in parts:
            one = _parse_one(part)
            sel = one if sel is None else sel | one
        assert sel is not None
        return sel
    return _ExprParser(stripped).parse()


_TOKEN = re.compile(
    r'\s*(?:(?P<attr>[A-Za-z_]+):(?P<val>"[^"]*"|[^\s()"+]*)|(?P<num>\d+)|(?P<word>[A-Za-z_]+)|(?P<sym>[()+*]))'
)
_ATTRS = {"key", "key_substring", "group", "tag", "kind", "owner"}


class _ExprParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str, str]] = []
        pos = 0
        while pos < len(text):
            if not text[pos:].strip():
                break
            m = _TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                self._fail(f"unexpected text at {text[pos:]!r}")
            assert m is not None
            if m.group("attr"):
                val = m.group("val")
                self.tokens.append(("attr", m.group("attr"), val[1:-1] if val.startswith('"') else val))
            elif m.group("num"):
                self.tokens.append(("num", m.group("num"), ""))
            elif m.group("word"):
                self.tokens.append(("word", m.group("word").lower(), ""))
            else:
                self.tokens.append(("sym", m.group("sym"), ""))
            pos = m.end()
        self.i = 0

    def _fail(self, why: str) -> None:
        raise DagsterInvalidDefinitionError(
            f"Cannot parse asset selection {self.text!r}: {why}. Use forms like 'key:a', 'group:g', "
            "'tag:k=v', '+key:a', 'key:a+2', 'sinks(group:g)', combined with and / or / not and parentheses."
        )

    def _peek(self, offset: int = 0) -> tuple[str, str, str] | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def _take(self) -> tuple[str, str, str]:
        tok = self._peek()
        if tok is None:
            self._fail("unexpected end")
        assert tok is not None
        self.i += 1
        return tok

    def _is(self, kind: str, value: str, offset: int = 0) -> bool:
        tok = self._peek(offset)
        return tok is not None and tok[0] == kind and tok[1] == value

    def parse(self) -> AssetSelection:
        sel = self._or()
        if self._peek() is not None:
            self._fail(f"unexpected {self._peek()[1]!r}")  # type: ignore[index]
        return sel

    def _or(self) -> AssetSelection:
        sel = self._and()
        while self._is("word", "or"):
            self.i += 1
            sel = sel | self._and()
        return sel

    def _and(self) -> AssetSelection:
        sel = self._not()
        while self._is("word", "and"):
            self.i += 1
            sel = sel & self._not()
        return sel

    def _not(self) -> AssetSelection:
        if self._is("word", "not"):
            self.i += 1
            return AssetSelection("not", None, (self._not(),))
        return self._traversal()

    def _traversal(self) -> AssetSelection:
        up: int | bool | None = False
        if self._peek() is not None and self._peek()[0] == "num" and self._is("sym", "+", 1):  # type: ignore[index]
            up = int(self._take()[1])
            self.i += 1
        elif self._is("sym", "+"):
            self.i += 1
            up = None
        sel = self._primary()
        down: int | bool | None = False
        if self._is("sym", "+"):
            self.i += 1
            down = None
            tok = self._peek()
            if tok is not None and tok[0] == "num":
                down = int(tok[1])
                self.i += 1
        if up is not False:
            sel = sel.upstream(up if isinstance(up, int) else None)
        if down is not False:
            sel = sel.downstream(down if isinstance(down, int) else None)
        return sel

    def _primary(self) -> AssetSelection:
        kind, value, val = self._take()
        if kind == "sym" and value == "(":
            sel = self._or()
            if not self._is("sym", ")"):
                self._fail("missing ')'")
            self.i += 1
            return sel
        if kind == "sym" and value == "*":
            return AssetSelection.all()
        if kind == "word" and value in ("sinks", "roots") and self._is("sym", "("):
            self.i += 1
            inner = self._or()
            if not self._is("sym", ")"):
                self._fail("missing ')'")
            self.i += 1
            return inner.sinks() if value == "sinks" else inner.roots()
        if kind == "attr" and value in _ATTRS:
            if value == "key":
                if "*" in val:
                    return AssetSelection("wildcard", val)
                return AssetSelection("wildcard", AssetKey.from_user_string(val).to_user_string())
            if value == "key_substring":
                return AssetSelection.key_substring(val)
            if value == "group":
                return AssetSelection.groups(val)
            if value == "tag":
                k, _, v = val.partition("=")
                return AssetSelection.tag(k, v)
            if value == "kind":
                return AssetSelection.kind(val)
            return AssetSelection.owner(val)
        self._fail(f"unexpected {value + ':' + val if kind == 'attr' else value!r}")
        raise AssertionError  # unreachable


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
            if isinstance(item, str) and (
                re.search(r"[,:()\s]", item) or item.startswith(("+", "*")) or item.endswith(("+", "*"))
            ):
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
