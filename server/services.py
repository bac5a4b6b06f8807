"""Builds the Services nodes use (gateway, knowledge, tools, sandbox, files, http) for one data directory.

Nodes see each service through the engine's Protocols; the server holds the implementations themselves
(``ServerServices``), since it also opens and closes them, warms the knowledge bases and stores uploads.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from engine.spec import Services
from knowledge.limits import ParseLimits
from knowledge.service import KnowledgeService
from modelhub import config as model_config
from modelhub.gateway import Gateway
from modelhub.hub import ModelHub
from nodes.http_request import HTTP_LIMITS
from nodes.plugins import ToolRegistry
from nodes.plugins.http import SafeHttp
from nodes.sandbox import SandboxPool
from server import datadir
from server.db.registry import open_hub
from server.files import FileStore
from server.knowledge_backend import knowledge_backend
from server.knowledge_models import MODELS


@dataclass
class ServerServices(Services):
    """The engine's Services, each one this server's own implementation (or absent)."""

    llm: Gateway | None = None
    knowledge: KnowledgeService | None = None
    tools: ToolRegistry | None = None
    sandbox: SandboxPool | None = None
    files: FileStore | None = None
    http: SafeHttp | None = None


def data_dir_from(value: str | Path | None) -> Path:
    """``--data-dir``, else ``LOOM_DATA_DIR``, else ``./.loom``."""
    return Path(value or os.environ.get("LOOM_DATA_DIR") or ".loom").expanduser().resolve()


def build_services(data_dir: Path, *, sandbox_size: int | None = None) -> ServerServices:
    """One set of services per process and data directory."""
    datadir.prepare(data_dir)
    size = sandbox_size or int(os.environ.get("LOOM_SANDBOX_WORKERS", "2"))
    gateway = Gateway(model_config.load(data_dir), registry=open_hub(data_dir))
    MODELS.attach(gateway)  # registered embedding and rerank models reach the knowledge bases
    return ServerServices(
        llm=gateway,
        knowledge=KnowledgeService(data_dir, ParseLimits.from_env(), knowledge_backend()),
        tools=ToolRegistry(data_dir),
        sandbox=SandboxPool(size=size, memory_mb=int(os.environ.get("LOOM_SANDBOX_MEMORY_MB", "256")),
                            cpu_seconds=int(os.environ.get("LOOM_SANDBOX_CPU_SECONDS", "10"))),
        files=FileStore(data_dir),
        http=SafeHttp(HTTP_LIMITS),  # the http-request node's calls share its connection pools
    )


async def open_services(services: ServerServices) -> None:
    """For a long-running server: re-attach to model servers a previous Loom process started."""
    hub = services.llm.registry if services.llm is not None else None
    if isinstance(hub, ModelHub):
        await hub.open()


async def close_services(services: ServerServices) -> None:
    """Release what the services hold (HTTP clients, sandbox workers); model servers keep running."""
    if services.llm is not None:
        await services.llm.aclose()
        if isinstance(services.llm.registry, ModelHub):
            await services.llm.registry.close()
    if services.tools is not None:
        await services.tools.aclose()
    if services.http is not None:
        await services.http.aclose()
    if services.knowledge is not None:
        services.knowledge.close()
    if services.sandbox is not None:
        await services.sandbox.close()
