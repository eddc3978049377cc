from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dockyard.defs.partitions import (
    AllPartitionMapping,
    DailyPartitionsDefinition,
    DimensionPartitionMapping,
    HourlyPartitionsDefinition,
    IdentityPartitionMapping,
    LastPartitionMapping,
    MultiPartitionKey,
    MultiPartitionMapping,
    MultiPartitionsDefinition,
    MultiToSingleDimensionPartitionMapping,
    PartitionKeyRange,
    PartitionMapping,
    PartitionsDefinition,
    SpecificPartitionsPartitionMapping,
    StaticPartitionMapping,
    StaticPartitionsDefinition,
    TimeWindowPartitionMapping,
    TimeWindowPartitionsSubset,
    UpstreamPartitionsResult,
    WeeklyPartitionsDefinition,
    infer_partition_mapping,
)
from dockyard.errors import CheckError, DagsterInvalidDefinitionError

NOW = datetime(2022, 8, 1, tzinfo=UTC)
DAILY = DailyPartitionsDefinition(start_date="2022-07-01")
HOURLY = HourlyPartitionsDefinition(start_date="2022-07-01-00:00")
COLORS = StaticPartitionsDefinition(["red", "green", "blue"])


def upstream(
    mapping: PartitionMapping,
    keys: list[str],
    downstream_def: PartitionsDefinition,
    upstream_def: PartitionsDefinition,
) -> UpstreamPartitionsResult:
    return mapping.get_upstream_mapped_partitions_result_for_partitions(
        downstream_def.empty_subset().with_partition_keys(keys),
        downstream_def,
        upstream_def,
        current_time=NOW,
    )


def keys_of(result: UpstreamPartitionsResult) -> list[str]:
    return list(result.partitions_subset.get_partition_keys())


# -- time window ----------------------------------------------------------------------------------


def test_time_window_mapping_refuses_different_timezones_in_both_directions() -> None:
    new_york = DailyPartitionsDefinition(start_date="2022-07-01", timezone="America/New_York")
    for mapping in (
        TimeWindowPartitionMapping(),
        TimeWindowPartitionMapping(allow_nonexistent_upstream_partitions=True),
    ):
        with pytest.raises(DagsterInvalidDefinitionError, match="timezones"):
            upstream(mapping, ["2022-07-04"], new_york, DAILY)
        with pytest.raises(DagsterInvalidDefinitionError, match="timezones"):
            mapping.get_downstream_partitions_for_partitions(
                DAILY.empty_subset().with_partition_keys(["2022-07-04"]), DAILY, new_york,
                current_time=NOW,
            )


def test_time_window_start_offset_adds_the_previous_day() -> None:
    result = upstream(TimeWindowPartitionMapping(start_offset=-1), ["2022-07-04"], DAILY, DAILY)
    assert keys_of(result) == ["2022-07-03", "2022-07-04"]
    assert result.required_but_nonexistent_partition_keys == []


def test_time_window_both_offsets_select_the_previous_day_only() -> None:
    mapping = TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)
    assert keys_of(upstream(mapping, ["2022-07-04"], DAILY, DAILY)) == ["2022-07-03"]


def test_time_window_offsets_are_clipped_to_upstream_windows() -> None:
    # Dagster's rule: an offset never pushes the window past the upstream's first/last window,
    # so the first partition of a self-dependent asset maps to nothing (input None), not an error
    mapping = TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)
    result = upstream(mapping, ["2022-07-01"], DAILY, DAILY)
    assert keys_of(result) == []
    assert result.required_but_nonexistent_partition_keys == []
    result = upstream(TimeWindowPartitionMapping(start_offset=-2), ["2022-07-02"], DAILY, DAILY)
    assert keys_of(result) == ["2022-07-01", "2022-07-02"]
    assert result.required_but_nonexistent_partition_keys == []
    allowed = TimeWindowPartitionMapping(-1, -1, allow_nonexistent_upstream_partitions=True)
    result = upstream(allowed, ["2022-07-01"], DAILY, DAILY)
    assert keys_of(result) == [] and result.required_but_nonexistent_partition_keys == []


