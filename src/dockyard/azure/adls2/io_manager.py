"""Pickle I/O managers on Azure storage: ``PickledObjectADLS2IOManager``,
``ADLS2PickleIOManager`` (pythonic config; older name ``ConfigurablePickledObjectADLS2IOManager``)
and ``adls2_pickle_io_manager`` (function style, needs an ``adls2`` resource).

All of them are ``ObjectStoreIOManager``s over ``az://<file system>/<prefix>`` through adlfs and
the Blob API (see ``dockyard.io.objectstore``). A whole-blob upload is atomic (one Put Blob,
or staged blocks committed in one call), so, unlike Dagster's, no lease is taken while writing.
``lease_duration`` is accepted for compatibility and unused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field

from dockyard._internal.imports import require_extra
from dockyard.azure.adls2.resources import ADLS2Resource, adlfs_options_from_blob_client
from dockyard.defs.config import Field as ConfigField
from dockyard.defs.config import IntSource, StringSource
from dockyard.defs.resource import InitResourceContext
from dockyard.errors import DagsterInvalidConfigError
from dockyard.io.base import io_manager
from dockyard.io.objectstore import DEFAULT_PREFIX, ObjectStoreIOManager
from dockyard.io.pickle_managers import DelegatingPickleIOManager


def _blob_endpoint(options: Mapping[str, Any]) -> str | None:
    conn = options.get("connection_string")
    if conn:
        for part in conn.split(";"):
            name, _, value = part.partition("=")
            if name.strip().lower() == "blobendpoint":
                return str(value)
        return None
    host = options.get("account_host") or (
        f"{options['account_name']}.blob.core.windows.net" if options.get("account_name") else None
    )
    return f"https://{host}" if host else None


class PickledObjectADLS2IOManager(ObjectStoreIOManager):
    """Pickles outputs to ``az://<file_system>/<prefix>/...`` (the container of that name).

    Args:
        file_system: the ADLS2 file system, i.e. the blob container (it must exist).
        adls2_client: accepted for compatibility; storage goes through the Blob API.
        blob_client: a ``BlobServiceClient``; its account, endpoint and key or SAS are used.
        lease_client_constructor: accepted for compatibility, unused.
        prefix: the path prefix (default ``"dagster"``).
        lease_duration: accepted for compatibility, unused.
        storage_options: adlfs options, used instead of ``blob_client``'s.
        secrets: values to mask in messages.
    """

    def __init__(
        self,
        file_system: str,
        adls2_client: Any = None,
        blob_client: Any = None,
        lease_client_constructor: Any = None,
        prefix: str = DEFAULT_PREFIX,
        lease_duration: int = 60,
        storage_options: Mapping[str, Any] | None = None,
        secrets: tuple[str, ...] = (),
    ) -> None:
        if not file_system or "/" in file_system or "://" in file_system:
            raise DagsterInvalidConfigError(
                f"adls2_file_system must be a container name without '/' or a scheme, got "
                f"{file_system!r}. Put the path prefix in adls2_prefix."
            )
        if storage_options is None:
            if blob_client is None:
                raise DagsterInvalidConfigError(
                    "PickledObjectADLS2IOManager needs a blob_client or storage_options. Use "
                    "ADLS2PickleIOManager(adls2=ADLS2Resource(...), adls2_file_system=...)."
                )
            storage_options = adlfs_options_from_blob_client(blob_client)
        require_extra("adlfs", "azure")
        from upath import UPath

        self.file_system = file_system
        self.adls2_client = adls2_client
        self.blob_client = blob_client
        self.lease_duration = lease_duration
        options = dict(storage_options)
        prefix = (prefix or "").strip("/")
        url = f"az://{file_system}/{prefix}" if prefix else f"az://{file_system}"
        conn = options.get("connection_string")
        hidden = [options.get("account_key"), options.get("sas_token"), conn, *secrets]
        if conn:  # the key or SAS inside the connection string too
            hidden += [p.partition("=")[2] for p in conn.split(";") if p.lower().startswith(("accountkey=", "sharedaccesssignature="))]
        endpoint = _blob_endpoint(options)
        super().__init__(
            UPath(url, **options),
            store_name="Azure Blob Storage",
            endpoint=urlsplit(endpoint)._replace(query="").geturl() if endpoint else None,
            secrets=hidden,
        )


class ADLS2PickleIOManager(DelegatingPickleIOManager):
    """Pickles outputs to Azure storage under ``az://<adls2_file_system>/<adls2_prefix>/``."""

    adls2: ADLS2Resource = Field(description="The storage account and its credentials.")
    adls2_file_system: str = Field(description="ADLS Gen2 file system name.")
    adls2_prefix: str = Field(default=DEFAULT_PREFIX, description="ADLS Gen2 file system prefix to write to.")
    lease_duration: int = Field(default=60, description="Accepted for compatibility; unused.")

    def _build_manager(self) -> PickledObjectADLS2IOManager:
        return PickledObjectADLS2IOManager(
            self.adls2_file_system,
            prefix=self.adls2_prefix,
            lease_duration=self.lease_duration,
            storage_options=self.adls2.adlfs_options(),
            secrets=self.adls2.secrets(),
        )


ConfigurablePickledObjectADLS2IOManager = ADLS2PickleIOManager


@io_manager(  # type: ignore[untyped-decorator]
    config_schema={
        "adls2_file_system": ConfigField(StringSource, description="ADLS Gen2 file system name."),
        "adls2_prefix": ConfigField(StringSource, is_required=False, default_value=DEFAULT_PREFIX),
        "lease_duration": ConfigField(IntSource, is_required=False, default_value=60),
    },
    required_resource_keys={"adls2"},
    description="Pickles outputs to Azure storage (superseded by ADLS2PickleIOManager).",
)
def adls2_pickle_io_manager(init_context: InitResourceContext) -> PickledObjectADLS2IOManager:
    """Pickle outputs to ``az://<adls2_file_system>/<adls2_prefix>`` with resource ``adls2``."""
    config = init_context.resource_config
    adls2: ADLS2Resource = init_context.resources.adls2
    return PickledObjectADLS2IOManager(
        config["adls2_file_system"],
        prefix=config.get("adls2_prefix") or DEFAULT_PREFIX,
        lease_duration=config.get("lease_duration", 60),
        storage_options=adls2.adlfs_options(),
        secrets=adls2.secrets(),
    )
