"""``loom model`` against a data directory and the stand-in ``vllm``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from modelhub import launcher
from server.cli.model import app

runner = CliRunner()


def loom(data_dir: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--data-dir", str(data_dir)])
    return result.exit_code, result.output


def test_register_deploy_start_logs_stop(data_dir: Path, standin: Path, base_dir: Path,
                                         make_adapter: Callable[..., Path]) -> None:
    assert loom(data_dir, "add-base", "qwen", str(base_dir), "--context-length", "8192")[0] == 0
    code, output = loom(data_dir, "add-finetune", "yuwen", "qwen", "--adapter", "/no/adapter")
    assert code == 1 and "adapter directory '/no/adapter' does not exist" in output
    adapter = make_adapter("yuwen", str(base_dir), rank=16)
    code, output = loom(data_dir, "add-finetune", "yuwen", "qwen", "--adapter", str(adapter), "--dataset", "qa.jsonl",
                        "--params", '{"temperature": 0.2}', "--scores", '{"bleu": 30.1}', "--json")
    assert code == 0 and json.loads(output)["spec"]["rank"] == 16
    code, output = loom(data_dir, "deploy", "qwen-gpu", "qwen", "--adapter", "yuwen", "--gpus", "0,1",
                        "--max-model-len", "4096", "--start", "--json")
    assert code == 0, output
    deployed = json.loads(output)
    assert deployed["state"] == "ready" and [a["name"] for a in deployed["adapters"]] == ["yuwen"]
    assert launcher.alive(deployed["pid"])  # keeps running after the command

    listed = json.loads(loom(data_dir, "list", "--json")[1])
    assert [(m["name"], m["version"]) for m in listed["models"]] == [("qwen", 1), ("yuwen", 1)]
    assert listed["deployments"][0]["state"] == "ready"  # re-attached by the next command
    code, output = loom(data_dir, "logs", "qwen-gpu", "-n", "20")
    assert code == 0 and "--lora-modules yuwen=" in output
    code, output = loom(data_dir, "stop", "qwen-gpu", "--json")
    assert code == 0 and json.loads(output)["state"] == "stopped" and not launcher.alive(deployed["pid"])
    code, output = loom(data_dir, "start", "nope")
    assert code == 1 and "deployment 'nope' not found" in output


def test_gpus_says_plainly_when_there_are_none() -> None:
    result = runner.invoke(app, ["gpus", "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["gpus"] == []
    assert "no NVIDIA GPU found on this machine" in runner.invoke(app, ["gpus"]).output
