"""The server's side of agent skills: published workflows from the store, run as recorded runs (source
``agent``), behind ``agents.resolve.WorkflowRepository``; and the resolution calls the routes make."""

from __future__ import annotations

import asyncio
from typing import Any

from agents.errors import SkillError
from agents.resolve import problems as config_problems
from agents.resolve import resolve_tools
from agents.spec import AgentConfig
from agents.tools import AgentTool, ToolFailed
from engine.errors import DefinitionError
from server.errors import ConflictError, NotFoundError
from server.runs import RunRequest
from server.state import AppState


class StoreWorkflows:
    """Published workflows of this server, run for app ``owner`` (whose uploaded files they may read; None:
    the console, every file)."""

    def __init__(self, state: AppState, owner: str | None = None):
        self.state = state
        self.owner = owner

    def find_published(self, ref: str, where: str) -> tuple[str, int, dict[str, Any]]:
        store = self.state.store
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
            raise SkillError(f"{where}: workflow '{ref}' has no published version; publish it first")
        raise SkillError(f"{where}: there is no workflow with the id or name '{ref}'")

    async def run(self, workflow_id: str, version: int, definition: dict[str, Any], inputs: dict[str, Any]
                  ) -> tuple[str, dict[str, Any]]:
        state = self.state
        try:
            graph = state.compile(definition)  # the server's own validation, as for every run
        except DefinitionError as exc:
            raise ToolFailed(f"workflow '{workflow_id}' is not valid: "
                             + "; ".join(map(str, exc.issues))) from None
        # A chat-mode workflow runs as a fresh one-turn chat: sys.query is the "query" argument, no history.
        sys = {"query": str(inputs.get("query") or ""), "history": []} if definition.get("mode") == "chat" else {}
        live = await state.runs.start(RunRequest(workflow_id=workflow_id, graph=graph, definition=definition,
                                                 inputs=inputs, source="agent", version=version, sys=sys,
                                                 files_owner=self.owner))
        return live.run_id, await state.runs.wait(live)


async def resolve(state: AppState, config: AgentConfig, owner: str | None = None) -> list[AgentTool]:
    """The app's tools on this server; plugin tools read the uploaded files of app ``owner`` only."""
    services = state.services
    files = state.files.scoped(owner)
    return await asyncio.to_thread(resolve_tools, config, services, StoreWorkflows(state, owner), files)


def problems(state: AppState, config: AgentConfig) -> list[str]:
    """Every reference of the app this server cannot resolve now (call from a worker thread)."""
    return config_problems(config, state.services, StoreWorkflows(state))
