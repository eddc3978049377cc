"""Run-time resources: lazy initialisation, dependency order, teardown, ``build_resources``.

:class:`ScopedResources` owns the resources of one run (or one ``build_resources`` block).
A resource is initialised the first time something asks for it, after the resources it
requires; values are cached for the scope and torn down in reverse initialisation order by
:meth:`ScopedResources.close`. Initialisation holds a re-entrant lock, so executors that
run steps on threads see each resource built once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from dockyard.defs.resource import (
    InitResourceContext,
    ResourceDefinition,
    Resources,
    Teardown,
    coerce_to_resource_definition,
    open_resource,
)
from dockyard.errors import (
    DagsterInvalidConfigError,
    DagsterInvalidDefinitionError,
    DagsterUnknownResourceError,
)

__all__ = ["ScopedResources", "build_resources"]


class ScopedResources:
    """The resources of one run, built on first use and torn down by :meth:`close`.

    Args:
        resource_defs: key -> ``ResourceDefinition``, pythonic resource or plain value.
        resources_config: run config ``resources`` section: ``{key: {"config": ...}}``.
        instance: the ``DagsterInstance`` handed to resource functions.
        run_id: the run's id.
        log: a logger-like object for ``InitResourceContext.log``.
        dagster_run: the run record, if any.
    """

    def __init__(
        self,
        resource_defs: Mapping[str, Any],
        resources_config: Mapping[str, Any] | None = None,
        instance: Any = None,
        run_id: str | None = None,
        log: Any = None,
        dagster_run: Any = None,
    ) -> None:
        self._objects: dict[str, Any] = dict(resource_defs)
        self._defs: dict[str, ResourceDefinition] = {}
        self._config_in = resources_config or {}
        self._instance = instance
        self._run_id = run_id
        self._log = log
        self._dagster_run = dagster_run
        self._values: dict[str, Any] = {}
        self._configs: dict[str, Any] = {}
        self._teardowns: list[tuple[str, Teardown]] = []
        self._in_progress: list[str] = []
        self._lock = threading.RLock()
        self._by_identity: dict[int, str] | None = None

    # -- lookups --------------------------------------------------------------------------

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(self._objects)

    def definition(self, key: str) -> ResourceDefinition:
        """The (coerced) definition bound to ``key``."""
        defn = self._defs.get(key)
        if defn is None:
            if key not in self._objects:
                raise DagsterUnknownResourceError(key, sorted(self._objects))
            defn = self._defs[key] = coerce_to_resource_definition(self._objects[key])
        return defn

    def get(self, key: str) -> Any:
        """The value of resource ``key``, initialising it (and its dependencies) if needed."""
        try:
            return self._values[key]
        except KeyError:
            pass
        with self._lock:
            if key not in self._values:
                self._init(key)
            return self._values[key]

    def resource_config(self, key: str) -> Any:
        """The resolved config of resource ``key`` (``None`` when it takes none)."""
        if key not in self._configs:
            with self._lock:
                if key not in self._configs:
                    self._configs[key] = self._resolve_config(key)
        return self._configs[key]

    def namespace(self, keys: Iterable[str] | None = None) -> Resources:
        """An attribute namespace (``context.resources``) over ``keys`` (default: all)."""
        return Resources(self._objects if keys is None else keys, self.get)

    # -- initialisation -------------------------------------------------------------------

    def _resolve_config(self, key: str) -> Any:
        defn = self.definition(key)
        entry = self._config_in.get(key)
        value = None
        if entry is not None:
            if not isinstance(entry, Mapping) or set(entry) - {"config"}:
                raise DagsterInvalidConfigError(
                    f"Error in config for resource '{key}'",
                    [
                        f"Invalid value {entry!r} at path root:resources:{key}: expected a dict "
                        "with the single key 'config', like {'config': {...}}."
                    ],
                    entry,
                )
            value = entry.get("config")
        return defn.resolve_config(value, f"resource '{key}'", f"root:resources:{key}:config")

    def _init(self, key: str) -> None:
        if key in self._in_progress:
            cycle = [*self._in_progress[self._in_progress.index(key) :], key]
            raise DagsterInvalidDefinitionError(
                "Resource dependencies form a cycle: "
                + " -> ".join(repr(k) for k in cycle)
                + ". Remove one of these required_resource_keys."
            )
        defn = self.definition(key)
        self._in_progress.append(key)
        try:
            for dep in sorted(defn.required_resource_keys):
                if dep not in self._objects:
                    raise DagsterInvalidDefinitionError(
                        f"Resource '{key}' requires resource '{dep}', which is not defined. "
                        f"Defined resources: {', '.join(repr(k) for k in sorted(self._objects))}. "
                        "Add it to the resources."
                    )
                if dep not in self._values:
                    self._init(dep)
            context = InitResourceContext(
                resource_config=self.resource_config(key),
                resources=self.namespace(defn.required_resource_keys),
                resource_def=defn,
                instance=self._instance,
                dagster_run=self._dagster_run,
                log_manager=self._log,
                run_id=self._run_id,
            )
            context._nested_lookup = self._find_bound
            value, teardown = open_resource(defn, context, key)
        finally:
            self._in_progress.pop()
        self._values[key] = value
        if teardown is not None:
            self._teardowns.append((key, teardown))

    def _find_bound(self, obj: Any) -> tuple[bool, Any]:
        """``(True, value)`` when ``obj`` itself is bound at a top-level key of this scope."""
        if self._by_identity is None:
            self._by_identity = {id(v): k for k, v in self._objects.items()}
        key = self._by_identity.get(id(obj))
        if key is None:
            return False, None
        return True, self.get(key)

    # -- teardown -------------------------------------------------------------------------

    def close(self, raise_errors: bool = True) -> None:
        """Tear resources down, newest first. Every teardown runs; the first error is raised."""
        with self._lock:
            teardowns, self._teardowns = self._teardowns, []
        first: BaseException | None = None
        for _key, teardown in reversed(teardowns):
            try:
                teardown()
            except Exception as exc:
                if first is None:
                    first = exc
        if first is not None and raise_errors:
            raise first

    def __enter__(self) -> ScopedResources:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.close(raise_errors=exc_type is None)


@contextmanager
def build_resources(
    resources: Mapping[str, Any],
    instance: Any = None,
    resource_config: Mapping[str, Any] | None = None,
    dagster_run: Any = None,
    log_manager: Any = None,
) -> Iterator[Resources]:
    """Initialise ``resources`` outside of a run and yield their namespace.

    Args:
        resources: key -> resource definition, pythonic resource or plain value.
        instance: handed to resource functions as ``context.instance``.
        resource_config: ``{key: {"config": ...}}``, as in run config.

    Example::

        with build_resources({"db": my_db}, resource_config={"db": {"config": {"url": u}}}) as r:
            r.db.query(...)
    """
    scope = ScopedResources(
        resources,
        resources_config=resource_config,
        instance=instance,
        dagster_run=dagster_run,
        log=log_manager,
        run_id=getattr(dagster_run, "run_id", None),
    )
    with scope:
        unknown = set(resource_config or ()) - set(resources)
        if unknown:
            raise DagsterInvalidConfigError(
                "Error in config for resources",
                [
                    f'Received unexpected config entry "{k}" at path root:resources. '
                    f"Expected: {sorted(resources)!r}."
                    for k in sorted(unknown)
                ],
                resource_config,
            )
        for key in resources:
            scope.get(key)
        yield scope.namespace()
