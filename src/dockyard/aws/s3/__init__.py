"""S3: ``S3Resource`` / ``s3_resource`` and the pickle I/O managers (``dagster_aws.s3`` names)."""

from __future__ import annotations

from dockyard.aws.s3.io_manager import (
    ConfigurablePickledObjectS3IOManager,
    PickledObjectS3IOManager,
    S3PickleIOManager,
    s3_pickle_io_manager,
)
from dockyard.aws.s3.resources import S3Resource, s3_resource

__all__ = [
    "ConfigurablePickledObjectS3IOManager",
    "PickledObjectS3IOManager",
    "S3PickleIOManager",
    "S3Resource",
    "s3_pickle_io_manager",
    "s3_resource",
]
