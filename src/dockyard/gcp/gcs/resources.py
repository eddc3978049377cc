"""``GCSResource`` (a ``google.cloud.storage.Client`` and gcsfs options) and ``gcs_resource``.

Emulators: with ``STORAGE_EMULATOR_HOST`` set, the Google client uses anonymous credentials,
and so do the gcsfs options here (``token="anon"``). gcsfs 2026.x also probes a gRPC API
that emulators lack and stalls 60 s per call unless ``GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT=false``
is set before gcsfs is imported. ``gcsfs_options`` sets that default only while an emulator is
configured and gcsfs is not imported yet.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from pydantic import Field

from dockyard._internal.imports import require_extra
from dockyard.defs.configurable import ConfigurableResource
from dockyard.defs.resource import InitResourceContext, resource

EMULATOR_ENV = "STORAGE_EMULATOR_HOST"


def emulator_host() -> str | None:
    """The GCS emulator URL from ``STORAGE_EMULATOR_HOST``, or ``None``."""
    host = os.environ.get(EMULATOR_ENV, "")
    if host in ("", "default"):
        return None
    return host if host.startswith(("http://", "https://")) else f"http://{host}"


def _prepare_gcsfs_for_emulator() -> None:
    if emulator_host() is not None and "gcsfs" not in sys.modules:
        os.environ.setdefault("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")


class GCSResource(ConfigurableResource):
    """Access to Google Cloud Storage. ``get_client()`` returns a ``google.cloud.storage.Client``."""

    project: str | None = Field(default=None, description="Project name")

    def get_client(self) -> Any:
        """A ``google.cloud.storage.Client`` for ``project`` (default credentials)."""
        require_extra("google.cloud.storage", "gcp")
        from google.cloud import storage

        return storage.Client(project=self.project)

    def gcsfs_options(self) -> dict[str, Any]:
        """The gcsfs options for ``gs://`` paths: the project, and anonymous access on an emulator."""
        _prepare_gcsfs_for_emulator()
        options: dict[str, Any] = {}
        if self.project:
            options["project"] = self.project
        if emulator_host() is not None:
            options["token"] = "anon"
        return options


def gcsfs_options_from_client(client: Any) -> dict[str, Any]:
    """gcsfs options with the project and credentials of a ``google.cloud.storage.Client``."""
    _prepare_gcsfs_for_emulator()
    options: dict[str, Any] = {}
    project = getattr(client, "project", None)
    if project and project != "<none>":
        options["project"] = project
    # google-cloud-core keeps the credentials in `_credentials`; there is no public accessor
    credentials = getattr(client, "_credentials", None)
    if credentials is None or type(credentials).__name__ == "AnonymousCredentials":
        options["token"] = "anon"
    else:
        options["token"] = credentials
    return options


@resource(
    config_schema=GCSResource.to_config_schema(),
    description="A google.cloud.storage.Client (superseded by GCSResource).",
)
def gcs_resource(context: InitResourceContext) -> Any:
    """A ``google.cloud.storage.Client`` configured like ``GCSResource``."""
    return GCSResource.from_resource_context(context).get_client()
