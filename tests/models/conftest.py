"""Model fixtures: a hub on the test's data directory with fast timings, the stand-in ``vllm``, and model
folders built on disk (a config-only base for the stand-in, a real tiny GPT-2 with LoRA adapters for the
transformers backend)."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from modelhub.deployments import Timing
from modelhub.hub import ModelHub
from server.db.registry import open_hub
from tests.models.tiny import build_adapter, build_model

STANDIN = Path(__file__).resolve().parents[1] / "doubles" / "bin" / "vllm"
FAST = Timing(poll_s=0.05, health_interval_s=0.2, health_failures=2, grace_s=2.0, backoff_s=0.1, max_backoff_s=0.5)


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Path:
    """``vllm`` is the stand-in executable for this test."""
    monkeypatch.setenv("LOOM_VLLM_BIN", str(STANDIN))
    monkeypatch.setenv("LOOM_STANDIN_PYTHON", sys.executable)
    return STANDIN


@pytest.fixture
async def hub(data_dir: Path, standin: Path) -> AsyncIterator[ModelHub]:
    hub = open_hub(data_dir, timing=FAST)
    await hub.open()
    try:
        yield hub
    finally:
        await hub.close(stop_servers=True)


def write_adapter(folder: Path, base: str, rank: int = 8) -> Path:
    """A LoRA adapter directory as PEFT writes it (config only: the stand-in never reads weights)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "adapter_config.json").write_text(json.dumps({
        "peft_type": "LORA", "base_model_name_or_path": base, "r": rank, "lora_alpha": 2 * rank,
        "target_modules": ["q_proj", "v_proj"], "task_type": "CAUSAL_LM"}))
    return folder


@pytest.fixture
def base_dir(tmp_path: Path) -> Path:
    """A base model folder for the stand-in (a config.json is all it needs)."""
    folder = tmp_path / "Qwen2.5-7B-Instruct"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "qwen2"}))
    return folder


@pytest.fixture
def make_adapter(tmp_path: Path) -> Callable[..., Path]:
    def make(name: str, base: str, rank: int = 8) -> Path:
        return write_adapter(tmp_path / "adapters" / name, base, rank)
    return make


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real tiny random-weight GPT-2 with its tokenizer."""
    return build_model(tmp_path_factory.mktemp("tiny") / "tiny-gpt2")


@pytest.fixture(scope="session")
def tiny_adapters(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two real LoRA adapters on the tiny model."""
    root = tmp_path_factory.mktemp("tiny-adapters")
    return {"poet": build_adapter(tiny_model, root / "poet", rank=4, seed=1),
            "critic": build_adapter(tiny_model, root / "critic", rank=4, seed=2)}
