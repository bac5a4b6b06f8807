"""``loom eval`` sets, run, status, report and export against a data directory, as a user runs them (a
subprocess); the models are the scripted OpenAI-compatible server (test double) configured in loom.toml."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.doubles.openai_server import ScriptedOpenAI
from tests.server.evaluation_helpers import ITEMS, jsonl, responder

LOOM = [str(Path(sys.executable).with_name("loom"))]


def loom(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOOM_DATA_DIR": str(data_dir)}
    env.pop("LOOM_MODEL_BASE_URL", None)
    return subprocess.run([*LOOM, "eval", *args], capture_output=True, text=True, env=env, timeout=180)


def test_a_set_is_imported_run_reported_and_exported(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    set_file = tmp_path / "quiz.jsonl"
    set_file.write_bytes(jsonl(ITEMS) + b'{"query": "no reference", "tags": "x"}\n{oops\n')
    with ScriptedOpenAI(responder()) as server:
        (data_dir / "loom.toml").write_text("".join(
            f'[models.{name}]\nbase_url = "{server.url}"\nmodel = "{name}-m"\n\n' for name in ("good", "bad")))
        imported = loom(data_dir, "sets", "--import", str(set_file), "--name", "quiz", "--json")
        assert imported.returncode == 0, imported.stderr
        assert "quiz.jsonl:6:" in imported.stderr  # the bad line, by number
        set_id = json.loads(imported.stdout)["set_id"]
        assert set_id in loom(data_dir, "sets").stdout

        ran = loom(data_dir, "run", "--set", set_id, "--model", "good", "--model", "bad", "--metric", "exact-match",
                   "--json")
        assert ran.returncode == 0, ran.stderr
        run = json.loads(ran.stdout)
        assert run["status"] == "succeeded" and run["cost"]["m2"]["samples"] == 5

    status = loom(data_dir, "status", run["run_id"])
    assert status.returncode == 0 and "succeeded" in status.stdout
    report = json.loads(loom(data_dir, "report", run["run_id"], "--json").stdout)
    values = {(a["candidate_id"], a["metric"]): a["value"] for a in report["aggregates"]}
    assert values[("m1", "exact-match")] == 1.0 and values[("m2", "exact-match")] == 0.5  # the 5th has no reference
    assert sorted(report["by_tag"]) == ["geo", "math", "x"]
    exported = loom(data_dir, "export", run["run_id"], "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [(r["item_id"], r["output"]) for r in rows if r["candidate_id"] == "m2"][:4] == [
        ("q1", "2"), ("q2", "5"), ("q3", "Lyon"), ("q4", "Rome")]
    missing = loom(data_dir, "report", "nope")
    assert missing.returncode == 2 and "no evaluation run 'nope'" in missing.stderr
    no_set = loom(data_dir, "run", "--set", "nope", "--model", "good")
    assert no_set.returncode == 2 and "--set" in no_set.stderr
