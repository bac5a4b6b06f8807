"""One data directory with the bundled knowledge bases for the example-workflow tests (indexing is slow)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from engine.spec import Services
from modelhub.config import EndpointModel
from modelhub.gateway import Gateway
from server.services import build_services, close_services
from server.templates import WORKFLOWS_DIR, ensure_knowledge
from tests.doubles.openai_server import ScriptedOpenAI
from tests.doubles.seed_model import seed_responder


def example(name: str) -> dict[str, Any]:
    return json.loads((WORKFLOWS_DIR / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="package")
def seed_model() -> Iterator[ScriptedOpenAI]:
    with ScriptedOpenAI(seed_responder) as server:
        yield server


@pytest.fixture(scope="package")
def examples_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("examples-data")


@pytest_asyncio.fixture(loop_scope="package", scope="package")
async def services(examples_dir: Path, seed_model: ScriptedOpenAI) -> AsyncIterator[Services]:
    services = build_services(examples_dir)
    services.llm = Gateway({"default": EndpointModel(name="default", base_url=seed_model.url, model="seed")})
    for name in ("teaching-assistant", "research-assistant", "faq-intent"):
        ensure_knowledge(example(name), services.knowledge)
    yield services
    await close_services(services)
