"""Partition mappings: which upstream partitions a downstream partition depends on.

This module holds the ``PartitionMapping`` contract, ``UpstreamPartitionsResult`` and the key-set
mappings (identity, all, last, specific, static). The time window mapping is in
``time_mapping.py``, the multi-dimensional ones in ``multi_mapping.py``, and the default choice in
``inference.py``.

Every mapping is an immutable value: equal arguments give equal, hashable mappings.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from dockyard.defs.partitions.base import DynamicPartitionsStore, PartitionsDefinition
from dockyard.defs.partitions.dynamic import DynamicPartitionsDefinition
from dockyard.defs.partitions.multi import MultiPartitionsDefinition
from dockyard.defs.partitions.static import StaticPartitionsDefinition
from dockyard.defs.partitions.subset import DefaultPartitionsSubset, PartitionsSubset
from dockyard.defs.partitions.time_window import TimeWindowPartitionsDefinition
from dockyard.errors import CheckError, DagsterInvalidDefinitionError


@dataclass(frozen=True, slots=True)
class UpstreamPartitionsResult:
    """Upstream partitions a downstream subset depends on.

    Attributes:
        partitions_subset: The upstream partitions that exist.
        required_but_nonexistent_subset: Upstream keys the mapping asks for that the upstream
            definition does not hold (empty when the mapping allows missing partitions).
    """

    partitions_subset: PartitionsSubset
    required_but_nonexistent_subset: PartitionsSubset

    @property
    def required_but_nonexistent_partition_keys(self) -> Sequence[str]:
        return list(self.required_but_nonexistent_subset.get_partition_keys())


class PartitionMapping(ABC):
    """Defines which upstream partitions each downstream partition depends on."""

    @abstractmethod
    def get_upstream_mapped_partitions_result_for_partitions(
        self,
        downstream_partitions_subset: PartitionsSubset | None,
        downstream_partitions_def: PartitionsDefinition | None,
        upstream_partitions_def: PartitionsDefinition,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> UpstreamPartitionsResult:
        """The upstream partitions ``downstream_partitions_subset`` depends on."""

    @abstractmethod
    def get_downstream_partitions_for_partitions(
        self,
        upstream_partitions_subset: PartitionsSubset,
        upstream_partitions_def: PartitionsDefinition,
        downstream_partitions_def: PartitionsDefinition,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> PartitionsSubset:
        """The downstream partitions that depend on ``upstream_partitions_subset``."""

    def get_upstream_partitions_for_partitions(
        self,
        downstream_partitions_subset: PartitionsSubset | None,
        downstream_partitions_def: PartitionsDefinition | None,
        upstream_partitions_def: PartitionsDefinition,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> PartitionsSubset:
        """Only the existing upstream partitions of the result."""
        return self.get_upstream_mapped_partitions_result_for_partitions(
            downstream_partitions_subset,
            downstream_partitions_def,
            upstream_partitions_def,
            current_time,
            dynamic_partitions_store,
        ).partitions_subset

    def validate_partition_mapping(
        self,
        upstream_partitions_def: PartitionsDefinition | None,
        downstream_partitions_def: PartitionsDefinition | None,
    ) -> None:
        """Raise ``DagsterInvalidDefinitionError`` if this mapping cannot join the two defs."""
        return None

    @property
    @abstractmethod
    def description(self) -> str:
        """One sentence saying what the mapping does."""


# -- helpers shared by the mappings -------------------------------------------------------------


def split_existing(
    upstream_partitions_def: PartitionsDefinition,
    keys: Iterable[str],
    current_time: datetime | None,
    dynamic_partitions_store: DynamicPartitionsStore | None,
    allow_nonexistent: bool = False,
) -> UpstreamPartitionsResult:
    """Sort ``keys`` into those the upstream definition holds and those it does not."""
    existing: list[str] = []
    missing: list[str] = []
    has = upstream_partitions_def.has_partition_key
    for key in dict.fromkeys(keys):
        (existing if has(key, current_time, dynamic_partitions_store) else missing).append(key)
    return UpstreamPartitionsResult(
        upstream_partitions_def.subset_with_partition_keys(existing),
        DefaultPartitionsSubset(upstream_partitions_def, [] if allow_nonexistent else missing),
    )


def keys_in_def(
    partitions_def: PartitionsDefinition,
    keys: Iterable[str],
    current_time: datetime | None,
    dynamic_partitions_store: DynamicPartitionsStore | None,
) -> PartitionsSubset:
    """The subset of ``partitions_def`` holding those of ``keys`` it has."""
    has = partitions_def.has_partition_key
    return partitions_def.subset_with_partition_keys(
        k for k in dict.fromkeys(keys) if has(k, current_time, dynamic_partitions_store)
    )


def require_downstream(
    subset: PartitionsSubset | None, pdef: PartitionsDefinition | None, mapping: object
) -> tuple[PartitionsSubset, PartitionsDefinition]:
    if subset is None or pdef is None:
        raise CheckError(
            f"{type(mapping).__name__} needs a partitioned downstream asset, but the downstream "
            "partitions subset or definition is None. Use AllPartitionMapping for an "
            "unpartitioned downstream asset."
        )
    return subset, pdef


def empty_result(upstream_partitions_def: PartitionsDefinition) -> UpstreamPartitionsResult:
    return UpstreamPartitionsResult(
        upstream_partitions_def.empty_subset(), DefaultPartitionsSubset(upstream_partitions_def)
    )


def def_kind(partitions_def: PartitionsDefinition) -> str:
    """The family a definition belongs to, for "same type" checks."""
    for cls, kind in (
        (TimeWindowPartitionsDefinition, "time window"),
        (StaticPartitionsDefinition, "static"),
        (DynamicPartitionsDefinition, "dynamic"),
        (MultiPartitionsDefinition, "multi-dimensional"),
    ):
        if isinstance(partitions_def, cls):
            return kind
    return type(partitions_def).__name__


def invalid_mapping(
    mapping: object,
    upstream: PartitionsDefinition | None,
    downstream: PartitionsDefinition | None,
    why: str,
) -> DagsterInvalidDefinitionError:
    return DagsterInvalidDefinitionError(
        f"Invalid partition mapping {mapping!r} from downstream {downstream} to upstream "
        f"{upstream}: {why}"
    )


class _SameUpstreamForEveryPartition(PartitionMapping):
    """A mapping under which every downstream partition depends on the same upstream partitions,
    so an upstream subset touching any of them reaches every downstream partition."""

    __slots__ = ()

    def get_downstream_partitions_for_partitions(
        self,
        upstream_partitions_subset: PartitionsSubset,
        upstream_partitions_def: PartitionsDefinition,
        downstream_partitions_def: PartitionsDefinition,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> PartitionsSubset:
        if self._touches(
            upstream_partitions_subset, upstream_partitions_def, current_time, dynamic_partitions_store
        ):
            return downstream_partitions_def.subset_with_all_partitions(
                current_time, dynamic_partitions_store
            )
        return downstream_partitions_def.empty_subset()

    @abstractmethod
    def _touches(
        self,
        upstream_partitions_subset: PartitionsSubset,
        upstream_partitions_def: PartitionsDefinition,
        current_time: datetime | None,
        dynamic_partitions_store: DynamicPartitionsStore | None,
    ) -> bool:
        """Whether ``upstream_partitions_subset`` holds an upstream partition depended on."""


# -- the key-set mappings ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IdentityPartitionMapping(PartitionMapping):
    """Each downstream partition depends on the upstream partition with the same key."""

    def get_upstream_mapped_partitions_result_for_partitions(
        self,
        downstream_partitions_subset: PartitionsSubset | None,
        downstream_partitions_def: PartitionsDefinition | None,
        upstream_partitions_def: PartitionsDefinition,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> UpstreamPartitionsResult:
        subset, _ = require_downstream(
            downstream_partitions_subset, downstream_partitions_def, self
        )
        if isinstance(upstream_partitions_def, TimeWindowPartitionsDefinition):
            from dockyard.defs.partitions.time_mapping import identity_time_result

            fast = identity_time_result(
                subset, upstream_partitions_def, current_time, allow_nonexistent=False
            )
            if fast is not None:
                return fast
        return split_existing(
            upstream_partitions_def,
            subset.get_partition_keys(),
            current_time,
            dynamic_partitions_store,
        )

    def get_downstream_partitions_for_partitions(
        self,
        upstream_partitions_subset: PartitionsSubset,
        upstream_partitions_def: PartitionsDefinition,
        downstream_partitions_def: PartitionsDefinition,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> PartitionsSubset:
        if isinstance(downstream_partitions_def, TimeWindowPartitionsDefinition):
            from dockyard.defs.partitions.time_mapping import identity_time_result

            fast = identity_time_result(
                upstream_partitions_subset,
                downstream_partitions_def,
                current_time,
                allow_nonexistent=True,
            )
            if fast is not None:
                return fast.partitions_subset
        return keys_in_def(
            downstream_partitions_def,
            upstream_partitions_subset.get_partition_keys(),
            current_time,
            dynamic_partitions_store,
        )

    def validate_partition_mapping(
        self,
        upstream_partitions_def: PartitionsDefinition | None,
        downstream_partitions_def: PartitionsDefinition | None,
    ) -> None:
        if upstream_partitions_def is None or downstream_partitions_def is None:
            return
        up, down = def_kind(upstream_partitions_def), def_kind(downstream_partitions_def)
        if up != down:
            raise invalid_mapping(
                self,
                upstream_partitions_def,
                downstream_partitions_def,
                f"identity needs partitions of the same type, but upstream is {up} and "
                f"downstream is {down}. Use TimeWindowPartitionMapping, "
                "MultiToSingleDimensionPartitionMapping or StaticPartitionMapping instead.",
            )

    @property
    def description(self) -> str:
        return (
            "Each downstream partition depends on the upstream partition with the same key; "
            "keys missing upstream are reported as nonexistent."
        )


@dataclass(frozen=True, slots=True)
class AllPartitionMapping(_SameUpstreamForEveryPartition):
    """Every downstream partition depends on every upstream partition."""

    def get_upstream_mapped_partitions_result_for_partitions(
        self,
        downstream_partitions_subset: PartitionsSubset | None,
        downstream_partitions_def: PartitionsDefinition | None,
        upstream_partitions_def: PartitionsDefinition,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> UpstreamPartitionsResult:
        return UpstreamPartitionsResult(
            upstream_partitions_def.subset_with_all_partitions(
                current_time, dynamic_partitions_store
            ),
            DefaultPartitionsSubset(upstream_partitions_def),
        )

    def _touches(
        self,
        upstream_partitions_subset: PartitionsSubset,
        upstream_partitions_def: PartitionsDefinition,
        current_time: datetime | None,
        dynamic_partitions_store: DynamicPartitionsStore | None,
    ) -> bool:
        return len(upstream_partitions_subset) != 0

    @property
    def description(self) -> str:
        return "Every downstream partition depends on all partitions of the upstream asset."


@dataclass(frozen=True, slots=True)
class LastPartitionMapping(_SameUpstreamForEveryPartition):
    """Every downstream partition depends on the upstream's last partition."""

    def get_upstream_mapped_partitions_result_for_partitions(
        self,
        downstream_partitions_subset: PartitionsSubset | None,
        downstream_partitions_def: PartitionsDefinition | None,
        upstream_partitions_def: PartitionsDefinition,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> UpstreamPartitionsResult:
        last = upstream_partitions_def.get_last_partition_key(
            current_time, dynamic_partitions_store
        )
        return UpstreamPartitionsResult(
            upstream_partitions_def.subset_with_partition_keys([] if last is None else [last]),
            DefaultPartitionsSubset(upstream_partitions_def),
        )

    def _touches(
        self,
        upstream_partitions_subset: PartitionsSubset,
        upstream_partitions_def: PartitionsDefinition,
        current_time: datetime | None,
        dynamic_partitions_store: DynamicPartitionsStore | None,
    ) -> bool:
        last = upstream_partitions_def.get_last_partition_key(
            current_time, dynamic_partitions_store
        )
        return last is not None and last in upstream_partitions_subset

    @property
    def description(self) -> str:
        return "Every downstream partition depends on the last partition of the upstream asset."


class SpecificPartitionsPartitionMapping(_SameUpstreamForEveryPartition):
    """Every downstream partition depends on the same fixed upstream keys.

    Args:
        partition_keys: The upstream keys.
    """

    __slots__ = ("_keys",)

    def __init__(self, partition_keys: Sequence[str]) -> None:
        if isinstance(partition_keys, str):
            raise DagsterInvalidDefinitionError(
                "SpecificPartitionsPartitionMapping takes a list of keys; got the string "
                f"{partition_keys!r}. Pass [{partition_keys!r}]."
            )
        self._keys = tuple(partition_keys)

    @property
    def partition_keys(self) -> Sequence[str]:
        return list(self._keys)

    def get_upstream_mapped_partitions_result_for_partitions(
        self,
        downstream_partitions_subset: PartitionsSubset | None,
        downstream_partitions_def: PartitionsDefinition | None,
        upstream_partitions_def: PartitionsDefinition,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> UpstreamPartitionsResult:
        return split_existing(
            upstream_partitions_def, self._keys, current_time, dynamic_partitions_store
        )

    def _touches(
        self,
        upstream_partitions_subset: PartitionsSubset,
        upstream_partitions_def: PartitionsDefinition,
        current_time: datetime | None,
        dynamic_partitions_store: DynamicPartitionsStore | None,
    ) -> bool:
        return any(k in upstream_partitions_subset for k in self._keys)

    def validate_partition_mapping(
        self,
        upstream_partitions_def: PartitionsDefinition | None,
        downstream_partitions_def: PartitionsDefinition | None,
    ) -> None:
        if isinstance(upstream_partitions_def, StaticPartitionsDefinition):
            unknown = [k for k in self._keys if not upstream_partitions_def.has_partition_key(k)]
            if unknown:
                raise invalid_mapping(
                    self,
                    upstream_partitions_def,
                    downstream_partitions_def,
                    f"upstream has no partitions {', '.join(repr(k) for k in unknown)}.",
                )

    @property
    def description(self) -> str:
        return f"Every downstream partition depends on upstream partitions {list(self._keys)!r}."

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SpecificPartitionsPartitionMapping):
            return NotImplemented
        return self._keys == other._keys

    def __hash__(self) -> int:
        return hash(("SpecificPartitionsPartitionMapping", self._keys))

    def __repr__(self) -> str:
        return f"SpecificPartitionsPartitionMapping({list(self._keys)!r})"


class StaticPartitionMapping(PartitionMapping):
    """An explicit map between two static partitions definitions.

    Args:
        downstream_partition_keys_by_upstream_partition_key: For each upstream key, the
            downstream key (or keys) that depend on it.
    """

    __slots__ = ("_by_downstream", "_by_upstream")

    def __init__(
        self,
        downstream_partition_keys_by_upstream_partition_key: Mapping[str, str | Collection[str]],
    ) -> None:
        by_upstream: dict[str, tuple[str, ...]] = {}
        by_downstream: dict[str, list[str]] = {}
        for up, downs in downstream_partition_keys_by_upstream_partition_key.items():
            down_keys = (downs,) if isinstance(downs, str) else tuple(dict.fromkeys(downs))
            by_upstream[up] = down_keys
            for down in down_keys:
                by_downstream.setdefault(down, []).append(up)
        self._by_upstream = by_upstream
        self._by_downstream = {k: tuple(v) for k, v in by_downstream.items()}

    @property
    def downstream_partition_keys_by_upstream_partition_key(self) -> dict[str, tuple[str, ...]]:
        return dict(self._by_upstream)

    def get_upstream_mapped_partitions_result_for_partitions(
        self,
        downstream_partitions_subset: PartitionsSubset | None,
        downstream_partitions_def: PartitionsDefinition | None,
        upstream_partitions_def: PartitionsDefinition,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> UpstreamPartitionsResult:
        subset, _ = require_downstream(
            downstream_partitions_subset, downstream_partitions_def, self
        )
        ups = [u for d in subset.get_partition_keys() for u in self._by_downstream.get(d, ())]
        return split_existing(upstream_partitions_def, ups, current_time, dynamic_partitions_store)

    def get_downstream_partitions_for_partitions(
        self,
        upstream_partitions_subset: PartitionsSubset,
        upstream_partitions_def: PartitionsDefinition,
        downstream_partitions_def: PartitionsDefinition,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> PartitionsSubset:
        downs = [
            d
            for u in upstream_partitions_subset.get_partition_keys()
            for d in self._by_upstream.get(u, ())
        ]
        return keys_in_def(downstream_partitions_def, downs, current_time, dynamic_partitions_store)

    def validate_partition_mapping(
        self,
        upstream_partitions_def: PartitionsDefinition | None,
        downstream_partitions_def: PartitionsDefinition | None,
    ) -> None:
        if not isinstance(upstream_partitions_def, StaticPartitionsDefinition) or not isinstance(
            downstream_partitions_def, StaticPartitionsDefinition
        ):
            raise invalid_mapping(
                self,
                upstream_partitions_def,
                downstream_partitions_def,
                "StaticPartitionMapping needs static partitions on both sides.",
            )
        for side, pdef, keys in (
            ("upstream", upstream_partitions_def, self._by_upstream),
            ("downstream", downstream_partitions_def, self._by_downstream),
        ):
            unknown = [k for k in keys if not pdef.has_partition_key(k)]
            if unknown:
                raise ValueError(
                    f"StaticPartitionMapping names {side} keys {', '.join(map(repr, unknown))} "
                    f"that {pdef} does not have. Valid keys: "
                    f"{', '.join(map(repr, pdef.get_partition_keys()))}."
                )

    @property
    def description(self) -> str:
        return f"Maps upstream to downstream keys: {self._by_upstream!r}."

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StaticPartitionMapping):
            return NotImplemented
        return self._by_upstream == other._by_upstream

    def __hash__(self) -> int:
        return hash(("StaticPartitionMapping", tuple(sorted(self._by_upstream.items()))))

    def __repr__(self) -> str:
        return f"StaticPartitionMapping({self._by_upstream!r})"
