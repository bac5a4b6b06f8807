"""Per-app API keys for the public API: created (shown once), listed by prefix, revoked."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from server.api.app_schemas import KeyCreated, KeyList, KeyPublic
from server.api.schemas import KeyCreate
from server.deps import State

router = APIRouter(prefix="/api/workflows/{workflow_id}/keys", tags=["keys"])


@router.post("", status_code=201, response_model=KeyCreated)
def create_key(state: State, workflow_id: str, body: Annotated[KeyCreate | None, Body()] = None) -> KeyPublic:
    state.store.get_workflow(workflow_id)
    row, key = state.store.create_key(workflow_id, body.name if body else "")
    return KeyCreated.of(row, key=key)


@router.get("", response_model=KeyList)
def list_keys(state: State, workflow_id: str) -> KeyList:
    state.store.get_workflow(workflow_id)
    return KeyList(items=[KeyPublic.of(r) for r in state.store.list_keys(workflow_id)])


@router.delete("/{key_id}", response_model=KeyPublic)
def revoke_key(state: State, workflow_id: str, key_id: str) -> KeyPublic:
    return KeyPublic.of(state.store.revoke_key(workflow_id, key_id))
