"""The config type system: schemas for op, asset and resource config, and their validation.

Public names follow Dagster's legacy config API (``Field``, ``Shape``, ``Permissive``,
``Selector``, ``Noneable``, ``Array``, ``Map``, ``Enum``/``EnumValue``, the scalars ``Any``,
``Bool``, ``Int``, ``Float``, ``String``, the sources ``StringSource``/``IntSource``/
``BoolSource`` and ``EnvVar``).

Internal API for the engine: :func:`as_config_type` normalises every accepted schema form,
:func:`validate_config` checks a value and returns it resolved (defaults filled, environment
variables read, enum names mapped to Python values), :func:`is_required` and
:func:`default_value` answer "must config be given" and "what if it is not".

Design notes:

* Every config type resolves a value by building new containers, so defaults are never shared
  between runs and nothing is deep-copied.
* Shapes precompute their field table at construction; validation is one pass that collects
  every error instead of stopping at the first.
* Environment variables are only read while validating (never at import or definition time).
  ``EnvVar`` values are accepted by every string-typed and source-typed schema, so
  ``.configured({"base_dir": EnvVar("DIR")})`` works as well as ``{"env": "DIR"}``.
* Other modules may plug their own objects into schemas through a ``__dockyard_config_type__()``
  method returning a :class:`ConfigType` (pythonic ``Config`` classes expose
  ``to_config_schema()``, which is accepted too).
"""

from __future__ import annotations

import enum as _enum
import typing as t
from collections.abc import Mapping, Sequence

from dockyard.defs.config_schema import (
    UNSET,
    Any,
    Bool,
    BoolSource,
    ConfigType,
    EnvVar,
    Float,
    Int,
    IntEnvVar,
    IntSource,
    String,
    StringSource,
    ValidationRun,
    _BoolType,
    _Scalar,
)
from dockyard.errors import CheckError, DagsterInvalidConfigError, DagsterInvalidDefinitionError

__all__ = [
    "Any",
    "Array",
    "Bool",
    "BoolSource",
    "ConfigType",
    "Enum",
    "EnumValue",
    "EnvVar",
    "Field",
    "Float",
    "Int",
    "IntEnvVar",
    "IntSource",
    "Map",
    "Noneable",
    "Permissive",
    "Selector",
    "Shape",
    "String",
    "StringSource",
    "as_config_type",
    "default_value",
    "is_required",
    "validate_config",
]


class Field:
    """One entry of a config schema: its type, default, whether it is required, a description.

    Args:
        config: the schema of the value (any accepted form: ``int``, ``{"a": str}``, ``Shape``...).
        default_value: the value used when the entry is not given.
        is_required: defaults to ``True`` unless a default is given or the type has one.
        description: shown in tooling.
    """

    __slots__ = ("_default", "_is_required", "config_type", "description")

    def __init__(
        self,
        config: object = UNSET,
        default_value: object = UNSET,
        is_required: bool | None = None,
        description: str | None = None,
    ) -> None:
        if config is UNSET:
            config = Any
        ct = as_config_type(config)
        self.config_type: ConfigType = ct if ct is not None else Any
        self.description = description
        self._default = default_value
        if is_required and default_value is not UNSET:
            raise DagsterInvalidDefinitionError(
                f"Field has both is_required=True and default_value={default_value!r}. "
                "Drop one of them: a field with a default is optional."
            )
        if default_value is not UNSET:
            _check_default(self.config_type, default_value)
        if is_required is None:
            is_required = default_value is UNSET and self.config_type.is_required
        self._is_required = is_required

    @property
    def is_required(self) -> bool:
        return self._is_required

    @property
    def default_provided(self) -> bool:
        """True when a default exists, given explicitly or implied by the type."""
        return self._default is not UNSET or not self.config_type.is_required

    @property
    def default_value(self) -> object:
        if self._default is not UNSET:
            return self._default
        if not self.config_type.is_required:
            return default_value(self.config_type)
        raise CheckError("Field has no default value; check default_provided first.")

    def __repr__(self) -> str:
        default = "" if self._default is UNSET else f", default_value={self._default!r}"
        return f"Field({self.config_type!r}{default}, is_required={self._is_required})"


