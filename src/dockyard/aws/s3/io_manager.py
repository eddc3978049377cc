"""Pickle I/O managers on S3: ``PickledObjectS3IOManager`` (the manager itself),
``S3PickleIOManager`` (pythonic config) with its older name ``ConfigurablePickledObjectS3IOManager``,
and ``s3_pickle_io_manager`` (function style, needs an ``s3`` resource holding a boto3 client).

All of them are ``ObjectStoreIOManager``s over ``s3://<bucket>/<prefix>``: see
``dockyard.io.objectstore`` for the layout, whole-object writes and error messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from dockyard._internal.imports import require_extra
from dockyard.aws.s3.resources import S3Resource, s3fs_options_from_client
from dockyard.defs.config import Field as ConfigField
from dockyard.defs.config import StringSource
from dockyard.defs.resource import InitResourceContext
from dockyard.errors import DagsterInvalidConfigError
from dockyard.io.base import io_manager
from dockyard.io.objectstore import DEFAULT_PREFIX, ObjectStoreIOManager
from dockyard.io.pickle_managers import DelegatingPickleIOManager


def _s3_path(bucket: str, prefix: str | None, options: Mapping[str, Any]) -> Any:
    require_extra("s3fs", "aws")
    from upath import UPath

    if not bucket or "/" in bucket or "://" in bucket:
        raise DagsterInvalidConfigError(
            f"s3_bucket must be a bucket name without '/' or a scheme, got {bucket!r}. Put the key "
            "prefix in s3_prefix, e.g. s3_bucket='my-bucket', s3_prefix='dagster'."
        )
    url = f"s3://{bucket}/{prefix.strip('/')}" if prefix and prefix.strip("/") else f"s3://{bucket}"
    return UPath(url, **options)


class PickledObjectS3IOManager(ObjectStoreIOManager):
    """Pickles outputs to ``s3://<s3_bucket>/<s3_prefix>/...``.

    Args:
        s3_bucket: the bucket (it must exist).
        s3_session: a boto3 S3 client; its endpoint, region and credentials are used.
        s3_prefix: the key prefix (none: the bucket root).
        storage_options: s3fs options, used instead of ``s3_session``'s.
    """

    def __init__(
        self,
        s3_bucket: str,
        s3_session: Any = None,
        s3_prefix: str | None = None,
        storage_options: Mapping[str, Any] | None = None,
        secrets: tuple[str, ...] = (),
    ) -> None:
        if storage_options is None:
            storage_options = s3fs_options_from_client(s3_session) if s3_session is not None else {}
        options = dict(storage_options)
        self.bucket = s3_bucket
        self.s3 = s3_session
        super().__init__(
            _s3_path(s3_bucket, s3_prefix, options),
            store_name="S3",
            endpoint=options.get("endpoint_url"),
            secrets=(*secrets, options.get("secret"), options.get("token")),
        )


class S3PickleIOManager(DelegatingPickleIOManager):
    """Pickles outputs to S3 under ``s3://<s3_bucket>/<s3_prefix>/``.

    Example::

        S3PickleIOManager(s3_resource=S3Resource(endpoint_url=...), s3_bucket="my-bucket")
    """

    s3_resource: S3Resource = Field(
        default_factory=S3Resource, description="Where and as whom to connect (default: boto3's chain)."
    )
    s3_bucket: str = Field(description="S3 bucket to use for the file manager.")
    s3_prefix: str = Field(default=DEFAULT_PREFIX, description="Prefix to use for the S3 bucket for this file manager.")

    def _build_manager(self) -> PickledObjectS3IOManager:
        return PickledObjectS3IOManager(
            self.s3_bucket,
            s3_prefix=self.s3_prefix,
            storage_options=self.s3_resource.s3fs_options(),
            secrets=self.s3_resource.secrets(),
        )


ConfigurablePickledObjectS3IOManager = S3PickleIOManager


@io_manager(  # type: ignore[untyped-decorator]
    config_schema={
        "s3_bucket": ConfigField(StringSource, description="The bucket."),
        "s3_prefix": ConfigField(StringSource, is_required=False, default_value=DEFAULT_PREFIX),
    },
    required_resource_keys={"s3"},
    description="Pickles outputs to S3 (superseded by S3PickleIOManager).",
)
def s3_pickle_io_manager(init_context: InitResourceContext) -> PickledObjectS3IOManager:
    """Pickle outputs to ``s3://<s3_bucket>/<s3_prefix>`` with the boto3 client of resource ``s3``."""
    config = init_context.resource_config
    return PickledObjectS3IOManager(
        config["s3_bucket"], init_context.resources.s3, s3_prefix=config.get("s3_prefix")
    )
