"""Execution plans: the ordered steps of a run, where each input comes from, and which
resources the run needs. Built once per job and selection, then reused across runs.

Planning is linear in the size of the selection: one pass to order steps (Kahn's algorithm
over step dependencies) and one to wire inputs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dockyard.defs.asset import AssetsDefinition
from dockyard.defs.asset_graph import AssetLayer, coerce_selection_keys
from dockyard.defs.graph import FanInRef, GraphDefinition, GraphInputRef, NodeOutputRef
from dockyard.defs.keys import AssetKey
from dockyard.defs.op import DEFAULT_IO_MANAGER_KEY, InputDefinition, OpDefinition, OutputDefinition
from dockyard.errors import DagsterInvalidDefinitionError


@dataclass(slots=True)
class InputPlan:
    """Where one input of a step comes from.

    ``source``: ``step`` (an output of an earlier step), ``asset`` (a stored asset not produced
    in this run), ``fanin`` (several step outputs as a list), ``unconnected`` (run config, an
    input manager or a default value), ``nothing`` (ordering only; never loaded).
    """

    name: str
    input_def: InputDefinition
    source: str
    upstream_step: str | None = None
    upstream_output: str | None = None
    asset_key: AssetKey | None = None
    fan_in: tuple[tuple[str, str], ...] = ()
    manager_key: str | None = None


@dataclass(slots=True)
class OutputPlan:
    name: str
    output_def: OutputDefinition
    asset_key: AssetKey | None
    manager_key: str
    # an op output a graph-backed asset's graph returns: (graph node, graph output name)
    graph_output: tuple[str, str] | None = None


@dataclass(slots=True)
class StepPlan:
    key: str
    op_def: OpDefinition
    inputs: list[InputPlan]
    outputs: list[OutputPlan]
    upstream_steps: tuple[str, ...]
    assets_def: AssetsDefinition | None = None
    tags: dict[str, Any] = field(default_factory=dict)
    node_name: str = ""  # the op's own name: the last part of its handle (``graph.op`` -> ``op``)


@dataclass(slots=True)
class ExecutionPlan:
    job_name: str
    steps: list[StepPlan]
    asset_layer: AssetLayer | None
    step_by_key: dict[str, StepPlan]
    # graph-backed assets in the plan: graph node name -> its steps' keys (``<node>.<op>``)
    graph_nodes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def is_asset_plan(self) -> bool:
        return self.asset_layer is not None



def _toposort_steps(steps: list[StepPlan], what: str) -> list[StepPlan]:
    by_key = {s.key: s for s in steps}
    indeg = {s.key: 0 for s in steps}
    children: dict[str, list[str]] = {s.key: [] for s in steps}
    for s in steps:
        for u in s.upstream_steps:
            if u in by_key:
                indeg[s.key] += 1
                children[u].append(s.key)
    ready = [s.key for s in steps if indeg[s.key] == 0]
    ready.reverse()
    order: list[StepPlan] = []
    while ready:
        k = ready.pop()
        order.append(by_key[k])
        for c in reversed(children[k]):
            indeg[c] -= 1
            if indeg[c] == 0:
                ready.append(c)
    if len(order) != len(steps):
        stuck = sorted(k for k, d in indeg.items() if d > 0)
        raise DagsterInvalidDefinitionError(
            f"The {what} contains a dependency cycle among steps {stuck}. Remove one of the dependencies."
        )
    return order


# -- asset plans ---------------------------------------------------------------------------------


def build_asset_plan(job_name: str, layer: AssetLayer, selection: Any) -> ExecutionPlan:
    selected = coerce_selection_keys(layer, selection)
    selected_set = set(selected)
    defs_in_order: list[AssetsDefinition] = []
    keys_for_def: dict[int, list[AssetKey]] = {}
    for key in selected:
        ad = layer.nodes[key].assets_def
        assert ad is not None
        if id(ad) not in keys_for_def:
            keys_for_def[id(ad)] = []
            defs_in_order.append(ad)
        keys_for_def[id(ad)].append(key)
    producer: dict[AssetKey, str] = {}
    # graph-backed assets: asset key -> (step, op output) inside the graph that writes it
    graph_producer: dict[AssetKey, tuple[str, str]] = {}
    graph_defs: list[AssetsDefinition] = []
    for ad in defs_in_order:
        if isinstance(ad.node_def, GraphDefinition):
            graph_defs.append(ad)
            for key in keys_for_def[id(ad)]:
                ref = ad.node_def.output_mappings[ad.output_names_by_key[key]]
                graph_producer[key] = _resolve_output(ad.node_def, f"{ad.node_def.name}.", ref)
                producer[key] = graph_producer[key][0]
            continue
        for key in keys_for_def[id(ad)]:
            producer[key] = ad.node_def.name
    steps: list[StepPlan] = []
    graph_nodes: dict[str, list[str]] = {}
    for ad in defs_in_order:
        op_def = ad.node_def
        if isinstance(op_def, GraphDefinition):
            graph_steps = _graph_asset_steps(ad, op_def, layer, producer, graph_producer, set(keys_for_def[id(ad)]))
            graph_nodes[op_def.name] = [st.key for st in graph_steps]
            steps.extend(graph_steps)
            continue
        own_keys = set(ad.keys_by_output_name.values())
        ups: set[str] = set()
        inputs: list[InputPlan] = []
        for in_name, in_def in op_def.input_defs.items():
            key = ad.keys_by_input_name[in_name]
            inputs.append(_asset_input(in_name, in_def, key, own_keys, layer, producer, graph_producer, ups))
        for key in keys_for_def[id(ad)]:
            for dep in ad.specs_by_key[key].deps:
                if dep in producer and dep not in own_keys:
                    ups.add(producer[dep])
        outputs = []
        for out_name, out_def in op_def.output_defs.items():
            key = ad.keys_by_output_name[out_name]
            if key in selected_set:
                outputs.append(OutputPlan(out_name, out_def, key, out_def.io_manager_key))
        steps.append(StepPlan(op_def.name, op_def, inputs, outputs, tuple(sorted(ups)), ad, dict(op_def.tags), op_def.name))
    ordered = _toposort_steps(steps, f"asset job {job_name!r}")
    return ExecutionPlan(job_name, ordered, layer, {s.key: s for s in ordered}, graph_nodes)


def _asset_input(
    in_name: str,
    in_def: InputDefinition,
    key: AssetKey,
    own_keys: set[AssetKey],
    layer: AssetLayer,
    producer: Mapping[AssetKey, str],
    graph_producer: Mapping[AssetKey, tuple[str, str]],
    ups: set[str],
) -> InputPlan:
    """An input reading asset ``key``: from the step producing it in this run, else from storage
    (a ``Nothing`` input only orders the steps)."""
    if in_def.is_nothing:
        if key in producer and key not in own_keys:
            ups.add(producer[key])
        return InputPlan(in_name, in_def, "nothing", asset_key=key)
    if key in producer and key not in own_keys:
        node = layer.nodes[key]
        up_step, up_out = graph_producer.get(key) or (producer[key], node.output_name)
        ups.add(up_step)
        return InputPlan(
            in_name, in_def, "step", up_step, up_out, key, manager_key=in_def.input_manager_key or node.io_manager_key
        )
    node = layer.node(key)
    return InputPlan(
        in_name, in_def, "asset", node.op_name, node.output_name, key,
        manager_key=in_def.input_manager_key or node.io_manager_key,
    )


@dataclass(frozen=True, slots=True)
class _AssetInputSource:
    """A graph input of a graph-backed asset: reads the upstream asset mapped to it."""

    input_name: str


def _graph_asset_steps(
    ad: AssetsDefinition,
    graph: GraphDefinition,
    layer: AssetLayer,
    producer: Mapping[AssetKey, str],
    graph_producer: Mapping[AssetKey, tuple[str, str]],
    selected: set[AssetKey],
) -> list[StepPlan]:
    """One step per op of a graph-backed asset, keyed ``<node>.<op>``. Graph inputs load the
    upstream assets; op outputs the graph returns write the assets (through the op output's I/O
    manager); all other op outputs are plain step outputs."""
    prefix = f"{graph.name}."
    flat: list[_Flat] = []
    _flatten(graph, prefix, {n: _AssetInputSource(n) for n in graph.input_defs}, flat)
    own_keys = set(ad.keys_by_output_name.values())
    writes: dict[tuple[str, str], tuple[AssetKey, str]] = {}
    for out_name, ref in graph.output_mappings.items():
        key = ad.keys_by_output_name.get(out_name)
        if key is not None and key in selected:
            writes.setdefault(_resolve_output(graph, prefix, ref), (key, out_name))
    present = {f.handle for f in flat}
    out_defs = {f.handle: f.op_def.output_defs for f in flat}
    steps: list[StepPlan] = []
    for f in flat:
        ups: set[str] = set()
        inputs: list[InputPlan] = []
        for in_name, in_def in f.op_def.input_defs.items():
            src = f.sources.get(in_name)
            if isinstance(src, _AssetInputSource):
                key = ad.keys_by_input_name[src.input_name]
                inputs.append(_asset_input(in_name, in_def, key, own_keys, layer, producer, graph_producer, ups))
            else:
                inputs.append(_op_input(in_name, in_def, src, present, out_defs, ups))
        outputs = []
        for n, d in f.op_def.output_defs.items():
            written = writes.get((f.handle, n))
            if written is None:
                outputs.append(OutputPlan(n, d, None, d.io_manager_key))
            else:
                spec_meta = ad.specs_by_key[written[0]].metadata
                if spec_meta:  # the asset's metadata joins the op output's definition metadata
                    d = OutputDefinition(
                        n, d.dagster_type, d.io_manager_key, {**d.metadata, **spec_meta}, d.is_required,
                        d.description, d.code_version, d.is_dynamic,
                    )
                outputs.append(OutputPlan(n, d, written[0], d.io_manager_key, (graph.name, written[1])))
        for key in selected:  # ordering-only deps of the assets order the whole graph
            for dep in ad.specs_by_key[key].deps:
                if dep in producer and dep not in own_keys and dep not in ad.keys_by_input_name.values():
                    ups.add(producer[dep])
        steps.append(StepPlan(
            f.handle, f.op_def, inputs, outputs, tuple(sorted(ups)), ad, {**f.op_def.tags, **f.tags},
            f.handle.rpartition(".")[2],
        ))
    return steps


# -- op plans -------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Flat:
    handle: str
    op_def: OpDefinition
    sources: dict[str, Any]
    tags: dict[str, Any]


def _flatten(graph: GraphDefinition, prefix: str, outer_inputs: Mapping[str, Any], out: list[_Flat]) -> None:
    """Flatten nested graphs: node handles become ``outer.inner``; graph inputs and outputs are
    resolved to the op outputs behind them."""

    def resolve_ref(ref: Any) -> Any:
        if isinstance(ref, NodeOutputRef):
            return _resolve_output(graph, prefix, ref)
        if isinstance(ref, GraphInputRef):
            return outer_inputs.get(ref.input_name)
        if isinstance(ref, FanInRef):
            return ("fanin", tuple(resolve_ref(r) for r in ref.sources))
        return None

    for node in graph.nodes.values():
        handle = f"{prefix}{node.name}"
        resolved = {name: resolve_ref(src) for name, src in node.input_sources.items()}
        if isinstance(node.definition, GraphDefinition):
            _flatten(node.definition, f"{handle}.", resolved, out)
        else:
            out.append(_Flat(handle, node.definition, resolved, node.tags))


def _resolve_output(graph: GraphDefinition, prefix: str, ref: NodeOutputRef) -> tuple[str, str]:
    node = graph.nodes[ref.node_name]
    if isinstance(node.definition, GraphDefinition):
        inner = node.definition.output_mappings[ref.output_name]
        return _resolve_output(node.definition, f"{prefix}{node.name}.", inner)
    return (f"{prefix}{node.name}", ref.output_name)


def _op_input(
    in_name: str,
    in_def: InputDefinition,
    src: Any,
    present: set[str],
    out_defs: Mapping[str, Mapping[str, OutputDefinition]],
    ups: set[str],
) -> InputPlan:
    """An op input wired inside a graph: from another op's output, a fan-in, or unconnected."""
    if in_def.is_nothing:
        if isinstance(src, tuple) and src and src[0] != "fanin" and src[0] in present:
            ups.add(src[0])
        elif isinstance(src, tuple) and src and src[0] == "fanin":
            ups.update(s[0] for s in src[1] if s and s[0] in present)
        return InputPlan(in_name, in_def, "nothing")
    if isinstance(src, tuple) and src and src[0] == "fanin":
        parts = tuple(s for s in src[1] if s is not None)
        ups.update(s[0] for s in parts if s[0] in present)
        return InputPlan(in_name, in_def, "fanin", fan_in=parts, manager_key=in_def.input_manager_key)
    if isinstance(src, tuple) and src[0] in present:
        up_out = out_defs[src[0]][src[1]]
        ups.add(src[0])
        return InputPlan(
            in_name, in_def, "step", src[0], src[1], manager_key=in_def.input_manager_key or up_out.io_manager_key
        )
    return InputPlan(in_name, in_def, "unconnected", manager_key=in_def.input_manager_key)


