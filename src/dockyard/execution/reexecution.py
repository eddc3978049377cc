"""Re-executing a run: all of it, chosen steps, or everything that did not succeed.

``ReexecutionOptions.from_failure(run_id, instance)`` re-runs the steps of a failed (or canceled)
run that did not succeed: the failed ones, those skipped because of them, and those that never
started. Steps that succeeded are not recomputed: the steps that need their outputs load them
through the I/O managers. Asset outputs are found by asset key; op outputs are stored per run
(``<base>/<run_id>/<step>/<output>``), so each reused step is traced back through the run's
ancestors (tag ``dagster/parent_run_id``) to the run where it last succeeded, and its outputs load
from there.

``reexecute_from_failure(run_id, instance)`` does it all from the instance alone when the run
recorded where its code lives (runs launched by ``execute_job(reconstructable(...))`` or the CLI);
pass ``job=`` otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dockyard.errors import DagsterInvalidInvocationError, DagsterInvariantViolationError
from dockyard.instance.events import DagsterEventType
from dockyard.instance.runs import DagsterRunStatus

if TYPE_CHECKING:
    from dockyard.execution.job_execution import ExecuteJobResult
    from dockyard.execution.plan import ExecutionPlan


@dataclass(frozen=True, slots=True)
class ReexecutionOptions:
    """Which run to re-execute, and which of its steps.

    Attributes:
        parent_run_id: the run to re-execute.
        step_selection: step keys to run (empty: every step, unless ``is_from_failure``).
        is_from_failure: run every step that did not succeed in the parent run.
    """

    parent_run_id: str
    step_selection: Sequence[str] = ()
    is_from_failure: bool = False

    @staticmethod
    def from_failure(run_id: str, instance: Any) -> ReexecutionOptions:
        """Options re-running the steps of ``run_id`` that did not succeed (it must have failed)."""
        run = _get_run(instance, run_id)
        if run.status not in (DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED):
            raise DagsterInvalidInvocationError(
                f"Run {run_id!r} has status {run.status.value}, so there is nothing to re-execute from failure; "
                "only FAILURE or CANCELED runs can be. Use ReexecutionOptions(run_id) to re-run all of it."
            )
        return ReexecutionOptions(run_id, (), True)

    def parent_run(self, instance: Any) -> Any:
        return _get_run(instance, self.parent_run_id)


def _get_run(instance: Any, run_id: str) -> Any:
    run = instance.get_run_by_id(run_id)
    if run is None:
        raise DagsterInvalidInvocationError(
            f"Run {run_id!r} is not in {instance!r}; pass the instance that recorded it (e.g. DagsterInstance.get())."
        )
    return run


def succeeded_steps(instance: Any, run_id: str) -> set[str]:
    """Step keys with a STEP_SUCCESS event in ``run_id``."""
    return {e.step_key for e in instance.all_logs(run_id, of_type=DagsterEventType.STEP_SUCCESS) if e.step_key}


def _not_succeeded(instance: Any, parent: Any, plan: ExecutionPlan) -> set[str]:
    """Steps a from-failure re-execution runs: those that failed, were skipped or interrupted in
    ``parent``, and those it never reached, unless their value is still current in an ancestor
    (the parent itself reused it and none of its upstreams ran since)."""
    attempted = {e.step_key for e in instance.all_logs(parent.run_id) if e.step_key}
    succeeded = succeeded_steps(instance, parent.run_id)
    in_ancestors = output_runs(instance, parent, [s.key for s in plan.steps if s.key not in attempted])
    execute: set[str] = set()
    for step in plan.steps:  # plan order: upstreams are decided first
        if step.key in succeeded:
            continue
        if step.key in attempted or step.key not in in_ancestors or any(u in execute or u in attempted for u in step.upstream_steps):
            execute.add(step.key)
    return execute


def plan_reexecution(options: ReexecutionOptions, instance: Any, plan: ExecutionPlan) -> tuple[frozenset[str], dict[str, str]]:
    """``(steps to execute, {reused step: run holding its outputs})`` for a re-execution of ``plan``."""
    parent = options.parent_run(instance)
    keys = [s.key for s in plan.steps]
    if options.is_from_failure:
        execute = _not_succeeded(instance, parent, plan)
    elif options.step_selection:
        unknown = sorted(set(options.step_selection) - set(keys))
        if unknown:
            raise DagsterInvalidInvocationError(
                f"step_selection names steps {unknown} that run {parent.run_id!r} does not have. Steps: {keys}."
            )
        execute = set(options.step_selection)
    else:
        execute = set(keys)
    if not execute:
        raise DagsterInvalidInvocationError(f"Nothing to re-execute: every step of run {parent.run_id!r} succeeded.")
    return frozenset(execute), output_runs(instance, parent, [k for k in keys if k not in execute])


def output_runs(instance: Any, parent: Any, reused: Sequence[str]) -> dict[str, str]:
    """For each reused step, the nearest ancestor run (from ``parent`` up) where it succeeded."""
    found: dict[str, str] = {}
    remaining = set(reused)
    run = parent
    seen: set[str] = set()
    while remaining and run is not None and run.run_id not in seen:
        seen.add(run.run_id)
        for key in remaining & succeeded_steps(instance, run.run_id):
            found[key] = run.run_id
        remaining -= set(found)
        parent_id = run.tags.get("dagster/parent_run_id")
        run = instance.get_run_by_id(parent_id) if parent_id else None
    return found


def reconstructable_for_run(run: Any) -> Any:
    """The ``ReconstructableJob`` a run recorded, or ``None``."""
    from dockyard.execution.asset_origins import CODE_POINTER_TAG
    from dockyard.execution.job_execution import JOB_POINTER_TAG
    from dockyard.execution.reconstruct import ReconstructableJob

    if run.tags.get(JOB_POINTER_TAG):
        return ReconstructableJob(run.tags[JOB_POINTER_TAG], run.job_name)
    if run.tags.get(CODE_POINTER_TAG):
        return ReconstructableJob(run.tags[CODE_POINTER_TAG], run.job_name)
    return None


def reexecute_from_failure(
    run_id: str, instance: Any, job: Any = None, run_config: Any = None, tags: Any = None, raise_on_error: bool = False,
) -> ExecuteJobResult:
    """Re-execute the steps of failed run ``run_id`` that did not succeed, reusing stored outputs.

    Args:
        run_id: the failed (or canceled) run.
        instance: the instance that recorded it.
        job: the job (``reconstructable(...)``); default: the code pointer the run recorded.
        run_config: default: the parent run's config.
        tags: extra tags for the new run.
        raise_on_error: raise the first step error instead of returning a failed result.

    Returns:
        The new run's ``ExecuteJobResult`` (tags ``dagster/parent_run_id``, ``dagster/root_run_id``).
    """
    from dockyard.execution.job_execution import execute_job

    options = ReexecutionOptions.from_failure(run_id, instance)
    if job is None:
        job = reconstructable_for_run(options.parent_run(instance))
        if job is None:
            raise DagsterInvariantViolationError(
                f"Run {run_id!r} did not record where its code lives (no 'dockyard/code_pointer' tag: it ran "
                "in process). Pass job=reconstructable(...), or launch runs with execute_job(reconstructable(...)) "
                "or the CLI so they can be re-executed from the instance alone."
            )
    return execute_job(job, instance, run_config=run_config, tags=tags, raise_on_error=raise_on_error, reexecution_options=options)
