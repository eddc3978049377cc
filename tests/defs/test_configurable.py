from __future__ import annotations

import abc
import enum
from typing import Any, Literal, Optional

import pydantic
import pytest

from dockyard.defs.config import EnvVar, Shape, validate_config
from dockyard.defs.configurable import (
    Config,
    ConfigurableResource,
    ConfigurableResourceFactory,
    PartialResource,
    PermissiveConfig,
)
from dockyard.defs.resource import (
    InitResourceContext,
    ResourceDefinition,
    build_init_resource_context,
    coerce_to_resource_definition,
)
from dockyard.errors import DagsterInvalidConfigError, DagsterInvalidDefinitionError
from dockyard.execution.resources import ScopedResources, build_resources


def init_all(resources: dict[str, Any], **kwargs: Any) -> None:
    """Open and close ``resources`` with build_resources."""
    with build_resources(resources, **kwargs):
        pass


class Mode(enum.Enum):
    FAST = "fast"
    SAFE = "safe"


class Inner(Config):
    depth: int = 1


class OpConfig(Config):
    name: str
    limit: int = 10
    tags: list[str] = pydantic.Field(default_factory=list)
    mode: Mode = Mode.SAFE
    kind: Literal["a", "b"] = "a"
    note: Optional[str] = None  # noqa: UP045 - the Optional spelling must work too
    inner: Inner = Inner()


# ---------------------------------------------------------------- Config


def test_config_is_frozen_and_forbids_extra_fields() -> None:
    cfg = OpConfig(name="x")
    with pytest.raises(pydantic.ValidationError):
        cfg.name = "y"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        OpConfig(name="x", nme="typo")  # type: ignore[call-arg]


def test_config_schema_from_fields_validates_run_config() -> None:
    ct = OpConfig.to_config_schema()
    assert isinstance(ct, Shape)
    assert ct.is_required  # name has no default
    resolved = validate_config(ct, {"name": "n", "mode": "FAST", "inner": {}}, "op 'x'")
    assert resolved == {
        "name": "n",
        "limit": 10,
        "mode": Mode.FAST,
        "kind": "a",
        "note": None,
        "inner": {"depth": 1},
    }
    built = OpConfig(**resolved)  # type: ignore[arg-type]
    assert built.tags == [] and built.mode is Mode.FAST and built.inner.depth == 1
    with pytest.raises(DagsterInvalidConfigError) as info:
        validate_config(ct, {"name": 1, "kind": "c", "limit": "many"}, "op 'x'")
    text = str(info.value)
    assert "root:name" in text and "root:kind" in text and "root:limit" in text


def test_config_marks_itself_for_signature_parsing() -> None:
    assert OpConfig._dockyard_is_config is True
    assert ConfigurableResource._dockyard_is_config is False


def test_permissive_config_accepts_unknown_keys() -> None:
    class Loose(PermissiveConfig):
        a: int = 1

    assert Loose(a=2, b=3).model_extra == {"b": 3}  # type: ignore[call-arg]
    assert validate_config(Loose.to_config_schema(), {"b": 3}, "x") == {"a": 1, "b": 3}


# ---------------------------------------------------------------- resources


class Warehouse(ConfigurableResource):
    """A warehouse connection."""

    url: str
    pool: int = 2
    options: dict[str, Any] = pydantic.Field(default_factory=dict)


def test_instances_are_usable_directly_and_immutable() -> None:
    wh = Warehouse(url="duck://")
    assert wh.url == "duck://" and wh.pool == 2 and wh.options == {}
    with pytest.raises(pydantic.ValidationError):
        wh.url = "other"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        Warehouse()  # type: ignore[call-arg]
    with pytest.raises(pydantic.ValidationError):
        Warehouse(url="x", pool="not a number")  # type: ignore[arg-type]


def test_resource_definition_schema_uses_construction_values_as_defaults() -> None:
    defn = Warehouse(url="duck://", pool=5).get_resource_definition()
    assert isinstance(defn, ResourceDefinition)
    assert defn.description == "A warehouse connection."
    assert not defn.is_config_required
    assert coerce_to_resource_definition(Warehouse(url="a")).config_type is not None


