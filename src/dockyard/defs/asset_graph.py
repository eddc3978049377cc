"""The asset graph: every asset known to a set of definitions, who produces it, what it reads,
and how it is stored. Built once per ``Definitions`` (or ``materialize`` call), then shared."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dockyard.defs.asset import AssetsDefinition, AssetSpec, SourceAsset
from dockyard.defs.keys import AssetKey
from dockyard.defs.op import DEFAULT_IO_MANAGER_KEY, OutputDefinition
from dockyard.errors import DagsterInvalidDefinitionError


@dataclass(frozen=True, slots=True)
class AssetNode:
    """What the engine needs to know about one asset key."""

    key: AssetKey
    spec: AssetSpec | SourceAsset
    assets_def: AssetsDefinition | None  # None for external assets (specs, source assets)
    output_name: str
    io_manager_key: str
    partitions_def: Any
    output_def: OutputDefinition | None

    @property
    def is_materializable(self) -> bool:
        return self.assets_def is not None

    @property
    def metadata(self) -> dict[str, Any]:
        return self.spec.metadata

    @property
    def group_name(self) -> str:
        return getattr(self.spec, "group_name", None) or "default"

    @property
    def op_name(self) -> str | None:
        return self.assets_def.node_def.name if self.assets_def else None


def _user_str(key: AssetKey) -> str:
    return key.to_user_string()


class AssetLayer:
    """All assets of a code location, indexed by key."""

    def __init__(self, assets: Iterable[Any]) -> None:
        self.assets_defs: list[AssetsDefinition] = []
        self.nodes: dict[AssetKey, AssetNode] = {}
        self.resource_defs: dict[str, Any] = {}
        externals: list[AssetSpec | SourceAsset] = []
        for a in assets:
            if isinstance(a, AssetsDefinition):
                self.assets_defs.append(a)
            elif isinstance(a, (AssetSpec, SourceAsset)):
                externals.append(a)
            elif isinstance(a, (list, tuple)):
                raise DagsterInvalidDefinitionError(
                    f"assets contains a nested {type(a).__name__}; unpack it with *."
                )
            else:
                raise DagsterInvalidDefinitionError(
                    f"Cannot use {a!r} as an asset. Pass @asset / @multi_asset definitions, "
                    "AssetSpec or SourceAsset objects."
                )
        op_names: dict[str, AssetsDefinition] = {}
        for ad in self.assets_defs:
            other = op_names.get(ad.node_def.name)
            if other is not None and other is not ad:
                shared = sorted(set(ad.keys) & set(other.keys))
                if shared:  # the real mistake is the key, which also gives the op name
                    raise DagsterInvalidDefinitionError(
                        f"Duplicate asset key: asset key {_user_str(shared[0])!r} is defined more than "
                        "once. Each asset key must have a single definition; rename one of them "
                        "(name=..., key=... or key_prefix=...)."
                    )
                raise DagsterInvalidDefinitionError(
                    f"Two asset definitions share the op name {ad.node_def.name!r}; rename one "
                    "(name=... or key_prefix=...)."
                )
            op_names[ad.node_def.name] = ad
            self.resource_defs.update(ad.resource_defs)
            for out_name, key in ad.keys_by_output_name.items():
                if key not in ad.selected_keys:
                    continue
                if key in self.nodes:
                    raise DagsterInvalidDefinitionError(
                        f"Asset key {_user_str(key)!r} is defined more than once (by op "
                        f"{self.nodes[key].op_name!r} and op {ad.node_def.name!r}). Each asset key "
                        "must have a single definition; rename one of them."
                    )
                out_def = ad.node_def.output_defs[out_name]
                self.nodes[key] = AssetNode(
                    key, ad.specs_by_key[key], ad, out_name, out_def.io_manager_key, ad.partitions_def, out_def
                )
        for ext in externals:
            if ext.key in self.nodes:
                if self.nodes[ext.key].is_materializable:
                    continue  # a materializable definition wins over a spec of the same key
                raise DagsterInvalidDefinitionError(
                    f"Asset key {_user_str(ext.key)!r} is given twice as a source/external asset."
                )
            if isinstance(ext, SourceAsset):
                self.resource_defs.update(ext.resource_defs)
                im_key = ext.io_manager_key
            else:
                im_key = ext.io_manager_key
            self.nodes[ext.key] = AssetNode(ext.key, ext, None, "result", im_key, ext.partitions_def, None)
        self._resolve_short_keys()
        self._check_inputs()
        self._order = self._toposort()

    def _resolve_short_keys(self) -> None:
        """Like Dagster, a one-part upstream key that names no asset (``def mid(src)`` while
        ``src`` has a ``key_prefix``) means the one asset of the reading asset's group whose key
        ends with that name. Several or none such assets: left as is (reported as unknown)."""
        by_name: dict[str, list[AssetKey]] = {}
        for key in self.nodes:
            by_name.setdefault(key.parts[-1], []).append(key)

        def resolve(key: AssetKey, group: str) -> AssetKey:
            if key in self.nodes or len(key.parts) != 1:
                return key
            found = [k for k in by_name.get(key.parts[0], ()) if self.nodes[k].group_name == group]
            return found[0] if len(found) == 1 else key

        for i, ad in enumerate(self.assets_defs):
            specs = list(ad.specs_by_key.values())
            group = (specs[0].group_name if specs else None) or "default"
            ins = {n: resolve(k, group) for n, k in ad.keys_by_input_name.items()}
            deps = {k: tuple(resolve(d, group) for d in s.deps) for k, s in ad.specs_by_key.items()}
            if ins == ad.keys_by_input_name and all(deps[k] == s.deps for k, s in ad.specs_by_key.items()):
                continue
            renamed = {k: ins[n] for n, k in ad.keys_by_input_name.items()}
            clone = object.__new__(AssetsDefinition)
            clone.__dict__.update(ad.__dict__)
            clone.keys_by_input_name = ins
            clone.partition_mappings = {renamed.get(k, k): m for k, m in ad.partition_mappings.items()}
            clone.specs_by_key = {
                k: s if deps[k] == s.deps else s.replace_attributes(deps=deps[k]) for k, s in ad.specs_by_key.items()
            }
            self.assets_defs[i] = clone
            for key, node in list(self.nodes.items()):
                if node.assets_def is ad:
                    self.nodes[key] = AssetNode(
                        key, clone.specs_by_key[key], clone, node.output_name, node.io_manager_key,
                        node.partitions_def, node.output_def,
                    )

    def _check_inputs(self) -> None:
        for ad in self.assets_defs:
            for in_name, key in ad.keys_by_input_name.items():
                if key not in self.nodes and key not in ad.keys_by_output_name.values():
                    known = ", ".join(repr(_user_str(k)) for k in sorted(self.nodes)[:10])
                    raise DagsterInvalidDefinitionError(
                        f"Input asset {_user_str(key)!r} for asset op {ad.node_def.name!r} (input "
                        f"{in_name!r}) is not produced by any of the provided asset ops and is not one "
                        f"of the provided sources. Known assets: {known}. Add its definition (or an "
                        "AssetSpec / SourceAsset for it), or point the input at an existing key with "
                        "AssetIn(key=...)."
                    )

    def upstream_keys(self, key: AssetKey) -> set[AssetKey]:
        node = self.nodes[key]
        if node.assets_def is None:
            return set(getattr(node.spec, "deps", ()) or ())
        ad = node.assets_def
        return set(ad.keys_by_input_name.values()) | set(ad.specs_by_key[key].deps)

    def _toposort(self) -> list[AssetKey]:
        """Keys in dependency order (an asset after everything it reads). Raises on cycles."""
        # Work at the level of assets definitions: one op runs once for all its keys.
        state: dict[AssetKey, int] = {}
        order: list[AssetKey] = []
        for start in self.nodes:
            if start in state:
                continue
            stack: list[tuple[AssetKey, Any]] = [(start, None)]
            while stack:
                key, it = stack[-1]
                if it is None:
                    if state.get(key) == 2:
                        stack.pop()
                        continue
                    state[key] = 1
                    deps = [d for d in self._op_level_upstream(key) if d in self.nodes]
                    it = iter(deps)
                    stack[-1] = (key, it)
                nxt = next(it, None)
                if nxt is None:
                    state[key] = 2
                    order.append(key)
                    stack.pop()
                elif state.get(nxt) == 1:
                    cycle = [k for k, _ in stack] + [nxt]
                    path = " -> ".join(repr(_user_str(k)) for k in cycle[cycle.index(nxt):])
                    raise DagsterInvalidDefinitionError(
                        f"The assets form a cycle: {path}. Break it by removing one of these dependencies."
                    )
                elif state.get(nxt) != 2:
                    stack.append((nxt, None))
        return order

    def _op_level_upstream(self, key: AssetKey) -> set[AssetKey]:
        node = self.nodes[key]
        ups = self.upstream_keys(key)
        if node.assets_def is not None:
            # Self-dependencies (partition mapped to an earlier partition) are not ordering edges.
            ups = {u for u in ups if u not in node.assets_def.keys_by_output_name.values()}
        return ups

    @property
    def toposorted_keys(self) -> list[AssetKey]:
        return self._order

    @property
    def materializable_keys(self) -> list[AssetKey]:
        return [k for k in self._order if self.nodes[k].is_materializable]

    def node(self, key: AssetKey) -> AssetNode:
        try:
            return self.nodes[key]
        except KeyError:
            raise DagsterInvalidDefinitionError(
                f"Asset key {_user_str(key)!r} is not defined. Defined keys: "
                f"{[_user_str(k) for k in sorted(self.nodes)][:20]}."
            ) from None

    def downstream_map(self) -> dict[AssetKey, set[AssetKey]]:
        out: dict[AssetKey, set[AssetKey]] = {k: set() for k in self.nodes}
        for k in self.nodes:
            for u in self.upstream_keys(k):
                if u in out:
                    out[u].add(k)
        return out


def coerce_selection_keys(layer: AssetLayer, selection: Any) -> list[AssetKey]:
    """Resolve a selection (None = all, keys, definitions, strings like ``group:x``, ``+key``,
    ``key+``, comma lists) to materializable keys in dependency order."""
    if selection is None:
        return layer.materializable_keys
    from dockyard.defs.selection import resolve_selection

    chosen = resolve_selection(layer, selection)
    return [k for k in layer.materializable_keys if k in chosen]


def keys_of(items: Sequence[Any] | Mapping[Any, Any]) -> list[AssetKey]:
    out: list[AssetKey] = []
    for it in items:
        if isinstance(it, AssetsDefinition):
            out.extend(it.keys)
        elif isinstance(it, (AssetSpec, SourceAsset)):
            out.append(it.key)
        else:
            out.append(AssetKey.from_coercible(it))
    return out


__all__ = ["DEFAULT_IO_MANAGER_KEY", "AssetLayer", "AssetNode", "coerce_selection_keys", "keys_of"]
