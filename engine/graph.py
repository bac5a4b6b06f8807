"""Validate a workflow definition up front and return an immutable, analysed graph.

Every problem is collected and reported at once (``DefinitionError.issues``), each naming its node and field.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import networkx as nx
from pydantic import BaseModel, ValidationError

from engine.errors import DefinitionError, Issue
from engine.models import EdgeDef, NodeDef, Ref, WorkflowDef
from engine.spec import ERROR_HANDLE, NodeSpec, RefUse, Services
from engine.types import is_compatible, path_type

SYS_VARIABLES: dict[str, str] = {
    "query": "string", "files": "array[file]", "conversation_id": "string", "user": "string",
    "run_id": "string", "history": "array[object]",
}
CHAT_ONLY_SYS = {"query", "history", "conversation_id"}
WORKFLOW = "workflow"  # pseudo node id for issues about the whole definition


@dataclass(frozen=True)
class Graph:
    """A validated workflow: parsed configs, declared outputs, edges by node, and a topological order."""

    workflow: WorkflowDef
    nodes: Mapping[str, NodeDef]
    specs: Mapping[str, NodeSpec]
    configs: Mapping[str, BaseModel]
    outputs: Mapping[str, Mapping[str, str]]
    incoming: Mapping[str, tuple[EdgeDef, ...]]
    outgoing: Mapping[str, tuple[EdgeDef, ...]]
    order: tuple[str, ...]
    start_id: str
    warnings: tuple[Issue, ...] = ()

    @property
    def end_ids(self) -> list[str]:
        return [nid for nid in self.order if self.nodes[nid].type == "end"]


def parse(data: Any) -> WorkflowDef:
    """Parse raw JSON data into a WorkflowDef, raising DefinitionError with located issues."""
    if isinstance(data, WorkflowDef):
        return data
    try:
        return WorkflowDef.model_validate(data)
    except ValidationError as exc:
        raise DefinitionError([_issue_from_pydantic(data, err) for err in exc.errors()]) from None


def _issue_from_pydantic(data: Any, err: Any) -> Issue:
    loc = list(err["loc"])
    node_id, prefix = WORKFLOW, []
    if len(loc) >= 2 and loc[0] in ("nodes", "edges") and isinstance(loc[1], int):
        items = data.get(loc[0]) if isinstance(data, dict) else None
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        if loc[0] == "nodes" and isinstance(item, dict) and isinstance(item.get("id"), str):
            node_id = item["id"]
        else:
            prefix = [f"{loc[0]}[{loc[1]}]"]
        loc = loc[2:]
    # Drop the union-branch names pydantic adds for ValueSource (``Ref`` / ``Literal_``).
    loc = [p for p in loc if p not in ("Ref", "Literal_")]
    field = ".".join(prefix + [str(p) for p in loc])
    return Issue(node_id, field, _pydantic_message(err))


def _pydantic_message(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown field"
    if err["type"] == "missing":
        return "field required"
    if err["type"] == "value_error" and "error" in err.get("ctx", {}):
        return str(err["ctx"]["error"])  # our own validators' words, without pydantic's "Value error, "
    return str(err["msg"])


def config_issues(node: NodeDef, spec: NodeSpec) -> tuple[BaseModel | None, list[Issue]]:
    """Parse a node's config with its spec's model."""
    try:
        return spec.config_model.model_validate(node.config), []
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            field = ".".join(["config", *(str(p) for p in err["loc"])])
            issues.append(Issue(node.id, field, _pydantic_message(err)))
        return None, issues


def validate(data: Any, catalog: Mapping[str, NodeSpec], services: Services | None = None) -> Graph:
    """Validate a definition completely; raise DefinitionError listing every issue, or return the Graph."""
    with _collector_paused():
        return _validate(data, catalog, services)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Validation keeps a few objects per node alive and makes no reference cycles; on a 20,000-node workflow
    the collector's full passes over the growing heap cost as much as the validation itself."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _validate(data: Any, catalog: Mapping[str, NodeSpec], services: Services | None) -> Graph:
    workflow = parse(data)
    issues: list[Issue] = []
    nodes: dict[str, NodeDef] = {}
    for node in workflow.nodes:
        if node.id in nodes:
            issues.append(Issue(node.id, "id", "duplicate node id"))
        nodes[node.id] = node
        if node.id == "sys":
            issues.append(Issue(node.id, "id", "'sys' is reserved for system variables"))

    starts = [n.id for n in workflow.nodes if n.type == "start"]
    if not starts:
        issues.append(Issue(WORKFLOW, "nodes", "no start node"))
    for extra in starts[1:]:
        issues.append(Issue(extra, "type", f"duplicate start node (the start node is '{starts[0]}')"))
    if not any(n.type == "end" for n in workflow.nodes):
        issues.append(Issue(WORKFLOW, "nodes", "no end node"))

    specs: dict[str, NodeSpec] = {}
    configs: dict[str, BaseModel] = {}
    for node in nodes.values():
        spec = catalog.get(node.type)
        if spec is None:
            issues.append(Issue(node.id, "type", f"unknown node type '{node.type}' "
                                f"(known: {', '.join(sorted(catalog))})"))
            continue
        specs[node.id] = spec
        if node.inputs and not spec.takes_inputs:
            issues.append(Issue(node.id, "inputs", f"a {node.type} node takes no inputs"))
        config, found = config_issues(node, spec)
        issues.extend(found)
        if config is not None:
            configs[node.id] = config
        if node.on_error and node.on_error.strategy == "default" and not node.on_error.default_outputs:
            issues.append(Issue(node.id, "on_error.default_outputs",
                                "strategy 'default' needs default_outputs"))

    handles = {nid: _handles(nodes[nid], specs[nid], configs[nid]) for nid in configs}
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    incoming: dict[str, list[EdgeDef]] = {nid: [] for nid in nodes}
    outgoing: dict[str, list[EdgeDef]] = {nid: [] for nid in nodes}
    seen_edges: set[tuple[str, str, str]] = set()
    for index, edge in enumerate(workflow.edges):
        where = f"edges[{index}]"
        key = (edge.source, edge.target, edge.source_handle)
        if edge.source not in nodes:
            issues.append(Issue(WORKFLOW, f"{where}.source", f"edge from unknown node '{edge.source}'"))
            continue
        if edge.target not in nodes:
            issues.append(Issue(edge.source, f"{where}.target", f"edge to unknown node '{edge.target}'"))
            continue
        if key in seen_edges:
            issues.append(Issue(edge.source, where, f"duplicate edge to '{edge.target}' "
                                f"(handle '{edge.source_handle}')"))
            continue
        seen_edges.add(key)
        if edge.source == edge.target:
            issues.append(Issue(edge.source, where, "edge from a node to itself"))
            continue
        if nodes[edge.target].type == "start":
            issues.append(Issue(edge.target, "edges", f"the start node cannot have incoming edges "
                                f"(from '{edge.source}')"))
        if nodes[edge.source].type == "end":
            issues.append(Issue(edge.source, "edges", f"an end node cannot have outgoing edges "
                                f"(to '{edge.target}')"))
        known = handles.get(edge.source)
        if known is not None and edge.source_handle not in known:
            issues.append(Issue(edge.source, f"{where}.source_handle",
                                f"handle '{edge.source_handle}' does not exist "
                                f"(handles: {', '.join(known)})"))
        graph.add_edge(edge.source, edge.target)
        incoming[edge.target].append(edge)
        outgoing[edge.source].append(edge)

    try:
        order = tuple(nx.lexicographical_topological_sort(graph))
        cycles: list[list[str]] = []
    except nx.NetworkXUnfeasible:
        order, cycles = (), _cycles(graph)
    for cycle in cycles:
        issues.append(Issue(cycle[0], "edges", "cycle: " + " → ".join([*cycle, cycle[0]])))
    if starts:
        reachable = nx.descendants(graph, starts[0]) | {starts[0]}
        for nid in nodes:
            if nid not in reachable:
                issues.append(Issue(nid, "edges", "not reachable from the start node"))

    outputs: dict[str, dict[str, str]] = {}
    for nid, config in configs.items():
        try:
            outputs[nid] = dict(specs[nid].outputs(nodes[nid], config, services))
            policy = nodes[nid].on_error
            if policy is not None and policy.strategy == "branch":
                outputs[nid]["error_message"] = "string"  # set when the error handle is taken
        except Exception as exc:  # a spec's outputs must never break validation of the rest
            issues.append(Issue(nid, "config", f"cannot determine outputs: {exc}"))
    acyclic = not cycles
    uses = {nid: [u for u in specs[nid].refs(nodes[nid], config, services) if isinstance(u.source, Ref)]
            for nid, config in configs.items()}
    upstream = _upstream(order, incoming, outgoing,
                         {(nid, u.source.node_id) for nid, found in uses.items() for u in found
                          if isinstance(u.source, Ref)})
    for nid, config in configs.items():
        node = nodes[nid]
        for use in uses[nid]:
            issues.extend(_check_ref(node, use, upstream, nodes, outputs, workflow.mode, acyclic))
        issues.extend(specs[nid].check(node, config, services))

    if any(i.severity == "error" for i in issues):
        raise DefinitionError(issues)
    return Graph(
        workflow=workflow,
        nodes=MappingProxyType(nodes),
        specs=MappingProxyType(specs),
        configs=MappingProxyType(configs),
        outputs=MappingProxyType({k: MappingProxyType(v) for k, v in outputs.items()}),
        incoming=MappingProxyType({k: tuple(v) for k, v in incoming.items()}),
        outgoing=MappingProxyType({k: tuple(v) for k, v in outgoing.items()}),
        order=order,
        start_id=starts[0],
        warnings=tuple(i for i in issues if i.severity == "warning"),
    )


def _handles(node: NodeDef, spec: NodeSpec, config: BaseModel) -> list[str]:
    handles = list(spec.handles(config))
    if node.on_error and node.on_error.strategy == "branch":
        handles.append(ERROR_HANDLE)
    return handles


def _upstream(order: tuple[str, ...], incoming: Mapping[str, list[EdgeDef]],
              outgoing: Mapping[str, list[EdgeDef]], pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The ``(node, target)`` pairs of ``pairs`` where ``target`` is upstream of ``node``, in one pass over a
    topological order (empty when there is none, i.e. the graph has a cycle).

    Each node carries a bitset (a Python int) of the *queried* targets above it, dropped once its last
    successor has read it. Direct parents need no bit, so the usual workflow, whose refs read the node just
    before or a few shared nodes such as start, costs O(nodes + edges); full ancestor sets cost O(n²) on a
    long chain.
    """
    position = {nid: i for i, nid in enumerate(order)}
    bits: dict[str, int] = {}
    wanted: dict[str, list[str]] = {}
    for nid, target in pairs:
        wanted.setdefault(nid, []).append(target)
        if (nid in position and position.get(target, len(order)) < position[nid]
                and not _is_parent(target, incoming[nid])):
            bits.setdefault(target, 1 << len(bits))
    unread = {nid: len(outgoing[nid]) for nid in order}
    masks: dict[str, int] = {}
    found: set[tuple[str, str]] = set()
    for nid in order:
        mask = 0
        for edge in incoming[nid]:
            parent = edge.source
            mask |= masks[parent] | bits.get(parent, 0)
            unread[parent] -= 1
            if not unread[parent]:
                del masks[parent]
        for target in wanted.get(nid, ()):
            if mask & bits.get(target, 0) or _is_parent(target, incoming[nid]):
                found.add((nid, target))
        if unread[nid]:
            masks[nid] = mask
    return found


