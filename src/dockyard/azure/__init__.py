"""Azure backends (``dagster_azure`` names): ``dockyard.azure.adls2``.

Needs the ``azure`` extra (adlfs, azure-storage-blob): ``pip install 'dockyard[azure]'``.
"""

from __future__ import annotations