def build_op_plan(job_name: str, graph: GraphDefinition, op_selection: Iterable[str] | None = None) -> ExecutionPlan:
    flat: list[_Flat] = []
    _flatten(graph, "", {}, flat)
    if op_selection is not None:
        wanted = set(op_selection)
        unknown = wanted - {f.handle for f in flat}
        if unknown:
            raise DagsterInvalidDefinitionError(
                f"op_selection names ops {sorted(unknown)} that job {job_name!r} does not have. "
                f"Ops: {[f.handle for f in flat]}."
            )
        flat = [f for f in flat if f.handle in wanted]
    present = {f.handle for f in flat}
    out_defs = {f.handle: f.op_def.output_defs for f in flat}
    steps: list[StepPlan] = []
    for f in flat:
        inputs: list[InputPlan] = []
        ups: set[str] = set()
        for in_name, in_def in f.op_def.input_defs.items():
            inputs.append(_op_input(in_name, in_def, f.sources.get(in_name), present, out_defs, ups))
        outputs = [OutputPlan(n, d, None, d.io_manager_key) for n, d in f.op_def.output_defs.items()]
        steps.append(StepPlan(f.handle, f.op_def, inputs, outputs, tuple(sorted(ups)), None, f.tags, f.handle.rpartition(".")[2]))
    ordered = _toposort_steps(steps, f"job {job_name!r}")
    return ExecutionPlan(job_name, ordered, None, {s.key: s for s in ordered})


