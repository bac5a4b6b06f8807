"""Builds the Services nodes use (gateway, knowledge, tools, sandbox, files) for one data directory."""

from __future__ import annotations

import os
from pathlib import Path

from engine.spec import Services
from knowledge.limits import ParseLimits
from knowledge.service import KnowledgeService
from modelhub import config as model_config
from modelhub.gateway import Gateway
from nodes.plugins import ToolRegistry
from nodes.sandbox import SandboxPool
from server import datadir
from server.db.registry import open_hub
from server.files import FileStore


def data_dir_from(value: str | Path | None) -> Path:
    """``--data-dir``, else ``LOOM_DATA_DIR``, else ``./.loom``."""
    return Path(value or os.environ.get("LOOM_DATA_DIR") or ".loom").expanduser().resolve()


def build_services(data_dir: Path, *, sandbox_size: int | None = None) -> Services:
    """One set of services per process and data directory."""
    datadir.prepare(data_dir)
    size = sandbox_size or int(os.environ.get("LOOM_SANDBOX_WORKERS", "2"))
    return Services(
        llm=Gateway(model_config.load(data_dir), registry=open_hub(data_dir)),
        knowledge=KnowledgeService(data_dir, ParseLimits.from_env()),
        tools=ToolRegistry(data_dir),
        sandbox=SandboxPool(size=size, memory_mb=int(os.environ.get("LOOM_SANDBOX_MEMORY_MB", "256")),
                            cpu_seconds=int(os.environ.get("LOOM_SANDBOX_CPU_SECONDS", "10"))),
        files=FileStore(data_dir),
    )


async def open_services(services: Services) -> None:
    """For a long-running server: re-attach to model servers a previous Loom process started."""
    if services.llm is not None and services.llm.registry is not None:
        await services.llm.registry.open()


async def close_services(services: Services) -> None:
    """Release what the services hold (HTTP clients, sandbox workers); model servers keep running."""
    if services.llm is not None:
        await services.llm.aclose()
        if services.llm.registry is not None:
            await services.llm.registry.close()
    if services.tools is not None:
        await services.tools.aclose()
    if services.knowledge is not None:
        services.knowledge.close()
    if services.sandbox is not None:
        await services.sandbox.close()
