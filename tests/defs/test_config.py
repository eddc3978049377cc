from __future__ import annotations

import enum
import typing

import pytest

from dockyard.defs.config import (
    Any,
    Array,
    Bool,
    BoolSource,
    Enum,
    EnumValue,
    EnvVar,
    Field,
    Float,
    Int,
    IntSource,
    Map,
    Noneable,
    Permissive,
    Selector,
    Shape,
    String,
    StringSource,
    as_config_type,
    default_value,
    is_required,
    validate_config,
)
from dockyard.errors import CheckError, DagsterInvalidConfigError, DagsterInvalidDefinitionError


def errors_of(schema: object, value: object, path: str = "root") -> list[str]:
    with pytest.raises(DagsterInvalidConfigError) as info:
        validate_config(as_config_type(schema), value, "op 'x'", path)
    assert str(info.value).startswith("Error in config for op 'x'")
    return info.value.errors


# ---------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("schema", "expected"),
    [(int, Int), (str, String), (float, Float), (bool, Bool), (typing.Any, Any), (Int, Int)],
)
def test_as_config_type_maps_python_scalars(schema: object, expected: object) -> None:
    assert as_config_type(schema) is expected


def test_as_config_type_of_none_is_no_schema() -> None:
    assert as_config_type(None) is None
    assert validate_config(None, {"anything": 1}, "x") == {"anything": 1}
    assert validate_config(None, None, "x") is None
    assert not is_required(None)


def test_as_config_type_shorthands() -> None:
    shape = as_config_type({"a": int, "b": [str], "c": dict, "d": list})
    assert isinstance(shape, Shape)
    resolved = validate_config(shape, {"a": 1, "b": ["x"], "c": {"free": 1}, "d": [1, "y"]}, "x")
    assert resolved == {"a": 1, "b": ["x"], "c": {"free": 1}, "d": [1, "y"]}
    assert isinstance(as_config_type(dict), Permissive)
    assert isinstance(as_config_type(list[int]), Array)
    assert isinstance(as_config_type(dict[str, int]), Map)


def test_as_config_type_rejects_junk_naming_the_value_and_forms() -> None:
    with pytest.raises(DagsterInvalidDefinitionError) as info:
        as_config_type(object())
    assert "Invalid config schema <object object" in str(info.value)
    assert "Shape" in str(info.value) and "Noneable" in str(info.value)
    with pytest.raises(DagsterInvalidDefinitionError, match=r"exactly one item type"):
        as_config_type([int, str])


def test_as_config_type_accepts_objects_with_the_hook() -> None:
    class Plugged:
        @staticmethod
        def __dockyard_config_type__() -> object:
            return {"n": int}

    ct = as_config_type(Plugged)
    assert validate_config(ct, {"n": 3}, "x") == {"n": 3}


# ---------------------------------------------------------------- scalars


def test_scalars_accept_their_type_and_reject_others() -> None:
    assert validate_config(Int, 3, "x") == 3
    assert validate_config(Float, 1, "x") == 1.0
    assert isinstance(validate_config(Float, 1, "x"), float)
    assert validate_config(String, "s", "x") == "s"
    assert validate_config(Bool, False, "x") is False
    assert errors_of(int, True) == ["Invalid value True at path root: expected Int, got bool."]
    assert errors_of(bool, 1) == ["Invalid value 1 at path root: expected Bool, got int."]
    assert errors_of(str, 5) == ["Invalid value 5 at path root: expected String, got int."]


def test_any_accepts_everything_including_none() -> None:
    assert validate_config(Any, None, "x") is None
    assert validate_config(Any, [1], "x") == [1]


def test_required_scalar_missing_at_top_level_reports_sample() -> None:
    errs = errors_of(int, None)
    assert errs == ["Missing required config at path root. Sample config: 0."]


# ---------------------------------------------------------------- shapes


def test_shape_fills_defaults_including_nested_all_optional_shapes() -> None:
    schema = {
        "a": Field(int, default_value=1),
        "nested": {"b": Field(str, default_value="x"), "c": Field(Noneable(int))},
        "opt": Field(int, is_required=False),
    }
    ct = as_config_type(schema)
    assert not is_required(ct)
    assert validate_config(ct, {}, "x") == {"a": 1, "nested": {"b": "x", "c": None}}
    assert validate_config(ct, None, "x") == {"a": 1, "nested": {"b": "x", "c": None}}
    assert default_value(ct) == {"a": 1, "nested": {"b": "x", "c": None}}
    assert validate_config(ct, {"opt": 2, "nested": {"b": "y"}}, "x") == {
        "a": 1,
        "nested": {"b": "y", "c": None},
        "opt": 2,
    }


