"""``SnowflakeResource`` and ``open_snowflake``: connections through snowflake-connector-python.

``snowflake.connector`` is looked up when a connection is opened, never at import, so the
connector stays unloaded until used and test doubles that patch ``snowflake.connector.connect``
(fakesnow) take effect.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pydantic import Field

from dockyard._internal.imports import require_extra
from dockyard.defs.configurable import ConfigurableResource


def _der_private_key(pem: str, password: str | None) -> bytes:
    """A PEM private key (optionally encrypted) as the DER bytes the connector takes."""
    serialization = require_extra("cryptography.hazmat.primitives.serialization", "snowflake")
    key = serialization.load_pem_private_key(pem.encode(), password=password.encode() if password else None)
    return key.private_bytes(  # type: ignore[no-any-return]
        encoding=serialization.Encoding.DER,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def connection_args(
    fields: Mapping[str, Any], additional: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``snowflake.connector.connect`` keyword arguments from config fields (``None`` left out)."""
    args = {k: v for k, v in fields.items() if v is not None and k not in ("private_key", "private_key_path", "private_key_password")}
    if fields.get("private_key"):
        args["private_key"] = _der_private_key(fields["private_key"], fields.get("private_key_password"))
    elif fields.get("private_key_path"):
        args["private_key_file"] = fields["private_key_path"]
        if fields.get("private_key_password"):
            args["private_key_file_pwd"] = fields["private_key_password"]
    args.update(additional or {})
    return args


@contextmanager
def open_snowflake(args: Mapping[str, Any]) -> Iterator[Any]:
    """Yield a ``snowflake.connector`` connection; it is closed when the block ends."""
    connector = require_extra("snowflake.connector", "snowflake")
    conn = connector.connect(**args)
    try:
        yield conn
    finally:
        conn.close()


class SnowflakeResource(ConfigurableResource):
    """Connections to Snowflake.

    Authenticate with ``password``, a key pair (``private_key`` as PEM text or
    ``private_key_path``, with ``private_key_password`` if encrypted), or an ``authenticator``.
    Anything else ``snowflake.connector.connect`` accepts goes in
    ``additional_snowflake_connection_args``.
    """

    account: str | None = Field(default=None, description="Account identifier, e.g. 'xy12345.eu-west-1'.")
    user: str = Field(description="User name.")
    password: str | None = Field(default=None, description="Password.")
    database: str | None = Field(default=None, description="Default database for the session.")
    schema_: str | None = Field(default=None, alias="schema", description="Default schema for the session.")
    role: str | None = Field(default=None, description="Role for the session.")
    warehouse: str | None = Field(default=None, description="Warehouse for the session.")
    authenticator: str | None = Field(default=None, description="e.g. 'externalbrowser' or 'oauth'.")
    private_key: str | None = Field(default=None, description="A PEM private key for key-pair authentication.")
    private_key_path: str | None = Field(default=None, description="Path to a PEM private key file.")
    private_key_password: str | None = Field(default=None, description="Passphrase of the private key.")
    autocommit: bool | None = Field(default=None, description="Session autocommit (the connector's default: on).")
    additional_snowflake_connection_args: dict[str, Any] | None = Field(
        default=None, description="Extra keyword arguments for snowflake.connector.connect."
    )

    def connection_args(self) -> dict[str, Any]:
        """The keyword arguments for ``snowflake.connector.connect``."""
        fields = {
            "account": self.account, "user": self.user, "password": self.password, "database": self.database,
            "schema": self.schema_, "role": self.role, "warehouse": self.warehouse,
            "authenticator": self.authenticator, "autocommit": self.autocommit, "private_key": self.private_key,
            "private_key_path": self.private_key_path, "private_key_password": self.private_key_password,
        }
        return connection_args(fields, self.additional_snowflake_connection_args)

    @contextmanager
    def get_connection(self, raw_conn: bool = True) -> Iterator[Any]:
        """A ``snowflake.connector`` connection, closed when the block ends.

        Args:
            raw_conn: Accepted for compatibility; the connection is always the connector's own.
        """
        with open_snowflake(self.connection_args()) as conn:
            yield conn
