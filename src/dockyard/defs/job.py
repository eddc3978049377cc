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
        if config is not None and not isinstance(config, Mapping) and callable(getattr(config, "to_config_dict", None)):
            config = config.to_config_dict()  # RunConfig
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
            op_selection=self._expand_op_selection(op_selection),
            asset_selection=asset_selection,
            run_id=run_id,
            input_values=input_values,
            tags=tags,
            resources=resources,
        )

    def _expand_op_selection(self, op_selection: Any) -> Any:
        """Op handles for an ``op_selection``: op handles pass through; a graph node's name
        selects its ops; ``*node`` / ``+node`` / ``node+`` / ``node*`` add the upstream /
        downstream top-level nodes (all levels, or one per ``+``), like Dagster."""
        if op_selection is None or self.graph_def is None:
            return op_selection
        items = [op_selection] if isinstance(op_selection, str) else list(op_selection)
        from dockyard.execution.run import get_plan

        plan = get_plan(self)
        if all(item in plan.step_by_key for item in items):
            return items
        # top-level node graph: "g.op" belongs to node "g"
        members: dict[str, list[str]] = {}
        ups: dict[str, set[str]] = {}
        downs: dict[str, set[str]] = {}
        for st in plan.steps:
            top = st.key.split(".", 1)[0]
            members.setdefault(top, []).append(st.key)
            ups.setdefault(top, set())
            downs.setdefault(top, set())
            for u in st.upstream_steps:
                utop = u.split(".", 1)[0]
                if utop != top:
                    ups[top].add(utop)
                    downs.setdefault(utop, set()).add(top)
        chosen: set[str] = set()
        for item in items:
            body = item.strip()
            n_up = len(body) - len(body.lstrip("*+"))
            up_part, body = body[:n_up], body[n_up:]
            n_down = len(body) - len(body.rstrip("*+"))
            down_part, body = body[len(body) - n_down :], body[: len(body) - n_down]
            if body in plan.step_by_key:
                chosen.add(body)
            elif any(k.startswith(body + ".") for k in plan.step_by_key):
                chosen.update(k for k in plan.step_by_key if k.startswith(body + "."))
            else:
                chosen.add(item)  # unknown: the planner reports it with the job's ops
                continue
            for part, graph in ((up_part, ups), (down_part, downs)):
                if not part:
                    continue
                depth = None if "*" in part else len(part)
                seen = {body.split(".", 1)[0]}
                frontier, level = set(seen), 0
                while frontier and (depth is None or level < depth):
                    frontier = {n for k in frontier for n in graph.get(k, ())} - seen
                    seen |= frontier
                    level += 1
                for top in seen - {body.split(".", 1)[0]}:
                    chosen.update(members[top])
        return [st.key for st in plan.steps if st.key in chosen] + sorted(chosen - set(plan.step_by_key))

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
        if self.selection is not None:
            from dockyard.defs.asset_graph import coerce_selection_keys

            try:
                coerce_selection_keys(asset_layer, self.selection)
            except DagsterInvalidDefinitionError as exc:
                raise DagsterInvalidDefinitionError(f"Failed to resolve asset job {self.name!r}: {exc}") from exc
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
