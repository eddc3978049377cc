"""The result of an in-process run: success, events, and the output values it produced."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dockyard.defs.keys import AssetKey
from dockyard.errors import DagsterInvariantViolationError
from dockyard.instance.events import DagsterEvent, DagsterEventType


class ExecuteInProcessResult:
    """What ``materialize`` and ``execute_in_process`` return."""

    def __init__(
        self,
        run_id: str,
        job_def: Any,
        events: Sequence[DagsterEvent],
        outputs: Mapping[tuple[str, str], Any],
        dynamic_outputs: Mapping[tuple[str, str], Mapping[str, Any]],
        dagster_run: Any,
        plan: Any,
    ) -> None:
        self._run_id = run_id
        self._job_def = job_def
        self._events = list(events)
        self._outputs = outputs
        self._dynamic = dynamic_outputs
        self._dagster_run = dagster_run
        self._plan = plan

    @property
    def run_id(self) -> str:
        return self._run_id

    @property
    def success(self) -> bool:
        return not any(e.is_step_failure for e in self._events) and not any(
            e.event_type_value == DagsterEventType.RUN_FAILURE.value for e in self._events
        )

    @property
    def job_def(self) -> Any:
        return self._job_def

    @property
    def dagster_run(self) -> Any:
        return self._dagster_run

    @property
    def all_events(self) -> list[DagsterEvent]:
        return list(self._events)

    @property
    def all_node_events(self) -> list[DagsterEvent]:
        return [e for e in self._events if e.step_key is not None]

    def events_for_node(self, node_name: str) -> list[DagsterEvent]:
        return [e for e in self._events if _in_node(e.step_key, node_name)]

    def filter_events(self, event_filter: Callable[[DagsterEvent], bool]) -> list[DagsterEvent]:
        return [e for e in self._events if event_filter(e)]

    def _of_type(self, etype: DagsterEventType, node_name: str | None = None) -> list[DagsterEvent]:
        return [e for e in self._events if e.event_type_value == etype.value and (node_name is None or _in_node(e.step_key, node_name))]

    def get_step_success_events(self) -> list[DagsterEvent]:
        return self._of_type(DagsterEventType.STEP_SUCCESS)

    def get_step_failure_events(self) -> list[DagsterEvent]:
        return self._of_type(DagsterEventType.STEP_FAILURE)

    def get_failed_step_keys(self) -> set[str]:
        return {e.step_key for e in self.get_step_failure_events() if e.step_key}

    def get_asset_materialization_events(self) -> list[DagsterEvent]:
        return self._of_type(DagsterEventType.ASSET_MATERIALIZATION)

    def get_asset_observation_events(self) -> list[DagsterEvent]:
        return self._of_type(DagsterEventType.ASSET_OBSERVATION)

    def asset_materializations_for_node(self, node_name: str) -> list[Any]:
        return [e.asset_materialization for e in self._of_type(DagsterEventType.ASSET_MATERIALIZATION, node_name)]

    def asset_observations_for_node(self, node_name: str) -> list[Any]:
        return [e.event_specific_data.asset_observation for e in self._of_type(DagsterEventType.ASSET_OBSERVATION, node_name)]

    def get_job_success_event(self) -> DagsterEvent:
        evs = self._of_type(DagsterEventType.RUN_SUCCESS)
        if not evs:
            raise DagsterInvariantViolationError("The run did not succeed; there is no success event.")
        return evs[0]

    get_run_success_event = get_job_success_event

    def get_job_failure_event(self) -> DagsterEvent:
        evs = self._of_type(DagsterEventType.RUN_FAILURE)
        if not evs:
            raise DagsterInvariantViolationError("The run did not fail; there is no failure event.")
        return evs[0]

    get_run_failure_event = get_job_failure_event

    def output_for_node(self, node_str: str, output_name: str = "result") -> Any:
        """The value an op/asset output produced in this run (captured in memory, not reloaded)."""
        key = (node_str, output_name)
        if key in self._outputs:
            return self._outputs[key]
        if key in self._dynamic:
            return dict(self._dynamic[key])
        step = self._plan.step_by_key.get(node_str)
        if step is None:
            mapped = self._graph_node_output(node_str, output_name)
            if mapped is not None:
                return self.output_for_node(*mapped)
            raise DagsterInvariantViolationError(
                f"Node {node_str!r} is not in this run. Nodes: {sorted(self._plan.step_by_key)}."
            )
        if output_name not in step.op_def.output_defs:
            raise DagsterInvariantViolationError(
                f"Node {node_str!r} has no output {output_name!r}. Outputs: {list(step.op_def.output_defs)}."
            )
        raise DagsterInvariantViolationError(
            f"Output {output_name!r} of node {node_str!r} produced no value in this run (the step failed, "
            "was skipped, or did not emit it)."
        )

    def _graph_node_output(self, node_str: str, output_name: str) -> tuple[str, str] | None:
        """For a graph node (``"g"`` or ``"outer.g"``): the op output its ``output_name`` maps to."""
        graph = getattr(self._job_def, "graph_def", None)
        if graph is None:
            return None
        from dockyard.defs.graph import GraphDefinition
        from dockyard.execution.plan import _resolve_output

        prefix = ""
        node = None
        for part in node_str.split("."):
            node = graph.nodes.get(part) if isinstance(graph, GraphDefinition) else None
            if node is None:
                return None
            graph = node.definition
            prefix = f"{prefix}{part}."
        if not isinstance(graph, GraphDefinition):
            return None
        mapping = graph.output_mappings.get(output_name)
        if mapping is None:
            raise DagsterInvariantViolationError(
                f"Graph node {node_str!r} has no output {output_name!r}. Outputs: {list(graph.output_mappings)}."
            )
        return _resolve_output(graph, prefix, mapping)

    def output_value(self, output_name: str = "result") -> Any:
        graph = getattr(self._job_def, "graph_def", None)
        mapping = graph.output_mappings.get(output_name) if graph is not None else None
        if graph is None or mapping is None:
            raise DagsterInvariantViolationError(f"The job has no top-level output {output_name!r}.")
        from dockyard.execution.plan import _resolve_output

        node, out = _resolve_output(graph, "", mapping)
        return self.output_for_node(node, out)

    def asset_value(self, asset_key: Any) -> Any:
        key = AssetKey.from_coercible(asset_key)
        for step in self._plan.steps:
            for o in step.outputs:
                if o.asset_key == key:
                    return self.output_for_node(step.key, o.name)
        raise DagsterInvariantViolationError(f"Asset {key} was not materialized in this run.")


def _in_node(step_key: str | None, node_name: str) -> bool:
    """Whether a step belongs to node ``node_name``: the node itself or an op inside that graph."""
    return step_key == node_name or (step_key is not None and step_key.startswith(f"{node_name}."))
