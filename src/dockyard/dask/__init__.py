"""Dask: ``dask_executor`` runs each step as a task on a Dask distributed cluster.

``dagster_dask`` names live here. ``distributed`` is imported when a run starts, not when this
package is imported; install it with ``pip install 'dockyard[dask]'``.
"""

from __future__ import annotations

from dockyard.dask.executor import DaskExecutor, dask_executor

__all__ = ["DaskExecutor", "dask_executor"]
