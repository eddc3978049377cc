"""Metadata values attached to definitions and events, and their normalisation.

Raw Python values (``str``, ``int``, ``float``, ``bool``, ``dict``, ``list``, ``tuple``, ``None``,
``os.PathLike``, ``datetime``) are normalised to typed ``MetadataValue`` objects. Tuples are accepted
as JSON lists (Dagster rejects them; the seed documents them, so we take the friendlier form).
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dockyard.defs.keys import AssetKey
from dockyard.errors import DagsterInvalidMetadata


class MetadataValue:
    """Base of every typed metadata value; ``.value`` holds the plain value.

    The static constructors (``MetadataValue.path(...)``, ``MetadataValue.int(...)``, ...) build
    the typed values.
    """

    __slots__ = ()

    @property
    def value(self) -> Any:  # pragma: no cover - overridden by every subclass
        raise NotImplementedError

    @staticmethod
    def text(text: str) -> TextMetadataValue:
        return TextMetadataValue(text)

    @staticmethod
    def int(value: int) -> IntMetadataValue:
        return IntMetadataValue(value)

    @staticmethod
    def float(value: builtins.float) -> FloatMetadataValue:
        return FloatMetadataValue(value)

    @staticmethod
    def bool(value: bool) -> BoolMetadataValue:
        return BoolMetadataValue(value)

    @staticmethod
    def path(path: str | os.PathLike[str]) -> PathMetadataValue:
        return PathMetadataValue(os.fspath(path))

    @staticmethod
    def url(url: str) -> UrlMetadataValue:
        return UrlMetadataValue(url)

    @staticmethod
    def json(data: Any) -> JsonMetadataValue:
        return JsonMetadataValue(data)

    @staticmethod
    def md(data: str) -> MarkdownMetadataValue:
        return MarkdownMetadataValue(data)

    @staticmethod
    def null() -> NullMetadataValue:
        return NullMetadataValue()

    @staticmethod
    def timestamp(value: builtins.float | datetime) -> TimestampMetadataValue:
        return TimestampMetadataValue(value.timestamp() if isinstance(value, datetime) else value)

    @staticmethod
    def asset(asset_key: AssetKey) -> AssetMetadataValue:
        return AssetMetadataValue(asset_key)

    @staticmethod
    def dagster_run(run_id: str) -> DagsterRunMetadataValue:
        return DagsterRunMetadataValue(run_id)

    @staticmethod
    def python_artifact(python_artifact: Any) -> PythonArtifactMetadataValue:
        return PythonArtifactMetadataValue(python_artifact.__module__, python_artifact.__name__)

    @staticmethod
    def table_schema(schema: TableSchema) -> TableSchemaMetadataValue:
        return TableSchemaMetadataValue(schema)

    @staticmethod
    def table(records: Sequence[TableRecord], schema: TableSchema | None = None) -> TableMetadataValue:
        return TableMetadataValue(list(records), schema)


@dataclass(frozen=True, slots=True)
class TextMetadataValue(MetadataValue):
    text: str  # type: ignore[assignment]

    @property
    def value(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class IntMetadataValue(MetadataValue):
    value: int  # type: ignore[assignment]  # Dagster's field name: IntMetadataValue(value=...)

    @property
    def int_value(self) -> int:
        return self.value


@dataclass(frozen=True, slots=True)
class FloatMetadataValue(MetadataValue):
    value: float  # type: ignore[assignment]  # Dagster's field name: FloatMetadataValue(value=...)

    @property
    def float_value(self) -> float:
        return self.value


@dataclass(frozen=True, slots=True)
class BoolMetadataValue(MetadataValue):
    value: bool  # type: ignore[assignment]  # Dagster's field name: BoolMetadataValue(value=...)

    @property
    def bool_value(self) -> bool:
        return self.value


@dataclass(frozen=True, slots=True)
class PathMetadataValue(MetadataValue):
    path: str  # type: ignore[assignment]

    @property
    def value(self) -> str:
        return self.path

    @property
    def fspath(self) -> str:
        """Dagster's field name for the path."""
        return self.path


@dataclass(frozen=True, slots=True)
class UrlMetadataValue(MetadataValue):
    url: str  # type: ignore[assignment]

    @property
    def value(self) -> str:
        return self.url


@dataclass(frozen=True, slots=True)
class JsonMetadataValue(MetadataValue):
    data: Any

    @property
    def value(self) -> Any:
        return self.data


@dataclass(frozen=True, slots=True)
class MarkdownMetadataValue(MetadataValue):
    md_str: str

    @property
    def value(self) -> str:
        return self.md_str


