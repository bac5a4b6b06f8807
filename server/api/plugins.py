"""Plugins: list built-in and imported plugins with their tools, import an OpenAPI document, delete."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from server.deps import State
from server.errors import UnavailableError
from server.state import AppState

router = APIRouter(prefix="/api/plugins", tags=["plugins"])


class PluginImport(BaseModel):
    """An OpenAPI 3.x document (JSON/YAML text or an http(s) URL) to import as a plugin."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    source: str = Field(min_length=1, description="the document's text, or its URL")
    credentials: dict[str, str] = Field(default_factory=dict, description="security scheme → secret")
    allow_hosts: list[str] = Field(default_factory=list)
    base_url: str | None = None
    replace: bool = False


class PluginList(BaseModel):
    items: list[dict[str, Any]]


def registry(state: AppState) -> Any:
    if state.services.tools is None:
        raise UnavailableError("plugins are not available on this server")
    return state.services.tools


@router.get("", response_model=PluginList)
def list_plugins(state: State) -> PluginList:
    return PluginList(items=[p.model_dump(mode="json") for p in registry(state).list_plugins()])


@router.get("/{name}")
def get_plugin(state: State, name: str) -> dict[str, Any]:
    return registry(state).export(name)


@router.post("", status_code=201)
async def import_plugin(state: State, body: PluginImport) -> dict[str, Any]:
    info = await asyncio.to_thread(registry(state).import_openapi, body.name, body.source,
                                   credentials=body.credentials, allow_hosts=body.allow_hosts,
                                   base_url=body.base_url, replace=body.replace)
    return info.model_dump(mode="json")


@router.delete("/{name}", status_code=204)
def delete_plugin(state: State, name: str) -> None:
    registry(state).delete(name)
