"""Pickle I/O managers on Google Cloud Storage: ``PickledObjectGCSIOManager``,
``GCSPickleIOManager`` (pythonic config; older name ``ConfigurablePickledObjectGCSIOManager``)
and ``gcs_pickle_io_manager`` (function style, needs a ``gcs`` resource holding a client).

All of them are ``ObjectStoreIOManager``s over ``gs://<bucket>/<prefix>`` (see
``dockyard.io.objectstore``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from dockyard._internal.imports import require_extra
from dockyard.defs.config import Field as ConfigField
from dockyard.defs.config import StringSource
from dockyard.defs.resource import InitResourceContext
from dockyard.errors import DagsterInvalidConfigError
from dockyard.gcp.gcs.resources import GCSResource, emulator_host, gcsfs_options_from_client
from dockyard.io.base import io_manager
from dockyard.io.objectstore import DEFAULT_PREFIX, ObjectStoreIOManager
from dockyard.io.pickle_managers import DelegatingPickleIOManager


class PickledObjectGCSIOManager(ObjectStoreIOManager):
    """Pickles outputs to ``gs://<bucket>/<prefix>/...``.

    Args:
        bucket: the bucket (it must exist).
        client: a ``google.cloud.storage.Client``; its project and credentials are used.
        prefix: the object name prefix (default ``"dagster"``).
        storage_options: gcsfs options, used instead of ``client``'s.
    """

    def __init__(
        self,
        bucket: str,
        client: Any = None,
        prefix: str = DEFAULT_PREFIX,
        storage_options: Mapping[str, Any] | None = None,
    ) -> None:
        if not bucket or "/" in bucket or "://" in bucket:
            raise DagsterInvalidConfigError(
                f"gcs_bucket must be a bucket name without '/' or a scheme, got {bucket!r}. Put "
                "the object prefix in gcs_prefix."
            )
        if storage_options is None:
            storage_options = gcsfs_options_from_client(client) if client is not None else {}
        require_extra("gcsfs", "gcp")
        from upath import UPath

        self.bucket = bucket
        self.client = client
        prefix = (prefix or "").strip("/")
        url = f"gs://{bucket}/{prefix}" if prefix else f"gs://{bucket}"
        options = dict(storage_options)
        token = options.get("token")
        super().__init__(
            UPath(url, **options),
            store_name="GCS",
            endpoint=options.get("endpoint_url") or emulator_host(),
            secrets=(token,) if isinstance(token, str) and token not in ("anon", "google_default", "cloud", "cache") else (),
        )


class GCSPickleIOManager(DelegatingPickleIOManager):
    """Pickles outputs to Google Cloud Storage under ``gs://<gcs_bucket>/<gcs_prefix>/``."""

    gcs: GCSResource = Field(default_factory=GCSResource, description="The GCS resource (project).")
    gcs_bucket: str = Field(description="GCS bucket to store files")
    gcs_prefix: str = Field(default=DEFAULT_PREFIX, description="Prefix to add to all file paths")

    def _build_manager(self) -> PickledObjectGCSIOManager:
        return PickledObjectGCSIOManager(
            self.gcs_bucket, prefix=self.gcs_prefix, storage_options=self.gcs.gcsfs_options()
        )


ConfigurablePickledObjectGCSIOManager = GCSPickleIOManager


@io_manager(  # type: ignore[untyped-decorator]
    config_schema={
        "gcs_bucket": ConfigField(StringSource, description="The bucket."),
        "gcs_prefix": ConfigField(StringSource, is_required=False, default_value=DEFAULT_PREFIX),
    },
    required_resource_keys={"gcs"},
    description="Pickles outputs to GCS (superseded by GCSPickleIOManager).",
)
def gcs_pickle_io_manager(init_context: InitResourceContext) -> PickledObjectGCSIOManager:
    """Pickle outputs to ``gs://<gcs_bucket>/<gcs_prefix>`` with the client of resource ``gcs``."""
    config = init_context.resource_config
    return PickledObjectGCSIOManager(
        config["gcs_bucket"], init_context.resources.gcs, prefix=config.get("gcs_prefix") or DEFAULT_PREFIX
    )
