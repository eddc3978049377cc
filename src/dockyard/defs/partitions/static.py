"""``StaticPartitionsDefinition``: a fixed, ordered list of string keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from dockyard.defs.partitions.base import (
    DynamicPartitionsStore,
    PartitionKeyRange,
    PartitionsDefinition,
)
from dockyard.errors import DagsterInvalidDefinitionError


class StaticPartitionsDefinition(PartitionsDefinition):
    """Partitions from a fixed list of unique string keys.

    Args:
        partition_keys: The keys, in order. Duplicates and non-strings are rejected.
    """

    __slots__ = ("_index", "_keys")

    def __init__(self, partition_keys: Sequence[str]) -> None:
        if isinstance(partition_keys, str):
            raise DagsterInvalidDefinitionError(
                f"StaticPartitionsDefinition got the string {partition_keys!r}; expected a "
                f"list of keys. Wrap it in a list: [{partition_keys!r}]."
            )
        keys = list(partition_keys)
        bad = [k for k in keys if not isinstance(k, str)]
        if bad:
            raise DagsterInvalidDefinitionError(
                f"StaticPartitionsDefinition keys must be strings; got {bad[0]!r} "
                f"({type(bad[0]).__name__}). Convert the keys with str()."
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
        self._keys: tuple[str, ...] = tuple(keys)
        self._index = index

    def get_partition_keys(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> Sequence[str]:
        return list(self._keys)

    def has_partition_key(
        self,
        partition_key: str,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> bool:
        return partition_key in self._index

    def get_partition_keys_in_range(
        self,
        partition_key_range: PartitionKeyRange,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> Sequence[str]:
        for key in (partition_key_range.start, partition_key_range.end):
            if key not in self._index:
                raise self._unknown_key_error(key, self._keys)
        lo = self._index[partition_key_range.start]
        hi = self._index[partition_key_range.end]
        return list(self._keys[lo : hi + 1])

    def get_num_partitions(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> int:
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
