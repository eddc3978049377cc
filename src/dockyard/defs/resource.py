"""Resource definitions: ``ResourceDefinition``, ``@resource``, ``InitResourceContext``.

A resource function takes zero or one argument (the :class:`InitResourceContext`) and may
return its value, be a generator that yields it once (code after ``yield`` is teardown), or
return a ``@contextmanager``. :func:`open_resource` is the one place that calls a resource
function; the run-time scope in ``execution/resources.py`` and direct invocation both use it.

Coercion (:func:`coerce_to_resource_definition`) of a non-definition object, in order:

1. a ``ResourceDefinition`` is itself;
2. an object whose *class* has ``get_resource_definition()`` (pythonic resources) gives that;
3. an object whose class has ``__dockyard_resource_definition__()`` gives that — the hook
   other layers use (e.g. a plain ``IOManager`` instance becomes a hardcoded IO manager);
4. anything else becomes :meth:`ResourceDefinition.hardcoded_resource`.

Class-level lookups keep ``unittest.mock`` objects (which answer every attribute) in case 4.
"""

from __future__ import annotations

import copy
import functools
import inspect
import logging
import types
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager, ContextDecorator
from typing import Annotated, Any, TypeVar, overload

from dockyard.defs.config import ConfigType, as_config_type, is_required, validate_config
from dockyard.errors import (
    DagsterError,
    DagsterInvalidDefinitionError,
    DagsterInvalidInvocationError,
    DagsterInvariantViolationError,
    DagsterResourceFunctionError,
    DagsterUnknownResourceError,
)

__all__ = [
    "InitResourceContext",
    "ResourceDefinition",
    "Resources",
    "build_init_resource_context",
    "coerce_to_resource_definition",
    "open_resource",
    "resource",
    "ResourceParam",
    "with_resources",
]

_UNSET: Any = object()


class _ResourceParamMarker:
    """Annotation metadata: the parameter receives the resource bound at its name."""

    _dockyard_resource_param = True

    def __repr__(self) -> str:
        return "resource_param"


_T = TypeVar("_T")
# ``def my_asset(client: ResourceParam[Client])``: the parameter is a resource, not an input.
ResourceParam = Annotated[_T, _ResourceParamMarker()]
Teardown = Callable[[], None]
_LOG = logging.getLogger("dockyard")


