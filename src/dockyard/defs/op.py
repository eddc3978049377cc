"""Ops: a compute function with named inputs and outputs (``@op``, ``In``, ``Out``)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from dockyard.defs.signature import FunctionShape, Param, analyze
from dockyard.defs.types import DagsterType, resolve_dagster_type
from dockyard.errors import DagsterInvalidDefinitionError

_UNSET: Any = inspect.Parameter.empty
DEFAULT_IO_MANAGER_KEY = "io_manager"


class In:
    """Declares an input: its type, default, metadata and an optional input manager."""

    __slots__ = (
        "asset_key",
        "asset_partitions",
        "dagster_type",
        "default_value",
        "description",
        "input_manager_key",
        "metadata",
    )

    def __init__(
        self,
        dagster_type: Any = _UNSET,
        description: str | None = None,
        default_value: Any = _UNSET,
        metadata: Mapping[str, Any] | None = None,
        asset_key: Any = None,
        asset_partitions: Any = None,
        input_manager_key: str | None = None,
    ) -> None:
        self.dagster_type = dagster_type
        self.description = description
        self.default_value = default_value
        self.metadata = dict(metadata or {})
        self.asset_key = asset_key
        self.asset_partitions = asset_partitions
        self.input_manager_key = input_manager_key


class Out:
    """Declares an output: its type, I/O manager key, and definition metadata."""

    __slots__ = ("code_version", "dagster_type", "description", "io_manager_key", "is_required", "metadata")

    def __init__(
        self,
        dagster_type: Any = _UNSET,
        description: str | None = None,
        is_required: bool = True,
        io_manager_key: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        code_version: str | None = None,
    ) -> None:
        self.dagster_type = dagster_type
        self.description = description
        self.is_required = is_required
        self.io_manager_key = io_manager_key or DEFAULT_IO_MANAGER_KEY
        self.metadata = dict(metadata or {})
        self.code_version = code_version


class DynamicOut(Out):
    """An output that yields any number of ``DynamicOutput`` values."""


class InputDefinition:
    """A resolved input of an op."""

    __slots__ = ("dagster_type", "default_value", "description", "input_manager_key", "metadata", "name")

    def __init__(
        self,
        name: str,
        dagster_type: DagsterType,
        default_value: Any = _UNSET,
        metadata: Mapping[str, Any] | None = None,
        input_manager_key: str | None = None,
        description: str | None = None,
    ) -> None:
        self.name = name
        self.dagster_type = dagster_type
        self.default_value = default_value
        self.metadata = dict(metadata or {})
        self.input_manager_key = input_manager_key
        self.description = description

    @property
    def has_default_value(self) -> bool:
        return self.default_value is not _UNSET

    @property
    def is_nothing(self) -> bool:
        return self.dagster_type.is_nothing


class OutputDefinition:
    """A resolved output of an op."""

    __slots__ = ("code_version", "dagster_type", "description", "io_manager_key", "is_dynamic", "is_required", "metadata", "name")

    def __init__(
        self,
        name: str,
        dagster_type: DagsterType,
        io_manager_key: str = DEFAULT_IO_MANAGER_KEY,
        metadata: Mapping[str, Any] | None = None,
        is_required: bool = True,
        description: str | None = None,
        code_version: str | None = None,
        is_dynamic: bool = False,
    ) -> None:
        self.name = name
        self.dagster_type = dagster_type
        self.io_manager_key = io_manager_key
        self.metadata = dict(metadata or {})
        self.is_required = is_required
        self.description = description
        self.code_version = code_version
        self.is_dynamic = is_dynamic

    @property
    def is_nothing(self) -> bool:
        return self.dagster_type.is_nothing


def _check_name(name: str, what: str) -> str:
    if not name.isidentifier():
        raise DagsterInvalidDefinitionError(
            f"{what} name {name!r} is not a valid Python identifier; use letters, digits and underscores."
        )
    return name


def build_input_defs(shape: FunctionShape, ins: Mapping[str, In] | None, owner: str) -> dict[str, InputDefinition]:
    """Input definitions from the function parameters and ``ins``."""
    ins = dict(ins or {})
    params = {p.name: p for p in shape.inputs}
    nothing_only: list[str] = []
    for name, spec in ins.items():
        if name not in params:
            if spec.dagster_type is not _UNSET and resolve_dagster_type(spec.dagster_type).is_nothing:
                nothing_only.append(name)  # an ordering-only input has no parameter
                continue
            raise DagsterInvalidDefinitionError(
                f"{owner} declares input {name!r} in ins, but its function has no parameter "
                f"{name!r}. Parameters: {sorted(params)}. Rename the parameter or the ins entry "
                "(only inputs of type Nothing may have no parameter)."
            )
    out: dict[str, InputDefinition] = {}
    for p in shape.inputs:
        out[p.name] = in_def = _input_def(p, ins.pop(p.name, None))
        if in_def.is_nothing:
            raise DagsterInvalidDefinitionError(
                f"{owner} has a parameter {p.name!r} for an input of type Nothing, which never "
                "receives a value. Remove the parameter (keep the ins entry to order the steps)."
            )
    for name in nothing_only:
        out[name] = _input_def(Param(name, inspect.Parameter.empty, inspect.Parameter.empty), ins[name])
    return out


def _input_def(p: Param, spec: In | None) -> InputDefinition:
    ann = spec.dagster_type if spec is not None and spec.dagster_type is not _UNSET else p.annotation
    dtype = resolve_dagster_type(Any if ann is _UNSET else ann)
    default = spec.default_value if spec is not None and spec.default_value is not _UNSET else p.default
    return InputDefinition(
        p.name,
        dtype,
        default_value=default,
        metadata=spec.metadata if spec else None,
        input_manager_key=spec.input_manager_key if spec else None,
        description=spec.description if spec else None,
    )


def build_output_defs(shape: FunctionShape, out: Out | Mapping[str, Out] | None) -> dict[str, OutputDefinition]:
    ret = shape.return_annotation
    if out is None or isinstance(out, Out):
        spec = out or Out()
        ann = spec.dagster_type if spec.dagster_type is not _UNSET else (Any if ret is _UNSET else ret)
        if shape.is_generator and spec.dagster_type is _UNSET:
            ann = Any
        return {"result": _output_def("result", ann, spec)}
    outs: dict[str, OutputDefinition] = {}
    for name, spec in out.items():
        _check_name(name, "Output")
        outs[name] = _output_def(name, spec.dagster_type if spec.dagster_type is not _UNSET else Any, spec)
    return outs


def _output_def(name: str, ann: Any, spec: Out) -> OutputDefinition:
    return OutputDefinition(
        name,
        resolve_dagster_type(ann),
        spec.io_manager_key,
        spec.metadata,
        spec.is_required,
        spec.description,
        spec.code_version,
        isinstance(spec, DynamicOut),
    )


class OpDefinition:
    """An op: a compute function with resolved inputs, outputs, config and resource needs."""

    def __init__(
        self,
        compute_fn: Callable[..., Any],
        name: str,
        ins: Mapping[str, InputDefinition],
        outs: Mapping[str, OutputDefinition],
        shape: FunctionShape,
        config_schema: Any = None,
        required_resource_keys: Iterable[str] | None = None,
        description: str | None = None,
        tags: Mapping[str, Any] | None = None,
        retry_policy: Any = None,
        code_version: str | None = None,
    ) -> None:
        self.compute_fn = compute_fn
        self.name = _check_name(name, "Op")
        self.input_defs = dict(ins)
        self.output_defs = dict(outs)
        self.shape = shape
        self.config_schema = config_schema
        self.resource_params = tuple(p.name for p in shape.resources)
        self.required_resource_keys = frozenset(required_resource_keys or ()) | frozenset(self.resource_params)
        self.description = description
        self.tags = dict(tags or {})
        self.retry_policy = retry_policy
        self.code_version = code_version
        self._config_type: Any = _UNSET

    # Dagster-compatible accessors
    @property
    def ins(self) -> dict[str, InputDefinition]:
        return self.input_defs

    @property
    def outs(self) -> dict[str, OutputDefinition]:
        return self.output_defs

    input_dict = ins
    output_dict = outs

    @property
    def config_type(self) -> Any:
        """The normalised config type (``None`` when no schema was given)."""
        if self._config_type is _UNSET:
            from dockyard.defs.config import as_config_type

            schema = self.config_schema
            if schema is None and self.shape.config is not None and self.shape.config.has_annotation:
                ann = self.shape.config.annotation
                to_schema = getattr(ann, "to_config_schema", None)
                schema = to_schema() if callable(to_schema) else None
            self._config_type = as_config_type(schema)
        return self._config_type

    def alias(self, name: str) -> PendingNodeInvocation:
        return PendingNodeInvocation(self, _check_name(name, "Alias"))

    def tag(self, tags: Mapping[str, Any]) -> PendingNodeInvocation:
        return PendingNodeInvocation(self, None, tags)

    def with_retry_policy(self, retry_policy: Any) -> OpDefinition:
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.retry_policy = retry_policy
        return clone

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from dockyard.defs.graph import current_composition, invoke_directly

        comp = current_composition()
        if comp is not None:
            return comp.add_invocation(self, None, None, args, kwargs)
        return invoke_directly(self, args, kwargs)

    def __repr__(self) -> str:
        return f"<OpDefinition {self.name!r}>"


class PendingNodeInvocation:
    """An op with an alias or tags, waiting to be called inside a graph or job."""

    def __init__(self, node_def: OpDefinition, alias: str | None, tags: Mapping[str, Any] | None = None):
        self.node_def = node_def
        self.alias_name = alias
        self.tags = dict(tags or {})

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from dockyard.defs.graph import current_composition

        comp = current_composition()
        if comp is None:
            raise DagsterInvalidDefinitionError(
                f"Aliased op {self.alias_name!r} can only be called inside a @graph or @job body."
            )
        return comp.add_invocation(self.node_def, self.alias_name, self.tags, args, kwargs)


def op(
    fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    ins: Mapping[str, In] | None = None,
    out: Out | Mapping[str, Out] | None = None,
    config_schema: Any = None,
    required_resource_keys: Sequence[str] | None = None,
    tags: Mapping[str, Any] | None = None,
    retry_policy: Any = None,
    code_version: str | None = None,
    **_ignored: Any,
) -> Any:
    """Turn a function into an ``OpDefinition``. Usable bare (``@op``) or with arguments."""

    def wrap(f: Callable[..., Any]) -> OpDefinition:
        shape = analyze(f, "@op")
        op_name = name or f.__name__
        input_defs = build_input_defs(shape, ins, f"Op {op_name!r}")
        output_defs = build_output_defs(shape, out)
        od = OpDefinition(
            f,
            op_name,
            input_defs,
            output_defs,
            shape,
            config_schema=config_schema,
            required_resource_keys=required_resource_keys,
            description=description or inspect.getdoc(f),
            tags=tags,
            retry_policy=retry_policy,
            code_version=code_version,
        )
        return od

    if fn is not None:
        return wrap(fn)
    return wrap
