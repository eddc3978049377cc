"""Dagster types: the type of an input or output, with its check.

Python annotations become ``DagsterType`` objects: ``-> None`` and ``Nothing`` mean "no value"
(the I/O manager is skipped), plain classes are checked with ``isinstance``, parameterised generics
by their origin (``dict[str, X]`` checks ``dict``), ``Optional``/``Union`` by any member, and
anything else (``Any``, unannotated, type variables) accepts every value.

Where Dagster turns a bare ``list`` annotation into ``typing.List[Any]``, we keep ``list`` as the
``typing_type`` so ``issubclass(context.dagster_type.typing_type, list)`` works (the seed relies
on it).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dockyard.errors import DagsterInvalidDefinitionError


@dataclass(frozen=True, slots=True)
class TypeCheck:
    """The result of a type check."""

    success: bool
    description: str | None = None
    metadata: dict[str, Any] | None = None


class DagsterType:
    """A named type with a check function ``(context, value) -> bool | TypeCheck``."""

    __slots__ = ("_check", "description", "is_nothing", "key", "name", "typing_type")

    def __init__(
        self,
        type_check_fn: Callable[[Any, Any], Any] | None = None,
        name: str | None = None,
        key: str | None = None,
        description: str | None = None,
        typing_type: Any = typing.Any,
        is_nothing: bool = False,
        **_ignored: Any,
    ) -> None:
        if name is None and key is None:
            raise DagsterInvalidDefinitionError(
                "DagsterType needs a name, e.g. DagsterType(name='EvenInt', type_check_fn=...)."
            )
        self.name = name or key or ""
        self.key = key or self.name
        self.description = description
        self.typing_type = typing_type
        self.is_nothing = is_nothing
        self._check = type_check_fn

    @property
    def display_name(self) -> str:
        return self.name

    @property
    def is_any(self) -> bool:
        return self._check is None and not self.is_nothing

    def type_check(self, context: Any, value: Any) -> TypeCheck:
        if self._check is None:
            return _PASS
        res = self._check(context, value)
        if isinstance(res, TypeCheck):
            return res
        if isinstance(res, bool):
            return _PASS if res else TypeCheck(False, f'Value {value!r} failed the type check for "{self.name}".')
        raise DagsterInvalidDefinitionError(
            f"The type check of DagsterType {self.name!r} returned {res!r}; it must return a bool "
            "or a TypeCheck."
        )

    def __repr__(self) -> str:
        return f"DagsterType({self.name!r})"


_PASS = TypeCheck(True)

Any_ = DagsterType(name="Any", typing_type=typing.Any)
Nothing = DagsterType(name="Nothing", typing_type=type(None), is_nothing=True)

_cache: dict[Any, DagsterType] = {}
_SCALAR_NAMES: dict[type, str] = {int: "Int", str: "String", bool: "Bool", float: "Float"}


def _isinstance_check(cls: Any, label: str) -> Callable[[Any, Any], Any]:
    def check(_ctx: Any, value: Any) -> Any:
        if isinstance(value, cls):
            return True
        return TypeCheck(
            False,
            f'Value of type {type(value).__name__} failed type check for Dagster type "{label}", '
            f"expected value to be of Python type {label}.",
        )

    return check


def _union_check(members: tuple[Any, ...], label: str) -> Callable[[Any, Any], Any]:
    checks = [resolve_dagster_type(m) for m in members]

    def check(ctx: Any, value: Any) -> Any:
        for t in checks:
            if t.type_check(ctx, value).success:
                return True
        return TypeCheck(False, f"Value {value!r} matches none of the types in {label}.")

    return check


def resolve_dagster_type(annotation: Any) -> DagsterType:
    """The ``DagsterType`` for an annotation, ``In``/``Out`` type, or ``None`` (= Nothing)."""
    if isinstance(annotation, DagsterType):
        return annotation
    try:
        cached = _cache.get(annotation)
    except TypeError:  # unhashable annotation
        cached = None
    if cached is not None:
        return cached
    result = _build(annotation)
    try:
        _cache[annotation] = result
    except TypeError:
        pass
    return result


def _build(annotation: Any) -> DagsterType:
    if annotation is None or annotation is type(None):
        return Nothing
    if annotation is typing.Any or annotation is object or isinstance(annotation, (typing.TypeVar, str)):
        return Any_
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        args = typing.get_args(annotation)
        label = " | ".join(getattr(a, "__name__", repr(a)) for a in args)
        return DagsterType(_union_check(args, label), name=label, typing_type=annotation)
    if origin is typing.Annotated:
        return resolve_dagster_type(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        return DagsterType(name=repr(annotation), typing_type=annotation)
    if origin is not None and isinstance(origin, type):
        label = getattr(origin, "__name__", repr(origin))
        return DagsterType(_isinstance_check(origin, label), name=label, typing_type=annotation)
    if annotation in (list, typing.List):  # noqa: UP006 - bare typing.List is a real input form
        return DagsterType(_isinstance_check(list, "list"), name="list", typing_type=list)
    if annotation in (dict, typing.Dict):  # noqa: UP006
        return DagsterType(_isinstance_check(dict, "dict"), name="dict", typing_type=dict)
    if isinstance(annotation, type):
        label = annotation.__name__
        accepted = (float, int) if annotation is float else annotation  # an int is a valid float
        # Dagster's names for the built-in scalar types, the class name otherwise
        name = _SCALAR_NAMES.get(annotation, label)
        return DagsterType(_isinstance_check(accepted, label), name=name, typing_type=annotation)
    return DagsterType(name=repr(annotation), typing_type=annotation)


def accepts_dict(dagster_type: DagsterType) -> bool:
    """Whether a dict of partition values may be passed for this type (several partitions)."""
    return dagster_type.is_any or dagster_type.type_check(None, {}).success
