"""The S3 server goes away in the middle of a run: the step fails with an error naming it and
the object's URI, what was stored before stays readable once the server is back, and running
again then succeeds. The server is this module's own (``own_s3_server``): it is stopped and
restarted on the same ports and data directory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import dockyard as dg
from dockyard.aws.s3 import PickledObjectS3IOManager, S3PickleIOManager, S3Resource
from dockyard.testing.io_manager_suite import in_ctx

pytestmark = pytest.mark.s3
BUCKET = "dockyard"


@pytest.fixture
def server(own_s3_server: Any) -> Iterator[Any]:
    yield own_s3_server
    if own_s3_server.proc is None:  # a failed test must not leave it stopped for the next one
        own_s3_server.start()


def io_manager(server: Any, prefix: str) -> S3PickleIOManager:
    return S3PickleIOManager(
        s3_resource=S3Resource(
            endpoint_url=server.endpoint, aws_access_key_id=server.key,
            aws_secret_access_key=server.secret, max_attempts=2,
        ),
        s3_bucket=BUCKET,
        s3_prefix=prefix,
    )


def stored_value(server: Any, prefix: str, key: str) -> Any:
    return PickledObjectS3IOManager(BUCKET, s3_prefix=prefix, storage_options=server.storage_options()).load_input(
        in_ctx([key])
    )


def step_failure(result: Any, step: str) -> str:
    [event] = [e for e in result.get_step_failure_events() if e.step_key == step]
    return str(event.event_specific_data.error.to_string())


def test_server_stopping_before_a_write_fails_that_step_and_a_rerun_succeeds(server: Any) -> None:
    outage = {"on": True}

    @dg.asset
    def orders() -> dict[str, int]:
        return {"rows": 3}

    @dg.asset
    def doubled(orders: dict[str, int]) -> int:
        if outage["on"]:
            server.stop()
        return orders["rows"] * 2

    @dg.asset
    def report(doubled: int) -> str:
        return f"{doubled} rows"

    io = io_manager(server, "write-fault")
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([orders, doubled, report], resources={"io_manager": io}, instance=instance,
                            raise_on_error=False)
    assert not result.success
    assert result.get_failed_step_keys() == {"doubled"}
    assert "report" not in {e.step_key for e in result.get_step_success_events()}
    error = step_failure(result, "doubled")
    assert 'Error occurred while handling output "result" of step "doubled"' in error
    assert f"Could not write asset ['doubled'] to s3://{BUCKET}/write-fault/doubled (S3)" in error
    assert server.endpoint in error

    server.start()
    assert stored_value(server, "write-fault", "orders") == {"rows": 3}
    outage["on"] = False
    again = dg.materialize([orders, doubled, report], selection=[doubled, report], resources={"io_manager": io},
                           instance=instance)
    assert again.success
    assert again.output_for_node("report") == "6 rows"
    assert stored_value(server, "write-fault", "report") == "6 rows"


def test_server_stopping_before_a_load_fails_that_step_and_a_rerun_succeeds(server: Any) -> None:
    outage = {"on": True}

    @dg.asset
    def orders() -> list[int]:
        return [1, 2, 3]

    @dg.asset(deps=[orders])
    def maintenance() -> None:
        if outage["on"]:
            server.stop()

    @dg.asset(deps=[maintenance])
    def total(orders: list[int]) -> int:
        return sum(orders)

    io = io_manager(server, "load-fault")
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([orders, maintenance, total], resources={"io_manager": io}, instance=instance,
                            raise_on_error=False)
    assert result.get_failed_step_keys() == {"total"}
    error = step_failure(result, "total")
    assert 'Error occurred while loading input "orders" of step "total"' in error
    assert f"Could not read asset ['orders'] from s3://{BUCKET}/load-fault/orders (S3)" in error

    server.start()
    assert stored_value(server, "load-fault", "orders") == [1, 2, 3]
    outage["on"] = False
    again = dg.materialize([orders, maintenance, total], selection=[total], resources={"io_manager": io},
                           instance=instance)
    assert again.success and again.output_for_node("total") == 6
