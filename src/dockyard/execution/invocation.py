"""Calling an op or asset directly, outside any run (``my_asset()`` in a unit test)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from dockyard.defs.resource import Resources
from dockyard.defs.results import Output
from dockyard.errors import DagsterInvalidDefinitionError, DagsterInvalidInvocationError
from dockyard.execution.context import OpExecutionContext, StepLog


def build_op_context(
    resources: Mapping[str, Any] | None = None,
    op_config: Any = None,
    resources_config: Mapping[str, Any] | None = None,
    instance: Any = None,
    config: Any = None,
    partition_key: str | None = None,
    partition_key_range: Any = None,
    run_tags: Mapping[str, str] | None = None,
    run_id: str | None = None,
    **_ignored: Any,
) -> OpExecutionContext:
    """A context for invoking an op or asset directly in a test.

    Use it as a context manager (``with build_op_context(resources=...) as ctx:``) to tear its
    resources down when the block ends.
    """
    from dockyard.execution.resources import ScopedResources

    scoped = ScopedResources(dict(resources or {}), resources_config or {}, instance=instance)
    if run_id is None:
        import uuid  # lazy: keeps `import dockyard` fast

        run_id = str(uuid.uuid4())
    keys: list[str] | None = [partition_key] if partition_key is not None else None
    if partition_key_range is not None and partition_key is None:
        keys = [partition_key_range.start, partition_key_range.end]
        if keys[0] == keys[1]:
            keys = keys[:1]
    run = _EphemeralRun(run_id, dict(run_tags or {})) if run_tags else None
    ctx = OpExecutionContext(
        run_id=run_id,
        job_name="ephemeral_job",
        step=None,
        op_config=op_config if op_config is not None else config,
        resources=scoped.namespace(),
        instance=instance,
        log=StepLog(run_id, "ephemeral_job", None),
        partition_key=partition_key,
        partition_keys=keys,
        dagster_run=run,
    )
    ctx._scoped = scoped  # closed by ``with build_op_context(...) as ctx:``
    ctx._key_range = partition_key_range if partition_key is None else None  # listed by _bind
    return ctx


def build_asset_context(
    resources: Mapping[str, Any] | None = None,
    resources_config: Mapping[str, Any] | None = None,
    asset_config: Any = None,
    instance: Any = None,
    partition_key: str | None = None,
    partition_key_range: Any = None,
    run_tags: Mapping[str, str] | None = None,
    run_id: str | None = None,
    **_ignored: Any,
) -> OpExecutionContext:
    """A context for invoking an asset directly in a test (``asset_config`` is its config)."""
    return build_op_context(
        resources=resources, op_config=asset_config, resources_config=resources_config, instance=instance,
        partition_key=partition_key, partition_key_range=partition_key_range, run_tags=run_tags, run_id=run_id,
    )


class _EphemeralRun:
    """The ``context.run`` of a directly invoked op: its id and tags."""

    __slots__ = ("run_id", "tags")

    def __init__(self, run_id: str, tags: dict[str, str]) -> None:
        self.run_id = run_id
        self.tags = tags


def _bind(ctx: OpExecutionContext, op_def: Any, assets_def: Any) -> None:
    """Give a context built outside any run the op (and asset) it is invoked for."""
    if ctx._step is not None and not ctx._bound_by_invocation:
        return
    from dockyard.execution.plan import OutputPlan, StepPlan

    keys = getattr(assets_def, "keys_by_output_name", None) or {}
    outputs = [OutputPlan(n, d, keys.get(n), d.io_manager_key) for n, d in op_def.output_defs.items()]
    ctx._step = StepPlan(op_def.name, op_def, [], outputs, (), assets_def, {}, op_def.name)
    ctx._bound_by_invocation = True
    if ctx._partitions_def is None and assets_def is not None:
        ctx._partitions_def = getattr(assets_def, "partitions_def", None)
    if ctx._key_range is not None and ctx._partitions_def is not None:  # every key of the range
        ctx._partition_keys = list(ctx._partitions_def.get_partition_keys_in_range(ctx._key_range))


def _op_config_for_call(op_def: Any, given: Any, ctx: Any) -> Any:
    """The op's config for a direct call: validated against its schema, with defaults."""
    config_type = op_def.config_type
    if config_type is None:
        return given
    from dockyard.defs.config import validate_config

    if given is not None and not isinstance(given, Mapping) and hasattr(given, "model_fields_set"):
        return given  # a Config instance, already validated
    return validate_config(config_type, given, f"op '{op_def.name}'", f"root:ops:{op_def.name}:config")


