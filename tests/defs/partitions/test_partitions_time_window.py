from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from dockyard.defs.partitions import (
    DailyPartitionsDefinition,
    HourlyPartitionsDefinition,
    MonthlyPartitionsDefinition,
    PartitionKeyRange,
    ScheduleType,
    TimeWindow,
    TimeWindowPartitionsDefinition,
    WeeklyPartitionsDefinition,
)
from dockyard.errors import DagsterInvalidDefinitionError, DagsterUnknownPartitionError

NY = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_daily_keys_end_at_last_complete_day() -> None:
    daily = DailyPartitionsDefinition(start_date="2022-07-01")
    assert daily.get_partition_keys(current_time=utc(2022, 7, 4, 12)) == [
        "2022-07-01",
        "2022-07-02",
        "2022-07-03",
    ]
    assert daily.get_num_partitions(current_time=utc(2022, 7, 4)) == 3
    assert daily.get_last_partition_key(current_time=utc(2022, 7, 4)) == "2022-07-03"
    assert daily.get_first_partition_key(current_time=utc(2022, 7, 4)) == "2022-07-01"


def test_daily_end_offset_extends_and_shrinks() -> None:
    now = utc(2022, 7, 4, 12)
    ahead = DailyPartitionsDefinition(start_date="2022-07-01", end_offset=1)
    behind = DailyPartitionsDefinition(start_date="2022-07-01", end_offset=-1)
    assert ahead.get_last_partition_key(current_time=now) == "2022-07-04"
    assert behind.get_last_partition_key(current_time=now) == "2022-07-02"


def test_end_date_is_exclusive_and_caps_the_keys() -> None:
    daily = DailyPartitionsDefinition(start_date="2023-01-01", end_date="2023-01-05")
    assert daily.get_partition_keys() == ["2023-01-01", "2023-01-02", "2023-01-03", "2023-01-04"]
    assert daily.end == utc(2023, 1, 5)
    assert not daily.has_partition_key("2023-01-05")


def test_no_partitions_before_start() -> None:
    daily = DailyPartitionsDefinition(start_date="2030-01-01")
    assert daily.get_partition_keys(current_time=utc(2029, 1, 1)) == []
    assert daily.get_last_partition_key(current_time=utc(2029, 1, 1)) is None
    assert daily.get_last_partition_window(current_time=utc(2029, 1, 1)) is None


def test_unaligned_start_begins_at_the_next_window() -> None:
    daily = DailyPartitionsDefinition(start_date=datetime(2023, 1, 1, 12))
    assert daily.get_first_partition_key() == "2023-01-02"
    assert daily.start == utc(2023, 1, 1, 12)


def test_hourly_keys_and_window() -> None:
    hourly = HourlyPartitionsDefinition(start_date="2022-01-01-00:00")
    assert hourly.fmt == "%Y-%m-%d-%H:%M"
    assert hourly.schedule_type is ScheduleType.HOURLY
    assert hourly.cron_schedule == "0 * * * *"
    keys = hourly.get_partition_keys_in_range(
        PartitionKeyRange("2022-01-01-00:00", "2022-01-01-23:00")
    )
    assert len(keys) == 24
    assert keys[0] == "2022-01-01-00:00" and keys[-1] == "2022-01-01-23:00"
    assert hourly.time_window_for_partition_key("2022-01-01-05:00") == TimeWindow(
        utc(2022, 1, 1, 5), utc(2022, 1, 1, 6)
    )


def test_hourly_start_date_accepts_plain_date() -> None:
    hourly = HourlyPartitionsDefinition(start_date="2022-01-01")
    assert hourly.get_first_partition_key() == "2022-01-01-00:00"


