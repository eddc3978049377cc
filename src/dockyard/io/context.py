"""``OutputContext`` and ``InputContext``: what an I/O manager is told about the value it stores
or loads, and ``build_output_context`` / ``build_input_context`` for tests.

Contexts are created per output/input on the hot path, so they are plain slotted objects filled
by the engine; partition facts are computed only when asked for.

Friendlier than Dagster where the seed documents it: ``context.asset_key`` is ``None`` when the
output/input has no asset (Dagster raises), and ``asset_partition_keys`` of an unpartitioned
asset is ``[]`` (Dagster raises ``CheckError``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Self

from dockyard.defs.keys import AssetKey
from dockyard.defs.metadata import MetadataValue, normalize_metadata
from dockyard.errors import CheckError, DagsterInvalidMetadata, DagsterInvariantViolationError

EPHEMERAL_RUN_ID = "__EPHEMERAL_RUN_ID"
_log = logging.getLogger("dockyard")
_MISSING: Any = object()


def _not_provided(attr: str, ctx: str) -> DagsterInvariantViolationError:
    return DagsterInvariantViolationError(
        f"Attempting to access {attr}, but it was not provided when constructing the {ctx}"
    )


class _UnlistedKeyRange(Sequence[str]):
    """Asset partitions given to a test builder only as a multi-key ``PartitionKeyRange``
    without an ``asset_partitions_def``: the range is known but its keys cannot be listed."""

    __slots__ = ("range",)

    def __init__(self, key_range: Any) -> None:
        self.range = key_range

    def _unlisted(self) -> NotImplementedError:
        return NotImplementedError(
            f"The keys in {self.range!r} cannot be listed without a partitions definition; pass "
            "asset_partitions_def to the context builder, or use asset_partition_key_range."
        )

    def __len__(self) -> int:
        raise self._unlisted()

    def __getitem__(self, index: Any) -> Any:
        raise self._unlisted()


class _PartitionFacts:
    """Partition facts shared by both contexts. ``_keys`` are the asset partitions (after
    mapping, for inputs); ``_partition_key`` is the run's."""

    __slots__ = ()
    _asset_key: AssetKey | None
    _partition_key: str | None
    _partitions_def: Any
    _keys: Sequence[str] | None
    _kind: ClassVar[str]  # "output" or "input", for messages

    @property
    def has_partition_key(self) -> bool:
        return self._partition_key is not None

    @property
    def partition_key(self) -> str:
        if self._partition_key is None:
            raise CheckError("Tried to access partition_key on a non-partitioned run.")
        return self._partition_key

    @property
    def has_asset_partitions(self) -> bool:
        return self._keys is not None and self._asset_key is not None

    @property
    def asset_partition_keys(self) -> Sequence[str]:
        if self._keys is None:
            return []
        return list(self._keys)

    @property
    def asset_partition_key(self) -> str:
        if self._keys is None:
            raise CheckError(f"The {self._kind} does not correspond to a partitioned asset.")
        if len(self._keys) != 1:
            raise CheckError(
                f"Tried to access asset_partition_key, but the number of {self._kind} partitions != 1: "
                f"{len(self._keys)} partitions. Use asset_partition_keys or asset_partition_key_range."
            )
        return self._keys[0]

    @property
    def asset_partition_key_range(self) -> Any:
        from dockyard.defs.partitions import PartitionKeyRange

        if self._keys is None:
            raise CheckError(f"The {self._kind} does not correspond to a partitioned asset.")
        if isinstance(self._keys, _UnlistedKeyRange):
            return self._keys.range
        if not self._keys:
            raise CheckError(f"The {self._kind} maps to no partitions, so there is no key range.")
        return PartitionKeyRange(self._keys[0], self._keys[-1])

    @property
    def asset_partitions_def(self) -> Any:
        if self._partitions_def is None:
            if self._asset_key is None:
                raise DagsterInvariantViolationError(
                    f"Attempting to access partitions def for {self._kind}, but the {self._kind} does not correspond to an asset"
                )
            raise DagsterInvariantViolationError(
                f"Attempting to access partitions def for asset {self._asset_key}, but it is not partitioned"
            )
        return self._partitions_def

    @property
    def asset_partitions_time_window(self) -> Any:
        from dockyard.defs.partitions import TimeWindow

        if self._keys is None:
            raise CheckError(f"The {self._kind} does not correspond to a partitioned asset.")
        pdef = self.asset_partitions_def
        window_for = getattr(pdef, "time_window_for_partition_key", None)
        if window_for is None:
            time_dim = getattr(pdef, "time_window_dimension", None)
            if time_dim is None:
                raise DagsterInvariantViolationError(
                    f"The asset {self._asset_key} is not time-partitioned: {type(pdef).__name__} has no time windows."
                )
            keys = [getattr(k, "keys_by_dimension", {}).get(time_dim.name, k) for k in self._keys]
            window_for = time_dim.partitions_def.time_window_for_partition_key
        else:
            keys = list(self._keys)
        if not keys:
            raise CheckError(f"The {self._kind} maps to no partitions, so there is no time window.")
        windows = [window_for(k) for k in keys]
        return TimeWindow(min(w.start for w in windows), max(w.end for w in windows))

    @property
    def partition_time_window(self) -> Any:
        return self.asset_partitions_time_window