@dataclass(frozen=True, slots=True)
class NullMetadataValue(MetadataValue):
    @property
    def value(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class TimestampMetadataValue(MetadataValue):
    value: builtins.float  # type: ignore[assignment]  # Dagster's field name

    @property
    def timestamp(self) -> float:  # type: ignore[override]
        return self.value


@dataclass(frozen=True, slots=True)
class DagsterAssetMetadataValue(MetadataValue):
    asset_key: AssetKey

    @property
    def value(self) -> AssetKey:
        return self.asset_key


AssetMetadataValue = DagsterAssetMetadataValue  # internal short name


@dataclass(frozen=True, slots=True)
class DagsterRunMetadataValue(MetadataValue):
    run_id: str

    @property
    def value(self) -> str:
        return self.run_id


@dataclass(frozen=True, slots=True)
class PythonArtifactMetadataValue(MetadataValue):
    module: str
    name: str

    @property
    def value(self) -> str:
        return f"{self.module}.{self.name}"


@dataclass(frozen=True, slots=True)
class TableColumn:
    """One column of a table schema."""

    name: str
    type: str = "string"
    description: str | None = None
    constraints: Any = None
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TableSchema:
    """The columns of a table."""

    columns: Sequence[TableColumn] = ()
    constraints: Any = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))


@dataclass(frozen=True, slots=True)
class TableRecord:
    """One row of a table metadata value."""

    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class TableSchemaMetadataValue(MetadataValue):
    schema: TableSchema

    @property
    def value(self) -> TableSchema:
        return self.schema


@dataclass(frozen=True, slots=True)
class TableMetadataValue(MetadataValue):
    records: list[TableRecord]
    schema: TableSchema | None = None

    @property
    def value(self) -> TableMetadataValue:
        return self


_ACCEPTED = (
    "str, int, float, bool, dict, list, tuple, None, os.PathLike, datetime, AssetKey, TableSchema "
    "or a MetadataValue"
)


def normalize_metadata_value(key: str, value: Any) -> MetadataValue:
    """Turn one raw value into a ``MetadataValue``; raise ``DagsterInvalidMetadata`` if impossible."""
    if isinstance(value, MetadataValue):
        return value
    if isinstance(value, str):
        return TextMetadataValue(value)
    if isinstance(value, bool):
        return BoolMetadataValue(value)
    if isinstance(value, int):
        return IntMetadataValue(value)
    if isinstance(value, float):
        return FloatMetadataValue(value)
    if value is None:
        return NullMetadataValue()
    if isinstance(value, (dict, list, tuple)):
        return JsonMetadataValue(_jsonable(key, value))
    if isinstance(value, os.PathLike):
        return PathMetadataValue(os.fspath(value))
    if isinstance(value, datetime):
        return TimestampMetadataValue(value.timestamp())
    if isinstance(value, AssetKey):
        return AssetMetadataValue(value)
    if isinstance(value, TableSchema):
        return TableSchemaMetadataValue(value)
    # numpy scalars and similar expose .item()
    item = getattr(value, "item", None)
    if callable(item) and type(value).__module__.startswith("numpy"):
        return normalize_metadata_value(key, item())
    raise DagsterInvalidMetadata(
        f"Could not resolve the metadata value for {key!r} to a known type: {value!r} of type "
        f"{type(value).__name__}. Accepted: {_ACCEPTED}. Convert it, e.g. str(value)."
    )


def _jsonable(key: str, value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(key, v) for v in value]
    if isinstance(value, list):
        return [_jsonable(key, v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(key, v) for k, v in value.items()}
    item = getattr(value, "item", None)
    if callable(item) and type(value).__module__.startswith("numpy"):
        return item()
    return value


def normalize_metadata(
    metadata: Mapping[str, Any] | None, allow_invalid: bool = False
) -> dict[str, MetadataValue]:
    """Normalise a raw metadata mapping. With ``allow_invalid`` bad values are kept as text."""
    if not metadata:
        return {}
    out: dict[str, MetadataValue] = {}
    for k, v in metadata.items():
        if not isinstance(k, str):
            raise DagsterInvalidMetadata(f"Metadata keys must be strings, got {k!r}.")
        try:
            out[k] = normalize_metadata_value(k, v)
        except DagsterInvalidMetadata:
            if not allow_invalid:
                raise
            out[k] = TextMetadataValue(repr(v))
    return out


def metadata_plain(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """The plain values of a metadata mapping (``MetadataValue`` unwrapped)."""
    return {k: (v.value if isinstance(v, MetadataValue) else v) for k, v in metadata.items()}