def _takes_context(fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` accepts a positional argument (the init context)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    for p in params:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL):
            return True
    return False


class ResourceDefinition:
    """A resource: a function building a value for a run, its config schema and dependencies.

    Args:
        resource_fn: takes the :class:`InitResourceContext` (or nothing) and returns, yields or
            enters the resource value.
        config_schema: schema of ``resources.<key>.config`` in run config.
        description: shown in tooling.
        required_resource_keys: resources initialised first and visible as
            ``context.resources.<key>``.
        version: an opaque version string.
    """

    def __init__(
        self,
        resource_fn: Callable[..., Any],
        config_schema: Any = None,
        description: str | None = None,
        required_resource_keys: Iterable[str] | None = None,
        version: str | None = None,
    ) -> None:
        if not callable(resource_fn):
            raise DagsterInvalidDefinitionError(
                f"ResourceDefinition needs a callable resource_fn, got {resource_fn!r}."
            )
        if isinstance(required_resource_keys, str):
            required_resource_keys = [required_resource_keys]
        self._resource_fn = resource_fn
        self._config_schema = config_schema
        self._config_type: Any = _UNSET
        self._description = description
        self._required_resource_keys = frozenset(required_resource_keys or ())
        self._version = version
        self._takes_context = _takes_context(resource_fn)
        # (parent's resolve_config, mapping dict or function) when made by .configured()
        self._config_mapping: tuple[Callable[[Any, str, str], Any], Any] | None = None
        self._hardcoded = False

    # -- properties -----------------------------------------------------------------------

    @property
    def resource_fn(self) -> Callable[..., Any]:
        return self._resource_fn

    @property
    def config_schema(self) -> Any:
        """The schema as given (``None`` when the resource takes no config)."""
        return self._config_schema

    @property
    def config_type(self) -> ConfigType | None:
        """The normalised config type, computed once."""
        if self._config_type is _UNSET:
            self._config_type = as_config_type(self._config_schema)
        return self._config_type  # type: ignore[no-any-return]

    @property
    def description(self) -> str | None:
        return self._description

    @property
    def required_resource_keys(self) -> frozenset[str]:
        return self._required_resource_keys

    @property
    def version(self) -> str | None:
        return self._version

    @property
    def is_config_required(self) -> bool:
        """Whether run config must provide ``resources.<key>.config``."""
        return is_required(self.config_type)

    # -- config ---------------------------------------------------------------------------

    def resolve_config(self, value: Any, where: str, path: str = "root") -> Any:
        """Validate ``value`` and return the config the resource function sees.

        For a ``configured`` definition the value is validated against the outer schema,
        mapped, then validated against the original definition's schema.
        """
        resolved = validate_config(self.config_type, value, where, path)
        if self._config_mapping is None:
            return resolved
        parent_resolve, mapping = self._config_mapping
        inner = mapping(resolved) if callable(mapping) else mapping
        return parent_resolve(inner, where, path)

    def configured(
        self,
        config_or_config_fn: Any,
        config_schema: Any = None,
        description: str | None = None,
    ) -> ResourceDefinition:
        """A copy of this definition with its config supplied.

        Args:
            config_or_config_fn: the config (merged with the schema's defaults at init time), or
                a function mapping the new definition's config to this one's.
            config_schema: schema of the new definition's config; only with a function.
            description: of the new definition (defaults to this one's).
        """
        if config_schema is not None and not callable(config_or_config_fn):
            raise DagsterInvalidDefinitionError(
                "configured() takes config_schema only together with a config function; "
                f"got the config value {config_or_config_fn!r}. Pass a function mapping the "
                "new config to this resource's config, or drop config_schema."
            )
        new = self._copy_with(
            config_schema=config_schema,
            description=description if description is not None else self._description,
            version=None,
        )
        new._config_mapping = (self.resolve_config, config_or_config_fn)
        return new

    def _copy_with(self, **changes: Any) -> ResourceDefinition:
        """A shallow copy with ``changes`` (``config_schema``, ``description``, ``version``...).

        Subclasses with extra state are copied along; override to adjust it.
        """
        new = copy.copy(self)
        for name, value in changes.items():
            setattr(new, f"_{name}", value)
        new._config_type = _UNSET
        return new

    # -- helpers --------------------------------------------------------------------------

    @staticmethod
    def hardcoded_resource(value: Any, description: str | None = None) -> ResourceDefinition:
        """A resource whose value is ``value``."""
        defn = ResourceDefinition(lambda _ctx: value, description=description)
        defn._hardcoded = True
        return defn

    @staticmethod
    def none_resource(description: str | None = None) -> ResourceDefinition:
        """A resource whose value is ``None``."""
        return ResourceDefinition.hardcoded_resource(None, description)

    @staticmethod
    def mock_resource(description: str | None = None) -> ResourceDefinition:
        """A resource whose value is a new ``unittest.mock.MagicMock`` per run."""

        def make_mock(_ctx: Any) -> Any:
            from unittest import mock

            return mock.MagicMock()

        return ResourceDefinition(make_mock, description=description)

    @staticmethod
    def string_resource(description: str | None = None) -> ResourceDefinition:
        """A resource whose value is its (string) config."""
        return ResourceDefinition(
            lambda ctx: ctx.resource_config, config_schema=str, description=description
        )

    # -- direct invocation ----------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Invoke the resource function directly, as in tests: ``my_resource(context)``."""
        context = _single_context_arg(args, kwargs)
        if not self._takes_context:
            if context is not None and self.config_type is not None:
                self.resolve_config(context.resource_config, "resource (direct invocation)")
            value, teardown = open_resource(self, None)
            _keep_teardown(context, teardown)
            return value
        if context is None:
            if self.is_config_required:
                raise DagsterInvalidInvocationError(
                    "Resource has required config, but no context was provided. Use "
                    "build_init_resource_context(config=...) to create a context with config."
                )
            context = InitResourceContext(resource_config=None)
        config = self.resolve_config(context.resource_config, "resource (direct invocation)")
        bound = context._replace(resource_config=config, resource_def=self)
        value, teardown = open_resource(self, bound)
        _keep_teardown(context, teardown)
        return value

    def __repr__(self) -> str:
        name = getattr(self, "__name__", None)
        return f"<{type(self).__name__} {name}>" if name else f"<{type(self).__name__}>"


def _single_context_arg(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Any:
    if len(args) + len(kwargs) > 1:
        raise DagsterInvalidInvocationError(
            f"A resource is invoked with at most one argument (its init context), got "
            f"{len(args) + len(kwargs)}."
        )
    ctx = args[0] if args else next(iter(kwargs.values()), None)
    if ctx is not None and not isinstance(ctx, InitResourceContext):
        raise DagsterInvalidInvocationError(
            f"A resource is invoked with an InitResourceContext or None, got {ctx!r}. "
            "Build one with build_init_resource_context()."
        )
    return ctx


def _keep_teardown(context: InitResourceContext | None, teardown: Teardown | None) -> None:
    if teardown is not None and context is not None:
        context._teardowns.append(teardown)


@overload
def resource(config_schema: Callable[..., Any]) -> ResourceDefinition: ...


@overload
def resource(
    config_schema: Any = None,
    description: str | None = None,
    required_resource_keys: Iterable[str] | None = None,
    version: str | None = None,
) -> Callable[[Callable[..., Any]], ResourceDefinition]: ...


def resource(
    config_schema: Any = None,
    description: str | None = None,
    required_resource_keys: Iterable[str] | None = None,
    version: str | None = None,
) -> Any:
    """Turn a function into a :class:`ResourceDefinition`; usable bare or with arguments."""
    if callable(config_schema) and not _is_schema_like(config_schema):
        return _make_resource(config_schema, None, None, None, None)

    def decorate(fn: Callable[..., Any]) -> ResourceDefinition:
        return _make_resource(fn, config_schema, description, required_resource_keys, version)

    return decorate


def _is_schema_like(obj: Any) -> bool:
    return isinstance(obj, (type, ConfigType)) or hasattr(obj, "__dockyard_config_type__")


def _make_resource(
    fn: Callable[..., Any],
    config_schema: Any,
    description: str | None,
    required_resource_keys: Iterable[str] | None,
    version: str | None,
) -> ResourceDefinition:
    defn = ResourceDefinition(
        fn,
        config_schema=config_schema,
        description=description or inspect.getdoc(fn),
        required_resource_keys=required_resource_keys,
        version=version,
    )
    functools.update_wrapper(defn, fn)
    return defn


# --------------------------------------------------------------------------- init context


class Resources:
    """Attribute access to initialised resources: ``context.resources.warehouse``."""

    __slots__ = ("_get", "_keys")

    def __init__(self, keys: Iterable[str], get: Callable[[str], Any]) -> None:
        object.__setattr__(self, "_keys", frozenset(keys))
        object.__setattr__(self, "_get", get)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Resources:
        """A namespace over already-built values."""
        data = dict(values)
        return cls(data, data.__getitem__)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name not in self._keys:
            if name.startswith("__"):
                raise AttributeError(name)
            raise DagsterUnknownResourceError(name, sorted(self._keys))
        return self._get(name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise DagsterInvariantViolationError(
            f"Resources are read-only; cannot set {name!r}. Bind resources in Definitions(resources=...)."
        )

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Any:
        return iter(sorted(self._keys))

    def __dir__(self) -> list[str]:
        return sorted(self._keys)

    def _asdict(self) -> dict[str, Any]:
        return {k: self._get(k) for k in sorted(self._keys)}

    def original_resource_dict(self) -> dict[str, Any]:
        return self._asdict()

    def __repr__(self) -> str:
        return f"Resources({', '.join(sorted(self._keys))})"


_EMPTY = Resources((), lambda k: None)


class InitResourceContext:
    """What a resource function receives: its config, its required resources, the run.

    Also a context manager: leaving it tears down resources opened through it (the ones given
    to :func:`build_init_resource_context` and direct invocations with this context).
    """

    def __init__(
        self,
        resource_config: Any = None,
        resources: Resources | Mapping[str, Any] | None = None,
        resource_def: ResourceDefinition | None = None,
        instance: Any = None,
        dagster_run: Any = None,
        log_manager: Any = None,
        run_id: str | None = None,
    ) -> None:
        self._resource_config = resource_config
        if resources is None:
            resources = _EMPTY
        elif not isinstance(resources, Resources):
            resources = Resources.from_mapping(resources)
        self._resources = resources
        self._resource_def = resource_def
        self._instance = instance
        self._dagster_run = dagster_run
        self._log = log_manager
        self._run_id = run_id
        self._teardowns: list[Teardown] = []
        # Set by the run-time scope: ``lookup(obj) -> (found, value)`` finds the value of a
        # nested pythonic resource that is also bound at a top-level key (by identity).
        self._nested_lookup: Callable[[Any], tuple[bool, Any]] | None = None

    def _replace(self, **changes: Any) -> InitResourceContext:
        new = copy.copy(self)
        for name, value in changes.items():
            setattr(new, f"_{name}", value)
        return new

    @property
    def resource_config(self) -> Any:
        return self._resource_config

    @property
    def resources(self) -> Resources:
        return self._resources

    @property
    def resource_def(self) -> ResourceDefinition | None:
        return self._resource_def

    @property
    def instance(self) -> Any:
        return self._instance

    @property
    def dagster_run(self) -> Any:
        return self._dagster_run

    @property
    def run_id(self) -> str | None:
        if self._run_id is None and self._dagster_run is not None:
            return getattr(self._dagster_run, "run_id", None)
        return self._run_id

    @property
    def log(self) -> Any:
        return self._log if self._log is not None else _LOG

    @property
    def log_manager(self) -> Any:
        return self.log

    def __enter__(self) -> InitResourceContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Tear down what was opened through this context, newest first."""
        teardowns, self._teardowns[:] = list(self._teardowns), []
        for teardown in reversed(teardowns):
            teardown()


def build_init_resource_context(
    config: Any = None,
    resources: Mapping[str, Any] | None = None,
    instance: Any = None,
) -> InitResourceContext:
    """An :class:`InitResourceContext` for invoking a resource function directly in tests.

    ``resources`` values may be plain objects or resource definitions; definitions are
    initialised with their default config and torn down when the context is closed (use it
    in a ``with`` block).
    """
    ctx = InitResourceContext(resource_config=config, instance=instance)
    if resources:
        values: dict[str, Any] = {}
        for key, obj in resources.items():
            defn = coerce_to_resource_definition(obj)
            if defn._hardcoded:
                values[key] = obj
                continue
            sub = InitResourceContext(
                resource_config=defn.resolve_config(None, f"resource '{key}'"),
                resource_def=defn,
                instance=instance,
            )
            value, teardown = open_resource(defn, sub, key)
            _keep_teardown(ctx, teardown)
            values[key] = value
        ctx._resources = Resources.from_mapping(values)
    return ctx


# --------------------------------------------------------------------------- calling resource fns


def open_resource(
    defn: ResourceDefinition, context: InitResourceContext | None, key: str | None = None
) -> tuple[Any, Teardown | None]:
    """Call ``defn``'s resource function and return ``(value, teardown or None)``.

    Generators are advanced to their single ``yield``; ``@contextmanager`` results (any
    ``ContextDecorator`` context manager) are entered. User exceptions are wrapped in
    ``DagsterResourceFunctionError``; ``DagsterError`` passes through.
    """
    label = key if key is not None else getattr(defn, "__name__", type(defn).__name__)
    try:
        result = defn.resource_fn(context) if defn._takes_context else defn.resource_fn()
        if isinstance(result, types.GeneratorType):
            gen = result
            try:
                value = next(gen)
            except StopIteration:
                raise DagsterInvariantViolationError(
                    f"Resource function of resource '{label}' is a generator that never yielded. "
                    "Yield the resource value exactly once."
                ) from None
            return value, functools.partial(_finish_generator, gen, label)
        if isinstance(result, AbstractContextManager) and isinstance(result, ContextDecorator):
            cm = result
            value = cm.__enter__()
            return value, functools.partial(_exit_context, cm, label)
        return result, None
    except DagsterError:
        raise
    except Exception as exc:
        raise DagsterResourceFunctionError(
            f"Error executing resource_fn on ResourceDefinition {label}", user_exception=exc
        ) from exc


def _finish_generator(gen: types.GeneratorType[Any, Any, Any], label: str) -> None:
    try:
        next(gen)
    except StopIteration:
        return
    except DagsterError:
        raise
    except Exception as exc:
        raise DagsterResourceFunctionError(
            f"Error tearing down resource {label}", user_exception=exc
        ) from exc
    gen.close()
    raise DagsterInvariantViolationError(
        f"Resource function of resource '{label}' yielded more than once. Yield the resource "
        "value exactly once; put teardown code after the yield."
    )


def _exit_context(cm: AbstractContextManager[Any], label: str) -> None:
    try:
        cm.__exit__(None, None, None)
    except DagsterError:
        raise
    except Exception as exc:
        raise DagsterResourceFunctionError(
            f"Error tearing down resource {label}", user_exception=exc
        ) from exc


def coerce_to_resource_definition(obj: Any) -> ResourceDefinition:
    """The :class:`ResourceDefinition` for a value bound in ``resources={...}``."""
    if isinstance(obj, ResourceDefinition):
        return obj
    cls = type(obj)
    get_def = getattr(cls, "get_resource_definition", None)
    if callable(get_def):
        defn = obj.get_resource_definition()
        if isinstance(defn, ResourceDefinition):
            return defn
    hook = getattr(cls, "__dockyard_resource_definition__", None)
    if callable(hook):
        defn = obj.__dockyard_resource_definition__()
        if isinstance(defn, ResourceDefinition):
            return defn
    return ResourceDefinition.hardcoded_resource(obj)


def with_resources(
    definitions: Iterable[Any],
    resource_defs: Mapping[str, Any],
    resource_config_by_key: Mapping[str, Any] | None = None,
) -> list[Any]:
    """Copies of asset definitions (and source assets) with ``resource_defs`` bound to them.

    Resources an asset already carries take precedence. ``resource_config_by_key`` configures
    resources by key: ``{"key": {"config": {...}}}``.
    """
    resources = dict(resource_defs)
    for key, given in (resource_config_by_key or {}).items():
        if key not in resources:
            raise DagsterInvalidInvocationError(
                f"resource_config_by_key has config for resource {key!r}, which is not in "
                f"resource_defs {sorted(resources)}. Add the resource, or remove its config."
            )
        conf = given["config"] if isinstance(given, Mapping) and "config" in given else given
        resources[key] = coerce_to_resource_definition(resources[key]).configured(conf)
    out: list[Any] = []
    for d in definitions:
        own = getattr(d, "resource_defs", None)
        if own is None:
            out.append(d)
            continue
        clone = copy.copy(d)
        clone.resource_defs = {**resources, **own}
        out.append(clone)
    return out
