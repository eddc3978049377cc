"""Partition mappings: which upstream partitions a downstream partition depends on.

This module holds the ``PartitionMapping`` contract, ``UpstreamPartitionsResult`` and the key-set
mappings (identity, all, last, specific, static). The time window mapping is in
``time_mapping.py``, the multi-dimensional ones in ``multi_mapping.py``, and the default choice in
``inference.py``.

Every mapping is an immutable value: equal arguments give equal, hashable mappings.

The built-in mappings subclass ``QueryPartitionMapping``, which implements the documented methods
once and passes each call on to the hooks ``_upstream`` / ``_downstream`` as a ``MappingQuery``
(and ``validate_partition_mapping`` to ``_problem``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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


@dataclass(frozen=True, slots=True)
class MappingQuery:
    """One call of a mapping, in the direction it maps: ``subset`` of ``from_def`` to ``to_def``.

    For ``get_upstream_mapped_partitions_result_for_partitions`` the "from" side is downstream;
    for ``get_downstream_partitions_for_partitions`` it is upstream.
    """

    subset: PartitionsSubset | None
    from_def: PartitionsDefinition | None
    to_def: PartitionsDefinition
    current_time: datetime | None
    store: DynamicPartitionsStore | None

    def partitioned(self, mapping: object) -> tuple[PartitionsSubset, PartitionsDefinition]:
        """``(subset, from_def)``; ``CheckError`` if the "from" side is unpartitioned."""
        if self.subset is None or self.from_def is None:
            raise CheckError(
                f"{type(mapping).__name__} needs a partitioned downstream asset, but the "
                "downstream partitions subset or definition is None. Use AllPartitionMapping "
                "for an unpartitioned downstream asset."
            )
        return self.subset, self.from_def

    def to_keys(
        self, keys: Iterable[str], allow_nonexistent: bool = False
    ) -> UpstreamPartitionsResult:
        """Sort ``keys`` into those ``to_def`` holds and those it does not."""
        existing: list[str] = []
        missing: list[str] = []
        has, time, store = self.to_def.has_partition_key, self.current_time, self.store
        for key in dict.fromkeys(keys):
            (existing if has(key, time, store) else missing).append(key)
        return UpstreamPartitionsResult(
            self.to_def.subset_with_partition_keys(existing),
            DefaultPartitionsSubset(self.to_def, [] if allow_nonexistent else missing),
        )

    def all_of_target(self) -> PartitionsSubset:
        """Every partition of ``to_def`` that exists."""
        return self.to_def.subset_with_all_partitions(self.current_time, self.store)


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


class QueryPartitionMapping(PartitionMapping):
    """The built-in mappings' common entry points: each documented method packs its arguments
    into a ``MappingQuery`` and hands it to a hook, and validation reports the hook's reason."""

    __slots__ = ()

    def get_upstream_mapped_partitions_result_for_partitions(
        self,
        downstream_partitions_subset: PartitionsSubset | None,
        downstream_partitions_def: PartitionsDefinition | None,
        upstream_partitions_def: PartitionsDefinition,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> UpstreamPartitionsResult:
        return self._upstream(
            MappingQuery(
                downstream_partitions_subset,
                downstream_partitions_def,
                upstream_partitions_def,
                current_time,
                dynamic_partitions_store,
            )
        )

    def get_downstream_partitions_for_partitions(
        self,
        upstream_partitions_subset: PartitionsSubset,
        upstream_partitions_def: PartitionsDefinition,
        downstream_partitions_def: PartitionsDefinition,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> PartitionsSubset:
        return self._downstream(
            MappingQuery(
                upstream_partitions_subset,
                upstream_partitions_def,
                downstream_partitions_def,
                current_time,
                dynamic_partitions_store,
            )
        )

    def validate_partition_mapping(
        self,
        upstream_partitions_def: PartitionsDefinition | None,
        downstream_partitions_def: PartitionsDefinition | None,
    ) -> None:
        why = self._problem(upstream_partitions_def, downstream_partitions_def)
        if why is not None:
            raise invalid_mapping(self, upstream_partitions_def, downstream_partitions_def, why)

    @abstractmethod
    def _upstream(self, q: MappingQuery) -> UpstreamPartitionsResult:
        """The upstream partitions ``q.subset`` (downstream) depends on."""

    @abstractmethod
    def _downstream(self, q: MappingQuery) -> PartitionsSubset:
        """The downstream partitions that depend on ``q.subset`` (upstream)."""

    def _problem(
        self, upstream: PartitionsDefinition | None, downstream: PartitionsDefinition | None
    ) -> str | None:
        """Why the mapping cannot join the two definitions, or ``None`` if it can."""
        return None


class _SameUpstreamForEveryPartition(QueryPartitionMapping):
    """A mapping under which every downstream partition depends on the same upstream partitions,
    so an upstream subset touching any of them reaches every downstream partition."""

    __slots__ = ()

    def _downstream(self, q: MappingQuery) -> PartitionsSubset:
        subset, upstream_def = q.partitioned(self)
        if self._touches(subset, upstream_def, q):
            return q.all_of_target()
        return q.to_def.empty_subset()

    @abstractmethod
    def _touches(
        self, subset: PartitionsSubset, upstream_def: PartitionsDefinition, q: MappingQuery
    ) -> bool:
        """Whether the upstream ``subset`` holds an upstream partition depended on."""


class EqualByArgument:
    """Equality, hashing and ``repr`` of a mapping built from one argument, ``_argument()``."""

    __slots__ = ()

    def _argument(self) -> Sequence[Any] | Mapping[str, Any]:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self._argument() == other._argument()

    def __hash__(self) -> int:
        arg = self._argument()
        frozen = frozenset(arg.items()) if isinstance(arg, Mapping) else tuple(arg)
        return hash((type(self).__name__, frozen))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._argument()!r})"


