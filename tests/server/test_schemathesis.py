"""The fuzzing job: schemathesis over /openapi.json against a live server (real HTTP, real SQLite). No request
may get a 5xx, and none may hang. It runs in `make test` (and so in `.ci/run`), bounded to a few minutes on
two cores: a fixed seed, no example database (each run generates the same cases), a cap on examples per
operation, every phase including the stateful one (links inferred from the schema chain a created resource
into the operations that read, change and delete it), and a wall-clock limit on the whole run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from engine.spec import Services
from knowledge.embedding import get_embedder
from knowledge.service import KnowledgeService
from nodes.plugins import ToolRegistry
from server.app import create_app
from server.settings import Settings
from tests.helpers import catalog_with_test_nodes
from tests.server.conftest import LiveServer
from tests.server.helpers import chat_workflow, echo_workflow

SEED = 7
MAX_EXAMPLES = 8  # per operation and phase: about 4,000 requests, 1-2 minutes here
WALL_LIMIT_S = 360  # the subprocess is stopped past this; the test itself may take a little longer


def schemathesis_command(url: str, key: str, report_dir: Path) -> list[str]:
    cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
    return [cli, "run", f"{url}/openapi.json",
            "--checks", "not_a_server_error",
            "--phases", "examples,coverage,fuzzing,stateful",
            "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--generation-database", "none",
            "--workers", "1", "--request-timeout", "60",
            "--report", "junit", "--report-dir", str(report_dir), "--no-color",
            "-H", f"Authorization: Bearer {key}"]


@pytest.mark.timeout(WALL_LIMIT_S + 120)
def test_no_server_errors_under_schemathesis(data_dir: Path, tmp_path: Path):
    get_embedder().encode(["warm"])  # a first search loads the model; that is start-up, not a hang
    knowledge = KnowledgeService(data_dir)
    services = Services(knowledge=knowledge, tools=ToolRegistry(data_dir))
    app = create_app(Settings(data_dir=data_dir), services=services, catalog=catalog_with_test_nodes())
    with LiveServer(app) as server:
        with httpx.Client(base_url=server.url) as client:
            workflow_id = client.post("/api/workflows", json=echo_workflow()).json()["id"]
            client.post(f"/api/workflows/{workflow_id}/publish")
            client.post("/api/workflows", json=chat_workflow())
            client.post("/api/knowledge-bases", json={"name": "notes"})
            client.post("/api/knowledge-bases/notes/documents",
                        files={"files": ("notes.md", b"# Notes\n\nBamboo grove, moonlight.", "text/markdown")})
            key = client.post(f"/api/workflows/{workflow_id}/keys").json()["key"]
        result = subprocess.run(schemathesis_command(server.url, key, tmp_path / "report"),
                                capture_output=True, text=True, timeout=WALL_LIMIT_S)
    knowledge.close()
    summary = result.stdout[result.stdout.find("=== SUMMARY") - 100:] if "SUMMARY" in result.stdout else ""
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert "Stateful" in summary and f"Seed: {SEED}" in summary, summary