# -- resource checks ------------------------------------------------------------------------------


def required_resource_keys(plan: ExecutionPlan) -> dict[str, str]:
    """Every resource key the plan's steps need directly, with who needs it."""
    out: dict[str, str] = {}
    for step in plan.steps:
        for k in step.op_def.required_resource_keys:
            out.setdefault(k, f"op '{step.key}'")
    return out


def check_resources(plan: ExecutionPlan, resource_defs: Mapping[str, Any], default_io_manager: bool = True) -> None:
    """Raise ``DagsterInvalidDefinitionError`` for missing or wrongly typed resources.

    Each bound object is coerced once; the per-step loop only does dict lookups.
    """
    from dockyard.io.base import coerce_to_io_manager_definition, is_io_manager_definition

    available = set(resource_defs) | ({DEFAULT_IO_MANAGER_KEY} if default_io_manager else set())
    is_io = {k: is_io_manager_definition(coerce_to_io_manager_definition(v), v) for k, v in resource_defs.items()}
    io_keys = sorted(k for k, ok in is_io.items() if ok)
    checked: set[tuple[str, str]] = set()

    def check(key: str, user: str, kind: str, type_name: str) -> None:
        if (key, kind) in checked:
            return
        if key not in available:
            quote = "'" if kind == "io manager" else ""
            raise DagsterInvalidDefinitionError(
                f"{kind} with key '{key}' required by {user}{quote} was not provided. Please provide a "
                f"{type_name} to key '{key}', or change the required key to one of the following keys "
                f"which points to an {type_name}: {io_keys}"
            )
        if key in is_io and not is_io[key]:
            defn = coerce_to_io_manager_definition(resource_defs[key])
            raise DagsterInvalidDefinitionError(
                f"{kind} with key '{key}' required by {user}', but received {type(defn)}. Bind an "
                f"IOManager, an @io_manager definition or a ConfigurableIOManager to '{key}'."
            )
        checked.add((key, kind))

    for step in plan.steps:
        for o in step.outputs:
            if not o.output_def.is_nothing:
                check(o.manager_key, f"output '{o.name}' of op '{step.key}'", "io manager", "IOManagerDefinition")
        for i in step.inputs:
            if i.input_def.input_manager_key and i.source != "nothing":
                check(i.input_def.input_manager_key, f"input '{i.name}' of op '{step.key}'", "input manager", "IInputManagerDefinition")
            elif i.source == "asset" and i.manager_key:
                check(i.manager_key, f"input '{i.name}' of op '{step.key}'", "io manager", "IOManagerDefinition")
        for k in step.op_def.required_resource_keys:
            if k not in available:
                names = ", ".join(repr(x) for x in sorted(available)) or "none"
                raise DagsterInvalidDefinitionError(
                    f"resource with key '{k}' required by op '{step.key}' was not provided. Defined "
                    f"resources: {names}. Add it to the resources of the job or Definitions."
                )


def check_job_resources(job: Any) -> None:
    """Check an op job's resources at decoration time (when resources were given explicitly)."""
    if job.graph_def is None:
        return
    plan = build_op_plan(job.name, job.graph_def)
    job._plan_cache[None] = plan
    check_resources(plan, job.resource_defs)