def _check_default(ct: ConfigType, value: object) -> None:
    run = ValidationRun(read_env=False)
    ct.resolve(value, "root", run)
    if run.errors:
        raise DagsterInvalidDefinitionError(
            f"Default value {value!r} does not match its type {ct.name}: " + " ".join(run.errors)
        )


# A field table entry: (name, field, config type, has explicit default, default, required).
_Entry = tuple[str, Field, ConfigType, bool, object, bool]


class Shape(ConfigType):
    """A dict with a fixed set of keys, each with its own schema."""

    __slots__ = ("_entries", "_fields", "_names", "_permissive", "_required")
    _is_permissive = False

    def __init__(self, fields: Mapping[str, object], description: str | None = None) -> None:
        super().__init__(description)
        if not isinstance(fields, Mapping):
            raise DagsterInvalidDefinitionError(
                f"{type(self).__name__} takes a dict of field name to schema, got {fields!r}."
            )
        self._fields: dict[str, Field] = {}
        entries: list[_Entry] = []
        for key, spec in fields.items():
            if not isinstance(key, str):
                raise DagsterInvalidDefinitionError(
                    f"Config field names must be strings, got {key!r} in {dict(fields)!r}."
                )
            fld = spec if isinstance(spec, Field) else Field(spec)
            self._fields[key] = fld
            entries.append(
                (
                    key,
                    fld,
                    fld.config_type,
                    fld._default is not UNSET,
                    fld._default,
                    fld.is_required,
                )
            )
        self._entries = tuple(entries)
        self._names = sorted(self._fields)
        self._required = any(e[5] for e in entries)
        self._permissive = self._is_permissive

    @property
    def fields(self) -> dict[str, Field]:
        return dict(self._fields)

    @property
    def name(self) -> str:
        inner = ", ".join(
            f"{k}{'' if f.is_required else '?'}: {f.config_type.name}"
            for k, f in self._fields.items()
        )
        extra = ", ..." if self._permissive else ""
        return "{" + inner + extra + "}"

    @property
    def is_required(self) -> bool:
        return self._required

    def implicit_default(self, run: ValidationRun, path: str) -> object:
        return self.resolve({}, path, run)

    def sample(self) -> object:
        return {e[0]: e[2].sample() for e in self._entries if e[5]}

    def resolve(self, value: object, path: str, run: ValidationRun) -> object:
        if value is None:
            value = {}
        elif not isinstance(value, Mapping):
            run.invalid(value, path, f"a dict matching {self.name}")
            return value
        out: dict[str, object] = {}
        for key, _fld, ct, has_default, default, required in self._entries:
            sub = f"{path}:{key}"
            if key in value:
                given = value[key]
                if given is None and not ct.accepts_none:
                    if has_default:
                        out[key] = ct.resolve(default, sub, run)
                        continue
                    if not ct.is_required and not required:
                        out[key] = ct.implicit_default(run, sub)
                        continue
                out[key] = ct.resolve(given, sub, run)
            elif has_default:
                out[key] = ct.resolve(default, sub, run)
            elif required:
                run.errors.append(
                    f'Missing required config entry "{key}" at path {path}. '
                    f"Sample config: { ({key: ct.sample()})!r}."
                )
            elif not ct.is_required:
                out[key] = ct.implicit_default(run, sub)
        if any(k not in self._fields for k in value):
            for key in value:
                if key in self._fields:
                    continue
                if self._permissive:
                    out[key] = value[key]
                else:
                    run.errors.append(
                        f'Received unexpected config entry "{key}" at path {path}. '
                        f"Expected: {self._names!r}."
                    )
        return out


