"""Asset keys: the names assets are stored and looked up by."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dockyard.errors import DagsterInvalidDefinitionError

_SEP = "/"


class AssetKey:
    """The key of an asset: a non-empty path of strings, e.g. ``AssetKey(["raw", "orders"])``.

    Accepts a single string (one part), a list or tuple of strings, or another ``AssetKey``.
    ``AssetKey.from_user_string("raw/orders")`` parses the slash form.
    """

    __slots__ = ("_hash", "_parts")
    _hash: int
    _parts: tuple[str, ...]

    def __init__(self, path: CoercibleToAssetKey) -> None:
        parts: tuple[str, ...]
        if isinstance(path, AssetKey):
            parts = path.parts
        elif isinstance(path, str):
            parts = (path,)
        elif isinstance(path, Sequence):
            parts = tuple(path)
        else:
            raise DagsterInvalidDefinitionError(
                f"AssetKey expects a string or a list of strings, got {path!r} of type "
                f"{type(path).__name__}. Example: AssetKey(['raw', 'orders'])."
            )
        if not parts or not all(isinstance(p, str) and p for p in parts):
            raise DagsterInvalidDefinitionError(
                f"AssetKey parts must be non-empty strings, got {list(parts)!r}."
            )
        object.__setattr__(self, "_parts", parts)
        object.__setattr__(self, "_hash", hash(parts))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("AssetKey is immutable")

    @property
    def path(self) -> list[str]:
        """The key parts as a new list (Dagster code concatenates it with lists)."""
        return list(self._parts)

    @property
    def parts(self) -> tuple[str, ...]:
        """The key parts as a tuple (cheap; no copy)."""
        return self._parts

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AssetKey) and other._parts == self._parts

    def __hash__(self) -> int:
        return self._hash

    def __lt__(self, other: AssetKey) -> bool:
        return self.parts < other.parts

    def __repr__(self) -> str:
        return f"AssetKey({list(self.parts)!r})"

    def __str__(self) -> str:
        return repr(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (AssetKey, (list(self.parts),))

    def to_user_string(self) -> str:
        """The slash-joined form, e.g. ``raw/orders``."""
        return _SEP.join(self.parts)

    def to_string(self) -> str:
        import json

        return json.dumps(list(self.parts))

    def to_python_identifier(self, suffix: str | None = None) -> str:
        """The key as a valid Python identifier (parts joined with ``__``), used for op names."""
        ident = "__".join(self.parts).replace("-", "_").replace(".", "_").replace(" ", "_")
        return f"{ident}_{suffix}" if suffix else ident

    @staticmethod
    def from_user_string(value: str) -> AssetKey:
        return AssetKey(value.split(_SEP))

    @staticmethod
    def from_coercible(arg: CoercibleToAssetKey) -> AssetKey:
        if isinstance(arg, AssetKey):
            return arg
        if isinstance(arg, str):
            return AssetKey.from_user_string(arg) if _SEP in arg else AssetKey(arg)
        return AssetKey(arg)

    def with_prefix(self, prefix: CoercibleToAssetKeyPrefix) -> AssetKey:
        """A new key with ``prefix`` prepended."""
        return AssetKey([*coerce_key_prefix(prefix), *self.parts])

    def has_prefix(self, prefix: Sequence[str]) -> bool:
        return self.parts[: len(prefix)] == tuple(prefix)

    @property
    def parent(self) -> AssetKey:
        return AssetKey(self.parts[:-1])


CoercibleToAssetKey = AssetKey | str | Sequence[str]
CoercibleToAssetKeyPrefix = str | Sequence[str] | None


def coerce_key_prefix(prefix: CoercibleToAssetKeyPrefix) -> list[str]:
    if prefix is None:
        return []
    if isinstance(prefix, str):
        return [prefix]
    return list(prefix)


def key_from_coercible(value: Any) -> AssetKey:
    """Coerce ``AssetKey``/``str``/list to an ``AssetKey``; anything with ``.key`` (specs, source
    assets, single-asset definitions) gives its key."""
    if isinstance(value, (AssetKey, str, list, tuple)):
        return AssetKey.from_coercible(value)
    key = getattr(value, "key", None)
    if isinstance(key, AssetKey):
        return key
    raise DagsterInvalidDefinitionError(
        f"Cannot use {value!r} as an asset key. Pass an AssetKey, a string, a list of strings, an "
        "AssetSpec, a SourceAsset or a single-asset definition."
    )