class _IOContext(_PartitionFacts):
    """What both contexts hold: the op, the asset and its partitions, config, resources and
    logging. Subclasses name themselves in ``_context_name`` for the "not provided" errors.

    There is no shared ``__init__`` on purpose: each subclass sets every slot itself, because a
    base-class call costs ~0.25 us per context (measured) and contexts are built per input/output."""

    __slots__ = (
        "_asset_key",
        "_config",
        "_dagster_type",
        "_definition_metadata",
        "_instance",
        "_job_name",
        "_keys",
        "_log",
        "_name",
        "_op_def",
        "_partition_key",
        "_partitions_def",
        "_resource_config",
        "_resources",
    )
    _context_name: ClassVar[str]
    _name: str | None
    _config: Any
    _definition_metadata: Mapping[str, Any]
    _dagster_type: Any
    _resource_config: Any
    _resources: Any
    _op_def: Any
    _instance: Any
    _job_name: str | None
    _log: Any

    @property
    def name(self) -> str:
        if self._name is None:
            raise _not_provided("name", self._context_name)
        return self._name

    @property
    def op_def(self) -> Any:
        if self._op_def is None:
            raise _not_provided("op_def", self._context_name)
        return self._op_def

    @property
    def dagster_type(self) -> Any:
        if self._dagster_type is None:
            raise _not_provided("dagster_type", self._context_name)
        return self._dagster_type

    @property
    def job_name(self) -> str:
        if self._job_name is None:
            raise _not_provided("job_name", self._context_name)
        return self._job_name

    @property
    def has_asset_key(self) -> bool:
        return self._asset_key is not None

    @property
    def asset_key(self) -> AssetKey | None:
        return self._asset_key

    @property
    def config(self) -> Any:
        return self._config

    @property
    def instance(self) -> Any:
        return self._instance

    @property
    def definition_metadata(self) -> Mapping[str, Any]:
        return self._definition_metadata

    @property
    def metadata(self) -> Mapping[str, Any]:
        """Deprecated alias of ``definition_metadata`` (the output's or input's own metadata)."""
        return self._definition_metadata

    @property
    def resource_config(self) -> Any:
        return self._resource_config

    @property
    def resources(self) -> Any:
        if self._resources is None:
            raise _not_provided("resources", self._context_name)
        return self._resources

    @property
    def log(self) -> Any:
        return self._log if self._log is not None else _log

    def get_asset_identifier(self) -> list[str]:
        if self._asset_key is None:
            raise DagsterInvariantViolationError(
                f"get_asset_identifier() needs an asset key, but no asset is associated with this "
                f"{self._kind}; pass asset_key when building the context."
            )
        path = self._asset_key.path
        if self.has_asset_partitions:
            path.append(self.asset_partition_key)
        return path

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        _close_builder_resources(self._resources)


