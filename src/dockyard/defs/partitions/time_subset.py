"""``TimeWindowPartitionsSubset``: a subset of time windows stored as index ranges.

A subset is a sorted tuple of disjoint half-open ranges ``[lo, hi)`` of window indexes, so a key
range of a million hourly partitions costs two integers, and windows, ranges and membership are
computed without listing keys.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from dockyard.defs.partitions.base import (
    DynamicPartitionsStore,
    PartitionKeyRange,
    PartitionsDefinition,
)
from dockyard.defs.partitions.subset import PartitionsSubset
from dockyard.defs.partitions.time_window import TimeWindow, TimeWindowPartitionsDefinition
from dockyard.errors import CheckError, DagsterUnknownPartitionError

if TYPE_CHECKING:
    from typing import Self

IndexRanges = tuple[tuple[int, int], ...]


def merge_ranges(ranges: Iterable[tuple[int, int]]) -> IndexRanges:
    """Sort and merge half-open ranges, dropping empty ones."""
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(r for r in ranges if r[1] > r[0]):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return tuple(merged)


def intersect_ranges(a: IndexRanges, b: IndexRanges) -> IndexRanges:
    """The overlap of two merged range lists."""
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def subtract_ranges(a: IndexRanges, b: IndexRanges) -> IndexRanges:
    """The parts of ``a`` not in ``b`` (both merged)."""
    out: list[tuple[int, int]] = []
    for lo, hi in a:
        cur = lo
        for blo, bhi in b:
            if bhi <= cur or blo >= hi:
                continue
            if blo > cur:
                out.append((cur, blo))
            cur = max(cur, bhi)
        if cur < hi:
            out.append((cur, hi))
    return tuple(out)


class TimeWindowPartitionsSubset(PartitionsSubset):
    """A subset of a ``TimeWindowPartitionsDefinition`` as merged window-index ranges."""

    __slots__ = ("_def", "_ranges")

    def __init__(
        self, partitions_def: TimeWindowPartitionsDefinition, ranges: Iterable[tuple[int, int]] = ()
    ) -> None:
        if not isinstance(partitions_def, TimeWindowPartitionsDefinition):
            raise CheckError(
                "TimeWindowPartitionsSubset needs a TimeWindowPartitionsDefinition; got "
                f"{partitions_def!r}."
            )
        self._def = partitions_def
        self._ranges = merge_ranges(ranges)

    @property
    def partitions_def(self) -> TimeWindowPartitionsDefinition:
        return self._def

    @property
    def index_ranges(self) -> IndexRanges:
        """The merged ``[lo, hi)`` window-index ranges."""
        return self._ranges

    @classmethod
    def create_empty_subset(cls, partitions_def: PartitionsDefinition | None = None) -> Self:
        if not isinstance(partitions_def, TimeWindowPartitionsDefinition):
            raise CheckError(
                "TimeWindowPartitionsSubset needs a TimeWindowPartitionsDefinition; got "
                f"{partitions_def!r}."
            )
        return cls(partitions_def)

    def with_index_ranges(self, ranges: Iterable[tuple[int, int]]) -> Self:
        """A new subset with these index ranges added."""
        return type(self)(self._def, (*self._ranges, *ranges))

    def get_partition_keys(self, current_time: datetime | None = None) -> Sequence[str]:
        keys: list[str] = []
        for lo, hi in self._ranges:
            keys.extend(self._def.keys_for_index_range(lo, hi))
        return keys

    def with_partition_keys(self, partition_keys: Iterable[str]) -> Self:
        return self.with_index_ranges((n, n + 1) for n in self._def.indexes_of_keys(partition_keys))

    def with_partition_key_range(
        self,
        partitions_def: PartitionsDefinition,
        partition_key_range: PartitionKeyRange,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> Self:
        lo = self._def.index_of_key(partition_key_range.start)
        hi = self._def.index_of_key(partition_key_range.end)
        return self.with_index_ranges([(lo, hi + 1)])

    def __contains__(self, partition_key: object) -> bool:
        if not isinstance(partition_key, str):
            return False
        try:
            n = self._def.index_of_key(partition_key)
        except DagsterUnknownPartitionError:
            return False
        return self.contains_index(n)

    def contains_index(self, n: int) -> bool:
        i = bisect_right(self._ranges, (n, float("inf"))) - 1
        return i >= 0 and self._ranges[i][0] <= n < self._ranges[i][1]

    def __len__(self) -> int:
        return sum(hi - lo for lo, hi in self._ranges)

    @property
    def included_time_windows(self) -> Sequence[TimeWindow]:
        """One window per run of consecutive partitions."""
        return [self._def._window(lo, hi) for lo, hi in self._ranges]

    def get_partition_key_ranges(
        self,
        partitions_def: PartitionsDefinition | None = None,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> Sequence[PartitionKeyRange]:
        key = self._def.key_for_index
        return [PartitionKeyRange(key(lo), key(hi - 1)) for lo, hi in self._ranges]

    def get_partition_keys_not_in_subset(
        self,
        partitions_def: PartitionsDefinition | None = None,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> Sequence[str]:
        bounds = (self._def.index_bounds(current_time),)
        keys: list[str] = []
        for lo, hi in subtract_ranges(bounds, self._ranges):
            keys.extend(self._def.keys_for_index_range(lo, hi))
        return keys

    def _combine(
        self,
        other: PartitionsSubset,
        on_ranges: Callable[[IndexRanges, IndexRanges], Iterable[tuple[int, int]]],
        by_keys: Callable[[Self, PartitionsSubset], Self],
    ) -> Self:
        """``on_ranges`` of both subsets' index ranges when ``other`` is a subset of the same
        definition; otherwise the generic key-by-key operation ``by_keys``."""
        if isinstance(other, TimeWindowPartitionsSubset) and other._def == self._def:
            return type(self)(self._def, on_ranges(self._ranges, other._ranges))
        return by_keys(self, other)

    def __or__(self, other: PartitionsSubset) -> Self:
        return self._combine(other, lambda a, b: (*a, *b), PartitionsSubset.__or__)

    def __and__(self, other: PartitionsSubset) -> Self:
        return self._combine(other, intersect_ranges, PartitionsSubset.__and__)

    def __sub__(self, other: PartitionsSubset) -> Self:
        return self._combine(other, subtract_ranges, PartitionsSubset.__sub__)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TimeWindowPartitionsSubset):
            return NotImplemented
        return self._def == other._def and self._ranges == other._ranges

    def __hash__(self) -> int:
        return hash((self._def, self._ranges))

    def __repr__(self) -> str:
        ranges = [f"{r.start}..{r.end}" for r in self.get_partition_key_ranges()]
        return f"TimeWindowPartitionsSubset({', '.join(ranges) or 'empty'})"
