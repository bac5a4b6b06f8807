"""``loom import-dify``, run as a real process: the workflow file and the report, or an error naming the place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import loom
from tests.dify_data import DIFY_DSL

DATA = DIFY_DSL
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"no Dify files at {DATA}")


def test_import_writes_the_workflow_and_prints_the_report(tmp_path: Path) -> None:
    out = tmp_path / "app.json"
    done = loom("import-dify", str(DATA / "community" / "wwwzhouhui" / "stock_analysis.yml"), "-o", str(out))
    assert done.returncode == 0, done.stderr
    workflow = json.loads(out.read_text(encoding="utf-8"))
    assert workflow["mode"] == "chat" and "sk-" not in out.read_text(encoding="utf-8")
    assert "mapped: 15 nodes" in done.stdout
    assert "env.apikey -> start input 'env_apikey'" in done.stdout
    assert "dropped:\n  1741695699375: a note" in done.stdout
    assert loom("validate", str(out)).returncode == 0


def test_the_report_as_json_and_the_workflow_on_stdout(tmp_path: Path) -> None:
    done = loom("import-dify", str(DATA / "dify-fixtures" / "basic_llm_chat_workflow.yml"), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["nodes"][1]["type"] == "llm"
    assert json.loads(done.stderr)["attention"][0]["name"] == "openai/gpt-3.5-turbo"


def test_a_bad_file_exits_1_naming_the_place(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("app:\n  mode: workflow\n  name: [x\nkind: app\n", encoding="utf-8")
    done = loom("import-dify", str(bad))
    assert done.returncode == 1
    assert "line 4, column 5: malformed YAML" in done.stderr.replace("\n", " ")