def test_minute_and_hour_offsets() -> None:
    hourly = HourlyPartitionsDefinition(start_date="2022-01-01-00:00", minute_offset=30)
    assert hourly.get_partition_keys(current_time=utc(2022, 1, 1, 2, 31)) == [
        "2022-01-01-00:30",
        "2022-01-01-01:30",
    ]
    daily = DailyPartitionsDefinition(start_date="2022-01-01", hour_offset=6)
    assert daily.time_window_for_partition_key("2022-01-02") == TimeWindow(
        utc(2022, 1, 2, 6), utc(2022, 1, 3, 6)
    )
    assert daily.get_partition_key_for_timestamp(utc(2022, 1, 3, 5).timestamp()) == "2022-01-02"


def test_weekly_day_offset_picks_the_weekday() -> None:
    sundays = WeeklyPartitionsDefinition(start_date="2023-01-01")
    mondays = WeeklyPartitionsDefinition(start_date="2023-01-01", day_offset=1)
    now = utc(2023, 1, 24)
    assert sundays.get_partition_keys(current_time=now) == [
        "2023-01-01",
        "2023-01-08",
        "2023-01-15",
    ]
    assert mondays.get_partition_keys(current_time=now) == [
        "2023-01-02",
        "2023-01-09",
        "2023-01-16",
    ]
    assert mondays.cron_schedule == "0 0 * * 1"


def test_monthly_day_offset() -> None:
    monthly = MonthlyPartitionsDefinition(start_date="2023-01-01", day_offset=5)
    assert monthly.get_partition_keys(current_time=utc(2023, 4, 5)) == [
        "2023-01-05",
        "2023-02-05",
        "2023-03-05",
    ]
    assert monthly.time_window_for_partition_key("2023-02-05") == TimeWindow(
        utc(2023, 2, 5), utc(2023, 3, 5)
    )


def test_cron_schedule_definition_equals_daily() -> None:
    cron = TimeWindowPartitionsDefinition(
        start="2023-01-01", fmt="%Y-%m-%d", cron_schedule="0 0 * * *"
    )
    daily = DailyPartitionsDefinition(start_date="2023-01-01")
    assert cron == daily
    assert hash(cron) == hash(daily)
    assert daily != DailyPartitionsDefinition(start_date="2023-01-02")
    assert daily != DailyPartitionsDefinition(start_date="2023-01-01", timezone="Europe/Berlin")


def test_quarter_hour_cron() -> None:
    tw = TimeWindowPartitionsDefinition(
        start="2023-01-01-00:00", fmt="%Y-%m-%d-%H:%M", cron_schedule="*/15 * * * *"
    )
    assert tw.get_partition_keys(current_time=utc(2023, 1, 1, 1)) == [
        "2023-01-01-00:00",
        "2023-01-01-00:15",
        "2023-01-01-00:30",
        "2023-01-01-00:45",
    ]


def test_window_datetimes_are_in_the_definition_timezone() -> None:
    daily = DailyPartitionsDefinition(start_date="2023-01-01", timezone="America/New_York")
    window = daily.time_window_for_partition_key("2023-01-02")
    assert window.start == datetime(2023, 1, 2, tzinfo=NY)
    assert window.start.tzinfo == NY
    start, end = window
    assert end - start == timedelta(days=1)


def test_daily_windows_across_dst_are_23_and_25_hours() -> None:
    daily = DailyPartitionsDefinition(start_date="2023-01-01", timezone="America/New_York")
    spring = daily.time_window_for_partition_key("2023-03-12")
    fall = daily.time_window_for_partition_key("2023-11-05")
    assert spring.end.timestamp() - spring.start.timestamp() == 23 * 3600
    assert fall.end.timestamp() - fall.start.timestamp() == 25 * 3600


