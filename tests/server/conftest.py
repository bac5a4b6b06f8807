"""Server fixtures: an app per test on its own data directory, reached over real HTTP (ASGI or live uvicorn)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from engine.spec import NodeSpec, Services
from server.app import create_app
from server.settings import Settings
from tests.helpers import catalog_with_test_nodes
from tests.ports import free_port
from tests.redis_server import RedisServer, require_redis

AppFactory = Callable[..., Any]


@asynccontextmanager
async def running_app(data_dir: Path, services: Services | None = None,
                      catalog: Mapping[str, NodeSpec] | None = None, **settings: Any):
    """An app with its lifespan entered; ``services=None`` gives empty services (no model, no sandbox)."""
    app = create_app(Settings(data_dir=data_dir, **settings), services=services or Services(),
                     catalog=catalog or catalog_with_test_nodes())
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def asgi_client(app: Any, token: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://loom.test", headers=headers,
                                 timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A throwaway redis-server for the module's tests (skipped without one, failing under CI=true)."""
    require_redis()
    with RedisServer() as server:
        yield server.url()


@pytest.fixture
async def app(data_dir: Path) -> AsyncIterator[Any]:
    async with running_app(data_dir) as app:
        yield app


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as client:
        yield client


class LiveServer:
    """uvicorn serving an app on 127.0.0.1 in a thread with its own event loop."""

    def __init__(self, app: Any):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        for _ in range(500):
            if self.server.started:
                return self
            threading.Event().wait(0.01)
        raise RuntimeError("uvicorn did not start")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(data_dir: Path) -> Iterator[LiveServer]:
    app = create_app(Settings(data_dir=data_dir), services=Services(), catalog=catalog_with_test_nodes())
    with LiveServer(app) as server:
        yield server


async def wait_for(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll an async predicate until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
