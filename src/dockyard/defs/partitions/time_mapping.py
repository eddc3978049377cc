"""``TimeWindowPartitionMapping``: upstream windows overlapping the (offset) downstream window.

Works on window-index ranges, never on key lists: a downstream run of ``[lo, hi)`` daily
windows becomes the instant span ``[fire(lo + start_offset), fire(hi + end_offset))``, and the
upstream windows overlapping that span are the index range from the window containing its start
to the last window starting before its end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dockyard.defs.partitions.base import PartitionsDefinition
from dockyard.defs.partitions.mapping import (
    MappingQuery,
    QueryPartitionMapping,
    UpstreamPartitionsResult,
)
from dockyard.defs.partitions.subset import DefaultPartitionsSubset, PartitionsSubset
from dockyard.defs.partitions.time_subset import (
    IndexRanges,
    TimeWindowPartitionsSubset,
    intersect_ranges,
    merge_ranges,
    subtract_ranges,
)
from dockyard.defs.partitions.time_window import TimeWindowPartitionsDefinition
from dockyard.errors import CheckError, DagsterInvalidDefinitionError


def _same_schedule(a: TimeWindowPartitionsDefinition, b: TimeWindowPartitionsDefinition) -> bool:
    return a.cron_schedule == b.cron_schedule and a.timezone == b.timezone


def index_ranges_of(
    subset: PartitionsSubset, partitions_def: TimeWindowPartitionsDefinition
) -> IndexRanges:
    """``subset`` as window-index ranges of ``partitions_def``'s schedule."""
    if isinstance(subset, TimeWindowPartitionsSubset) and _same_schedule(
        subset.partitions_def, partitions_def
    ):
        return subset.index_ranges
    return merge_ranges(
        (n, n + 1) for n in partitions_def.indexes_of_keys(subset.get_partition_keys())
    )


def _result(
    upstream_def: TimeWindowPartitionsDefinition,
    wanted: IndexRanges,
    current_time: datetime | None,
    allow_nonexistent: bool,
) -> UpstreamPartitionsResult:
    bounds = (upstream_def.index_bounds(current_time),)
    existing = intersect_ranges(wanted, bounds)
    missing_keys: list[str] = []
    if not allow_nonexistent:
        for lo, hi in subtract_ranges(wanted, bounds):
            missing_keys.extend(upstream_def.keys_for_index_range(lo, hi))
    return UpstreamPartitionsResult(
        TimeWindowPartitionsSubset(upstream_def, existing),
        DefaultPartitionsSubset(upstream_def, missing_keys),
    )


def identity_time_result(
    subset: PartitionsSubset,
    target_def: TimeWindowPartitionsDefinition,
    current_time: datetime | None,
    allow_nonexistent: bool,
) -> UpstreamPartitionsResult | None:
    """Same keys in ``target_def`` by index arithmetic, or ``None`` if keys are not comparable."""
    source = subset.partitions_def
    if not (
        isinstance(subset, TimeWindowPartitionsSubset)
        and isinstance(source, TimeWindowPartitionsDefinition)
        and _same_schedule(source, target_def)
        and source.fmt == target_def.fmt
    ):
        return None
    return _result(target_def, subset.index_ranges, current_time, allow_nonexistent)


def _clamp(timestamp: int, offset: int, span: tuple[int, int] | None) -> int:
    """An offset never pushes a window edge past the upstream's existing windows (Dagster's
    rule): a negative offset stops at the first window's start, a positive one at the last
    window's end. So ``start_offset=-2`` on the first days is clipped, not an error."""
    if span is None or offset == 0:
        return timestamp
    return max(span[0], timestamp) if offset < 0 else min(span[1], timestamp)


def _time_def(pdef: PartitionsDefinition | None, side: str) -> TimeWindowPartitionsDefinition:
    if not isinstance(pdef, TimeWindowPartitionsDefinition):
        raise CheckError(
            f"TimeWindowPartitionMapping needs time window partitions, but the {side} "
            f"definition is {pdef!r}. Validate the mapping with validate_partition_mapping."
        )
    return pdef


