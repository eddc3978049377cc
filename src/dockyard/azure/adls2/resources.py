"""``ADLS2Resource`` (Azure clients and adlfs options from one config), its credential classes,
and ``adls2_resource``.

dockyard stores through the Blob API (adlfs, ``az://<container>/...``), which every ADLS Gen2
account also serves. ``blob_endpoint`` is a dockyard addition: the Blob service URL, for Azurite
or sovereign clouds (default ``https://<storage_account>.blob.core.windows.net``). With it, key
and SAS credentials go to adlfs as a connection string.

Keys, SAS tokens and connection strings are left out of ``repr``. An ``EnvVar`` in a
credential is resolved when it is used.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field

from dockyard._internal.imports import require_extra
from dockyard.defs.config import Field as ConfigField
from dockyard.defs.config import Permissive, Selector, StringSource
from dockyard.defs.config_schema import EnvVar
from dockyard.defs.configurable import Config, ConfigurableResource
from dockyard.defs.resource import InitResourceContext, resource
from dockyard.errors import DagsterInvalidInvocationError


def resolve(value: Any) -> Any:
    """An ``EnvVar`` field's current value; any other value as it is."""
    return value.get_value() if isinstance(value, EnvVar) else value


class ADLS2SASToken(Config):
    """Authenticate with a shared access signature."""

    credential_type: Literal["sas"] = "sas"
    token: str = Field(repr=False)


class ADLS2Key(Config):
    """Authenticate with a storage account key."""

    credential_type: Literal["key"] = "key"
    key: str = Field(repr=False)


class ADLS2DefaultAzureCredential(Config):
    """Authenticate with ``azure.identity.DefaultAzureCredential(**kwargs)``."""

    credential_type: Literal["default_azure_credential"] = "default_azure_credential"
    kwargs: dict[str, Any] = Field(default_factory=dict)


class ADLS2Resource(ConfigurableResource):
    """An Azure storage account (ADLS Gen2 or plain Blob storage)."""

    storage_account: str = Field(description="The storage account name.")
    credential: ADLS2SASToken | ADLS2Key | ADLS2DefaultAzureCredential = Field(
        description="The credentials with which to authenticate."
    )
    blob_endpoint: str | None = Field(
        default=None,
        description="Blob service URL (e.g. Azurite's http://127.0.0.1:10000/devstoreaccount1).",
    )

    # -- clients -------------------------------------------------------------------------------
    @property
    def blob_client(self) -> Any:
        """An ``azure.storage.blob.BlobServiceClient`` for the account."""
        require_extra("azure.storage.blob", "azure")
        from azure.storage.blob import BlobServiceClient

        url = self.blob_endpoint or f"https://{self.storage_account}.blob.core.windows.net"
        return BlobServiceClient(url, credential=self._sdk_credential())

    @property
    def adls2_client(self) -> Any:
        """An ``azure.storage.filedatalake.DataLakeServiceClient`` for the account (DFS API)."""
        require_extra("azure.storage.filedatalake", "azure")
        from azure.storage.filedatalake import DataLakeServiceClient

        url = f"https://{self.storage_account}.dfs.core.windows.net"
        return DataLakeServiceClient(url, credential=self._sdk_credential())

    @property
    def lease_client_constructor(self) -> Any:
        """``DataLakeLeaseClient``, the class that leases ADLS2 files."""
        require_extra("azure.storage.filedatalake", "azure")
        from azure.storage.filedatalake import DataLakeLeaseClient

        return DataLakeLeaseClient

    def _sdk_credential(self) -> Any:
        cred = self.credential
        if isinstance(cred, ADLS2Key):
            return {"account_name": self.storage_account, "account_key": resolve(cred.key)}
        if isinstance(cred, ADLS2SASToken):
            return resolve(cred.token)
        require_extra("azure.identity", "azure")
        from azure.identity import DefaultAzureCredential

        return DefaultAzureCredential(**cred.kwargs)

    # -- adlfs ---------------------------------------------------------------------------------
    def adlfs_options(self) -> dict[str, Any]:
        """The adlfs ``AzureBlobFileSystem`` options for ``az://`` paths."""
        cred = self.credential
        account = resolve(self.storage_account)
        if self.blob_endpoint and isinstance(cred, (ADLS2Key, ADLS2SASToken)):
            scheme = urlsplit(self.blob_endpoint).scheme or "https"
            parts = [f"DefaultEndpointsProtocol={scheme}", f"AccountName={account}"]
            if isinstance(cred, ADLS2Key):
                parts.append(f"AccountKey={resolve(cred.key)}")
            else:
                parts.append(f"SharedAccessSignature={resolve(cred.token).lstrip('?')}")
            parts.append(f"BlobEndpoint={self.blob_endpoint}")
            return {"connection_string": ";".join(parts) + ";"}
        if isinstance(cred, ADLS2Key):
            return {"account_name": account, "account_key": resolve(cred.key)}
        if isinstance(cred, ADLS2SASToken):
            return {"account_name": account, "sas_token": resolve(cred.token)}
        require_extra("azure.identity", "azure")
        from azure.identity.aio import DefaultAzureCredential

        options: dict[str, Any] = {"account_name": account, "credential": DefaultAzureCredential(**cred.kwargs)}
        if self.blob_endpoint:
            options["account_host"] = urlsplit(self.blob_endpoint).netloc
        return options

    def secrets(self) -> tuple[str, ...]:
        """The values to mask in messages."""
        cred = self.credential
        if isinstance(cred, ADLS2Key):
            return (resolve(cred.key),)
        if isinstance(cred, ADLS2SASToken):
            return (resolve(cred.token),)
        return ()


