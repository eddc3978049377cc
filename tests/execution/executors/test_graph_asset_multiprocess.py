"""A graph-backed asset under the multiprocess executor: each op is its own step in a worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import dockyard as dg
from dockyard.execution.reconstruct import ReconstructableJob

JOBS = str(Path(__file__).with_name("graph_asset_jobs.py"))
pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.from_home(str(tmp_path / "home")) as inst:
        yield inst


def test_graph_asset_steps_cross_processes(instance: dg.DagsterInstance) -> None:
    recon = ReconstructableJob.for_file(JOBS, "graph_asset_defs", "all_assets")
    with dg.execute_job(recon, instance) as result:
        assert result.success
        succeeded = [e.step_key for e in result.get_step_success_events()]
        assert sorted(succeeded) == ["downstream", "middle.add_one", "middle.double", "upstream"]
        assert result.output_for_node("middle.add_one") == 4  # loaded back from storage
        assert result.output_for_node("middle") == 8
        assert result.output_for_node("downstream") == 108
    stored = Path(instance.storage_directory(), result.run_id, "middle.add_one", "result")
    assert stored.is_file()
    assert instance.get_latest_materialization_event(dg.AssetKey("middle")) is not None
