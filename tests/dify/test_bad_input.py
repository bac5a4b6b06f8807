"""Bad Dify DSL files through the whole path: ``POST /api/workflows/import`` and ``loom import-dify``. Each
is refused with a clear 4xx or CLI error naming the place (line and column, ``version``, the node), and nothing
is saved or written. The importer's own parse errors are tested with it; here the path around it is."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from server.cli.main import app as cli
from tests.dify_data import DIFY_DSL
from tests.server.conftest import asgi_client, running_app

DATA = DIFY_DSL
BASE = DATA / "dify-fixtures" / "basic_llm_chat_workflow.yml"
pytestmark = pytest.mark.skipif(not BASE.is_file(), reason=f"no Dify DSL files at {DATA}")


def _document() -> dict[str, Any]:
    return yaml.safe_load(BASE.read_text(encoding="utf-8"))


def _edited(change: Callable[[dict[str, Any]], None]) -> bytes:
    document = copy.deepcopy(_document())
    change(document)
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False).encode()


def _node(document: dict[str, Any], node_id: str) -> dict[str, Any]:
    return next(n for n in document["workflow"]["graph"]["nodes"] if n["id"] == node_id)


def _unknown_type(document: dict[str, Any]) -> None:
    _node(document, "llm_node")["data"]["type"] = "quantum-oracle"


def _dangling(document: dict[str, Any]) -> None:
    _node(document, "end_node")["data"]["outputs"][0]["value_selector"] = ["ghost", "text"]


def _newer(document: dict[str, Any]) -> None:
    document["version"] = "9.0.0"


def _malformed() -> bytes:
    text = BASE.read_text(encoding="utf-8")
    return text.replace("kind: app\n", "kind: app\n  bad: [\n").encode()  # line 10 breaks the mapping


# (case id, file content, what the error must name)
BAD: list[tuple[str, Callable[[], bytes], tuple[str, ...]]] = [
    ("malformed-yaml", _malformed, ("malformed YAML", "line 10")),
    ("newer-version", lambda: _edited(_newer), ("version", "9.0.0", "newer")),
    ("unknown-node-type", lambda: _edited(_unknown_type), ("llm_node", "quantum-oracle")),
    ("dangling-selector", lambda: _edited(_dangling), ("end_node", "ghost")),
]


async def _count(client: Any) -> int:
    return len((await client.get("/api/workflows")).json()["items"])


@pytest.mark.parametrize(("content", "names"), [(c, n) for _, c, n in BAD], ids=[i for i, _, _ in BAD])
async def test_api_refuses_naming_the_place_and_saves_nothing(data_dir: Path, content: Callable[[], bytes],
                                                              names: tuple[str, ...]) -> None:
    async with running_app(data_dir) as app, asgi_client(app) as client:
        response = await client.post("/api/workflows/import",
                                     files={"file": ("app.yml", content(), "application/yaml")})
        assert response.status_code == 400, response.text
        detail = response.json()["detail"]
        assert "app.yml" in detail and all(name in detail for name in names), detail
        assert await _count(client) == 0


async def test_api_refuses_a_100_mb_file_before_reading_it(data_dir: Path, tmp_path: Path) -> None:
    huge = tmp_path / "huge.yml"
    with huge.open("wb") as handle:  # sparse: 100 MB on paper, nothing written
        handle.truncate(100 * 1024 * 1024)
    async with running_app(data_dir) as app, asgi_client(app) as client:
        with huge.open("rb") as handle:
            response = await client.post("/api/workflows/import",
                                         files={"file": ("huge.yml", handle, "application/yaml")})
        assert response.status_code == 413
        assert "over the limit" in response.json()["detail"]
        assert await _count(client) == 0


async def test_api_refuses_a_file_over_the_import_limit_naming_its_size(data_dir: Path) -> None:
    text = BASE.read_bytes() + b"\n# " + b"x" * 3_000_000 + b"\n"  # under the upload limit, over the import one
    async with running_app(data_dir) as app, asgi_client(app) as client:
        response = await client.post("/api/workflows/import", files={"file": ("big.yml", text, "application/yaml")})
        assert response.status_code == 400
        assert "big.yml" in response.json()["detail"] and "bytes" in response.json()["detail"]
        assert await _count(client) == 0


@pytest.mark.parametrize(("content", "names"), [(c, n) for _, c, n in BAD], ids=[i for i, _, _ in BAD])
def test_cli_exits_naming_the_place_and_writes_nothing(tmp_path: Path, content: Callable[[], bytes],
                                                       names: tuple[str, ...]) -> None:
    source, target = tmp_path / "app.yml", tmp_path / "out.json"
    source.write_bytes(content())
    result = CliRunner().invoke(cli, ["import-dify", str(source), "-o", str(target)])
    assert result.exit_code == 1
    assert str(source) in result.output and all(name in result.output for name in names), result.output
    assert not target.exists()


def test_cli_refuses_a_100_mb_file_naming_the_limit(tmp_path: Path) -> None:
    source, target = tmp_path / "huge.yml", tmp_path / "out.json"
    with source.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)
    result = CliRunner().invoke(cli, ["import-dify", str(source), "-o", str(target)])
    assert result.exit_code == 1
    assert "104,857,600 bytes" in result.output and "at most" in result.output, result.output
    assert not target.exists()
