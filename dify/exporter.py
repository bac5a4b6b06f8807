"""Export a Loom workflow as a Dify DSL (YAML, ``kind: app``, version 0.3.x) so it can go back to Dify.

``export_dsl`` validates the workflow, writes every node with Dify's data shapes and raises
``DifyExportError`` naming each node (and workflow feature) Dify has no equivalent for, all at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from dify.errors import DifyExportError
from dify.export_flatten import fold_flatteners
from dify.export_graph import GraphWriter
from dify.export_nodes import Context
from dify.export_refs import Selectors
from engine.errors import DefinitionError
from engine.graph import validate
from engine.services import Services
from engine.spec import NodeSpec
from nodes.plugins import ToolRegistry
from nodes.registry import CATALOG

DSL_VERSION = "0.3.1"
DEFAULTS = {"string": "", "number": 0, "boolean": False, "object": {}, "array[string]": [], "array[number]": [],
            "array[object]": []}


def export_dsl(workflow: dict[str, Any], catalog: Mapping[str, NodeSpec] | None = None,
               services: Services | None = None) -> str:
    """The workflow as Dify DSL YAML; raises DifyExportError naming each node Dify cannot express. ``catalog``
    and ``services`` are the ones the workflow is validated with (plugins' output types come from services)."""
    try:
        graph = validate(workflow, catalog or CATALOG, services or Services(tools=ToolRegistry()))
    except DefinitionError as exc:
        raise DifyExportError([("", f"the workflow is not valid: {exc}")]) from None
    workflow, flattened = fold_flatteners(workflow)
    nodes = list(_all_nodes(workflow["nodes"]))
    node_types = {n["id"]: n["type"] for n in nodes}
    json_llms = {n["id"] for n in nodes
                 if n["type"] == "llm" and (n.get("config", {}).get("output") or {}).get("format") == "json"}
    chat = workflow.get("mode", "workflow") == "chat"
    secrets = secret_inputs(workflow)
    selectors = Selectors(node_types, json_llms, {f"{graph.start_id}.{name}": env for name, env in secrets.items()})
    ctx = Context(selectors, _types(graph.outputs, nodes), chat, flattened, set(secrets))
    writer = GraphWriter(ctx, drop_ends=chat and any(n["type"] == "answer" for n in nodes))
    writer.write_all(workflow["nodes"], workflow.get("edges", []))
    if writer.problems:
        raise DifyExportError(writer.problems)
    environment = [_secret(env) for env in [*secrets.values(), *ctx.secrets]]
    document = {
        "app": {"name": workflow["name"], "description": workflow.get("description", ""),
                "mode": "advanced-chat" if chat else "workflow", "icon": "🤖", "icon_background": "#FFEAD5",
                "use_icon_as_answer_icon": False},
        "kind": "app",
        "version": DSL_VERSION,
        "dependencies": [],
        "workflow": {"conversation_variables": _conversation_variables(workflow),
                     "environment_variables": environment,
                     "features": _features(workflow),
                     "graph": {"nodes": writer.nodes, "edges": writer.edges,
                               "viewport": {"x": 0, "y": 0, "zoom": 1}}},
    }
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120)


# The start input an import puts in place of a Dify secret (dify/environment.py) goes back as that secret.
SECRET_INPUT = re.compile(r"^secret environment variable '([^']+)' from Dify$")


def secret_inputs(workflow: Mapping[str, Any]) -> dict[str, str]:
    """Start input name → the Dify secret environment variable it stands in for."""
    start: Mapping[str, Any] = next((n for n in workflow["nodes"] if n["type"] == "start"), {})
    found = {}
    for var in start.get("config", {}).get("variables", []):
        match = SECRET_INPUT.match(str(var.get("description") or ""))
        if match and var.get("type", "string") == "string":
            found[var["name"]] = match.group(1)
    return found


def _secret(name: str) -> dict[str, Any]:
    # Its value never left Dify: the user fills it in again there.
    return {"id": f"env-{name}", "name": name, "value": "", "value_type": "secret", "description": "",
            "selector": ["env", name]}


def _all_nodes(nodes: list[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for node in nodes:
        yield node
        if node["type"] in ("iteration", "loop"):
            yield from _all_nodes(node.get("config", {}).get("nodes", []))


def _types(outputs: Mapping[str, Mapping[str, str]], nodes: list[Mapping[str, Any]]
           ) -> dict[str, Mapping[str, str]]:
    # The graph knows every top-level node's output types; nodes inside containers fall back to "any",
    # except code nodes, whose outputs are declared.
    types: dict[str, Mapping[str, str]] = dict(outputs)
    for node in nodes:
        if node["id"] not in types and node["type"] == "code":
            types[node["id"]] = dict(node.get("config", {}).get("outputs", {}))
    return types


def _conversation_variables(workflow: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for var in workflow.get("conversation_variables", []):
        value = var.get("default")
        out.append({"id": f"conversation-{var['name']}", "name": var["name"], "value_type": var["type"],
                    "value": DEFAULTS.get(var["type"]) if value is None else value,
                    "description": var.get("description", ""), "selector": ["conversation", var["name"]]})
    return out


def _features(workflow: Mapping[str, Any]) -> dict[str, Any]:
    app = workflow.get("app") or {}
    return {"file_upload": {"enabled": False}, "opening_statement": app.get("opening_statement", ""),
            "retriever_resource": {"enabled": True}, "sensitive_word_avoidance": {"enabled": False},
            "speech_to_text": {"enabled": False}, "suggested_questions": list(app.get("suggested_questions", [])),
            "suggested_questions_after_answer": {"enabled": False},
            "text_to_speech": {"enabled": False, "language": "", "voice": ""}}