class Permissive(Shape):
    """A dict whose listed fields are checked and whose other keys pass through unchecked."""

    __slots__ = ()
    _is_permissive = True

    def __init__(
        self, fields: Mapping[str, object] | None = None, description: str | None = None
    ) -> None:
        super().__init__(fields or {}, description)


class Selector(ConfigType):
    """A dict with exactly one key, chosen from ``fields``."""

    __slots__ = ("_fields", "_names")

    def __init__(self, fields: Mapping[str, object], description: str | None = None) -> None:
        super().__init__(description)
        self._fields = {k: (v if isinstance(v, Field) else Field(v)) for k, v in fields.items()}
        self._names = sorted(self._fields)

    @property
    def fields(self) -> dict[str, Field]:
        return dict(self._fields)

    @property
    def name(self) -> str:
        return (
            "one of {"
            + ", ".join(f"{k}: {f.config_type.name}" for k, f in self._fields.items())
            + "}"
        )

    @property
    def is_required(self) -> bool:
        if len(self._fields) != 1:
            return True
        return next(iter(self._fields.values())).is_required

    def implicit_default(self, run: ValidationRun, path: str) -> object:
        key, fld = next(iter(self._fields.items()))
        return {key: _resolve_field_missing(fld, f"{path}:{key}", run)}

    def sample(self) -> object:
        key, fld = next(iter(self._fields.items()))
        return {key: fld.config_type.sample()}

    def resolve(self, value: object, path: str, run: ValidationRun) -> object:
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            run.invalid(value, path, f"a dict with exactly one of the keys {self._names!r}")
            return value
        if len(value) != 1:
            if not value and not self.is_required:
                return self.implicit_default(run, path)
            run.errors.append(
                f"Invalid value {dict(value)!r} at path {path}: a selector takes exactly one of "
                f"the keys {self._names!r}, got {len(value)}."
            )
            return value
        ((key, given),) = value.items()
        fld = self._fields.get(key)
        if fld is None:
            run.errors.append(
                f'Received unexpected config entry "{key}" at path {path}. Expected one of: {self._names!r}.'
            )
            return value
        sub = f"{path}:{key}"
        if given is None and not fld.config_type.accepts_none:
            return {key: _resolve_field_missing(fld, sub, run)}
        return {key: fld.config_type.resolve(given, sub, run)}


def _resolve_field_missing(fld: Field, path: str, run: ValidationRun) -> object:
    if fld._default is not UNSET:
        return fld.config_type.resolve(fld._default, path, run)
    if not fld.config_type.is_required:
        return fld.config_type.implicit_default(run, path)
    return fld.config_type.resolve(None, path, run)


class Noneable(ConfigType):
    """The inner type, or ``None``. Optional: a missing entry resolves to ``None``."""

    __slots__ = ("inner_type",)
    accepts_none = True

    def __init__(self, inner: object) -> None:
        super().__init__()
        ct = as_config_type(inner)
        self.inner_type: ConfigType = ct if ct is not None else Any

    @property
    def name(self) -> str:
        return f"{self.inner_type.name} | None"

    @property
    def is_required(self) -> bool:
        return False

    def resolve(self, value: object, path: str, run: ValidationRun) -> object:
        return None if value is None else self.inner_type.resolve(value, path, run)

    def sample(self) -> object:
        return None


class Array(ConfigType):
    """A list whose items all match ``inner``."""

    __slots__ = ("inner_type",)

    def __init__(self, inner: object, description: str | None = None) -> None:
        super().__init__(description)
        ct = as_config_type(inner)
        self.inner_type: ConfigType = ct if ct is not None else Any

    @property
    def name(self) -> str:
        return f"[{self.inner_type.name}]"

    def resolve(self, value: object, path: str, run: ValidationRun) -> object:
        if not isinstance(value, (list, tuple)):
            run.invalid(value, path, f"a list {self.name}")
            return value
        inner = self.inner_type
        return [inner.resolve(item, f"{path}[{i}]", run) for i, item in enumerate(value)]

    def sample(self) -> object:
        return [self.inner_type.sample()]


