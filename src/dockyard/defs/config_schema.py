"""Leaf config types: the scalars, the environment sources and ``EnvVar``.

Split from ``config.py`` (which holds the composite types, ``Field`` and the validation entry
points) to keep both modules small. Import public names from ``dockyard.defs.config``.
"""

from __future__ import annotations

import os
import typing as t

__all__ = [
    "Any",
    "Bool",
    "BoolSource",
    "ConfigType",
    "EnvVar",
    "Float",
    "Int",
    "IntEnvVar",
    "IntSource",
    "String",
    "StringSource",
    "UNSET",
    "ValidationRun",
    "env_name",
]


class _Unset:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<unset>"


UNSET: t.Final = _Unset()


# --------------------------------------------------------------------------- environment values


class EnvVar(str):
    """A config value read from an environment variable when the run starts.

    ``EnvVar("TOKEN")`` is a ``str`` (its value is the variable's name) so it fits any
    string-typed field; it is resolved when the resource or config is initialised.
    """

    __slots__ = ()

    @classmethod
    def int(cls, name: str) -> IntEnvVar:
        """An environment variable whose value is parsed as an integer."""
        return IntEnvVar(name)

    @property
    def env_var_name(self) -> str:
        return str.__str__(self)

    def get_value(self, default: str | None = None) -> str | None:
        """The variable's current value, or ``default`` when it is unset."""
        return os.environ.get(self.env_var_name, default)

    def __repr__(self) -> str:
        return f"EnvVar({self.env_var_name!r})"


class IntEnvVar:
    """An environment variable holding an integer (``EnvVar.int("PORT")``)."""

    __slots__ = ("env_var_name",)

    def __init__(self, name: str) -> None:
        self.env_var_name = name

    def get_value(self, default: int | None = None) -> int | None:
        """The variable's value as an ``int``, or ``default`` when it is unset."""
        raw = os.environ.get(self.env_var_name)
        return default if raw is None else int(raw)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IntEnvVar) and other.env_var_name == self.env_var_name

    def __hash__(self) -> int:
        return hash(("IntEnvVar", self.env_var_name))

    def __repr__(self) -> str:
        return f"EnvVar.int({self.env_var_name!r})"


def env_name(value: object) -> str | None:
    """The variable named by an env reference (``EnvVar``, ``EnvVar.int`` or ``{"env": name}``)."""
    if isinstance(value, (EnvVar, IntEnvVar)):
        return value.env_var_name
    if isinstance(value, dict) and len(value) == 1 and isinstance(value.get("env"), str):
        return t.cast(str, value["env"])
    return None


# --------------------------------------------------------------------------- validation state


class ValidationRun:
    """State of one validation pass: the errors found so far and whether to read the env."""

    __slots__ = ("errors", "read_env")

    def __init__(self, read_env: bool) -> None:
        self.errors: list[str] = []
        self.read_env = read_env

    def invalid(self, value: object, path: str, expected: str) -> None:
        self.errors.append(
            f"Invalid value {value!r} at path {path}: expected {expected}, got {type(value).__name__}."
        )

    def read(self, name: str, path: str) -> str | None:
        if not self.read_env:
            return None
        raw = os.environ.get(name)
        if raw is None:
            self.errors.append(
                f'Environment variable "{name}" (config at path {path}) is not set. '
                "Set it, or give the value directly in config."
            )
        return raw


# --------------------------------------------------------------------------- config types


class ConfigType:
    """Base of every config type. ``name`` is how messages spell the type."""

    __slots__ = ("description",)
    #: ``None`` is a valid value of this type (``Any``, ``Noneable``).
    accepts_none = False

    def __init__(self, description: str | None = None) -> None:
        self.description = description

    @property
    def name(self) -> str:
        """How messages spell the type."""
        return type(self).__name__

    @property
    def is_required(self) -> bool:
        """Whether a value must be given (no implicit default)."""
        return True

    def implicit_default(self, run: ValidationRun, path: str) -> object:
        """The resolved value when nothing is given; only called when not ``is_required``."""
        return None

    def resolve(self, value: object, path: str, run: ValidationRun) -> object:
        """Check ``value`` (appending to ``run.errors``) and return it resolved."""
        raise NotImplementedError

    def sample(self) -> object:
        """A placeholder value shown in "missing entry" messages."""
        return "..."

    def __repr__(self) -> str:
        return self.name


