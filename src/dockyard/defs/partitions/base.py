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


Store = DynamicPartitionsStore | None
"""The optional store argument, in the private hooks' signatures."""


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


def key_tuple(keys: Sequence[str], what: str, error: type[Exception]) -> tuple[str, ...]:
    """``keys`` as a tuple; raises ``error`` for a lone string or a key that is not a string."""
    if isinstance(keys, str):
        raise error(
            f"{what} takes a list of partition keys, but got the string {keys!r}; expected a "
            f"list. Pass [{keys!r}]."
        )
    result = tuple(keys)
    bad = [k for k in result if not isinstance(k, str)]
    if bad:
        raise error(
            f"{what} partition keys must be strings; got {bad[0]!r} ({type(bad[0]).__name__}). "
            "Convert the keys with str()."
        )
    return result


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
        return self._has_key(partition_key, current_time, dynamic_partitions_store)

    def get_partition_keys_in_range(
        self,
        partition_key_range: PartitionKeyRange,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> Sequence[str]:
        """The keys from ``range.start`` to ``range.end``, both included, in order."""
        return self._keys_in_range(partition_key_range, dynamic_partitions_store)

    def get_first_partition_key(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> str | None:
        """The first key, or ``None`` when there are none."""
        return self._edge_key(current_time, dynamic_partitions_store, last=False)

    def get_last_partition_key(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> str | None:
        """The last key, or ``None`` when there are none."""
        return self._edge_key(current_time, dynamic_partitions_store, last=True)

    def get_num_partitions(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> int:
        """How many keys there are."""
        return self._count(current_time, dynamic_partitions_store)

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
                partition_key, self._keys_for_error(current_time, dynamic_partitions_store)
            )

    # Hooks behind the public methods above; subclasses override those they can do better.

    def _has_key(self, key: str, current_time: datetime | None, store: Store) -> bool:
        return key in self.get_partition_keys(current_time, store)

    def _keys_in_range(self, key_range: PartitionKeyRange, store: Store) -> Sequence[str]:
        keys = self.get_partition_keys(dynamic_partitions_store=store)
        positions = {k: i for i, k in enumerate(keys)}
        bounds = []
        for key in (key_range.start, key_range.end):
            if key not in positions:
                raise self._unknown_key_error(key, keys)
            bounds.append(positions[key])
        return list(keys[bounds[0] : bounds[1] + 1])

    def _edge_key(self, current_time: datetime | None, store: Store, last: bool) -> str | None:
        keys = self.get_partition_keys(current_time, store)
        return (keys[-1] if last else keys[0]) if keys else None

    def _count(self, current_time: datetime | None, store: Store) -> int:
        return len(self.get_partition_keys(current_time, store))

    def _keys_for_error(self, current_time: datetime | None, store: Store) -> Sequence[str]:
        """Valid keys to show when a key is unknown."""
        return self.get_partition_keys(current_time, store)

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
