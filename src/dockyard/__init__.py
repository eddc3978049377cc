"""dockyard: data assets and I/O managers, Dagster-compatible (``import dockyard as dg``).

The public API is listed in ``__all__``. Names whose modules import heavy libraries (pydantic
for the pythonic config classes, universal-pathlib for ``UPathIOManager``) are loaded on first
access through ``__getattr__``, so ``import dockyard`` stays fast; everything else is imported
here explicitly.
"""

from __future__ import annotations

import importlib

from dockyard.definitions.asset import AssetIn, AssetOut, AssetsDefinition, AssetSpec, SourceAsset, asset, multi_asset
from dockyard.definitions.config import (
    Any,
    Array,
    Bool,
    BoolSource,
    Enum,
    EnumValue,
    EnvVar,
    Field,
    Float,
    Int,
    IntSource,
    Map,
    Noneable,
    Permissive,
    Selector,
    Shape,
    String,
    StringSource,
)
from dockyard.definitions.container import Definitions, definitions
from dockyard.definitions.graph import GraphDefinition, graph
from dockyard.definitions.job import JobDefinition, define_asset_job, job
from dockyard.definitions.keys import AssetKey
from dockyard.definitions.metadata import (
    BoolMetadataValue,
    DagsterAssetMetadataValue,
    DagsterRunMetadataValue,
    FloatMetadataValue,
    IntMetadataValue,
    JsonMetadataValue,
    MarkdownMetadataValue,
    MetadataValue,
    NullMetadataValue,
    PathMetadataValue,
    PythonArtifactMetadataValue,
    TableColumn,
    TableMetadataValue,
    TableRecord,
    TableSchema,
    TableSchemaMetadataValue,
    TextMetadataValue,
    TimestampMetadataValue,
    UrlMetadataValue,
)
from dockyard.definitions.op import DynamicOut, In, OpDefinition, Out, op
from dockyard.definitions.resource import (
    InitResourceContext,
    ResourceDefinition,
    build_init_resource_context,
    resource,
)
from dockyard.definitions.results import (
    AssetMaterialization,
    AssetObservation,
    DynamicOutput,
    MaterializeResult,
    Output,
)
from dockyard.definitions.selection import AssetSelection
from dockyard.definitions.types import DagsterType, Nothing, TypeCheck
from dockyard.errors import (
    CheckError,
    ChildProcessCrashException,
    DagsterError,
    DagsterExecutionHandleOutputError,
    DagsterExecutionInterruptedError,
    DagsterExecutionLoadInputError,
    DagsterExecutionStepExecutionError,
    DagsterInvalidConfigError,
    DagsterInvalidDefinitionError,
    DagsterInvalidInvocationError,
    DagsterInvalidMetadata,
    DagsterInvariantViolationError,
    DagsterResourceFunctionError,
    DagsterTypeCheckDidNotPass,
    DagsterUnknownPartitionError,
    DagsterUnknownResourceError,
    DagsterUnmetExecutorRequirementsError,
    DagsterUserCodeExecutionError,
    Failure,
    RetryRequested,
)
from dockyard.execution.context import AssetExecutionContext, OpExecutionContext
from dockyard.execution.invocation import build_asset_context, build_op_context
from dockyard.execution.materialize import materialize, materialize_to_memory
from dockyard.execution.resources import build_resources
from dockyard.execution.result import ExecuteInProcessResult
from dockyard.execution.value_loader import AssetValueLoader
from dockyard.instance.events import DagsterEvent, DagsterEventType, EventLogEntry
from dockyard.instance.instance import DagsterInstance
from dockyard.instance.runs import DagsterRun, DagsterRunStatus
from dockyard.io.base import (
    InputManager,
    InputManagerDefinition,
    IOManager,
    IOManagerDefinition,
    OutputManager,
    input_manager,
    io_manager,
)
from dockyard.io.context import InputContext, OutputContext, build_input_context, build_output_context
from dockyard.io.file_manager import FileHandle, LocalFileHandle, LocalFileManager, local_file_manager
from dockyard.io.filesystem import PickledObjectFilesystemIOManager, fs_io_manager
from dockyard.io.memory import InMemoryIOManager, mem_io_manager

