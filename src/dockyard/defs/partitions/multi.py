"""Two-dimensional partitions: ``MultiPartitionKey`` and ``MultiPartitionsDefinition``.

Dimensions are always ordered by name: a key's string value is the dimension values in that
order joined by ``|``, and the key list is their cartesian product with the first-named
dimension outermost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import product
from typing import Any

from dockyard.defs.partitions.base import (
    DynamicPartitionsStore,
    PartitionKeyRange,
    PartitionsDefinition,
    Store,
)
from dockyard.defs.partitions.time_window import TimeWindow, TimeWindowPartitionsDefinition
from dockyard.errors import (
    DagsterInvalidDefinitionError,
    DagsterInvariantViolationError,
    DagsterUnknownPartitionError,
)

MULTIPARTITION_KEY_DELIMITER = "|"


@dataclass(frozen=True, slots=True)
class PartitionDimensionKey:
    """One dimension's part of a multi-partition key."""

    dimension_name: str
    partition_key: str


@dataclass(frozen=True, slots=True)
class PartitionDimensionDefinition:
    """One named dimension of a ``MultiPartitionsDefinition``."""

    name: str
    partitions_def: PartitionsDefinition


class MultiPartitionKey(str):
    """A partition key of a ``MultiPartitionsDefinition``; a ``str`` such as ``"2024-01-01|red"``.

    Args:
        keys_by_dimension: The key of each dimension, by dimension name.
    """

    _keys_by_dimension: dict[str, str]

    def __new__(cls, keys_by_dimension: Mapping[str, str]) -> MultiPartitionKey:
        ordered = sorted(keys_by_dimension.items())
        for name, key in ordered:
            if not isinstance(key, str) or MULTIPARTITION_KEY_DELIMITER in key:
                raise DagsterInvalidDefinitionError(
                    f"Dimension {name!r} of a MultiPartitionKey must be a string without "
                    f"{MULTIPARTITION_KEY_DELIMITER!r}; got {key!r}."
                )
        inst = super().__new__(cls, MULTIPARTITION_KEY_DELIMITER.join(k for _, k in ordered))
        inst._keys_by_dimension = dict(ordered)
        return inst

    @property
    def keys_by_dimension(self) -> dict[str, str]:
        """The key of each dimension, by dimension name."""
        return dict(self._keys_by_dimension)

    @property
    def dimension_keys(self) -> list[PartitionDimensionKey]:
        """The dimension keys ordered by dimension name."""
        return [PartitionDimensionKey(n, k) for n, k in self._keys_by_dimension.items()]

    def __reduce__(self) -> tuple[Any, ...]:
        return (MultiPartitionKey, (self._keys_by_dimension,))

    def __repr__(self) -> str:
        return f"MultiPartitionKey({self._keys_by_dimension!r})"