class _Scalar(ConfigType):
    __slots__ = ("_pytypes", "_sample", "_type_name")

    def __init__(self, name: str, pytypes: tuple[type, ...], sample: object) -> None:
        super().__init__()
        self._type_name = name
        self._pytypes = pytypes
        self._sample = sample

    @property
    def name(self) -> str:
        return self._type_name

    def resolve(self, value: object, path: str, run: ValidationRun) -> object:
        if isinstance(value, self._pytypes) and not isinstance(value, bool):
            if self._pytypes[0] is float:
                return float(t.cast(float, value))
            if isinstance(value, EnvVar):
                return _resolve_env_string(value.env_var_name, path, run, value)
            return value
        run.invalid(value, path, self._type_name)
        return value

    def sample(self) -> object:
        return self._sample


class _BoolType(ConfigType):
    __slots__ = ()

    @property
    def name(self) -> str:
        return "Bool"

    def resolve(self, value: object, path: str, run: ValidationRun) -> object:
        if not isinstance(value, bool):
            run.invalid(value, path, "Bool")
        return value

    def sample(self) -> object:
        return False


class _AnyType(ConfigType):
    __slots__ = ()
    accepts_none = True

    @property
    def name(self) -> str:
        return "Any"

    def resolve(self, value: object, path: str, run: ValidationRun) -> object:
        if isinstance(value, (EnvVar, IntEnvVar)):
            return _resolve_env_value(value, path, run)
        return value

    def sample(self) -> object:
        return "<any value>"


def _resolve_env_string(name: str, path: str, run: ValidationRun, original: object) -> object:
    raw = run.read(name, path)
    return original if raw is None else raw


def _resolve_env_value(value: EnvVar | IntEnvVar, path: str, run: ValidationRun) -> object:
    raw = run.read(value.env_var_name, path)
    if raw is None:
        return value
    if isinstance(value, IntEnvVar):
        return _parse_env(raw, value.env_var_name, path, run, int, "Int")
    return raw


_TRUE = frozenset({"true", "1", "yes", "y", "on"})
_FALSE = frozenset({"false", "0", "no", "n", "off", ""})


def _parse_env(raw: str, name: str, path: str, run: ValidationRun, to: type, label: str) -> object:
    try:
        if to is bool:
            low = raw.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError(raw)
        return to(raw)
    except ValueError:
        run.errors.append(
            f'Environment variable "{name}" (config at path {path}) holds {raw!r}, '
            f"which is not a valid {label}."
        )
        return raw


class _Source(ConfigType):
    """A scalar given literally or read from the environment: ``{"env": "NAME"}``."""

    __slots__ = ("_label", "_scalar", "_to")

    def __init__(self, scalar: ConfigType, to: type, label: str) -> None:
        super().__init__()
        self._scalar = scalar
        self._to = to
        self._label = label

    @property
    def name(self) -> str:
        return self._label

    def resolve(self, value: object, path: str, run: ValidationRun) -> object:
        env = env_name(value)
        if env is None:
            return self._scalar.resolve(value, path, run)
        raw = run.read(env, path)
        if raw is None:
            return value
        if self._to is str:
            return raw
        return _parse_env(raw, env, path, run, self._to, self._scalar.name)

    def sample(self) -> object:
        return self._scalar.sample()


Any: t.Final = _AnyType()
Int: t.Final = _Scalar("Int", (int,), 0)
Float: t.Final = _Scalar("Float", (float, int), 0.0)
String: t.Final = _Scalar("String", (str,), "...")
Bool: t.Final = _BoolType()
StringSource: t.Final = _Source(String, str, "StringSource")
IntSource: t.Final = _Source(Int, int, "IntSource")
BoolSource: t.Final = _Source(Bool, bool, "BoolSource")
