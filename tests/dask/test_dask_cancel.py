"""Ctrl-C (SIGINT to the launching process) cancels a Dask run: the run is recorded CANCELED and
the LocalCluster it started, with the worker running the step, is gone."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("distributed")

from ..interrupts import assert_canceled_in_slow, interrupt_cancel_script, wait_until_gone

pytestmark = [pytest.mark.timeout(90), pytest.mark.dask]


def test_sigint_cancels_a_dask_run_and_closes_its_cluster(tmp_path: Path) -> None:
    interrupted = interrupt_cancel_script(tmp_path, "dask", start_timeout=45, exit_timeout=30, cwd=tmp_path)
    assert interrupted.returncode != 0 and "KeyboardInterrupt" in interrupted.stderr
    assert interrupted.worker != interrupted.pid
    assert wait_until_gone(interrupted.worker, 10)  # the nanny may take a moment to reap its worker
    assert_canceled_in_slow(interrupted)
