from __future__ import annotations

from datetime import UTC, datetime

from dockyard.defs import partitions
from dockyard.defs.partitions import (
    DailyPartitionsDefinition,
    HourlyPartitionsDefinition,
    PartitionKeyRange,
    TimeWindow,
    TimeWindowPartitionsSubset,
)

DAILY = DailyPartitionsDefinition(start_date="2023-01-01", end_date="2023-01-11")


def day(d: int) -> datetime:
    return datetime(2023, 1, d, tzinfo=UTC)


def test_time_subset_groups_keys_into_windows_and_ranges() -> None:
    subset = DAILY.subset_with_partition_keys(["2023-01-05", "2023-01-02", "2023-01-03"])
    assert isinstance(subset, TimeWindowPartitionsSubset)
    assert subset.get_partition_keys() == ["2023-01-02", "2023-01-03", "2023-01-05"]
    assert len(subset) == 3
    assert subset.included_time_windows == [TimeWindow(day(2), day(4)), TimeWindow(day(5), day(6))]
    assert subset.get_partition_key_ranges(DAILY) == [
        PartitionKeyRange("2023-01-02", "2023-01-03"),
        PartitionKeyRange("2023-01-05", "2023-01-05"),
    ]
    assert "2023-01-03" in subset
    assert "2023-01-04" not in subset
    assert "not a key" not in subset


def test_time_subset_complement_and_set_operations() -> None:
    subset = DAILY.subset_with_partition_key_range(PartitionKeyRange("2023-01-03", "2023-01-09"))
    assert subset.get_partition_keys_not_in_subset(DAILY) == [
        "2023-01-01",
        "2023-01-02",
        "2023-01-10",
    ]
    other = DAILY.subset_with_partition_keys(["2023-01-09", "2023-01-10"])
    assert (subset & other).get_partition_keys() == ["2023-01-09"]
    assert (subset | other).get_partition_key_ranges() == [
        PartitionKeyRange("2023-01-03", "2023-01-10")
    ]
    assert (subset - other).get_partition_key_ranges() == [
        PartitionKeyRange("2023-01-03", "2023-01-08")
    ]
    assert DAILY.subset_with_all_partitions() == DAILY.subset_with_partition_key_range(
        PartitionKeyRange("2023-01-01", "2023-01-10")
    )
    assert not DAILY.empty_subset()


def test_large_hourly_range_subset_is_cheap_and_exact() -> None:
    hourly = HourlyPartitionsDefinition(start_date="2000-01-01-00:00")
    subset = hourly.empty_subset().with_partition_key_range(
        hourly, PartitionKeyRange("2000-01-01-00:00", "2020-01-01-00:00")
    )
    assert len(subset) == 175_321
    assert subset.included_time_windows == [
        TimeWindow(datetime(2000, 1, 1, tzinfo=UTC), datetime(2020, 1, 1, 1, tzinfo=UTC))
    ]


def test_exported_names_are_pinned() -> None:
    assert sorted(partitions.__all__) == partitions.__all__
    assert set(partitions.__all__) >= {
        "PartitionsDefinition",
        "PartitionKeyRange",
        "TimeWindow",
        "PartitionsSubset",
        "StaticPartitionsDefinition",
        "TimeWindowPartitionsDefinition",
        "DailyPartitionsDefinition",
        "HourlyPartitionsDefinition",
        "WeeklyPartitionsDefinition",
        "MonthlyPartitionsDefinition",
        "MultiPartitionsDefinition",
        "MultiPartitionKey",
        "PartitionDimensionDefinition",
        "DynamicPartitionsDefinition",
        "AddDynamicPartitionsRequest",
        "DeleteDynamicPartitionsRequest",
        "PartitionMapping",
        "UpstreamPartitionsResult",
        "IdentityPartitionMapping",
        "TimeWindowPartitionMapping",
        "AllPartitionMapping",
        "LastPartitionMapping",
        "StaticPartitionMapping",
        "SpecificPartitionsPartitionMapping",
        "MultiToSingleDimensionPartitionMapping",
        "MultiPartitionMapping",
        "DimensionPartitionMapping",
        "infer_partition_mapping",
    }
    for name in partitions.__all__:
        assert getattr(partitions, name) is not None


def test_definitions_subsets_and_mappings_pickle() -> None:
    import pickle

    from dockyard.defs.partitions import (
        DynamicPartitionsDefinition,
        MultiPartitionsDefinition,
        StaticPartitionsDefinition,
        TimeWindowPartitionMapping,
    )

    ny = HourlyPartitionsDefinition(start_date="2023-01-01-00:00", timezone="America/New_York")
    values: list[object] = [
        DAILY,
        ny,
        StaticPartitionsDefinition(["a", "b"]),
        DynamicPartitionsDefinition(name="fruits"),
        MultiPartitionsDefinition({"d": DAILY, "s": StaticPartitionsDefinition(["a"])}),
        DAILY.subset_with_partition_keys(["2023-01-02"]),
        TimeWindowPartitionMapping(start_offset=-1),
    ]
    for value in values:
        assert pickle.loads(pickle.dumps(value)) == value
    restored = pickle.loads(pickle.dumps(ny))
    assert restored.get_partition_keys(current_time=datetime(2023, 1, 1, 7, tzinfo=UTC)) == [
        "2023-01-01-00:00",
        "2023-01-01-01:00",
    ]
