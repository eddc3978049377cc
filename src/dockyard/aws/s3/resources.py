"""``S3Resource`` (boto3 clients and s3fs options from one config) and ``s3_resource``.

The pickle I/O manager reads and writes through s3fs. ``S3Resource.s3fs_options()`` maps the
same fields onto s3fs. ``s3fs_options_from_client`` does the same for a bare boto3 client (the
legacy ``s3`` resource), so both routes reach the same endpoint with the same credentials.

Secrets (``aws_secret_access_key``, ``aws_session_token``) are left out of ``repr``. An
``EnvVar`` is resolved when a run initialises the resource. When ``get_client()`` is called
outside a run, the variable is read at that call.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from dockyard._internal.imports import require_extra
from dockyard.defs.config_schema import EnvVar
from dockyard.defs.configurable import ConfigurableResource
from dockyard.defs.resource import InitResourceContext, resource


def resolve(value: Any) -> Any:
    """An ``EnvVar`` field's current value; any other value as it is."""
    return value.get_value() if isinstance(value, EnvVar) else value


class S3Resource(ConfigurableResource):
    """Access to S3 or an S3-compatible server (SeaweedFS, MinIO, ...).

    ``get_client()`` returns a boto3 S3 client. Credentials default to boto3's chain
    (environment, profile, instance role) when the key fields are unset.
    """

    use_unsigned_session: bool = Field(default=False, description="Send unsigned requests (public buckets).")
    region_name: str | None = Field(default=None, description="AWS region, e.g. 'us-east-1'.")
    endpoint_url: str | None = Field(default=None, description="Endpoint of an S3-compatible server.")
    max_attempts: int = Field(default=5, description="Attempts per request, retries included.")
    profile_name: str | None = Field(default=None, description="Profile from the AWS config files.")
    use_ssl: bool = Field(default=True, description="Use HTTPS.")
    verify: bool | str | None = Field(
        default=None, description="Verify TLS certificates (False, or a CA bundle path)."
    )
    aws_access_key_id: str | None = Field(default=None, description="Access key id.")
    aws_secret_access_key: str | None = Field(default=None, repr=False, description="Secret access key.")
    aws_session_token: str | None = Field(default=None, repr=False, description="Session token.")

    def get_client(self) -> Any:
        """A boto3 S3 client configured from these fields."""
        require_extra("boto3", "aws")
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config as BotoConfig

        config = BotoConfig(
            retries={"max_attempts": self.max_attempts, "mode": "standard"},
            signature_version=UNSIGNED if self.use_unsigned_session else None,
        )
        session = boto3.session.Session(profile_name=resolve(self.profile_name))
        return session.client(
            "s3",
            region_name=resolve(self.region_name),
            endpoint_url=resolve(self.endpoint_url),
            use_ssl=self.use_ssl,
            verify=self.verify,
            aws_access_key_id=resolve(self.aws_access_key_id),
            aws_secret_access_key=resolve(self.aws_secret_access_key),
            aws_session_token=resolve(self.aws_session_token),
            config=config,
        )

    def s3fs_options(self) -> dict[str, Any]:
        """The s3fs ``S3FileSystem`` options for these fields (storage options of ``s3://`` paths)."""
        client_kwargs: dict[str, Any] = {}
        if self.region_name:
            client_kwargs["region_name"] = resolve(self.region_name)
        if self.verify is not None:
            client_kwargs["verify"] = self.verify
        options: dict[str, Any] = {
            "anon": self.use_unsigned_session,
            "key": resolve(self.aws_access_key_id),
            "secret": resolve(self.aws_secret_access_key),
            "token": resolve(self.aws_session_token),
            "profile": resolve(self.profile_name),
            "endpoint_url": resolve(self.endpoint_url),
            "use_ssl": self.use_ssl,
            "client_kwargs": client_kwargs,
            "config_kwargs": {"retries": {"max_attempts": self.max_attempts, "mode": "standard"}},
        }
        return {k: v for k, v in options.items() if v is not None and v != {}}

    def secrets(self) -> tuple[str, ...]:
        """The values to mask in messages."""
        values = (resolve(self.aws_secret_access_key), resolve(self.aws_session_token))
        return tuple(v for v in values if v)


def s3fs_options_from_client(client: Any) -> dict[str, Any]:
    """s3fs options that reach the same endpoint, region and credentials as a boto3 client."""
    from botocore import UNSIGNED

    meta = client.meta
    options: dict[str, Any] = {"endpoint_url": meta.endpoint_url}
    if meta.region_name:
        options["client_kwargs"] = {"region_name": meta.region_name}
    retries = getattr(meta.config, "retries", None)
    if retries:
        options["config_kwargs"] = {"retries": dict(retries)}
    if meta.config.signature_version is UNSIGNED:
        options["anon"] = True
        return options
    # botocore offers no public accessor for a client's credentials; the request signer holds them
    credentials = getattr(getattr(client, "_request_signer", None), "_credentials", None)
    if credentials is not None:
        frozen = credentials.get_frozen_credentials()
        options.update(key=frozen.access_key, secret=frozen.secret_key)
        if frozen.token:
            options["token"] = frozen.token
    return options


@resource(
    config_schema=S3Resource.to_config_schema(),
    description="A boto3 S3 client (superseded by S3Resource).",
)
def s3_resource(context: InitResourceContext) -> Any:
    """A boto3 S3 client configured like ``S3Resource``."""
    return S3Resource.from_resource_context(context).get_client()
