"""The context handed to op and asset compute functions."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from dockyard.defs.keys import AssetKey
from dockyard.defs.metadata import normalize_metadata
from dockyard.errors import (
    CheckError,
    DagsterInvalidInvocationError,
    DagsterInvariantViolationError,
)

_logger = logging.getLogger("dockyard")


class StepLog:
    """``context.log``: Python logging with the run and step attached to every record."""

    __slots__ = ("_extra", "_prefix")

    def __init__(self, run_id: str, job_name: str, step_key: str | None) -> None:
        self._prefix = f"{job_name} - {run_id[:8]} - {step_key} - " if step_key else f"{job_name} - {run_id[:8]} - "
        self._extra = {"run_id": run_id, "job_name": job_name, "step_key": step_key}

    def _emit(self, level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
        if _logger.isEnabledFor(level):
            _logger.log(level, self._prefix + str(msg), *args, extra=self._extra, **kwargs)

    def debug(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self._emit(logging.DEBUG, msg, *args, **kwargs)

    def info(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self._emit(logging.INFO, msg, *args, **kwargs)

    def warning(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self._emit(logging.WARNING, msg, *args, **kwargs)

    warn = warning

    def error(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self._emit(logging.ERROR, msg, *args, **kwargs)

    def critical(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self._emit(logging.CRITICAL, msg, *args, **kwargs)

    def exception(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self._emit(logging.ERROR, msg, *args, exc_info=True, **kwargs)


class OpExecutionContext:
    """What a compute function sees: run, config, resources, partitions, and recording hooks.

    ``AssetExecutionContext`` is the same class under another name (assets and ops share the
    engine), so code annotated with either works everywhere.
    """

    def __init__(
        self,
        *,
        run_id: str,
        job_name: str,
        step: Any,
        op_config: Any,
        resources: Any,
        instance: Any,
        log: Any,
        partition_key: str | None = None,
        partition_keys: Sequence[str] | None = None,
        partitions_def: Any = None,
        dagster_run: Any = None,
        retry_number: int = 0,
        input_asset_partitions: Mapping[str, Any] | None = None,
    ) -> None:
        self._run_id = run_id
        self._job_name = job_name
        self._step = step
        self._op_config = op_config
        self._resources = resources
        self._instance = instance
        self._log = log
        self._partition_key = partition_key
        self._partition_keys = partition_keys
        self._partitions_def = partitions_def
        self._dagster_run = dagster_run
        self._retry_number = retry_number
        self._input_asset_partitions = dict(input_asset_partitions or {})
        self._output_metadata: dict[tuple[str, str | None], dict[str, Any]] = {}
        self._events: list[Any] = []
        self._scoped: Any = None  # resources owned by a build_op_context() context
        self._bound_by_invocation = False  # _step was set by a direct invocation
        self._key_range: Any = None  # a test builder's partition_key_range, listed once an asset is bound

    def __enter__(self) -> OpExecutionContext:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._scoped is not None:
            self._scoped.close()

    # -- run -------------------------------------------------------------------------------------
    @property
    def run_id(self) -> str:
        return self._run_id

    @property
    def run(self) -> Any:
        return self._dagster_run

    dagster_run = run

    @property
    def job_name(self) -> str:
        return self._job_name

    @property
    def instance(self) -> Any:
        return self._instance

    @property
    def log(self) -> Any:
        return self._log

    @property
    def retry_number(self) -> int:
        return self._retry_number

    @property
    def run_tags(self) -> Mapping[str, str]:
        return dict(getattr(self._dagster_run, "tags", {}) or {})

    def has_tag(self, key: str) -> bool:
        return key in self.run_tags

    def get_tag(self, key: str) -> str | None:
        return self.run_tags.get(key)

    # -- op --------------------------------------------------------------------------------------
    @property
    def op_def(self) -> Any:
        return self._step.op_def if self._step is not None else None

    @property
    def op(self) -> Any:
        return self.op_def

    @property
    def node_handle(self) -> str | None:
        return self._step.key if self._step is not None else None

    @property
    def op_handle(self) -> str | None:
        return self.node_handle

    @property
    def op_config(self) -> Any:
        return self._op_config

    @property
    def resources(self) -> Any:
        return self._resources

    # -- assets ----------------------------------------------------------------------------------
    @property
    def assets_def(self) -> Any:
        ad = self._step.assets_def if self._step is not None else None
        if ad is None:
            raise DagsterInvalidInvocationError(
                f"Op {self.node_handle!r} is not an asset; context.assets_def is only set for assets."
            )
        return ad

    @property
    def has_assets_def(self) -> bool:
        return self._step is not None and self._step.assets_def is not None

    @property
    def asset_key(self) -> AssetKey:
        keys = self.selected_asset_keys
        if len(keys) != 1:
            raise DagsterInvariantViolationError(
                f"context.asset_key needs exactly one asset, but op {self.node_handle!r} produces "
                f"{len(keys)}: use context.selected_asset_keys or asset_key_for_output(name)."
            )
        return next(iter(keys))

    @property
    def selected_asset_keys(self) -> set[AssetKey]:
        if self._step is None or self._step.assets_def is None:
            return set()
        if self._step.assets_def.is_graph_backed:  # an op inside a graph asset: the graph's assets
            return set(self._step.assets_def.keys)
        return {o.asset_key for o in self._step.outputs if o.asset_key is not None}

    @property
    def selected_output_names(self) -> set[str]:
        return {o.name for o in self._step.outputs} if self._step is not None else set()

    def asset_key_for_output(self, output_name: str = "result") -> AssetKey:
        ad = self.assets_def
        return ad.keys_by_output_name[output_name]  # type: ignore[no-any-return]

    def asset_key_for_input(self, input_name: str) -> AssetKey:
        ad = self.assets_def
        return ad.keys_by_input_name[input_name]  # type: ignore[no-any-return]

    @property
    def is_subset(self) -> bool:
        if self._step is None or self._step.assets_def is None:
            return False
        return len(self._step.outputs) < len(self._step.op_def.output_defs)

    # -- partitions ------------------------------------------------------------------------------
    @property
    def has_partition_key(self) -> bool:
        return self._partition_key is not None

    @property
    def partition_key(self) -> str:
        if self._partition_key is None:
            if self._partition_keys:
                raise CheckError(
                    f"This run covers {len(self._partition_keys)} partitions; use "
                    "context.partition_keys or context.partition_key_range."
                )
            raise CheckError("Tried to access partition_key on a non-partitioned run.")
        return self._partition_key

    @property
    def has_partition_key_range(self) -> bool:
        return bool(self._partition_keys)

    @property
    def partition_keys(self) -> list[str]:
        if not self._partition_keys:
            raise CheckError("Tried to access partition_keys on a non-partitioned run.")
        return list(self._partition_keys)

    @property
    def partition_key_range(self) -> Any:
        from dockyard.defs.partitions import PartitionKeyRange

        keys = self.partition_keys
        return PartitionKeyRange(keys[0], keys[-1])

    asset_partition_key_range = partition_key_range

    @property
    def partition_time_window(self) -> Any:
        from dockyard.defs.partitions import TimeWindow

        pdef = self._partitions_def
        window_for = getattr(pdef, "time_window_for_partition_key", None)
        if window_for is None:
            raise DagsterInvariantViolationError(
                f"Op {self.node_handle!r} is not time-partitioned, so it has no partition_time_window."
            )
        keys = self.partition_keys
        return TimeWindow(window_for(keys[0]).start, window_for(keys[-1]).end)

    @property
    def partitions_def(self) -> Any:
        return self._partitions_def

    def asset_partition_key_for_output(self, output_name: str = "result") -> str:
        return self.partition_key

    def asset_partition_keys_for_output(self, output_name: str = "result") -> list[str]:
        return self.partition_keys

    def asset_partitions_def_for_output(self, output_name: str = "result") -> Any:
        return self._partitions_def

    def asset_partition_keys_for_input(self, input_name: str) -> list[str]:
        keys = self._input_asset_partitions.get(input_name)
        if keys is None:
            raise CheckError(f"Input {input_name!r} does not come from a partitioned asset.")
        return list(keys)

    def asset_partition_key_for_input(self, input_name: str) -> str:
        keys = self.asset_partition_keys_for_input(input_name)
        if len(keys) != 1:
            raise CheckError(f"Input {input_name!r} maps to {len(keys)} partitions, not one.")
        return keys[0]

    # -- recording -------------------------------------------------------------------------------
    def add_output_metadata(
        self, metadata: Mapping[str, Any], output_name: str | None = None, mapping_key: str | None = None
    ) -> None:
        """Attach runtime metadata to an output (and its asset materialization)."""
        if output_name is None:
            names = list(self._step.op_def.output_defs) if self._step is not None else ["result"]
            if len(names) != 1:
                raise DagsterInvariantViolationError(
                    f"Op {self.node_handle!r} has several outputs {names}; pass output_name= to add_output_metadata."
                )
            output_name = names[0]
        slot = self._output_metadata.setdefault((output_name, mapping_key), {})
        slot.update(normalize_metadata(metadata))

    add_asset_metadata = add_output_metadata

    def consume_output_metadata(self, output_name: str, mapping_key: str | None = None) -> dict[str, Any]:
        return self._output_metadata.pop((output_name, mapping_key), {})

    def log_event(self, event: Any) -> None:
        """Record an ``AssetMaterialization`` / ``AssetObservation`` in the run's event log."""
        self._events.append(event)

    def consume_events(self) -> list[Any]:
        out, self._events = self._events, []
        return out

    @property
    def op_execution_context(self) -> OpExecutionContext:
        return self

    def get_step_execution_context(self) -> OpExecutionContext:
        return self

    def describe_op(self) -> str:
        return f"op {self.node_handle!r}"


AssetExecutionContext = OpExecutionContext
