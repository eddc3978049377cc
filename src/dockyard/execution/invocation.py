"""Calling an op or asset directly, outside any run (``my_asset()`` in a unit test)."""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

from dockyard.defs.resource import Resources
from dockyard.defs.results import MaterializeResult, Output
from dockyard.errors import DagsterInvalidInvocationError
from dockyard.execution.context import OpExecutionContext, StepLog


def build_op_context(
    resources: Mapping[str, Any] | None = None,
    op_config: Any = None,
    resources_config: Mapping[str, Any] | None = None,
    instance: Any = None,
    config: Any = None,
    partition_key: str | None = None,
    **_ignored: Any,
) -> OpExecutionContext:
    """A context for invoking an op or asset directly in a test."""
    from dockyard.execution.resources import ScopedResources

    scoped = ScopedResources(dict(resources or {}), resources_config or {}, instance=instance)
    import uuid  # lazy: keeps `import dockyard` fast

    run_id = str(uuid.uuid4())
    return OpExecutionContext(
        run_id=run_id,
        job_name="ephemeral_job",
        step=None,
        op_config=op_config if op_config is not None else config,
        resources=scoped.namespace(),
        instance=instance,
        log=StepLog(run_id, "ephemeral_job", None),
        partition_key=partition_key,
        partition_keys=[partition_key] if partition_key is not None else None,
    )


build_asset_context = build_op_context


def invoke_op(op_def: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
    shape = op_def.shape
    args = list(args)
    call: dict[str, Any] = {}
    ctx = None
    if shape.context is not None:
        if args and isinstance(args[0], OpExecutionContext):
            ctx = args.pop(0)
        elif shape.context.name in kwargs:
            ctx = kwargs[shape.context.name]
        if ctx is None:
            ctx = build_op_context()
        call[shape.context.name] = ctx
    elif args and isinstance(args[0], OpExecutionContext):
        ctx = args.pop(0)
    rest = {k: v for k, v in kwargs.items() if shape.context is None or k != shape.context.name}
    names = [p.name for p in shape.inputs]
    if len(args) > len(names):
        raise DagsterInvalidInvocationError(
            f"{op_def.name} takes {len(names)} inputs {names} but was called with {len(args)} positional arguments."
        )
    for name, value in zip(names, args, strict=False):
        call[name] = value
    for p in shape.resources:
        if p.name in rest:
            call[p.name] = rest.pop(p.name)
        elif ctx is not None and isinstance(ctx.resources, Resources) and p.name in ctx.resources:
            call[p.name] = getattr(ctx.resources, p.name)
        else:
            raise DagsterInvalidInvocationError(f"{op_def.name} needs resource {p.name!r}; pass it as a keyword argument.")
    if shape.config is not None:
        cfg = rest.pop(shape.config.name, None)
        if cfg is None and ctx is not None:
            cfg = ctx.op_config
        call[shape.config.name] = cfg
    for name, value in rest.items():
        if name not in names:
            raise DagsterInvalidInvocationError(f"{op_def.name} has no input {name!r}; its inputs are {names}.")
        call[name] = value
    for p in shape.inputs:
        if p.name not in call and p.has_default:
            call[p.name] = p.default
    missing = [n for n in names if n not in call]
    if missing:
        raise DagsterInvalidInvocationError(f"{op_def.name} was called without inputs {missing}.")
    result = op_def.compute_fn(**call)
    if inspect.isgenerator(result):
        return list(result)
    if isinstance(result, Output):
        return result.value
    if isinstance(result, MaterializeResult) and result.value is not None:
        return result
    return result
