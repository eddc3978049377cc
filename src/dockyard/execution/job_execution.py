"""``execute_job``: run a job with its own executor, recorded in a persistent instance.

Unlike ``execute_in_process`` (always in this process, op outputs in memory by default), this is
the path for real runs: the executor comes from run config ``execution``, else the job's
``executor_def`` (``@job(executor_def=...)``, ``Definitions(executor=...)``), else
``multi_or_in_process_executor`` (multiprocess unless ``execution: {config: {in_process: {}}}``).
The default I/O manager is the filesystem one, so outputs outlive the step that made them.

Pass the job as ``reconstructable(job_or_defs)`` (or a ``ReconstructableJob``): executors that
use other processes import it from there, and the run records the pointer so it can be
re-executed later (``reexecute_from_failure``) without handing the job over again.

``ExecuteJobResult.output_for_node`` returns values captured in this process when the steps ran
here, else loads them through the output's I/O manager; resources it needs for that are torn
down by ``close()`` or the ``with`` block.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dockyard.defs.container import Definitions
from dockyard.defs.job import JobDefinition
from dockyard.errors import DagsterInvariantViolationError
from dockyard.execution.asset_origins import CODE_POINTER_TAG
from dockyard.execution.reconstruct import ReconstructableJob, load_code_pointer, reconstructable
from dockyard.execution.result import ExecuteInProcessResult

JOB_POINTER_TAG = "dockyard/job_code_pointer"   # a pointer to a JobDefinition (CODE_POINTER_TAG: Definitions)
OP_SELECTION_TAG = "dockyard/op_selection"      # JSON list, so a re-execution plans the same subset
PARENT_RUN_ID_TAG = "dagster/parent_run_id"
ROOT_RUN_ID_TAG = "dagster/root_run_id"
RESUME_RETRY_TAG = "dagster/is_resume_retry"
_LINEAGE_TAGS = (PARENT_RUN_ID_TAG, ROOT_RUN_ID_TAG, RESUME_RETRY_TAG)


class ExecuteJobResult(ExecuteInProcessResult):
    """The result of ``execute_job`` (see the module docstring); usable as a context manager."""

    def __init__(self, base: ExecuteInProcessResult, instance: Any, step_output_run_ids: Mapping[str, str]) -> None:
        super().__init__(
            base.run_id, base.job_def, base.all_events, base._outputs, base._dynamic, base.dagster_run, base._plan,
        )
        self._instance = instance
        self._reused = dict(step_output_run_ids)
        self._state: Any = None

    def output_for_node(self, node_str: str, output_name: str = "result") -> Any:
        if (node_str, output_name) in self._outputs or (node_str, output_name) in self._dynamic:
            return super().output_for_node(node_str, output_name)
        for step_key in self._plan.graph_nodes.get(node_str, ()):  # a graph asset: the op writing it
            for o in self._plan.step_by_key[step_key].outputs:
                if o.graph_output == (node_str, output_name):
                    return self.output_for_node(step_key, o.name)
        step = self._plan.step_by_key.get(node_str)
        succeeded = {e.step_key for e in self.get_step_success_events()}
        if step is None or output_name not in step.op_def.output_defs or (node_str not in succeeded and node_str not in self._reused):
            return super().output_for_node(node_str, output_name)  # raises the precise error
        return load_step_output(self._run_state(), node_str, output_name)

    def _run_state(self) -> Any:
        if self._state is None:
            from dockyard.execution.launch import run_state_for

            self._state = run_state_for(self._job_def, self._plan, self._dagster_run, self._instance, self._reused)
        return self._state

    def close(self) -> None:
        """Tear down resources built to load outputs."""
        state, self._state = self._state, None
        if state is not None:
            state.resources.close()

    def __enter__(self) -> ExecuteJobResult:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def load_step_output(state: Any, step_key: str, output_name: str) -> Any:
    """Load the stored value of one step output through its I/O manager."""
    from dockyard.execution.plan import InputPlan
    from dockyard.io.context import InputContext

    step = state.plan.step_by_key[step_key]
    o = next((o for o in step.outputs if o.name == output_name), None)
    if o is None:
        raise DagsterInvariantViolationError(f"Output {output_name!r} of node {step_key!r} was not part of this run.")
    out_def = o.output_def
    probe = InputPlan(output_name, None, "step", step_key, output_name, o.asset_key, manager_key=o.manager_key)  # type: ignore[arg-type]
    upstream = state.upstream_output_context(probe, step_key, output_name)
    keys = state.output_partition_keys(step, o)
    ctx = InputContext(
        name=None,
        upstream_output=upstream,
        dagster_type=out_def.dagster_type,
        resource_config=state.resources.resource_config(o.manager_key),
        resources=state.manager_resources(o.manager_key),
        op_def=step.op_def,
        asset_key=o.asset_key,
        partition_key=state.partition_key,
        asset_partitions_def=step.assets_def.partitions_def if keys is not None and step.assets_def is not None else None,
        asset_partition_keys=keys,
        instance=state.instance,
        job_name=state.job_name,
    )
    return state.io_manager(o.manager_key, f"output '{output_name}' of op '{step_key}'").load_input(ctx)


def _as_reconstructable(job: Any) -> tuple[ReconstructableJob | None, JobDefinition]:
    if isinstance(job, str):
        job = ReconstructableJob(job)
    if isinstance(job, ReconstructableJob):
        return job, job.get_definition()
    if isinstance(job, JobDefinition):
        try:
            return reconstructable(job), job
        except DagsterInvariantViolationError:
            return None, job  # fine for the in-process executor; others say what is missing
    raise DagsterInvariantViolationError(
        f"execute_job expects reconstructable(job_or_definitions) (or a ReconstructableJob), got {job!r}."
    )


def execute_job(
    job: Any,
    instance: Any = None,
    run_config: Any = None,
    tags: Mapping[str, str] | None = None,
    raise_on_error: bool = False,
    op_selection: Any = None,
    reexecution_options: Any = None,
    asset_selection: Any = None,
) -> ExecuteJobResult:
    """Run ``job`` with its executor (see the module docstring).

    Args:
        job: ``reconstructable(job_or_defs)``, a ``ReconstructableJob``, or a code pointer string.
        instance: a persistent ``DagsterInstance`` (default: ``DagsterInstance.get()``).
        run_config: run config; ``execution: {config: ...}`` configures the executor.
        tags: run tags (``dagster/partition`` selects a partition).
        raise_on_error: raise the first step error instead of returning a failed result.
        op_selection: run only these ops of an op job.
        reexecution_options: ``ReexecutionOptions`` to re-execute (part of) an earlier run.
        asset_selection: run only these assets of an asset job.
    """
    from dockyard.execution.executors.base import resolve_executor
    from dockyard.execution.reexecution import plan_reexecution
    from dockyard.execution.run import (
        _coerce_run_config,
        _merge_config,
        execute_job_in_process,
        get_plan,
    )

    recon, job_def = _as_reconstructable(job)
    if instance is None:
        from dockyard.instance.instance import DagsterInstance

        instance = DagsterInstance.get()
    all_tags = {k: v for k, v in dict(tags or {}).items()}
    steps_to_execute = None
    output_runs: dict[str, str] = {}
    if reexecution_options is not None:
        parent = reexecution_options.parent_run(instance)
        if run_config is None:
            run_config = parent.run_config
        if op_selection is None and parent.tags.get(OP_SELECTION_TAG):
            op_selection = json.loads(parent.tags[OP_SELECTION_TAG])
        if asset_selection is None and parent.asset_selection is not None:
            asset_selection = sorted(parent.asset_selection)
        inherited = {k: v for k, v in parent.tags.items() if k not in _LINEAGE_TAGS}
        all_tags = {**inherited, **all_tags, PARENT_RUN_ID_TAG: parent.run_id,
                    ROOT_RUN_ID_TAG: parent.tags.get(ROOT_RUN_ID_TAG, parent.run_id)}
        if reexecution_options.is_from_failure:
            all_tags[RESUME_RETRY_TAG] = "true"
        steps_to_execute, output_runs = plan_reexecution(reexecution_options, instance, get_plan(job_def, op_selection, asset_selection))
    if recon is not None:
        target = load_code_pointer(recon.code_pointer)
        if isinstance(target, Definitions):
            all_tags[CODE_POINTER_TAG] = recon.code_pointer
            all_tags.pop(JOB_POINTER_TAG, None)
        else:
            all_tags[JOB_POINTER_TAG] = recon.code_pointer
    if op_selection is not None:
        all_tags[OP_SELECTION_TAG] = json.dumps(sorted(op_selection))
    config = _merge_config(job_def.run_config_default, _coerce_run_config(run_config))
    executor = resolve_executor(job_def, config, instance)
    result = execute_job_in_process(
        job_def, run_config=run_config, instance=instance, raise_on_error=raise_on_error, op_selection=op_selection,
        asset_selection=asset_selection, tags=all_tags, in_memory_default=False, executor=executor,
        steps_to_execute=steps_to_execute, step_output_run_ids=output_runs, launch=recon,
    )
    return ExecuteJobResult(result, instance, output_runs)