class MultiPartitionsDefinition(PartitionsDefinition):
    """The cartesian product of exactly two partitions definitions.

    Args:
        partitions_defs: The two dimensions, by name.
    """

    def __init__(self, partitions_defs: Mapping[str, PartitionsDefinition]) -> None:
        if not isinstance(partitions_defs, Mapping) or len(partitions_defs) != 2:
            raise DagsterInvalidDefinitionError(
                "MultiPartitionsDefinition needs exactly 2 dimensions; got "
                f"{list(partitions_defs) if isinstance(partitions_defs, Mapping) else partitions_defs!r}."
                " Pass {'dimension_a': ..., 'dimension_b': ...}."
            )
        dims: list[PartitionDimensionDefinition] = []
        for name, pdef in sorted(partitions_defs.items()):
            if not isinstance(name, str) or not name or MULTIPARTITION_KEY_DELIMITER in name:
                raise DagsterInvalidDefinitionError(
                    f"Multi-partition dimension names must be non-empty strings without "
                    f"{MULTIPARTITION_KEY_DELIMITER!r}; got {name!r}."
                )
            if not isinstance(pdef, PartitionsDefinition) or isinstance(
                pdef, MultiPartitionsDefinition
            ):
                raise DagsterInvalidDefinitionError(
                    f"Dimension {name!r} must be a single-dimension PartitionsDefinition "
                    f"(static, time window or dynamic); got {pdef!r}."
                )
            keys = getattr(pdef, "_keys", ())
            bad = [k for k in keys if MULTIPARTITION_KEY_DELIMITER in k]
            if bad:
                raise DagsterInvalidDefinitionError(
                    f"Keys of dimension {name!r} cannot contain "
                    f"{MULTIPARTITION_KEY_DELIMITER!r}; got {bad[0]!r}. Rename the key."
                )
            dims.append(PartitionDimensionDefinition(name, pdef))
        self._dims = tuple(dims)

    @property
    def partitions_defs(self) -> Sequence[PartitionDimensionDefinition]:
        """The dimensions, ordered by name."""
        return list(self._dims)

    @property
    def partition_dimension_names(self) -> list[str]:
        return [d.name for d in self._dims]

    def get_partitions_def_for_dimension(self, dimension_name: str) -> PartitionsDefinition:
        for dim in self._dims:
            if dim.name == dimension_name:
                return dim.partitions_def
        raise DagsterInvalidDefinitionError(
            f"{self} has no dimension {dimension_name!r}; dimensions are "
            f"{', '.join(repr(n) for n in self.partition_dimension_names)}."
        )

    @property
    def has_time_window_dimension(self) -> bool:
        return any(isinstance(d.partitions_def, TimeWindowPartitionsDefinition) for d in self._dims)

    @property
    def time_window_dimension(self) -> PartitionDimensionDefinition:
        """The time window dimension; ``DagsterInvalidDefinitionError`` if there is none."""
        for dim in self._dims:
            if isinstance(dim.partitions_def, TimeWindowPartitionsDefinition):
                return dim
        raise DagsterInvalidDefinitionError(f"{self} has no time window dimension.")

    @property
    def time_window_partitions_def(self) -> TimeWindowPartitionsDefinition:
        pdef = self.time_window_dimension.partitions_def
        assert isinstance(pdef, TimeWindowPartitionsDefinition)
        return pdef

    # -- keys ---------------------------------------------------------------------------------

    def get_multipartition_key_from_str(self, partition_key_str: str) -> MultiPartitionKey:
        """Split ``"a|b"`` into a ``MultiPartitionKey`` of this definition's dimensions."""
        if isinstance(partition_key_str, MultiPartitionKey) and set(
            partition_key_str._keys_by_dimension
        ) == set(self.partition_dimension_names):
            return partition_key_str
        parts = str(partition_key_str).split(MULTIPARTITION_KEY_DELIMITER)
        if len(parts) != len(self._dims):
            raise DagsterUnknownPartitionError(
                f"Partition {str(partition_key_str)!r} is not a key of {self}: expected "
                f"{len(self._dims)} values joined by {MULTIPARTITION_KEY_DELIMITER!r}, one per "
                f"dimension ({', '.join(self.partition_dimension_names)})."
            )
        return MultiPartitionKey({d.name: p for d, p in zip(self._dims, parts, strict=True)})

    _coerce_key = get_multipartition_key_from_str

    def _product(self, keys_per_dim: Iterable[Sequence[str]]) -> list[MultiPartitionKey]:
        """The keys of every combination of dimension keys, first-named dimension outermost."""
        names = self.partition_dimension_names
        return [
            MultiPartitionKey(dict(zip(names, combo, strict=True)))
            for combo in product(*keys_per_dim)
        ]

    def get_partition_keys(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> Sequence[MultiPartitionKey]:
        return self._product(
            d.partitions_def.get_partition_keys(current_time, dynamic_partitions_store)
            for d in self._dims
        )

    def _count(self, current_time: datetime | None, store: Store) -> int:
        total = 1
        for d in self._dims:
            total *= d.partitions_def.get_num_partitions(current_time, store)
        return total

    def _has_key(self, key: str, current_time: datetime | None, store: Store) -> bool:
        try:
            multi_key = self.get_multipartition_key_from_str(key)
        except DagsterUnknownPartitionError:
            return False
        return all(
            d.partitions_def.has_partition_key(
                multi_key._keys_by_dimension[d.name], current_time, store
            )
            for d in self._dims
        )

    def validate_partition_key(
        self,
        partition_key: str,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> None:
        key = self.get_multipartition_key_from_str(partition_key)
        for d in self._dims:
            dim_key = key._keys_by_dimension[d.name]
            if not d.partitions_def.has_partition_key(
                dim_key, current_time, dynamic_partitions_store
            ):
                raise DagsterUnknownPartitionError(
                    f"Partition {str(partition_key)!r} is not a partition of {self}: dimension "
                    f"{d.name!r} has no key {dim_key!r}. Valid keys look like "
                    f"{self._example_key(current_time, dynamic_partitions_store)!r}."
                )

    def _example_key(
        self, current_time: datetime | None, store: DynamicPartitionsStore | None
    ) -> str:
        parts = []
        for d in self._dims:
            first = d.partitions_def.get_first_partition_key(current_time, store)
            parts.append(first if first is not None else f"<{d.name}>")
        return MULTIPARTITION_KEY_DELIMITER.join(parts)

    def get_partition_keys_in_range(
        self,
        partition_key_range: PartitionKeyRange,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> Sequence[MultiPartitionKey]:
        """The product of each dimension's range between the two keys' values."""
        start = self.get_multipartition_key_from_str(partition_key_range.start)
        end = self.get_multipartition_key_from_str(partition_key_range.end)
        return self._product(
            d.partitions_def.get_partition_keys_in_range(
                PartitionKeyRange(start._keys_by_dimension[d.name], end._keys_by_dimension[d.name]),
                dynamic_partitions_store=dynamic_partitions_store,
            )
            for d in self._dims
        )

    def get_first_partition_key(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> MultiPartitionKey | None:
        return self._edge_key(current_time, dynamic_partitions_store, last=False)

    def get_last_partition_key(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> MultiPartitionKey | None:
        return self._edge_key(current_time, dynamic_partitions_store, last=True)

    def _edge_key(
        self, current_time: datetime | None, store: DynamicPartitionsStore | None, last: bool
    ) -> MultiPartitionKey | None:
        parts: dict[str, str] = {}
        for d in self._dims:
            pdef = d.partitions_def
            key = (
                pdef.get_last_partition_key(current_time, store)
                if last
                else pdef.get_first_partition_key(current_time, store)
            )
            if key is None:
                return None
            parts[d.name] = key
        return MultiPartitionKey(parts)

    # -- time ---------------------------------------------------------------------------------

    def time_window_for_partition_key(self, partition_key: str) -> TimeWindow:
        """The time dimension's window of ``partition_key``."""
        key = self.get_multipartition_key_from_str(partition_key)
        dim = self.time_window_dimension
        return self.time_window_partitions_def.time_window_for_partition_key(
            key._keys_by_dimension[dim.name]
        )

    def time_window_for_partition_key_range(
        self, partition_key_range: PartitionKeyRange
    ) -> TimeWindow:
        """The time dimension's window spanning the range's two keys."""
        start = self.get_multipartition_key_from_str(partition_key_range.start)
        end = self.get_multipartition_key_from_str(partition_key_range.end)
        name = self.time_window_dimension.name
        return self.time_window_partitions_def.time_window_for_partition_key_range(
            PartitionKeyRange(start._keys_by_dimension[name], end._keys_by_dimension[name])
        )

    def _identity(self) -> tuple[Any, ...]:
        return tuple((d.name, d.partitions_def) for d in self._dims)

    def __repr__(self) -> str:
        inner = ", ".join(f"{d.name!r}: {d.partitions_def!r}" for d in self._dims)
        return f"MultiPartitionsDefinition({{{inner}}})"

    def __str__(self) -> str:
        inner = ", ".join(f"{d.name!r}: {d.partitions_def}" for d in self._dims)
        return f"MultiPartitionsDefinition({inner})"


def time_window_for_partition_key_range(
    partitions_def: PartitionsDefinition, partition_key_range: PartitionKeyRange
) -> TimeWindow:
    """The ``TimeWindow`` covering a key range of a time-based partitions definition.

    Raises:
        DagsterInvariantViolationError: ``partitions_def`` has no time dimension.
    """
    if isinstance(partitions_def, TimeWindowPartitionsDefinition):
        return partitions_def.time_window_for_partition_key_range(partition_key_range)
    if isinstance(partitions_def, MultiPartitionsDefinition) and (
        partitions_def.has_time_window_dimension
    ):
        return partitions_def.time_window_for_partition_key_range(partition_key_range)
    raise DagsterInvariantViolationError(
        f"Partitions definition {partitions_def} is not time-partitioned, so it has no "
        "time window. Use a TimeWindowPartitionsDefinition (e.g. DailyPartitionsDefinition)."
    )
