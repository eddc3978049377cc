from __future__ import annotations

import pickle
import re
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from dockyard.defs.partitions import (
    AddDynamicPartitionsRequest,
    DailyPartitionsDefinition,
    DeleteDynamicPartitionsRequest,
    DynamicPartitionsDefinition,
    MultiPartitionKey,
    MultiPartitionsDefinition,
    PartitionDimensionDefinition,
    PartitionDimensionKey,
    PartitionKeyRange,
    StaticPartitionsDefinition,
    TimeWindow,
    time_window_for_partition_key_range,
)
from dockyard.errors import (
    CheckError,
    DagsterInvalidDefinitionError,
    DagsterInvalidInvocationError,
    DagsterInvariantViolationError,
    DagsterUnknownPartitionError,
)


class KeyStore:
    """A minimal dynamic partitions store, as an instance would provide."""

    def __init__(self, **keys: Sequence[str]) -> None:
        self.keys = {name: list(v) for name, v in keys.items()}

    def get_dynamic_partitions(self, partitions_def_name: str) -> Sequence[str]:
        return self.keys.get(partitions_def_name, [])

    def has_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> bool:
        return partition_key in self.keys.get(partitions_def_name, [])


# -- static ---------------------------------------------------------------------------------------


def test_static_keys_ranges_and_len() -> None:
    static = StaticPartitionsDefinition(["a", "b", "c", "d"])
    assert static.get_partition_keys() == ["a", "b", "c", "d"]
    assert len(static) == 4
    assert static.has_partition_key("c") and not static.has_partition_key("z")
    assert static.get_partition_keys_in_range(PartitionKeyRange("b", "c")) == ["b", "c"]
    assert static.get_first_partition_key() == "a"
    assert static.get_last_partition_key() == "d"


def test_static_equality_is_by_value() -> None:
    assert StaticPartitionsDefinition(["a", "b"]) == StaticPartitionsDefinition(["a", "b"])
    assert hash(StaticPartitionsDefinition(["a"])) == hash(StaticPartitionsDefinition(["a"]))
    assert StaticPartitionsDefinition(["a", "b"]) != StaticPartitionsDefinition(["b", "a"])


def test_static_duplicate_keys_are_rejected() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="duplicated: 'a'"):
        StaticPartitionsDefinition(["a", "b", "a"])


def test_static_non_string_keys_are_rejected() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="must be strings; got 1"):
        StaticPartitionsDefinition(["a", 1])  # type: ignore[list-item]
    with pytest.raises(DagsterInvalidDefinitionError, match="expected a list"):
        StaticPartitionsDefinition("abc")


def test_static_unknown_key_message_lists_valid_keys() -> None:
    static = StaticPartitionsDefinition(["red", "green", "blue"])
    with pytest.raises(DagsterUnknownPartitionError) as info:
        static.validate_partition_key("purple")
    assert str(info.value) == (
        "Partition 'purple' is not a partition of StaticPartitionsDefinition(['red', 'green', "
        "'blue']). Valid partition keys include: 'red', 'green', 'blue'. Pass one of these keys, "
        "or add the key to the partitions definition."
    )
    with pytest.raises(DagsterUnknownPartitionError, match="'purple'"):
        static.get_partition_keys_in_range(PartitionKeyRange("red", "purple"))


def test_static_subsets() -> None:
    static = StaticPartitionsDefinition(["a", "b", "c", "d"])
    subset = static.subset_with_partition_keys(["a", "b", "d"])
    assert "a" in subset and "c" not in subset
    assert len(subset) == 3
    assert subset.get_partition_keys_not_in_subset(static) == ["c"]
    assert subset.get_partition_key_ranges(static) == [
        PartitionKeyRange("a", "b"),
        PartitionKeyRange("d", "d"),
    ]
    assert static.empty_subset().with_partition_keys(["c"]) | subset == (
        static.subset_with_all_partitions()
    )
    assert list((subset - static.subset_with_partition_keys(["a"])).get_partition_keys()) == [
        "b",
        "d",
    ]
    assert list((subset & static.subset_with_partition_keys(["d", "c"])).get_partition_keys()) == [
        "d"
    ]


