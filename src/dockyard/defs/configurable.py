"""Pythonic config: pydantic models for op/asset config and for resources.

* :class:`Config` — base of config classes (``def my_asset(config: MyConfig)``); frozen, extra
  fields forbidden. ``to_config_schema()`` gives the legacy schema the engine validates
  run config with; the engine then builds ``MyConfig(**resolved)``.
* :class:`ConfigurableResourceFactory` — fields are config, ``create_resource(context)``
  returns the resource value. :class:`ConfigurableResource` is a factory whose value is the
  (re-built, fully configured) instance itself.
* ``configure_at_launch(**partial)`` gives a :class:`PartialResource` whose missing fields must
  come from run config ``resources.<key>.config``.

How a resource becomes a ``ResourceDefinition``: the fields set at construction become the
schema's defaults, so run config may override them; at init time the model is re-built from
the resolved config (environment variables read, defaults filled) and nested resources
(fields holding other resources) are initialised first and injected. Nested resources also
bound at a top-level key share that key's value; others are initialised privately and torn
down after their owner.

Hook for subclasses in other layers: the classmethod ``_make_resource_definition(**kwargs)``
builds the definition (``resource_fn``, ``config_schema``, ``description``); the IO layer
overrides it to return an ``IOManagerDefinition``.

``EnvVar`` values are kept as they are in fields (a wrap validator skips pydantic's
validation for them) and resolved at init time; an unset variable is a config error naming it.
"""

from __future__ import annotations

import enum
import types
import typing as t
from abc import abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from dockyard.defs import config as cfg
from dockyard.defs.resource import (
    InitResourceContext,
    ResourceDefinition,
    coerce_to_resource_definition,
    open_resource,
)
from dockyard.errors import DagsterInvalidConfigError, DagsterInvalidDefinitionError

__all__ = [
    "Config",
    "ConfigurableResource",
    "ConfigurableResourceFactory",
    "PartialResource",
    "PermissiveConfig",
    "RunConfig",
]

TResValue = TypeVar("TResValue")


class Config(BaseModel):
    """Base class for config classes: fields are config entries, instances are frozen."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", arbitrary_types_allowed=True, populate_by_name=True
    )
    _dockyard_is_config: ClassVar[bool] = True

    @field_validator("*", mode="wrap")
    @classmethod
    def _keep_deferred_values(cls, value: Any, handler: Callable[[Any], Any]) -> Any:
        # EnvVar references and launch-time resources are checked when the run starts.
        if isinstance(value, (cfg.EnvVar, cfg.IntEnvVar, PartialResource)):
            return value
        return handler(value)

    @classmethod
    def to_config_schema(cls) -> cfg.ConfigType:
        """The legacy config type of this class's fields (defaults included)."""
        return _config_type_for_model(cls)


class PermissiveConfig(Config):
    """A :class:`Config` that also accepts keys it does not declare."""

    model_config = ConfigDict(extra="allow")


# --------------------------------------------------------------------------- schema derivation


class _FieldSpec(t.NamedTuple):
    name: str
    key: str  # the config key: the alias when there is one
    annotation: Any
    info: FieldInfo
    is_resource: bool


_SPECS: dict[type, tuple[_FieldSpec, ...]] = {}


def _specs(cls: type[BaseModel]) -> tuple[_FieldSpec, ...]:
    specs = _SPECS.get(cls)
    if specs is None:
        specs = tuple(
            _FieldSpec(
                name, info.alias or name, info.annotation, info, _is_resource_type(info.annotation)
            )
            for name, info in cls.model_fields.items()
        )
        _SPECS[cls] = specs
    return specs


def _is_resource_type(annotation: Any) -> bool:
    members = t.get_args(annotation) if _is_union(annotation) else (annotation,)
    return any(
        isinstance(m, type) and issubclass(m, (ConfigurableResourceFactory, ResourceDefinition))
        for m in members
    )


def _is_union(annotation: Any) -> bool:
    return t.get_origin(annotation) in (t.Union, types.UnionType)


def _is_resource_value(value: Any) -> bool:
    return isinstance(value, (ConfigurableResourceFactory, PartialResource, ResourceDefinition))


