"""deploy/: the compose file has the services docs/deploy.md describes, wired the way it says, and every ``LOOM_*``
name it or .env.example sets is one Loom reads (a misspelt setting would be ignored silently); `docker compose
config` validates the file where a compose client is installed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from server.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
# Settings read outside server.settings.Settings (the model gateway, knowledge backend, sandbox, parser, CLI).
OTHER_SETTINGS = {"LOOM_KNOWLEDGE_BACKEND", "LOOM_LLM_BASE_URL", "LOOM_LLM_API_KEY", "LOOM_LLM_MODEL",
                  "LOOM_PLUGIN_ALLOW_HOSTS", "LOOM_ACCESS_LOG", "LOOM_VLLM_BIN"}


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return data


def known(name: str) -> bool:
    fields = {f"LOOM_{field.upper()}" for field in Settings.model_fields}
    return name in fields or name in OTHER_SETTINGS or name.startswith(("LOOM_SANDBOX_", "LOOM_PARSE_"))


def test_the_services_and_their_order() -> None:
    services = compose()["services"]
    assert set(services) == {"migrate", "api", "worker", "proxy", "postgres", "redis", "vllm"}
    assert services["postgres"]["image"].startswith("pgvector/pgvector:pg16")
    assert services["vllm"]["profiles"] == ["gpu"]
    assert services["migrate"]["command"] == ["loom", "migrate"]
    assert services["api"]["command"][:2] == ["loom", "serve"]
    assert services["worker"]["command"][:2] == ["loom", "worker"]
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert services[name]["volumes"] == ["loom-data:/data"]
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert services["proxy"]["depends_on"]["api"] == {"condition": "service_healthy"}
    assert "--appendonly" in services["redis"]["command"]  # disposable: no persistence


def test_every_loom_setting_named_in_deploy_is_one_loom_reads() -> None:
    environment = compose()["services"]["api"]["environment"]
    assert {"LOOM_DATABASE_URL", "LOOM_REDIS_URL", "LOOM_TASKS", "LOOM_RUN_DISPATCH"} <= set(environment)
    example = (DEPLOY / ".env.example").read_text()
    names = set(environment) | set(re.findall(r"^#?\s*(LOOM_[A-Z0-9_]+)=", example, re.MULTILINE))
    assert [n for n in sorted(names) if not known(n)] == []


def test_docs_deploy_lists_every_setting_of_the_deployment() -> None:
    docs = (ROOT / "docs" / "deploy.md").read_text()
    environment = compose()["services"]["api"]["environment"]
    assert [n for n in environment if f"`{n}`" not in docs] == []
    # Every server setting (host and port are `loom serve --host/--port`) and the others Loom reads.
    settings = {f"LOOM_{field.upper()}" for field in Settings.model_fields} - {"LOOM_HOST", "LOOM_PORT"}
    assert sorted(n for n in settings | OTHER_SETTINGS if f"`{n}`" not in docs) == []


def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        command = ["docker", "compose"]
    elif shutil.which("docker-compose"):
        command = ["docker-compose"]
    else:
        pytest.skip("no docker compose client here")
    env_file = DEPLOY / ".env"
    created = not env_file.exists()
    if created:
        shutil.copy(DEPLOY / ".env.example", env_file)
    try:
        done = subprocess.run([*command, "-f", str(DEPLOY / "compose.yaml"), "--profile", "gpu", "config", "-q"],
                              capture_output=True, text=True, timeout=60)
    finally:
        if created:
            env_file.unlink()
    assert done.returncode == 0, done.stderr