class Map(ConfigType):
    """A dict with arbitrary keys of ``key_type`` and values of ``inner_type``."""

    __slots__ = ("inner_type", "key_label_name", "key_type")

    def __init__(
        self, key_type: object, inner_type: object, key_label_name: str | None = None
    ) -> None:
        super().__init__()
        kt = as_config_type(key_type)
        if not isinstance(kt, (_Scalar, _BoolType)):
            raise DagsterInvalidDefinitionError(
                f"Map keys must be a scalar type (str, int, float, bool), got {key_type!r}."
            )
        self.key_type: ConfigType = kt
        vt = as_config_type(inner_type)
        self.inner_type: ConfigType = vt if vt is not None else Any
        self.key_label_name = key_label_name

    @property
    def name(self) -> str:
        return f"{{{self.key_type.name}: {self.inner_type.name}}}"

    def resolve(self, value: object, path: str, run: ValidationRun) -> object:
        if not isinstance(value, Mapping):
            run.invalid(value, path, f"a dict {self.name}")
            return value
        out: dict[object, object] = {}
        for key, item in value.items():
            sub = f"{path}:{key}"
            self.key_type.resolve(key, sub, run)
            out[key] = self.inner_type.resolve(item, sub, run)
        return out

    def sample(self) -> object:
        return {self.key_type.sample(): self.inner_type.sample()}


class EnumValue:
    """One value of an :class:`Enum`: its config spelling and the Python value it maps to."""

    __slots__ = ("config_value", "description", "python_value")

    def __init__(
        self, config_value: str, python_value: object = None, description: str | None = None
    ) -> None:
        self.config_value = config_value
        self.python_value = config_value if python_value is None else python_value
        self.description = description

    def __repr__(self) -> str:
        return f"EnumValue({self.config_value!r})"


class Enum(ConfigType):
    """A string from a fixed set; resolves to the matching ``python_value``."""

    __slots__ = ("_by_config", "_by_python", "enum_values", "given_name")

    def __init__(self, name: str, enum_values: Sequence[EnumValue]) -> None:
        super().__init__()
        self.given_name = name
        self.enum_values = list(enum_values)
        self._by_config = {ev.config_value: ev.python_value for ev in self.enum_values}
        self._by_python: list[object] = [ev.python_value for ev in self.enum_values]

    @classmethod
    def from_python_enum(cls, enum_cls: type[_enum.Enum]) -> Enum:
        """An Enum whose config values are the member names of ``enum_cls``."""
        return cls(enum_cls.__name__, [EnumValue(m.name, python_value=m) for m in enum_cls])

    @property
    def name(self) -> str:
        return self.given_name

    @property
    def config_values(self) -> list[str]:
        return [ev.config_value for ev in self.enum_values]

    def resolve(self, value: object, path: str, run: ValidationRun) -> object:
        if isinstance(value, str) and value in self._by_config:
            return self._by_config[value]
        if isinstance(value, _enum.Enum) and value in self._by_python:
            return value
        run.errors.append(
            f"Invalid value {value!r} at path {path}: expected one of the values of enum "
            f"{self.given_name}: {self.config_values!r}."
        )
        return value

    def sample(self) -> object:
        return self.enum_values[0].config_value if self.enum_values else "..."


class _FieldType(ConfigType):
    """A top-level ``Field`` given as a whole schema: its type plus its default."""

    __slots__ = ("field",)

    def __init__(self, fld: Field) -> None:
        super().__init__(fld.description)
        self.field = fld

    @property
    def name(self) -> str:
        return self.field.config_type.name

    @property
    def accepts_none(self) -> bool:  # type: ignore[override]
        return self.field.config_type.accepts_none

    @property
    def is_required(self) -> bool:
        return self.field.is_required

    def implicit_default(self, run: ValidationRun, path: str) -> object:
        return _resolve_field_missing(self.field, path, run)

    def resolve(self, value: object, path: str, run: ValidationRun) -> object:
        return self.field.config_type.resolve(value, path, run)

    def sample(self) -> object:
        return self.field.config_type.sample()