def _config_type_for_annotation(annotation: Any) -> cfg.ConfigType:
    """The config type for a field annotation; anything unknown is ``Any`` (pydantic checks it)."""
    origin = t.get_origin(annotation)
    if origin is t.Annotated:
        return _config_type_for_annotation(t.get_args(annotation)[0])
    if _is_union(annotation):
        args = [a for a in t.get_args(annotation) if a is not type(None)]
        inner = _config_type_for_annotation(args[0]) if len(args) == 1 else cfg.Any
        return cfg.Noneable(inner) if len(args) < len(t.get_args(annotation)) else inner
    if annotation is str:
        return cfg.StringSource
    if annotation is int:
        return cfg.IntSource
    if annotation is bool:
        return cfg.BoolSource
    if annotation is float:
        return cfg.Float
    if origin is t.Literal:
        choices = t.get_args(annotation)
        if choices and all(isinstance(v, str) for v in choices):
            return cfg.Enum("Literal", [cfg.EnumValue(v) for v in choices])
        return cfg.Any
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return cfg.Enum.from_python_enum(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Config):
        return _config_type_for_model(annotation)
    if annotation is list or origin in (list, Sequence):
        item = t.get_args(annotation)
        return cfg.Array(_config_type_for_annotation(item[0]) if item else cfg.Any)
    if annotation is dict or origin in (dict, Mapping):
        kv = t.get_args(annotation)
        if len(kv) == 2 and kv[0] is str:
            return cfg.Map(str, _config_type_for_annotation(kv[1]))
        return cfg.Permissive()
    return cfg.Any


def _to_config_value(value: Any) -> Any:
    """A field value in config form (nested Config instances become dicts)."""
    if isinstance(value, Config):
        return {
            spec.key: _to_config_value(getattr(value, spec.name))
            for spec in _specs(type(value))
            if spec.name in value.model_fields_set
        } | dict(value.__pydantic_extra__ or {})
    if isinstance(value, list):
        return [_to_config_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_config_value(v) for k, v in value.items()}
    return value


def _config_field(spec: _FieldSpec, given: Mapping[str, Any]) -> cfg.Field:
    ct = _config_type_for_annotation(spec.annotation)
    description = spec.info.description
    if spec.name in given:
        default: Any = _to_config_value(given[spec.name])
    elif spec.info.default is not PydanticUndefined:
        default = _to_config_value(spec.info.default)
    elif spec.info.default_factory is not None:
        return cfg.Field(ct, is_required=False, description=description)
    else:
        return cfg.Field(ct, is_required=True, description=description)
    if default is None and not ct.accepts_none:
        ct = cfg.Noneable(ct)
    try:
        return cfg.Field(ct, default_value=default, description=description)
    except DagsterInvalidDefinitionError:
        # pydantic accepted a default our coarser schema does not; pydantic checks it at init.
        return cfg.Field(cfg.Any, default_value=default, description=description)


def _config_type_for_model(
    cls: type[BaseModel], given: Mapping[str, Any] | None = None
) -> cfg.Shape:
    given = given or {}
    fields = {
        spec.key: _config_field(spec, given)
        for spec in _specs(cls)
        if not spec.is_resource and not _is_resource_value(given.get(spec.name))
    }
    if cls.model_config.get("extra") == "allow":
        return cfg.Permissive(fields)
    return cfg.Shape(fields)


def _pydantic_errors(exc: ValidationError, path: str) -> list[str]:
    out = []
    for err in exc.errors():
        loc = ":".join(str(p) for p in err["loc"])
        where = f"{path}:{loc}" if loc else path
        out.append(f"Invalid value {err.get('input')!r} at path {where}: {err['msg']}.")
    return out


# --------------------------------------------------------------------------- resources


class ConfigurableResourceFactory(Config, Generic[TResValue]):
    """A resource configured by its pydantic fields; ``create_resource`` makes the value.

    Instances are immutable. Bind one in ``resources={...}``; at run time the instance is
    re-built with the run's config and its ``yield_for_execution`` hook opened.
    """

    _dockyard_is_config: ClassVar[bool] = False

    @abstractmethod
    def create_resource(self, context: InitResourceContext) -> TResValue:
        """The resource value for a run."""

    def setup_for_execution(self, context: InitResourceContext) -> None:
        """Called once per run before the resource is used."""

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        """Called once per run after the last use."""

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator[TResValue]:
        """Set up, yield the resource value, tear down. Override for full control."""
        self.setup_for_execution(context)
        try:
            yield self.create_resource(context)
        finally:
            self.teardown_after_execution(context)

    @classmethod
    def configure_at_launch(cls, **partial: Any) -> PartialResource:
        """A resource whose remaining fields come from run config ``resources.<key>.config``."""
        return PartialResource(cls, partial)

    @classmethod
    def from_resource_context(cls, context: InitResourceContext) -> Any:
        """The resource value built from an init context's ``resource_config``."""
        instance = cls(**(context.resource_config or {}))
        return instance.create_resource(context)

    @classmethod
    @contextmanager
    def from_resource_context_cm(cls, context: InitResourceContext) -> Iterator[Any]:
        """Like :meth:`from_resource_context`, with setup and teardown around the block."""
        instance = cls(**(context.resource_config or {}))
        with instance.yield_for_execution(context) as value:
            yield value

    def get_resource_definition(self) -> ResourceDefinition:
        """The definition: config schema from the fields, set fields as defaults."""
        given = {name: self.__dict__[name] for name in self.model_fields_set}
        return _build_definition(type(self), given)

    @classmethod
    def _make_resource_definition(
        cls, resource_fn: Callable[..., Any], config_schema: Any, description: str | None
    ) -> ResourceDefinition:
        """Build the definition object; other layers override this to return a subclass."""
        return ResourceDefinition(resource_fn, config_schema=config_schema, description=description)


