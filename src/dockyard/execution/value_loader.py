"""Loading stored asset values outside a run, through each asset's I/O manager."""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping
from typing import Any

from dockyard.defs.keys import AssetKey
from dockyard.defs.op import DEFAULT_IO_MANAGER_KEY
from dockyard.defs.types import resolve_dagster_type
from dockyard.errors import (
    CheckError,
    DagsterInvalidInvocationError,
    DagsterInvariantViolationError,
)
from dockyard.execution.resources import ScopedResources
from dockyard.io.context import EPHEMERAL_RUN_ID, InputContext, OutputContext


class AssetValueLoader:
    """Loads asset values; resources are built on first use and torn down on ``close``/exit.

    ``AssetValueLoader(defs_or_assets, instance)`` or, as the seed documents,
    ``AssetValueLoader(instance)``: then each asset's recorded origin decides. Values stored by
    the built-in default I/O manager load straight from ``instance.storage_directory()``; others
    load through the ``Definitions`` (or asset) found by importing the module recorded at
    materialization. When that is impossible the error says to use
    ``defs.get_asset_value_loader(instance)``.
    """

    def __init__(self, assets_defs_by_key: Any = None, instance: Any = None, resource_defs: Mapping[str, Any] | None = None) -> None:
        from dockyard.defs.asset_graph import AssetLayer
        from dockyard.defs.container import Definitions
        from dockyard.instance.instance import DagsterInstance

        if isinstance(assets_defs_by_key, DagsterInstance) and instance is None:
            instance, assets_defs_by_key = assets_defs_by_key, None
        self._instance = instance
        self._layer: AssetLayer | None
        res: dict[str, Any] = {}
        if isinstance(assets_defs_by_key, Definitions):
            self._layer = assets_defs_by_key.get_asset_graph()
            res.update(self._layer.resource_defs)
            res.update(assets_defs_by_key.resources)
        elif isinstance(assets_defs_by_key, Mapping):
            self._layer = AssetLayer(list({id(a): a for a in assets_defs_by_key.values()}.values()))
            res.update(self._layer.resource_defs)
        elif assets_defs_by_key is None:
            self._layer = None
        else:
            self._layer = AssetLayer(list(assets_defs_by_key))
            res.update(self._layer.resource_defs)
        res.update(resource_defs or {})
        self._resource_defs_given = dict(resource_defs or {})
        if DEFAULT_IO_MANAGER_KEY not in res:
            from dockyard.io.filesystem import fs_io_manager

            res[DEFAULT_IO_MANAGER_KEY] = fs_io_manager
        self._resource_defs = res
        self._scopes: dict[Any, ScopedResources] = {}
        self._delegates: dict[tuple[str | None, str | None, str | None], AssetValueLoader] = {}

    @classmethod
    def from_definitions(cls, defs: Any, instance: Any = None) -> AssetValueLoader:
        return cls(defs, instance)

    def _instance_or_default(self) -> Any:
        if self._instance is None:
            from dockyard.instance.instance import DagsterInstance

            self._instance = DagsterInstance.get()
        return self._instance

    def _scope(self, resource_config: Mapping[str, Any] | None) -> ScopedResources:
        cache_key = repr(sorted((resource_config or {}).items()))
        scope = self._scopes.get(cache_key)
        if scope is None:
            scope = ScopedResources(self._resource_defs, resource_config or {}, instance=self._instance_or_default(), run_id=EPHEMERAL_RUN_ID)
            self._scopes[cache_key] = scope
        return scope

    def load_asset_value(
        self,
        asset_key: Any,
        *,
        python_type: Any = None,
        partition_key: str | None = None,
        partition_key_range: Any = None,
        input_definition_metadata: Mapping[str, Any] | None = None,
        resource_config: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> Any:
        """Load one asset (or one partition / a key range of it)."""
        if partition_key is not None and partition_key_range is not None:
            raise CheckError("Pass partition_key or partition_key_range, not both.")
        key = asset_key if isinstance(asset_key, AssetKey) else AssetKey.from_coercible(asset_key)
        if self._layer is None:
            delegate = self._delegate_for(key)
            if delegate is not None:
                return delegate.load_asset_value(
                    key, python_type=python_type, partition_key=partition_key, partition_key_range=partition_key_range,
                    input_definition_metadata=input_definition_metadata, resource_config=resource_config, metadata=metadata,
                )
        node = None
        if self._layer is not None:
            node = self._layer.nodes.get(key)
            if node is None:
                raise CheckError(f"Asset key {key} not found")
        manager_key = node.io_manager_key if node is not None else DEFAULT_IO_MANAGER_KEY
        scope = self._scope(resource_config)
        manager = scope.get(manager_key)
        pdef = node.partitions_def if node is not None else None
        keys = None
        if partition_key is not None:
            keys = [partition_key]
        elif partition_key_range is not None:
            if pdef is None:
                raise DagsterInvalidInvocationError(f"Asset {key} is not partitioned; drop partition_key_range.")
            keys = list(pdef.get_partition_keys_in_range(partition_key_range, dynamic_partitions_store=self._instance))
        elif pdef is not None:
            raise DagsterInvalidInvocationError(
                f"Asset {key} is partitioned; pass partition_key= (e.g. one of "
                f"{list(pdef.get_partition_keys(dynamic_partitions_store=self._instance))[-3:]})."
            )
        ns = scope.namespace(scope.definition(manager_key).required_resource_keys)
        out_def = node.output_def if node is not None else None
        upstream = OutputContext(
            name=node.output_name if node is not None else "result",
            run_id=EPHEMERAL_RUN_ID,
            definition_metadata=(node.spec.metadata if node is not None else {}),
            dagster_type=out_def.dagster_type if out_def is not None else None,
            resource_config=scope.resource_config(manager_key),
            resources=ns,
            op_def=node.assets_def.node_def if node is not None and node.assets_def is not None else None,
            asset_key=key,
            instance=self._instance,
            asset_spec=node.spec if node is not None else None,
        )
        ctx = InputContext(
            name=None,
            definition_metadata=input_definition_metadata or metadata or {},
            upstream_output=upstream,
            dagster_type=resolve_dagster_type(python_type if python_type is not None else typing.Any),
            resource_config=scope.resource_config(manager_key),
            resources=ns,
            op_def=upstream._op_def,
            asset_key=key,
            partition_key=partition_key,
            asset_partitions_def=pdef if keys is not None else None,
            asset_partition_keys=keys,
            instance=self._instance,
        )
        return manager.load_input(ctx)

    def _delegate_for(self, key: AssetKey) -> AssetValueLoader | None:
        """A loader over the recorded definitions of ``key``; ``None`` for default storage."""
        origin = self._instance_or_default().get_asset_origin(key)
        if origin is None or origin.uses_default_storage:
            return None
        where = (origin.code_pointer, origin.module, origin.attribute)
        delegate = self._delegates.get(where)
        if delegate is None:
            target = resolve_origin_target(origin)
            delegate = AssetValueLoader(target, self._instance, self._resource_defs_given)
            self._delegates[where] = delegate
        if delegate._layer is not None and key not in delegate._layer.nodes:
            raise _unloadable(origin, f"the recorded definitions no longer define asset {key.to_user_string()!r}")
        return delegate

    def load_asset_values(self, asset_keys: Iterable[Any], **kwargs: Any) -> dict[AssetKey, Any]:
        """Load several assets; returns ``{AssetKey: value}``."""
        out: dict[AssetKey, Any] = {}
        for k in asset_keys:
            key = k if isinstance(k, AssetKey) else AssetKey.from_coercible(k)
            out[key] = self.load_asset_value(key, **kwargs)
        return out

    def close(self) -> None:
        delegates, self._delegates = self._delegates, {}
        for d in delegates.values():
            d.close()
        scopes, self._scopes = self._scopes, {}
        for s in scopes.values():
            s.close()

    def __enter__(self) -> AssetValueLoader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _unloadable(origin: Any, why: str) -> DagsterInvariantViolationError:
    return DagsterInvariantViolationError(
        f"Cannot load asset {origin.asset_key.to_user_string()!r} from the instance alone: {why}. It was stored by "
        f"I/O manager {origin.io_manager_key!r} (run {origin.run_id}). Pass the definitions instead: "
        "`with defs.get_asset_value_loader(instance) as loader: loader.load_asset_value(...)`."
    )


def resolve_origin_target(origin: Any) -> Any:
    """Import the ``Definitions`` (or assets) an ``AssetOrigin`` points at."""
    import importlib
    import os
    import sys

    module_name, attribute = origin.module, origin.attribute
    if origin.code_pointer:
        target, _, attribute = origin.code_pointer.rpartition(":")
        if not target or not attribute:
            raise _unloadable(origin, f"the recorded code pointer {origin.code_pointer!r} is not 'module:attr' or 'file.py:attr'")
        module_name = target
    if not module_name or not attribute:
        raise _unloadable(origin, "the module-level name of its definitions could not be determined when it was materialized")
    if module_name.endswith(".py"):
        import importlib.util

        path = os.path.abspath(module_name)
        spec = importlib.util.spec_from_file_location(f"_dockyard_code_{abs(hash(path))}", path)
        if spec is None or spec.loader is None or not os.path.isfile(path):
            raise _unloadable(origin, f"file {path!r} does not exist any more")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    elif module_name == "__main__":
        main = sys.modules.get("__main__")
        if main is None or getattr(main, "__file__", None) != origin.file or not hasattr(main, attribute):
            raise _unloadable(origin, f"it was defined in a script run as __main__ ({origin.file}), which cannot be imported safely")
        module = main
    else:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise _unloadable(origin, f"module {module_name!r} cannot be imported ({exc})") from exc
    target_obj = getattr(module, attribute, None)
    if target_obj is None:
        raise _unloadable(origin, f"module {module_name!r} has no attribute {attribute!r} any more")
    if callable(target_obj) and getattr(target_obj, "_dockyard_definitions", False):
        target_obj = target_obj()  # a @definitions function (the CLI records these as code pointers)
    from dockyard.defs.asset import AssetsDefinition
    from dockyard.defs.container import Definitions

    if isinstance(target_obj, Definitions):
        return target_obj
    if isinstance(target_obj, AssetsDefinition):
        if origin.io_manager_key not in target_obj.resource_defs:
            raise _unloadable(
                origin, f"{module_name}.{attribute} is a bare asset and I/O manager {origin.io_manager_key!r} was supplied to the run"
            )
        return [target_obj]
    raise _unloadable(origin, f"{module_name}.{attribute} is a {type(target_obj).__name__}, not Definitions or an asset")