def test_time_window_positive_offset_is_clipped_at_the_last_window() -> None:
    result = upstream(TimeWindowPartitionMapping(end_offset=1), ["2022-07-31"], DAILY, DAILY)
    assert keys_of(result) == ["2022-07-31"]
    assert result.required_but_nonexistent_partition_keys == []


def test_time_window_without_offset_reports_nonexistent_upstream() -> None:
    early = DailyPartitionsDefinition(start_date="2022-06-29")
    result = upstream(TimeWindowPartitionMapping(), ["2022-06-30", "2022-07-01"], early, DAILY)
    assert keys_of(result) == ["2022-07-01"]
    assert result.required_but_nonexistent_partition_keys == ["2022-06-30"]


def test_hourly_upstream_of_a_day_is_its_24_hours() -> None:
    result = upstream(TimeWindowPartitionMapping(), ["2022-07-04"], DAILY, HOURLY)
    keys = keys_of(result)
    assert len(keys) == 24
    assert keys[0] == "2022-07-04-00:00" and keys[-1] == "2022-07-04-23:00"
    assert isinstance(result.partitions_subset, TimeWindowPartitionsSubset)


def test_daily_upstream_of_an_hour_is_the_containing_day() -> None:
    result = upstream(TimeWindowPartitionMapping(), ["2022-07-04-05:00"], HOURLY, DAILY)
    assert keys_of(result) == ["2022-07-04"]


def test_weekly_upstream_of_a_day_and_back() -> None:
    weekly = WeeklyPartitionsDefinition(start_date="2022-07-03")
    mapping = TimeWindowPartitionMapping()
    assert keys_of(upstream(mapping, ["2022-07-06"], DAILY, weekly)) == ["2022-07-03"]
    days = mapping.get_downstream_partitions_for_partitions(
        weekly.subset_with_partition_keys(["2022-07-03"]), weekly, DAILY, current_time=NOW
    )
    assert list(days.get_partition_keys()) == [f"2022-07-{d:02d}" for d in range(3, 10)]


def test_time_window_downstream_with_offset() -> None:
    mapping = TimeWindowPartitionMapping(start_offset=-1)
    down = mapping.get_downstream_partitions_for_partitions(
        DAILY.subset_with_partition_keys(["2022-07-04"]), DAILY, DAILY, current_time=NOW
    )
    assert list(down.get_partition_keys()) == ["2022-07-04", "2022-07-05"]


def test_time_window_key_range_subset_maps_without_listing_keys() -> None:
    subset = DAILY.subset_with_partition_key_range(PartitionKeyRange("2022-07-02", "2022-07-03"))
    result = TimeWindowPartitionMapping().get_upstream_mapped_partitions_result_for_partitions(
        subset, DAILY, HOURLY, current_time=NOW
    )
    assert result.partitions_subset.get_partition_key_ranges() == [
        PartitionKeyRange("2022-07-02-00:00", "2022-07-03-23:00")
    ]


def test_time_window_validation() -> None:
    mapping = TimeWindowPartitionMapping()
    mapping.validate_partition_mapping(HOURLY, DAILY)
    with pytest.raises(DagsterInvalidDefinitionError, match="time window partitions on both sides"):
        mapping.validate_partition_mapping(COLORS, DAILY)
    berlin = DailyPartitionsDefinition(start_date="2022-07-01", timezone="Europe/Berlin")
    with pytest.raises(DagsterInvalidDefinitionError, match="timezones differ"):
        mapping.validate_partition_mapping(berlin, DAILY)
    with pytest.raises(DagsterInvalidDefinitionError, match="must be an int"):
        TimeWindowPartitionMapping(start_offset=1.5)  # type: ignore[arg-type]


def test_time_window_mapping_is_a_value() -> None:
    assert TimeWindowPartitionMapping(-1) == TimeWindowPartitionMapping(start_offset=-1)
    assert hash(TimeWindowPartitionMapping(-1)) == hash(TimeWindowPartitionMapping(-1))
    assert "start moved by -1" in TimeWindowPartitionMapping(-1).description


