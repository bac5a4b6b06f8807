"""The agent app format (import/export JSON, version "1"): persona, model, skills, knowledge, chat settings."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from engine.models import DisplayName, Strict
from nodes.llm import LLMParams

ToolCalling = Literal["native", "react"]


class PluginSkill(Strict):
    """A plugin tool the agent may call (``plugin``/``tool`` as ``GET /api/plugins`` lists them)."""

    type: Literal["plugin"] = "plugin"
    plugin: str = Field(min_length=1, max_length=128)
    tool: str = Field(min_length=1, max_length=128)
    name: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{1,64}$")  # the tool name the model sees
    description: str | None = Field(None, max_length=2000)


class WorkflowSkill(Strict):
    """A published workflow exposed as a tool; its parameters are the start node's variables."""

    type: Literal["workflow"] = "workflow"
    workflow: str = Field(min_length=1, max_length=200)  # a workflow id, or its name
    name: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    description: str | None = Field(None, max_length=2000)


Skill = Annotated[PluginSkill | WorkflowSkill, Field(discriminator="type")]


class KnowledgeSettings(Strict):
    """Knowledge bases: retrieved before every answer (``auto``) or offered as a ``search_knowledge`` tool."""

    knowledge_bases: list[str] = Field(default_factory=list, max_length=20)
    mode: Literal["auto", "tool"] = "auto"
    top_k: int = Field(3, ge=1, le=20)
    score_threshold: float | None = Field(None, ge=0)
    search_mode: Literal["vector", "keyword", "hybrid"] | None = None  # None: each KB's own setting


class AgentConfig(Strict):
    """An agent app as saved, imported and exported."""

    version: Literal["1"] = "1"
    kind: Literal["agent"] = "agent"
    name: DisplayName
    description: str = Field("", max_length=2000)
    icon: str = Field("🤖", max_length=500)  # an emoji or an image URL
    persona: str = Field("", max_length=20_000)  # role, task, constraints, steps, output format
    model: str = Field("default", min_length=1, max_length=200)
    params: LLMParams = Field(default_factory=LLMParams)
    skills: list[Skill] = Field(default_factory=list, max_length=32)
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)
    opening_statement: str = Field("", max_length=500)
    suggested_questions: list[Annotated[str, Field(max_length=500)]] = Field(default_factory=list, max_length=10)
    max_steps: int = Field(5, ge=1, le=50)  # model rounds that may call tools in one turn
    memory_window: int = Field(10, ge=0, le=100)  # earlier turns sent with each question
    tool_calling: ToolCalling = "native"  # "react": a prompt-only protocol for models without tool calling
    result_budget: int = Field(4000, ge=200, le=200_000)  # characters of one tool result the model sees
    tool_timeout_s: float = Field(120.0, gt=0, le=3600)

    @model_validator(mode="after")
    def _unique_skills(self) -> AgentConfig:
        seen: set[tuple[str, ...]] = set()
        for index, skill in enumerate(self.skills):
            key = (skill.type, skill.plugin, skill.tool) if isinstance(skill, PluginSkill) else \
                (skill.type, skill.workflow)
            if key in seen:
                raise ValueError(f"skills[{index}] repeats an earlier skill ({'/'.join(key[1:])})")
            seen.add(key)
        return self


def export_json(config: AgentConfig) -> dict[str, Any]:
    """The app as a JSON document, defaults included, so an export is self-describing."""
    return config.model_dump(mode="json")
