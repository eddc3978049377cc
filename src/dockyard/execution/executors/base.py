"""Executors: what runs the steps of a run once it is planned.

``ExecutorDefinition`` is the declaration users pass to ``@job(executor_def=...)`` or
``Definitions(executor=...)``; its creation function turns validated config (run config
``execution: {config: ...}``) into an ``Executor``, whose ``execute`` drives the steps of one
``ActiveRun``. Built-in definitions: ``in_process_executor``, ``multiprocess_executor``,
``multi_or_in_process_executor`` (the default for ``execute_job``) and ``dockyard.dask.dask_executor``.

An executor whose steps run in other processes declares ``uses_multiple_processes``; such runs
are refused before they start when an output lives on an in-memory I/O manager or when the
instance is ephemeral (other processes could not see either).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from dockyard.errors import DagsterInvalidDefinitionError, DagsterUnmetExecutorRequirementsError

if TYPE_CHECKING:
    from dockyard.execution.active_run import ActiveRun
    from dockyard.execution.plan import ExecutionPlan

PERSISTENT_MANAGERS_HINT = (
    "FilesystemIOManager / fs_io_manager (a directory every process can reach), a UPathIOManager on "
    "object storage (s3://, gs://, az://), or a database I/O manager such as DuckDBPandasIOManager"
)


class Executor(ABC):
    """Runs the steps of one run: in this process, in worker processes, or on a cluster."""

    #: steps run in other processes: outputs must be persistent and the instance shared
    uses_multiple_processes: bool = False
    #: whether retry policies and ``RetryRequested`` are honoured
    retries_enabled: bool = True

    @abstractmethod
    def execute(self, run: ActiveRun) -> None:
        """Run every step ``run`` selects, recording events through ``run``; return when done."""


class InitExecutorContext:
    """What an executor creation function receives."""

    def __init__(self, job: Any, executor_def: ExecutorDefinition, executor_config: Any, instance: Any = None) -> None:
        self.job = job
        self.executor_def = executor_def
        self.executor_config = executor_config
        self.instance = instance


class ExecutorDefinition:
    """A named executor with a config schema; ``executor_creation_fn(InitExecutorContext)`` builds it.

    Args:
        name: shown in messages and used by ``multi_or_in_process``-style selectors.
        config_schema: schema of run config ``execution: {config: ...}``.
        executor_creation_fn: ``InitExecutorContext -> Executor``.
        description: shown in tooling.
    """

    def __init__(
        self,
        name: str,
        config_schema: Any = None,
        executor_creation_fn: Callable[[InitExecutorContext], Executor] | None = None,
        description: str | None = None,
        requirements: Any = None,
    ) -> None:
        if executor_creation_fn is None:
            raise DagsterInvalidDefinitionError(f"Executor {name!r} needs an executor_creation_fn.")
        self.name = name
        self.config_schema = config_schema
        self.executor_creation_fn = executor_creation_fn
        self.description = description
        self.requirements = requirements
        self._preset: Mapping[str, Any] | None = None

    @property
    def config_type(self) -> Any:
        from dockyard.defs.config import as_config_type

        return as_config_type(self.config_schema)

    def configured(self, config: Mapping[str, Any], name: str | None = None) -> ExecutorDefinition:
        """A copy whose config defaults to ``config`` (run config still overrides it)."""
        clone = ExecutorDefinition(name or self.name, self.config_schema, self.executor_creation_fn, self.description, self.requirements)
        clone._preset = dict(config)
        return clone

    def create(self, job: Any, run_config_execution: Any, instance: Any = None) -> Executor:
        """Validate the ``execution`` section of a run config and build the executor."""
        from dockyard.defs.config import validate_config

        section = run_config_execution or {}
        if not isinstance(section, Mapping) or set(section) - {"config"}:
            from dockyard.errors import DagsterInvalidConfigError

            raise DagsterInvalidConfigError(
                f"Error in config for executor {self.name!r}",
                [f"Invalid value {section!r} at path root:execution: expected {{'config': {{...}}}} for executor {self.name!r}."],
                section,
            )
        given = section.get("config")
        if self._preset is not None:
            given = _merge(self._preset, given) if isinstance(given, Mapping) or given is None else given
        config = validate_config(self.config_type, given, f"executor {self.name!r}", "root:execution:config")
        return self.executor_creation_fn(InitExecutorContext(job, self, config, instance))

    def __repr__(self) -> str:
        return f"<ExecutorDefinition {self.name!r}>"


def _merge(base: Mapping[str, Any], over: Mapping[str, Any] | None) -> dict[str, Any]:
    out = dict(base)
    for k, v in (over or {}).items():
        out[k] = _merge(out[k], v) if isinstance(v, Mapping) and isinstance(out.get(k), Mapping) else v
    return out


def executor(
    name: Any = None,
    config_schema: Any = None,
    requirements: Any = None,
) -> Any:
    """Define an executor from a function ``InitExecutorContext -> Executor``.

    Usable bare (``@executor``) or with arguments (``@executor(name=..., config_schema=...)``).
    """

    def wrap(fn: Callable[[InitExecutorContext], Executor]) -> ExecutorDefinition:
        return ExecutorDefinition(
            name if isinstance(name, str) else fn.__name__, config_schema, fn, fn.__doc__, requirements
        )

    if callable(name):
        fn, name = name, None
        return wrap(fn)
    return wrap


def resolve_executor(job: Any, run_config: Mapping[str, Any], instance: Any = None) -> Executor:
    """The executor of a run: the job's ``executor_def`` (else ``multi_or_in_process_executor``)
    configured by run config ``execution``."""
    executor_def = job.executor_def
    if executor_def is None:
        from dockyard.execution.executors.multiprocess import multi_or_in_process_executor

        executor_def = multi_or_in_process_executor
    if isinstance(executor_def, Executor):
        return executor_def
    if not isinstance(executor_def, ExecutorDefinition):
        raise DagsterInvalidDefinitionError(
            f"Job {job.name!r} has executor_def={executor_def!r}; expected an ExecutorDefinition such as "
            "in_process_executor, multiprocess_executor or dockyard.dask.dask_executor."
        )
    return executor_def.create(job, run_config.get("execution"), instance)


# -- requirements -------------------------------------------------------------------------------


def _is_in_memory(obj: Any) -> bool:
    from dockyard.io.memory import InMemoryIOManager

    return bool(getattr(obj, "_dockyard_in_memory", False)) or isinstance(obj, InMemoryIOManager)


def check_executor_requirements(
    executor_obj: Executor, plan: ExecutionPlan, resource_objects: Mapping[str, Any], instance: Any,
    steps_to_execute: Any = None, launch: Any = None,
) -> None:
    """Refuse, before the run starts, what an executor running steps elsewhere cannot do."""
    if not executor_obj.uses_multiple_processes:
        return
    name = type(executor_obj).__name__
    if launch is None:
        raise DagsterUnmetExecutorRequirementsError(
            f"The {name} runs steps in other processes, which import the job from its code; it needs to "
            "know where that code is. Use execute_job(reconstructable(job_or_definitions), instance), "
            "pass a code pointer ('module:attr' or 'file.py:attr'), or run the job from the CLI."
        )
    in_memory: list[str] = []
    for step in plan.steps:
        if steps_to_execute is not None and step.key not in steps_to_execute:
            continue
        for o in step.outputs:
            if not o.output_def.is_nothing and _is_in_memory(resource_objects.get(o.manager_key)):
                in_memory.append(f"output '{o.name}' of op '{step.key}' (I/O manager '{o.manager_key}')")
    if in_memory:
        raise DagsterUnmetExecutorRequirementsError(
            "You have attempted to use an executor that uses multiple processes, but your job includes op "
            "outputs that will not be stored somewhere where other processes can retrieve them. Please use "
            f"a persistent IO manager for these outputs. The {name} cannot run "
            f"{', '.join(in_memory)}: they are on mem_io_manager/InMemoryIOManager. Bind those keys to "
            f"{PERSISTENT_MANAGERS_HINT}, or use in_process_executor."
        )
    if instance is None or getattr(instance, "is_ephemeral", False):
        raise DagsterUnmetExecutorRequirementsError(
            f"The {name} runs steps in other processes, which cannot see an ephemeral DagsterInstance "
            f"(got {instance!r}). Pass a persistent one: DagsterInstance.get() (uses $DOCKYARD_HOME) or "
            "DagsterInstance.from_home(path)."
        )