# -- identity / all / last / specific / static ---------------------------------------------------


def test_identity_same_definition() -> None:
    result = upstream(IdentityPartitionMapping(), ["red", "blue"], COLORS, COLORS)
    assert keys_of(result) == ["red", "blue"]


def test_identity_reports_keys_missing_upstream() -> None:
    smaller = StaticPartitionsDefinition(["red", "green"])
    result = upstream(IdentityPartitionMapping(), ["red", "blue"], COLORS, smaller)
    assert keys_of(result) == ["red"]
    assert result.required_but_nonexistent_partition_keys == ["blue"]


def test_identity_time_windows_with_later_upstream_start() -> None:
    later = DailyPartitionsDefinition(start_date="2022-07-03")
    result = upstream(IdentityPartitionMapping(), ["2022-07-02", "2022-07-03"], DAILY, later)
    assert keys_of(result) == ["2022-07-03"]
    assert result.required_but_nonexistent_partition_keys == ["2022-07-02"]
    down = IdentityPartitionMapping().get_downstream_partitions_for_partitions(
        later.subset_with_partition_keys(["2022-07-03"]), later, DAILY, current_time=NOW
    )
    assert list(down.get_partition_keys()) == ["2022-07-03"]


def test_identity_requires_same_kind_of_definition() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError, match="upstream is static and downstream is time window"
    ):
        IdentityPartitionMapping().validate_partition_mapping(COLORS, DAILY)


def test_identity_needs_a_partitioned_downstream() -> None:
    with pytest.raises(CheckError, match="needs a partitioned downstream asset"):
        IdentityPartitionMapping().get_upstream_mapped_partitions_result_for_partitions(
            None, None, COLORS
        )


def test_all_mapping_with_unpartitioned_downstream() -> None:
    result = AllPartitionMapping().get_upstream_mapped_partitions_result_for_partitions(
        None, None, COLORS
    )
    assert keys_of(result) == ["red", "green", "blue"]
    down = AllPartitionMapping().get_downstream_partitions_for_partitions(
        COLORS.subset_with_partition_keys(["red"]), COLORS, DAILY, current_time=NOW
    )
    assert len(down) == 31


def test_last_mapping() -> None:
    result = upstream(LastPartitionMapping(), ["2022-07-04"], DAILY, DAILY)
    assert keys_of(result) == ["2022-07-31"]
    mapping = LastPartitionMapping()
    last = DAILY.subset_with_partition_keys(["2022-07-31"])
    assert len(mapping.get_downstream_partitions_for_partitions(last, DAILY, COLORS, NOW)) == 3
    other = DAILY.subset_with_partition_keys(["2022-07-30"])
    assert len(mapping.get_downstream_partitions_for_partitions(other, DAILY, COLORS, NOW)) == 0


def test_specific_partitions_mapping() -> None:
    mapping = SpecificPartitionsPartitionMapping(["green", "purple"])
    result = upstream(mapping, ["2022-07-04"], DAILY, COLORS)
    assert keys_of(result) == ["green"]
    assert result.required_but_nonexistent_partition_keys == ["purple"]
    with pytest.raises(DagsterInvalidDefinitionError, match="upstream has no partitions 'purple'"):
        mapping.validate_partition_mapping(COLORS, DAILY)
    assert mapping == SpecificPartitionsPartitionMapping(["green", "purple"])


def test_static_mapping_both_directions() -> None:
    up = StaticPartitionsDefinition(["a", "b", "c"])
    down = StaticPartitionsDefinition(["x", "y"])
    mapping = StaticPartitionMapping({"a": "x", "b": ["x", "y"], "c": "y"})
    mapping.validate_partition_mapping(up, down)
    assert keys_of(upstream(mapping, ["x"], down, up)) == ["a", "b"]
    assert keys_of(upstream(mapping, ["y"], down, up)) == ["b", "c"]
    back = mapping.get_downstream_partitions_for_partitions(
        up.subset_with_partition_keys(["a"]), up, down
    )
    assert list(back.get_partition_keys()) == ["x"]


