from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dockyard.defs.keys import AssetKey
from dockyard.errors import DagsterInvalidDefinitionError


def test_asset_key_coerces_str_list_tuple_and_key() -> None:
    assert AssetKey("a").path == ["a"]
    assert AssetKey(["a", "b"]).path == ["a", "b"]
    assert AssetKey(("a", "b")) == AssetKey(["a", "b"])
    assert AssetKey(AssetKey(["a", "b"])) == AssetKey(["a", "b"])


def test_plain_constructor_keeps_slash_as_one_part_like_dagster() -> None:
    assert AssetKey("a/b").path == ["a/b"]


def test_slash_string_coercion_splits_into_parts() -> None:
    assert AssetKey.from_user_string("a/b/c").path == ["a", "b", "c"]
    assert AssetKey.from_coercible("a/b") == AssetKey(["a", "b"])
    assert AssetKey.from_coercible(["a", "b"]) == AssetKey(["a", "b"])


def test_path_is_a_fresh_list() -> None:
    key = AssetKey(["a", "b"])
    path = key.path
    assert isinstance(path, list)
    path.append("c")
    assert key.path == ["a", "b"]
    assert [*key.path, "c"] == ["a", "b", "c"]


def test_with_prefix_accepts_str_and_list() -> None:
    key = AssetKey(["a", "b"])
    assert key.with_prefix("p").path == ["p", "a", "b"]
    assert key.with_prefix(["p", "q"]).path == ["p", "q", "a", "b"]


def test_to_user_string_and_repr() -> None:
    key = AssetKey(["a", "b"])
    assert key.to_user_string() == "a/b"
    assert str(key) == "AssetKey(['a', 'b'])"
    assert key.to_string() == '["a", "b"]'


def test_equality_and_hash() -> None:
    assert AssetKey(["a", "b"]) != AssetKey("a")
    assert len({AssetKey(["a", "b"]), AssetKey(("a", "b"))}) == 1


def test_asset_key_is_immutable() -> None:
    key = AssetKey("a")
    with pytest.raises(AttributeError):
        key._parts = ("b",)  # type: ignore[misc]


def test_asset_key_rejects_non_string_input() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="AssetKey expects a string"):
        AssetKey(5)  # type: ignore[arg-type]


def test_asset_key_pickles() -> None:
    import pickle

    assert pickle.loads(pickle.dumps(AssetKey(["a", "b"]))) == AssetKey(["a", "b"])


_part = st.text(alphabet=st.characters(blacklist_characters="/", blacklist_categories=("Cs",)), min_size=1, max_size=8)


@given(st.lists(_part, min_size=1, max_size=5))
def test_user_string_round_trip(parts: list[str]) -> None:
    key = AssetKey(parts)
    assert AssetKey.from_user_string(key.to_user_string()) == key
    assert AssetKey.from_user_string(key.to_user_string()).to_user_string() == "/".join(parts)
