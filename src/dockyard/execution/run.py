"""Running a job in this process: ``execute_job_in_process`` and the per-run state that steps
share (resources, config, partitions, captured outputs)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from dockyard.defs.op import DEFAULT_IO_MANAGER_KEY
from dockyard.defs.resource import Resources
from dockyard.errors import (
    DagsterInvalidConfigError,
    DagsterInvalidDefinitionError,
    DagsterInvariantViolationError,
    DagsterUnknownPartitionError,
)
from dockyard.execution.plan import (
    ExecutionPlan,
    InputPlan,
    OutputPlan,
    StepPlan,
    build_asset_plan,
    build_op_plan,
    check_resources,
)
from dockyard.execution.resources import ScopedResources
from dockyard.execution.result import ExecuteInProcessResult
from dockyard.execution.step import StepFailed
from dockyard.instance.events import DagsterEvent, DagsterEventType, EventLogEntry
from dockyard.instance.runs import DagsterRun, DagsterRunStatus
from dockyard.io.base import coerce_to_io_manager_definition
from dockyard.io.context import OutputContext

_RUN_CONFIG_KEYS = ("ops", "solids", "resources", "execution", "loggers", "inputs")
_OP_CONFIG_KEYS = ("config", "inputs", "outputs")
# Step progress (emitted by ActiveRun for every executor): an INFO record per finished/failed/skipped
# step, a DEBUG record per started step, each with args (index, total, step_key, ...) and attribute
# ``dockyard_progress`` naming the phase ("start", "done", "failed", "skipped"). Levels are checked
# once per run: free when nobody listens.


class RunState:
    """Everything the steps of one run share."""

    def __init__(
        self,
        plan: ExecutionPlan,
        run_id: str,
        job_name: str,
        instance: Any,
        resources: ScopedResources,
        resource_objects: Mapping[str, Any],
        run_config: Mapping[str, Any],
        partition_keys: Sequence[str] | None,
        partitions_def: Any,
        dagster_run: DagsterRun,
        input_values: Mapping[str, Any] | None,
    ) -> None:
        self.plan = plan
        self.run_id = run_id
        self.job_name = job_name
        self.instance = instance
        self.resources = resources
        self.resource_objects = resource_objects
        self.run_config = run_config
        self.ops_config: Mapping[str, Any] = flatten_ops_config(plan, run_config.get("ops") or run_config.get("solids") or {})
        self.partition_keys = list(partition_keys) if partition_keys else None
        self.partition_key = self.partition_keys[0] if self.partition_keys and len(self.partition_keys) == 1 else None
        self.partitions_def = partitions_def
        self.dagster_run = dagster_run
        self.input_values = dict(input_values or {})
        self.outputs: dict[tuple[str, str], Any] = {}
        self.dynamic_outputs: dict[tuple[str, str], dict[str, Any]] = {}
        self.empty_resources = Resources((), resources.get)
        self._managers: dict[str, Any] = {}
        self._manager_ns: dict[str, Any] = {}
        self._op_configs: dict[str, Any] = {}
        self._config_types: dict[tuple[str, str], Any] = {}
        self._output_configs: dict[tuple[str, str | None, str], Any] = {}
        self._input_parts: dict[tuple[str, str], tuple[Any, Any]] = {}
        # re-execution: step key -> the earlier run whose stored outputs this run loads
        self.step_output_run_ids: dict[str, str] = {}

    # -- config -----------------------------------------------------------------------------------
    def op_config(self, step: StepPlan) -> Any:
        if step.key in self._op_configs:
            return self._op_configs[step.key]
        from dockyard.defs.config import validate_config

        entry = self.ops_config.get(step.key) or {}
        ct = step.op_def.config_type
        value = validate_config(ct, entry.get("config"), f"op '{step.key}'", f"root:ops:{step.key}:config")
        self._op_configs[step.key] = value
        return value

    def config_param_value(self, step: StepPlan, op_config: Any) -> Any:
        param = step.op_def.shape.config
        ann = param.annotation if param is not None else None
        if isinstance(ann, type) and getattr(ann, "_dockyard_is_config", False):
            return ann(**(op_config or {}))
        return op_config

    def output_config(self, step_key: str | None, output_name: str | None, manager_key: str) -> Any:
        """The output's config from ``ops.<op>.outputs``, resolved by the manager's output
        config schema (so its defaults apply when nothing was given)."""
        if step_key is None:
            return None
        outs = (self.ops_config.get(step_key) or {}).get("outputs") or {}
        raw = outs.get(output_name)
        ct = self._manager_config_type(manager_key, "output_config_type")
        if ct is None:
            return raw
        # resolved once: the output's own context and each downstream load's upstream context ask
        cache_key = (step_key, output_name, manager_key)
        if cache_key not in self._output_configs:
            from dockyard.defs.config import validate_config

            self._output_configs[cache_key] = validate_config(
                ct, raw, f"output '{output_name}' of op '{step_key}'", f"root:ops:{step_key}:outputs:{output_name}"
            )
        return self._output_configs[cache_key]

    def input_config(self, step: StepPlan, inp: InputPlan) -> Any:
        if not inp.input_def.input_manager_key:
            return None
        ins = (self.ops_config.get(step.key) or {}).get("inputs") or {}
        raw = ins.get(inp.name)
        ct = self._manager_config_type(inp.input_def.input_manager_key, "input_config_type")
        if ct is None:
            return raw
        from dockyard.defs.config import validate_config

        return validate_config(ct, raw, f"input '{inp.name}' of op '{step.key}'", f"root:ops:{step.key}:inputs:{inp.name}")

    def _manager_config_type(self, manager_key: str, which: str) -> Any:
        """The manager definition's ``output_config_type`` / ``input_config_type`` (cached)."""
        cache_key = (manager_key, which)
        try:
            return self._config_types[cache_key]
        except KeyError:
            pass
        obj = self.resource_objects.get(manager_key)
        ct = None
        if obj is not None:
            from dockyard.io.base import coerce_to_io_manager_definition

            ct = getattr(coerce_to_io_manager_definition(obj), which, None)
        self._config_types[cache_key] = ct
        return ct

    def input_value(self, step: StepPlan, inp: InputPlan) -> tuple[bool, Any]:
        ins = (self.ops_config.get(step.key) or {}).get("inputs") or {}
        if inp.name in ins and not inp.input_def.input_manager_key:
            entry = ins[inp.name]
            return True, entry["value"] if isinstance(entry, Mapping) and set(entry) == {"value"} else entry
        if inp.name in self.input_values:
            return True, self.input_values[inp.name]
        return False, None

    # -- resources ----------------------------------------------------------------------------------
    def io_manager(self, key: str, user: str) -> Any:
        mgr = self._managers.get(key)
        if mgr is None:
            mgr = self.resources.get(key)
            if not (hasattr(mgr, "handle_output") or hasattr(mgr, "load_input")):
                raise DagsterInvalidDefinitionError(
                    f"io manager with key '{key}' required by {user}', but received {type(mgr)}. Bind an "
                    f"IOManager, an @io_manager definition or a ConfigurableIOManager to '{key}'."
                )
            self._managers[key] = mgr
        return mgr

    def manager_resources(self, key: str) -> Any:
        ns = self._manager_ns.get(key)
        if ns is None:
            ns = self.resources.namespace(self.resources.definition(key).required_resource_keys)
            self._manager_ns[key] = ns
        return ns

    # -- partitions --------------------------------------------------------------------------------
    def partitions_for_step(self, step: StepPlan) -> Any:
        if self.partition_keys is None:
            return None
        if step.assets_def is not None:
            return step.assets_def.partitions_def
        return self.partitions_def

    def output_partition_keys(self, step: StepPlan, o: OutputPlan) -> list[str] | None:
        if o.asset_key is None or self.partition_keys is None or step.assets_def is None:
            return None
        if step.assets_def.partitions_def is None:
            return None
        return self.partition_keys

    def input_partitions(self, step: StepPlan, inp: InputPlan) -> tuple[Any, Any]:
        cache_key = (step.key, inp.name)
        hit = self._input_parts.get(cache_key)
        if hit is not None:
            return hit
        result = self._compute_input_partitions(step, inp)
        self._input_parts[cache_key] = result
        return result

    def _compute_input_partitions(self, step: StepPlan, inp: InputPlan) -> tuple[Any, Any]:
        layer = self.plan.asset_layer
        if layer is None or inp.asset_key is None:
            return (None, None)
        up_node = layer.nodes.get(inp.asset_key)
        up_def = up_node.partitions_def if up_node is not None else None
        if up_def is None:
            return (None, None)
        from dockyard.defs.partitions import infer_partition_mapping

        ad = step.assets_def
        down_def = ad.partitions_def if ad is not None and self.partition_keys is not None else None
        explicit = ad.partition_mappings.get(inp.asset_key) if ad is not None else None
        mapping = infer_partition_mapping(explicit, down_def, up_def)
        down_subset = None
        if down_def is not None:
            down_subset = down_def.empty_subset().with_partition_keys(self.partition_keys)
        result = mapping.get_upstream_mapped_partitions_result_for_partitions(
            down_subset, down_def, up_def, dynamic_partitions_store=self.instance
        )
        missing = list(result.required_but_nonexistent_partition_keys)
        if missing:
            rng = f"{self.partition_keys[0]}...{self.partition_keys[-1]}" if self.partition_keys else "(none)"
            raise StepFailed(*(2 * [DagsterInvariantViolationError(
                f"Partition key range {rng} in {step.key} depends on invalid partitions {missing} in "
                f"upstream asset {inp.asset_key}. Use a partition mapping that stays inside the upstream "
                "partitions, or allow_nonexistent_upstream_partitions=True."
            )]))
        keys = list(result.partitions_subset.get_partition_keys())
        return (up_def, keys)

    # -- contexts ---------------------------------------------------------------------------------
    def upstream_output_context(self, inp: InputPlan, up_step: str | None, up_out: str | None) -> OutputContext:
        layer = self.plan.asset_layer
        node = layer.nodes.get(inp.asset_key) if layer is not None and inp.asset_key is not None else None
        if node is not None:
            out_def = node.output_def
            op_def = node.assets_def.node_def if node.assets_def is not None else None
            meta = node.spec.metadata if out_def is None else out_def.metadata
            dtype = out_def.dagster_type if out_def is not None else None
            key = node.io_manager_key
            spec = node.spec
            step_key = up_step or (op_def.name if op_def is not None else None)
        else:
            up = self.plan.step_by_key.get(up_step) if up_step else None
            out_def = up.op_def.output_defs[up_out] if up is not None and up_out else None
            op_def = up.op_def if up is not None else None
            meta = out_def.metadata if out_def is not None else {}
            dtype = out_def.dagster_type if out_def is not None else None
            key = out_def.io_manager_key if out_def is not None else DEFAULT_IO_MANAGER_KEY
            spec = None
            step_key = up_step
        has_key = key in self.resource_objects or key == DEFAULT_IO_MANAGER_KEY
        return OutputContext(
            step_key=step_key,
            name=up_out,
            run_id=self.step_output_run_ids.get(step_key, self.run_id) if step_key else self.run_id,
            definition_metadata=meta,
            config=self.output_config(step_key, up_out, key),
            dagster_type=dtype,
            resource_config=self.resources.resource_config(key) if has_key else None,
            resources=self.manager_resources(key) if has_key else None,
            op_def=op_def,
            asset_key=inp.asset_key,
            partition_key=self.partition_key,
            instance=self.instance,
            job_name=self.job_name,
            asset_spec=spec,
        )

    def output_context(
        self, step: StepPlan, o: OutputPlan, keys: list[str] | None, mapping_key: str | None, runtime: dict[str, Any], log: Any
    ) -> OutputContext:
        ad = step.assets_def
        return OutputContext(
            step_key=step.key,
            name=o.name,
            run_id=self.run_id,
            definition_metadata=o.output_def.metadata,
            output_metadata=runtime,
            config=self.output_config(step.key, o.name, o.manager_key),
            dagster_type=o.output_def.dagster_type,
            mapping_key=mapping_key,
            resource_config=self.resources.resource_config(o.manager_key),
            resources=self.manager_resources(o.manager_key),
            op_def=step.op_def,
            asset_key=o.asset_key,
            partition_key=self.partition_key,
            asset_partitions_def=ad.partitions_def if ad is not None and keys is not None else None,
            asset_partition_keys=keys,
            instance=self.instance,
            job_name=self.job_name,
            asset_spec=ad.specs_by_key.get(o.asset_key) if ad is not None and o.asset_key is not None else None,
            log=log,
        )

    def record_output(self, step_key: str, output_name: str, value: Any, mapping_key: str | None) -> None:
        if mapping_key is None:
            self.outputs[(step_key, output_name)] = value
        else:
            self.dynamic_outputs.setdefault((step_key, output_name), {})[mapping_key] = value


