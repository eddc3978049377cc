"""Google Cloud Storage: ``GCSResource`` / ``gcs_resource`` and the pickle I/O managers."""

from __future__ import annotations

from dockyard.gcp.gcs.io_manager import (
    ConfigurablePickledObjectGCSIOManager,
    GCSPickleIOManager,
    PickledObjectGCSIOManager,
    gcs_pickle_io_manager,
)
from dockyard.gcp.gcs.resources import GCSResource, gcs_resource

__all__ = [
    "ConfigurablePickledObjectGCSIOManager",
    "GCSPickleIOManager",
    "GCSResource",
    "PickledObjectGCSIOManager",
    "gcs_pickle_io_manager",
    "gcs_resource",
]
