"""Hypothesis properties: key <-> window round trips, ranges vs slicing, mapping containment."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from dockyard.defs.partitions import (
    DailyPartitionsDefinition,
    HourlyPartitionsDefinition,
    MonthlyPartitionsDefinition,
    PartitionKeyRange,
    TimeWindowPartitionMapping,
    TimeWindowPartitionsDefinition,
    WeeklyPartitionsDefinition,
)

TIMEZONES = ["UTC", "America/New_York", "Europe/Berlin"]
# Windows of the calendar schedules are long; cap how many of each we list per example.
SPAN = {"hourly": timedelta(days=60), "daily": timedelta(days=800), "weekly": timedelta(days=3000)}
# The schedules that take a day_offset, with the range of days it allows.
DAY_OFFSET_SCHEDULES: dict[str, tuple[type[TimeWindowPartitionsDefinition], tuple[int, int]]] = {
    "weekly": (WeeklyPartitionsDefinition, (0, 6)),
    "monthly": (MonthlyPartitionsDefinition, (1, 28)),
}


@st.composite
def time_defs(draw: st.DrawFn, kinds: tuple[str, ...] = ("hourly", "daily", "weekly", "monthly")):
    kind = draw(st.sampled_from(kinds))
    tz = draw(st.sampled_from(TIMEZONES))
    start = draw(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1)))
    minute = draw(st.integers(0, 59))
    hour = draw(st.integers(0, 23))
    if kind == "hourly":
        return HourlyPartitionsDefinition(start_date=start, timezone=tz, minute_offset=minute)
    if kind == "daily":
        return DailyPartitionsDefinition(
            start_date=start, timezone=tz, minute_offset=minute, hour_offset=hour
        )
    cls, (first_day, last_day) = DAY_OFFSET_SCHEDULES[kind]
    return cls(
        start_date=start,
        timezone=tz,
        minute_offset=minute,
        hour_offset=hour,
        day_offset=draw(st.integers(first_day, last_day)),
    )


def _kind(pdef: TimeWindowPartitionsDefinition) -> str:
    assert pdef.schedule_type is not None
    return pdef.schedule_type.value.lower()


def _now(pdef: TimeWindowPartitionsDefinition) -> datetime:
    return pdef.start + SPAN.get(_kind(pdef), timedelta(days=6000))


@settings(max_examples=150, deadline=None)
@given(pdef=time_defs(), position=st.integers(0, 400))
def test_key_and_window_round_trip(pdef: TimeWindowPartitionsDefinition, position: int) -> None:
    keys = pdef.get_partition_keys(current_time=_now(pdef))
    assert keys
    i = min(position, len(keys) - 2)
    key, next_key = keys[i], keys[i + 1]
    window = pdef.time_window_for_partition_key(key)
    assert window.start < window.end
    assert window.start >= pdef.start
    assert window.end == pdef.time_window_for_partition_key(next_key).start
    assert pdef.get_partition_key_for_timestamp(window.start.timestamp()) == key
    mid = (window.start.timestamp() + window.end.timestamp()) / 2
    assert pdef.get_partition_key_for_timestamp(mid) == key
    assert pdef.has_partition_key(key, current_time=_now(pdef))
    assert pdef.get_next_partition_key(key, current_time=_now(pdef)) == next_key
    assert pdef.get_prev_partition_key(next_key, current_time=_now(pdef)) == key


@settings(max_examples=100, deadline=None)
@given(pdef=time_defs(), data=st.data())
def test_keys_in_range_match_list_slicing(
    pdef: TimeWindowPartitionsDefinition, data: st.DataObject
) -> None:
    keys = pdef.get_partition_keys(current_time=_now(pdef))
    assert len(set(keys)) == len(keys)
    i = data.draw(st.integers(0, len(keys) - 1))
    j = data.draw(st.integers(i, len(keys) - 1))
    in_range = pdef.get_partition_keys_in_range(PartitionKeyRange(keys[i], keys[j]))
    assert list(in_range) == list(keys[i : j + 1])
    subset = pdef.subset_with_partition_key_range(PartitionKeyRange(keys[i], keys[j]))
    assert list(subset.get_partition_keys()) == list(keys[i : j + 1])
    window = pdef.time_window_for_partition_key_range(PartitionKeyRange(keys[i], keys[j]))
    assert list(pdef.get_partition_keys_in_time_window(window)) == list(keys[i : j + 1])


def _overlaps(a_start: float, a_end: float, b_start: float, b_end: float) -> bool:
    return a_start < b_end and b_start < a_end


@settings(max_examples=80, deadline=None)
@given(
    upstream=time_defs(("hourly", "daily", "weekly")),
    down_kind=st.sampled_from(["hourly", "daily", "weekly"]),
    offsets=st.tuples(st.integers(-3, 1), st.integers(-1, 3)),
    data=st.data(),
)
def test_time_mapping_matches_brute_force_and_round_trips(
    upstream: TimeWindowPartitionsDefinition,
    down_kind: str,
    offsets: tuple[int, int],
    data: st.DataObject,
) -> None:
    start_offset, end_offset = offsets
    cls = {
        "hourly": HourlyPartitionsDefinition,
        "daily": DailyPartitionsDefinition,
        "weekly": WeeklyPartitionsDefinition,
    }[down_kind]
    downstream = cls(start_date=upstream.start + timedelta(days=10), timezone=upstream.timezone)
    now = downstream.start + timedelta(days=40)
    down_keys = downstream.get_partition_keys(current_time=now)
    d_key = down_keys[data.draw(st.integers(0, len(down_keys) - 1))]
    mapping = TimeWindowPartitionMapping(start_offset=start_offset, end_offset=end_offset)
    mapping.validate_partition_mapping(upstream, downstream)

    result = mapping.get_upstream_mapped_partitions_result_for_partitions(
        downstream.subset_with_partition_keys([d_key]), downstream, upstream, current_time=now
    )
    mapped = list(result.partitions_subset.get_partition_keys())

    # Brute force: the shifted downstream window, then every upstream window overlapping it.
    idx = down_keys.index(d_key)
    lo_key = downstream.key_for_index(downstream.index_of_key(d_key) + start_offset)
    hi_key = downstream.key_for_index(downstream.index_of_key(d_key) + end_offset)
    span_start = downstream.time_window_for_partition_key(lo_key).start.timestamp()
    span_end = downstream.time_window_for_partition_key(hi_key).end.timestamp()
    up_keys = upstream.get_partition_keys(current_time=now)
    windows = upstream.time_windows_for_partition_keys(up_keys)
    expected = [
        k
        for k, w in zip(up_keys, windows, strict=True)
        if span_start < span_end
        and _overlaps(w.start.timestamp(), w.end.timestamp(), span_start, span_end)
    ]
    assert mapped == expected
    assert idx >= 0

    if mapped:
        back = mapping.get_downstream_partitions_for_partitions(
            result.partitions_subset, upstream, downstream, current_time=now
        )
        assert d_key in back
