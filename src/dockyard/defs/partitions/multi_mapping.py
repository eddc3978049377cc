"""Mappings involving ``MultiPartitionsDefinition``.

* ``MultiToSingleDimensionPartitionMapping`` joins a multi-dimensional definition to a single one
  through one named dimension.
* ``MultiPartitionMapping`` maps multi to multi, dimension by dimension. Upstream dimensions that
  are not mapped depend on all their partitions; downstream dimensions no upstream dimension maps
  to are reached through all their partitions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import product

from dockyard.defs.partitions.base import PartitionsDefinition
from dockyard.defs.partitions.mapping import (
    EqualByArgument,
    MappingQuery,
    PartitionMapping,
    QueryPartitionMapping,
    UpstreamPartitionsResult,
    invalid_mapping,
)
from dockyard.defs.partitions.multi import MultiPartitionKey, MultiPartitionsDefinition
from dockyard.defs.partitions.subset import DefaultPartitionsSubset, PartitionsSubset
from dockyard.errors import CheckError


def _as_multi_keys(
    multi: MultiPartitionsDefinition, keys: Sequence[str]
) -> list[MultiPartitionKey]:
    return [multi.get_multipartition_key_from_str(k) for k in keys]


@dataclass(frozen=True, slots=True)
class MultiToSingleDimensionPartitionMapping(QueryPartitionMapping):
    """Joins a multi-dimensional and a single-dimensional definition through one dimension.

    Args:
        partition_dimension_name: The dimension of the multi-dimensional side; inferred when
            exactly one dimension has the single side's partitions definition.
    """

    partition_dimension_name: str | None = None

    def _resolve(
        self, upstream: PartitionsDefinition | None, downstream: PartitionsDefinition | None
    ) -> tuple[MultiPartitionsDefinition, PartitionsDefinition, str]:
        """``(multi, single, dimension)``; raises DagsterInvalidDefinitionError if impossible."""
        up_multi = isinstance(upstream, MultiPartitionsDefinition)
        down_multi = isinstance(downstream, MultiPartitionsDefinition)
        if upstream is None or downstream is None or up_multi == down_multi:
            raise invalid_mapping(
                self,
                upstream,
                downstream,
                "MultiToSingleDimensionPartitionMapping needs one multi-dimensional and one "
                "single-dimensional partitions definition.",
            )
        multi, single = (upstream, downstream) if up_multi else (downstream, upstream)
        assert isinstance(multi, MultiPartitionsDefinition)
        names = multi.partition_dimension_names
        if self.partition_dimension_name is not None:
            if self.partition_dimension_name not in names:
                raise invalid_mapping(
                    self,
                    upstream,
                    downstream,
                    f"dimension {self.partition_dimension_name!r} is not one of "
                    f"{', '.join(map(repr, names))}.",
                )
            return multi, single, self.partition_dimension_name
        matches = [d.name for d in multi.partitions_defs if d.partitions_def == single]
        if len(matches) != 1:
            raise invalid_mapping(
                self,
                upstream,
                downstream,
                f"cannot infer the dimension: {len(matches)} of the dimensions "
                f"({', '.join(map(repr, names))}) have the single-dimensional partitions "
                "definition. Pass partition_dimension_name=...",
            )
        return multi, single, matches[0]

    def _problem(
        self, upstream: PartitionsDefinition | None, downstream: PartitionsDefinition | None
    ) -> str | None:
        self._resolve(upstream, downstream)
        return None

    def _upstream(self, q: MappingQuery) -> UpstreamPartitionsResult:
        subset, ddef = q.partitioned(self)
        return self._map(subset, ddef, q, self._resolve(q.to_def, ddef))

    def _downstream(self, q: MappingQuery) -> PartitionsSubset:
        subset, udef = q.partitioned(self)
        resolved = self._resolve(udef, q.to_def)
        return self._map(subset, udef, q, resolved, allow_nonexistent=True).partitions_subset

    @staticmethod
    def _map(
        subset: PartitionsSubset,
        from_def: PartitionsDefinition,
        q: MappingQuery,
        resolved: tuple[MultiPartitionsDefinition, PartitionsDefinition, str],
        allow_nonexistent: bool = False,
    ) -> UpstreamPartitionsResult:
        """Multi keys to their ``dim`` values, or single keys to every multi key holding them."""
        multi, _, dim = resolved
        keys = subset.get_partition_keys()
        if multi is from_def:
            dim_keys = [k.keys_by_dimension[dim] for k in _as_multi_keys(multi, keys)]
            return q.to_keys(dim_keys, allow_nonexistent)
        return _expand_to_multi(multi, dim, keys, q)

    @property
    def description(self) -> str:
        dim = self.partition_dimension_name or "the shared dimension"
        return (
            "Joins a multi-dimensional and a single-dimensional asset: each key of the single "
            f"one corresponds to all multi-dimensional keys with that value in {dim}."
        )


def _expand_to_multi(
    multi: MultiPartitionsDefinition, dim: str, dim_keys: Sequence[str], q: MappingQuery
) -> UpstreamPartitionsResult:
    """All keys of ``multi`` whose ``dim`` value is one of ``dim_keys``."""
    current_time, store = q.current_time, q.store
    dim_def = multi.get_partitions_def_for_dimension(dim)
    other = next(d for d in multi.partitions_defs if d.name != dim)
    other_keys = other.partitions_def.get_partition_keys(current_time, store)
    existing: list[MultiPartitionKey] = []
    missing: list[MultiPartitionKey] = []
    for key in dict.fromkeys(dim_keys):
        target = existing if dim_def.has_partition_key(key, current_time, store) else missing
        target.extend(MultiPartitionKey({dim: key, other.name: o}) for o in other_keys)
    return UpstreamPartitionsResult(
        multi.subset_with_partition_keys(existing), DefaultPartitionsSubset(multi, missing)
    )


@dataclass(frozen=True, slots=True)
class DimensionPartitionMapping:
    """Maps one upstream dimension from the downstream dimension ``dimension_name``."""

    dimension_name: str
    partition_mapping: PartitionMapping


class MultiPartitionMapping(EqualByArgument, QueryPartitionMapping):
    """Maps multi-dimensional partitions to multi-dimensional partitions, per dimension.

    Args:
        downstream_mappings_by_upstream_dimension: For each upstream dimension name, the
            downstream dimension it maps from and the mapping to apply.
    """

    __slots__ = ("_mappings",)

    def __init__(
        self, downstream_mappings_by_upstream_dimension: Mapping[str, DimensionPartitionMapping]
    ) -> None:
        for name, dim_mapping in downstream_mappings_by_upstream_dimension.items():
            if not isinstance(dim_mapping, DimensionPartitionMapping):
                raise CheckError(
                    f"MultiPartitionMapping values must be DimensionPartitionMapping; got "
                    f"{dim_mapping!r} for upstream dimension {name!r}."
                )
        self._mappings = dict(sorted(downstream_mappings_by_upstream_dimension.items()))

    @property
    def downstream_mappings_by_upstream_dimension(self) -> dict[str, DimensionPartitionMapping]:
        return dict(self._mappings)

    def _problem(
        self, upstream: PartitionsDefinition | None, downstream: PartitionsDefinition | None
    ) -> str | None:
        if not isinstance(upstream, MultiPartitionsDefinition) or not isinstance(
            downstream, MultiPartitionsDefinition
        ):
            return "MultiPartitionMapping needs multi-dimensional partitions on both sides."
        ups = upstream.partition_dimension_names
        downs = downstream.partition_dimension_names
        for up_dim, dim_mapping in self._mappings.items():
            if up_dim not in ups or dim_mapping.dimension_name not in downs:
                return (
                    f"dimension mapping {up_dim!r} <- {dim_mapping.dimension_name!r} names a "
                    f"dimension that does not exist (upstream: {ups}, downstream: {downs})."
                )
            dim_mapping.partition_mapping.validate_partition_mapping(
                upstream.get_partitions_def_for_dimension(up_dim),
                downstream.get_partitions_def_for_dimension(dim_mapping.dimension_name),
            )
        return None

    def _multis(
        self, upstream: PartitionsDefinition | None, downstream: PartitionsDefinition | None
    ) -> tuple[MultiPartitionsDefinition, MultiPartitionsDefinition]:
        self.validate_partition_mapping(upstream, downstream)
        assert isinstance(upstream, MultiPartitionsDefinition)
        assert isinstance(downstream, MultiPartitionsDefinition)
        return upstream, downstream

    def _upstream(self, q: MappingQuery) -> UpstreamPartitionsResult:
        subset, ddef = q.partitioned(self)
        up, down = self._multis(q.to_def, ddef)
        current_time, dynamic_partitions_store = q.current_time, q.store
        cache: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
        all_keys: dict[str, list[str]] = {}

        def per_dim(up_dim: str, key: MultiPartitionKey) -> tuple[list[str], list[str]]:
            up_def = up.get_partitions_def_for_dimension(up_dim)
            dim_mapping = self._mappings.get(up_dim)
            if dim_mapping is None:
                if up_dim not in all_keys:
                    all_keys[up_dim] = list(
                        up_def.get_partition_keys(current_time, dynamic_partitions_store)
                    )
                return all_keys[up_dim], []
            down_dim = dim_mapping.dimension_name
            down_key = key.keys_by_dimension[down_dim]
            if (up_dim, down_key) not in cache:
                down_def = down.get_partitions_def_for_dimension(down_dim)
                result = dim_mapping.partition_mapping.get_upstream_mapped_partitions_result_for_partitions(
                    down_def.subset_with_partition_keys([down_key]),
                    down_def,
                    up_def,
                    current_time,
                    dynamic_partitions_store,
                )
                cache[(up_dim, down_key)] = (
                    list(result.partitions_subset.get_partition_keys()),
                    list(result.required_but_nonexistent_partition_keys),
                )
            return cache[(up_dim, down_key)]

        existing: dict[MultiPartitionKey, None] = {}
        missing: dict[MultiPartitionKey, None] = {}
        names = up.partition_dimension_names
        for key in _as_multi_keys(down, subset.get_partition_keys()):
            parts = [per_dim(n, key) for n in names]
            present = [set(p[0]) for p in parts]
            for combo in product(*[p[0] + p[1] for p in parts]):
                mk = MultiPartitionKey(dict(zip(names, combo, strict=True)))
                ok = all(c in s for c, s in zip(combo, present, strict=True))
                (existing if ok else missing)[mk] = None
        return UpstreamPartitionsResult(
            up.subset_with_partition_keys(existing), DefaultPartitionsSubset(up, missing)
        )

    def _downstream(self, q: MappingQuery) -> PartitionsSubset:
        subset, udef = q.partitioned(self)
        up, down = self._multis(udef, q.to_def)
        current_time, dynamic_partitions_store = q.current_time, q.store
        names = down.partition_dimension_names
        found: dict[MultiPartitionKey, None] = {}
        for key in _as_multi_keys(up, subset.get_partition_keys()):
            per_dim: list[list[str]] = []
            for down_dim in names:
                down_def = down.get_partitions_def_for_dimension(down_dim)
                candidates: list[str] | None = None
                for up_dim, dim_mapping in self._mappings.items():
                    if dim_mapping.dimension_name != down_dim:
                        continue
                    up_def = up.get_partitions_def_for_dimension(up_dim)
                    mapped = dim_mapping.partition_mapping.get_downstream_partitions_for_partitions(
                        up_def.subset_with_partition_keys([key.keys_by_dimension[up_dim]]),
                        up_def,
                        down_def,
                        current_time,
                        dynamic_partitions_store,
                    ).get_partition_keys()
                    candidates = (
                        list(mapped)
                        if candidates is None
                        else [k for k in candidates if k in mapped]
                    )
                if candidates is None:
                    candidates = list(
                        down_def.get_partition_keys(current_time, dynamic_partitions_store)
                    )
                per_dim.append(candidates)
            for combo in product(*per_dim):
                found[MultiPartitionKey(dict(zip(names, combo, strict=True)))] = None
        return down.subset_with_partition_keys(found)

    @property
    def description(self) -> str:
        parts = ", ".join(
            f"upstream {u!r} from downstream {m.dimension_name!r} via {m.partition_mapping!r}"
            for u, m in self._mappings.items()
        )
        return f"Maps multi-dimensional partitions per dimension: {parts or 'no dimensions'}."

    def _argument(self) -> dict[str, DimensionPartitionMapping]:
        return self._mappings