def test_run_config_overrides_fields_and_user_sees_merged_instance() -> None:
    wh = Warehouse(url="duck://", pool=5)
    with build_resources({"wh": wh}, resource_config={"wh": {"config": {"pool": 9}}}) as res:
        assert isinstance(res.wh, Warehouse)
        assert (res.wh.url, res.wh.pool) == ("duck://", 9)
    assert wh.pool == 5


def test_invalid_run_config_for_pythonic_resource() -> None:
    with pytest.raises(DagsterInvalidConfigError, match=r"root:resources:wh:config:pool"):
        init_all({"wh": Warehouse(url="a")}, resource_config={"wh": {"config": {"pool": "x"}}})


def test_configure_at_launch_requires_run_config() -> None:
    partial = Warehouse.configure_at_launch(pool=3)
    assert isinstance(partial, PartialResource)
    assert partial.get_resource_definition().is_config_required
    with pytest.raises(DagsterInvalidConfigError, match=r'Missing required config entry "url"'):
        init_all({"wh": partial})
    with build_resources(
        {"wh": partial}, resource_config={"wh": {"config": {"url": "pg://"}}}
    ) as res:
        assert (res.wh.url, res.wh.pool) == ("pg://", 3)


def test_configure_at_launch_rejects_unknown_fields() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match=r"no field\(s\) \['nope'\]"):
        Warehouse.configure_at_launch(nope=1).get_resource_definition()


def test_envvar_fields_are_resolved_at_init(monkeypatch: pytest.MonkeyPatch) -> None:
    class Api(ConfigurableResource):
        token: str
        port: int = 80

    monkeypatch.delenv("DY_TOKEN", raising=False)
    api = Api(token=EnvVar("DY_TOKEN"), port=EnvVar.int("DY_PORT"))  # type: ignore[arg-type]
    assert api.token == EnvVar("DY_TOKEN")
    with pytest.raises(DagsterInvalidConfigError, match='"DY_TOKEN"'):
        init_all({"api": api})
    monkeypatch.setenv("DY_TOKEN", "secret")
    monkeypatch.setenv("DY_PORT", "8080")
    with build_resources({"api": api}) as res:
        assert (res.api.token, res.api.port) == ("secret", 8080)
        assert type(res.api.token) is str


def test_setup_and_teardown_hooks_and_private_attributes() -> None:
    events: list[str] = []

    class Cache(ConfigurableResource):
        size: int = 1

        def setup_for_execution(self, context: InitResourceContext) -> None:
            self._store: dict[str, int] = {}
            events.append(f"setup {self.size}")

        def teardown_after_execution(self, context: InitResourceContext) -> None:
            events.append(f"teardown {len(self._store)}")

    with build_resources({"c": Cache()}, resource_config={"c": {"config": {"size": 4}}}) as res:
        res.c._store["k"] = 1
        assert events == ["setup 4"]
    assert events == ["setup 4", "teardown 1"]


def test_nested_resources_are_initialised_first_and_injected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    events: list[str] = []

    class Conn(ConfigurableResource):
        dsn: str

        def setup_for_execution(self, context: InitResourceContext) -> None:
            events.append(f"setup conn {self.dsn}")

        def teardown_after_execution(self, context: InitResourceContext) -> None:
            events.append("teardown conn")

    class Repo(ConfigurableResource):
        conn: Conn
        table: str = "t"

        def setup_for_execution(self, context: InitResourceContext) -> None:
            events.append(f"setup repo {self.conn.dsn}/{self.table}")

        def teardown_after_execution(self, context: InitResourceContext) -> None:
            events.append("teardown repo")

    monkeypatch.setenv("DY_DSN", "pg://env")
    repo = Repo(conn=Conn(dsn=EnvVar("DY_DSN")))
    ct = repo.get_resource_definition().config_type
    assert isinstance(ct, Shape) and set(ct.fields) == {"table"}
    with build_resources({"repo": repo}) as res:
        assert res.repo.conn.dsn == "pg://env"
    assert events == [
        "setup conn pg://env",
        "setup repo pg://env/t",
        "teardown repo",
        "teardown conn",
    ]


