"""Each real service against the engine Protocol nodes type against (engine/services.py).

Not a test module: mypy checks it (``.ci/run``'s lint step, and tests/engine/test_service_protocols.py). An
implementation whose signatures drift from its Protocol is a type error here.
"""

from __future__ import annotations

from engine.services import CodeSandbox, FileReader, HttpClient, ModelGateway, Retriever, ToolProvider
from knowledge.service import KnowledgeService
from modelhub.gateway import Gateway
from nodes.plugins import ToolRegistry
from nodes.plugins.http import SafeHttp
from nodes.sandbox import SandboxPool
from server.files import AppFiles, FileStore


def model_gateway(real: Gateway) -> ModelGateway:
    return real


def retriever(real: KnowledgeService) -> Retriever:
    return real


def tool_provider(real: ToolRegistry) -> ToolProvider:
    return real


def code_sandbox(real: SandboxPool) -> CodeSandbox:
    return real


def file_readers(store: FileStore, scoped: AppFiles) -> tuple[FileReader, FileReader]:
    return store, scoped


def http_client(real: SafeHttp) -> HttpClient:
    return real
