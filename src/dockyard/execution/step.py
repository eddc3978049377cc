"""Running one step: load its inputs through input managers, call the compute function, store
each output through its I/O manager, and record the step's events.

This is the hot path: per step it does a constant amount of bookkeeping plus the user's work.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from dockyard.defs.results import (
    AssetMaterialization,
    AssetObservation,
    DynamicOutput,
    MaterializeResult,
    Output,
)
from dockyard.defs.types import accepts_dict
from dockyard.errors import (
    DagsterError,
    DagsterExecutionHandleOutputError,
    DagsterExecutionLoadInputError,
    DagsterExecutionStepExecutionError,
    DagsterInvalidDefinitionError,
    DagsterInvariantViolationError,
    DagsterTypeCheckDidNotPass,
)
from dockyard.execution.context import OpExecutionContext, StepLog
from dockyard.instance.events import (
    AssetObservationData,
    DagsterEvent,
    DagsterEventType,
    HandledOutputData,
    LoadedInputData,
    StepMaterializationData,
    StepOutputData,
)
from dockyard.io.context import InputContext, OutputContext

if TYPE_CHECKING:
    from dockyard.execution.plan import InputPlan, OutputPlan, StepPlan
    from dockyard.execution.run import RunState

_E = DagsterEventType
_EMPTY = inspect.Parameter.empty
_NO_PARTITION: list[str | None] = [None]


class StepFailed(Exception):
    """Internal: a step failed; ``error`` is what the user would catch."""

    def __init__(self, error: BaseException, wrapped: BaseException) -> None:
        super().__init__(str(error))
        self.error = error
        self.wrapped = wrapped


def _user_error(cls: type[DagsterError], msg: str, exc: BaseException) -> StepFailed:
    """``exc`` as a step failure: a ``DagsterError`` as it is, user code's error wrapped once."""
    if isinstance(exc, DagsterError):
        return StepFailed(exc, exc)
    wrapped = cls(msg, user_exception=exc)  # type: ignore[call-arg]
    wrapped.__cause__ = exc
    return StepFailed(exc, wrapped)


