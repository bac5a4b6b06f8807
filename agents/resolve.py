"""From an agent app's config to the tools its turn offers: skills and knowledge bases checked against what
is available (plugins, published workflows, knowledge bases), with errors naming the skill."""

from __future__ import annotations

from typing import Any, Protocol

from agents.errors import SkillError
from agents.spec import AgentConfig, PluginSkill, WorkflowSkill
from agents.tools import AgentTool, check_names, knowledge_tool, plugin_tool, workflow_tool
from engine.services import FileReader, Services


class WorkflowRepository(Protocol):
    """Published workflows that workflow skills name, and how to run one (the server implements it over its
    store and its runs, for one app: the files its runs may read)."""

    def find_published(self, ref: str, where: str) -> tuple[str, int, dict[str, Any]]:
        """A workflow by id, else by name: its id, newest published version and definition. Raises
        ``SkillError`` starting with ``where`` when there is none or it is not published."""
        ...

    async def run(self, workflow_id: str, version: int, definition: dict[str, Any], inputs: dict[str, Any]
                  ) -> tuple[str, dict[str, Any]]:
        """Runs the workflow as a recorded run: its run id and ``run_finished`` event."""
        ...


def resolve_tools(config: AgentConfig, services: Services, workflows: WorkflowRepository,
                  files: FileReader | None = None) -> list[AgentTool]:
    """The app's tools (call from a worker thread: the repository may read a database). ``files``: the
    uploaded files plugin tools may read."""
    tools: list[AgentTool] = []
    for index, skill in enumerate(config.skills):
        if isinstance(skill, PluginSkill):
            tools.append(plugin_tool(index, skill, services.tools, files))
        elif isinstance(skill, WorkflowSkill):
            workflow_id, version, definition = workflows.find_published(skill.workflow, f"skills[{index}]")
            tools.append(workflow_tool(index, skill, workflow_id, version, definition, workflows.run))
    knowledge = config.knowledge
    if knowledge.knowledge_bases:
        if services.knowledge is None:
            raise SkillError("knowledge: knowledge bases are not available on this server")
        for index, name in enumerate(knowledge.knowledge_bases):
            if not services.knowledge.exists(name):
                raise SkillError(f"knowledge.knowledge_bases[{index}]: knowledge base '{name}' does not exist")
        if knowledge.mode == "tool":
            tools.append(knowledge_tool(knowledge, services.knowledge))
    check_names(tools)
    return tools


def problems(config: AgentConfig, services: Services, workflows: WorkflowRepository) -> list[str]:
    """Every reference of the app that cannot be resolved now, one message each (empty: all good)."""
    found: list[str] = []
    for index in range(len(config.skills)):
        one = config.model_copy(update={"skills": [config.skills[index]], "knowledge": type(config.knowledge)()})
        try:
            resolve_tools(one, services, workflows)
        except SkillError as exc:
            found.append(str(exc).replace("skills[0]", f"skills[{index}]", 1))
    try:
        resolve_tools(config.model_copy(update={"skills": []}), services, workflows)
    except SkillError as exc:
        found.append(str(exc))
    return found