def test_defaults_are_not_shared_between_validations() -> None:
    ct = as_config_type({"items": Field([int], default_value=[1])})
    first = validate_config(ct, {}, "x")
    first["items"].append(2)  # type: ignore[index]
    assert validate_config(ct, {}, "x") == {"items": [1]}


def test_missing_required_entry_names_key_path_and_sample() -> None:
    errs = errors_of({"base_dir": str, "n": Field(int, default_value=1)}, {})
    assert errs == [
        "Missing required config entry \"base_dir\" at path root. Sample config: {'base_dir': '...'}."
    ]


def test_unexpected_entry_lists_valid_keys() -> None:
    schema = {"outputs": {"result": {"table": str}}}
    errs = errors_of(schema, {"outputs": {"result": {"tabel": "t"}}})
    assert (
        'Received unexpected config entry "tabel" at path root:outputs:result. '
        "Expected: ['table']." in errs
    )
    assert any('Missing required config entry "table"' in e for e in errs)


def test_all_errors_are_collected_with_nested_paths() -> None:
    schema = {"ops": {"my_op": {"config": {"limit": int, "names": [str]}}}}
    errs = errors_of(
        schema, {"ops": {"my_op": {"config": {"limit": "ten", "names": ["a", 2], "zzz": 1}}}}
    )
    assert errs == [
        "Invalid value 'ten' at path root:ops:my_op:config:limit: expected Int, got str.",
        "Invalid value 2 at path root:ops:my_op:config:names[1]: expected String, got int.",
        'Received unexpected config entry "zzz" at path root:ops:my_op:config. '
        "Expected: ['limit', 'names'].",
    ]


def test_path_prefix_is_used_in_messages() -> None:
    errs = errors_of({"n": int}, {"n": "x"}, path="root:resources:db:config")
    assert errs == ["Invalid value 'x' at path root:resources:db:config:n: expected Int, got str."]


def test_shape_rejects_non_dict() -> None:
    errs = errors_of({"a": int}, 5)
    assert errs == ["Invalid value 5 at path root: expected a dict matching {a: Int}, got int."]


def test_field_properties() -> None:
    f = Field(int, default_value=3, description="how many")
    assert not f.is_required and f.default_provided and f.default_value == 3
    assert f.description == "how many" and f.config_type is Int
    req = Field(str)
    assert req.is_required and not req.default_provided
    with pytest.raises(CheckError):
        _ = req.default_value
    shape_field = Field({"a": Field(int, default_value=1)})
    assert not shape_field.is_required and shape_field.default_value == {"a": 1}
    assert Field(Noneable(int)).is_required is False
    assert Field(Any).is_required is True


def test_field_rejects_bad_default_and_contradictions() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match=r"Default value 'x'"):
        Field(int, default_value="x")
    with pytest.raises(DagsterInvalidDefinitionError, match="is_required=True"):
        Field(int, default_value=1, is_required=True)


def test_top_level_field_default_is_used_when_nothing_given() -> None:
    ct = as_config_type(Field(int, default_value=7))
    assert not is_required(ct)
    assert validate_config(ct, None, "x") == 7
    assert validate_config(ct, 8, "x") == 8


def test_explicitly_required_field_with_optional_type_is_required() -> None:
    ct = as_config_type({"s": Field({"a": Field(int, default_value=1)}, is_required=True)})
    assert errors_of(ct, {})[0].startswith('Missing required config entry "s"')


# ---------------------------------------------------------------- composites


def test_permissive_checks_known_fields_and_passes_others() -> None:
    ct = Permissive({"a": int})
    assert validate_config(ct, {"a": 1, "b": {"x": 2}}, "x") == {"a": 1, "b": {"x": 2}}
    assert errors_of(ct, {"a": "no"}) == [
        "Invalid value 'no' at path root:a: expected Int, got str."
    ]


def test_selector_takes_exactly_one_key() -> None:
    ct = Selector({"csv": {"path": str}, "db": {"table": str}})
    assert validate_config(ct, {"db": {"table": "t"}}, "x") == {"db": {"table": "t"}}
    errs = errors_of(ct, {"csv": {"path": "p"}, "db": {"table": "t"}})
    assert "exactly one of the keys ['csv', 'db'], got 2" in errs[0]
    errs = errors_of(ct, {"xls": {}})
    assert errs == [
        "Received unexpected config entry \"xls\" at path root. Expected one of: ['csv', 'db']."
    ]


def test_noneable_accepts_none_and_checks_inner() -> None:
    ct = as_config_type({"n": Noneable(int)})
    assert validate_config(ct, {"n": None}, "x") == {"n": None}
    assert validate_config(ct, {"n": 2}, "x") == {"n": 2}
    assert errors_of(ct, {"n": "2"}) == ["Invalid value '2' at path root:n: expected Int, got str."]


