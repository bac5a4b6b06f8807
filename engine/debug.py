"""Single-node debug: run one node of a draft with user-supplied values for what it reads."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from engine.errors import DefinitionError, Issue, NodeError
from engine.events import NodeFinishedEvent
from engine.graph import Graph, config_issues, parse
from engine.models import Literal_, NodeDef, Ref, ValueSource, WorkflowDef
from engine.spec import NodeContext, NodeSpec, Services
from engine.subgraph import BodyRun
from engine.validation import configs as config_phase
from engine.validation.bodies import check_bodies
from engine.variables import follow


def debug_inputs(node: NodeDef, spec: NodeSpec, config: Any, services: Services | None = None) -> list[str]:
    """What single-node debug asks for: the inputs that read other nodes (a literal ``{"value": ...}`` input
    has its value already), or for nodes without inputs (if-else) the refs they read."""
    if spec.takes_inputs:
        return [name for name, source in node.inputs.items() if isinstance(source, Ref)]
    return list(dict.fromkeys(u.source.ref for u in spec.refs(node, config, services) if isinstance(u.source, Ref)))


async def run_node(data: Any, catalog: Mapping[str, NodeSpec], node_id: str, values: dict[str, Any],
                   services: Services | None = None, *, run_inputs: dict[str, Any] | None = None,
                   sys: dict[str, Any] | None = None,
                   on_chunk: Callable[[str], None] | None = None) -> NodeFinishedEvent:
    """Run ``node_id`` of a (possibly unfinished) draft; only that node's own config must be valid.

    ``values`` holds input values by input name, or, for if-else, by ref (``"kb.output_list"``); literal
    inputs keep their value unless ``values`` overrides it. For the start node, ``values`` are the run inputs.
    """
    workflow = parse(data)
    try:
        node = workflow.node(node_id)
    except KeyError:
        raise DefinitionError([Issue(node_id, "", "no such node in this workflow")]) from None
    spec = catalog.get(node.type)
    if spec is None:
        raise DefinitionError([Issue(node_id, "type", f"unknown node type '{node.type}'")])
    config, issues = config_issues(node, spec)
    if config is not None:
        issues += spec.check(node, config, services)
    if any(i.severity == "error" for i in issues):
        raise DefinitionError(issues)
    accepted = list(node.inputs) if spec.takes_inputs else debug_inputs(node, spec, config, services)
    unknown = sorted(set(values) - set(accepted)) if node.type != "start" else []
    if unknown:
        raise DefinitionError([Issue(node_id, "inputs", f"unknown debug input '{name}' "
                                     f"(this node reads: {', '.join(accepted) or 'nothing'})") for name in unknown])
    sys_values = {"run_id": uuid.uuid4().hex, **(sys or {})}

    def resolve(source: ValueSource) -> Any:
        if isinstance(source, Literal_):
            return source.value
        if source.ref in values:
            return values[source.ref]
        if source.node_id == "sys":
            return follow(sys_values.get(source.output), source.path)
        return None

    inputs = {name: values[name] if name in values else (source.value if isinstance(source, Literal_) else None)
              for name, source in node.inputs.items()}
    ctx = NodeContext(node=node, run_id=sys_values["run_id"], mode=workflow.mode, inputs=inputs,
                      services=services or Services(), sys=sys_values,
                      run_inputs=values if node.type == "start" else (run_inputs or {}),
                      resolve_source=resolve, emit=on_chunk or (lambda _delta: None))
    if spec.container is not None:
        ctx.body = _debug_body(workflow, node, spec, config, catalog, services, sys_values, run_inputs or {})
    started = time.perf_counter()
    common: dict[str, Any] = dict(run_id=ctx.run_id, seq=1, ts=time.time(), node_id=node.id, node_type=node.type,
                  title=node.title, inputs=inputs if spec.takes_inputs else values)
    try:
        result = await spec.run(ctx, config)
    except NodeError as exc:
        return NodeFinishedEvent(**common, status="failed", error=str(exc), attempts=1,
                                 elapsed_ms=round((time.perf_counter() - started) * 1000, 3))
    return NodeFinishedEvent(**common, status="succeeded", outputs=result.outputs, branch=result.branch,
                             usage=result.usage.as_dict() if result.usage else None, logs=result.logs,
                             attempts=1, elapsed_ms=round((time.perf_counter() - started) * 1000, 3))


def _debug_body(workflow: WorkflowDef, node: NodeDef, spec: NodeSpec, config: Any, catalog: Mapping[str, NodeSpec],
                services: Services | None, sys_values: dict[str, Any], run_inputs: dict[str, Any]) -> BodyRun:
    """A container's sub-graph, validated and ready to run alone: children may read the other nodes of the
    draft (their values are absent in a debug run) and the container's scope."""
    from engine.runner import Run  # the runner drives the children's events and limits

    others = {n.id: n for n in workflow.nodes if n.id != node.id}
    parsed, _ = config_phase.node_configs(others, catalog)
    outputs, _ = config_phase.declared_outputs(others, parsed, services)
    outputs[node.id] = {}
    bodies, issues = check_bodies([node.id], {node.id: node}, {node.id: spec}, {node.id: config}, outputs,
                                  {node.id: {k: v for k, v in outputs.items() if k != node.id}}, catalog, services,
                                  workflow.mode, {n.id for n in workflow.nodes})
    if any(i.severity == "error" for i in issues) or node.id not in bodies:
        raise DefinitionError(issues)
    graph = Graph(workflow=workflow, nodes={node.id: node}, specs={node.id: spec}, configs={node.id: config},
                  outputs={}, incoming={}, outgoing={}, order=(node.id,), start_id=node.id, bodies=bodies)
    run = Run(graph, run_inputs, services, run_id=sys_values["run_id"],
              sys={k: v for k, v in sys_values.items() if k != "run_id"})
    return BodyRun(run, bodies[node.id], run.pool)