def adlfs_options_from_blob_client(blob_client: Any) -> dict[str, Any]:
    """adlfs options for the account, endpoint and key or SAS of a ``BlobServiceClient``."""
    url = blob_client.url
    parts = urlsplit(url)
    endpoint = f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")
    conn = [f"DefaultEndpointsProtocol={parts.scheme}", f"AccountName={blob_client.account_name}"]
    key = getattr(blob_client.credential, "account_key", None)
    if key:
        conn.append(f"AccountKey={key}")
    elif parts.query:
        conn.append(f"SharedAccessSignature={parts.query}")
    else:
        raise DagsterInvalidInvocationError(
            "Cannot derive adlfs options from this BlobServiceClient (it has neither an account key "
            "nor a SAS token). Pass storage_options=ADLS2Resource(...).adlfs_options() instead."
        )
    conn.append(f"BlobEndpoint={endpoint}")
    return {"connection_string": ";".join(conn) + ";"}


_CREDENTIAL_CONFIG = Selector(
    {
        "sas": ConfigField(StringSource, description="SAS token for the account."),
        "key": ConfigField(StringSource, description="Shared access key for the account."),
        "DefaultAzureCredential": ConfigField(
            Permissive(), description="Use DefaultAzureCredential, with these keyword arguments."
        ),
    }
)


@resource(
    config_schema={
        "storage_account": ConfigField(StringSource, description="The storage account name."),
        "credential": ConfigField(_CREDENTIAL_CONFIG, description="The credentials with which to authenticate."),
        "blob_endpoint": ConfigField(StringSource, is_required=False, description="Blob service URL."),
    },
    description="An ADLS2Resource configured from legacy config.",
)
def adls2_resource(context: InitResourceContext) -> ADLS2Resource:
    """An ``ADLS2Resource`` from ``storage_account`` and a ``credential`` selector
    (``sas``, ``key`` or ``DefaultAzureCredential``)."""
    config = context.resource_config
    (kind, value), = config["credential"].items()
    credential: ADLS2SASToken | ADLS2Key | ADLS2DefaultAzureCredential
    if kind == "sas":
        credential = ADLS2SASToken(token=value)
    elif kind == "key":
        credential = ADLS2Key(key=value)
    else:
        credential = ADLS2DefaultAzureCredential(kwargs=dict(value or {}))
    return ADLS2Resource(
        storage_account=config["storage_account"], credential=credential, blob_endpoint=config.get("blob_endpoint")
    )
