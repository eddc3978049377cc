"""The I/O-manager contract: ``IOManager``, ``InputManager``, their definitions and decorators.

An I/O manager is a resource whose value stores outputs (``handle_output``) and loads inputs
(``load_input``). Anything bound under an I/O-manager key is coerced here: an ``IOManager``
instance, an ``IOManagerDefinition``, or a pythonic ``ConfigurableIOManagerFactory``.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import Any

from dockyard.defs.resource import ResourceDefinition, coerce_to_resource_definition
from dockyard.errors import DagsterInvalidDefinitionError


class InputManager(ABC):
    """Loads an input value; ``context`` is an ``InputContext``."""

    @abstractmethod
    def load_input(self, context: Any) -> Any:
        """Return the value of the input described by ``context``."""


class OutputManager(ABC):
    """Stores an output value; ``context`` is an ``OutputContext``."""

    @abstractmethod
    def handle_output(self, context: Any, obj: Any) -> Any:
        """Store ``obj`` for the output described by ``context``."""


class IOManager(InputManager, OutputManager):
    """Stores outputs and loads them back as inputs. Implement both methods."""


class _InputConfig:
    """The per-input config schema that I/O manager and input manager definitions both take."""

    _input_config_schema: Any
    _input_config_type: Any

    @property
    def input_config_schema(self) -> Any:
        return self._input_config_schema

    @property
    def input_config_type(self) -> Any:
        if self._input_config_type is _UNSET:
            from dockyard.defs.config import as_config_type

            self._input_config_type = as_config_type(self._input_config_schema)
        return self._input_config_type


class IOManagerDefinition(_InputConfig, ResourceDefinition):
    """A resource definition whose value is an ``IOManager``.

    ``output_config_schema`` defaults to ``None``: no per-output config is accepted.
    ``input_config_schema`` likewise (per-input config applies to ``input_manager_key`` inputs).
    """

    def __init__(
        self,
        resource_fn: Callable[..., Any],
        config_schema: Any = None,
        description: str | None = None,
        required_resource_keys: Iterable[str] | None = None,
        version: str | None = None,
        input_config_schema: Any = None,
        output_config_schema: Any = None,
    ) -> None:
        super().__init__(resource_fn, config_schema, description, required_resource_keys, version)
        self._input_config_schema = input_config_schema
        self._output_config_schema = output_config_schema
        self._input_config_type: Any = _UNSET
        self._output_config_type: Any = _UNSET

    @property
    def output_config_schema(self) -> Any:
        return self._output_config_schema

    @property
    def output_config_type(self) -> Any:
        if self._output_config_type is _UNSET:
            from dockyard.defs.config import as_config_type

            self._output_config_type = as_config_type(self._output_config_schema)
        return self._output_config_type

    def _copy_with(self, **changes: Any) -> ResourceDefinition:
        new = super()._copy_with(**changes)
        assert isinstance(new, IOManagerDefinition)
        new._input_config_type = _UNSET
        new._output_config_type = _UNSET
        return new

    @staticmethod
    def hardcoded_io_manager(value: IOManager, description: str | None = None) -> IOManagerDefinition:
        """A definition whose value is always ``value``."""
        if not isinstance(value, InputManager):
            raise DagsterInvalidDefinitionError(
                f"hardcoded_io_manager needs an IOManager instance, got {value!r}."
            )
        defn = IOManagerDefinition(lambda: value, description=description)
        defn._hardcoded = True
        return defn


class InputManagerDefinition(_InputConfig, ResourceDefinition):
    """A resource definition whose value is an ``InputManager``."""

    def __init__(
        self,
        resource_fn: Callable[..., Any],
        config_schema: Any = None,
        description: str | None = None,
        input_config_schema: Any = None,
        required_resource_keys: Iterable[str] | None = None,
        version: str | None = None,
    ) -> None:
        super().__init__(resource_fn, config_schema, description, required_resource_keys, version)
        self._input_config_schema = input_config_schema
        self._input_config_type: Any = _UNSET

    output_config_schema = None
    output_config_type = None


_UNSET: Any = object()


def io_manager(
    config_schema: Any = None,
    description: str | None = None,
    output_config_schema: Any = None,
    input_config_schema: Any = None,
    required_resource_keys: Iterable[str] | None = None,
    version: str | None = None,
) -> Any:
    """Define an ``IOManagerDefinition`` from a function returning an ``IOManager``.

    Usable bare (``@io_manager``) or with arguments. The function takes the
    ``InitResourceContext`` or nothing, and may be a generator (teardown after ``yield``).
    """
    if callable(config_schema) and not _is_schema(config_schema):
        return _make_io_manager_def(config_schema, None, None, None, None, None, None)

    def wrap(fn: Callable[..., Any]) -> IOManagerDefinition:
        return _make_io_manager_def(
            fn, config_schema, description, output_config_schema, input_config_schema,
            required_resource_keys, version,
        )

    return wrap


def _is_schema(obj: Any) -> bool:
    """Config schemas can be classes (``str``, ``int``) or config type objects; functions are not."""
    return isinstance(obj, type) or not (inspect.isfunction(obj) or inspect.ismethod(obj))


def _make_io_manager_def(
    fn: Callable[..., Any], config_schema: Any, description: str | None, output_config_schema: Any,
    input_config_schema: Any, required_resource_keys: Iterable[str] | None, version: str | None,
) -> IOManagerDefinition:
    defn = IOManagerDefinition(
        fn, config_schema, description or inspect.getdoc(fn), required_resource_keys, version,
        input_config_schema=input_config_schema, output_config_schema=output_config_schema,
    )
    try:
        defn.__name__ = fn.__name__  # type: ignore[attr-defined]
        defn.__doc__ = fn.__doc__
    except AttributeError:
        pass
    return defn


class _FunctionInputManager(InputManager):
    """The value of an ``@input_manager`` resource: calls the load function per input."""

    def __init__(self, load_fn: Callable[..., Any], takes_context: bool) -> None:
        self._load_fn = load_fn
        self._takes_context = takes_context

    def load_input(self, context: Any) -> Any:
        value = self._load_fn(context) if self._takes_context else self._load_fn()
        if isinstance(value, InputManager):
            return value.load_input(context)
        return value


def input_manager(
    config_schema: Any = None,
    description: str | None = None,
    input_config_schema: Any = None,
    required_resource_keys: Iterable[str] | None = None,
    version: str | None = None,
) -> Any:
    """Define an ``InputManagerDefinition``. The decorated function is the load function: it is
    called per input with the ``InputContext`` (or with nothing if it takes no parameter); if it
    returns an ``InputManager``, that manager's ``load_input`` gives the value."""
    if callable(config_schema) and not _is_schema(config_schema):
        return _make_input_manager_def(config_schema, None, None, None, None, None)

    def wrap(fn: Callable[..., Any]) -> InputManagerDefinition:
        return _make_input_manager_def(fn, config_schema, description, input_config_schema, required_resource_keys, version)

    return wrap


