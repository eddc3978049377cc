"""Session-wide server fixtures more than one test package uses (see ``tests/servers.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .servers import SeaweedFS, running_seaweedfs


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    """A SeaweedFS S3 server with the bucket ``dockyard``, shared by the whole session."""
    with running_seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server
