"""Skill resolution against a repository Protocol, without a server: published workflows come from a fake
``WorkflowRepository``, plugins from the real tool registry, knowledge bases from a fake retriever."""

from __future__ import annotations

from typing import Any

import pytest

from agents.errors import SkillError
from agents.resolve import problems, resolve_tools
from agents.spec import AgentConfig
from engine.services import Services
from nodes.plugins import ToolRegistry

ECHO = {"name": "echo", "description": "Says the query back",
        "nodes": [{"id": "start", "type": "start",
                   "config": {"variables": [{"name": "query", "type": "string", "required": True}]}}]}


class FakeWorkflows:
    """Published workflows by id; runs answer with the inputs they were given."""

    def __init__(self, published: dict[str, dict[str, Any]]):
        self.published = published
        self.runs: list[dict[str, Any]] = []

    def find_published(self, ref: str, where: str) -> tuple[str, int, dict[str, Any]]:
        if ref not in self.published:
            raise SkillError(f"{where}: there is no workflow with the id or name '{ref}'")
        return ref, 1, self.published[ref]

    async def run(self, workflow_id: str, version: int, definition: dict[str, Any], inputs: dict[str, Any]
                  ) -> tuple[str, dict[str, Any]]:
        self.runs.append(inputs)
        return "run-1", {"status": "succeeded", "outputs": {"answer": inputs["query"]}}


class FakeKnowledge:
    def exists(self, name: str) -> bool:
        return name == "papers"

    async def retrieve(self, knowledge_bases: list[str], query: str, **settings: Any) -> list[dict[str, Any]]:
        return [{"content": f"about {query}", "score": 0.9, "document": "a.pdf"}]


def config(**fields: Any) -> AgentConfig:
    return AgentConfig.model_validate({"name": "helper", **fields})


async def test_workflow_plugin_and_knowledge_skills_become_tools() -> None:
    workflows = FakeWorkflows({"wf-1": ECHO})
    app = config(skills=[{"type": "workflow", "workflow": "wf-1"},
                         {"type": "plugin", "plugin": "current_time", "tool": "current_time"}],
                 knowledge={"knowledge_bases": ["papers"], "mode": "tool"})
    tools = resolve_tools(app, Services(tools=ToolRegistry(), knowledge=FakeKnowledge()), workflows)
    assert [(t.name, t.kind) for t in tools] == [("echo", "workflow"), ("current_time", "plugin"),
                                                 ("search_knowledge", "knowledge")]
    assert tools[0].parameters["required"] == ["query"]
    output = await tools[0].call({"query": "hi"})
    assert (output.value, output.run_id, workflows.runs) == ({"answer": "hi"}, "run-1", [{"query": "hi"}])
    hits = await tools[2].call({"query": "lora"})
    assert hits.value == [{"content": "about lora", "score": 0.9, "document": "a.pdf"}]


def test_each_unresolvable_reference_is_named() -> None:
    app = config(skills=[{"type": "workflow", "workflow": "missing"},
                         {"type": "plugin", "plugin": "current_time", "tool": "nope"}],
                 knowledge={"knowledge_bases": ["papers", "other"]})
    found = problems(app, Services(tools=ToolRegistry(), knowledge=FakeKnowledge()), FakeWorkflows({}))
    assert found == ["skills[0]: there is no workflow with the id or name 'missing'",
                     "skills[1]: plugin 'current_time' has no tool 'nope' (see GET /api/plugins)",
                     "knowledge.knowledge_bases[1]: knowledge base 'other' does not exist"]
    with pytest.raises(SkillError, match="skills\\[0\\]"):
        resolve_tools(app, Services(tools=ToolRegistry()), FakeWorkflows({}))
