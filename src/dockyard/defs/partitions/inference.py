"""``infer_partition_mapping``: the mapping used when an input names none."""

from __future__ import annotations

from dockyard.defs.partitions.base import PartitionsDefinition
from dockyard.defs.partitions.mapping import (
    AllPartitionMapping,
    IdentityPartitionMapping,
    PartitionMapping,
)
from dockyard.defs.partitions.multi import MultiPartitionsDefinition
from dockyard.defs.partitions.multi_mapping import MultiToSingleDimensionPartitionMapping
from dockyard.defs.partitions.time_mapping import TimeWindowPartitionMapping
from dockyard.defs.partitions.time_window import TimeWindowPartitionsDefinition


def _shares_one_dimension(multi: MultiPartitionsDefinition, single: PartitionsDefinition) -> bool:
    return sum(1 for d in multi.partitions_defs if d.partitions_def == single) == 1


def infer_partition_mapping(
    partition_mapping: PartitionMapping | None,
    downstream_partitions_def: PartitionsDefinition | None,
    upstream_partitions_def: PartitionsDefinition | None,
) -> PartitionMapping:
    """The given mapping, or the default for the two definitions.

    Defaults: one side multi-dimensional sharing exactly one dimension with the other →
    ``MultiToSingleDimensionPartitionMapping``; both time windows → ``TimeWindowPartitionMapping``;
    both partitioned otherwise → ``IdentityPartitionMapping``; either unpartitioned →
    ``AllPartitionMapping``.
    """
    if partition_mapping is not None:
        return partition_mapping
    up, down = upstream_partitions_def, downstream_partitions_def
    if up is None or down is None:
        return AllPartitionMapping()
    up_multi = isinstance(up, MultiPartitionsDefinition)
    down_multi = isinstance(down, MultiPartitionsDefinition)
    if up_multi != down_multi:
        multi, single = (up, down) if up_multi else (down, up)
        assert isinstance(multi, MultiPartitionsDefinition)
        if _shares_one_dimension(multi, single):
            return MultiToSingleDimensionPartitionMapping()
    if isinstance(up, TimeWindowPartitionsDefinition) and isinstance(
        down, TimeWindowPartitionsDefinition
    ):
        return TimeWindowPartitionMapping()
    return IdentityPartitionMapping()
