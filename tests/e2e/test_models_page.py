"""Models page against the stand-in vllm (tests/doubles/bin/vllm): GPU inventory, a base model and a
fine-tune with its lineage, a deployment created, started, seen ready, its logs tailed, an adapter loaded
and removed, and the deployment stopped."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.models.conftest import STANDIN, write_adapter

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def vllm_standin(monkeypatch: pytest.MonkeyPatch) -> None:
    """`loom serve` (started after this fixture) launches the stand-in as its vllm."""
    monkeypatch.setenv("LOOM_VLLM_BIN", str(STANDIN))
    monkeypatch.setenv("LOOM_STANDIN_PYTHON", sys.executable)


def fill_form(page, test_id: str, values: dict[str, str]) -> None:
    page.get_by_test_id(test_id).click()
    for key, value in values.items():
        field = page.get_by_test_id(f"{test_id}-{key}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.get_by_test_id(f"{test_id}-submit").click()
    expect(page.get_by_test_id(f"{test_id}-form")).to_have_count(0)


def test_register_deploy_tail_logs_adapters_and_stop(page, loom_server, tmp_path: Path):
    base = tmp_path / "Qwen2.5-0.5B-Instruct"
    base.mkdir()
    (base / "config.json").write_text(json.dumps({"model_type": "qwen2"}))
    adapter = write_adapter(tmp_path / "yuwen-lora", str(base))

    page.goto("/models")
    expect(page.get_by_test_id("no-gpu")).to_contain_text("no NVIDIA GPU found")

    fill_form(page, "add-base", {"name": "qwen", "source": str(base), "context_length": "32768"})
    fill_form(page, "add-finetune", {"name": "yuwen", "base": "qwen", "adapter_path": str(adapter)})
    lineage = page.get_by_test_id("lineage-qwen")
    expect(lineage).to_contain_text("32768 tokens")
    expect(lineage.get_by_test_id("finetune-row")).to_contain_text("yuwen v1")

    fill_form(page, "add-deployment",
              {"name": "qwen-local", "backend": "vllm", "base_model": "qwen", "max_model_len": "2048"})
    card = page.get_by_test_id("deployment-qwen-local")
    expect(card.get_by_test_id("deployment-state")).to_have_text("pending")
    card.get_by_test_id("deployment-start").click()
    expect(card.get_by_test_id("deployment-state")).to_have_text("ready", timeout=60_000)

    card.get_by_test_id("deployment-logs-toggle").click()
    expect(card.get_by_test_id("deployment-logs")).to_contain_text("--max-model-len 2048")

    card.get_by_test_id("adapter-picker").select_option("yuwen")
    card.get_by_test_id("adapter-add").click()
    expect(card.get_by_test_id("deployment-adapters")).to_contain_text("yuwen v1")
    expect(card.get_by_test_id("deployment-logs")).to_contain_text("load_lora_adapter")
    card.get_by_test_id("deployment-adapters").get_by_title("Remove adapter").click()
    expect(card.get_by_test_id("deployment-adapters").locator(".chip")).to_have_count(0)

    card.get_by_test_id("deployment-stop").click()
    expect(card.get_by_test_id("deployment-state")).to_have_text("stopped", timeout=30_000)
    expect(card.get_by_test_id("deployment-start")).to_be_enabled()
