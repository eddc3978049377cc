from __future__ import annotations

import datetime
import os

import pytest

import dockyard as dg
from dockyard.defs.metadata import normalize_metadata
from dockyard.errors import DagsterInvalidMetadata

MV = dg.MetadataValue


def test_static_constructors_build_typed_values() -> None:
    cases = [
        (MV.int(3), dg.IntMetadataValue, 3),
        (MV.float(1.5), dg.FloatMetadataValue, 1.5),
        (MV.text("s"), dg.TextMetadataValue, "s"),
        (MV.bool(True), dg.BoolMetadataValue, True),
        (MV.path("/x"), dg.PathMetadataValue, "/x"),
        (MV.url("http://a"), dg.UrlMetadataValue, "http://a"),
        (MV.json({"a": 1}), dg.JsonMetadataValue, {"a": 1}),
        (MV.md("# h"), dg.MarkdownMetadataValue, "# h"),
        (MV.null(), dg.NullMetadataValue, None),
        (MV.timestamp(1700000000.0), dg.TimestampMetadataValue, 1700000000.0),
        (MV.asset(dg.AssetKey("a")), dg.DagsterAssetMetadataValue, dg.AssetKey("a")),
        (MV.dagster_run("r1"), dg.DagsterRunMetadataValue, "r1"),
    ]
    for value, cls, plain in cases:
        assert type(value) is cls
        assert value.value == plain


def test_value_classes_accept_dagster_keyword_names() -> None:
    assert dg.IntMetadataValue(value=3).value == 3
    assert dg.FloatMetadataValue(value=2.0).value == 2.0
    assert dg.BoolMetadataValue(value=False).value is False
    assert dg.TimestampMetadataValue(value=1.0).value == 1.0
    assert dg.TextMetadataValue(text="t").text == "t"
    assert dg.PathMetadataValue(path="/p").fspath == "/p"
    assert dg.MarkdownMetadataValue(md_str="m").value == "m"
    assert dg.JsonMetadataValue(data=[1]).data == [1]


def test_values_compare_and_hash_by_content() -> None:
    assert MV.int(3) == dg.IntMetadataValue(3)
    assert hash(MV.text("a")) == hash(MV.text("a"))


def test_normalize_raw_python_values() -> None:
    out = normalize_metadata(
        {
            "i": 1, "f": 1.5, "s": "x", "b": True, "n": None, "d": {"a": 1}, "l": [1, 2],
            "t": (1, 2), "mv": MV.url("http://x"), "ak": dg.AssetKey("k"), "p": _PathLike("/q"),
            "dt": datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
        }
    )
    assert {k: type(v).__name__ for k, v in out.items()} == {
        "i": "IntMetadataValue", "f": "FloatMetadataValue", "s": "TextMetadataValue",
        "b": "BoolMetadataValue", "n": "NullMetadataValue", "d": "JsonMetadataValue",
        "l": "JsonMetadataValue", "t": "JsonMetadataValue", "mv": "UrlMetadataValue",
        "ak": "DagsterAssetMetadataValue", "p": "PathMetadataValue", "dt": "TimestampMetadataValue",
    }
    assert out["t"].value == [1, 2]
    assert out["dt"].value == 1704067200.0
    assert out["p"].value == "/q"


class _PathLike(os.PathLike):  # type: ignore[type-arg]
    def __init__(self, p: str) -> None:
        self.p = p

    def __fspath__(self) -> str:
        return self.p


def test_unknown_value_type_raises_invalid_metadata_naming_the_key() -> None:
    with pytest.raises(DagsterInvalidMetadata, match="'o'"):
        normalize_metadata({"o": object()})


def test_table_metadata() -> None:
    schema = dg.TableSchema(columns=[dg.TableColumn("a", "int"), dg.TableColumn("b")])
    table = MV.table(records=[dg.TableRecord({"a": 1, "b": "x"})], schema=schema)
    assert isinstance(table, dg.TableMetadataValue)
    assert [r.data for r in table.records] == [{"a": 1, "b": "x"}]
    assert [(c.name, c.type) for c in table.schema.columns] == [("a", "int"), ("b", "string")]
    assert isinstance(MV.table_schema(schema), dg.TableSchemaMetadataValue)
