"""Agent fixtures: a server whose model is the scripted OpenAI-compatible test double, with real plugins,
files and (where a test asks) knowledge bases."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.spec import Services
from modelhub.config import EndpointModel
from modelhub.gateway import Gateway
from nodes.plugins import ToolRegistry
from server.files import FileStore
from tests.helpers import chain, end, start, workflow
from tests.server.conftest import asgi_client, running_app


def call(name: str, arguments: dict[str, Any] | str, call_id: str | None = None) -> dict[str, Any]:
    """An OpenAI-style tool call, as the scripted model sends it."""
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"id": call_id or f"call_{name}", "type": "function", "function": {"name": name, "arguments": args}}


def agent(**fields: Any) -> dict[str, Any]:
    return {"name": "helper", "persona": "You are a careful assistant.", **fields}


def echo_workflow(name: str = "shout") -> dict[str, Any]:
    """A published workflow skill: start(text, times?) → end(text)."""
    variables = [{"name": "text", "type": "string", "required": True, "description": "what to echo"},
                 {"name": "times", "type": "integer", "default": 1}]
    return workflow([start(*variables), end(text="start.text", times="start.times")], chain("start", "end"),
                    name=name, description="Echo the text back.")


def services_for(data_dir: Path, model_url: str, **extra: Any) -> Services:
    gateway = Gateway({"default": EndpointModel(name="default", base_url=model_url, model="m", max_retries=0)})
    return Services(llm=gateway, tools=ToolRegistry(allow_hosts=["127.0.0.1"]), files=FileStore(data_dir), **extra)


@pytest.fixture
async def services(data_dir: Path, openai_server) -> AsyncIterator[Services]:
    svc = services_for(data_dir, openai_server.url)
    yield svc
    await svc.llm.aclose()
    await svc.tools.aclose()


@pytest.fixture
async def client(data_dir: Path, services: Services) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(data_dir, services=services) as app, asgi_client(app) as client:
        yield client


async def create_agent(client: httpx.AsyncClient, **fields: Any) -> str:
    response = await client.post("/api/agents", json=agent(**fields))
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def publish_workflow(client: httpx.AsyncClient, definition: dict[str, Any]) -> str:
    workflow_id = (await client.post("/api/workflows", json=definition)).json()["id"]
    assert (await client.post(f"/api/workflows/{workflow_id}/publish")).status_code in (200, 201)
    return workflow_id