_PYTHON_TYPES: dict[object, ConfigType] = {
    int: Int,
    float: Float,
    str: String,
    bool: Bool,
    t.Any: Any,
    object: Any,
}


# --------------------------------------------------------------------------- internal API


def as_config_type(schema: object) -> ConfigType | None:
    """Normalise any accepted schema form to a :class:`ConfigType` (``None``: no schema)."""
    if schema is None:
        return None
    if isinstance(schema, ConfigType):
        return schema
    if isinstance(schema, Field):
        if schema._default is UNSET and schema.is_required == schema.config_type.is_required:
            return schema.config_type
        return _FieldType(schema)
    try:
        known = _PYTHON_TYPES.get(schema)
    except TypeError:  # unhashable: dict or list literal
        known = None
    if known is not None:
        return known
    if schema is dict or schema is t.Dict:  # noqa: UP006
        return Permissive()
    if schema is list or schema is t.List:  # noqa: UP006
        return Array(Any)
    if isinstance(schema, dict):
        return Shape(schema)
    if isinstance(schema, list):
        if len(schema) != 1:
            raise DagsterInvalidDefinitionError(
                f"A list config schema takes exactly one item type, like [int]; got {schema!r}."
            )
        return Array(schema[0])
    if isinstance(schema, type) and issubclass(schema, _enum.Enum):
        return Enum.from_python_enum(schema)
    hook = getattr(schema, "__dockyard_config_type__", None) or getattr(
        schema, "to_config_schema", None
    )
    if callable(hook):
        return as_config_type(hook())
    origin = t.get_origin(schema)
    if origin is list:
        (inner,) = t.get_args(schema) or (t.Any,)
        return Array(inner)
    if origin is dict:
        args = t.get_args(schema)
        return Map(args[0], args[1]) if args else Permissive()
    raise DagsterInvalidDefinitionError(
        f"Invalid config schema {schema!r}. Expected one of: a scalar (int, float, str, bool, "
        "Int, Float, String, Bool, Any), a source (StringSource, IntSource, BoolSource), "
        "a dict of field name to schema, a one-item list like [int], Field, Shape, Permissive, "
        "Selector, Noneable, Array, Map, Enum, or None for no schema."
    )


def validate_config(
    config_type: ConfigType | None, value: object, where: str, path: str = "root"
) -> object:
    """Check ``value`` against ``config_type`` and return it resolved.

    Args:
        config_type: a normalised type from :func:`as_config_type`; ``None`` accepts anything.
        value: the given config; ``None`` means "not given" for types that do not take ``None``.
        where: names the owner in the error preamble, e.g. ``"resource 'warehouse'"``.
        path: the path of ``value`` shown in messages, e.g. ``"root:resources:warehouse:config"``.

    Raises:
        DagsterInvalidConfigError: listing every problem found.
    """
    if config_type is None:
        return value
    run = ValidationRun(read_env=True)
    if value is None and not config_type.accepts_none and not isinstance(config_type, Shape):
        if config_type.is_required:
            run.errors.append(
                f"Missing required config at path {path}. Sample config: {config_type.sample()!r}."
            )
            resolved: object = None
        else:
            resolved = config_type.implicit_default(run, path)
    else:
        resolved = config_type.resolve(value, path, run)
    if run.errors:
        raise DagsterInvalidConfigError(f"Error in config for {where}", run.errors, value)
    return resolved


def is_required(config_type: ConfigType | None) -> bool:
    """Whether some config value must be given for ``config_type``."""
    return config_type is not None and config_type.is_required


def default_value(config_type: ConfigType | None) -> object:
    """The resolved value used when no config is given (a dict of defaults for shapes).

    Raises:
        DagsterInvalidConfigError: when the type has no default (see :func:`is_required`).
    """
    if config_type is None:
        return None
    return validate_config(config_type, None, "default value")
