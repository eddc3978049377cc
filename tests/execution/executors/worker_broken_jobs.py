"""A job that imports in the launching process but not in a worker process."""

from __future__ import annotations

import multiprocessing

import dockyard as dg

if multiprocessing.parent_process() is not None:
    raise ImportError("this module refuses to load in a worker process")


@dg.op
def one() -> int:
    return 1


@dg.op
def two() -> int:
    return 2


@dg.job
def unloadable() -> None:
    one()
    two()
