"""Tools an agent offers the model: plugin tools, published workflows, and ``search_knowledge``.

Each becomes an ``AgentTool``: an OpenAI function schema plus an async ``call(arguments)``. A tool's result is
shown to the model as JSON text cut to the app's budget (``render_result``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from agents.errors import SkillError
from agents.spec import KnowledgeSettings, PluginSkill, WorkflowSkill
from engine.services import FileReader, Retriever, ToolProvider
from nodes.plugins.schema import type_json_schema

KNOWLEDGE_TOOL = "search_knowledge"


class ToolFailed(Exception):
    """A tool ran and failed; the message goes back to the model."""

    def __init__(self, message: str, run_id: str | None = None):
        super().__init__(message)
        self.run_id = run_id


@dataclass
class ToolOutput:
    """What a tool returned, and the workflow run behind it (workflow skills)."""

    value: Any
    run_id: str | None = None


@dataclass
class AgentTool:
    """One callable tool as the model sees it."""

    name: str
    description: str
    parameters: dict[str, Any]  # JSON Schema of the arguments object
    kind: str  # plugin | workflow | knowledge
    call: Callable[[dict[str, Any]], Awaitable[ToolOutput]]
    source: str = ""  # plugin/tool or the workflow id, for the trace

    def schema(self) -> dict[str, Any]:
        return {"type": "function", "function": {"name": self.name, "description": self.description,
                                                 "parameters": self.parameters}}


# The runner of a published workflow: (workflow_id, version, definition, inputs) → (run_id, run_finished event).
WorkflowRunner = Callable[[str, int, dict[str, Any], dict[str, Any]], Awaitable[tuple[str, dict[str, Any]]]]


def plugin_tool(index: int, skill: PluginSkill, registry: ToolProvider | None, files: FileReader | None = None
                ) -> AgentTool:
    where = f"skills[{index}]"
    if registry is None:
        raise SkillError(f"{where}: plugins are not available on this server")
    schema = registry.tool_schema(skill.plugin, skill.tool)
    if schema is None:
        raise SkillError(f"{where}: plugin '{skill.plugin}' has no tool '{skill.tool}' (see GET /api/plugins)")

    async def call(arguments: dict[str, Any]) -> ToolOutput:
        return ToolOutput(await registry.call(skill.plugin, skill.tool, arguments, files=files))

    return AgentTool(name=skill.name or skill.tool, description=skill.description or schema.description,
                     parameters=schema.input_schema, kind="plugin", call=call, source=f"{skill.plugin}/{skill.tool}")


def workflow_tool(index: int, skill: WorkflowSkill, workflow_id: str, version: int, definition: dict[str, Any],
                  runner: WorkflowRunner) -> AgentTool:
    async def call(arguments: dict[str, Any]) -> ToolOutput:
        run_id, final = await runner(workflow_id, version, definition, arguments)
        if final.get("status") != "succeeded":
            raise ToolFailed(f"workflow run {final.get('status')}: {final.get('error') or 'no reason given'}",
                             run_id)
        return ToolOutput(final.get("outputs") or {}, run_id)

    name = skill.name or tool_name(str(definition.get("name") or ""), workflow_id)
    description = skill.description or str(definition.get("description") or definition.get("name") or name)
    return AgentTool(name=name, description=description, parameters=start_parameters(definition), kind="workflow",
                     call=call, source=workflow_id)


def knowledge_tool(settings: KnowledgeSettings, knowledge: Retriever | None) -> AgentTool:
    async def call(arguments: dict[str, Any]) -> ToolOutput:
        query = arguments.get("query")
        if not isinstance(query, str) or not query.strip():
            raise ToolFailed("argument 'query' must be a non-empty string")
        return ToolOutput(await search(settings, knowledge, query))

    names = ", ".join(settings.knowledge_bases)
    return AgentTool(name=KNOWLEDGE_TOOL, kind="knowledge", call=call, source=names,
                     description=f"Search the knowledge bases ({names}) and return the most relevant passages.",
                     parameters={"type": "object", "additionalProperties": False, "required": ["query"],
                                 "properties": {"query": {"type": "string", "description": "what to look for"}}})


async def search(settings: KnowledgeSettings, knowledge: Retriever | None, query: str) -> list[dict[str, Any]]:
    """Passages from the app's knowledge bases: ``[{content, score, document}]``, best first."""
    if knowledge is None:
        raise ToolFailed("knowledge bases are not available on this server")
    hits = await knowledge.retrieve(settings.knowledge_bases, query, mode=settings.search_mode,
                                    top_k=settings.top_k, score_threshold=settings.score_threshold)
    return [{"content": h["content"], "score": round(float(h["score"]), 4), "document": h["document"]}
            for h in hits]


def start_parameters(definition: dict[str, Any]) -> dict[str, Any]:
    """The start node's variables as a JSON Schema object."""
    start: dict[str, Any] = next((n for n in definition.get("nodes", []) if n.get("type") == "start"), {})
    properties: dict[str, Any] = {}
    required: list[str] = []
    for variable in (start.get("config") or {}).get("variables", []):
        schema = type_json_schema(variable.get("type", "string"))
        if variable.get("description"):
            schema["description"] = variable["description"]
        if variable.get("options"):
            schema["enum"] = list(variable["options"])
        if variable.get("default") is not None:
            schema["default"] = variable["default"]
        properties[variable["name"]] = schema
        if variable.get("required") and variable.get("default") is None:
            required.append(variable["name"])
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def tool_name(name: str, workflow_id: str) -> str:
    """A name the model may call (``[A-Za-z0-9_-]{1,64}``): the workflow's name, else ``workflow_<id>``."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_")[:64]
    return slug if slug and len(slug) >= len(name) * 0.6 else f"workflow_{workflow_id[:12]}"


def render_result(value: Any, budget: int) -> tuple[str, bool, int]:
    """The result as the model sees it: JSON text (strings as they are), cut to ``budget`` characters."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    size = len(text)
    if size <= budget:
        return text, False, size
    return text[:budget] + f"\n…[truncated: {size - budget} of {size} characters omitted]", True, size


def check_names(tools: list[AgentTool]) -> None:
    seen: dict[str, int] = {}
    for index, tool in enumerate(tools):
        if tool.name in seen:
            raise SkillError(f"skills[{index}]: the tool name '{tool.name}' is already used by "
                             f"skills[{seen[tool.name]}]; give one of them a 'name'")
        seen[tool.name] = index