class OutputContext(_IOContext):
    """What ``IOManager.handle_output`` is told about the output it stores."""

    __slots__ = (
        "_asset_spec",
        "_events",
        "_mapping_key",
        "_metadata",
        "_output_metadata",
        "_run_id",
        "_step_key",
        "_version",
        "_warn_output_metadata",
    )
    _context_name = "OutputContext"
    _kind = "output"

    def __init__(
        self,
        step_key: str | None = None,
        name: str | None = None,
        run_id: str | None = None,
        definition_metadata: Mapping[str, Any] | None = None,
        output_metadata: Mapping[str, Any] | None = None,
        config: Any = None,
        dagster_type: Any = None,
        mapping_key: str | None = None,
        version: str | None = None,
        resource_config: Any = None,
        resources: Any = None,
        op_def: Any = None,
        asset_key: AssetKey | None = None,
        partition_key: str | None = None,
        asset_partitions_def: Any = None,
        asset_partition_keys: Sequence[str] | None = None,
        instance: Any = None,
        job_name: str | None = None,
        asset_spec: Any = None,
        log: Any = None,
    ) -> None:
        # sets _IOContext's slots inline (see its docstring)
        self._name = name
        self._config = config
        self._definition_metadata = definition_metadata if definition_metadata is not None else {}
        self._dagster_type = dagster_type
        self._resource_config = resource_config
        self._resources = resources
        self._op_def = op_def
        self._asset_key = asset_key
        self._partition_key = partition_key
        self._partitions_def = asset_partitions_def
        self._keys = asset_partition_keys
        self._instance = instance
        self._job_name = job_name
        self._log = log
        self._step_key = step_key
        self._run_id = run_id
        self._output_metadata = output_metadata if output_metadata is not None else {}
        self._mapping_key = mapping_key
        self._version = version
        self._asset_spec = asset_spec
        self._metadata: dict[str, MetadataValue] | None = None
        self._events: list[Any] | None = None
        self._warn_output_metadata = False

    # -- identity --------------------------------------------------------------------------
    @property
    def step_key(self) -> str:
        if self._step_key is None:
            raise _not_provided("step_key", "OutputContext")
        return self._step_key

    @property
    def run_id(self) -> str:
        if self._run_id is None:
            raise _not_provided("run_id", "OutputContext")
        return self._run_id

    @property
    def asset_spec(self) -> Any:
        if self._asset_spec is None:
            raise _not_provided("asset_spec", "OutputContext")
        return self._asset_spec

    @property
    def mapping_key(self) -> str | None:
        return self._mapping_key

    @property
    def version(self) -> str | None:
        return self._version

    # -- metadata --------------------------------------------------------------------------
    @property
    def output_metadata(self) -> Mapping[str, Any]:
        if self._warn_output_metadata:
            return {}
        return self._output_metadata

    # -- identifiers -----------------------------------------------------------------------
    def get_identifier(self) -> list[str]:
        if self._version is not None:
            if self._mapping_key is not None:
                raise CheckError(
                    f"Mapping key and version both provided for output '{self.name}' of step "
                    f"'{self.step_key}'. Dynamic mapping is not supported when using versioning."
                )
            return ["versioned_outputs", self._version, self.step_key, self.name]
        ident = [self.run_id, self.step_key, self.name]
        if self._mapping_key is not None:
            ident.append(self._mapping_key)
        return ident

    def get_run_scoped_output_identifier(self) -> list[str]:
        return [self.run_id, self.step_key, self.name]

    # -- recording -------------------------------------------------------------------------
    def add_output_metadata(self, metadata: Mapping[str, Any]) -> None:
        """Attach metadata to the handled-output event and the asset materialization."""
        new = normalize_metadata(metadata)
        if self._metadata is None:
            self._metadata = new
            return
        overlap = set(new) & set(self._metadata)
        if overlap:
            raise DagsterInvalidMetadata(
                f"Tried to add metadata for key(s) that already have metadata: {overlap}"
            )
        self._metadata.update(new)

    def log_event(self, event: Any) -> None:
        """Record an ``AssetMaterialization`` or ``AssetObservation`` for this output."""
        from dockyard.defs.results import AssetMaterialization, AssetObservation

        if not isinstance(event, (AssetMaterialization, AssetObservation)):
            raise CheckError(
                f"OutputContext.log_event takes an AssetMaterialization or AssetObservation, got {event!r}."
            )
        if self._events is None:
            self._events = []
        self._events.append(event)

    def get_logged_events(self) -> list[Any]:
        return list(self._events or [])

    def get_logged_metadata(self) -> dict[str, MetadataValue]:
        return dict(self._metadata or {})

    def consume_logged_metadata(self) -> dict[str, MetadataValue]:
        out = self._metadata or {}
        self._metadata = None
        return out

    def consume_events(self) -> list[Any]:
        out = self._events or []
        self._events = None
        return out

    def __repr__(self) -> str:
        return f"OutputContext(step_key={self._step_key!r}, name={self._name!r}, asset_key={self._asset_key!r})"