def _check_same_timezone(
    up: TimeWindowPartitionsDefinition, down: TimeWindowPartitionsDefinition
) -> None:
    """Windows in different timezones do not line up: refuse to map them (as Dagster does)."""
    if up.timezone != down.timezone:
        raise DagsterInvalidDefinitionError(
            f"TimeWindowPartitionMapping cannot map between timezones: upstream partitions are "
            f"in {up.timezone!r}, downstream partitions in {down.timezone!r}. Use the same "
            "timezone on both partitions definitions."
        )


@dataclass(frozen=True, slots=True)
class TimeWindowPartitionMapping(QueryPartitionMapping):
    """Each downstream window depends on the upstream windows that overlap it.

    Args:
        start_offset: Move the start of the downstream window by this many downstream windows
            (``-1``: also depend on the previous window).
        end_offset: Move the end of the downstream window by this many downstream windows.
        allow_nonexistent_upstream_partitions: Drop upstream windows outside the upstream
            definition instead of reporting them as required but nonexistent.
    """

    start_offset: int = 0
    end_offset: int = 0
    allow_nonexistent_upstream_partitions: bool = False

    def __post_init__(self) -> None:
        for name in ("start_offset", "end_offset"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise DagsterInvalidDefinitionError(
                    f"TimeWindowPartitionMapping {name} must be an int; got {value!r}."
                )

    def _upstream(self, q: MappingQuery) -> UpstreamPartitionsResult:
        subset, ddef = q.partitioned(self)
        down = _time_def(ddef, "downstream")
        up = _time_def(q.to_def, "upstream")
        _check_same_timezone(up, down)
        first, stop = up.index_bounds(q.current_time)
        span = (up.start_timestamp_for_index(first), up.start_timestamp_for_index(stop)) if stop > first else None
        wanted: list[tuple[int, int]] = []
        for lo, hi in index_ranges_of(subset, down):
            start = _clamp(down.start_timestamp_for_index(lo + self.start_offset), self.start_offset, span)
            end = _clamp(down.start_timestamp_for_index(hi + self.end_offset), self.end_offset, span)
            if end > start:
                wanted.append((up.index_for_timestamp(start), up.index_at_or_after(end)))
        return _result(
            up, merge_ranges(wanted), q.current_time, self.allow_nonexistent_upstream_partitions
        )

    def _downstream(self, q: MappingQuery) -> PartitionsSubset:
        subset, udef = q.partitioned(self)
        up = _time_def(udef, "upstream")
        down = _time_def(q.to_def, "downstream")
        _check_same_timezone(up, down)
        if self.start_offset > self.end_offset:
            return down.empty_subset()
        found: list[tuple[int, int]] = []
        for lo, hi in index_ranges_of(subset, up):
            # Downstream n overlaps [us, ue) iff fire(n + so) < ue and fire(n + 1 + eo) > us.
            first = down.index_for_timestamp(up.start_timestamp_for_index(lo)) - self.end_offset
            stop = down.index_at_or_after(up.start_timestamp_for_index(hi)) - self.start_offset
            found.append((first, stop))
        bounds = (down.index_bounds(q.current_time),)
        return TimeWindowPartitionsSubset(down, intersect_ranges(merge_ranges(found), bounds))

    def _problem(
        self, upstream: PartitionsDefinition | None, downstream: PartitionsDefinition | None
    ) -> str | None:
        if not isinstance(upstream, TimeWindowPartitionsDefinition) or not (
            isinstance(downstream, TimeWindowPartitionsDefinition)
        ):
            return "TimeWindowPartitionMapping needs time window partitions on both sides."
        if upstream.timezone != downstream.timezone:
            return (
                f"timezones differ (upstream {upstream.timezone!r}, downstream "
                f"{downstream.timezone!r}); use the same timezone on both."
            )
        return None

    @property
    def description(self) -> str:
        text = "Each downstream time window depends on the upstream windows that overlap it"
        if self.start_offset or self.end_offset:
            text += (
                f", with its start moved by {self.start_offset} and its end by "
                f"{self.end_offset} downstream windows"
            )
        if self.allow_nonexistent_upstream_partitions:
            text += "; upstream windows outside the upstream definition are ignored"
        return text + "."