# -- multi ----------------------------------------------------------------------------------------

COLORS = StaticPartitionsDefinition(["red", "blue"])
DAYS = DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-04")


def test_multi_partition_key_is_ordered_by_dimension_name() -> None:
    key = MultiPartitionKey({"zeta": "z2", "alpha": "a1"})
    assert key == "a1|z2"
    assert isinstance(key, str)
    assert key.keys_by_dimension == {"alpha": "a1", "zeta": "z2"}
    assert key.dimension_keys == [
        PartitionDimensionKey("alpha", "a1"),
        PartitionDimensionKey("zeta", "z2"),
    ]
    assert {key: 1}["a1|z2"] == 1
    restored = pickle.loads(pickle.dumps(key))
    assert restored == key and restored.keys_by_dimension == key.keys_by_dimension


def test_multi_keys_are_the_product_ordered_by_dimension_name() -> None:
    multi = MultiPartitionsDefinition({"date": DAYS, "color": COLORS})
    assert multi.partitions_defs == [
        PartitionDimensionDefinition("color", COLORS),
        PartitionDimensionDefinition("date", DAYS),
    ]
    keys = multi.get_partition_keys()
    assert keys == [
        "red|2024-01-01",
        "red|2024-01-02",
        "red|2024-01-03",
        "blue|2024-01-01",
        "blue|2024-01-02",
        "blue|2024-01-03",
    ]
    assert all(isinstance(k, MultiPartitionKey) for k in keys)
    assert keys[0].keys_by_dimension == {"color": "red", "date": "2024-01-01"}
    assert multi.get_num_partitions() == 6 == len(multi)
    assert multi.get_first_partition_key() == "red|2024-01-01"
    assert multi.get_last_partition_key() == "blue|2024-01-03"


def test_multi_membership_parsing_and_ranges() -> None:
    multi = MultiPartitionsDefinition({"date": DAYS, "color": COLORS})
    assert multi.has_partition_key("blue|2024-01-02")
    assert multi.has_partition_key(MultiPartitionKey({"color": "red", "date": "2024-01-03"}))
    assert not multi.has_partition_key("green|2024-01-02")
    assert not multi.has_partition_key("blue")
    parsed = multi.get_multipartition_key_from_str("blue|2024-01-02")
    assert parsed.keys_by_dimension == {"color": "blue", "date": "2024-01-02"}
    assert multi.get_partition_keys_in_range(
        PartitionKeyRange("red|2024-01-02", "blue|2024-01-03")
    ) == ["red|2024-01-02", "red|2024-01-03", "blue|2024-01-02", "blue|2024-01-03"]
    with pytest.raises(DagsterUnknownPartitionError, match="dimension 'color' has no key 'green'"):
        multi.validate_partition_key("green|2024-01-02")
    with pytest.raises(
        DagsterUnknownPartitionError, match=re.escape("expected 2 values joined by '|'")
    ):
        multi.get_multipartition_key_from_str("a|b|c")


def test_multi_time_window_dimension() -> None:
    multi = MultiPartitionsDefinition({"date": DAYS, "color": COLORS})
    assert multi.time_window_dimension == PartitionDimensionDefinition("date", DAYS)
    window = multi.time_window_for_partition_key("red|2024-01-02")
    assert window == TimeWindow(datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 1, 3, tzinfo=UTC))
    span = time_window_for_partition_key_range(
        multi, PartitionKeyRange("red|2024-01-01", "blue|2024-01-02")
    )
    assert span == TimeWindow(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 3, tzinfo=UTC))
    with pytest.raises(DagsterInvalidDefinitionError, match="has no time window dimension"):
        _ = MultiPartitionsDefinition(
            {"a": COLORS, "b": StaticPartitionsDefinition(["x"])}
        ).time_window_dimension
    with pytest.raises(DagsterInvariantViolationError, match="is not time-partitioned"):
        time_window_for_partition_key_range(COLORS, PartitionKeyRange("red", "red"))