# -- run config checks -------------------------------------------------------------------------------


def _check_run_config(plan: ExecutionPlan, run_config: Mapping[str, Any], managers: Mapping[str, Any]) -> None:
    from dockyard.defs.config import is_required, validate_config

    errors: list[str] = []
    for k in run_config:
        if k not in _RUN_CONFIG_KEYS:
            errors.append(f'Received unexpected config entry "{k}" at the root. Expected: {list(_RUN_CONFIG_KEYS[:1] + _RUN_CONFIG_KEYS[2:])}.')
    ops = run_config.get("ops") or run_config.get("solids") or {}
    if not isinstance(ops, Mapping):
        errors.append(f"Value at path root:ops must be a dict of op names, got {ops!r}.")
        ops = {}
    ops = flatten_ops_config(plan, ops)
    for op_name, entry in ops.items():
        step = plan.step_by_key.get(op_name)
        if step is None:
            errors.append(
                f'Received unexpected config entry "{op_name}" at path root:ops. Expected one of: '
                f"{sorted(plan.step_by_key)}."
            )
            continue
        if not isinstance(entry, Mapping):
            errors.append(f"Value at path root:ops:{op_name} must be a dict with keys {list(_OP_CONFIG_KEYS)}, got {entry!r}.")
            continue
        for k in entry:
            if k not in _OP_CONFIG_KEYS:
                errors.append(f'Received unexpected config entry "{k}" at path root:ops:{op_name}. Expected: {list(_OP_CONFIG_KEYS)}.')
        for out_name, out_cfg in (entry.get("outputs") or {}).items():
            o = next((o for o in step.outputs if o.name == out_name), None)
            if o is None:
                errors.append(f'Received unexpected config entry "{out_name}" at path root:ops:{op_name}:outputs. Expected: {[o.name for o in step.outputs]}.')
                continue
            defn = managers.get(o.manager_key)
            ct = getattr(defn, "output_config_type", None)
            if ct is None:
                errors.append(
                    f'Received unexpected config entry "{out_name}" at path root:ops:{op_name}:outputs: the '
                    f"I/O manager '{o.manager_key}' takes no per-output config (it has no output_config_schema)."
                )
                continue
            try:
                validate_config(ct, out_cfg, f"output '{out_name}' of op '{op_name}'", f"root:ops:{op_name}:outputs:{out_name}")
            except DagsterInvalidConfigError as exc:
                errors.extend(exc.errors)
        for in_name, in_cfg in (entry.get("inputs") or {}).items():
            i = next((i for i in step.inputs if i.name == in_name), None)
            if i is None or (i.source not in ("unconnected",) and not i.input_def.input_manager_key):
                errors.append(
                    f'Received unexpected config entry "{in_name}" at path root:ops:{op_name}:inputs: only '
                    "unconnected inputs and inputs with an input_manager_key take config."
                )
                continue
            ct = getattr(managers.get(i.manager_key or ""), "input_config_type", None) if i.input_def.input_manager_key else None
            if ct is not None:
                try:
                    validate_config(ct, in_cfg, f"input '{in_name}' of op '{op_name}'", f"root:ops:{op_name}:inputs:{in_name}")
                except DagsterInvalidConfigError as exc:
                    errors.extend(exc.errors)
    # required per-output config
    for step in plan.steps:
        for o in step.outputs:
            defn = managers.get(o.manager_key)
            ct = getattr(defn, "output_config_type", None)
            if ct is None or o.output_def.is_nothing:
                continue
            given = ((ops.get(step.key) or {}).get("outputs") or {}).get(o.name) if isinstance(ops.get(step.key), Mapping) else None
            if given is None and is_required(ct):
                errors.append(f'Missing required config entry "outputs" at path root:ops:{step.key} (output "{o.name}").')
        for i in step.inputs:
            if not i.input_def.input_manager_key or i.source == "nothing":
                continue
            ct = getattr(managers.get(i.manager_key or ""), "input_config_type", None)
            if ct is None:
                continue
            entry = ops.get(step.key)
            given = (entry.get("inputs") or {}).get(i.name) if isinstance(entry, Mapping) else None
            if given is None and is_required(ct):
                errors.append(
                    f'Missing required config entry "inputs" at path root:ops:{step.key} (input "{i.name}", '
                    f"loaded by input manager '{i.manager_key}')."
                )
    if errors:
        raise DagsterInvalidConfigError("Error in config for job", errors, run_config)


