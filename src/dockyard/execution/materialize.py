"""``materialize`` and ``materialize_to_memory``: run assets without declaring a job."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dockyard.defs.asset_graph import AssetLayer
from dockyard.defs.job import JobDefinition
from dockyard.errors import DagsterInvariantViolationError
from dockyard.execution.result import ExecuteInProcessResult
from dockyard.execution.run import execute_job_in_process, get_plan

EPHEMERAL_JOB_NAME = "__ephemeral_asset_job__"


def materialize(
    assets: Sequence[Any],
    run_config: Any = None,
    instance: Any = None,
    resources: Mapping[str, Any] | None = None,
    partition_key: str | None = None,
    raise_on_error: bool = True,
    tags: Mapping[str, str] | None = None,
    selection: Any = None,
    **_ignored: Any,
) -> ExecuteInProcessResult:
    """Materialize ``assets`` (or the ``selection`` of them) in this process.

    Unselected assets and source assets in ``assets`` are loaded from storage by their I/O
    managers. Without ``instance`` an ephemeral instance (temporary storage) is used.
    """
    layer = AssetLayer(assets)
    job = JobDefinition(name=EPHEMERAL_JOB_NAME, asset_layer=layer, asset_selection=selection, resource_defs=resources)
    return execute_job_in_process(
        job, run_config=run_config, instance=instance, partition_key=partition_key,
        raise_on_error=raise_on_error, tags=tags, in_memory_default=False,
    )


def materialize_to_memory(
    assets: Sequence[Any],
    run_config: Any = None,
    instance: Any = None,
    resources: Mapping[str, Any] | None = None,
    partition_key: str | None = None,
    raise_on_error: bool = True,
    tags: Mapping[str, str] | None = None,
    selection: Any = None,
    **_ignored: Any,
) -> ExecuteInProcessResult:
    """Like ``materialize``, but every I/O manager is replaced by ``mem_io_manager``."""
    from dockyard.io.memory import mem_io_manager

    layer = AssetLayer(assets)
    job = JobDefinition(name=EPHEMERAL_JOB_NAME, asset_layer=layer, asset_selection=selection)
    plan = get_plan(job)
    keys = {o.manager_key for s in plan.steps for o in s.outputs}
    keys |= {i.manager_key for s in plan.steps for i in s.inputs if i.manager_key}
    given = dict(resources or {})
    clash = sorted(k for k in keys if k in given)
    if clash:
        raise DagsterInvariantViolationError(
            f"materialize_to_memory replaces every I/O manager with mem_io_manager, but resources were "
            f"given for I/O manager keys {clash}. Remove them, or use materialize() to keep them."
        )
    resource_defs = {**given, **{k: mem_io_manager for k in keys}}
    job = JobDefinition(name=EPHEMERAL_JOB_NAME, asset_layer=layer, asset_selection=selection, resource_defs=resource_defs)
    return execute_job_in_process(
        job, run_config=run_config, instance=instance, partition_key=partition_key,
        raise_on_error=raise_on_error, tags=tags, in_memory_default=True,
    )