@pytest.mark.parametrize(
    ("timezone", "start", "now", "expected", "first_start"),
    [
        (
            "America/New_York",
            "2023-11-05-00:00",
            utc(2023, 11, 5, 8),
            ["2023-11-05-00:00", "2023-11-05-01:00", "2023-11-05-01:00-0500", "2023-11-05-02:00"],
            utc(2023, 11, 5, 4),
        ),
        (
            "Europe/Berlin",
            "2023-10-29-00:00",
            utc(2023, 10, 29, 2),
            ["2023-10-29-00:00", "2023-10-29-01:00", "2023-10-29-02:00", "2023-10-29-02:00+0100"],
            utc(2023, 10, 28, 22),
        ),
    ],
)
def test_hourly_dst_fall_back_keys_are_unique_and_round_trip(
    timezone: str, start: str, now: datetime, expected: list[str], first_start: datetime
) -> None:
    """The repeated hour gets two keys; the windows are consecutive hours and keys round-trip."""
    hourly = HourlyPartitionsDefinition(start_date=start, timezone=timezone)
    keys = hourly.get_partition_keys(current_time=now)
    assert keys == expected
    windows = [hourly.time_window_for_partition_key(k) for k in keys]
    assert windows[0].start.timestamp() == first_start.timestamp()
    for earlier, later in pairwise(windows):
        assert later.start.timestamp() - earlier.start.timestamp() == 3600
        assert earlier.end == later.start
    for key, window in zip(keys, windows, strict=True):
        assert hourly.get_partition_key_for_timestamp(window.start.timestamp()) == key


def test_hourly_dst_spring_forward_skips_the_missing_hour() -> None:
    hourly = HourlyPartitionsDefinition(start_date="2023-03-12-00:00", timezone="America/New_York")
    keys = hourly.get_partition_keys(current_time=utc(2023, 3, 12, 9))
    assert keys == ["2023-03-12-00:00", "2023-03-12-01:00", "2023-03-12-03:00", "2023-03-12-04:00"]
    assert not hourly.has_partition_key("2023-03-12-02:00")


def test_partition_key_for_timestamp_end_closed() -> None:
    daily = DailyPartitionsDefinition(start_date="2023-01-01")
    ts = utc(2023, 1, 3).timestamp()
    assert daily.get_partition_key_for_timestamp(ts) == "2023-01-03"
    assert daily.get_partition_key_for_timestamp(ts, end_closed=True) == "2023-01-02"


def test_next_and_prev_keys_stop_at_the_bounds() -> None:
    daily = DailyPartitionsDefinition(start_date="2023-01-01", end_date="2023-01-03")
    assert daily.get_next_partition_key("2023-01-01") == "2023-01-02"
    assert daily.get_next_partition_key("2023-01-02") is None
    assert daily.get_prev_partition_key("2023-01-02") == "2023-01-01"
    assert daily.get_prev_partition_key("2023-01-01") is None


def test_last_partition_window() -> None:
    daily = DailyPartitionsDefinition(start_date="2023-01-01")
    assert daily.get_last_partition_window(current_time=utc(2023, 1, 5, 3)) == TimeWindow(
        utc(2023, 1, 4), utc(2023, 1, 5)
    )


def test_keys_in_time_window_and_window_for_range() -> None:
    hourly = HourlyPartitionsDefinition(start_date="2023-01-01-00:00")
    window = TimeWindow(utc(2023, 1, 1, 22), utc(2023, 1, 2, 1))
    assert hourly.get_partition_keys_in_time_window(window) == [
        "2023-01-01-22:00",
        "2023-01-01-23:00",
        "2023-01-02-00:00",
    ]
    key_range = PartitionKeyRange("2023-01-01-22:00", "2023-01-02-00:00")
    assert hourly.get_partition_key_range_for_time_window(window) == key_range
    assert hourly.time_window_for_partition_key_range(key_range) == window
    assert hourly.time_windows_for_partition_keys(["2023-01-01-22:00"]) == [
        TimeWindow(utc(2023, 1, 1, 22), utc(2023, 1, 1, 23))
    ]


def test_hundred_thousand_hourly_partitions() -> None:
    hourly = HourlyPartitionsDefinition(start_date="2000-01-01-00:00")
    now = utc(2000, 1, 1) + timedelta(hours=100_000)
    keys = hourly.get_partition_keys(current_time=now)
    assert len(keys) == 100_000 == hourly.get_num_partitions(current_time=now)
    assert keys[0] == "2000-01-01-00:00"
    assert keys[-1] == (now - timedelta(hours=1)).strftime("%Y-%m-%d-%H:%M")
    assert len(set(keys)) == 100_000


