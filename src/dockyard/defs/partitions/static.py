"""``StaticPartitionsDefinition``: a fixed, ordered list of string keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from dockyard.defs.partitions.base import (
    DynamicPartitionsStore,
    PartitionKeyRange,
    PartitionsDefinition,
    Store,
    key_tuple,
)
from dockyard.errors import DagsterInvalidDefinitionError


class StaticPartitionsDefinition(PartitionsDefinition):
    """Partitions from a fixed list of unique string keys.

    Args:
        partition_keys: The keys, in order. Duplicates and non-strings are rejected.
    """

    __slots__ = ("_index", "_keys")

    def __init__(self, partition_keys: Sequence[str]) -> None:
        keys = key_tuple(
            partition_keys, "StaticPartitionsDefinition", DagsterInvalidDefinitionError
        )
        index: dict[str, int] = {}
        dupes: list[str] = []
        for i, key in enumerate(keys):
            if key in index and key not in dupes:
                dupes.append(key)
            index.setdefault(key, i)
        if dupes:
            raise DagsterInvalidDefinitionError(
                "StaticPartitionsDefinition keys must be unique; duplicated: "
                f"{', '.join(repr(d) for d in dupes)}. Remove the repeated keys."
            )
        self._keys = keys
        self._index = index

    def get_partition_keys(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> Sequence[str]:
        return list(self._keys)

    # Overridden directly rather than through the ``_has_key`` hook: mappings call it once per
    # key, and for a dict lookup the extra call would be a third of the cost.
    def has_partition_key(
        self,
        partition_key: str,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> bool:
        return partition_key in self._index

    def _keys_in_range(self, key_range: PartitionKeyRange, store: Store) -> Sequence[str]:
        return list(self._keys[self.index_of(key_range.start) : self.index_of(key_range.end) + 1])

    def _count(self, current_time: datetime | None, store: Store) -> int:
        return len(self._keys)

    def index_of(self, partition_key: str) -> int:
        """The position of ``partition_key`` in the key list."""
        if partition_key not in self._index:
            raise self._unknown_key_error(partition_key, self._keys)
        return self._index[partition_key]

    def _identity(self) -> tuple[Any, ...]:
        return self._keys

    def __repr__(self) -> str:
        return f"StaticPartitionsDefinition({list(self._keys)!r})"

    def __str__(self) -> str:
        shown = ", ".join(repr(k) for k in self._keys[:5])
        more = ", ..." if len(self._keys) > 5 else ""
        return f"StaticPartitionsDefinition([{shown}{more}])"