def _is_parent(node_id: str, incoming: list[EdgeDef]) -> bool:
    return any(edge.source == node_id for edge in incoming)


def _cycles(graph: nx.DiGraph) -> list[list[str]]:
    found = []
    for component in nx.strongly_connected_components(graph):
        if len(component) > 1:
            found.append(nx.find_cycle(graph.subgraph(component)))
    return [[u for u, _ in cycle] for cycle in found]


def ref_type(ref: Ref, outputs: Mapping[str, Mapping[str, str]]) -> str | None:
    """The declared type a ref reads, or None when the node or output is not declared."""
    if ref.node_id == "sys":
        base = SYS_VARIABLES.get(ref.output)
    else:
        base = outputs.get(ref.node_id, {}).get(ref.output)
    return None if base is None else path_type(base, ref.path)


def _check_ref(node: NodeDef, use: RefUse, upstream: set[tuple[str, str]], nodes: dict[str, NodeDef],
               outputs: dict[str, dict[str, str]], mode: str, acyclic: bool) -> list[Issue]:
    field, ref = use.field, use.source
    assert isinstance(ref, Ref)
    if ref.node_id == "sys":
        if ref.output not in SYS_VARIABLES:
            return [Issue(node.id, field, f"unknown system variable 'sys.{ref.output}' "
                          f"(known: {', '.join('sys.' + k for k in SYS_VARIABLES)})")]
        if ref.output in CHAT_ONLY_SYS and mode != "chat":
            return [Issue(node.id, field, f"'sys.{ref.output}' exists only in chat mode")]
    elif ref.node_id not in nodes:
        return [Issue(node.id, field, f"ref '{ref.ref}' points to unknown node '{ref.node_id}'")]
    elif acyclic and (node.id, ref.node_id) not in upstream:
        return [Issue(node.id, field, f"ref '{ref.ref}' points to node '{ref.node_id}', "
                      "which is not upstream of this node")]
    elif ref.node_id not in outputs:
        return []  # that node's own config is invalid; it has its issue already
    elif ref.output not in outputs[ref.node_id]:
        declared = ", ".join(outputs[ref.node_id]) or "none"
        return [Issue(node.id, field, f"ref '{ref.ref}': node '{ref.node_id}' has no output "
                      f"'{ref.output}' (outputs: {declared})")]
    actual = ref_type(ref, outputs)
    if actual is not None and not any(is_compatible(actual, t) for t in use.expected):
        wanted = " or ".join(use.expected)
        purpose = f" for {use.purpose}" if use.purpose else ""
        return [Issue(node.id, field, f"ref '{ref.ref}' is {actual}, but {wanted} is needed{purpose}")]
    return []
