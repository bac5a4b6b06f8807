"""Validate a workflow definition up front and return an immutable, analysed graph.

Every problem is collected and reported at once (``DefinitionError.issues``), each naming its node and field.
The checks run in phases (``engine.validation``: the definition, its structure, node configs, refs and types,
each node type's checks against the services); ``validate`` is the one entry that runs them all.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel

from engine.errors import DefinitionError, Issue
from engine.models import CONVERSATION, EdgeDef, NodeDef, WorkflowDef
from engine.spec import NodeSpec, Services
from engine.validation import configs as config_phase
from engine.validation import references, structure
from engine.validation.bodies import Body, top_level_bodies
from engine.validation.configs import config_issues
from engine.validation.definition import WORKFLOW, parse
from engine.validation.references import CHAT_ONLY_SYS, SYS_VARIABLES, ref_type
from engine.validation.services import service_issues

__all__ = ["CHAT_ONLY_SYS", "SYS_VARIABLES", "WORKFLOW", "Graph", "config_issues", "parse", "ref_type", "validate"]


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
    bodies: Mapping[str, Body] = field(default_factory=dict)  # container id → its sub-graph (containers nest)

    @property
    def end_ids(self) -> list[str]:
        return [nid for nid in self.order if self.nodes[nid].type == "end"]


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
    table, issues = structure.node_table(workflow)
    nodes, starts = table.nodes, table.starts
    parsed, found = config_phase.node_configs(nodes, catalog)
    issues += found
    wiring, found = structure.wire(workflow, nodes, config_phase.handles(nodes, parsed))
    issues += found
    ordering, found = structure.order(wiring.graph, nodes, starts)
    issues += found
    outputs, found = config_phase.declared_outputs(nodes, parsed, services)
    issues += found
    outputs[CONVERSATION] = {v.name: v.type for v in workflow.conversation_variables}
    bodies, found = top_level_bodies(nodes, parsed.specs, parsed.configs, outputs, wiring.graph,
                                     not ordering.cycles, catalog, services, workflow.mode)
    issues += found
    uses = references.ref_uses(nodes, parsed, services)
    ref_found = references.reference_issues(uses, nodes, outputs, ordering.order, wiring.incoming,
                                            wiring.outgoing, workflow.mode, not ordering.cycles)
    check_found = service_issues(nodes, parsed, services)
    for nid, config in parsed.configs.items():  # node by node: its refs' issues, then its type's own checks
        issues += ref_found.get(nid, ())
        issues += check_found.get(nid, ())
        type_check = parsed.specs[nid].check_types
        if type_check is not None:
            issues += type_check(nodes[nid], config, lambda ref: ref_type(ref, outputs))

    if any(i.severity == "error" for i in issues):
        raise DefinitionError(issues)
    return Graph(
        workflow=workflow,
        nodes=MappingProxyType(nodes),
        specs=MappingProxyType(parsed.specs),
        configs=MappingProxyType(parsed.configs),
        outputs=MappingProxyType({k: MappingProxyType(v) for k, v in outputs.items() if k != CONVERSATION}),
        incoming=MappingProxyType({k: tuple(v) for k, v in wiring.incoming.items()}),
        outgoing=MappingProxyType({k: tuple(v) for k, v in wiring.outgoing.items()}),
        order=ordering.order,
        start_id=starts[0],
        warnings=tuple(i for i in issues if i.severity == "warning"),
        bodies=MappingProxyType(bodies),
    )