def flatten_ops_config(plan: ExecutionPlan, ops: Any) -> Any:
    """Config of ops inside graphs is nested (``{graph: {ops: {op: {config: ...}}}}``); steps are
    keyed by handle (``graph.op``). Nested entries become handle-keyed ones; the rest stay as is."""
    if not isinstance(ops, Mapping) or all(k in plan.step_by_key for k in ops):
        return ops
    out: dict[str, Any] = {}

    def add(handle: str, entry: Any) -> None:
        if (
            handle not in plan.step_by_key
            and isinstance(entry, Mapping)
            and set(entry) == {"ops"}
            and isinstance(entry["ops"], Mapping)
            and any(k.startswith(f"{handle}.") for k in plan.step_by_key)
        ):
            for name, inner in entry["ops"].items():
                add(f"{handle}.{name}", inner)
        else:
            out[handle] = entry

    for name, entry in ops.items():
        add(name, entry)
    return out


def _merge_config(base: Mapping[str, Any] | None, over: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = dict(base or {})
    for k, v in (over or {}).items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _merge_config(out[k], v)
        else:
            out[k] = v
    return out


def _coerce_run_config(run_config: Any) -> dict[str, Any]:
    if run_config is None:
        return {}
    if isinstance(run_config, Mapping):
        return dict(run_config)
    to_dict = getattr(run_config, "to_config_dict", None)
    if callable(to_dict):
        return dict(to_dict())
    raise DagsterInvalidConfigError(f"run_config must be a dict (or RunConfig), got {run_config!r}.")


# -- partitions of a run -----------------------------------------------------------------------------


def _run_partitions(plan: ExecutionPlan, job: Any, partition_key: str | None, tags: Mapping[str, str], instance: Any) -> tuple[Any, list[str] | None]:
    defs = []
    if plan.asset_layer is not None:
        for step in plan.steps:
            ad = step.assets_def
            if ad is not None and ad.partitions_def is not None and ad.partitions_def not in defs:
                defs.append(ad.partitions_def)
    elif job.partitions_def is not None:
        defs.append(job.partitions_def)
    start = tags.get("dagster/asset_partition_range_start")
    end = tags.get("dagster/asset_partition_range_end")
    partition_key = partition_key or tags.get("dagster/partition")
    if partition_key is None and start is None:
        if defs and plan.asset_layer is not None:
            names = [s.key for s in plan.steps if s.assets_def is not None and s.assets_def.partitions_def is not None]
            raise DagsterInvariantViolationError(
                f"Assets {names} are partitioned, so a run needs a partition: pass partition_key=... "
                f"(e.g. {_example_key(defs[0], instance)!r}) or a partition range in tags."
            )
        return (defs[0] if defs else None, None)
    if not defs:
        raise DagsterInvariantViolationError(
            f"partition_key={partition_key!r} was given, but nothing selected in job {plan.job_name!r} is partitioned."
        )
    if len(defs) > 1:
        raise DagsterInvalidDefinitionError(
            f"The selected assets use {len(defs)} different partitions definitions; one run can only "
            "target one. Materialize them in separate runs."
        )
    pdef = defs[0]
    if start is not None:
        from dockyard.defs.partitions import PartitionKeyRange

        if end is None:
            raise DagsterInvariantViolationError("A partition range needs both dagster/asset_partition_range_start and _end tags.")
        for k in (start, end):
            _check_key(pdef, k, instance)
        keys = list(pdef.get_partition_keys_in_range(PartitionKeyRange(start, end), dynamic_partitions_store=instance))
        return pdef, keys
    assert partition_key is not None
    _check_key(pdef, partition_key, instance)
    return pdef, [partition_key]


def _example_key(pdef: Any, instance: Any) -> str:
    try:
        keys = pdef.get_partition_keys(dynamic_partitions_store=instance)
        return keys[-1] if keys else "<key>"
    except Exception:
        return "<key>"


def _check_key(pdef: Any, key: str, instance: Any) -> None:
    if not pdef.has_partition_key(key, dynamic_partitions_store=instance):
        raise DagsterUnknownPartitionError(
            f"Partition key {key!r} is not in {pdef}. Valid keys look like {_example_key(pdef, instance)!r}."
        )


# -- the run -------------------------------------------------------------------------------------------


def default_io_manager_for(plan: ExecutionPlan, in_memory: bool) -> Any:
    if in_memory:
        from dockyard.io.memory import mem_io_manager

        return mem_io_manager
    from dockyard.io.filesystem import fs_io_manager

    return fs_io_manager


def get_plan(job: Any, op_selection: Any = None, asset_selection: Any = None) -> ExecutionPlan:
    sel_key = (tuple(op_selection) if op_selection is not None else None,
               repr(asset_selection) if asset_selection is not None else None)
    plan: ExecutionPlan | None = job._plan_cache.get(sel_key) if sel_key != (None, None) else job._plan_cache.get(None)
    if plan is None:
        if job.asset_layer is not None:
            plan = build_asset_plan(job.name, job.asset_layer, asset_selection if asset_selection is not None else job.asset_selection)
        else:
            plan = build_op_plan(job.name, job.graph_def, op_selection)
        job._plan_cache[sel_key if sel_key != (None, None) else None] = plan
    return plan


def resolve_resource_objects(
    job: Any, plan: ExecutionPlan, resources: Mapping[str, Any] | None, in_memory_default: bool | None
) -> dict[str, Any]:
    """The run's resources: the assets', the job's, then ``resources``; the default I/O manager
    when none is bound (in memory for op jobs unless ``in_memory_default`` says otherwise)."""
    resource_objects: dict[str, Any] = {}
    if job.asset_layer is not None:
        resource_objects.update(job.asset_layer.resource_defs)
    resource_objects.update(job.resource_defs)
    resource_objects.update(resources or {})
    for key in resource_objects:
        if not key.isidentifier():
            raise DagsterInvalidDefinitionError(
                f"Resource key {key!r} must be a valid Python identifier (letters, digits, underscores); "
                "rename it, e.g. 'io_manager'."
            )
    if DEFAULT_IO_MANAGER_KEY not in resource_objects:
        mem = job.asset_layer is None if in_memory_default is None else in_memory_default
        resource_objects[DEFAULT_IO_MANAGER_KEY] = default_io_manager_for(plan, mem)
    return resource_objects


def execute_job_in_process(
    job: Any,
    run_config: Any = None,
    instance: Any = None,
    partition_key: str | None = None,
    raise_on_error: bool = True,
    op_selection: Any = None,
    asset_selection: Any = None,
    run_id: str | None = None,
    input_values: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    resources: Mapping[str, Any] | None = None,
    in_memory_default: bool | None = None,
    *,
    executor: Any = None,
    steps_to_execute: frozenset[str] | None = None,
    step_output_run_ids: Mapping[str, str] | None = None,
    launch: Any = None,
) -> ExecuteInProcessResult:
    """Plan, check and run ``job``; see ``JobDefinition.execute_in_process``.

    ``executor`` (default: in this process) runs the steps; ``steps_to_execute`` limits them to a
    subset (re-execution), whose upstream outputs load from the runs in ``step_output_run_ids``;
    ``launch`` (a ``ReconstructableJob``) tells executors in other processes where the job's code
    lives (see ``execute_job``).
    """
    from dockyard.execution.active_run import ActiveRun
    from dockyard.execution.executors.base import check_executor_requirements
    from dockyard.execution.executors.in_process import InProcessExecutor

    plan = get_plan(job, op_selection, asset_selection)
    resource_objects = resolve_resource_objects(job, plan, resources, in_memory_default)
    check_resources(plan, resource_objects)
    managers = {k: coerce_to_io_manager_definition(v) for k, v in resource_objects.items()}
    config = _merge_config(job.run_config_default, _coerce_run_config(run_config))
    _check_run_config(plan, config, managers)
    if instance is None:
        from dockyard.instance.instance import DagsterInstance

        instance = DagsterInstance.ephemeral()
    executor = executor if executor is not None else InProcessExecutor()
    check_executor_requirements(executor, plan, resource_objects, instance, steps_to_execute, launch)
    all_tags = {**job.tags, **dict(tags or {})}
    pdef, pkeys = _run_partitions(plan, job, partition_key, all_tags, instance)
    if pkeys is not None and len(pkeys) == 1:
        all_tags.setdefault("dagster/partition", pkeys[0])
    if not run_id:
        import uuid  # lazy: uuid pulls in platform, which `import dockyard` need not pay for

        run_id = str(uuid.uuid4())
    dagster_run = DagsterRun(
        run_id, job.name, DagsterRunStatus.STARTED, config, {k: str(v) for k, v in all_tags.items()},
        frozenset(o.asset_key for s in plan.steps for o in s.outputs if o.asset_key is not None) if plan.is_asset_plan else None,
        start_time=time.time(),
    )
    instance.add_run(dagster_run)
    scoped = ScopedResources(resource_objects, config.get("resources") or {}, instance=instance, run_id=run_id, dagster_run=dagster_run)
    state = RunState(plan, run_id, job.name, instance, scoped, resource_objects, config, pkeys, pdef, dagster_run, input_values)
    state.step_output_run_ids.update(step_output_run_ids or {})
    events: list[DagsterEvent] = []
    start_event = DagsterEvent(DagsterEventType.RUN_START.value, job.name, message=f'Started execution of run for "{job.name}".')
    events.append(start_event)
    instance.store_events([EventLogEntry(run_id, start_event)])
    spec = None
    if executor.uses_multiple_processes:
        from dockyard.execution.launch import launch_spec_for

        spec = launch_spec_for(launch.code_pointer, launch.job_name, plan, run_id, config, dagster_run.tags, instance,
                               op_selection, state.step_output_run_ids)
    active = ActiveRun(state, dagster_run, resource_objects, events, job, steps_to_execute, spec)
    failures = active.failures
    canceled = completed = False
    try:
        executor.execute(active)
        completed = True
    except KeyboardInterrupt:
        canceled = True
        raise
    finally:
        try:
            scoped.close(raise_errors=not failures and completed)
        finally:
            success = not failures and completed  # SystemExit & co. from a step end the run as failed
            if canceled:
                status, etype, message = DagsterRunStatus.CANCELED, DagsterEventType.RUN_CANCELED, f'Execution of run for "{job.name}" was canceled.'
            elif success:
                status, etype, message = DagsterRunStatus.SUCCESS, DagsterEventType.RUN_SUCCESS, f'Finished execution of run for "{job.name}".'
            else:
                status, etype, message = DagsterRunStatus.FAILURE, DagsterEventType.RUN_FAILURE, f'Execution of run for "{job.name}" failed.'
            dagster_run.status = status
            dagster_run.end_time = time.time()
            instance.update_run(dagster_run)
            end = DagsterEvent(etype.value, job.name, message=message)
            events.append(end)
            instance.store_events([EventLogEntry(run_id, end)])
    for step_keys in plan.graph_nodes.values():  # a graph-backed asset's outputs, by graph node
        for sk in step_keys:
            for o in plan.step_by_key[sk].outputs:
                if o.graph_output is not None and (sk, o.name) in state.outputs:
                    state.outputs[o.graph_output] = state.outputs[(sk, o.name)]
    result = ExecuteInProcessResult(run_id, job, events, state.outputs, state.dynamic_outputs, dagster_run, plan)
    if failures and raise_on_error:
        raise failures[0].error
    return result
