"""Models and deployments: the registry (endpoints, base and fine-tuned models), deployments, GPUs, presets."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from pydantic import BaseModel, Field

from knowledge.embedding import forget as forget_embedder
from knowledge.rerank import forget as forget_reranker
from modelhub.repository import DeploymentRecord
from modelhub.schemas import (
    AdapterRef,
    BaseModelCreate,
    DeploymentCreate,
    DeploymentPublic,
    EndpointCreate,
    FinetuneCreate,
    ModelPublic,
    Task,
)
from nodes import llm_presets as presets
from server.db.registry import RegistryHub, open_hub

router = APIRouter(tags=["models"])
Version = Annotated[int | None, Query(ge=1, le=1_000_000,
                                      description="a fine-tuned model's version; default the newest")]


def app_hub(app: FastAPI) -> RegistryHub:
    """The gateway's hub when the services carry one; else one for the data directory, made on first use."""
    state = app.state.loom
    gateway = state.services.llm
    hub = getattr(gateway, "registry", None)
    if not isinstance(hub, RegistryHub):
        hub = getattr(app.state, "model_hub", None)
        if hub is None:
            hub = app.state.model_hub = open_hub(state.settings.data_dir)
            if gateway is not None and getattr(gateway, "registry", False) is None:
                gateway.registry = hub  # so LLM nodes reach what is registered here
    return hub


async def get_hub(request: Request) -> RegistryHub:
    hub = app_hub(request.app)
    await hub.open()
    return hub


Hub = Annotated[RegistryHub, Depends(get_hub)]


class EndpointIn(EndpointCreate):
    """Register an external OpenAI-compatible endpoint."""

    kind: Literal["endpoint"]


class BaseIn(BaseModelCreate):
    """Register a base model."""

    kind: Literal["base"]


class FinetuneIn(FinetuneCreate):
    """Register a fine-tuned model (a new version when the name exists)."""

    kind: Literal["finetune"]


ModelIn = Annotated[EndpointIn | BaseIn | FinetuneIn, Field(discriminator="kind")]


class ModelList(BaseModel):
    """Registered models, plus the ones configured by environment or loom.toml (read-only here)."""

    items: list[ModelPublic]
    configured: list[dict[str, Any]]


class DeploymentList(BaseModel):
    """All deployments with their live state."""

    items: list[DeploymentPublic]


class LogTail(BaseModel):
    """The last lines of a deployment's server log."""

    deployment_id: str
    lines: list[str]


@router.get("/api/models", response_model=ModelList)
def list_models(hub: Hub, request: Request, kind: Literal["endpoint", "base", "finetune"] | None = None,
                task: Task | None = None) -> ModelList:
    gateway = request.app.state.loom.services.llm
    configured = [{"name": m.name, "base_url": m.base_url, "model": m.model, "params": m.params, "task": m.task}
                  for m in getattr(gateway, "models", {}).values() if task is None or m.task == task]
    return ModelList(items=[ModelPublic.model_validate(r) for r in hub.registry.list_models(kind, task)],
                     configured=configured)


@router.post("/api/models", response_model=ModelPublic, status_code=201)
def add_model(hub: Hub, body: ModelIn) -> ModelPublic:
    spec = body.model_dump(exclude={"kind"})
    if isinstance(body, EndpointIn):
        row = hub.registry.add_endpoint(EndpointCreate(**spec))
    elif isinstance(body, BaseIn):
        row = hub.registry.add_base(BaseModelCreate(**spec))
    else:
        row = hub.registry.add_finetune(FinetuneCreate(**spec))
    hub.invalidate()
    forget_embedder(body.name)  # a knowledge base using this name gets the registered model from now on
    forget_reranker(body.name)
    return ModelPublic.model_validate(row)


@router.get("/api/models/presets")
def list_presets() -> dict[str, Any]:
    """Inference presets an LLM node can name in ``config.preset``."""
    return {"items": [p.model_dump() for p in presets.PRESETS.values()], "aliases": presets.ALIASES}


@router.get("/api/models/{name}", response_model=ModelPublic)
def get_model(hub: Hub, name: str, version: Version = None) -> ModelPublic:
    return ModelPublic.model_validate(hub.registry.get_model(name, version))


@router.delete("/api/models/{name}", status_code=204)
def delete_model(hub: Hub, name: str, version: Version = None) -> None:
    hub.registry.delete_model(name, version)
    hub.invalidate()
    forget_embedder(name)
    forget_reranker(name)


@router.get("/api/deployments", response_model=DeploymentList)
def list_deployments(hub: Hub) -> DeploymentList:
    return DeploymentList(items=[hub.public(r) for r in hub.registry.list_deployments()])


@router.post("/api/deployments", response_model=DeploymentPublic, status_code=201)
async def create_deployment(hub: Hub, body: DeploymentCreate,
                            start: Annotated[bool, Query(description="start it right away")] = False,
                            ) -> DeploymentPublic:
    row: DeploymentRecord = hub.registry.create_deployment(body)
    if start:
        row = await hub.deployments.start(row.id)
    return hub.public(row)


@router.get("/api/deployments/{deployment_id}", response_model=DeploymentPublic)
def get_deployment(hub: Hub, deployment_id: str) -> DeploymentPublic:
    return hub.public(hub.registry.get_deployment(deployment_id))


@router.post("/api/deployments/{deployment_id}/start", response_model=DeploymentPublic)
async def start_deployment(hub: Hub, deployment_id: str) -> DeploymentPublic:
    return hub.public(await hub.deployments.start(deployment_id))


@router.post("/api/deployments/{deployment_id}/stop", response_model=DeploymentPublic)
async def stop_deployment(hub: Hub, deployment_id: str) -> DeploymentPublic:
    return hub.public(await hub.deployments.stop(deployment_id))


@router.post("/api/deployments/{deployment_id}/restart", response_model=DeploymentPublic)
async def restart_deployment(hub: Hub, deployment_id: str) -> DeploymentPublic:
    return hub.public(await hub.deployments.restart(deployment_id))


@router.delete("/api/deployments/{deployment_id}", status_code=204)
async def delete_deployment(hub: Hub, deployment_id: str) -> None:
    await hub.delete(deployment_id)


@router.get("/api/deployments/{deployment_id}/logs", response_model=LogTail)
def deployment_logs(hub: Hub, deployment_id: str, lines: Annotated[int, Query(ge=1, le=5000)] = 200) -> LogTail:
    row = hub.registry.get_deployment(deployment_id)
    return LogTail(deployment_id=row.id, lines=hub.logs(row.id, lines))


@router.post("/api/deployments/{deployment_id}/adapters", response_model=DeploymentPublic)
async def add_adapter(hub: Hub, deployment_id: str, body: AdapterRef) -> DeploymentPublic:
    """Adds a LoRA adapter; a ready server loads it at runtime, without a restart."""
    return hub.public(await hub.add_adapter(deployment_id, body))


@router.delete("/api/deployments/{deployment_id}/adapters/{name}", response_model=DeploymentPublic)
async def remove_adapter(hub: Hub, deployment_id: str, name: str) -> DeploymentPublic:
    return hub.public(await hub.remove_adapter(deployment_id, name))


@router.get("/api/gpus")
def list_gpus(hub: Hub) -> dict[str, Any]:
    """GPUs with memory, or ``{"gpus": [], "message": "no NVIDIA GPU found on this machine"}``."""
    return hub.gpus()
