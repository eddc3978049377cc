"""What user code returns or yields: outputs, materialize results, and user events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dockyard.defs.keys import AssetKey, CoercibleToAssetKey
from dockyard.defs.metadata import MetadataValue, normalize_metadata


class Output:
    """A value for one output of an op or asset, with optional runtime metadata."""

    __slots__ = ("data_version", "metadata", "output_name", "tags", "value")

    def __init__(
        self,
        value: Any,
        output_name: str = "result",
        metadata: Mapping[str, Any] | None = None,
        data_version: Any = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        self.value = value
        self.output_name = output_name
        self.metadata: dict[str, MetadataValue] = normalize_metadata(metadata)
        self.data_version = data_version
        self.tags = dict(tags or {})

    def __repr__(self) -> str:
        return f"Output(value={self.value!r}, output_name={self.output_name!r})"


class DynamicOutput(Output):
    """One of several values for a dynamic output, told apart by ``mapping_key``."""

    __slots__ = ("mapping_key",)

    def __init__(
        self,
        value: Any,
        mapping_key: str,
        output_name: str = "result",
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(value, output_name, metadata)
        self.mapping_key = mapping_key


@dataclass(frozen=True, slots=True)
class MaterializeResult:
    """Returned by an asset to report a materialization; ``value`` (if given) is stored."""

    asset_key: AssetKey | None = None
    metadata: Mapping[str, Any] | None = None
    check_results: Any = None
    data_version: Any = None
    tags: Mapping[str, str] | None = None
    value: Any = field(default=None)

    def __init__(
        self,
        *,
        asset_key: CoercibleToAssetKey | None = None,
        metadata: Mapping[str, Any] | None = None,
        check_results: Any = None,
        data_version: Any = None,
        tags: Mapping[str, str] | None = None,
        value: Any = None,
    ) -> None:
        object.__setattr__(self, "asset_key", None if asset_key is None else AssetKey.from_coercible(asset_key))
        object.__setattr__(self, "metadata", normalize_metadata(metadata))
        object.__setattr__(self, "check_results", check_results)
        object.__setattr__(self, "data_version", data_version)
        object.__setattr__(self, "tags", dict(tags or {}))
        object.__setattr__(self, "value", value)


class _AssetEvent:
    """What ``AssetMaterialization`` and ``AssetObservation`` both hold."""

    __slots__ = ("asset_key", "description", "metadata", "partition", "tags")

    def __init__(
        self,
        asset_key: CoercibleToAssetKey,
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        partition: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        self.asset_key = AssetKey.from_coercible(asset_key)
        self.description = description
        self.metadata: dict[str, MetadataValue] = normalize_metadata(metadata)
        self.partition = partition
        self.tags = dict(tags or {})


class AssetMaterialization(_AssetEvent):
    """An event saying an asset (or one partition of it) was written."""

    __slots__ = ()

    @staticmethod
    def file(path: str, description: str | None = None, asset_key: CoercibleToAssetKey | None = None) -> AssetMaterialization:
        return AssetMaterialization(
            asset_key=asset_key or path, description=description, metadata={"path": MetadataValue.path(path)}
        )

    def with_metadata(self, metadata: Mapping[str, Any]) -> AssetMaterialization:
        return AssetMaterialization(self.asset_key, self.description, metadata, self.partition, self.tags)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, AssetMaterialization)
            and other.asset_key == self.asset_key
            and other.metadata == self.metadata
            and other.partition == self.partition
        )

    def __hash__(self) -> int:
        return hash((self.asset_key, self.partition))

    def __repr__(self) -> str:
        return f"AssetMaterialization(asset_key={self.asset_key!r}, partition={self.partition!r}, metadata={self.metadata!r})"


class AssetObservation(_AssetEvent):
    """An event recording something seen about an asset without writing it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"AssetObservation(asset_key={self.asset_key!r}, partition={self.partition!r})"