class InputContext(_IOContext):
    """What ``InputManager.load_input`` is told about the input it loads."""

    __slots__ = ("_input_metadata", "_observations", "_upstream_output")
    _context_name = "InputContext"
    _kind = "input"

    def __init__(
        self,
        name: str | None = None,
        config: Any = None,
        definition_metadata: Mapping[str, Any] | None = None,
        upstream_output: OutputContext | None = None,
        dagster_type: Any = None,
        resource_config: Any = None,
        resources: Any = None,
        op_def: Any = None,
        asset_key: AssetKey | None = None,
        partition_key: str | None = None,
        asset_partitions_def: Any = None,
        asset_partition_keys: Sequence[str] | None = None,
        instance: Any = None,
        job_name: str | None = None,
        log: Any = None,
    ) -> None:
        # sets _IOContext's slots inline (see its docstring)
        self._name = name
        self._config = config
        self._definition_metadata = definition_metadata if definition_metadata is not None else {}
        self._dagster_type = dagster_type
        self._resource_config = resource_config
        self._resources = resources
        self._op_def = op_def
        self._asset_key = asset_key
        self._partition_key = partition_key
        self._partitions_def = asset_partitions_def
        self._keys = asset_partition_keys
        self._instance = instance
        self._job_name = job_name
        self._log = log
        self._upstream_output = upstream_output
        self._input_metadata: dict[str, MetadataValue] | None = None
        self._observations: list[Any] | None = None

    @property
    def has_input_name(self) -> bool:
        return self._name is not None

    @property
    def instance(self) -> Any:
        if self._instance is None:
            raise _not_provided("instance", "InputContext")
        return self._instance

    @property
    def upstream_output(self) -> OutputContext | None:
        return self._upstream_output

    def get_identifier(self) -> list[str]:
        if self._upstream_output is None:
            raise DagsterInvariantViolationError(
                "InputContext.upstream_output not defined. Cannot compute an identifier"
            )
        return self._upstream_output.get_identifier()

    def add_input_metadata(self, metadata: Mapping[str, Any], description: str | None = None) -> None:
        """Attach metadata to the loaded-input event (and an observation of the upstream asset)."""
        new = normalize_metadata(metadata)
        if self._input_metadata is None:
            self._input_metadata = {}
        self._input_metadata.update(new)
        if self._asset_key is not None:
            from dockyard.defs.results import AssetObservation

            keys = self._keys
            listed = keys is not None and not isinstance(keys, _UnlistedKeyRange)
            partition = keys[0] if listed and len(keys) == 1 else None  # type: ignore[arg-type,index]
            if self._observations is None:
                self._observations = []
            self._observations.append(AssetObservation(self._asset_key, description, new, partition))

    def get_observations(self) -> list[Any]:
        return list(self._observations or [])

    def consume_input_metadata(self) -> dict[str, MetadataValue]:
        out = self._input_metadata or {}
        self._input_metadata = None
        return out

    def __repr__(self) -> str:
        return f"InputContext(name={self._name!r}, asset_key={self._asset_key!r})"


