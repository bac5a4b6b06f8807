"""From an agent app's config to the tools its turn offers: skills and knowledge bases checked against what
this server has (plugins, published workflows, knowledge bases), with errors naming the skill."""

from __future__ import annotations

import asyncio
from typing import Any

from engine.errors import DefinitionError
from server.agents.spec import AgentConfig, PluginSkill, WorkflowSkill
from server.agents.tools import (
    AgentTool, ToolFailed, check_names, knowledge_tool, plugin_tool, workflow_tool,
)
from server.errors import ConflictError, InvalidRequestError, NotFoundError
from server.runs import RunRequest
from server.state import AppState


def find_workflow(state: AppState, ref: str, where: str) -> tuple[str, int, dict[str, Any]]:
    """A skill's workflow (by id, else by name): its id and newest published version."""
    store = state.store
    candidates = [ref] + [row.id for row in store.list_workflows() if row.name == ref and row.id != ref]
    unpublished = None
    for workflow_id in candidates:
        try:
            version = store.get_version(workflow_id)
        except NotFoundError:
            continue
        except ConflictError:
            unpublished = workflow_id
            continue
        return workflow_id, version.version, version.definition
    if unpublished is not None:
        raise InvalidRequestError(f"{where}: workflow '{ref}' has no published version; publish it first")
    raise InvalidRequestError(f"{where}: there is no workflow with the id or name '{ref}'")


def resolve_tools(state: AppState, config: AgentConfig, owner: str | None = None) -> list[AgentTool]:
    """The app's tools (call from a worker thread: it reads the store). ``owner``: the app whose uploaded
    files the tools may read (None: the console, every file)."""
    services = state.services
    files = None if services.files is None else services.files.scoped(owner)
    tools: list[AgentTool] = []
    for index, skill in enumerate(config.skills):
        if isinstance(skill, PluginSkill):
            tools.append(plugin_tool(index, skill, services.tools, files))
        elif isinstance(skill, WorkflowSkill):
            workflow_id, version, definition = find_workflow(state, skill.workflow, f"skills[{index}]")
            tools.append(workflow_tool(index, skill, workflow_id, version, definition, workflow_runner(state, owner)))
    knowledge = config.knowledge
    if knowledge.knowledge_bases:
        if services.knowledge is None:
            raise InvalidRequestError("knowledge: knowledge bases are not available on this server")
        for index, name in enumerate(knowledge.knowledge_bases):
            if not services.knowledge.exists(name):
                raise InvalidRequestError(f"knowledge.knowledge_bases[{index}]: knowledge base '{name}' "
                                          "does not exist")
        if knowledge.mode == "tool":
            tools.append(knowledge_tool(knowledge, services.knowledge))
    check_names(tools)
    return tools


def workflow_runner(state: AppState, owner: str | None = None):
    """Runs a published workflow as a recorded run (source ``agent``), so its trace opens like any run; it
    reads the uploaded files of app ``owner`` only."""
    from server.api.launch import compile_graph  # the server's own validation, as for every run

    async def run(workflow_id: str, version: int, definition: dict[str, Any], inputs: dict[str, Any]
                  ) -> tuple[str, dict[str, Any]]:
        try:
            graph = compile_graph(state, definition)
        except DefinitionError as exc:
            raise ToolFailed(f"workflow '{workflow_id}' is not valid: "
                             + "; ".join(map(str, exc.issues))) from None
        # A chat-mode workflow runs as a fresh one-turn chat: sys.query is the "query" argument, no history.
        sys = {"query": str(inputs.get("query") or ""), "history": []} if definition.get("mode") == "chat" else {}
        live = await state.runs.start(RunRequest(workflow_id=workflow_id, graph=graph, definition=definition,
                                                 inputs=inputs, source="agent", version=version, sys=sys,
                                                 files_owner=owner))
        return live.run_id, await state.runs.wait(live)

    return run


async def resolve(state: AppState, config: AgentConfig, owner: str | None = None) -> list[AgentTool]:
    return await asyncio.to_thread(resolve_tools, state, config, owner)


def problems(state: AppState, config: AgentConfig) -> list[str]:
    """Every reference of the app this server cannot resolve now, one message each (empty: all good)."""
    found: list[str] = []
    for index in range(len(config.skills)):
        one = config.model_copy(update={"skills": [config.skills[index]], "knowledge": type(config.knowledge)()})
        try:
            resolve_tools(state, one)
        except InvalidRequestError as exc:
            found.append(str(exc).replace("skills[0]", f"skills[{index}]", 1))
    try:
        resolve_tools(state, config.model_copy(update={"skills": []}))
    except InvalidRequestError as exc:
        found.append(str(exc))
    return found
