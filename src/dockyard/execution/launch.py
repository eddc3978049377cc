"""What another process needs to run steps of a run, and how it rebuilds the run from it.

``RunLaunchSpec`` is plain, picklable data: the code pointer and job name, the selection, the
run's id, config and tags, where the instance lives, and (for re-execution) which earlier runs
hold the outputs of steps this run does not execute. ``rebuild_run`` turns it back into the same
``RunState`` the launching process built, in a worker process or on a Dask worker. Resources
are initialised lazily there, on first use by a step, once per process and run.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dockyard.errors import DagsterInvariantViolationError

if TYPE_CHECKING:
    from dockyard.execution.run import RunState


@dataclass(frozen=True, slots=True)
class InstanceRef:
    """Where a persistent instance lives: ``home`` (``DagsterInstance.from_home``) or ``root``
    (a storage directory whose run storage is in the launching process's memory)."""

    kind: str
    root: str


def instance_ref_for(instance: Any) -> InstanceRef | None:
    """A reference other processes can open, or ``None`` for an ephemeral instance."""
    if instance is None or getattr(instance, "is_ephemeral", False):
        return None
    from dockyard.instance.storage.memory import InMemoryInstanceStorage

    root = instance.root_directory
    return InstanceRef("root" if isinstance(instance.storage, InMemoryInstanceStorage) else "home", root)


_instances: dict[InstanceRef, Any] = {}


def open_instance(ref: InstanceRef) -> Any:
    """The instance ``ref`` names, opened once per process."""
    hit = _instances.get(ref)
    if hit is None:
        from dockyard.instance.instance import DagsterInstance

        if ref.kind == "home":
            hit = DagsterInstance.from_home(ref.root)
        else:
            from dockyard.instance.storage.memory import InMemoryInstanceStorage

            hit = DagsterInstance(ref.root, InMemoryInstanceStorage())
        _instances[ref] = hit
    return hit


@dataclass(frozen=True, slots=True)
class RunLaunchSpec:
    """Everything a process needs to rebuild a run (see the module docstring)."""

    code_pointer: str
    job_name: str | None
    run_id: str
    run_config: Mapping[str, Any]
    tags: Mapping[str, str]
    instance_ref: InstanceRef
    op_selection: Sequence[str] | None = None
    asset_selection: Sequence[Any] | None = None
    step_output_run_ids: Mapping[str, str] = field(default_factory=dict)


def launch_spec_for(
    code_pointer: str, job_name: str | None, plan: Any, run_id: str, run_config: Mapping[str, Any],
    tags: Mapping[str, str], instance: Any, op_selection: Any, step_output_run_ids: Mapping[str, str],
) -> RunLaunchSpec:
    ref = instance_ref_for(instance)
    if ref is None:
        raise DagsterInvariantViolationError("An ephemeral instance cannot be opened by other processes.")
    assets = None
    if plan.is_asset_plan:  # the exact planned keys: the worker's plan is then the same subset
        assets = [o.asset_key for s in plan.steps for o in s.outputs if o.asset_key is not None]
    return RunLaunchSpec(
        code_pointer, job_name, run_id, dict(run_config), dict(tags), ref,
        list(op_selection) if op_selection is not None else None, assets, dict(step_output_run_ids),
    )


def rebuild_run(spec: RunLaunchSpec) -> RunState:
    """The run's ``RunState`` in this process: definitions imported from the code pointer."""
    from dockyard.execution.reconstruct import ReconstructableJob
    from dockyard.execution.run import get_plan
    from dockyard.instance.runs import DagsterRun, DagsterRunStatus

    job = ReconstructableJob(spec.code_pointer, spec.job_name).get_definition()
    plan = get_plan(job, spec.op_selection, spec.asset_selection)
    dagster_run = DagsterRun(
        spec.run_id, job.name, DagsterRunStatus.STARTED, spec.run_config, dict(spec.tags),
        frozenset(spec.asset_selection) if spec.asset_selection is not None else None, start_time=time.time(),
    )
    return run_state_for(job, plan, dagster_run, open_instance(spec.instance_ref), spec.step_output_run_ids)


def run_state_for(job: Any, plan: Any, dagster_run: Any, instance: Any, step_output_run_ids: Mapping[str, str]) -> RunState:
    """A fresh ``RunState`` (its own lazily built resources) for a recorded run of ``job``."""
    from dockyard.execution.resources import ScopedResources
    from dockyard.execution.run import RunState, _run_partitions, resolve_resource_objects

    resource_objects = resolve_resource_objects(job, plan, None, in_memory_default=False)
    pdef, pkeys = _run_partitions(plan, job, None, dict(dagster_run.tags), instance)
    config = dagster_run.run_config
    run_id = dagster_run.run_id
    scoped = ScopedResources(resource_objects, config.get("resources") or {}, instance=instance, run_id=run_id, dagster_run=dagster_run)
    state = RunState(plan, run_id, job.name, instance, scoped, resource_objects, config, pkeys, pdef, dagster_run, None)
    state.step_output_run_ids.update(step_output_run_ids)
    return state
