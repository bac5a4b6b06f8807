"""Single-node debug: run one node of a draft with given values for what it reads."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from engine.debug import run_node
from server.api.schemas import NodeTrace, StorableJson
from server.deps import State

router = APIRouter(tags=["runs"])


class NodeRunCreate(BaseModel):
    """Values for the node's inputs (if-else: by ref); optionally an unsaved draft to take the node from."""

    model_config = ConfigDict(extra="forbid")

    inputs: StorableJson = Field(default_factory=dict)
    definition: dict[str, Any] | None = Field(None, description="an unsaved draft; the saved one when absent")


class NodeRunPublic(NodeTrace):
    """The node's outcome."""

    run_id: str
    logs: list[str] | None = None


@router.post("/api/workflows/{workflow_id}/nodes/{node_id}/run", response_model=NodeRunPublic)
async def debug_node(state: State, workflow_id: str, node_id: str, body: NodeRunCreate) -> NodeRunPublic:
    definition = body.definition or state.store.get_workflow(workflow_id).definition
    event = await run_node(definition, state.catalog, node_id, body.inputs, state.services)
    return NodeRunPublic.model_validate(event.model_dump(mode="json"))