def test_nested_resource_bound_at_top_level_is_shared() -> None:
    inits: list[str] = []

    class Conn(ConfigurableResource):
        dsn: str

        def setup_for_execution(self, context: InitResourceContext) -> None:
            inits.append(self.dsn)

    class Repo(ConfigurableResource):
        conn: Conn

    conn = Conn.configure_at_launch()
    resources = {"conn": conn, "repo": Repo(conn=conn)}  # type: ignore[arg-type]
    config = {"conn": {"config": {"dsn": "launch://"}}}
    with build_resources(resources, resource_config=config) as res:
        assert res.repo.conn is res.conn
        assert res.repo.conn.dsn == "launch://"
    assert inits == ["launch://"]
    with pytest.raises(DagsterInvalidDefinitionError, match="top-level resource key"):
        init_all({"repo": Repo(conn=conn)})  # type: ignore[arg-type]


class Client:
    def __init__(self, token: str) -> None:
        self.token = token
        self.closed = False


def test_resource_factory_value_is_what_create_resource_returns() -> None:
    class ClientFactory(ConfigurableResourceFactory[Client]):
        token: str

        def create_resource(self, context: InitResourceContext) -> Client:
            return Client(self.token)

    with build_resources({"client": ClientFactory(token="t")}) as res:
        assert isinstance(res.client, Client) and res.client.token == "t"
    with pytest.raises(TypeError):
        ConfigurableResourceFactory()  # type: ignore[abstract]


class Manager(abc.ABC):
    @abc.abstractmethod
    def load(self) -> str: ...


class ManagerFactory(ConfigurableResourceFactory[Manager]):
    """Mirrors how the IO layer builds its factory on top of this module."""

    def create_resource(self, context: InitResourceContext) -> Manager:
        return self.create_manager(context)

    @abc.abstractmethod
    def create_manager(self, context: InitResourceContext) -> Manager: ...

    @classmethod
    def _make_resource_definition(cls, **kwargs: Any) -> ResourceDefinition:
        defn = super()._make_resource_definition(**kwargs)
        defn.made_by = cls.__name__  # type: ignore[attr-defined]
        return defn


def test_factory_combined_with_an_abc_checks_abstract_methods() -> None:
    class SelfManager(ManagerFactory, Manager):
        prefix: list[str] = []

        def create_manager(self, context: InitResourceContext) -> Manager:
            return self

        def load(self) -> str:
            return "/".join(self.prefix)

    class Incomplete(ManagerFactory, Manager):
        def create_manager(self, context: InitResourceContext) -> Manager:
            return self

    with pytest.raises(TypeError, match="load"):
        Incomplete()  # type: ignore[abstract]
    mgr = SelfManager(prefix=["a", "b"])
    assert isinstance(mgr, Manager)
    defn = mgr.get_resource_definition()
    assert defn.made_by == "SelfManager"  # type: ignore[attr-defined]
    with build_resources({"m": mgr}, resource_config={"m": {"config": {"prefix": ["x"]}}}) as res:
        assert res.m.load() == "x"
    with pytest.raises(pydantic.ValidationError):
        SelfManager(prefix="not-a-list")  # type: ignore[arg-type]


def test_from_resource_context() -> None:
    ctx = build_init_resource_context(config={"url": "u", "pool": 3})
    wh = Warehouse.from_resource_context(ctx)
    assert isinstance(wh, Warehouse) and wh.pool == 3


def test_direct_invocation_of_the_definition() -> None:
    defn = Warehouse(url="u").get_resource_definition()
    with build_init_resource_context(config={"pool": 7}) as ctx:
        value = defn(ctx)
    assert isinstance(value, Warehouse) and (value.url, value.pool) == ("u", 7)


def test_scope_reports_the_resolved_config_of_pythonic_resources() -> None:
    scope = ScopedResources({"wh": Warehouse(url="u")})
    assert scope.resource_config("wh") == {"url": "u", "pool": 2}
    scope.close()