def test_array_requires_a_list_of_items() -> None:
    assert validate_config(Array(int), (1, 2), "x") == [1, 2]
    assert errors_of(Array(int), "12") == [
        "Invalid value '12' at path root: expected a list [Int], got str."
    ]


def test_map_checks_keys_and_values() -> None:
    ct = Map(str, int)
    assert validate_config(ct, {"a": 1}, "x") == {"a": 1}
    assert errors_of(ct, {"a": "x", 3: 1}) == [
        "Invalid value 'x' at path root:a: expected Int, got str.",
        "Invalid value 3 at path root:3: expected String, got int.",
    ]
    with pytest.raises(DagsterInvalidDefinitionError, match="Map keys"):
        Map({"a": int}, int)


class Color(enum.Enum):
    RED = 1
    BLUE = 2


def test_enum_maps_config_values_to_python_values() -> None:
    ct = Enum("Level", [EnumValue("LOW", python_value=1), EnumValue("HIGH", python_value=9)])
    assert validate_config(ct, "HIGH", "x") == 9
    errs = errors_of({"level": ct}, {"level": "MID"})
    assert errs == [
        "Invalid value 'MID' at path root:level: expected one of the values of enum Level: "
        "['LOW', 'HIGH']."
    ]


def test_enum_from_python_enum() -> None:
    ct = Enum.from_python_enum(Color)
    assert validate_config(ct, "BLUE", "x") is Color.BLUE
    assert validate_config(ct, Color.RED, "x") is Color.RED
    assert validate_config(as_config_type(Color), "RED", "x") is Color.RED


# ---------------------------------------------------------------- sources and EnvVar


def test_sources_accept_literals() -> None:
    assert validate_config(StringSource, "s", "x") == "s"
    assert validate_config(IntSource, 4, "x") == 4
    assert validate_config(BoolSource, True, "x") is True
    assert errors_of(IntSource, "4") == ["Invalid value '4' at path root: expected Int, got str."]


def test_sources_read_env_at_validation_time(monkeypatch: pytest.MonkeyPatch) -> None:
    ct = as_config_type({"s": StringSource, "i": IntSource, "b": BoolSource})
    value = {"s": {"env": "DY_S"}, "i": {"env": "DY_I"}, "b": {"env": "DY_B"}}
    monkeypatch.setenv("DY_S", "hello")
    monkeypatch.setenv("DY_I", "42")
    monkeypatch.setenv("DY_B", "true")
    assert validate_config(ct, value, "x") == {"s": "hello", "i": 42, "b": True}
    monkeypatch.setenv("DY_I", "43")
    assert validate_config(ct, value, "x")["i"] == 43  # type: ignore[index]


def test_missing_env_var_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DY_MISSING", raising=False)
    errs = errors_of({"s": StringSource}, {"s": {"env": "DY_MISSING"}})
    assert len(errs) == 1 and '"DY_MISSING"' in errs[0] and "root:s" in errs[0]


def test_env_value_that_is_not_an_int(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DY_I", "many")
    errs = errors_of({"i": IntSource}, {"i": {"env": "DY_I"}})
    assert errs == [
        "Environment variable \"DY_I\" (config at path root:i) holds 'many', which is not a valid Int."
    ]


def test_envvar_is_a_str_resolved_by_string_schemas(monkeypatch: pytest.MonkeyPatch) -> None:
    ev = EnvVar("DY_DIR")
    assert isinstance(ev, str) and ev.env_var_name == "DY_DIR"
    monkeypatch.delenv("DY_DIR", raising=False)
    assert ev.get_value() is None and ev.get_value("d") == "d"
    monkeypatch.setenv("DY_DIR", "/data")
    assert ev.get_value() == "/data"
    assert validate_config(as_config_type({"d": StringSource}), {"d": ev}, "x") == {"d": "/data"}
    assert validate_config(as_config_type({"d": str}), {"d": ev}, "x") == {"d": "/data"}


def test_envvar_int(monkeypatch: pytest.MonkeyPatch) -> None:
    port = EnvVar.int("DY_PORT")
    monkeypatch.setenv("DY_PORT", "5432")
    assert port.env_var_name == "DY_PORT" and port.get_value() == 5432
    assert validate_config(as_config_type({"p": IntSource}), {"p": port}, "x") == {"p": 5432}


def test_env_default_is_not_read_at_definition_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DY_LATE", raising=False)
    ct = as_config_type({"s": Field(StringSource, default_value={"env": "DY_LATE"})})
    monkeypatch.setenv("DY_LATE", "now")
    assert validate_config(ct, {}, "x") == {"s": "now"}