class StepRunner:
    """Executes one step of a run and appends its events to ``events``."""

    __slots__ = ("ctx", "events", "log", "retry_number", "run", "sink", "step", "upstream_ctx")

    def __init__(
        self, run: RunState, step: StepPlan, retry_number: int = 0, sink: Callable[[DagsterEvent], None] | None = None
    ) -> None:
        self.run = run
        self.step = step
        self.retry_number = retry_number
        self.sink = sink  # executors in other processes stream each event back as it happens
        self.events: list[DagsterEvent] = []
        self.log = StepLog(run.run_id, run.job_name, step.key)
        self.ctx: OpExecutionContext | None = None

    def _event(self, etype: DagsterEventType, data: Any = None, message: str | None = None, partition: str | None = None) -> DagsterEvent:
        ev = DagsterEvent(etype.value, self.run.job_name, self.step.key, self.step.node_name, data, message, partition)
        self.events.append(ev)
        if self.sink is not None:
            self.sink(ev)
        return ev

    # -- the step ----------------------------------------------------------------------------------
    def execute(self) -> None:
        run = self.run
        step = self.step
        if self.retry_number:
            self._event(_E.STEP_RESTARTED, message=f'Started re-execution (attempt # {self.retry_number + 1}) of step "{step.key}".')
        else:
            self._event(_E.STEP_START, message=f'Started execution of step "{step.key}".')
        op_def = step.op_def
        op_config = run.op_config(step)
        partition = run.partitions_for_step(step)
        ctx = OpExecutionContext(
            run_id=run.run_id,
            job_name=run.job_name,
            step=step,
            op_config=op_config,
            resources=run.resources.namespace(op_def.required_resource_keys) if op_def.required_resource_keys else run.empty_resources,
            instance=run.instance,
            log=self.log,
            partition_key=run.partition_key,
            partition_keys=run.partition_keys if partition is not None or run.partition_keys else None,
            partitions_def=partition,
            dagster_run=run.dagster_run,
            retry_number=self.retry_number,
        )
        self.ctx = ctx
        kwargs: dict[str, Any] = {}
        shape = op_def.shape
        for inp in step.inputs:
            if inp.source == "nothing":
                continue
            kwargs[inp.name] = self._load_input(inp)
        if shape.context is not None:
            kwargs[shape.context.name] = ctx
        if shape.config is not None:
            kwargs[shape.config.name] = run.config_param_value(step, op_config)
        for p in shape.resources:
            kwargs[p.name] = run.resources.get(p.name)
        try:
            result = op_def.compute_fn(**kwargs)
            if shape.is_async:
                result = _run_async(result)
        except Exception as exc:
            raise _user_error(
                DagsterExecutionStepExecutionError,
                f'Error occurred while executing op "{step.key}":',
                exc,
            ) from exc
        self._process_result(result)
        self._event(_E.STEP_SUCCESS, message=f'Finished execution of step "{step.key}".')

    # -- inputs -------------------------------------------------------------------------------------
    def _load_input(self, inp: InputPlan) -> Any:
        src = inp.source
        in_def = inp.input_def
        if src == "unconnected":
            return self._load_unconnected(inp)
        if src == "fanin":
            return [self._load_from(inp, up_step, up_out) for up_step, up_out in inp.fan_in]
        value = self._load_from(inp, inp.upstream_step, inp.upstream_output)
        if in_def.dagster_type.is_any:
            return value
        return self._type_check_input(inp, value)

    def _load_from(
        self, inp: InputPlan, up_step: str | None, up_out: str | None, input_manager_key: str | None = None
    ) -> Any:
        """Load through the I/O manager of the upstream output ``up_step``/``up_out``, or, for an
        unconnected input, through its ``input_manager_key`` (no upstream output, no asset)."""
        run = self.run
        key = input_manager_key or inp.manager_key
        if key is None:  # a fan-in part: loaded by the manager of the output it came from
            assert up_step is not None and up_out is not None
            key = run.plan.step_by_key[up_step].op_def.output_defs[up_out].io_manager_key
        manager = run.io_manager(key, f"input '{inp.name}' of op '{self.step.key}'")
        upstream_ctx = None
        asset_key = None
        keys = None
        pdef = None
        if input_manager_key is None:
            upstream_ctx = run.upstream_output_context(inp, up_step, up_out)
            asset_key = inp.asset_key
            if asset_key is not None:
                pdef, keys = run.input_partitions(self.step, inp)
        in_ctx = InputContext(
            name=inp.name,
            config=run.input_config(self.step, inp),
            definition_metadata=inp.input_def.metadata,
            upstream_output=upstream_ctx,
            dagster_type=inp.input_def.dagster_type,
            resource_config=run.resources.resource_config(key),
            resources=run.manager_resources(key),
            op_def=self.step.op_def,
            asset_key=asset_key,
            partition_key=run.partition_key,
            asset_partitions_def=pdef,
            asset_partition_keys=keys,
            instance=run.instance,
            job_name=run.job_name,
            log=self.log,
        )
        if keys is not None and self.ctx is not None:
            self.ctx._input_asset_partitions[inp.name] = keys
        try:
            value = manager.load_input(in_ctx)
        except Exception as exc:
            raise _user_error(
                DagsterExecutionLoadInputError,
                f'Error occurred while loading input "{inp.name}" of step "{self.step.key}":',
                exc,
            ) from exc
        meta = in_ctx.consume_input_metadata()
        for obs in in_ctx.get_observations():  # observations come before the loaded-input event
            self._event(_E.ASSET_OBSERVATION, AssetObservationData(obs), partition=obs.partition)
        self._event(
            _E.LOADED_INPUT,
            LoadedInputData(inp.name, key, up_out if up_step else None, up_step, meta),
            f'Loaded input "{inp.name}" using input manager "{key}"'
            + (f', from output "{up_out}" of step "{up_step}"' if up_step else ""),
        )
        return value

    def _load_unconnected(self, inp: InputPlan) -> Any:
        run = self.run
        found, value = run.input_value(self.step, inp)
        if found:
            return value
        if inp.input_def.input_manager_key:
            return self._load_from(inp, None, None, inp.input_def.input_manager_key)
        if inp.input_def.has_default_value:
            return inp.input_def.default_value
        raise StepFailed(*(2 * [DagsterInvalidDefinitionError(
            f"Input '{inp.name}' of op '{self.step.key}' has no upstream output, no default value, no "
            f"input manager and no value in run config. Connect it, give it a default, set "
            f"In(input_manager_key=...), or pass run_config={{'ops': {{'{self.step.key}': {{'inputs': "
            f"{{'{inp.name}': ...}}}}}}}}."
        )]))

    def _type_check_input(self, inp: InputPlan, value: Any) -> Any:
        dtype = inp.input_def.dagster_type
        if value is None and inp.source == "asset":
            return value
        res = dtype.type_check(None, value)
        if not res.success:
            if isinstance(value, dict) and not accepts_dict(dtype):
                msg = (
                    f'Type check failed for step input "{inp.name}" of op "{self.step.key}": it received '
                    f"a dict of {len(value)} upstream partitions, but its type {dtype.name!r} does not "
                    "accept a dict. Annotate the input as dict[str, ...] (or leave it unannotated)."
                )
            else:
                msg = f'Type check failed for step input "{inp.name}" - expected type "{dtype.name}". {res.description or ""}'.strip()
            err = DagsterTypeCheckDidNotPass(msg, res.metadata)
            raise StepFailed(err, err)
        return value

    # -- outputs -------------------------------------------------------------------------------------
    def _process_result(self, result: Any) -> None:
        step = self.step
        out_defs = step.op_def.output_defs
        seen: set[str] = set()
        if inspect.isgenerator(result):
            try:
                for item in result:
                    self._handle_item(item, seen)
            except StepFailed:
                raise
            except Exception as exc:
                raise _user_error(
                    DagsterExecutionStepExecutionError, f'Error occurred while executing op "{step.key}":', exc
                ) from exc
        elif len(out_defs) <= 1:
            if len(out_defs) == 1 or result is not None:
                self._handle_item(result, seen, single=True)
        elif isinstance(result, tuple) and not isinstance(result, Output):
            names = list(out_defs)
            if len(result) != len(names):
                err = DagsterInvariantViolationError(
                    f"Op '{step.key}' returned a tuple of {len(result)} values but has {len(names)} "
                    f"outputs {names}; return one value per output, in order."
                )
                raise StepFailed(err, err)
            for name, item in zip(names, result, strict=True):
                self._handle_item(item, seen, name=name)
        elif isinstance(result, (Output, MaterializeResult)):
            self._handle_item(result, seen)
        elif result is None:
            pass
        else:
            err = DagsterInvariantViolationError(
                f"Op '{step.key}' has outputs {list(out_defs)} but returned {type(result).__name__}; "
                "return a tuple with one value per output, or yield Output(value, output_name=...)."
            )
            raise StepFailed(err, err)
        for o in step.outputs:
            if o.name not in seen and o.output_def.is_required and not o.output_def.is_nothing and not o.output_def.is_dynamic:
                err = DagsterInvariantViolationError(
                    f"Core compute for op \"{step.key}\" did not return an output for non-optional output \"{o.name}\""
                )
                raise StepFailed(err, err)
            if o.name not in seen and o.output_def.is_nothing and o.asset_key is not None:
                self._store(o, None, {}, skip_manager=True)
        self._flush_logged_events()

    def _flush_logged_events(self) -> None:
        if self.ctx is not None and self.ctx._events:
            for ev in self.ctx.consume_events():
                self._user_event(ev)

    def _handle_item(self, item: Any, seen: set[str], single: bool = False, name: str | None = None) -> None:
        step = self.step
        if isinstance(item, (AssetMaterialization, AssetObservation)) and not single:
            self._user_event(item)
            return
        if isinstance(item, MaterializeResult):
            mr_out = self._output_for_materialize_result(item)
            skip = item.value is None and (mr_out.output_def.dagster_type.is_any or mr_out.output_def.is_nothing)
            seen.add(mr_out.name)
            self._store(mr_out, item.value, dict(item.metadata or {}), skip_manager=skip)
            return
        mapping_key = None
        runtime: dict[str, Any]
        if isinstance(item, Output):
            out_name = item.output_name if name is None or item.output_name != "result" else name
            value = item.value
            runtime = dict(item.metadata)
            if isinstance(item, DynamicOutput):
                mapping_key = item.mapping_key
        else:
            out_name = name or (next(iter(step.op_def.output_defs)) if single else "result")
            value = item
            runtime = {}
        o = self._output_plan(out_name)
        if o is None:
            return  # an output deselected from a multi-asset subset
        if out_name in seen and mapping_key is None:
            err = DagsterInvariantViolationError(
                f'Compute for op "{step.key}" returned an output "{out_name}" multiple times'
            )
            raise StepFailed(err, err)
        seen.add(out_name)
        self._store(o, value, runtime, mapping_key=mapping_key)

    def _output_plan(self, name: str) -> OutputPlan | None:
        for o in self.step.outputs:
            if o.name == name:
                return o
        if name in self.step.op_def.output_defs:
            return None
        err = DagsterInvariantViolationError(
            f'Core compute for op "{self.step.key}" returned an output "{name}" that does not exist. '
            f"The available outputs are {list(self.step.op_def.output_defs)}"
        )
        raise StepFailed(err, err)

    def _output_for_materialize_result(self, item: MaterializeResult) -> OutputPlan:
        if item.asset_key is not None:
            for o in self.step.outputs:
                if o.asset_key == item.asset_key:
                    return o
            err = DagsterInvariantViolationError(
                f"Op '{self.step.key}' returned a MaterializeResult for asset {item.asset_key} which it "
                f"does not produce (it produces {[str(o.asset_key) for o in self.step.outputs]})."
            )
            raise StepFailed(err, err)
        if len(self.step.outputs) != 1:
            err = DagsterInvariantViolationError(
                f"Op '{self.step.key}' produces several assets; give each MaterializeResult an asset_key."
            )
            raise StepFailed(err, err)
        return self.step.outputs[0]

    def _store(
        self, o: OutputPlan, value: Any, runtime: dict[str, Any], skip_manager: bool = False, mapping_key: str | None = None
    ) -> None:
        run = self.run
        step = self.step
        out_def = o.output_def
        dtype = out_def.dagster_type
        if not dtype.is_any and not dtype.is_nothing and not skip_manager:
            res = dtype.type_check(None, value)
            if not res.success:
                err = DagsterTypeCheckDidNotPass(
                    f'Type check failed for step output "{o.name}" - expected type "{dtype.name}". '
                    f"{res.description or ''}".strip(),
                    res.metadata,
                )
                raise StepFailed(err, err)
        if self.ctx is not None:
            extra = self.ctx.consume_output_metadata(o.name, mapping_key)
            if extra:
                runtime = {**runtime, **extra}
        run.record_output(step.key, o.name, value, mapping_key)
        self._flush_logged_events()  # events the compute logged come before its outputs'
        self._event(_E.STEP_OUTPUT, StepOutputData(o.name, mapping_key, runtime), f'Yielded output "{o.name}" of type "{dtype.name}".')
        keys = run.output_partition_keys(step, o)
        if dtype.is_nothing or skip_manager:
            if o.asset_key is not None:
                for pk in keys or _NO_PARTITION:
                    self._materialization(AssetMaterialization(o.asset_key, metadata=runtime, partition=pk))
            return
        manager = run.io_manager(o.manager_key, f"output '{o.name}' of op '{step.key}'")
        out_ctx = run.output_context(step, o, keys, mapping_key, runtime, self.log)
        try:
            ret = manager.handle_output(out_ctx, value)
            if ret is not None:
                if inspect.isgenerator(ret):
                    self._drain_handle_output(ret, out_ctx, o)
                elif isinstance(ret, (AssetMaterialization, dict)):
                    # returned instead of yielded: recorded the same way (other return values
                    # are ignored, as a manager's `return path.write_bytes(...)` is harmless)
                    self._drain_handle_output(iter((ret,)), out_ctx, o)
        except StepFailed:
            raise
        except Exception as exc:
            raise _user_error(
                DagsterExecutionHandleOutputError,
                f'Error occurred while handling output "{o.name}" of step "{step.key}":',
                exc,
            ) from exc
        manager_meta = out_ctx.consume_logged_metadata()
        if o.asset_key is not None:
            for ev in out_ctx.consume_events():
                if isinstance(ev, AssetMaterialization) and not ev.metadata and manager_meta:
                    ev = ev.with_metadata(manager_meta)
                self._user_event(ev)
            meta = {**runtime, **manager_meta} if manager_meta else runtime
            for pk in keys or _NO_PARTITION:
                self._materialization(AssetMaterialization(o.asset_key, metadata=meta, partition=pk))
        else:
            for ev in out_ctx.consume_events():
                self._user_event(ev)
        self._event(
            _E.HANDLED_OUTPUT,
            HandledOutputData(o.name, o.manager_key, manager_meta),
            f'Handled output "{o.name}" using IO manager "{o.manager_key}"',
        )

    def _drain_handle_output(self, gen: Iterator[Any], out_ctx: OutputContext, o: OutputPlan) -> None:
        # A yielded materialization with its own metadata conflicts with output metadata given in
        # the same call (add_output_metadata or a yielded dict), whichever comes first.
        yielded_meta = False
        for item in gen:
            if isinstance(item, AssetMaterialization):
                yielded_meta = yielded_meta or bool(item.metadata)
                out_ctx.log_event(item)
            elif isinstance(item, dict):
                out_ctx.add_output_metadata(item)
            else:
                raise DagsterInvariantViolationError(
                    f"IO manager on output {o.name} has returned value {item!r} of type "
                    f"{type(item).__name__}. The return type can only be one of AssetMaterialization, "
                    "Dict[str, MetadataValue]."
                )
            if yielded_meta and out_ctx.get_logged_metadata():
                break
        if yielded_meta and out_ctx.get_logged_metadata():
            raise DagsterInvariantViolationError(
                f"When handling output '{o.name}' of op '{self.step.key}', received a materialization "
                "with metadata, while context.add_output_metadata was used within the same call to "
                "handle_output. Give the metadata in one place: on the yielded AssetMaterialization, "
                "or through add_output_metadata / yielded dicts."
            )

    def _materialization(self, mat: AssetMaterialization) -> None:
        self._event(
            _E.ASSET_MATERIALIZATION,
            StepMaterializationData(mat),
            f"Materialized value {mat.asset_key.to_user_string()}.",
            partition=mat.partition,
        )

    def _user_event(self, ev: Any) -> None:
        if isinstance(ev, AssetMaterialization):
            self._materialization(ev)
        elif isinstance(ev, AssetObservation):
            self._event(_E.ASSET_OBSERVATION, AssetObservationData(ev), partition=ev.partition)


def _run_async(result: Any) -> Any:
    import asyncio  # only async user code pays for it; keeps `import dockyard` fast

    if inspect.isasyncgen(result):
        async def collect() -> list[Any]:
            return [item async for item in result]

        return iter(asyncio.run(collect()))
    return asyncio.run(result)