def test_static_mapping_unknown_keys_raise_value_error_when_mapping() -> None:
    # Dagster checks at every lookup: the mapping's upstream keys against the upstream definition
    # when mapping upstream, its downstream keys against the downstream definition going down.
    up = StaticPartitionsDefinition(["a", "b"])
    down = StaticPartitionsDefinition(["x", "y"])
    to_up = StaticPartitionMapping({"zz": "x"})
    with pytest.raises(ValueError, match="upstream keys 'zz'"):
        upstream(to_up, ["x"], down, up)
    assert to_up.get_downstream_partitions_for_partitions(
        up.empty_subset().with_partition_keys(["a"]), up, down
    ).get_partition_keys() == []
    to_down = StaticPartitionMapping({"a": "zz"})
    assert keys_of(upstream(to_down, ["x"], down, up)) == []
    with pytest.raises(ValueError, match="downstream keys 'zz'"):
        to_down.get_downstream_partitions_for_partitions(
            up.empty_subset().with_partition_keys(["a"]), up, down
        )


def test_static_mapping_unknown_keys_raise_value_error() -> None:
    up = StaticPartitionsDefinition(["a"])
    down = StaticPartitionsDefinition(["x"])
    with pytest.raises(ValueError, match="downstream keys 'zz'"):
        StaticPartitionMapping({"a": "zz"}).validate_partition_mapping(up, down)
    with pytest.raises(DagsterInvalidDefinitionError, match="static partitions on both sides"):
        StaticPartitionMapping({"a": "x"}).validate_partition_mapping(up, DAILY)


# -- multi ----------------------------------------------------------------------------------------

DAYS = DailyPartitionsDefinition(start_date="2022-07-01", end_date="2022-07-04")
MULTI = MultiPartitionsDefinition({"date": DAYS, "color": COLORS})


def test_multi_to_single_downstream_multi() -> None:
    mapping = MultiToSingleDimensionPartitionMapping()
    mapping.validate_partition_mapping(DAYS, MULTI)
    result = upstream(mapping, ["red|2022-07-02", "blue|2022-07-02"], MULTI, DAYS)
    assert keys_of(result) == ["2022-07-02"]


def test_multi_to_single_upstream_multi() -> None:
    mapping = MultiToSingleDimensionPartitionMapping(partition_dimension_name="date")
    result = upstream(mapping, ["2022-07-02"], DAYS, MULTI)
    assert keys_of(result) == ["red|2022-07-02", "green|2022-07-02", "blue|2022-07-02"]
    assert all(isinstance(k, MultiPartitionKey) for k in keys_of(result))
    back = mapping.get_downstream_partitions_for_partitions(
        MULTI.subset_with_partition_keys(["green|2022-07-03"]), MULTI, DAYS
    )
    assert list(back.get_partition_keys()) == ["2022-07-03"]


def test_multi_to_single_errors() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="one multi-dimensional and one"):
        MultiToSingleDimensionPartitionMapping().validate_partition_mapping(DAYS, DAILY)
    with pytest.raises(DagsterInvalidDefinitionError, match="cannot infer the dimension"):
        MultiToSingleDimensionPartitionMapping().validate_partition_mapping(DAILY, MULTI)
    with pytest.raises(DagsterInvalidDefinitionError, match="dimension 'size' is not one of"):
        MultiToSingleDimensionPartitionMapping("size").validate_partition_mapping(DAYS, MULTI)


