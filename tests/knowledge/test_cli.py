"""``loom kb`` commands against a real data directory."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from server.cli.kb import app
from tests.knowledge.conftest import ENGLISH, POEMS

runner = CliRunner()


def test_create_add_search_list_remove(tmp_path: Path, embedder) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    (tmp_path / "poems.txt").write_bytes(POEMS.encode("gbk"))
    (tmp_path / "facts.md").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 nope")

    result = runner.invoke(app, ["create", "yuwen", "--max-length", "100", "--overlap", "10", *data])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["create", "yuwen", *data]).exit_code == 1

    result = runner.invoke(app, ["add", "yuwen", str(tmp_path / "poems.txt"), str(tmp_path / "facts.md"), *data])
    assert result.exit_code == 0, result.output
    assert "ready" in result.output
    result = runner.invoke(app, ["add", "yuwen", str(tmp_path / "broken.pdf"), *data, "--json"])
    assert result.exit_code == 1 and json.loads(result.stdout.strip().splitlines()[-1])[0]["status"] == "failed"

    result = runner.invoke(app, ["search", "yuwen", "Eiffel Tower", "--mode", "keyword", "--top-k", "1", "--json",
                                 *data])
    hits = json.loads(result.stdout.strip().splitlines()[-1])
    assert result.exit_code == 0 and len(hits) == 1 and hits[0]["document"] == "facts.md"
    facts_id = hits[0]["document_id"]

    listed = json.loads(runner.invoke(app, ["list", "--json", *data]).stdout.strip().splitlines()[-1])
    assert [(kb["name"], kb["documents"]) for kb in listed] == [("yuwen", 3)]

    assert runner.invoke(app, ["remove-doc", "yuwen", facts_id, *data]).exit_code == 0
    result = runner.invoke(app, ["search", "yuwen", "Eiffel Tower", "--json", *data])
    assert all(h["document"] != "facts.md" for h in json.loads(result.stdout.strip().splitlines()[-1]))

    result = runner.invoke(app, ["search", "nokb", "x", *data])
    assert result.exit_code == 1 and "knowledge base 'nokb' does not exist" in result.output