def invoke_op(op_def: Any, args: Sequence[Any], kwargs: Mapping[str, Any], assets_def: Any = None) -> Any:
    shape = op_def.shape
    args = list(args)
    call: dict[str, Any] = {}
    ctx = None
    ctx_given = False
    if shape.context is not None:
        if args and (args[0] is None or isinstance(args[0], OpExecutionContext)):
            ctx = args.pop(0)
            ctx_given = True
        elif shape.context.name in kwargs:
            ctx = kwargs[shape.context.name]
            ctx_given = True
    elif args and isinstance(args[0], OpExecutionContext):
        ctx = args.pop(0)
        ctx_given = True
    rest = {k: v for k, v in kwargs.items() if shape.context is None or k != shape.context.name}
    config_value: Any = rest.pop(shape.config.name, None) if shape.config is not None else None
    if shape.config is not None and config_value is None and args and _is_config_object(args[0]):
        config_value = args.pop(0)
    names = [p.name for p in shape.inputs]
    if len(args) > len(names):
        raise DagsterInvalidInvocationError(
            f"{op_def.name} takes {len(names)} inputs {names} but was called with {len(args)} positional arguments."
        )
    for name, value in zip(names, args, strict=False):
        call[name] = value
    if ctx is None and (shape.context is not None or shape.config is not None or op_def.required_resource_keys):
        ctx = build_op_context()
    if ctx is not None and not ctx_given and shape.context is None:
        ctx = None
    given_resources = ctx.resources if ctx is not None else None
    missing_res = sorted(
        k for k in set(op_def.required_resource_keys or ()) - {p.name for p in shape.resources}
        if not (isinstance(given_resources, Resources) and k in given_resources)
    )
    if missing_res:
        raise DagsterInvalidDefinitionError(
            f"resource with key {missing_res[0]!r} required by op {op_def.name!r} was not provided. Pass it "
            f"when invoking: {op_def.name}(build_op_context(resources={{{missing_res[0]!r}: ...}}), ...)."
        )
    for p in shape.resources:
        if p.name in rest:
            call[p.name] = rest.pop(p.name)
        elif isinstance(given_resources, Resources) and p.name in given_resources:
            call[p.name] = getattr(given_resources, p.name)
        else:
            raise DagsterInvalidInvocationError(f"{op_def.name} needs resource {p.name!r}; pass it as a keyword argument.")
    if shape.config is not None or op_def.config_type is not None:
        raw = config_value if config_value is not None else (ctx.op_config if ctx is not None else None)
        resolved = _op_config_for_call(op_def, raw, ctx)
        if ctx is not None:
            ctx._op_config = resolved
        if shape.config is not None:
            ann = shape.config.annotation if shape.config.has_annotation else None
            if isinstance(resolved, Mapping) and isinstance(ann, type) and getattr(ann, "_dockyard_is_config", False):
                resolved = ann(**resolved)
            call[shape.config.name] = resolved
    if shape.context is not None:
        if isinstance(ctx, OpExecutionContext):
            _bind(ctx, op_def, assets_def)
        call[shape.context.name] = ctx
    for name, value in rest.items():
        if name not in names:
            raise DagsterInvalidInvocationError(f"{op_def.name} has no input {name!r}; its inputs are {names}.")
        call[name] = value
    for p in shape.inputs:
        if p.name not in call and p.has_default:
            call[p.name] = p.default
    missing = [n for n in names if n not in call]
    if missing:
        raise DagsterInvalidInvocationError(
            f"No value provided for required input {missing[0]!r} of {op_def.name} (missing inputs: {missing})."
        )
    result = op_def.compute_fn(**call)
    if inspect.isgenerator(result):
        return _passthrough(result)
    if isinstance(result, Output):
        return result.value
    return result


def _passthrough(gen: Iterator[Any]) -> Iterator[Any]:
    # A generator op called directly returns a generator of its events, like Dagster.
    yield from gen


def _is_config_object(value: Any) -> bool:
    return getattr(type(value), "_dockyard_is_config", False) is True
