"""The example workflows through the command line, on a fresh data directory (knowledge bases made on first use)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from server.templates import WORKFLOWS_DIR
from tests.doubles.openai_server import ScriptedOpenAI

LOOM = str(Path(sys.executable).with_name("loom"))


def loom_run(workflow: str, query: str, data_dir: Path, model: ScriptedOpenAI) -> tuple[list[dict[str, Any]], str]:
    result = subprocess.run(
        [LOOM, "run", str(WORKFLOWS_DIR / f"{workflow}.json"), "--input", f"query={query}", "--json", "--stream",
         "--data-dir", str(data_dir)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "LOOM_LLM_BASE_URL": model.url})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return lines, result.stderr


def test_teaching_assistant_from_the_command_line(tmp_path: Path, seed_model: ScriptedOpenAI) -> None:
    data_dir = tmp_path / "fresh"
    events, stderr = loom_run("teaching-assistant", "请问《竹里馆》的作者是谁？", data_dir, seed_model)
    assert "created knowledge base 'yuwen' from the bundled documents" in stderr
    nodes = {e["node_id"]: e for e in events if e.get("type") == "node_finished"}
    assert nodes["check"]["branch"] == "found" and nodes["ai"]["status"] == "skipped"
    assert "独坐幽篁里" in nodes["kb"]["outputs"]["output_list"][0]["content"]
    assert nodes["merge"]["outputs"]["output"] == nodes["polish"]["outputs"]["text"]
    chunks = "".join(e["delta"] for e in events if e.get("type") == "text_chunk" and e["node_id"] == "polish")
    assert chunks == nodes["polish"]["outputs"]["text"]
    final = events[-1]
    assert final["status"] == "succeeded" and "王维" in final["outputs"]["answer"]

    # The knowledge base is made once: a second run on the same data directory reuses it.
    events, stderr = loom_run("teaching-assistant", "光合作用是什么？", data_dir, seed_model)
    assert "created knowledge base" not in stderr
    assert events[-1]["outputs"]["answer"].endswith("（此回答由AI生成）")
