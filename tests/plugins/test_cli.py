"""``loom plugin``: list, call, import, export, delete — through the real ``loom`` command tree."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from server.cli.main import app
from tests.plugins.toy_api import API_KEY, ToyServer

runner = CliRunner()


def loom(*args: str, env: dict[str, str] | None = None):  # noqa: ANN201
    return runner.invoke(app, ["plugin", *args], env=env)


def test_list_json(data_dir: Path) -> None:
    result = loom("list", "--json", "--data-dir", str(data_dir))
    assert result.exit_code == 0, result.output
    plugins = {p["name"]: p for p in json.loads(result.stdout)}
    assert set(plugins) >= {"read_file", "http_request", "current_time", "json_extract"}
    tool = plugins["read_file"]["tools"][0]
    assert tool["input_schema"]["required"] == ["file_url"]
    assert tool["output_schema"]["properties"]["page_count"] == {"type": "integer",
                                                                 "description": "pages (PDF), else 1"}


def test_list_table(data_dir: Path) -> None:
    result = loom("list", "--data-dir", str(data_dir))
    assert result.exit_code == 0 and "json_extract" in result.stdout and "file_url*" in result.stdout


def test_call_with_params(data_dir: Path) -> None:
    result = loom("call", "json_extract", "json_extract", "--param", 'data={"a": [5, 6]}', "--param", "path=$.a[1]",
                  "--json", "--data-dir", str(data_dir))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"value": 6, "values": [6], "count": 1}


def test_call_reads_a_local_path(data_dir: Path, tmp_path: Path) -> None:
    doc = tmp_path / "note.md"
    doc.write_text("# Title\n\nbody text", encoding="utf-8")
    result = loom("call", "read_file", "read_file", "-p", f"file_url={doc}", "--json", "--data-dir", str(data_dir))
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert "body text" in out["text"] and out["page_count"] == 1 and out["name"] == "note.md"


def test_call_errors_are_one_clear_line(data_dir: Path) -> None:
    result = loom("call", "current_time", "current_time", "-p", "zone=UTC", "--data-dir", str(data_dir))
    assert result.exit_code == 1
    assert "unknown parameter 'zone' (parameters: format, timezone)" in result.stderr
    assert "Traceback" not in result.output
    bad = loom("call", "current_time", "current_time", "-p", "nonsense", "--data-dir", str(data_dir))
    assert bad.exit_code == 2 and "expected NAME=VALUE" in bad.stderr


def test_import_call_export_delete(data_dir: Path, tmp_path: Path, toy: ToyServer) -> None:
    base = ["--data-dir", str(data_dir)]
    imported = loom("import", "pets", f"{toy.url}/openapi.json", "--allow-host", "127.0.0.1",
                    "--credential", "APIKeyHeader=env:TOY_KEY", *base, env={"TOY_KEY": API_KEY})
    assert imported.exit_code == 0, imported.output
    assert "imported pets: 3 tool(s)" in imported.stdout
    created = loom("call", "pets", "createPet", "-p", "name=Bo", "--json", *base)
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout)["name"] == "Bo"
    exported = loom("export", "pets", *base)
    assert exported.exit_code == 0 and API_KEY not in exported.stdout
    spec = tmp_path / "pets.json"
    spec.write_text(json.dumps(json.loads(exported.stdout)["openapi"]))
    again = loom("import", "pets-copy", str(spec), "--base-url", toy.url, "--allow-host", "127.0.0.1", *base)
    assert again.exit_code == 0, again.output
    assert loom("delete", "pets", *base).exit_code == 0
    missing = loom("delete", "pets", *base)
    assert missing.exit_code == 1 and "unknown plugin 'pets'" in missing.stderr


def test_import_bad_spec_file(data_dir: Path, tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("openapi: 3.0.0\ninfo: {title: x}\npaths: {}\n")
    result = loom("import", "bad", str(spec), "--data-dir", str(data_dir))
    assert result.exit_code == 1 and "cannot import plugin 'bad': the document has no paths" in result.stderr
    nofile = loom("import", "bad", str(tmp_path / "missing.yaml"), "--data-dir", str(data_dir))
    assert nofile.exit_code == 2 and "no such file" in nofile.stderr
