"""dockyard: data assets and I/O managers, Dagster-compatible (``import dockyard as dg``).

The public API is ``__all__``. Every name is loaded on first access through ``__getattr__`` from
the module that defines it (the ``_API`` table), so ``import dockyard`` costs almost nothing and a
program (or the CLI) pays only for the parts it uses. This departs from STYLE.md's "explicit
imports" rule on purpose: import time is a product requirement (a tenth of Dagster's), and the
standard library modules the engine needs (``dataclasses`` pulls in ``inspect``) would use most
of that budget. Type checkers read the explicit imports in the ``TYPE_CHECKING`` block; a test
checks the two lists agree and that every name resolves.

The declarations layer lives in ``dockyard.defs`` (not ``dockyard.definitions``), because
``dockyard.definitions`` is the public ``@definitions`` decorator.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dockyard.defs.asset import (
        AssetIn as AssetIn,
    )
    from dockyard.defs.asset import (
        AssetOut as AssetOut,
    )
    from dockyard.defs.asset import (
        AssetsDefinition as AssetsDefinition,
    )
    from dockyard.defs.asset import (
        AssetSpec as AssetSpec,
    )
    from dockyard.defs.asset import (
        SourceAsset as SourceAsset,
    )
    from dockyard.defs.asset import (
        asset as asset,
    )
    from dockyard.defs.asset import (
        graph_asset as graph_asset,
    )
    from dockyard.defs.asset import (
        graph_multi_asset as graph_multi_asset,
    )
    from dockyard.defs.asset import (
        multi_asset as multi_asset,
    )
    from dockyard.defs.config import (
        Any as Any,
    )
    from dockyard.defs.config import (
        Array as Array,
    )
    from dockyard.defs.config import (
        Bool as Bool,
    )
    from dockyard.defs.config import (
        BoolSource as BoolSource,
    )
    from dockyard.defs.config import (
        Enum as Enum,
    )
    from dockyard.defs.config import (
        EnumValue as EnumValue,
    )
    from dockyard.defs.config import (
        EnvVar as EnvVar,
    )
    from dockyard.defs.config import (
        Field as Field,
    )
    from dockyard.defs.config import (
        Float as Float,
    )
    from dockyard.defs.config import (
        Int as Int,
    )
    from dockyard.defs.config import (
        IntSource as IntSource,
    )
    from dockyard.defs.config import (
        Map as Map,
    )
    from dockyard.defs.config import (
        Noneable as Noneable,
    )
    from dockyard.defs.config import (
        Permissive as Permissive,
    )
    from dockyard.defs.config import (
        Selector as Selector,
    )
    from dockyard.defs.config import (
        Shape as Shape,
    )
    from dockyard.defs.config import (
        String as String,
    )
    from dockyard.defs.config import (
        StringSource as StringSource,
    )
    from dockyard.defs.configurable import (
        Config as Config,
    )
    from dockyard.defs.configurable import (
        ConfigurableResource as ConfigurableResource,
    )
    from dockyard.defs.configurable import (
        ConfigurableResourceFactory as ConfigurableResourceFactory,
    )
    from dockyard.defs.configurable import (
        PermissiveConfig as PermissiveConfig,
    )
    from dockyard.defs.configurable import (
        RunConfig as RunConfig,
    )
    from dockyard.defs.container import (
        Definitions as Definitions,
    )
    from dockyard.defs.container import (
        definitions as definitions,
    )
    from dockyard.defs.graph import (
        GraphDefinition as GraphDefinition,
    )
    from dockyard.defs.graph import (
        graph as graph,
    )
    from dockyard.defs.job import (
        JobDefinition as JobDefinition,
    )
    from dockyard.defs.job import (
        define_asset_job as define_asset_job,
    )
    from dockyard.defs.job import (
        job as job,
    )
    from dockyard.defs.keys import (
        AssetKey as AssetKey,
    )
    from dockyard.defs.metadata import (
        BoolMetadataValue as BoolMetadataValue,
    )
    from dockyard.defs.metadata import (
        DagsterAssetMetadataValue as DagsterAssetMetadataValue,
    )
    from dockyard.defs.metadata import (
        DagsterRunMetadataValue as DagsterRunMetadataValue,
    )
    from dockyard.defs.metadata import (
        FloatMetadataValue as FloatMetadataValue,
    )
    from dockyard.defs.metadata import (
        IntMetadataValue as IntMetadataValue,
    )
    from dockyard.defs.metadata import (
        JsonMetadataValue as JsonMetadataValue,
    )
    from dockyard.defs.metadata import (
        MarkdownMetadataValue as MarkdownMetadataValue,
    )
    from dockyard.defs.metadata import (
        MetadataValue as MetadataValue,
    )
    from dockyard.defs.metadata import (
        NullMetadataValue as NullMetadataValue,
    )
    from dockyard.defs.metadata import (
        PathMetadataValue as PathMetadataValue,
    )
    from dockyard.defs.metadata import (
        PythonArtifactMetadataValue as PythonArtifactMetadataValue,
    )
    from dockyard.defs.metadata import (
        TableColumn as TableColumn,
    )
    from dockyard.defs.metadata import (
        TableMetadataValue as TableMetadataValue,
    )
    from dockyard.defs.metadata import (
        TableRecord as TableRecord,
    )
    from dockyard.defs.metadata import (
        TableSchema as TableSchema,
    )
    from dockyard.defs.metadata import (
        TableSchemaMetadataValue as TableSchemaMetadataValue,
    )
    from dockyard.defs.metadata import (
        TextMetadataValue as TextMetadataValue,
    )
    from dockyard.defs.metadata import (
        TimestampMetadataValue as TimestampMetadataValue,
    )
    from dockyard.defs.metadata import (
        UrlMetadataValue as UrlMetadataValue,
    )
    from dockyard.defs.op import (
        DynamicOut as DynamicOut,
    )
    from dockyard.defs.op import (
        In as In,
    )
    from dockyard.defs.op import (
        OpDefinition as OpDefinition,
    )
    from dockyard.defs.op import (
        Out as Out,
    )
    from dockyard.defs.op import (
        op as op,
    )
    from dockyard.defs.partitions import (
        AddDynamicPartitionsRequest as AddDynamicPartitionsRequest,
    )
    from dockyard.defs.partitions import (
        AllPartitionMapping as AllPartitionMapping,
    )
    from dockyard.defs.partitions import (
        DailyPartitionsDefinition as DailyPartitionsDefinition,
    )
    from dockyard.defs.partitions import (
        DeleteDynamicPartitionsRequest as DeleteDynamicPartitionsRequest,
    )
    from dockyard.defs.partitions import (
        DimensionPartitionMapping as DimensionPartitionMapping,
    )
    from dockyard.defs.partitions import (
        DynamicPartitionsDefinition as DynamicPartitionsDefinition,
    )
    from dockyard.defs.partitions import (
        HourlyPartitionsDefinition as HourlyPartitionsDefinition,
    )
    from dockyard.defs.partitions import (
        IdentityPartitionMapping as IdentityPartitionMapping,
    )
    from dockyard.defs.partitions import (
        LastPartitionMapping as LastPartitionMapping,
    )
    from dockyard.defs.partitions import (
        MonthlyPartitionsDefinition as MonthlyPartitionsDefinition,
    )
    from dockyard.defs.partitions import (
        MultiPartitionKey as MultiPartitionKey,
    )
    from dockyard.defs.partitions import (
        MultiPartitionMapping as MultiPartitionMapping,
    )
    from dockyard.defs.partitions import (
        MultiPartitionsDefinition as MultiPartitionsDefinition,
    )
    from dockyard.defs.partitions import (
        MultiToSingleDimensionPartitionMapping as MultiToSingleDimensionPartitionMapping,
    )
    from dockyard.defs.partitions import (
        PartitionKeyRange as PartitionKeyRange,
    )
    from dockyard.defs.partitions import (
        PartitionMapping as PartitionMapping,
    )
    from dockyard.defs.partitions import (
        PartitionsDefinition as PartitionsDefinition,
    )
    from dockyard.defs.partitions import (
        SpecificPartitionsPartitionMapping as SpecificPartitionsPartitionMapping,
    )
    from dockyard.defs.partitions import (
        StaticPartitionMapping as StaticPartitionMapping,
    )
    from dockyard.defs.partitions import (
        StaticPartitionsDefinition as StaticPartitionsDefinition,
    )
    from dockyard.defs.partitions import (
        TimeWindow as TimeWindow,
    )
    from dockyard.defs.partitions import (
        TimeWindowPartitionMapping as TimeWindowPartitionMapping,
    )
    from dockyard.defs.partitions import (
        TimeWindowPartitionsDefinition as TimeWindowPartitionsDefinition,
    )
    from dockyard.defs.partitions import (
        WeeklyPartitionsDefinition as WeeklyPartitionsDefinition,
    )
    from dockyard.defs.resource import (
        InitResourceContext as InitResourceContext,
    )
    from dockyard.defs.resource import (
        ResourceDefinition as ResourceDefinition,
    )
    from dockyard.defs.resource import (
        ResourceParam as ResourceParam,
    )
    from dockyard.defs.resource import (
        build_init_resource_context as build_init_resource_context,
    )
    from dockyard.defs.resource import (
        resource as resource,
    )
    from dockyard.defs.resource import (
        with_resources as with_resources,
    )
    from dockyard.defs.results import (
        AssetMaterialization as AssetMaterialization,
    )
    from dockyard.defs.results import (
        AssetObservation as AssetObservation,
    )
    from dockyard.defs.results import (
        DynamicOutput as DynamicOutput,
    )
    from dockyard.defs.results import (
        MaterializeResult as MaterializeResult,
    )
    from dockyard.defs.results import (
        Output as Output,
    )
    from dockyard.defs.retry import (
        Backoff as Backoff,
    )
    from dockyard.defs.retry import (
        Jitter as Jitter,
    )
    from dockyard.defs.retry import (
        RetryPolicy as RetryPolicy,
    )
    from dockyard.defs.selection import (
        AssetSelection as AssetSelection,
    )
    from dockyard.defs.types import (
        DagsterType as DagsterType,
    )
    from dockyard.defs.types import (
        Nothing as Nothing,
    )
    from dockyard.defs.types import (
        TypeCheck as TypeCheck,
    )
    from dockyard.errors import (
        CheckError as CheckError,
    )
    from dockyard.errors import (
        ChildProcessCrashException as ChildProcessCrashException,
    )
    from dockyard.errors import (
        DagsterError as DagsterError,
    )
    from dockyard.errors import (
        DagsterExecutionHandleOutputError as DagsterExecutionHandleOutputError,
    )
    from dockyard.errors import (
        DagsterExecutionInterruptedError as DagsterExecutionInterruptedError,
    )
    from dockyard.errors import (
        DagsterExecutionLoadInputError as DagsterExecutionLoadInputError,
    )
    from dockyard.errors import (
        DagsterExecutionStepExecutionError as DagsterExecutionStepExecutionError,
    )
    from dockyard.errors import (
        DagsterInvalidConfigError as DagsterInvalidConfigError,
    )
    from dockyard.errors import (
        DagsterInvalidDefinitionError as DagsterInvalidDefinitionError,
    )
    from dockyard.errors import (
        DagsterInvalidInvocationError as DagsterInvalidInvocationError,
    )
    from dockyard.errors import (
        DagsterInvalidMetadata as DagsterInvalidMetadata,
    )
    from dockyard.errors import (
        DagsterInvariantViolationError as DagsterInvariantViolationError,
    )
    from dockyard.errors import (
        DagsterResourceFunctionError as DagsterResourceFunctionError,
    )
    from dockyard.errors import (
        DagsterTypeCheckDidNotPass as DagsterTypeCheckDidNotPass,
    )
    from dockyard.errors import (
        DagsterUnknownPartitionError as DagsterUnknownPartitionError,
    )
    from dockyard.errors import (
        DagsterUnknownResourceError as DagsterUnknownResourceError,
    )
    from dockyard.errors import (
        DagsterUnmetExecutorRequirementsError as DagsterUnmetExecutorRequirementsError,
    )
    from dockyard.errors import (
        DagsterUserCodeExecutionError as DagsterUserCodeExecutionError,
    )
    from dockyard.errors import (
        Failure as Failure,
    )
    from dockyard.errors import (
        RetryRequested as RetryRequested,
    )
    from dockyard.execution.context import (
        AssetExecutionContext as AssetExecutionContext,
    )
    from dockyard.execution.context import (
        OpExecutionContext as OpExecutionContext,
    )
    from dockyard.execution.executors.base import (
        Executor as Executor,
    )
    from dockyard.execution.executors.base import (
        ExecutorDefinition as ExecutorDefinition,
    )
    from dockyard.execution.executors.base import (
        InitExecutorContext as InitExecutorContext,
    )
    from dockyard.execution.executors.base import (
        executor as executor,
    )
    from dockyard.execution.executors.in_process import (
        in_process_executor as in_process_executor,
    )
    from dockyard.execution.executors.multiprocess import (
        multi_or_in_process_executor as multi_or_in_process_executor,
    )
    from dockyard.execution.executors.multiprocess import (
        multiprocess_executor as multiprocess_executor,
    )
    from dockyard.execution.invocation import (
        build_asset_context as build_asset_context,
    )
    from dockyard.execution.invocation import (
        build_op_context as build_op_context,
    )
    from dockyard.execution.job_execution import (
        ExecuteJobResult as ExecuteJobResult,
    )
    from dockyard.execution.job_execution import (
        execute_job as execute_job,
    )
    from dockyard.execution.materialize import (
        materialize as materialize,
    )
    from dockyard.execution.materialize import (
        materialize_to_memory as materialize_to_memory,
    )
    from dockyard.execution.reconstruct import (
        reconstructable as reconstructable,
    )
    from dockyard.execution.reexecution import (
        ReexecutionOptions as ReexecutionOptions,
    )
    from dockyard.execution.reexecution import (
        reexecute_from_failure as reexecute_from_failure,
    )
    from dockyard.execution.resources import (
        build_resources as build_resources,
    )
    from dockyard.execution.result import (
        ExecuteInProcessResult as ExecuteInProcessResult,
    )
    from dockyard.execution.value_loader import (
        AssetValueLoader as AssetValueLoader,
    )
    from dockyard.instance.events import (
        DagsterEvent as DagsterEvent,
    )
    from dockyard.instance.events import (
        DagsterEventType as DagsterEventType,
    )
    from dockyard.instance.events import (
        EventLogEntry as EventLogEntry,
    )
    from dockyard.instance.instance import (
        DagsterInstance as DagsterInstance,
    )
    from dockyard.instance.runs import (
        DagsterRun as DagsterRun,
    )
    from dockyard.instance.runs import (
        DagsterRunStatus as DagsterRunStatus,
    )
    from dockyard.io.base import (
        InputManager as InputManager,
    )
    from dockyard.io.base import (
        InputManagerDefinition as InputManagerDefinition,
    )
    from dockyard.io.base import (
        IOManager as IOManager,
    )
    from dockyard.io.base import (
        IOManagerDefinition as IOManagerDefinition,
    )
    from dockyard.io.base import (
        OutputManager as OutputManager,
    )
    from dockyard.io.base import (
        input_manager as input_manager,
    )
    from dockyard.io.base import (
        io_manager as io_manager,
    )
    from dockyard.io.configurable import (
        ConfigurableIOManager as ConfigurableIOManager,
    )
    from dockyard.io.configurable import (
        ConfigurableIOManagerFactory as ConfigurableIOManagerFactory,
    )
    from dockyard.io.configurable import (
        ConfigurableLegacyIOManagerAdapter as ConfigurableLegacyIOManagerAdapter,
    )
    from dockyard.io.configurable import (
        FilesystemIOManager as FilesystemIOManager,
    )
    from dockyard.io.context import (
        InputContext as InputContext,
    )
    from dockyard.io.context import (
        OutputContext as OutputContext,
    )
    from dockyard.io.context import (
        build_input_context as build_input_context,
    )
    from dockyard.io.context import (
        build_output_context as build_output_context,
    )
    from dockyard.io.file_manager import (
        FileHandle as FileHandle,
    )
    from dockyard.io.file_manager import (
        LocalFileHandle as LocalFileHandle,
    )
    from dockyard.io.file_manager import (
        LocalFileManager as LocalFileManager,
    )
    from dockyard.io.file_manager import (
        local_file_manager as local_file_manager,
    )
    from dockyard.io.filesystem import (
        PickledObjectFilesystemIOManager as PickledObjectFilesystemIOManager,
    )
    from dockyard.io.filesystem import (
        custom_path_fs_io_manager as custom_path_fs_io_manager,
    )
    from dockyard.io.filesystem import (
        fs_io_manager as fs_io_manager,
    )
    from dockyard.io.memory import (
        InMemoryIOManager as InMemoryIOManager,
    )
    from dockyard.io.memory import (
        mem_io_manager as mem_io_manager,
    )
    from dockyard.io.upath import (
        UPathIOManager as UPathIOManager,
    )

# public name -> defining module
_API: dict[str, str] = {
    "AddDynamicPartitionsRequest": "dockyard.defs.partitions",
    "AllPartitionMapping": "dockyard.defs.partitions",
    "Any": "dockyard.defs.config",
    "Array": "dockyard.defs.config",
    "AssetExecutionContext": "dockyard.execution.context",
    "AssetIn": "dockyard.defs.asset",
    "AssetKey": "dockyard.defs.keys",
    "AssetMaterialization": "dockyard.defs.results",
    "AssetObservation": "dockyard.defs.results",
    "AssetOut": "dockyard.defs.asset",
    "AssetSelection": "dockyard.defs.selection",
    "AssetSpec": "dockyard.defs.asset",
    "AssetValueLoader": "dockyard.execution.value_loader",
    "AssetsDefinition": "dockyard.defs.asset",
    "Backoff": "dockyard.defs.retry",
    "Bool": "dockyard.defs.config",
    "BoolMetadataValue": "dockyard.defs.metadata",
    "BoolSource": "dockyard.defs.config",
    "CheckError": "dockyard.errors",
    "ChildProcessCrashException": "dockyard.errors",
    "Config": "dockyard.defs.configurable",
    "ConfigurableIOManager": "dockyard.io.configurable",
    "ConfigurableIOManagerFactory": "dockyard.io.configurable",
    "ConfigurableLegacyIOManagerAdapter": "dockyard.io.configurable",
    "ConfigurableResource": "dockyard.defs.configurable",
    "ConfigurableResourceFactory": "dockyard.defs.configurable",
    "DagsterAssetMetadataValue": "dockyard.defs.metadata",
    "DagsterError": "dockyard.errors",
    "DagsterEvent": "dockyard.instance.events",
    "DagsterEventType": "dockyard.instance.events",
    "DagsterExecutionHandleOutputError": "dockyard.errors",
    "DagsterExecutionInterruptedError": "dockyard.errors",
    "DagsterExecutionLoadInputError": "dockyard.errors",
    "DagsterExecutionStepExecutionError": "dockyard.errors",
    "DagsterInstance": "dockyard.instance.instance",
    "DagsterInvalidConfigError": "dockyard.errors",
    "DagsterInvalidDefinitionError": "dockyard.errors",
    "DagsterInvalidInvocationError": "dockyard.errors",
    "DagsterInvalidMetadata": "dockyard.errors",
    "DagsterInvariantViolationError": "dockyard.errors",
    "DagsterResourceFunctionError": "dockyard.errors",
    "DagsterRun": "dockyard.instance.runs",
    "DagsterRunMetadataValue": "dockyard.defs.metadata",
    "DagsterRunStatus": "dockyard.instance.runs",
    "DagsterType": "dockyard.defs.types",
    "DagsterTypeCheckDidNotPass": "dockyard.errors",
    "DagsterUnknownPartitionError": "dockyard.errors",
    "DagsterUnknownResourceError": "dockyard.errors",
    "DagsterUnmetExecutorRequirementsError": "dockyard.errors",
    "DagsterUserCodeExecutionError": "dockyard.errors",
    "DailyPartitionsDefinition": "dockyard.defs.partitions",
    "Definitions": "dockyard.defs.container",
    "DeleteDynamicPartitionsRequest": "dockyard.defs.partitions",
    "DimensionPartitionMapping": "dockyard.defs.partitions",
    "DynamicOut": "dockyard.defs.op",
    "DynamicOutput": "dockyard.defs.results",
    "DynamicPartitionsDefinition": "dockyard.defs.partitions",
    "Enum": "dockyard.defs.config",
    "EnumValue": "dockyard.defs.config",
    "EnvVar": "dockyard.defs.config",
    "EventLogEntry": "dockyard.instance.events",
    "ExecuteInProcessResult": "dockyard.execution.result",
    "ExecuteJobResult": "dockyard.execution.job_execution",
    "Executor": "dockyard.execution.executors.base",
    "ExecutorDefinition": "dockyard.execution.executors.base",
    "Failure": "dockyard.errors",
    "Field": "dockyard.defs.config",
    "FileHandle": "dockyard.io.file_manager",
    "FilesystemIOManager": "dockyard.io.configurable",
    "Float": "dockyard.defs.config",
    "FloatMetadataValue": "dockyard.defs.metadata",
    "GraphDefinition": "dockyard.defs.graph",
    "HourlyPartitionsDefinition": "dockyard.defs.partitions",
    "IOManager": "dockyard.io.base",
    "IOManagerDefinition": "dockyard.io.base",
    "IdentityPartitionMapping": "dockyard.defs.partitions",
    "In": "dockyard.defs.op",
    "InMemoryIOManager": "dockyard.io.memory",
    "InitExecutorContext": "dockyard.execution.executors.base",
    "InitResourceContext": "dockyard.defs.resource",
    "InputContext": "dockyard.io.context",
    "InputManager": "dockyard.io.base",
    "InputManagerDefinition": "dockyard.io.base",
    "Int": "dockyard.defs.config",
    "IntMetadataValue": "dockyard.defs.metadata",
    "IntSource": "dockyard.defs.config",
    "Jitter": "dockyard.defs.retry",
    "JobDefinition": "dockyard.defs.job",
    "JsonMetadataValue": "dockyard.defs.metadata",
    "LastPartitionMapping": "dockyard.defs.partitions",
    "LocalFileHandle": "dockyard.io.file_manager",
    "LocalFileManager": "dockyard.io.file_manager",
    "Map": "dockyard.defs.config",
    "MarkdownMetadataValue": "dockyard.defs.metadata",
    "MaterializeResult": "dockyard.defs.results",
    "MetadataValue": "dockyard.defs.metadata",
    "MonthlyPartitionsDefinition": "dockyard.defs.partitions",
    "MultiPartitionKey": "dockyard.defs.partitions",
    "MultiPartitionMapping": "dockyard.defs.partitions",
    "MultiPartitionsDefinition": "dockyard.defs.partitions",
    "MultiToSingleDimensionPartitionMapping": "dockyard.defs.partitions",
    "Noneable": "dockyard.defs.config",
    "Nothing": "dockyard.defs.types",
    "NullMetadataValue": "dockyard.defs.metadata",
    "OpDefinition": "dockyard.defs.op",
    "OpExecutionContext": "dockyard.execution.context",
    "Out": "dockyard.defs.op",
    "Output": "dockyard.defs.results",
    "OutputContext": "dockyard.io.context",
    "OutputManager": "dockyard.io.base",
    "PartitionKeyRange": "dockyard.defs.partitions",
    "PartitionMapping": "dockyard.defs.partitions",
    "PartitionsDefinition": "dockyard.defs.partitions",
    "PathMetadataValue": "dockyard.defs.metadata",
    "Permissive": "dockyard.defs.config",
    "PermissiveConfig": "dockyard.defs.configurable",
    "PickledObjectFilesystemIOManager": "dockyard.io.filesystem",
    "PythonArtifactMetadataValue": "dockyard.defs.metadata",
    "ReexecutionOptions": "dockyard.execution.reexecution",
    "ResourceDefinition": "dockyard.defs.resource",
    "RetryPolicy": "dockyard.defs.retry",
    "RetryRequested": "dockyard.errors",
    "Selector": "dockyard.defs.config",
    "Shape": "dockyard.defs.config",
    "SourceAsset": "dockyard.defs.asset",
    "SpecificPartitionsPartitionMapping": "dockyard.defs.partitions",
    "StaticPartitionMapping": "dockyard.defs.partitions",
    "StaticPartitionsDefinition": "dockyard.defs.partitions",
    "String": "dockyard.defs.config",
    "StringSource": "dockyard.defs.config",
    "TableColumn": "dockyard.defs.metadata",
    "TableMetadataValue": "dockyard.defs.metadata",
    "TableRecord": "dockyard.defs.metadata",
    "TableSchema": "dockyard.defs.metadata",
    "TableSchemaMetadataValue": "dockyard.defs.metadata",
    "TextMetadataValue": "dockyard.defs.metadata",
    "TimeWindow": "dockyard.defs.partitions",
    "TimeWindowPartitionMapping": "dockyard.defs.partitions",
    "TimeWindowPartitionsDefinition": "dockyard.defs.partitions",
    "TimestampMetadataValue": "dockyard.defs.metadata",
    "TypeCheck": "dockyard.defs.types",
    "UPathIOManager": "dockyard.io.upath",
    "UrlMetadataValue": "dockyard.defs.metadata",
    "WeeklyPartitionsDefinition": "dockyard.defs.partitions",
    "asset": "dockyard.defs.asset",
    "build_asset_context": "dockyard.execution.invocation",
    "build_init_resource_context": "dockyard.defs.resource",
    "build_input_context": "dockyard.io.context",
    "build_op_context": "dockyard.execution.invocation",
    "build_output_context": "dockyard.io.context",
    "build_resources": "dockyard.execution.resources",
    "define_asset_job": "dockyard.defs.job",
    "definitions": "dockyard.defs.container",
    "execute_job": "dockyard.execution.job_execution",
    "executor": "dockyard.execution.executors.base",
    "custom_path_fs_io_manager": "dockyard.io.filesystem",
    "fs_io_manager": "dockyard.io.filesystem",
    "graph": "dockyard.defs.graph",
    "graph_asset": "dockyard.defs.asset",
    "RunConfig": "dockyard.defs.configurable",
    "ResourceParam": "dockyard.defs.resource",
    "with_resources": "dockyard.defs.resource",
    "graph_multi_asset": "dockyard.defs.asset",
    "in_process_executor": "dockyard.execution.executors.in_process",
    "input_manager": "dockyard.io.base",
    "io_manager": "dockyard.io.base",
    "job": "dockyard.defs.job",
    "local_file_manager": "dockyard.io.file_manager",
    "materialize": "dockyard.execution.materialize",
    "materialize_to_memory": "dockyard.execution.materialize",
    "mem_io_manager": "dockyard.io.memory",
    "multi_asset": "dockyard.defs.asset",
    "multi_or_in_process_executor": "dockyard.execution.executors.multiprocess",
    "multiprocess_executor": "dockyard.execution.executors.multiprocess",
    "op": "dockyard.defs.op",
    "reconstructable": "dockyard.execution.reconstruct",
    "reexecute_from_failure": "dockyard.execution.reexecution",
    "resource": "dockyard.defs.resource",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> object:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'dockyard' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(__all__) | set(globals()))