def test_multi_subset_coerces_strings_to_multi_keys() -> None:
    multi = MultiPartitionsDefinition({"date": DAYS, "color": COLORS})
    subset = multi.subset_with_partition_keys(["red|2024-01-01"])
    (key,) = subset.get_partition_keys()
    assert isinstance(key, MultiPartitionKey)
    assert key.keys_by_dimension["date"] == "2024-01-01"


@pytest.mark.parametrize(
    ("dims", "match"),
    [
        ({"a": COLORS}, "exactly 2 dimensions"),
        ({"a": COLORS, "b": DAYS, "c": COLORS}, "exactly 2 dimensions"),
        ({"a|b": COLORS, "c": DAYS}, "without '|'"),
        ({"a": StaticPartitionsDefinition(["x|y"]), "b": DAYS}, "cannot contain '|'"),
    ],
)
def test_invalid_multi_definitions(dims: dict, match: str) -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match=match):
        MultiPartitionsDefinition(dims)


# -- dynamic --------------------------------------------------------------------------------------


def test_dynamic_keys_come_from_the_store() -> None:
    fruits = DynamicPartitionsDefinition(name="fruits")
    store = KeyStore(fruits=["apple", "pear"])
    assert fruits.get_partition_keys(dynamic_partitions_store=store) == ["apple", "pear"]
    assert fruits.has_partition_key("pear", dynamic_partitions_store=store)
    assert not fruits.has_partition_key("fig", dynamic_partitions_store=store)
    assert fruits.get_partition_keys_in_range(
        PartitionKeyRange("apple", "pear"), dynamic_partitions_store=store
    ) == ["apple", "pear"]
    assert fruits == DynamicPartitionsDefinition(name="fruits")
    assert fruits != DynamicPartitionsDefinition(name="veg")


def test_dynamic_without_store_names_what_to_pass() -> None:
    fruits = DynamicPartitionsDefinition(name="fruits")
    with pytest.raises(
        CheckError,
        match=r"DynamicPartitionsDefinition\(name='fruits'\).*dynamic_partitions_store=instance",
    ):
        fruits.get_partition_keys()


def test_dynamic_requests() -> None:
    fruits = DynamicPartitionsDefinition(name="fruits")
    assert fruits.build_add_request(["kiwi"]) == AddDynamicPartitionsRequest("fruits", ("kiwi",))
    delete = fruits.build_delete_request(["kiwi", "fig"])
    assert delete == DeleteDynamicPartitionsRequest("fruits", ["kiwi", "fig"])
    assert delete.partition_keys == ("kiwi", "fig")
    with pytest.raises(DagsterInvalidInvocationError, match="Pass \\['kiwi'\\]"):
        fruits.build_add_request("kiwi")


def test_dynamic_needs_exactly_one_of_name_and_fn() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="exactly one of name and partition_fn"):
        DynamicPartitionsDefinition()
    legacy = DynamicPartitionsDefinition(partition_fn=lambda _t: ["x", "y"])
    assert legacy.get_partition_keys() == ["x", "y"]
    with pytest.raises(DagsterInvalidInvocationError, match="needs a named"):
        legacy.build_add_request(["z"])


def test_multi_with_dynamic_dimension_uses_the_store() -> None:
    multi = MultiPartitionsDefinition(
        {"fruit": DynamicPartitionsDefinition(name="fruits"), "color": COLORS}
    )
    store = KeyStore(fruits=["apple"])
    assert multi.get_partition_keys(dynamic_partitions_store=store) == ["red|apple", "blue|apple"]
    assert multi.has_partition_key("red|apple", dynamic_partitions_store=store)
