"""Graphs: ops wired together by calling them inside a ``@graph`` or ``@job`` body.

While a composition function runs, calls to ops record nodes instead of computing; each call
returns handles to the node's outputs that later calls take as arguments.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from dockyard.defs.op import InputDefinition, OpDefinition, OutputDefinition
from dockyard.errors import DagsterInvalidDefinitionError


@dataclass(frozen=True, slots=True)
class NodeOutputRef:
    node_name: str
    output_name: str


@dataclass(frozen=True, slots=True)
class GraphInputRef:
    input_name: str


@dataclass(frozen=True, slots=True)
class FanInRef:
    sources: tuple[NodeOutputRef | GraphInputRef, ...]


InputSource = NodeOutputRef | GraphInputRef | FanInRef


@dataclass(slots=True)
class Node:
    """One use of an op or graph inside a graph, with where each of its inputs comes from."""

    name: str
    definition: OpDefinition | GraphDefinition
    input_sources: dict[str, InputSource] = field(default_factory=dict)
    tags: dict[str, Any] = field(default_factory=dict)


class OutputHandle:
    """What calling an op inside a composition returns: a reference to one of its outputs."""

    __slots__ = ("node_name", "output_name")

    def __init__(self, node_name: str, output_name: str) -> None:
        self.node_name = node_name
        self.output_name = output_name

    def __repr__(self) -> str:
        return f"OutputHandle({self.node_name!r}, {self.output_name!r})"

    def __iter__(self) -> Any:
        raise DagsterInvalidDefinitionError(
            f"Output {self.output_name!r} of node {self.node_name!r} is a single output and cannot be "
            "unpacked. Declare several outputs with out={'a': Out(), 'b': Out()} to return a tuple."
        )


class GraphInputHandle:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


_local = threading.local()


def current_composition() -> _Composition | None:
    return getattr(_local, "comp", None)


class _Composition:
    def __init__(self, graph_name: str) -> None:
        self.graph_name = graph_name
        self.nodes: dict[str, Node] = {}
        self.counts: dict[str, int] = {}

    def _unique_name(self, base: str) -> str:
        n = self.counts.get(base, 0) + 1
        self.counts[base] = n
        name = base if n == 1 else f"{base}_{n}"
        while name in self.nodes:
            n += 1
            self.counts[base] = n
            name = f"{base}_{n}"
        return name

    def add_invocation(
        self,
        definition: OpDefinition | GraphDefinition,
        alias: str | None,
        tags: Mapping[str, Any] | None,
        args: Sequence[Any],
        kwargs: Mapping[str, Any],
    ) -> Any:
        if alias is not None and alias in self.nodes:
            raise DagsterInvalidDefinitionError(
                f"Graph {self.graph_name!r} uses the alias {alias!r} twice; give each call its own alias."
            )
        name = alias or self._unique_name(definition.name)
        input_defs = definition.input_defs
        names = list(input_defs)
        if len(args) > len(names):
            raise DagsterInvalidDefinitionError(
                f"In graph {self.graph_name!r}, {definition.name!r} was called with {len(args)} "
                f"positional arguments but has {len(names)} inputs: {names}."
            )
        sources: dict[str, InputSource] = {}
        for i, arg in enumerate(args):
            sources[names[i]] = self._source(definition.name, names[i], arg)
        for k, arg in kwargs.items():
            if k not in input_defs:
                raise DagsterInvalidDefinitionError(
                    f"In graph {self.graph_name!r}, {definition.name!r} was called with unknown "
                    f"input {k!r}. Its inputs: {names}."
                )
            sources[k] = self._source(definition.name, k, arg)
        self.nodes[name] = Node(name, definition, sources, dict(tags or {}))
        outs = list(definition.output_defs)
        if len(outs) == 1:
            return OutputHandle(name, outs[0])
        if not outs:
            return None
        tup = NamedTuple(f"{name}_outputs", [(o, Any) for o in outs])  # type: ignore[misc]
        return tup(*[OutputHandle(name, o) for o in outs])

    def _source(self, node: str, input_name: str, arg: Any) -> InputSource:
        if isinstance(arg, OutputHandle):
            return NodeOutputRef(arg.node_name, arg.output_name)
        if isinstance(arg, GraphInputHandle):
            return GraphInputRef(arg.name)
        if isinstance(arg, (list, tuple)) and arg and all(isinstance(a, (OutputHandle, GraphInputHandle)) for a in arg):
            return FanInRef(tuple(self._source(node, input_name, a) for a in arg))  # type: ignore[misc]
        raise DagsterInvalidDefinitionError(
            f"In graph {self.graph_name!r}, input {input_name!r} of {node!r} received {arg!r}. Inside a "
            "graph or job body, inputs take the outputs of other op calls, not plain values; pass "
            "plain values through config or input managers."
        )


class GraphDefinition:
    """Nodes wired together, with graph inputs and outputs mapped onto node inputs and outputs."""

    def __init__(
        self,
        name: str,
        nodes: Mapping[str, Node],
        input_defs: Mapping[str, InputDefinition] | None = None,
        input_mappings: Mapping[str, list[tuple[str, str]]] | None = None,
        output_mappings: Mapping[str, NodeOutputRef] | None = None,
        description: str | None = None,
        tags: Mapping[str, Any] | None = None,
        config: Any = None,
    ) -> None:
        self.name = name
        self.nodes = dict(nodes)
        self.input_defs = dict(input_defs or {})
        self.input_mappings = dict(input_mappings or {})
        self.output_mappings = dict(output_mappings or {})
        self.description = description
        self.tags = dict(tags or {})
        self.config = config
        self.output_defs: dict[str, OutputDefinition] = {}
        for out_name, ref in self.output_mappings.items():
            inner = self.nodes[ref.node_name].definition.output_defs[ref.output_name]
            self.output_defs[out_name] = OutputDefinition(
                out_name, inner.dagster_type, inner.io_manager_key, inner.metadata, inner.is_required
            )

    @property
    def node_defs(self) -> list[OpDefinition | GraphDefinition]:
        return [n.definition for n in self.nodes.values()]

    def iterate_op_defs(self) -> list[OpDefinition]:
        out: list[OpDefinition] = []
        for n in self.nodes.values():
            if isinstance(n.definition, GraphDefinition):
                out.extend(n.definition.iterate_op_defs())
            else:
                out.append(n.definition)
        return out

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        comp = current_composition()
        if comp is None:
            raise DagsterInvalidDefinitionError(
                f"Graph {self.name!r} can only be called inside another @graph or @job body. To run "
                f"it, use {self.name}.execute_in_process() or {self.name}.to_job()."
            )
        return comp.add_invocation(self, None, None, args, kwargs)

    def alias(self, name: str) -> Any:
        from dockyard.defs.op import PendingNodeInvocation

        return PendingNodeInvocation(self, name)  # type: ignore[arg-type]

    def to_job(self, name: str | None = None, **kwargs: Any) -> Any:
        from dockyard.defs.job import JobDefinition

        return JobDefinition(graph_def=self, name=name or self.name, **kwargs)

    def execute_in_process(self, run_config: Any = None, **kwargs: Any) -> Any:
        return self.to_job().execute_in_process(run_config=run_config, **kwargs)

    def __repr__(self) -> str:
        return f"<GraphDefinition {self.name!r}>"


def compose(
    fn: Callable[..., Any],
    name: str,
    description: str | None = None,
    output_names: Sequence[str] | None = None,
    **graph_kwargs: Any,
) -> GraphDefinition:
    """Run a composition function and record the graph it builds.

    ``output_names`` (graph-backed assets) names the graph outputs that a single returned handle
    or a plain tuple of handles maps to, in order.
    """
    from dockyard.defs.op import build_input_defs
    from dockyard.defs.signature import analyze

    if graph_kwargs.get("config") is not None:
        raise DagsterInvalidDefinitionError(
            f"Graph {name!r}: config= on @graph / @graph_asset (a ConfigMapping or fixed config for "
            "the ops inside) is not supported by dockyard yet. Give the inner ops' config in the "
            f"run config instead: {{'ops': {{'{name}': {{'ops': {{'<op name>': {{'config': {{...}}}}}}}}}}}}."
        )
    shape = analyze(fn, "@graph")
    graph_inputs = build_input_defs(shape, None, f"Graph {name!r}") if shape.inputs else {}
    if shape.context is not None and not graph_inputs:
        graph_inputs = {}
    comp = _Composition(name)
    prev = current_composition()
    _local.comp = comp
    try:
        handles = {p: GraphInputHandle(p) for p in graph_inputs}
        ret = fn(**handles)
    finally:
        _local.comp = prev
    input_mappings: dict[str, list[tuple[str, str]]] = {}
    for node in comp.nodes.values():
        for in_name, src in node.input_sources.items():
            refs = src.sources if isinstance(src, FanInRef) else (src,)
            for r in refs:
                if isinstance(r, GraphInputRef):
                    input_mappings.setdefault(r.input_name, []).append((node.name, in_name))
    output_mappings: dict[str, NodeOutputRef] = {}
    if output_names and isinstance(ret, OutputHandle):
        ret = (ret,)
    if output_names and isinstance(ret, tuple) and not hasattr(ret, "_fields") and len(ret) == len(output_names):
        ret = dict(zip(output_names, ret, strict=True))
    if isinstance(ret, OutputHandle):
        output_mappings["result"] = NodeOutputRef(ret.node_name, ret.output_name)
    elif isinstance(ret, dict):
        for k, v in ret.items():
            if isinstance(v, OutputHandle):
                output_mappings[k] = NodeOutputRef(v.node_name, v.output_name)
    elif isinstance(ret, tuple) and ret and all(isinstance(v, OutputHandle) for v in ret):
        fields = getattr(ret, "_fields", None)
        for i, v in enumerate(ret):
            output_mappings[fields[i] if fields else f"result_{i}"] = NodeOutputRef(v.node_name, v.output_name)
    return GraphDefinition(name, comp.nodes, graph_inputs, input_mappings, output_mappings, description, **graph_kwargs)


def graph(
    fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    tags: Mapping[str, Any] | None = None,
    config: Any = None,
    **_ignored: Any,
) -> Any:
    """Turn a composition function into a ``GraphDefinition``."""

    def wrap(f: Callable[..., Any]) -> GraphDefinition:
        return compose(f, name or f.__name__, description or inspect.getdoc(f), tags=tags, config=config)

    return wrap(fn) if fn is not None else wrap


def invoke_directly(
    op_def: OpDefinition, args: Sequence[Any], kwargs: Mapping[str, Any], assets_def: Any = None
) -> Any:
    """Call an op (or asset: pass its ``AssetsDefinition`` so the context knows the asset keys)
    outside any run, as plain Python (used in unit tests)."""
    # Direct invocation needs an execution context: the builder lives in the execution layer,
    # so it is imported here at call time rather than at module import.
    from dockyard.execution.invocation import invoke_op

    return invoke_op(op_def, args, kwargs, assets_def=assets_def)
