"""The partitions contract: ``PartitionsDefinition``, ``PartitionKeyRange`` and the store seam.

Every concrete definition (static, time window, multi, dynamic) subclasses
``PartitionsDefinition``. Only ``get_partition_keys`` is abstract; the rest has a generic
key-list implementation that subclasses override where they can do better (time windows compute
indexes arithmetically instead of listing keys).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from dockyard.errors import DagsterUnknownPartitionError

if TYPE_CHECKING:
    from dockyard.defs.partitions.subset import PartitionsSubset

_MAX_SHOWN_KEYS = 5


@runtime_checkable
class DynamicPartitionsStore(Protocol):
    """What a dynamic partitions definition needs from the instance."""

    def get_dynamic_partitions(self, partitions_def_name: str) -> Sequence[str]: ...

    def has_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class PartitionKeyRange:
    """An inclusive range of partition keys, ``start`` and ``end`` both included."""

    start: str
    end: str

    def __iter__(self) -> Iterator[str]:
        yield self.start
        yield self.end


def format_keys_preview(keys: Sequence[str]) -> str:
    """A short, quoted list of the first few keys, for error messages."""
    shown = ", ".join(repr(str(k)) for k in keys[:_MAX_SHOWN_KEYS])
    if len(keys) > _MAX_SHOWN_KEYS:
        shown += f", ... ({len(keys)} in all)"
    return shown or "none"


class PartitionsDefinition(ABC):
    """The set of partition keys an asset or job is split into."""

    @abstractmethod
    def get_partition_keys(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> Sequence[str]:
        """All partition keys, in order."""

    # -- generic implementations over the key list ---------------------------------------

    @property
    def partitions_subset_class(self) -> type[PartitionsSubset]:
        from dockyard.defs.partitions.subset import DefaultPartitionsSubset

        return DefaultPartitionsSubset

    def has_partition_key(
        self,
        partition_key: str,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> bool:
        """Whether ``partition_key`` is one of this definition's keys."""
        return partition_key in self.get_partition_keys(current_time, dynamic_partitions_store)

    def get_partition_keys_in_range(
        self,
        partition_key_range: PartitionKeyRange,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> Sequence[str]:
        """The keys from ``range.start`` to ``range.end``, both included, in order."""
        keys = self.get_partition_keys(dynamic_partitions_store=dynamic_partitions_store)
        positions = {k: i for i, k in enumerate(keys)}
        bounds = []
        for key in (partition_key_range.start, partition_key_range.end):
            if key not in positions:
                raise self._unknown_key_error(key, keys)
            bounds.append(positions[key])
        return list(keys[bounds[0] : bounds[1] + 1])

    def get_first_partition_key(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> str | None:
        """The first key, or ``None`` when there are none."""
        keys = self.get_partition_keys(current_time, dynamic_partitions_store)
        return keys[0] if keys else None

    def get_last_partition_key(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> str | None:
        """The last key, or ``None`` when there are none."""
        keys = self.get_partition_keys(current_time, dynamic_partitions_store)
        return keys[-1] if keys else None

    def get_num_partitions(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> int:
        """How many keys there are."""
        return len(self.get_partition_keys(current_time, dynamic_partitions_store))

    def __len__(self) -> int:
        return self.get_num_partitions()

    def validate_partition_key(
        self,
        partition_key: str,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> None:
        """Raise ``DagsterUnknownPartitionError`` unless ``partition_key`` belongs here."""
        if not self.has_partition_key(partition_key, current_time, dynamic_partitions_store):
            raise self._unknown_key_error(
                partition_key, self.get_partition_keys(current_time, dynamic_partitions_store)
            )

    def _unknown_key_error(
        self, partition_key: object, valid_keys: Sequence[str]
    ) -> DagsterUnknownPartitionError:
        return DagsterUnknownPartitionError(
            f"Partition {str(partition_key)!r} is not a partition of {self}. "
            f"Valid partition keys include: {format_keys_preview(valid_keys)}. "
            "Pass one of these keys, or add the key to the partitions definition."
        )

    # -- subsets ---------------------------------------------------------------------------

    def empty_subset(self) -> PartitionsSubset:
        """A subset holding no partitions."""
        return self.partitions_subset_class.create_empty_subset(self)

    def subset_with_partition_keys(self, partition_keys: Iterable[str]) -> PartitionsSubset:
        """A subset holding ``partition_keys``."""
        return self.empty_subset().with_partition_keys(partition_keys)

    def subset_with_all_partitions(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> PartitionsSubset:
        """A subset holding every partition that exists at ``current_time``."""
        return self.subset_with_partition_keys(
            self.get_partition_keys(current_time, dynamic_partitions_store)
        )

    def subset_with_partition_key_range(
        self,
        partition_key_range: PartitionKeyRange,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> PartitionsSubset:
        """A subset holding the keys of ``partition_key_range`` (both ends included)."""
        return self.empty_subset().with_partition_key_range(
            self, partition_key_range, dynamic_partitions_store=dynamic_partitions_store
        )

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return NotImplemented
        return self._identity() == other._identity()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._identity()))

    @abstractmethod
    def _identity(self) -> tuple[Any, ...]:
        """The values equality and hashing are defined by."""
