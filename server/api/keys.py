"""Per-app API keys for the public API: created (shown once), listed by prefix, revoked."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field

from server.api.schemas import KeyCreate
from server.deps import State

router = APIRouter(prefix="/api/workflows/{workflow_id}/keys", tags=["keys"])


class KeyPublic(BaseModel):
    """A key as listed: only its prefix is ever shown again."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    workflow_id: str
    name: str
    prefix: str
    created_at: float
    last_used_at: float | None
    revoked_at: float | None


class KeyCreated(KeyPublic):
    """A new key; ``key`` is shown this once and stored only as a hash."""

    key: str


class KeyList(BaseModel):
    """An app's keys."""

    items: list[KeyPublic]


@router.post("", status_code=201, response_model=KeyCreated)
def create_key(state: State, workflow_id: str, body: Annotated[KeyCreate | None, Body()] = None) -> KeyCreated:
    row, key = state.store.create_key(workflow_id, body.name if body else "")
    return KeyCreated.model_validate({**KeyPublic.model_validate(row).model_dump(), "key": key})


@router.get("", response_model=KeyList)
def list_keys(state: State, workflow_id: str) -> KeyList:
    return KeyList(items=[KeyPublic.model_validate(r) for r in state.store.list_keys(workflow_id)])


@router.delete("/{key_id}", response_model=KeyPublic)
def revoke_key(state: State, workflow_id: str, key_id: str) -> KeyPublic:
    return KeyPublic.model_validate(state.store.revoke_key(workflow_id, key_id))
