"""Phase 7: the sub-graphs of container nodes (iteration, loop), validated like the top level.

A body's node ids are unique across the whole workflow; it holds no start or end node; its edges are checked
as the top level's, and a cycle inside is refused. Its refs read, inside the container's scope: the container's
own scope values (``<container_id>.item`` …), sibling nodes upstream of the reading node, and whatever the
container itself may read (nodes upstream of it, system and conversation variables) — never a node of another
container. The refs the container reads back from its body (``results``) may read any node of the body.
Containers nest: a body's containers are checked the same way, one scope deeper.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import networkx as nx
from pydantic import BaseModel

from engine.errors import Issue
from engine.models import EdgeDef, NodeDef, Ref, WorkflowDef
from engine.spec import NodeSpec, RefUse, Services
from engine.validation import configs as config_phase
from engine.validation import references, structure
from engine.validation.definition import WORKFLOW
from engine.validation.services import service_issues

RESERVED_IN_BODY = ("start", "end")


@dataclass(frozen=True)
class Body:
    """A validated sub-graph: its nodes, parsed configs, edges by node and a topological order."""

    container_id: str
    nodes: Mapping[str, NodeDef]
    specs: Mapping[str, NodeSpec]
    configs: Mapping[str, BaseModel]
    incoming: Mapping[str, tuple[EdgeDef, ...]]
    outgoing: Mapping[str, tuple[EdgeDef, ...]]
    order: tuple[str, ...]


def container_ids(nodes: Mapping[str, NodeDef], specs: Mapping[str, NodeSpec],
                  configs: Mapping[str, BaseModel]) -> list[str]:
    return [nid for nid in configs if specs[nid].container is not None]


def check_bodies(containers: list[str], nodes: Mapping[str, NodeDef], specs: Mapping[str, NodeSpec],
                 configs: Mapping[str, BaseModel], outputs: dict[str, dict[str, str]],
                 visible_of: Mapping[str, dict[str, dict[str, str]]], catalog: Mapping[str, NodeSpec],
                 services: Services | None, mode: str, taken_ids: set[str]) -> tuple[dict[str, Body], list[Issue]]:
    """Validate each container's body (recursively); ``visible_of[c]`` is what container ``c`` itself may read.
    Updates ``outputs`` of containers whose outputs depend on their body; ``taken_ids`` collects every node id
    seen so far (ids are unique across the workflow). Returns every body by container id, and the issues."""
    bodies: dict[str, Body] = {}
    issues: list[Issue] = []
    for cid in containers:
        found_bodies, found = _check_body(nodes[cid], specs[cid], configs[cid], outputs, visible_of[cid], catalog,
                                          services, mode, taken_ids)
        bodies.update(found_bodies)
        issues += found
    return bodies, issues


def _check_body(container: NodeDef, spec: NodeSpec, config: BaseModel, outer_outputs: dict[str, dict[str, str]],
                visible: dict[str, dict[str, str]], catalog: Mapping[str, NodeSpec], services: Services | None,
                mode: str, taken_ids: set[str]) -> tuple[dict[str, Body], list[Issue]]:
    assert spec.container is not None
    cid = container.id
    body_nodes, body_edges = spec.container.body(config)
    issues: list[Issue] = []
    nodes: dict[str, NodeDef] = {}
    for index, node in enumerate(body_nodes):
        if node.id in taken_ids or node.id in nodes:
            issues.append(Issue(cid, f"config.nodes[{index}].id", f"duplicate node id '{node.id}' "
                                "(node ids are unique across the workflow, sub-graphs included)"))
            continue
        if node.type in RESERVED_IN_BODY:
            issues.append(Issue(node.id, "type", f"a node of type '{node.type}' cannot be inside {container.label}"))
        if node.id in ("sys", "conversation"):
            issues.append(Issue(node.id, "id", f"'{node.id}' is a reserved id"))
        nodes[node.id] = node
    taken_ids.update(nodes)
    if not nodes:
        issues.append(Issue(cid, "config.nodes", "the sub-graph has no nodes"))
    parsed, found = config_phase.node_configs(nodes, catalog)
    issues += found
    edges_only = WorkflowDef.model_construct(name=container.id, nodes=list(nodes.values()), edges=body_edges)
    wiring, found = structure.wire(edges_only, nodes, config_phase.handles(nodes, parsed))
    issues += [_located(i, cid) for i in found]
    ordering, found = structure.order(wiring.graph, nodes, [])
    issues += found
    outputs, found = config_phase.declared_outputs(nodes, parsed, services)
    issues += found

    outside = {**outer_outputs, **visible}
    scope_outputs = spec.container.scope(container, config, lambda ref: references.ref_type(ref, outside))
    inner_visible = {**visible, cid: scope_outputs}
    acyclic = not ordering.cycles
    bodies: dict[str, Body] = {}
    if acyclic:  # nested containers first: their outputs may depend on their own bodies
        bodies[cid] = Body(cid, MappingProxyType(nodes), MappingProxyType(parsed.specs),
                           MappingProxyType(parsed.configs),
                           MappingProxyType({k: tuple(v) for k, v in wiring.incoming.items()}),
                           MappingProxyType({k: tuple(v) for k, v in wiring.outgoing.items()}), ordering.order)
        inner = container_ids(nodes, parsed.specs, parsed.configs)
        if inner:
            visible_of = {c: {**inner_visible, **{a: outputs[a] for a in nx.ancestors(wiring.graph, c)
                                                  if a in outputs}} for c in inner}
            found_bodies, found = check_bodies(inner, nodes, parsed.specs, parsed.configs, outputs, visible_of,
                                               catalog, services, mode, taken_ids)
            bodies.update(found_bodies)
            issues += found
    all_outputs = {**inner_visible, **outputs}
    known = {**nodes, **{nid: container for nid in inner_visible}}
    uses = references.ref_uses(nodes, parsed, services)
    upstream = references.upstream_pairs(ordering.order, wiring.incoming, wiring.outgoing,
                                         {(nid, u.source.node_id) for nid, found_uses in uses.items()
                                          for u in found_uses if isinstance(u.source, Ref)})
    upstream |= {(nid, v) for nid in nodes for v in inner_visible}
    for nid, found_uses in uses.items():
        for use in found_uses:
            issues += references.check_ref(nodes[nid], use, upstream, known, all_outputs, mode, acyclic)
    checked = service_issues(nodes, parsed, services)
    for nid, node_config in parsed.configs.items():
        issues += checked.get(nid, ())
        type_check = parsed.specs[nid].check_types
        if type_check is not None:
            issues += type_check(nodes[nid], node_config, lambda ref: references.ref_type(ref, all_outputs))
    # The container reads its body's results after a run of it: any body node, or its scope, may be read.
    result_uses = [u for u in spec.container.results(config) if isinstance(u.source, Ref)]
    reads_back = {(cid, v) for v in (*nodes, *inner_visible)}
    for use in result_uses:
        issues += references.check_ref(container, RefUse(f"config.{use.field}", use.source, use.expected,
                                                         use.purpose), reads_back, known, all_outputs, mode, acyclic)
    if spec.container.outputs is not None:
        outer_outputs[cid] = spec.container.outputs(
            container, config, lambda ref: references.ref_type(ref, all_outputs))
    return bodies, issues


def _located(issue: Issue, container_id: str) -> Issue:
    """An edge issue on the body as a whole belongs to its container's ``config.edges``."""
    if issue.node_id == WORKFLOW:
        return Issue(container_id, f"config.{issue.field}", issue.message, issue.severity)
    return issue


def top_level_bodies(nodes: Mapping[str, NodeDef], specs: Mapping[str, NodeSpec], configs: Mapping[str, BaseModel],
                     outputs: dict[str, dict[str, str]], graph: nx.DiGraph, acyclic: bool,
                     catalog: Mapping[str, NodeSpec], services: Services | None,
                     mode: str) -> tuple[dict[str, Body], list[Issue]]:
    """The bodies of the top level's containers, each seeing the nodes upstream of its container and the
    variables that are not nodes (conversation variables); nothing to check while the top level has a cycle."""
    containers = container_ids(nodes, specs, configs)
    if not containers or not acyclic:
        return {}, []
    shared = {k: v for k, v in outputs.items() if k not in nodes}
    visible_of = {c: {**shared, **{a: outputs[a] for a in nx.ancestors(graph, c) if a in outputs}}
                  for c in containers}
    return check_bodies(containers, nodes, specs, configs, outputs, visible_of, catalog, services, mode, set(nodes))
