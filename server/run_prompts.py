"""The prompts a run sent to its LLM nodes, rebuilt for its trace from what the run recorded: the definition it
ran (its snapshot), each LLM node's recorded inputs and the run's ``sys`` (a chat turn's history). The messages
come from the LLM node's own rendering (nodes.llm.render_messages), so the trace shows what the model was sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from engine.models import NodeDef
from engine.spec import NodeContext, Services
from nodes.llm import LLMConfig, render_messages


def _nodes(nodes: list[Any]) -> Iterator[dict[str, Any]]:
    """Every node of a definition, those inside containers (``config.nodes``) too."""
    for node in nodes:
        if isinstance(node, dict):
            yield node
            children = (node.get("config") or {}).get("nodes")
            if isinstance(children, list):
                yield from _nodes(children)


def llm_nodes(definition: dict[str, Any]) -> dict[str, NodeDef]:
    """The definition's LLM nodes by id (a node whose config no longer reads is left out)."""
    found: dict[str, NodeDef] = {}
    for raw in _nodes(definition.get("nodes") or []):
        if raw.get("type") == "llm":
            try:
                found[str(raw["id"])] = NodeDef.model_validate(raw)
            except (ValidationError, KeyError):
                continue
    return found


def _ignore(*_: Any) -> None:
    return None


def prompt_of(node: NodeDef, mode: str, inputs: dict[str, Any], sys: dict[str, Any]) -> list[dict[str, str]] | None:
    """The messages the LLM node sent with these inputs; None when its config does not read."""
    try:
        config = LLMConfig.model_validate(node.config)
    except ValidationError:
        return None
    ctx = NodeContext(node=node, run_id="", mode=mode, inputs=inputs, services=Services(), sys=sys, run_inputs={},
                      resolve_source=_ignore, emit=_ignore)
    return render_messages(ctx, config)
