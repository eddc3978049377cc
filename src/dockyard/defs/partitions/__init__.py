"""Partitions definitions, subsets and partition mappings.

Modules: ``base`` (the ABC, key ranges, the dynamic store seam), ``static``, ``schedule`` (cron
arithmetic), ``time_window`` / ``time_window_shorthands``, ``multi``, ``dynamic``, ``subset`` / ``time_subset`` (subsets),
``mapping`` / ``time_mapping`` / ``multi_mapping`` (mappings) and ``inference`` (defaults).
"""

from __future__ import annotations

from dockyard.defs.partitions.base import (
    DynamicPartitionsStore,
    PartitionKeyRange,
    PartitionsDefinition,
)
from dockyard.defs.partitions.dynamic import (
    AddDynamicPartitionsRequest,
    DeleteDynamicPartitionsRequest,
    DynamicPartitionsDefinition,
)
from dockyard.defs.partitions.inference import infer_partition_mapping
from dockyard.defs.partitions.mapping import (
    AllPartitionMapping,
    IdentityPartitionMapping,
    LastPartitionMapping,
    PartitionMapping,
    SpecificPartitionsPartitionMapping,
    StaticPartitionMapping,
    UpstreamPartitionsResult,
)
from dockyard.defs.partitions.multi import (
    MultiPartitionKey,
    MultiPartitionsDefinition,
    PartitionDimensionDefinition,
    PartitionDimensionKey,
    time_window_for_partition_key_range,
)
from dockyard.defs.partitions.multi_mapping import (
    DimensionPartitionMapping,
    MultiPartitionMapping,
    MultiToSingleDimensionPartitionMapping,
)
from dockyard.defs.partitions.schedule import ScheduleType
from dockyard.defs.partitions.static import StaticPartitionsDefinition
from dockyard.defs.partitions.subset import DefaultPartitionsSubset, PartitionsSubset
from dockyard.defs.partitions.time_mapping import TimeWindowPartitionMapping
from dockyard.defs.partitions.time_subset import TimeWindowPartitionsSubset
from dockyard.defs.partitions.time_window import TimeWindow, TimeWindowPartitionsDefinition
from dockyard.defs.partitions.time_window_shorthands import (
    DailyPartitionsDefinition,
    HourlyPartitionsDefinition,
    MonthlyPartitionsDefinition,
    WeeklyPartitionsDefinition,
)

__all__ = [
    "AddDynamicPartitionsRequest",
    "AllPartitionMapping",
    "DailyPartitionsDefinition",
    "DefaultPartitionsSubset",
    "DeleteDynamicPartitionsRequest",
    "DimensionPartitionMapping",
    "DynamicPartitionsDefinition",
    "DynamicPartitionsStore",
    "HourlyPartitionsDefinition",
    "IdentityPartitionMapping",
    "LastPartitionMapping",
    "MonthlyPartitionsDefinition",
    "MultiPartitionKey",
    "MultiPartitionMapping",
    "MultiPartitionsDefinition",
    "MultiToSingleDimensionPartitionMapping",
    "PartitionDimensionDefinition",
    "PartitionDimensionKey",
    "PartitionKeyRange",
    "PartitionMapping",
    "PartitionsDefinition",
    "PartitionsSubset",
    "ScheduleType",
    "SpecificPartitionsPartitionMapping",
    "StaticPartitionMapping",
    "StaticPartitionsDefinition",
    "TimeWindow",
    "TimeWindowPartitionMapping",
    "TimeWindowPartitionsDefinition",
    "TimeWindowPartitionsSubset",
    "UpstreamPartitionsResult",
    "WeeklyPartitionsDefinition",
    "infer_partition_mapping",
    "time_window_for_partition_key_range",
]
