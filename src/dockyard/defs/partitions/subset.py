"""Subsets of a definition's partitions: the ``PartitionsSubset`` ABC and the key-set subset.

``DefaultPartitionsSubset`` holds keys in insertion order (mappings insert them in definition
order), so ``get_partition_keys`` is stable and loaders can key dicts by it. Time window
definitions use the index-range subset in ``time_subset.py`` instead.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Self

    from dockyard.defs.partitions.base import (
        DynamicPartitionsStore,
        PartitionKeyRange,
        PartitionsDefinition,
    )


class PartitionsSubset(ABC):
    """An immutable set of partition keys of one ``PartitionsDefinition``."""

    @property
    @abstractmethod
    def partitions_def(self) -> PartitionsDefinition | None:
        """The definition these keys belong to (``None`` for a detached key set)."""

    @classmethod
    @abstractmethod
    def create_empty_subset(cls, partitions_def: PartitionsDefinition | None = None) -> Self:
        """An empty subset of ``partitions_def``."""

    @abstractmethod
    def get_partition_keys(self, current_time: datetime | None = None) -> Sequence[str]:
        """The keys in this subset, in definition order where known."""

    @abstractmethod
    def with_partition_keys(self, partition_keys: Iterable[str]) -> Self:
        """A new subset holding these keys as well."""

    @abstractmethod
    def __contains__(self, partition_key: object) -> bool: ...

    @abstractmethod
    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[str]:
        return iter(self.get_partition_keys())

    def __bool__(self) -> bool:
        return len(self) > 0

    def with_partition_key_range(
        self,
        partitions_def: PartitionsDefinition,
        partition_key_range: PartitionKeyRange,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> Self:
        """A new subset holding the keys of ``partition_key_range`` as well."""
        return self.with_partition_keys(
            partitions_def.get_partition_keys_in_range(
                partition_key_range, dynamic_partitions_store=dynamic_partitions_store
            )
        )

    def get_partition_keys_not_in_subset(
        self,
        partitions_def: PartitionsDefinition | None = None,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> Sequence[str]:
        """The definition's keys that this subset does not hold."""
        pdef = self._require_def(partitions_def)
        return [
            k
            for k in pdef.get_partition_keys(current_time, dynamic_partitions_store)
            if k not in self
        ]

    def get_partition_key_ranges(
        self,
        partitions_def: PartitionsDefinition | None = None,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> Sequence[PartitionKeyRange]:
        """The subset as maximal runs of consecutive keys of the definition."""
        from dockyard.defs.partitions.base import PartitionKeyRange

        pdef = self._require_def(partitions_def)
        ranges: list[PartitionKeyRange] = []
        start: str | None = None
        prev: str | None = None
        for key in pdef.get_partition_keys(current_time, dynamic_partitions_store):
            if key in self:
                if start is None:
                    start = key
                prev = key
            elif start is not None and prev is not None:
                ranges.append(PartitionKeyRange(start, prev))
                start = None
        if start is not None and prev is not None:
            ranges.append(PartitionKeyRange(start, prev))
        return ranges

    def __or__(self, other: PartitionsSubset) -> Self:
        return self.with_partition_keys(other.get_partition_keys())

    def __and__(self, other: PartitionsSubset) -> Self:
        return self.create_empty_subset(self.partitions_def).with_partition_keys(
            k for k in self.get_partition_keys() if k in other
        )

    def __sub__(self, other: PartitionsSubset) -> Self:
        return self.create_empty_subset(self.partitions_def).with_partition_keys(
            k for k in self.get_partition_keys() if k not in other
        )

    def _require_def(self, partitions_def: PartitionsDefinition | None) -> PartitionsDefinition:
        pdef = partitions_def if partitions_def is not None else self.partitions_def
        if pdef is None:
            from dockyard.errors import CheckError

            raise CheckError(
                f"{type(self).__name__} is not attached to a partitions definition; "
                "pass partitions_def=... to this method."
            )
        return pdef


class DefaultPartitionsSubset(PartitionsSubset):
    """A subset stored as an insertion-ordered set of keys."""

    __slots__ = ("_keys", "_partitions_def")

    def __init__(
        self,
        partitions_def: PartitionsDefinition | None = None,
        subset: Iterable[str] | None = None,
    ) -> None:
        self._partitions_def = partitions_def
        self._keys: dict[str, None] = dict.fromkeys(subset or ())

    @property
    def partitions_def(self) -> PartitionsDefinition | None:
        return self._partitions_def

    @property
    def subset(self) -> frozenset[str]:
        """The keys as a frozen set."""
        return frozenset(self._keys)

    @classmethod
    def create_empty_subset(cls, partitions_def: PartitionsDefinition | None = None) -> Self:
        return cls(partitions_def)

    def get_partition_keys(self, current_time: datetime | None = None) -> Sequence[str]:
        return list(self._keys)

    def with_partition_keys(self, partition_keys: Iterable[str]) -> Self:
        coerce = getattr(self._partitions_def, "_coerce_key", None)
        new_keys = partition_keys if coerce is None else map(coerce, partition_keys)
        merged = dict(self._keys)
        merged.update(dict.fromkeys(new_keys))
        return type(self)(self._partitions_def, merged)

    def __contains__(self, partition_key: object) -> bool:
        return partition_key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DefaultPartitionsSubset):
            return NotImplemented
        return self._partitions_def == other._partitions_def and self._keys.keys() == (
            other._keys.keys()
        )

    def __hash__(self) -> int:
        return hash((self._partitions_def, frozenset(self._keys)))

    def __repr__(self) -> str:
        return f"DefaultPartitionsSubset(subset={list(self._keys)!r})"