def _make_input_manager_def(
    fn: Callable[..., Any], config_schema: Any, description: str | None, input_config_schema: Any,
    required_resource_keys: Iterable[str] | None, version: str | None,
) -> InputManagerDefinition:
    takes_context = len(inspect.signature(fn).parameters) >= 1
    manager = _FunctionInputManager(fn, takes_context)
    defn = InputManagerDefinition(
        lambda: manager, config_schema, description or inspect.getdoc(fn),
        input_config_schema, required_resource_keys, version,
    )
    return defn


def coerce_to_io_manager_definition(obj: Any) -> ResourceDefinition:
    """The definition for a value bound under an I/O-manager key."""
    if isinstance(obj, ResourceDefinition):
        return obj
    if isinstance(obj, InputManager):
        get_def = getattr(type(obj), "get_resource_definition", None)
        if callable(get_def):  # a ConfigurableIOManager is both an IOManager and a resource
            return coerce_to_resource_definition(obj)
        return IOManagerDefinition.hardcoded_io_manager(obj)  # type: ignore[arg-type]
    return coerce_to_resource_definition(obj)


def is_io_manager_definition(defn: ResourceDefinition, obj: Any = None) -> bool:
    """Whether ``defn`` (bound from ``obj``) produces an I/O manager."""
    if isinstance(defn, (IOManagerDefinition, InputManagerDefinition)):
        return True
    return obj is not None and (isinstance(obj, InputManager) or getattr(obj, "_dockyard_is_io_manager_factory", False))
