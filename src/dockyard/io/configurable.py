"""Pythonic (pydantic-configured) I/O managers: ``ConfigurableIOManagerFactory``,
``ConfigurableIOManager``, ``ConfigurableLegacyIOManagerAdapter`` and ``FilesystemIOManager``.

This module imports pydantic, so the package root loads it lazily (``import dockyard`` stays
fast).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from dockyard.defs.configurable import ConfigurableResourceFactory
from dockyard.defs.resource import InitResourceContext, ResourceDefinition
from dockyard.io.base import IOManager, IOManagerDefinition
from dockyard.io.filesystem import PickledObjectFilesystemIOManager


class ConfigurableIOManagerFactory(ConfigurableResourceFactory[Any]):
    """Fields are config; ``create_io_manager(context)`` returns the ``IOManager`` for a run.

    Override the classmethods ``input_config_schema()`` / ``output_config_schema()`` to accept
    per-input / per-output run config.
    """

    _dockyard_is_io_manager_factory: ClassVar[bool] = True

    @abstractmethod
    def create_io_manager(self, context: InitResourceContext) -> Any:
        """The I/O manager for a run."""

    def create_resource(self, context: InitResourceContext) -> Any:
        return self.create_io_manager(context)

    @classmethod
    def input_config_schema(cls) -> Any:
        return None

    @classmethod
    def output_config_schema(cls) -> Any:
        return None

    @classmethod
    def _make_resource_definition(
        cls, resource_fn: Callable[..., Any], config_schema: Any, description: str | None
    ) -> ResourceDefinition:
        return IOManagerDefinition(
            resource_fn,
            config_schema=config_schema,
            description=description,
            input_config_schema=_schema(cls.input_config_schema()),
            output_config_schema=_schema(cls.output_config_schema()),
        )


def _schema(value: Any) -> Any:
    to_schema = getattr(value, "to_config_schema", None)
    return to_schema() if isinstance(value, type) and callable(to_schema) else value


class ConfigurableIOManager(ConfigurableIOManagerFactory, IOManager):
    """An I/O manager whose fields are its config: implement ``handle_output``/``load_input``."""

    def create_io_manager(self, context: InitResourceContext) -> Any:
        return self


class ConfigurableLegacyIOManagerAdapter(ConfigurableIOManagerFactory):
    """Wraps a function-style ``IOManagerDefinition`` behind pydantic fields.

    Subclasses implement the ``wrapped_io_manager`` property; the fields become that
    definition's config.
    """

    @property
    @abstractmethod
    def wrapped_io_manager(self) -> IOManagerDefinition:
        """The definition to build the manager with."""

    def create_io_manager(self, context: InitResourceContext) -> Any:
        with self.yield_for_execution(context) as manager:
            return manager

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator[Any]:
        """Open the wrapped definition with this object's fields as its config; a generator
        definition's teardown runs when the run's resources are closed."""
        from dockyard.defs.resource import open_resource

        defn = self.wrapped_io_manager
        config = {k: v for k, v in self.model_dump().items() if v is not None}
        inner = context._replace(resource_config=defn.resolve_config(config, type(self).__name__))
        value, teardown = open_resource(defn, inner)
        try:
            yield value
        finally:
            if teardown is not None:
                teardown()


class FilesystemIOManager(ConfigurableIOManagerFactory):
    """The default I/O manager: pickles under ``base_dir`` (default: the instance's storage
    directory). Assets go to ``<base_dir>/<asset key path>``, op outputs to
    ``<base_dir>/<run_id>/<step_key>/<output>``."""

    base_dir: str | None = None

    def create_io_manager(self, context: InitResourceContext) -> PickledObjectFilesystemIOManager:
        base = self.base_dir
        if base is None:
            instance = context.instance
            base = instance.storage_directory() if instance is not None else None
        return PickledObjectFilesystemIOManager(base_dir=base)
