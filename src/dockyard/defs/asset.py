"""Assets: ``@asset``, ``@multi_asset``, ``@graph_asset``, ``@graph_multi_asset``, ``AssetSpec``,
``SourceAsset`` and ``AssetsDefinition``.

An ``AssetsDefinition`` is an op (or a graph of ops) plus the asset keys its outputs write and its
inputs read. A graph-backed asset runs one step per op of its graph (``<node>.<op>``); only the ops
whose outputs the graph returns write assets, the others' outputs are ordinary op outputs.
``AssetSpec`` and ``SourceAsset`` describe assets produced elsewhere: they can be loaded (through
their I/O manager) but not materialized.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from dockyard.defs.graph import GraphDefinition, compose
from dockyard.defs.keys import AssetKey, CoercibleToAssetKey, coerce_key_prefix, key_from_coercible
from dockyard.defs.op import (
    DEFAULT_IO_MANAGER_KEY,
    In,
    InputDefinition,
    OpDefinition,
    OutputDefinition,
    build_input_defs,
)
from dockyard.defs.signature import analyze
from dockyard.defs.types import resolve_dagster_type
from dockyard.errors import DagsterInvalidDefinitionError

_UNSET: Any = inspect.Parameter.empty
IO_MANAGER_KEY_METADATA = "dagster/io_manager_key"


class AssetIn:
    """How an asset loads one upstream asset: its key, metadata, manager and partition mapping."""

    __slots__ = ("dagster_type", "input_manager_key", "key", "key_prefix", "metadata", "partition_mapping")

    def __init__(
        self,
        key: CoercibleToAssetKey | None = None,
        metadata: Mapping[str, Any] | None = None,
        key_prefix: str | Sequence[str] | None = None,
        input_manager_key: str | None = None,
        partition_mapping: Any = None,
        dagster_type: Any = _UNSET,
    ) -> None:
        if key is not None and key_prefix is not None:
            raise DagsterInvalidDefinitionError(
                f"AssetIn got both key={key!r} and key_prefix={key_prefix!r}; give one of them."
            )
        self.key = None if key is None else AssetKey.from_coercible(key)
        self.metadata = dict(metadata or {})
        self.key_prefix = coerce_key_prefix(key_prefix) if key_prefix is not None else None
        self.input_manager_key = input_manager_key
        self.partition_mapping = partition_mapping
        self.dagster_type = dagster_type


class AssetOut:
    """One output of a ``@multi_asset``: the asset it writes and how."""

    __slots__ = (
        "code_version",
        "dagster_type",
        "description",
        "group_name",
        "io_manager_key",
        "is_required",
        "key",
        "key_prefix",
        "kinds",
        "metadata",
        "owners",
        "tags",
    )

    def __init__(
        self,
        key_prefix: str | Sequence[str] | None = None,
        key: CoercibleToAssetKey | None = None,
        dagster_type: Any = _UNSET,
        description: str | None = None,
        is_required: bool = True,
        io_manager_key: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        group_name: str | None = None,
        code_version: str | None = None,
        owners: Sequence[str] | None = None,
        tags: Mapping[str, str] | None = None,
        kinds: Iterable[str] | None = None,
        **_ignored: Any,
    ) -> None:
        self.key_prefix = coerce_key_prefix(key_prefix) if key_prefix is not None else None
        self.key = None if key is None else AssetKey.from_coercible(key)
        self.dagster_type = dagster_type
        self.description = description
        self.is_required = is_required
        self.io_manager_key = io_manager_key
        self.metadata = dict(metadata or {})
        self.group_name = group_name
        self.code_version = code_version
        self.owners = list(owners or [])
        self.tags = dict(tags or {})
        self.kinds = set(kinds or ())


class AssetSpec:
    """The description of an asset: key, deps, metadata, group and partitions.

    In ``Definitions(assets=[...])`` a bare spec is an external asset: loadable through the I/O
    manager named by its ``dagster/io_manager_key`` metadata (default ``io_manager``).
    """

    __slots__ = (
        "code_version",
        "deps",
        "description",
        "group_name",
        "key",
        "kinds",
        "metadata",
        "owners",
        "partitions_def",
        "skippable",
        "tags",
    )

    def __init__(
        self,
        key: CoercibleToAssetKey,
        *,
        deps: Iterable[Any] | None = None,
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        skippable: bool = False,
        group_name: str | None = None,
        code_version: str | None = None,
        owners: Sequence[str] | None = None,
        tags: Mapping[str, str] | None = None,
        kinds: Iterable[str] | None = None,
        partitions_def: Any = None,
        **_ignored: Any,
    ) -> None:
        self.key = AssetKey.from_coercible(key)
        self.deps = tuple(_dep_key(d) for d in (deps or ()))
        self.description = description
        self.metadata = dict(metadata or {})
        self.skippable = skippable
        self.group_name = group_name
        self.code_version = code_version
        self.owners = list(owners or [])
        self.tags = dict(tags or {})
        self.kinds = set(kinds or ())
        self.partitions_def = partitions_def

    def replace_attributes(self, **changes: Any) -> AssetSpec:
        kwargs = {s: getattr(self, s) for s in self.__slots__}
        kwargs.update(changes)
        key = kwargs.pop("key")
        return AssetSpec(key, **kwargs)

    def merge_attributes(self, *, metadata: Mapping[str, Any] | None = None, tags: Mapping[str, str] | None = None, **_: Any) -> AssetSpec:
        return self.replace_attributes(metadata={**self.metadata, **(metadata or {})}, tags={**self.tags, **(tags or {})})

    def with_io_manager_key(self, io_manager_key: str) -> AssetSpec:
        return self.merge_attributes(metadata={IO_MANAGER_KEY_METADATA: io_manager_key})

    @property
    def io_manager_key(self) -> str:
        return str(self.metadata.get(IO_MANAGER_KEY_METADATA, DEFAULT_IO_MANAGER_KEY))

    def __repr__(self) -> str:
        return f"AssetSpec(key={self.key!r})"


def _dep_key(dep: Any) -> AssetKey:
    if isinstance(dep, AssetsDefinition):
        if len(dep.keys) != 1:
            raise DagsterInvalidDefinitionError(
                f"deps got a multi-asset definition with keys {sorted(k.to_user_string() for k in dep.keys)}; "
                "list the individual keys instead."
            )
        return next(iter(dep.keys))
    dep_obj = getattr(dep, "asset_key", None)
    if isinstance(dep_obj, AssetKey):
        return dep_obj
    return key_from_coercible(dep)


class SourceAsset:
    """An asset produced outside this code, loadable through its I/O manager."""

    def __init__(
        self,
        key: CoercibleToAssetKey,
        metadata: Mapping[str, Any] | None = None,
        io_manager_key: str | None = None,
        io_manager_def: Any = None,
        description: str | None = None,
        partitions_def: Any = None,
        group_name: str | None = None,
        resource_defs: Mapping[str, Any] | None = None,
        **_ignored: Any,
    ) -> None:
        self.key = AssetKey.from_coercible(key)
        self.metadata = dict(metadata or {})
        self.io_manager_def = io_manager_def
        if io_manager_def is not None and io_manager_key is None:
            io_manager_key = f"{self.key.to_python_identifier()}__io_manager"
        self.io_manager_key = io_manager_key or DEFAULT_IO_MANAGER_KEY
        self.description = description
        self.partitions_def = partitions_def
        self.group_name = group_name or "default"
        self.resource_defs = dict(resource_defs or {})
        if io_manager_def is not None:
            self.resource_defs[self.io_manager_key] = io_manager_def

    @property
    def op(self) -> None:
        return None

    def __repr__(self) -> str:
        return f"SourceAsset(key={self.key!r})"


class AssetsDefinition:
    """An op (or graph) whose outputs are assets. Built by ``@asset``, ``@multi_asset``,
    ``@graph_asset``, ``@graph_multi_asset`` and ``AssetsDefinition.from_graph``."""

    def __init__(
        self,
        node_def: OpDefinition | GraphDefinition,
        keys_by_output_name: Mapping[str, AssetKey],
        keys_by_input_name: Mapping[str, AssetKey],
        specs_by_key: Mapping[AssetKey, AssetSpec],
        partitions_def: Any = None,
        partition_mappings: Mapping[AssetKey, Any] | None = None,
        resource_defs: Mapping[str, Any] | None = None,
        can_subset: bool = False,
        selected_keys: Iterable[AssetKey] | None = None,
    ) -> None:
        self.node_def = node_def
        self.keys_by_output_name = dict(keys_by_output_name)
        self.keys_by_input_name = dict(keys_by_input_name)
        self.specs_by_key = dict(specs_by_key)
        self.partitions_def = partitions_def
        self.partition_mappings = dict(partition_mappings or {})
        self.resource_defs = dict(resource_defs or {})
        self.can_subset = can_subset
        self.output_names_by_key = {k: o for o, k in self.keys_by_output_name.items()}
        self.selected_keys = frozenset(selected_keys) if selected_keys is not None else frozenset(self.keys_by_output_name.values())

    # -- Dagster-compatible accessors ---------------------------------------------------------
    @property
    def op(self) -> Any:
        """The op (for a graph-backed asset: its graph)."""
        return self.node_def

    @property
    def is_graph_backed(self) -> bool:
        return isinstance(self.node_def, GraphDefinition)

    @classmethod
    def from_graph(
        cls,
        graph_def: GraphDefinition,
        *,
        keys_by_input_name: Mapping[str, AssetKey] | None = None,
        keys_by_output_name: Mapping[str, AssetKey] | None = None,
        key_prefix: str | Sequence[str] | None = None,
        partitions_def: Any = None,
        partition_mappings: Mapping[str, Any] | None = None,
        resource_defs: Mapping[str, Any] | None = None,
        group_name: str | None = None,
        group_names_by_output_name: Mapping[str, str | None] | None = None,
        descriptions_by_output_name: Mapping[str, str] | None = None,
        metadata_by_output_name: Mapping[str, Mapping[str, Any] | None] | None = None,
        tags_by_output_name: Mapping[str, Mapping[str, str] | None] | None = None,
        owners_by_output_name: Mapping[str, Sequence[str]] | None = None,
        code_versions_by_output_name: Mapping[str, str | None] | None = None,
        can_subset: bool = False,
        **_ignored: Any,
    ) -> AssetsDefinition:
        """Assets from an existing ``@graph``: each graph output writes one asset (by default keyed
        by the output name, or the graph's name for a single ``result`` output), each graph input
        reads the asset named like the input."""
        if not isinstance(graph_def, GraphDefinition):
            raise DagsterInvalidDefinitionError(f"from_graph needs a GraphDefinition (a @graph), got {graph_def!r}.")
        prefix = coerce_key_prefix(key_prefix) if key_prefix is not None else []
        _require_outputs(graph_def, "AssetsDefinition.from_graph")
        in_keys = {n: AssetKey.from_coercible(k) for n, k in (keys_by_input_name or {}).items()}
        for in_name in graph_def.input_defs:
            in_keys.setdefault(in_name, AssetKey([in_name]))
        out_keys = {n: AssetKey.from_coercible(k) for n, k in (keys_by_output_name or {}).items()}
        for out_name in graph_def.output_defs:
            default = graph_def.name if out_name == "result" and len(graph_def.output_defs) == 1 else out_name
            out_keys.setdefault(out_name, AssetKey([*prefix, default]))
        unknown = sorted(set(out_keys) - set(graph_def.output_defs)) + sorted(set(in_keys) - set(graph_def.input_defs))
        if unknown:
            raise DagsterInvalidDefinitionError(
                f"from_graph({graph_def.name!r}) names {unknown}, which are not inputs or outputs of the "
                f"graph. Inputs: {list(graph_def.input_defs)}; outputs: {list(graph_def.output_defs)}."
            )

        def per(mapping: Mapping[str, Any] | None, out_name: str) -> Any:
            return (mapping or {}).get(out_name)

        specs = {
            key: AssetSpec(
                key,
                deps=in_keys.values(),
                description=per(descriptions_by_output_name, o) or graph_def.description,
                metadata=per(metadata_by_output_name, o),
                group_name=per(group_names_by_output_name, o) or group_name,
                code_version=per(code_versions_by_output_name, o),
                owners=per(owners_by_output_name, o),
                tags=per(tags_by_output_name, o),
                partitions_def=partitions_def,
            )
            for o, key in out_keys.items()
        }
        mappings = {in_keys[n]: m for n, m in (partition_mappings or {}).items() if n in in_keys}
        return cls(
            graph_def, out_keys, in_keys, specs, partitions_def=partitions_def, partition_mappings=mappings,
            resource_defs=resource_defs, can_subset=can_subset,
        )

    @property
    def keys(self) -> frozenset[AssetKey]:
        return self.selected_keys

    @property
    def key(self) -> AssetKey:
        if len(self.keys_by_output_name) != 1:
            raise DagsterInvalidDefinitionError(
                f"This definition has {len(self.keys_by_output_name)} assets "
                f"({sorted(k.to_user_string() for k in self.keys_by_output_name.values())}); "
                "use .keys instead of .key."
            )
        return next(iter(self.keys_by_output_name.values()))

    @property
    def asset_key(self) -> AssetKey:
        return self.key

    @property
    def dependency_keys(self) -> set[AssetKey]:
        out = set(self.keys_by_input_name.values())
        for spec in self.specs_by_key.values():
            out.update(spec.deps)
        return out

    @property
    def specs(self) -> list[AssetSpec]:
        return list(self.specs_by_key.values())

    @property
    def group_names_by_key(self) -> dict[AssetKey, str]:
        return {k: s.group_name or "default" for k, s in self.specs_by_key.items()}

    @property
    def metadata_by_key(self) -> dict[AssetKey, dict[str, Any]]:
        return {k: s.metadata for k, s in self.specs_by_key.items()}

    @property
    def code_versions_by_key(self) -> dict[AssetKey, str | None]:
        return {k: s.code_version for k, s in self.specs_by_key.items()}

    @property
    def descriptions_by_key(self) -> dict[AssetKey, str | None]:
        return {k: s.description for k, s in self.specs_by_key.items()}

    @property
    def asset_deps(self) -> dict[AssetKey, set[AssetKey]]:
        return {k: set(s.deps) for k, s in self.specs_by_key.items()}

    def get_output_name_for_asset_key(self, key: AssetKey) -> str:
        return self.output_names_by_key[key]

    def output_def_for_key(self, key: AssetKey) -> OutputDefinition:
        return self.node_def.output_defs[self.output_names_by_key[key]]

    def io_manager_key_for(self, key: AssetKey) -> str:
        return self.output_def_for_key(key).io_manager_key

    def input_name_for_key(self, key: AssetKey) -> str | None:
        for name, k in self.keys_by_input_name.items():
            if k == key:
                return name
        return None

    def get_partition_mapping(self, upstream_key: AssetKey) -> Any:
        return self.partition_mappings.get(upstream_key)

    def to_source_assets(self) -> list[SourceAsset]:
        out = []
        for key in self.keys:
            spec = self.specs_by_key[key]
            out.append(
                SourceAsset(
                    key,
                    metadata=spec.metadata,
                    io_manager_key=self.io_manager_key_for(key),
                    description=spec.description,
                    partitions_def=self.partitions_def,
                    group_name=spec.group_name,
                    resource_defs=self.resource_defs,
                )
            )
        return out

    def to_source_asset(self, key: CoercibleToAssetKey | None = None) -> SourceAsset:
        sources = self.to_source_assets()
        if key is None:
            if len(sources) != 1:
                raise DagsterInvalidDefinitionError("to_source_asset() needs a key for a multi-asset definition.")
            return sources[0]
        k = AssetKey.from_coercible(key)
        return next(s for s in sources if s.key == k)

    def subset_for(self, keys: Iterable[AssetKey]) -> AssetsDefinition:
        keys = frozenset(keys) & frozenset(self.keys_by_output_name.values())
        clone = object.__new__(AssetsDefinition)
        clone.__dict__.update(self.__dict__)
        clone.selected_keys = keys
        return clone

    def with_attributes(self, **_: Any) -> AssetsDefinition:
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from dockyard.defs.graph import invoke_directly

        if isinstance(self.node_def, GraphDefinition):
            from dockyard.errors import DagsterInvariantViolationError

            raise DagsterInvariantViolationError(
                f"Graph-backed asset {self.node_def.name!r} cannot be called directly: its graph only "
                "runs as steps of a run. Use materialize([...]) and read result.output_for_node(...), "
                "or call its ops one by one."
            )
        return invoke_directly(self.node_def, args, kwargs, assets_def=self)

    def __repr__(self) -> str:
        keys = sorted(k.to_user_string() for k in self.keys_by_output_name.values())
        return f"<AssetsDefinition {keys}>"


def _output_type(annotation: Any) -> Any:
    """The stored type for an asset's return annotation."""
    if annotation is _UNSET:
        return Any
    name = getattr(annotation, "__name__", None)
    if name == "MaterializeResult":
        return Any
    origin = typing.get_origin(annotation)
    if origin is not None and getattr(origin, "__name__", "") in ("Iterator", "Generator", "Iterable", "AsyncIterator"):
        return Any
    if origin is not None and getattr(origin, "__name__", "") == "Output":
        args = typing.get_args(annotation)
        return args[0] if args else Any
    if name == "Output":
        return Any
    return annotation


def _asset_inputs(
    fn_shape: Any,
    owner: str,
    ins: Mapping[str, AssetIn] | None,
    input_manager_key: str | None,
) -> tuple[dict[str, InputDefinition], dict[str, AssetKey], dict[AssetKey, Any]]:
    ins = dict(ins or {})
    in_specs: dict[str, In] = {}
    keys: dict[str, AssetKey] = {}
    mappings: dict[AssetKey, Any] = {}
    params = {p.name for p in fn_shape.inputs}
    names = [p.name for p in fn_shape.inputs]
    for name, declared in ins.items():
        if name not in params:
            if declared.dagster_type is not _UNSET and resolve_dagster_type(declared.dagster_type).is_nothing:
                names.append(name)  # an ordering-only input has no parameter
                continue
            raise DagsterInvalidDefinitionError(
                f"{owner} declares ins[{name!r}], but its function has no parameter {name!r}. "
                f"Parameters: {sorted(params)}. Only inputs of type Nothing may have no parameter."
            )
    for in_name in names:
        ai = ins.get(in_name)
        if ai is not None and ai.key is not None:
            key = ai.key
        elif ai is not None and ai.key_prefix is not None:
            key = AssetKey([*ai.key_prefix, in_name])
        else:
            key = AssetKey([in_name])
        keys[in_name] = key
        in_specs[in_name] = In(
            dagster_type=ai.dagster_type if ai is not None else _UNSET,
            metadata=ai.metadata if ai is not None else None,
            input_manager_key=(ai.input_manager_key if ai is not None and ai.input_manager_key else input_manager_key),
        )
        if ai is not None and ai.partition_mapping is not None:
            mappings[key] = ai.partition_mapping
    return build_input_defs(fn_shape, in_specs, owner), keys, mappings


def _bind_io_manager_def(
    key: AssetKey, io_manager_key: str | None, io_manager_def: Any, resource_defs: dict[str, Any]
) -> str | None:
    if io_manager_def is None:
        return io_manager_key
    if io_manager_key is not None:
        raise DagsterInvalidDefinitionError(
            f"Asset {key.to_user_string()!r} got both io_manager_key and io_manager_def; give one."
        )
    bound = f"{key.to_python_identifier()}__io_manager"
    resource_defs[bound] = io_manager_def
    return bound


def asset(
    compute_fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    key_prefix: str | Sequence[str] | None = None,
    ins: Mapping[str, AssetIn] | None = None,
    deps: Iterable[Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
    description: str | None = None,
    config_schema: Any = None,
    required_resource_keys: Iterable[str] | None = None,
    resource_defs: Mapping[str, Any] | None = None,
    io_manager_def: Any = None,
    io_manager_key: str | None = None,
    input_manager_key: str | None = None,
    dagster_type: Any = _UNSET,
    partitions_def: Any = None,
    op_tags: Mapping[str, Any] | None = None,
    group_name: str | None = None,
    output_required: bool = True,
    retry_policy: Any = None,
    code_version: str | None = None,
    key: CoercibleToAssetKey | None = None,
    owners: Sequence[str] | None = None,
    tags: Mapping[str, str] | None = None,
    kinds: Iterable[str] | None = None,
    compute_kind: str | None = None,
    **_ignored: Any,
) -> Any:
    """Define a software-defined asset from a function (bare ``@asset`` or with arguments).

    ``input_manager_key`` (not in Dagster, documented by the seed) applies to every input that
    does not name its own manager in ``ins``.
    """

    def wrap(fn: Callable[..., Any]) -> AssetsDefinition:
        if key is not None and (name is not None or key_prefix is not None):
            raise DagsterInvalidDefinitionError(
                f"@asset on {fn.__name__!r} got key={key!r} together with name/key_prefix; use one form."
            )
        asset_key = (
            AssetKey.from_coercible(key)
            if key is not None
            else AssetKey([*coerce_key_prefix(key_prefix), name or fn.__name__])
        )
        owner = f"Asset {asset_key.to_user_string()!r}"
        shape = analyze(fn, "@asset")
        input_defs, keys_by_input, mappings = _asset_inputs(shape, owner, ins, input_manager_key)
        res_defs = dict(resource_defs or {})
        im_key = _bind_io_manager_def(asset_key, io_manager_key, io_manager_def, res_defs)
        ann = dagster_type if dagster_type is not _UNSET else _output_type(shape.return_annotation)
        out_def = OutputDefinition(
            "result",
            resolve_dagster_type(ann),
            im_key or DEFAULT_IO_MANAGER_KEY,
            metadata,
            output_required,
            description or inspect.getdoc(fn),
            code_version,
        )
        node = OpDefinition(
            fn,
            asset_key.to_python_identifier(),
            input_defs,
            {"result": out_def},
            shape,
            config_schema=config_schema,
            required_resource_keys=required_resource_keys,
            description=description or inspect.getdoc(fn),
            tags=op_tags,
            retry_policy=retry_policy,
            code_version=code_version,
        )
        spec = AssetSpec(
            asset_key,
            deps=[*keys_by_input.values(), *(deps or ())],
            description=description or inspect.getdoc(fn),
            metadata=metadata,
            group_name=group_name,
            code_version=code_version,
            owners=owners,
            tags=tags,
            kinds=kinds,
            partitions_def=partitions_def,
        )
        _check_no_self_dep(asset_key, keys_by_input, mappings)
        return AssetsDefinition(
            node,
            {"result": asset_key},
            keys_by_input,
            {asset_key: spec},
            partitions_def=partitions_def,
            partition_mappings=mappings,
            resource_defs=res_defs,
        )

    return wrap(compute_fn) if compute_fn is not None else wrap


def _check_no_self_dep(key: AssetKey, keys_by_input: Mapping[str, AssetKey], mappings: Mapping[AssetKey, Any]) -> None:
    for name, k in keys_by_input.items():
        if k == key and k not in mappings:
            raise DagsterInvalidDefinitionError(
                f"Asset {key.to_user_string()!r} depends on itself through input {name!r}. A self-"
                "dependency needs a partition mapping to an earlier partition, e.g. "
                "AssetIn(partition_mapping=TimeWindowPartitionMapping(start_offset=-1, end_offset=-1))."
            )


def multi_asset(
    compute_fn: Callable[..., Any] | None = None,
    *,
    outs: Mapping[str, AssetOut] | None = None,
    specs: Sequence[AssetSpec] | None = None,
    name: str | None = None,
    ins: Mapping[str, AssetIn] | None = None,
    deps: Iterable[Any] | None = None,
    description: str | None = None,
    config_schema: Any = None,
    required_resource_keys: Iterable[str] | None = None,
    partitions_def: Any = None,
    op_tags: Mapping[str, Any] | None = None,
    can_subset: bool = False,
    resource_defs: Mapping[str, Any] | None = None,
    group_name: str | None = None,
    retry_policy: Any = None,
    code_version: str | None = None,
    input_manager_key: str | None = None,
    **_ignored: Any,
) -> Any:
    """Define several assets computed by one function; each output writes one asset."""

    def wrap(fn: Callable[..., Any]) -> AssetsDefinition:
        op_name = name or fn.__name__
        owner = f"Multi-asset {op_name!r}"
        if not outs and not specs:
            raise DagsterInvalidDefinitionError(f"{owner} needs outs={{...}} or specs=[...].")
        shape = analyze(fn, "@multi_asset")
        input_defs, keys_by_input, mappings = _asset_inputs(shape, owner, ins, input_manager_key)
        out_defs: dict[str, OutputDefinition] = {}
        keys_by_output: dict[str, AssetKey] = {}
        specs_by_key: dict[AssetKey, AssetSpec] = {}
        extra_deps = [_dep_key(d) for d in (deps or ())]
        for out_name, ao in (outs or {}).items():
            k = ao.key or AssetKey([*(ao.key_prefix or []), out_name])
            ann = ao.dagster_type if ao.dagster_type is not _UNSET else Any
            out_defs[out_name] = OutputDefinition(
                out_name, resolve_dagster_type(ann), ao.io_manager_key or DEFAULT_IO_MANAGER_KEY,
                ao.metadata, ao.is_required, ao.description, ao.code_version or code_version,
            )
            keys_by_output[out_name] = k
            specs_by_key[k] = AssetSpec(
                k, deps=[*keys_by_input.values(), *extra_deps], description=ao.description,
                metadata=ao.metadata, group_name=ao.group_name or group_name,
                code_version=ao.code_version or code_version, owners=ao.owners, tags=ao.tags,
                kinds=ao.kinds, partitions_def=partitions_def,
            )
        for spec in specs or ():
            out_name = spec.key.to_python_identifier()
            out_defs[out_name] = OutputDefinition(
                out_name, resolve_dagster_type(Any), spec.io_manager_key, spec.metadata,
                not spec.skippable, spec.description, spec.code_version,
            )
            keys_by_output[out_name] = spec.key
            specs_by_key[spec.key] = spec.replace_attributes(
                deps=[*spec.deps, *keys_by_input.values(), *extra_deps],
                group_name=spec.group_name or group_name,
                partitions_def=spec.partitions_def or partitions_def,
            )
        for out_name in out_defs:
            if not out_name.isidentifier():
                raise DagsterInvalidDefinitionError(f"{owner}: output name {out_name!r} is not a valid identifier.")
        node = OpDefinition(
            fn, op_name, input_defs, out_defs, shape, config_schema=config_schema,
            required_resource_keys=required_resource_keys, description=description or inspect.getdoc(fn),
            tags=op_tags, retry_policy=retry_policy, code_version=code_version,
        )
        return AssetsDefinition(
            node, keys_by_output, keys_by_input, specs_by_key, partitions_def=partitions_def,
            partition_mappings=mappings, resource_defs=resource_defs, can_subset=can_subset,
        )

    return wrap(compute_fn) if compute_fn is not None else wrap


# -- graph-backed assets ---------------------------------------------------------------------------


def _require_outputs(graph_def: GraphDefinition, what: str, names: Iterable[str] = ()) -> None:
    missing = [n for n in names if n not in graph_def.output_mappings]
    if not graph_def.output_mappings or missing:
        raise DagsterInvalidDefinitionError(
            f"{what} {graph_def.name!r}: its graph body gives no value for output(s) "
            f"{missing or ['result']}. The body must return the "
            "output of an op call (or, for several assets, a dict / tuple of op outputs, one per "
            "asset) so the graph has a value to store as the asset."
        )


def _refuse_input_managers(ins: Mapping[str, AssetIn] | None, what: str) -> None:
    """Graph inputs are loaded by the upstream asset's I/O manager; an input manager on one would
    be silently ignored, so it is refused."""
    named = sorted(n for n, a in (ins or {}).items() if getattr(a, "input_manager_key", None))
    if named:
        raise DagsterInvalidDefinitionError(
            f"{what}: AssetIn(input_manager_key=...) on input(s) {named} is not supported for graph-backed "
            "assets (their inputs load through the upstream asset's I/O manager). Drop input_manager_key, "
            "or load the value in an op with a resource."
        )


def graph_asset(
    compose_fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    ins: Mapping[str, AssetIn] | None = None,
    config: Any = None,
    key_prefix: str | Sequence[str] | None = None,
    group_name: str | None = None,
    partitions_def: Any = None,
    metadata: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    owners: Sequence[str] | None = None,
    resource_defs: Mapping[str, Any] | None = None,
    code_version: str | None = None,
    key: CoercibleToAssetKey | None = None,
    kinds: Iterable[str] | None = None,
    **_ignored: Any,
) -> Any:
    """Define one asset computed by a graph of ops: the body wires op calls like a ``@graph``, its
    parameters are upstream assets, and the op output it returns is stored as the asset. Each op
    runs as its own step, ``<node>.<op>``, where ``<node>`` is the key as a Python identifier."""

    def wrap(fn: Callable[..., Any]) -> AssetsDefinition:
        if key is not None and (name is not None or key_prefix is not None):
            raise DagsterInvalidDefinitionError(
                f"@graph_asset on {fn.__name__!r} got key={key!r} together with name/key_prefix; use one form."
            )
        asset_key = (
            AssetKey.from_coercible(key)
            if key is not None
            else AssetKey([*coerce_key_prefix(key_prefix), name or fn.__name__])
        )
        node_name = asset_key.to_python_identifier()
        _refuse_input_managers(ins, f"@graph_asset {asset_key.to_user_string()!r}")
        desc = description or inspect.getdoc(fn)
        graph_def = compose(fn, node_name, desc, output_names=["result"], config=config)
        _require_outputs(graph_def, "@graph_asset", ["result"])
        shape = analyze(fn, "@graph_asset")
        _, keys_by_input, mappings = _asset_inputs(shape, f"Graph asset {asset_key.to_user_string()!r}", ins, None)
        spec = AssetSpec(
            asset_key, deps=keys_by_input.values(), description=desc, metadata=metadata, group_name=group_name,
            code_version=code_version, owners=owners, tags=tags, kinds=kinds, partitions_def=partitions_def,
        )
        _check_no_self_dep(asset_key, keys_by_input, mappings)
        return AssetsDefinition(
            graph_def, {"result": asset_key}, keys_by_input, {asset_key: spec}, partitions_def=partitions_def,
            partition_mappings=mappings, resource_defs=resource_defs,
        )

    return wrap(compose_fn) if compose_fn is not None else wrap


def graph_multi_asset(
    *,
    outs: Mapping[str, AssetOut],
    name: str | None = None,
    ins: Mapping[str, AssetIn] | None = None,
    partitions_def: Any = None,
    group_name: str | None = None,
    can_subset: bool = False,
    resource_defs: Mapping[str, Any] | None = None,
    config: Any = None,
    description: str | None = None,
    **_ignored: Any,
) -> Any:
    """Define several assets computed by one graph of ops: the body returns a dict (or tuple) of
    op outputs, one per entry of ``outs``."""

    def wrap(fn: Callable[..., Any]) -> AssetsDefinition:
        node_name = name or fn.__name__
        if not outs:
            raise DagsterInvalidDefinitionError(f"@graph_multi_asset {node_name!r} needs outs={{...}}.")
        _refuse_input_managers(ins, f"@graph_multi_asset {node_name!r}")
        desc = description or inspect.getdoc(fn)
        graph_def = compose(fn, node_name, desc, output_names=list(outs), config=config)
        _require_outputs(graph_def, "@graph_multi_asset", list(outs))
        extra = sorted(set(graph_def.output_mappings) - set(outs))
        if extra:
            raise DagsterInvalidDefinitionError(
                f"@graph_multi_asset {node_name!r} returns outputs {extra} that are not in outs={sorted(outs)}."
            )
        shape = analyze(fn, "@graph_multi_asset")
        _, keys_by_input, mappings = _asset_inputs(shape, f"Graph multi-asset {node_name!r}", ins, None)
        keys_by_output: dict[str, AssetKey] = {}
        specs_by_key: dict[AssetKey, AssetSpec] = {}
        for out_name, ao in outs.items():
            k = ao.key or AssetKey([*(ao.key_prefix or []), out_name])
            keys_by_output[out_name] = k
            specs_by_key[k] = AssetSpec(
                k, deps=keys_by_input.values(), description=ao.description or desc, metadata=ao.metadata,
                group_name=ao.group_name or group_name, code_version=ao.code_version, owners=ao.owners,
                tags=ao.tags, kinds=ao.kinds, partitions_def=partitions_def,
            )
        return AssetsDefinition(
            graph_def, keys_by_output, keys_by_input, specs_by_key, partitions_def=partitions_def,
            partition_mappings=mappings, resource_defs=resource_defs, can_subset=can_subset,
        )

    return wrap
