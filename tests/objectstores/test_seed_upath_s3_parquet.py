"""Seed 000_upath_s3_parquet on a real S3 server: the documented pattern (a parquet
``UPathIOManager`` subclass, built by an ``@io_manager`` factory that takes ``base_path`` plus
both AWS credentials as config and insists on an ``s3://`` base path) runs against SeaweedFS.
The seed script itself substitutes ``memory://``; this test removes that substitution.
As the doc says, ``UPath`` finds the credentials (and here the endpoint) in the AWS environment
variables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from upath import UPath

import dockyard as dg

pytestmark = pytest.mark.s3
BUCKET = "dockyard"


class PandasParquetIOManager(dg.UPathIOManager):
    extension: str = ".parquet"

    def dump_to_path(self, context: dg.OutputContext, obj: pd.DataFrame, path: UPath) -> None:
        with path.open("wb") as file:
            obj.to_parquet(file)

    def load_from_path(self, context: dg.InputContext, path: UPath) -> pd.DataFrame:
        with path.open("rb") as file:
            return pd.read_parquet(file)


@dg.io_manager(
    config_schema={
        "base_path": dg.Field(str, is_required=True),
        "AWS_ACCESS_KEY_ID": dg.StringSource,
        "AWS_SECRET_ACCESS_KEY": dg.StringSource,
    }
)
def s3_parquet_io_manager(init_context: dg.InitResourceContext) -> PandasParquetIOManager:
    base_path = UPath(init_context.resource_config.get("base_path"))  # credentials: AWS env vars
    assert str(base_path).startswith("s3://"), base_path
    return PandasParquetIOManager(base_path=base_path)


@pytest.fixture
def aws_env(s3_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import s3fs

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_server.key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_server.secret)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server.endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    s3fs.S3FileSystem.clear_instance_cache()  # no instance built under another environment
    yield
    s3fs.S3FileSystem.clear_instance_cache()


def test_documented_s3_parquet_io_manager_runs_partitioned_assets_on_s3(
    s3_server: Any, aws_env: None, unique_prefix: str
) -> None:
    io = s3_parquet_io_manager.configured({
        "base_path": f"s3://{BUCKET}/{unique_prefix}",
        "AWS_ACCESS_KEY_ID": {"env": "AWS_ACCESS_KEY_ID"},
        "AWS_SECRET_ACCESS_KEY": {"env": "AWS_SECRET_ACCESS_KEY"},
    })
    hourly = dg.HourlyPartitionsDefinition(start_date="2023-01-01-00:00")

    @dg.asset(partitions_def=hourly)
    def clicks(context: dg.AssetExecutionContext) -> pd.DataFrame:
        return pd.DataFrame({"hour": [context.partition_key], "clicks": [5]})

    instance = dg.DagsterInstance.ephemeral()
    for hour in ["2023-01-01-00:00", "2023-01-01-01:00"]:
        assert dg.materialize([clicks], partition_key=hour, resources={"io_manager": io}, instance=instance).success

    two_hours = dg.HourlyPartitionsDefinition(start_date="2023-01-01-00:00", end_date="2023-01-01-02:00")

    @dg.asset(partitions_def=two_hours, name="clicks")
    def clicks_2h() -> pd.DataFrame:
        raise AssertionError("not executed: loaded from S3")

    @dg.asset
    def all_clicks(clicks: dict[str, pd.DataFrame]) -> pd.DataFrame:
        return pd.concat(list(clicks.values()))

    result = dg.materialize([*clicks_2h.to_source_assets(), all_clicks], resources={"io_manager": io}, instance=instance)
    assert result.success
    assert result.output_for_node("all_clicks")["hour"].tolist() == ["2023-01-01-00:00", "2023-01-01-01:00"]

    listing = s3_server.client().list_objects_v2(Bucket=BUCKET, Prefix=unique_prefix + "/")
    assert sorted(o["Key"] for o in listing["Contents"]) == [
        f"{unique_prefix}/all_clicks.parquet",
        f"{unique_prefix}/clicks/2023-01-01-00:00.parquet",
        f"{unique_prefix}/clicks/2023-01-01-01:00.parquet",
    ]
    body = s3_server.client().get_object(Bucket=BUCKET, Key=f"{unique_prefix}/all_clicks.parquet")["Body"].read()
    assert body[:4] == b"PAR1" and body[-4:] == b"PAR1"


def test_documented_factory_rejects_a_base_path_that_is_not_s3(aws_env: None) -> None:
    config = {"base_path": "memory://bucket/x", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"}
    resources = {"io_manager": s3_parquet_io_manager}
    with pytest.raises(dg.DagsterResourceFunctionError) as info, dg.build_resources(
        resources, resource_config={"io_manager": {"config": config}}
    ):
        pass
    assert isinstance(info.value.__cause__, AssertionError)
