"""Property-based run of schemathesis over /openapi.json against a live server: no request may get a 5xx."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from engine.spec import Services
from knowledge.service import KnowledgeService
from nodes.plugins import ToolRegistry
from server.app import create_app
from server.settings import Settings
from tests.helpers import catalog_with_test_nodes
from tests.server.conftest import LiveServer
from tests.server.helpers import chat_workflow, echo_workflow


def test_no_server_errors_under_schemathesis(data_dir: Path):
    knowledge = KnowledgeService(data_dir)
    services = Services(knowledge=knowledge, tools=ToolRegistry(data_dir))
    app = create_app(Settings(data_dir=data_dir), services=services, catalog=catalog_with_test_nodes())
    with LiveServer(app) as server:
        with httpx.Client(base_url=server.url) as client:
            workflow_id = client.post("/api/workflows", json=echo_workflow()).json()["id"]
            client.post(f"/api/workflows/{workflow_id}/publish")
            client.post("/api/workflows", json=chat_workflow())
            key = client.post(f"/api/workflows/{workflow_id}/keys").json()["key"]
        cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
        result = subprocess.run(
            [cli, "run", f"{server.url}/openapi.json", "--checks", "not_a_server_error",
             "--max-examples", "8", "--workers", "1", "--seed", "7", "-H", f"Authorization: Bearer {key}"],
            capture_output=True, text=True, timeout=280)
    knowledge.close()
    assert result.returncode == 0, result.stdout[-6000:]