def test_unknown_key_error_names_key_definition_and_examples() -> None:
    daily = DailyPartitionsDefinition(start_date="2023-01-01", end_date="2023-02-01")
    with pytest.raises(DagsterUnknownPartitionError) as info:
        daily.validate_partition_key("2023/01/02")
    message = str(info.value)
    assert "'2023/01/02'" in message
    assert "Daily partitions starting 2023-01-01 (UTC)" in message
    assert "'2023-01-01'" in message
    with pytest.raises(DagsterUnknownPartitionError, match="2022-12-31"):
        daily.validate_partition_key("2022-12-31")


def test_non_canonical_key_is_rejected() -> None:
    daily = DailyPartitionsDefinition(start_date="2023-01-01")
    assert not daily.has_partition_key("2023-1-2")
    with pytest.raises(DagsterUnknownPartitionError):
        daily.time_window_for_partition_key("2023-1-2")
    hourly = HourlyPartitionsDefinition(start_date="2023-01-01-00:00")
    assert not hourly.has_partition_key("2023-01-01-00:30")


def test_range_with_unknown_end_raises() -> None:
    daily = DailyPartitionsDefinition(start_date="2023-01-01")
    with pytest.raises(DagsterUnknownPartitionError, match="2022-12-01"):
        daily.get_partition_keys_in_range(PartitionKeyRange("2022-12-01", "2023-01-02"))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"timezone": "Mars/Olympus"}, "Unknown timezone 'Mars/Olympus'"),
        ({"hour_offset": 24}, "hour_offset must be an integer from 0 to 23"),
        ({"minute_offset": -1}, "minute_offset must be an integer from 0 to 59"),
    ],
)
def test_invalid_daily_arguments(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match=match):
        DailyPartitionsDefinition(start_date="2023-01-01", **kwargs)  # type: ignore[arg-type]


def test_invalid_start_string() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="Could not parse start 'yesterday'"):
        DailyPartitionsDefinition(start_date="yesterday")


def test_unsupported_cron_lists_supported_forms() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="Supported forms"):
        TimeWindowPartitionsDefinition(
            start="2023-01-01", fmt="%Y-%m-%d", cron_schedule="0 1,2 * * *"
        )


def test_schedule_type_and_cron_are_exclusive() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="exactly one of schedule_type"):
        TimeWindowPartitionsDefinition(
            start="2023-01-01",
            fmt="%Y-%m-%d",
            schedule_type=ScheduleType.DAILY,
            cron_schedule="0 0 * * *",
        )


def test_monthly_day_offset_past_28_is_rejected() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="day_offset must be an integer from 1"):
        MonthlyPartitionsDefinition(start_date="2023-01-01", day_offset=31)


def test_fmt_must_distinguish_consecutive_windows() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="the same key '2023-01-01'"):
        HourlyPartitionsDefinition(start_date="2023-01-01-00:00", fmt="%Y-%m-%d")


def test_daily_window_starting_in_a_dst_gap_moves_forward() -> None:
    daily = DailyPartitionsDefinition(
        start_date="2023-03-01", hour_offset=2, minute_offset=30, timezone="America/New_York"
    )
    window = daily.time_window_for_partition_key("2023-03-12")
    assert window.start.timestamp() == datetime(2023, 3, 12, 7, 30, tzinfo=UTC).timestamp()
    assert (window.start.hour, window.start.minute) == (3, 30)
    assert daily.get_partition_key_for_timestamp(window.start.timestamp()) == "2023-03-12"


def test_a_key_that_does_not_parse_is_also_a_value_error() -> None:
    daily = DailyPartitionsDefinition(start_date="2024-01-01")
    with pytest.raises(ValueError, match="'bad' is not a partition of") as exc:
        daily.time_window_for_partition_key("bad")
    assert isinstance(exc.value, DagsterUnknownPartitionError)