class ConfigurableResource(ConfigurableResourceFactory[Any]):
    """A resource whose value is the configured instance itself."""

    def create_resource(self, context: InitResourceContext) -> Any:
        return self


class PartialResource:
    """A pythonic resource with some fields left to run config (``configure_at_launch``)."""

    __slots__ = ("data", "resource_cls")

    def __init__(
        self, resource_cls: type[ConfigurableResourceFactory[Any]], data: Mapping[str, Any]
    ):
        self.resource_cls = resource_cls
        self.data = dict(data)

    def get_resource_definition(self) -> ResourceDefinition:
        return _build_definition(self.resource_cls, self.data)

    def __repr__(self) -> str:
        return f"{self.resource_cls.__name__}.configure_at_launch({self.data!r})"


def _build_definition(
    cls: type[ConfigurableResourceFactory[Any]], given: Mapping[str, Any]
) -> ResourceDefinition:
    by_name = {spec.name: spec for spec in _specs(cls)}
    unknown = [k for k in given if k not in by_name]
    if unknown and cls.model_config.get("extra") != "allow":
        raise DagsterInvalidDefinitionError(
            f"{cls.__name__} has no field(s) {unknown!r}. Fields: {sorted(by_name)!r}."
        )
    nested = {
        by_name[name].key: value
        for name, value in given.items()
        if name in by_name and _is_resource_value(value)
    }
    schema = _config_type_for_model(cls, given)
    return cls._make_resource_definition(
        resource_fn=_resource_fn(cls, nested), config_schema=schema, description=cls.__doc__
    )


def _resource_fn(
    cls: type[ConfigurableResourceFactory[Any]], nested: Mapping[str, Any]
) -> Callable[[InitResourceContext], Any]:
    @contextmanager
    def run_resource(context: InitResourceContext) -> Iterator[Any]:
        values = dict(context.resource_config or {})
        with ExitStack() as stack:
            for key, obj in nested.items():
                values[key] = _open_nested(obj, key, context, stack)
            try:
                instance = cls(**values)
            except ValidationError as exc:
                raise DagsterInvalidConfigError(
                    f"Error in config for resource of type {cls.__name__}",
                    _pydantic_errors(exc, "root"),
                    values,
                ) from exc
            yield stack.enter_context(instance.yield_for_execution(context))

    return run_resource


def _open_nested(obj: Any, key: str, context: InitResourceContext, stack: ExitStack) -> Any:
    lookup = context._nested_lookup
    if lookup is not None:
        found, value = lookup(obj)
        if found:
            return value
    if isinstance(obj, PartialResource):
        raise DagsterInvalidDefinitionError(
            f"Nested resource {obj!r} in field '{key}' is configured at launch, so it must also "
            "be bound at a top-level resource key to receive its run config. Add it to "
            "Definitions(resources=...)."
        )
    defn = coerce_to_resource_definition(obj)
    sub = context._replace(
        resource_config=defn.resolve_config(None, f"nested resource '{key}'"),
        resource_def=defn,
    )
    value, teardown = open_resource(defn, sub, key)
    if teardown is not None:
        stack.callback(teardown)
    return value


class RunConfig:
    """Run config built from ``Config`` objects: ``RunConfig(ops={"my_op": MyConfig(n=1)})``.

    Accepted wherever a run config dict is (``execute_in_process``, ``materialize``,
    ``define_asset_job(config=...)``, ``@job(config=...)``); ``to_config_dict`` gives the dict form.
    """

    def __init__(
        self,
        ops: Mapping[str, Any] | None = None,
        resources: Mapping[str, Any] | None = None,
        loggers: Mapping[str, Any] | None = None,
        execution: Mapping[str, Any] | None = None,
    ) -> None:
        self.ops = dict(ops or {})
        self.resources = dict(resources or {})
        self.loggers = dict(loggers or {})
        self.execution = dict(execution or {})

    def to_config_dict(self) -> dict[str, Any]:
        def section(values: Mapping[str, Any]) -> dict[str, Any]:
            return {
                k: {"config": _to_config_value(v)} if isinstance(v, Config) else _to_config_value(v)
                for k, v in values.items()
            }

        out: dict[str, Any] = {}
        for name, values in (("ops", self.ops), ("resources", self.resources)):
            if values:
                out[name] = section(values)
        if self.loggers:
            out["loggers"] = dict(self.loggers)
        if self.execution:
            out["execution"] = dict(self.execution)
        return out

    def __repr__(self) -> str:
        return f"RunConfig({self.to_config_dict()!r})"
