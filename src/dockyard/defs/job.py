"""Jobs: a graph of ops (``@job``) or a selection of assets (``define_asset_job``) plus the
resources, config and executor to run it with."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from dockyard.defs.graph import GraphDefinition, compose
from dockyard.errors import DagsterInvalidDefinitionError

IMPLICIT_ASSET_JOB_NAME = "__ASSET_JOB"


class JobDefinition:
    """A runnable unit: an op graph or an asset selection, with resources and default config."""

    def __init__(
        self,
        *,
        name: str,
        graph_def: GraphDefinition | None = None,
        resource_defs: Mapping[str, Any] | None = None,
        config: Any = None,
        executor_def: Any = None,
        description: str | None = None,
        tags: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        partitions_def: Any = None,
        asset_layer: Any = None,
        asset_selection: Any = None,
        op_retry_policy: Any = None,
        hooks: Any = None,
        **_ignored: Any,
    ) -> None:
        self.name = name
        self.graph_def = graph_def
        self.resource_defs = dict(resource_defs or {})
        self.run_config_default = config if isinstance(config, Mapping) else None
        self.executor_def = executor_def
        self.description = description
        self.tags = dict(tags or {})
        self.metadata = dict(metadata or {})
        self.partitions_def = partitions_def
        self.asset_layer = asset_layer
        self.asset_selection = asset_selection
        self.op_retry_policy = op_retry_policy
        self._plan_cache: dict[Any, Any] = {}

    @property
    def graph(self) -> GraphDefinition | None:
        return self.graph_def

    @property
    def is_asset_job(self) -> bool:
        return self.asset_layer is not None

    @property
    def op_defs(self) -> list[Any]:
        if self.graph_def is not None:
            return self.graph_def.iterate_op_defs()
        return [a.node_def for a in self.asset_layer.assets_defs] if self.asset_layer else []

    def with_resources(self, resources: Mapping[str, Any]) -> JobDefinition:
        """A copy whose resources are ``resources`` with this job's own on top."""
        clone = object.__new__(JobDefinition)
        clone.__dict__.update(self.__dict__)
        clone.resource_defs = {**dict(resources), **self.resource_defs}
        clone._plan_cache = {}
        return clone

    def execute_in_process(
        self,
        run_config: Any = None,
        instance: Any = None,
        partition_key: str | None = None,
        raise_on_error: bool = True,
        op_selection: Any = None,
        asset_selection: Any = None,
        run_id: str | None = None,
        input_values: Mapping[str, Any] | None = None,
        tags: Mapping[str, str] | None = None,
        resources: Mapping[str, Any] | None = None,
        **_ignored: Any,
    ) -> Any:
        """Run this job in this process and return an ``ExecuteInProcessResult``."""
        from dockyard.execution.run import execute_job_in_process

        return execute_job_in_process(
            self,
            run_config=run_config,
            instance=instance,
            partition_key=partition_key,
            raise_on_error=raise_on_error,
            op_selection=op_selection,
            asset_selection=asset_selection,
            run_id=run_id,
            input_values=input_values,
            tags=tags,
            resources=resources,
        )

    def __repr__(self) -> str:
        return f"<JobDefinition {self.name!r}>"


def job(
    fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    resource_defs: Mapping[str, Any] | None = None,
    config: Any = None,
    tags: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
    executor_def: Any = None,
    partitions_def: Any = None,
    op_retry_policy: Any = None,
    **_ignored: Any,
) -> Any:
    """Define a job by calling ops inside a function body."""

    def wrap(f: Callable[..., Any]) -> JobDefinition:
        job_name = name or f.__name__
        graph_def = compose(f, job_name, description or inspect.getdoc(f))
        jd = JobDefinition(
            name=job_name,
            graph_def=graph_def,
            resource_defs=resource_defs,
            config=config,
            executor_def=executor_def,
            description=description or inspect.getdoc(f),
            tags=tags,
            metadata=metadata,
            partitions_def=partitions_def,
            op_retry_policy=op_retry_policy,
        )
        if resource_defs is not None:
            # Resources given explicitly: missing keys are known now, so fail at decoration.
            from dockyard.execution.plan import check_job_resources

            check_job_resources(jd)
        return jd

    return wrap(fn) if fn is not None else wrap


class UnresolvedAssetJobDefinition:
    """A job over an asset selection, resolved against the assets of a ``Definitions``."""

    def __init__(
        self,
        name: str,
        selection: Any = None,
        config: Any = None,
        description: str | None = None,
        tags: Mapping[str, Any] | None = None,
        partitions_def: Any = None,
        executor_def: Any = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        if not name.isidentifier():
            raise DagsterInvalidDefinitionError(f"Job name {name!r} must be a valid Python identifier.")
        self.name = name
        self.selection = selection
        self.config = config
        self.description = description
        self.tags = dict(tags or {})
        self.partitions_def = partitions_def
        self.executor_def = executor_def
        self.metadata = dict(metadata or {})

    def resolve(self, asset_layer: Any, resource_defs: Mapping[str, Any]) -> JobDefinition:
        return JobDefinition(
            name=self.name,
            asset_layer=asset_layer,
            asset_selection=self.selection,
            resource_defs=resource_defs,
            config=self.config,
            description=self.description,
            tags=self.tags,
            partitions_def=self.partitions_def,
            executor_def=self.executor_def,
            metadata=self.metadata,
        )


def define_asset_job(
    name: str,
    selection: Any = None,
    config: Any = None,
    description: str | None = None,
    tags: Mapping[str, Any] | None = None,
    partitions_def: Any = None,
    executor_def: Any = None,
    metadata: Mapping[str, Any] | None = None,
    **_ignored: Any,
) -> UnresolvedAssetJobDefinition:
    """A job that materializes the selected assets (all of them when ``selection`` is None)."""
    return UnresolvedAssetJobDefinition(
        name, selection, config, description, tags, partitions_def, executor_def, metadata
    )