# name -> module, imported on first attribute access (see the module docstring)
_LAZY = {
    "Config": "dockyard.definitions.configurable",
    "PermissiveConfig": "dockyard.definitions.configurable",
    "ConfigurableResource": "dockyard.definitions.configurable",
    "ConfigurableResourceFactory": "dockyard.definitions.configurable",
    "ConfigurableIOManager": "dockyard.io.configurable",
    "ConfigurableIOManagerFactory": "dockyard.io.configurable",
    "ConfigurableLegacyIOManagerAdapter": "dockyard.io.configurable",
    "FilesystemIOManager": "dockyard.io.configurable",
    "UPathIOManager": "dockyard.io.upath",
    "Backoff": "dockyard.definitions.retry",
    "Jitter": "dockyard.definitions.retry",
    "RetryPolicy": "dockyard.definitions.retry",
    "Executor": "dockyard.execution.executors.base",
    "ExecutorDefinition": "dockyard.execution.executors.base",
    "InitExecutorContext": "dockyard.execution.executors.base",
    "executor": "dockyard.execution.executors.base",
    "in_process_executor": "dockyard.execution.executors.in_process",
    "multiprocess_executor": "dockyard.execution.executors.multiprocess",
    "multi_or_in_process_executor": "dockyard.execution.executors.multiprocess",
    "reconstructable": "dockyard.execution.reconstruct",
    "ExecuteJobResult": "dockyard.execution.job_execution",
    "execute_job": "dockyard.execution.job_execution",
    "ReexecutionOptions": "dockyard.execution.reexecution",
    "reexecute_from_failure": "dockyard.execution.reexecution",
    "AddDynamicPartitionsRequest": "dockyard.definitions.partitions",
    "AllPartitionMapping": "dockyard.definitions.partitions",
    "DailyPartitionsDefinition": "dockyard.definitions.partitions",
    "DeleteDynamicPartitionsRequest": "dockyard.definitions.partitions",
    "DimensionPartitionMapping": "dockyard.definitions.partitions",
    "DynamicPartitionsDefinition": "dockyard.definitions.partitions",
    "HourlyPartitionsDefinition": "dockyard.definitions.partitions",
    "IdentityPartitionMapping": "dockyard.definitions.partitions",
    "LastPartitionMapping": "dockyard.definitions.partitions",
    "MonthlyPartitionsDefinition": "dockyard.definitions.partitions",
    "MultiPartitionKey": "dockyard.definitions.partitions",
    "MultiPartitionMapping": "dockyard.definitions.partitions",
    "MultiPartitionsDefinition": "dockyard.definitions.partitions",
    "MultiToSingleDimensionPartitionMapping": "dockyard.definitions.partitions",
    "PartitionKeyRange": "dockyard.definitions.partitions",
    "PartitionMapping": "dockyard.definitions.partitions",
    "PartitionsDefinition": "dockyard.definitions.partitions",
    "SpecificPartitionsPartitionMapping": "dockyard.definitions.partitions",
    "StaticPartitionMapping": "dockyard.definitions.partitions",
    "StaticPartitionsDefinition": "dockyard.definitions.partitions",
    "TimeWindow": "dockyard.definitions.partitions",
    "TimeWindowPartitionMapping": "dockyard.definitions.partitions",
    "TimeWindowPartitionsDefinition": "dockyard.definitions.partitions",
    "WeeklyPartitionsDefinition": "dockyard.definitions.partitions",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dockyard' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = sorted(
    [n for n in dir() if not n.startswith("_") and n not in ("annotations", "importlib")] + list(_LAZY)
)