def test_multi_partition_mapping_per_dimension() -> None:
    mapping = MultiPartitionMapping(
        {
            "date": DimensionPartitionMapping("date", TimeWindowPartitionMapping(start_offset=-1)),
            "color": DimensionPartitionMapping("color", IdentityPartitionMapping()),
        }
    )
    mapping.validate_partition_mapping(MULTI, MULTI)
    result = upstream(mapping, ["green|2022-07-02"], MULTI, MULTI)
    assert keys_of(result) == ["green|2022-07-01", "green|2022-07-02"]
    result = upstream(mapping, ["green|2022-07-01"], MULTI, MULTI)
    assert keys_of(result) == ["green|2022-07-01"]
    assert result.required_but_nonexistent_partition_keys == []  # the offset is clipped
    back = mapping.get_downstream_partitions_for_partitions(
        MULTI.subset_with_partition_keys(["red|2022-07-02"]), MULTI, MULTI, current_time=NOW
    )
    assert list(back.get_partition_keys()) == ["red|2022-07-02", "red|2022-07-03"]


def test_multi_partition_mapping_unmapped_dimension_depends_on_all() -> None:
    mapping = MultiPartitionMapping(
        {"date": DimensionPartitionMapping("date", IdentityPartitionMapping())}
    )
    result = upstream(mapping, ["red|2022-07-02"], MULTI, MULTI)
    assert keys_of(result) == ["red|2022-07-02", "green|2022-07-02", "blue|2022-07-02"]
    with pytest.raises(
        DagsterInvalidDefinitionError, match="names a dimension that does not exist"
    ):
        MultiPartitionMapping(
            {"size": DimensionPartitionMapping("date", IdentityPartitionMapping())}
        ).validate_partition_mapping(MULTI, MULTI)


# -- inference ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("downstream_def", "upstream_def", "expected"),
    [
        (DAILY, HOURLY, TimeWindowPartitionMapping()),
        (COLORS, COLORS, IdentityPartitionMapping()),
        (MULTI, DAYS, MultiToSingleDimensionPartitionMapping()),
        (DAYS, MULTI, MultiToSingleDimensionPartitionMapping()),
        (MULTI, MULTI, IdentityPartitionMapping()),
        (None, DAILY, AllPartitionMapping()),
        (DAILY, None, AllPartitionMapping()),
        (COLORS, DAILY, IdentityPartitionMapping()),
    ],
)
def test_infer_partition_mapping(
    downstream_def: PartitionsDefinition | None,
    upstream_def: PartitionsDefinition | None,
    expected: PartitionMapping,
) -> None:
    assert infer_partition_mapping(None, downstream_def, upstream_def) == expected


def test_infer_partition_mapping_keeps_an_explicit_mapping() -> None:
    explicit = LastPartitionMapping()
    assert infer_partition_mapping(explicit, DAILY, HOURLY) is explicit


def test_every_mapping_has_a_description() -> None:
    mappings: list[PartitionMapping] = [
        IdentityPartitionMapping(),
        AllPartitionMapping(),
        LastPartitionMapping(),
        TimeWindowPartitionMapping(),
        SpecificPartitionsPartitionMapping(["a"]),
        StaticPartitionMapping({"a": "b"}),
        MultiToSingleDimensionPartitionMapping(),
        MultiPartitionMapping({}),
    ]
    assert all(isinstance(m.description, str) and m.description for m in mappings)


def test_validate_loadable_checks_inferred_mappings_too() -> None:
    """No mapping given: the inferred time-window mapping between daily partitions in two
    timezones is invalid, and validation names both assets."""
    import dockyard as dg

    @dg.asset(partitions_def=DailyPartitionsDefinition(start_date="2024-01-01"))
    def utc_days() -> int:
        return 1

    @dg.asset(partitions_def=DailyPartitionsDefinition(start_date="2024-01-01", timezone="America/New_York"))
    def ny_days(utc_days: int) -> int:
        return utc_days

    defs = dg.Definitions(assets=[utc_days, ny_days])
    with pytest.raises(DagsterInvalidDefinitionError, match=r"from ny_days to utc_days: .*timezone"):
        dg.Definitions.validate_loadable(defs)

    @dg.asset(partitions_def=DailyPartitionsDefinition(start_date="2024-01-01"))
    def utc_copy(utc_days: int) -> int:
        return utc_days

    dg.Definitions.validate_loadable(dg.Definitions(assets=[utc_days, utc_copy]))  # same timezone: fine
