"""What the pythonic pickle I/O managers of S3 (``dockyard.aws.s3``), GCS (``dockyard.gcp``) and
Azure (``dockyard.azure``) share: they build their ``ObjectStoreIOManager`` from their fields on first
use and hand every load and store to it.

It imports no cloud library; each integration's own module does.
"""

from __future__ import annotations

from typing import Any

from pydantic import PrivateAttr

from dockyard.io.configurable import ConfigurableIOManager
from dockyard.io.context import InputContext, OutputContext
from dockyard.io.objectstore import ObjectStoreIOManager


class DelegatingPickleIOManager(ConfigurableIOManager):
    """A configurable I/O manager whose work is done by the ``ObjectStoreIOManager`` that
    ``_build_manager`` makes from its fields (once, on first use)."""

    _manager: ObjectStoreIOManager | None = PrivateAttr(default=None)

    def _build_manager(self) -> ObjectStoreIOManager:
        raise NotImplementedError(f"{type(self).__name__} must define _build_manager")

    @property
    def _internal_io_manager(self) -> ObjectStoreIOManager:
        if self._manager is None:
            self._manager = self._build_manager()
        return self._manager

    def load_input(self, context: InputContext) -> Any:
        return self._internal_io_manager.load_input(context)

    def handle_output(self, context: OutputContext, obj: Any) -> None:
        self._internal_io_manager.handle_output(context, obj)
