"""Streaming a model's text through an answer node while the model still runs.

An answer-like node type says, through ``NodeSpec.streams_through``, which of its inputs may stream through it
and the literal text that comes before it in its reply. When that input reads ``<source>.text`` and the source
is the answer node's only parent (edge on ``out``), the answer node runs exactly when the source succeeds; the
source's ``text_chunk`` deltas are then that text as it arrives. So the runner sends the answer node's literal
prefix and each delta as the answer node's ``answer_chunk`` events right away, and later drops that much of
what the answer node itself emits. A source with a retry policy or an error strategy other than ``fail`` could
stream text that is not its final ``text`` (or not run the answer node at all), so it is left out; so is a
source that several answer nodes read this way.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.graph import Graph
from engine.models import Ref


@dataclass
class Passthrough:
    """One answer node fed by one source node's streamed text."""

    answer_id: str
    prefix: str
    started: bool = False


def plan(graph: Graph) -> dict[str, Passthrough]:
    """Source node id → the answer node its text streams through (top level only)."""
    found: dict[str, list[Passthrough]] = {}
    for node_id, spec in graph.specs.items():
        if spec.streams_through is None:
            continue
        wanted = spec.streams_through(graph.nodes[node_id], graph.configs[node_id])
        if wanted is None:
            continue
        prefix, input_name = wanted
        source = graph.nodes[node_id].inputs.get(input_name)
        if not isinstance(source, Ref) or source.output != "text" or source.path:
            continue
        incoming = graph.incoming[node_id]
        if len(incoming) != 1 or incoming[0].source != source.node_id or incoming[0].source_handle != "out":
            continue
        upstream = graph.nodes[source.node_id]
        if upstream.retry is not None or (upstream.on_error is not None and upstream.on_error.strategy != "fail"):
            continue
        found.setdefault(source.node_id, []).append(Passthrough(node_id, prefix))
    return {source_id: items[0] for source_id, items in found.items() if len(items) == 1}
