"""``Definitions``: the assets, jobs and resources of a code location, checked together."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from dockyard.defs.asset import AssetsDefinition
from dockyard.defs.asset_graph import AssetLayer
from dockyard.defs.job import IMPLICIT_ASSET_JOB_NAME, JobDefinition, UnresolvedAssetJobDefinition
from dockyard.defs.keys import AssetKey
from dockyard.errors import DagsterInvalidDefinitionError, DagsterInvariantViolationError


class Definitions:
    """A set of assets, jobs, resources and an executor, validated as a whole."""

    def __init__(
        self,
        assets: Iterable[Any] | None = None,
        schedules: Iterable[Any] | None = None,
        sensors: Iterable[Any] | None = None,
        jobs: Iterable[Any] | None = None,
        resources: Mapping[str, Any] | None = None,
        executor: Any = None,
        loggers: Mapping[str, Any] | None = None,
        asset_checks: Iterable[Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        **_ignored: Any,
    ) -> None:
        self.assets = list(assets or [])
        self.schedules = list(schedules or [])
        self.sensors = list(sensors or [])
        self.jobs = list(jobs or [])
        self.resources = dict(resources or {})
        self.executor = executor
        self.loggers = dict(loggers or {})
        self.asset_checks = list(asset_checks or [])
        self.metadata = dict(metadata or {})
        for key in self.resources:
            if not isinstance(key, str) or not key.isidentifier():
                raise DagsterInvalidDefinitionError(
                    f"Resource key {key!r} must be a valid Python identifier (letters, digits and "
                    "underscores, not starting with a digit). Rename it, e.g. 'io_manager'."
                )
        self._layer: AssetLayer | None = None
        self._jobs: dict[str, JobDefinition] | None = None
        # The asset graph is built on first use (like Dagster), so definitions that are only
        # partly valid can still be imported; Definitions.validate_loadable checks everything.
        names: set[str] = set()
        for j in self.jobs:
            if j.name in names:
                raise DagsterInvalidDefinitionError(f"Two jobs are named {j.name!r}; job names must be unique.")
            names.add(j.name)

    # -- assets -----------------------------------------------------------------------------------
    def get_asset_graph(self) -> AssetLayer:
        if self._layer is None:
            self._layer = AssetLayer(self.assets)
        return self._layer

    resolve_asset_graph = get_asset_graph

    def get_assets_def(self, key: Any) -> AssetsDefinition:
        k = AssetKey.from_coercible(key) if not isinstance(key, AssetKey) else key
        layer = self.get_asset_graph()
        if k not in layer.nodes:
            raise DagsterInvariantViolationError(
                f"Could not find asset {k.to_user_string()!r} in these definitions. Defined keys: "
                f"{[n.to_user_string() for n in sorted(layer.nodes)][:20]}."
            )
        node = layer.nodes[k]
        if node.assets_def is None:
            raise DagsterInvalidDefinitionError(f"Asset {k} is external (a spec or source asset), not materializable.")
        return node.assets_def

    def get_all_asset_keys(self) -> list[AssetKey]:
        return sorted(self.get_asset_graph().nodes)

    # -- jobs -------------------------------------------------------------------------------------
    def _resource_defs(self) -> dict[str, Any]:
        return {**self.get_asset_graph().resource_defs, **self.resources}

    def get_implicit_global_asset_job_def(self) -> JobDefinition:
        """The job that materializes every asset of these definitions."""
        jobs = self._resolve_jobs()
        return jobs[IMPLICIT_ASSET_JOB_NAME]

    resolve_implicit_global_asset_job_def = get_implicit_global_asset_job_def

    def _resolve_jobs(self) -> dict[str, JobDefinition]:
        if self._jobs is None:
            layer = self.get_asset_graph()
            res = self._resource_defs()
            jobs: dict[str, JobDefinition] = {
                IMPLICIT_ASSET_JOB_NAME: JobDefinition(
                    name=IMPLICIT_ASSET_JOB_NAME, asset_layer=layer, resource_defs=res, executor_def=self.executor
                )
            }
            for j in self.jobs:
                if isinstance(j, UnresolvedAssetJobDefinition):
                    jd = j.resolve(layer, res)
                    if jd.executor_def is None:
                        jd.executor_def = self.executor
                elif isinstance(j, JobDefinition):
                    jd = j.with_resources(res)
                    if jd.executor_def is None:
                        jd.executor_def = self.executor
                else:
                    raise DagsterInvalidDefinitionError(
                        f"jobs contains {j!r}; pass @job definitions or define_asset_job(...) results."
                    )
                jobs[jd.name] = jd
            self._jobs = jobs
        return self._jobs

    def get_job_def(self, name: str) -> JobDefinition:
        jobs = self._resolve_jobs()
        if name not in jobs:
            known = sorted(n for n in jobs if n != IMPLICIT_ASSET_JOB_NAME)
            raise DagsterInvariantViolationError(
                f"Could not find job {name!r}. Jobs: {known}. Add it to Definitions(jobs=[...])."
            )
        return jobs[name]

    resolve_job_def = get_job_def

    def get_all_job_defs(self) -> list[JobDefinition]:
        return list(self._resolve_jobs().values())

    resolve_all_job_defs = get_all_job_defs

    # -- values -----------------------------------------------------------------------------------
    def get_asset_value_loader(self, instance: Any = None) -> Any:
        from dockyard.execution.value_loader import AssetValueLoader

        return AssetValueLoader.from_definitions(self, instance)

    def load_asset_value(
        self,
        asset_key: Any,
        *,
        python_type: Any = None,
        instance: Any = None,
        partition_key: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        resource_config: Mapping[str, Any] | None = None,
    ) -> Any:
        """Load a stored asset value through its I/O manager, outside any run."""
        with self.get_asset_value_loader(instance) as loader:
            return loader.load_asset_value(
                asset_key, python_type=python_type, partition_key=partition_key,
                input_definition_metadata=metadata, resource_config=resource_config,
            )

    # -- combining --------------------------------------------------------------------------------
    @staticmethod
    def merge(*defs: Definitions) -> Definitions:
        assets: list[Any] = []
        jobs: list[Any] = []
        resources: dict[str, Any] = {}
        schedules: list[Any] = []
        sensors: list[Any] = []
        executor = None
        asset_checks: list[Any] = []
        loggers: dict[str, Any] = {}
        metadata: dict[str, Any] = {}
        for d in defs:
            assets.extend(d.assets)
            asset_checks.extend(d.asset_checks)
            metadata.update(d.metadata)
            _merge_bindings(loggers, d.loggers, "logger")
            jobs.extend(d.jobs)
            schedules.extend(d.schedules)
            sensors.extend(d.sensors)
            _merge_bindings(resources, d.resources, "resource")
            executor = d.executor or executor
        return Definitions(
            assets=assets, jobs=jobs, resources=resources, schedules=schedules, sensors=sensors,
            executor=executor, loggers=loggers, asset_checks=asset_checks, metadata=metadata,
        )

    @staticmethod
    def validate_loadable(defs: Definitions) -> None:
        """Build everything that can fail at load time: jobs, plans, resources, partition mappings."""
        from dockyard.defs.partitions.inference import infer_partition_mapping
        from dockyard.execution.plan import check_resources
        from dockyard.execution.run import get_plan

        layer = defs.get_asset_graph()
        for ad in layer.assets_defs:
            # every dependency: explicit mappings, and the inferred default where none is given
            # (e.g. daily partitions in two different timezones cannot be mapped)
            up_keys = {u for key in ad.specs_by_key for u in layer.upstream_keys(key)} | set(ad.partition_mappings)
            for up_key in sorted(up_keys, key=lambda k: k.path):
                up = layer.nodes.get(up_key)
                if up is None:
                    continue
                mapping = infer_partition_mapping(ad.partition_mappings.get(up_key), ad.partitions_def, up.partitions_def)
                validate = getattr(mapping, "validate_partition_mapping", None)
                if callable(validate):
                    try:
                        validate(up.partitions_def, ad.partitions_def)
                    except Exception as exc:
                        raise DagsterInvalidDefinitionError(
                            f"Invalid partition mapping from {ad.node_def.name} to {up_key.to_user_string()}: {exc}"
                        ) from exc
        for job in defs.get_all_job_defs():
            plan = get_plan(job)
            res = dict(job.resource_defs)
            check_resources(plan, res)


def _merge_bindings(merged: dict[str, Any], more: Mapping[str, Any], kind: str) -> None:
    """Add ``more`` to ``merged``; a key bound to two different objects is an error."""
    for k, v in more.items():
        if k in merged and merged[k] is not v:
            raise DagsterInvariantViolationError(
                f"Definitions.merge: {kind} key {k!r} is bound to different objects in two "
                f"definitions. Bind it once, or give the two {kind}s different keys."
            )
        merged[k] = v


def definitions(fn: Callable[..., Definitions]) -> Callable[..., Definitions]:
    """Mark a function that returns ``Definitions`` (loaded by tools that look for it)."""
    fn._dockyard_definitions = True  # type: ignore[attr-defined]
    return fn
