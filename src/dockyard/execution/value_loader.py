"""Loading stored asset values outside a run, through each asset's I/O manager."""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping
from typing import Any

from dockyard.definitions.keys import AssetKey
from dockyard.definitions.op import DEFAULT_IO_MANAGER_KEY
from dockyard.definitions.types import resolve_dagster_type
from dockyard.errors import CheckError, DagsterInvalidInvocationError
from dockyard.execution.resources import ScopedResources
from dockyard.io.context import EPHEMERAL_RUN_ID, InputContext, OutputContext


class AssetValueLoader:
    """Loads asset values; resources are built on first use and torn down on ``close``/exit.

    ``AssetValueLoader(defs_or_assets, instance)`` or, as the seed documents,
    ``AssetValueLoader(instance)`` for the instance's default storage (pickled values in
    ``instance.storage_directory()``, i.e. assets materialized with the default I/O manager).
    """

    def __init__(self, assets_defs_by_key: Any = None, instance: Any = None, resource_defs: Mapping[str, Any] | None = None) -> None:
        from dockyard.definitions.asset_graph import AssetLayer
        from dockyard.definitions.container import Definitions
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
        if DEFAULT_IO_MANAGER_KEY not in res:
            from dockyard.io.filesystem import fs_io_manager

            res[DEFAULT_IO_MANAGER_KEY] = fs_io_manager
        self._resource_defs = res
        self._scopes: dict[Any, ScopedResources] = {}

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

    def load_asset_values(self, asset_keys: Iterable[Any], **kwargs: Any) -> dict[AssetKey, Any]:
        """Load several assets; returns ``{AssetKey: value}``."""
        out: dict[AssetKey, Any] = {}
        for k in asset_keys:
            key = k if isinstance(k, AssetKey) else AssetKey.from_coercible(k)
            out[key] = self.load_asset_value(key, **kwargs)
        return out

    def close(self) -> None:
        scopes, self._scopes = self._scopes, {}
        for s in scopes.values():
            s.close()

    def __enter__(self) -> AssetValueLoader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
