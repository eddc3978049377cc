"""Azure storage: ``ADLS2Resource`` / ``adls2_resource`` and the pickle I/O managers
(``dagster_azure.adls2`` names), stored through the Blob API."""

from __future__ import annotations

from dockyard.azure.adls2.io_manager import (
    ADLS2PickleIOManager,
    ConfigurablePickledObjectADLS2IOManager,
    PickledObjectADLS2IOManager,
    adls2_pickle_io_manager,
)
from dockyard.azure.adls2.resources import (
    ADLS2DefaultAzureCredential,
    ADLS2Key,
    ADLS2Resource,
    ADLS2SASToken,
    adls2_resource,
)

__all__ = [
    "ADLS2DefaultAzureCredential",
    "ADLS2Key",
    "ADLS2PickleIOManager",
    "ADLS2Resource",
    "ADLS2SASToken",
    "ConfigurablePickledObjectADLS2IOManager",
    "PickledObjectADLS2IOManager",
    "adls2_pickle_io_manager",
    "adls2_resource",
]