def _builder_args(
    definition_metadata: Mapping[str, Any] | None,
    metadata: Mapping[str, Any] | None,
    dagster_type: Any,
    resource_config: Mapping[str, Any] | None,
    resources: Mapping[str, Any] | None,
    asset_key: Any,
    partition_key: str | None,
    key_range: Any,
    partitions_def: Any,
) -> dict[str, Any]:
    """The context arguments both builders derive the same way from what the test passed."""
    from dockyard.defs.types import resolve_dagster_type

    key = AssetKey.from_coercible(asset_key) if asset_key is not None else None
    return {
        "definition_metadata": definition_metadata if definition_metadata is not None else (metadata or {}),
        "dagster_type": resolve_dagster_type(dagster_type) if dagster_type is not None else None,
        "resource_config": resource_config if resource_config is not None else {},
        "resources": _builder_resources(resources),
        "asset_key": key,
        "partition_key": partition_key,
        "asset_partitions_def": partitions_def,
        "asset_partition_keys": _partition_keys_for_builder(key, partition_key, key_range, partitions_def),
    }


def _partition_keys_for_builder(
    asset_key: AssetKey | None, partition_key: str | None, key_range: Any, partitions_def: Any
) -> Sequence[str] | None:
    if asset_key is None:
        return None
    if key_range is not None:
        if partitions_def is not None:
            return list(partitions_def.get_partition_keys_in_range(key_range))
        if key_range.start != key_range.end:
            return _UnlistedKeyRange(key_range)  # like Dagster: the range is readable, its keys not
        return [key_range.start]
    if partition_key is not None:
        return [partition_key]
    return None


def _builder_resources(resources: Mapping[str, Any] | None) -> Any:
    if not resources:
        # like Dagster's builders: an empty namespace, so `context.resources` is always readable
        from dockyard.defs.resource import Resources

        return Resources.from_mapping({})
    # Builders are test helpers: resources are initialised now (lazily, per key) and torn down
    # when the context is used as a context manager and exits.
    from dockyard.execution.resources import ScopedResources

    return ScopedResources(dict(resources)).namespace()


def _close_builder_resources(resources: Any) -> None:
    scope = getattr(getattr(resources, "_get", None), "__self__", None)
    close = getattr(scope, "close", None)
    if callable(close):
        close()


def build_output_context(
    step_key: str | None = None,
    name: str | None = None,
    definition_metadata: Mapping[str, Any] | None = None,
    run_id: str | None = None,
    mapping_key: str | None = None,
    config: Any = None,
    dagster_type: Any = None,
    version: str | None = None,
    resource_config: Mapping[str, Any] | None = None,
    resources: Mapping[str, Any] | None = None,
    op_def: Any = None,
    asset_key: Any = None,
    partition_key: str | None = None,
    asset_partitions_def: Any = None,
    asset_partition_key_range: Any = None,
    instance: Any = None,
    asset_spec: Any = None,
    metadata: Mapping[str, Any] | None = None,
    output_metadata: Mapping[str, Any] | None = None,
) -> OutputContext:
    """An ``OutputContext`` for calling ``handle_output`` directly in a test."""
    return OutputContext(
        step_key=step_key,
        name=name,
        run_id=run_id or EPHEMERAL_RUN_ID,
        output_metadata=output_metadata,
        config=config,
        mapping_key=mapping_key,
        version=version,
        op_def=op_def,
        instance=instance,
        asset_spec=asset_spec,
        **_builder_args(
            definition_metadata, metadata, dagster_type, resource_config, resources,
            asset_key, partition_key, asset_partition_key_range, asset_partitions_def,
        ),
    )


def build_input_context(
    name: str | None = None,
    config: Any = None,
    definition_metadata: Mapping[str, Any] | None = None,
    upstream_output: OutputContext | None = None,
    dagster_type: Any = None,
    resource_config: Mapping[str, Any] | None = None,
    resources: Mapping[str, Any] | None = None,
    op_def: Any = None,
    step_context: Any = None,
    asset_key: Any = None,
    partition_key: str | None = None,
    asset_partition_key_range: Any = None,
    asset_partitions_def: Any = None,
    instance: Any = None,
    metadata: Mapping[str, Any] | None = None,
) -> InputContext:
    """An ``InputContext`` for calling ``load_input`` directly in a test."""
    return InputContext(
        name=name,
        config=config,
        upstream_output=upstream_output,
        op_def=op_def,
        instance=instance,
        **_builder_args(
            definition_metadata, metadata, dagster_type, resource_config, resources,
            asset_key, partition_key, asset_partition_key_range, asset_partitions_def,
        ),
    )
