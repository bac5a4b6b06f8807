"""Phases 2 and 4: the shape of the graph — node ids, start and end nodes, edges and their handles, cycles and
reachability from the start node."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx

from engine.errors import Issue
from engine.models import CONVERSATION, EdgeDef, NodeDef, WorkflowDef
from engine.validation.definition import WORKFLOW


@dataclass(frozen=True)
class NodeTable:
    """The nodes by id (a duplicate id keeps its last node) and the ids of the start nodes, in definition order."""

    nodes: dict[str, NodeDef]
    starts: list[str]


@dataclass(frozen=True)
class Wiring:
    """The edges that passed their checks: as a networkx graph, and by target and by source node."""

    graph: nx.DiGraph
    incoming: dict[str, list[EdgeDef]]
    outgoing: dict[str, list[EdgeDef]]


@dataclass(frozen=True)
class Ordering:
    """A topological order (empty when the graph has a cycle) and the cycles found."""

    order: tuple[str, ...]
    cycles: list[list[str]]


def node_table(workflow: WorkflowDef) -> tuple[NodeTable, list[Issue]]:
    """Index the nodes by id: duplicate and reserved ids, a missing or second start node, a missing end node."""
    issues: list[Issue] = []
    nodes: dict[str, NodeDef] = {}
    for node in workflow.nodes:
        if node.id in nodes:
            issues.append(Issue(node.id, "id", "duplicate node id"))
        nodes[node.id] = node
        if node.id == "sys":
            issues.append(Issue(node.id, "id", "'sys' is reserved for system variables"))
        elif node.id == CONVERSATION:
            issues.append(Issue(node.id, "id", "'conversation' is reserved for conversation variables"))

    starts = [n.id for n in workflow.nodes if n.type == "start"]
    if not starts:
        issues.append(Issue(WORKFLOW, "nodes", "no start node"))
    for extra in starts[1:]:
        issues.append(Issue(extra, "type", f"duplicate start node (the start node is '{starts[0]}')"))
    if not any(n.type == "end" for n in workflow.nodes):
        issues.append(Issue(WORKFLOW, "nodes", "no end node"))
    return NodeTable(nodes, starts), issues


def wire(workflow: WorkflowDef, nodes: Mapping[str, NodeDef],
         handles: Mapping[str, list[str]]) -> tuple[Wiring, list[Issue]]:
    """Check each edge in order: known ends, no duplicate, no self-loop, nothing into start or out of an end node,
    an existing source handle (for nodes whose handles are known). Edges failing the first four are left out."""
    issues: list[Issue] = []
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
    return Wiring(graph, incoming, outgoing), issues


def order(graph: nx.DiGraph, nodes: Mapping[str, NodeDef], starts: list[str]) -> tuple[Ordering, list[Issue]]:
    """A topological order, or the cycles that prevent one; then the nodes the start node does not reach."""
    issues: list[Issue] = []
    try:
        found = Ordering(tuple(nx.lexicographical_topological_sort(graph)), [])
    except nx.NetworkXUnfeasible:
        found = Ordering((), cycles(graph))
    for cycle in found.cycles:
        issues.append(Issue(cycle[0], "edges", "cycle: " + " → ".join([*cycle, cycle[0]])))
    if starts:
        reachable = nx.descendants(graph, starts[0]) | {starts[0]}
        for nid in nodes:
            if nid not in reachable:
                issues.append(Issue(nid, "edges", "not reachable from the start node"))
    return found, issues


def cycles(graph: nx.DiGraph) -> list[list[str]]:
    """One cycle (as its node ids) per strongly connected component of more than one node."""
    found = []
    for component in nx.strongly_connected_components(graph):
        if len(component) > 1:
            found.append(nx.find_cycle(graph.subgraph(component)))
    return [[u for u, _ in cycle] for cycle in found]
