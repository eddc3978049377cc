"""Reading a user function's signature: which parameter is the context, which are config,
resources, or inputs, and what their annotations are (string annotations resolved)."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_CONTEXT_NAMES = frozenset({"context", "_context", "context_", "_", "ctx"})
_CONTEXT_TYPE_NAMES = frozenset(
    {"AssetExecutionContext", "OpExecutionContext", "AssetCheckExecutionContext"}
)
_EMPTY = inspect.Parameter.empty


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    annotation: Any  # inspect.Parameter.empty when absent
    default: Any  # inspect.Parameter.empty when absent

    @property
    def has_annotation(self) -> bool:
        return self.annotation is not _EMPTY

    @property
    def has_default(self) -> bool:
        return self.default is not _EMPTY


@dataclass(frozen=True, slots=True)
class FunctionShape:
    """The roles of a compute function's parameters."""

    context: Param | None
    config: Param | None
    resources: tuple[Param, ...]
    inputs: tuple[Param, ...]
    return_annotation: Any
    is_generator: bool
    is_async: bool


def _hints(fn: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(fn, include_extras=True)
    except Exception:
        return {}


def is_config_class(annotation: Any) -> bool:
    return isinstance(annotation, type) and getattr(annotation, "_dockyard_is_config", False)


def is_resource_annotation(annotation: Any) -> bool:
    """A parameter annotated with a resource type (a ConfigurableResource subclass, or
    ``ResourceParam[...]``) receives the resource of the same name."""
    if typing.get_origin(annotation) is typing.Annotated:
        return any(getattr(m, "_dockyard_resource_param", False) for m in annotation.__metadata__)
    return isinstance(annotation, type) and hasattr(annotation, "get_resource_definition") and not is_config_class(annotation)


def _is_context(p: inspect.Parameter, annotation: Any) -> bool:
    if p.name in _CONTEXT_NAMES:
        return True
    name = getattr(annotation, "__name__", None) or (annotation if isinstance(annotation, str) else None)
    return name in _CONTEXT_TYPE_NAMES


def analyze(fn: Callable[..., Any], decorator: str) -> FunctionShape:
    """Split ``fn``'s parameters into context / config / resources / inputs."""
    sig = inspect.signature(fn)
    hints = _hints(fn)
    params = list(sig.parameters.values())
    context: Param | None = None
    config: Param | None = None
    resources: list[Param] = []
    inputs: list[Param] = []
    for i, p in enumerate(params):
        if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        ann = hints.get(p.name, p.annotation)
        param = Param(p.name, ann, p.default)
        if i == 0 and _is_context(p, ann):
            context = param
        elif p.name == "config" or is_config_class(ann):
            config = param
        elif is_resource_annotation(ann):
            resources.append(param)
        else:
            inputs.append(param)
    ret = hints.get("return", sig.return_annotation)
    return FunctionShape(
        context=context,
        config=config,
        resources=tuple(resources),
        inputs=tuple(inputs),
        return_annotation=ret,
        is_generator=inspect.isgeneratorfunction(fn),
        is_async=inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn),
    )
