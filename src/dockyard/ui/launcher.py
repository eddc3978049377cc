"""Launching runs from the UI: each run executes in a background thread of the server process.

A launch is checked first (known, materializable assets; a valid partition when any selected
asset is partitioned), so a mistake is answered with a message instead of a failed run. The run
then goes through ``execute_in_process`` into the server's instance with the
``dockyard/code_pointer`` tag, exactly like ``dockyard materialize`` would record it.

Live progress comes from the ``dockyard.progress`` logger (see ``dockyard.execution.run``): the
instance receives a step's events when the step ends, but the logger says when it starts. Records
are matched to runs by the thread that emitted them, which is the run's own thread for every
executor (workers report back to it).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dockyard.defs.keys import AssetKey
from dockyard.errors import DagsterInvariantViolationError, DagsterUnknownPartitionError
from dockyard.execution.asset_origins import CODE_POINTER_TAG
from dockyard.instance.events import SerializableErrorInfo
from dockyard.ui.runs import LAUNCHED_BY_TAG, ErrorView

PROGRESS_LOGGER = "dockyard.progress"


@dataclass
class LaunchState:
    """What the launcher knows about a run it started."""

    run_id: str
    assets: list[AssetKey]
    partition: str | None
    launched: float = field(default_factory=time.time)
    total: int = 0
    outcomes: dict[str, str] = field(default_factory=dict)  # step key -> start/done/failed/skipped
    started_at: dict[str, float] = field(default_factory=dict)
    error: ErrorView | None = None  # the launch failed before the run started
    done: bool = False

    @property
    def finished_steps(self) -> int:
        return sum(1 for phase in self.outcomes.values() if phase != "start")

    @property
    def running_steps(self) -> list[tuple[str, float]]:
        return [(k, self.started_at[k]) for k, phase in self.outcomes.items() if phase == "start" and k in self.started_at]

    def to_json(self) -> dict[str, Any]:
        return {
            "total_steps": self.total, "finished_steps": self.finished_steps,
            "running_steps": [k for k, _ in self.running_steps],
            "failed_steps": [k for k, p in self.outcomes.items() if p == "failed"],
            "done": self.done, "launch_error": self.error.to_json() if self.error is not None else None,
        }


class _ProgressHandler(logging.Handler):
    def __init__(self, launcher: RunLauncher) -> None:
        super().__init__(logging.DEBUG)
        self.launcher = launcher

    def emit(self, record: logging.LogRecord) -> None:
        state = self.launcher._by_thread.get(record.thread or 0)
        args = record.args if isinstance(record.args, tuple) else ()
        if state is None or len(args) < 3:
            return
        phase = getattr(record, "dockyard_progress", None) or ("start" if record.levelno < logging.INFO else "done")
        state.total = int(args[1])  # type: ignore[call-overload]
        step = str(args[2])
        state.outcomes[step] = phase
        if phase == "start":
            state.started_at[step] = record.created


class RunLauncher:
    """Starts runs of ``definitions`` into ``instance`` and tracks their live progress.

    Args:
        instance: Where runs are recorded.
        definitions: The ``Definitions`` whose implicit asset job runs.
        code_pointer: Recorded on each run (``dockyard/code_pointer``) so values can be reloaded.
    """

    def __init__(self, instance: Any, definitions: Any, code_pointer: str | None) -> None:
        self.instance = instance
        self.definitions = definitions
        self.code_pointer = code_pointer
        self.layer = definitions.get_asset_graph()
        self._runs: dict[str, LaunchState] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._by_thread: dict[int, LaunchState] = {}
        self._lock = threading.Lock()
        self._handler: _ProgressHandler | None = None
        self._saved_level: int | None = None

    # -- checks ---------------------------------------------------------------------------------
    def check(self, asset_names: Sequence[str], partition: str | None) -> tuple[list[AssetKey], str | None]:
        """The keys and partition of a valid launch; raises a ``DagsterError`` saying what is wrong."""
        partition = (partition or "").strip() or None
        names = [n.strip() for n in asset_names if n and n.strip()]
        if not names:
            raise DagsterInvariantViolationError("Select at least one asset to materialize.")
        keys: list[AssetKey] = []
        for name in names:
            key = AssetKey.from_user_string(name)
            node = self.layer.nodes.get(key)
            if node is None or not node.is_materializable:
                known = ", ".join(repr(k.to_user_string()) for k in self.layer.materializable_keys[:10])
                what = "is not defined" if node is None else "is external (not materializable)"
                raise DagsterInvariantViolationError(f"Asset {name!r} {what}. Materializable assets: {known}.")
            if key not in keys:
                keys.append(key)
        pdefs: list[Any] = []
        for key in keys:
            pdef = self.layer.nodes[key].partitions_def
            if pdef is not None and all(pdef != p for p in pdefs):
                pdefs.append(pdef)
        if len(pdefs) > 1:
            raise DagsterInvariantViolationError(
                "The selected assets use different partitions definitions; one run targets one. Launch them separately."
            )
        if partition is None and pdefs:
            partitioned = [k.to_user_string() for k in keys if self.layer.nodes[k].partitions_def is not None]
            raise DagsterInvariantViolationError(f"Assets {partitioned!r} are partitioned: choose a partition to materialize.")
        if partition is not None and not pdefs:
            raise DagsterInvariantViolationError(f"Partition {partition!r} was given, but none of the selected assets is partitioned.")
        if partition is not None and not pdefs[0].has_partition_key(partition, dynamic_partitions_store=self.instance):
            raise DagsterUnknownPartitionError(f"Partition {partition!r} is not a partition of {pdefs[0]}. Pick one from the partition grid.")
        return keys, partition

    # -- launching ------------------------------------------------------------------------------
    def launch(self, asset_names: Sequence[str], partition: str | None = None) -> str:
        """Check and start a run in a background thread; returns its run id at once."""
        keys, partition = self.check(asset_names, partition)
        state = LaunchState(str(uuid.uuid4()), keys, partition)
        self._attach_progress()
        thread = threading.Thread(target=self._execute, args=(state,), name=f"dockyard-ui-run-{state.run_id[:8]}", daemon=True)
        with self._lock:
            self._runs[state.run_id] = state
            self._threads[state.run_id] = thread
        thread.start()
        return state.run_id

    def _execute(self, state: LaunchState) -> None:
        self._by_thread[threading.get_ident()] = state
        tags = {LAUNCHED_BY_TAG: "ui"}
        if self.code_pointer:
            tags[CODE_POINTER_TAG] = self.code_pointer
        try:
            job = self.definitions.get_implicit_global_asset_job_def()
            job.execute_in_process(
                instance=self.instance, run_id=state.run_id, partition_key=state.partition, raise_on_error=False,
                asset_selection=list(state.assets), tags=tags,
            )
        except Exception as exc:  # found before any step ran (config, resources, partitions)
            state.error = ErrorView.from_info(SerializableErrorInfo.from_exception(exc))
        finally:
            state.done = True
            self._by_thread.pop(threading.get_ident(), None)

    def _attach_progress(self) -> None:
        with self._lock:
            if self._handler is not None:
                return
            logger = logging.getLogger(PROGRESS_LOGGER)
            self._saved_level = logger.level
            if not logger.isEnabledFor(logging.DEBUG):  # step starts are DEBUG records
                logger.setLevel(logging.DEBUG)
            self._handler = _ProgressHandler(self)
            logger.addHandler(self._handler)

    # -- queries --------------------------------------------------------------------------------
    def state(self, run_id: str) -> LaunchState | None:
        return self._runs.get(run_id)

    @property
    def active_run_ids(self) -> list[str]:
        return [run_id for run_id, state in list(self._runs.items()) if not state.done]

    def wait(self, run_id: str, timeout: float | None = None) -> bool:
        """Block until the run's thread ends; ``False`` on timeout."""
        thread = self._threads.get(run_id)
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def close(self, timeout: float | None = None) -> None:
        """Wait for running runs (up to ``timeout`` each) and detach from the progress logger."""
        for run_id in self.active_run_ids:
            self.wait(run_id, timeout)
        with self._lock:
            if self._handler is not None:
                logger = logging.getLogger(PROGRESS_LOGGER)
                logger.removeHandler(self._handler)
                if self._saved_level is not None:
                    logger.setLevel(self._saved_level)
                self._handler = None
