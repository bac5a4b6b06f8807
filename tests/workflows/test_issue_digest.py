"""The issue-digest example: http-request → list-operator → template-transform, against a local stand-in for
the GitHub REST API (127.0.0.1, allow-listed for these tests only)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from engine.graph import validate
from engine.runner import execute
from engine.schema import json_schema
from nodes.registry import CATALOG
from tests.doubles.echo_http import EchoServer
from tests.workflows.conftest import example


def issue(number: int, title: str, comments: int, labels: list[str] = (), pull: bool = False) -> dict[str, Any]:
    found: dict[str, Any] = {"number": number, "title": title, "comments": comments,
                             "html_url": f"https://github.com/acme/app/issues/{number}",
                             "labels": [{"name": n} for n in labels], "user": {"login": "ann"}}
    if pull:
        found["pull_request"] = {"url": f"https://api.github.com/repos/acme/app/pulls/{number}"}
    return found


ISSUES = [issue(1, "Crash on start", 4, ["bug"]), issue(2, "Docs typo", 0), issue(3, "Add dark mode", 9,
          ["feature", "ui"]), issue(4, "Refactor", 12, pull=True), issue(5, "Slow search", 1)]


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[EchoServer]:
    monkeypatch.setenv("LOOM_PLUGIN_ALLOW_HOSTS", "127.0.0.1")
    with EchoServer() as server:
        server.serve_json("/repos/acme/app/issues", ISSUES)
        yield server


async def test_the_digest_lists_the_most_discussed_issues(github: EchoServer) -> None:
    result = await execute(validate(example("issue-digest"), CATALOG),
                           {"repo": "acme/app", "api_base": github.url})
    assert result.status == "succeeded", result.error
    assert result.outputs["digest"] == (
        "# Open issues in acme/app\n\n"
        "1. [#3 Add dark mode](https://github.com/acme/app/issues/3) — 9 comments (feature, ui)\n"
        "2. [#1 Crash on start](https://github.com/acme/app/issues/1) — 4 comments (bug)\n"
        "3. [#5 Slow search](https://github.com/acme/app/issues/5) — 1 comment\n"
        "\n5 open issues and pull requests in all.\n")
    assert result.outputs["top_issue"]["number"] == 3
    request = github.requests[-1]
    assert request["query"] == {"state": ["open"], "per_page": ["100"]}
    assert request["headers"]["accept"] == "application/vnd.github+json"


async def test_an_unknown_repository_fails_the_fetch_without_retrying(github: EchoServer) -> None:
    github.serve_json("/repos/acme/nothing/issues", {"message": "Not Found"}, status=404)
    before = len(github.requests)
    result = await execute(validate(example("issue-digest"), CATALOG), {"repo": "acme/nothing", "api_base": github.url})
    assert result.status == "failed" and result.failed_node == "fetch"
    assert "answered HTTP 404" in result.error and len(github.requests) == before + 1


def test_the_example_matches_the_json_schema() -> None:
    schema = json_schema(CATALOG)
    variants = {v["title"] for v in schema["$defs"]["NodeDef"]["oneOf"]}
    assert {"template-transform node", "http-request node", "document-extractor node", "list-operator node"} <= variants
    jsonschema.Draft202012Validator(schema).validate(example("issue-digest"))
    bad = example("issue-digest")
    bad["nodes"][1]["config"]["body"] = {"type": "soap"}
    assert not jsonschema.Draft202012Validator(schema).is_valid(bad)
