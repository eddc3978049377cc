"""Google Cloud backends (``dagster_gcp`` names). GCS lives in ``dockyard.gcp.gcs`` and its
public names are re-exported here, as ``dagster_gcp`` does.

Needs the ``gcp`` extra (gcsfs, google-cloud-storage): ``pip install 'dockyard[gcp]'``.
"""

from __future__ import annotations

from dockyard.gcp.gcs import (
    ConfigurablePickledObjectGCSIOManager,
    GCSPickleIOManager,
    GCSResource,
    PickledObjectGCSIOManager,
    gcs_pickle_io_manager,
    gcs_resource,
)

__all__ = [
    "ConfigurablePickledObjectGCSIOManager",
    "GCSPickleIOManager",
    "GCSResource",
    "PickledObjectGCSIOManager",
    "gcs_pickle_io_manager",
    "gcs_resource",
]