# -- the key-set mappings ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IdentityPartitionMapping(QueryPartitionMapping):
    """Each downstream partition depends on the upstream partition with the same key."""

    def _upstream(self, q: MappingQuery) -> UpstreamPartitionsResult:
        return self._same_keys(q, allow_nonexistent=False)

    def _downstream(self, q: MappingQuery) -> PartitionsSubset:
        return self._same_keys(q, allow_nonexistent=True).partitions_subset

    def _same_keys(self, q: MappingQuery, allow_nonexistent: bool) -> UpstreamPartitionsResult:
        subset, _ = q.partitioned(self)
        if isinstance(q.to_def, TimeWindowPartitionsDefinition):
            from dockyard.defs.partitions.time_mapping import identity_time_result

            fast = identity_time_result(subset, q.to_def, q.current_time, allow_nonexistent)
            if fast is not None:
                return fast
        return q.to_keys(subset.get_partition_keys(), allow_nonexistent)

    def _problem(
        self, upstream: PartitionsDefinition | None, downstream: PartitionsDefinition | None
    ) -> str | None:
        if upstream is None or downstream is None:
            return None
        up, down = def_kind(upstream), def_kind(downstream)
        if up == down:
            return None
        return (
            f"identity needs partitions of the same type, but upstream is {up} and "
            f"downstream is {down}. Use TimeWindowPartitionMapping, "
            "MultiToSingleDimensionPartitionMapping or StaticPartitionMapping instead."
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

    def _upstream(self, q: MappingQuery) -> UpstreamPartitionsResult:
        return UpstreamPartitionsResult(q.all_of_target(), DefaultPartitionsSubset(q.to_def))

    def _touches(
        self, subset: PartitionsSubset, upstream_def: PartitionsDefinition, q: MappingQuery
    ) -> bool:
        return len(subset) != 0

    @property
    def description(self) -> str:
        return "Every downstream partition depends on all partitions of the upstream asset."


@dataclass(frozen=True, slots=True)
class LastPartitionMapping(_SameUpstreamForEveryPartition):
    """Every downstream partition depends on the upstream's last partition."""

    def _upstream(self, q: MappingQuery) -> UpstreamPartitionsResult:
        last = q.to_def.get_last_partition_key(q.current_time, q.store)
        return UpstreamPartitionsResult(
            q.to_def.subset_with_partition_keys([] if last is None else [last]),
            DefaultPartitionsSubset(q.to_def),
        )

    def _touches(
        self, subset: PartitionsSubset, upstream_def: PartitionsDefinition, q: MappingQuery
    ) -> bool:
        last = upstream_def.get_last_partition_key(q.current_time, q.store)
        return last is not None and last in subset

    @property
    def description(self) -> str:
        return "Every downstream partition depends on the last partition of the upstream asset."


class SpecificPartitionsPartitionMapping(EqualByArgument, _SameUpstreamForEveryPartition):
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

    def _upstream(self, q: MappingQuery) -> UpstreamPartitionsResult:
        return q.to_keys(self._keys)

    def _touches(
        self, subset: PartitionsSubset, upstream_def: PartitionsDefinition, q: MappingQuery
    ) -> bool:
        return any(k in subset for k in self._keys)

    def _problem(
        self, upstream: PartitionsDefinition | None, downstream: PartitionsDefinition | None
    ) -> str | None:
        if not isinstance(upstream, StaticPartitionsDefinition):
            return None
        unknown = [k for k in self._keys if not upstream.has_partition_key(k)]
        if not unknown:
            return None
        return f"upstream has no partitions {', '.join(repr(k) for k in unknown)}."

    @property
    def description(self) -> str:
        return f"Every downstream partition depends on upstream partitions {list(self._keys)!r}."

    def _argument(self) -> list[str]:
        return list(self._keys)


class StaticPartitionMapping(EqualByArgument, QueryPartitionMapping):
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

    def _upstream(self, q: MappingQuery) -> UpstreamPartitionsResult:
        # Like Dagster: the mapping's upstream keys must all exist in the upstream definition.
        self._check_known("upstream", q.to_def, self._by_upstream, q)
        return self._through(self._by_downstream, q)

    def _downstream(self, q: MappingQuery) -> PartitionsSubset:
        self._check_known("downstream", q.to_def, self._by_downstream, q)
        return self._through(self._by_upstream, q, allow_nonexistent=True).partitions_subset

    @staticmethod
    def _check_known(
        side: str, pdef: PartitionsDefinition, keys: Mapping[str, object], q: MappingQuery
    ) -> None:
        """``ValueError`` naming the keys of the mapping that ``pdef`` (the ``side`` definition)
        does not hold."""
        has, time, store = pdef.has_partition_key, q.current_time, q.store
        unknown = [k for k in keys if not has(k, time, store)]
        if unknown:
            raise ValueError(
                f"StaticPartitionMapping names {side} keys {', '.join(map(repr, unknown))} "
                f"that the {side} definition {pdef} does not have."
            )

    def _through(
        self,
        table: Mapping[str, tuple[str, ...]],
        q: MappingQuery,
        allow_nonexistent: bool = False,
    ) -> UpstreamPartitionsResult:
        """``q.subset``'s keys looked up in ``table`` (one of the two directions)."""
        subset, _ = q.partitioned(self)
        return q.to_keys(
            (key for k in subset.get_partition_keys() for key in table.get(k, ())),
            allow_nonexistent,
        )

    def _problem(
        self, upstream: PartitionsDefinition | None, downstream: PartitionsDefinition | None
    ) -> str | None:
        if not isinstance(upstream, StaticPartitionsDefinition) or not isinstance(
            downstream, StaticPartitionsDefinition
        ):
            return "StaticPartitionMapping needs static partitions on both sides."
        for side, pdef, keys in (
            ("upstream", upstream, self._by_upstream),
            ("downstream", downstream, self._by_downstream),
        ):
            unknown = [k for k in keys if not pdef.has_partition_key(k)]
            if unknown:
                raise ValueError(
                    f"StaticPartitionMapping names {side} keys {', '.join(map(repr, unknown))} "
                    f"that {pdef} does not have. Valid keys: "
                    f"{', '.join(map(repr, pdef.get_partition_keys()))}."
                )
        return None

    @property
    def description(self) -> str:
        return f"Maps upstream to downstream keys: {self._by_upstream!r}."

    def _argument(self) -> dict[str, tuple[str, ...]]:
        return self._by_upstream
