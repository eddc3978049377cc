"""Session-wide server fixtures more than one test package uses (see ``tests/servers.py``)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from .servers import SeaweedFS, start_seaweedfs


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    """A SeaweedFS S3 server with the bucket ``dockyard``, shared by the whole session."""
    server = start_seaweedfs(tmp_path_factory.mktemp("seaweedfs"))
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.workdir, ignore_errors=True)  # up to a few hundred MB of volumes
