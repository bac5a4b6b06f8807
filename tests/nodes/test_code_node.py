"""The ``code`` node in real workflows: save-time checks, the output contract, errors and logs in the trace."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from engine.errors import DefinitionError
from engine.events import NodeFinishedEvent
from engine.graph import validate
from engine.runner import execute
from engine.spec import Services
from nodes.registry import CATALOG
from nodes.sandbox import SandboxPool

pytestmark = pytest.mark.asyncio(loop_scope="module")

SEED_MERGE = ("def main(args: dict) -> dict:\n"
              "    return {'output': (args.get('str1') or '') + (args.get('str2') or '')}")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def services() -> AsyncIterator[Services]:
    async with SandboxPool(size=2) as pool:
        yield Services(sandbox=pool)


def workflow(code: str, outputs: dict[str, str], **config: Any) -> dict[str, Any]:
    """start(str1, str2) → merge(code) → end(answer ← merge.output)."""
    return {
        "name": "code node test",
        "nodes": [
            {"id": "start", "type": "start", "config": {"variables": [
                {"name": "str1", "type": "string", "required": False},
                {"name": "str2", "type": "string", "required": False}]}},
            {"id": "merge", "type": "code",
             "inputs": {"str1": {"ref": "start.str1"}, "str2": {"ref": "start.str2"}},
             "config": {"language": "python", "code": code, "outputs": outputs, **config}},
            {"id": "end", "type": "end", "inputs": {"answer": {"ref": f"merge.{next(iter(outputs), 'output')}"}}},
        ],
        "edges": [{"source": "start", "target": "merge"}, {"source": "merge", "target": "end"}],
    }


def merge_event(events: list[Any]) -> NodeFinishedEvent:
    return next(e for e in events if isinstance(e, NodeFinishedEvent) and e.node_id == "merge")


async def run(services: Services, code: str, outputs: dict[str, str] | None = None, **config: Any):
    graph = validate(workflow(code, outputs or {"output": "string"}, **config), CATALOG, services)
    return await execute(graph, {"str1": "床前明月光，", "str2": "疑是地上霜。"}, services)


async def test_the_seed_merge_node_runs(services: Services) -> None:
    result = await run(services, SEED_MERGE)
    assert result.status == "succeeded"
    assert result.outputs == {"answer": "床前明月光，疑是地上霜。"}


async def test_print_output_appears_in_the_trace(services: Services) -> None:
    code = "def main(args):\n    print('merging', len(args))\n    return {'output': 'x'}"
    event = merge_event((await run(services, code)).events)
    assert event.status == "succeeded"
    assert event.logs == ["merging 2"]


async def test_print_output_of_a_failed_run_appears_in_the_trace(services: Services) -> None:
    code = "def main(args):\n    print('about to fail')\n    return {'output': 1 / 0}"
    event = merge_event((await run(services, code)).events)
    assert event.status == "failed" and "division by zero" in event.error
    assert event.logs == ["about to fail"]


async def test_the_seed_mistake_fails_the_node_with_the_hint(services: Services) -> None:
    result = await run(services, "def main(args: dict) -> dict:\n    return {'output': str1 + str2}")
    assert result.status == "failed" and result.failed_node == "merge"
    assert "node 'merge' (code): name 'str1' is not defined — inputs are in args, e.g. args.get('str1')" \
        in result.error


@pytest.mark.parametrize(("code", "outputs", "message"), [
    ("def main(args):\n    return {}", {"output": "string"},
     "node 'merge' (code): main returned no 'output' (declared outputs: output)"),
    ("def main(args):\n    return {'output': 'a', 'debug': 1}", {"output": "string"},
     "node 'merge' (code): main returned 'debug', which is not a declared output"),
    ("def main(args):\n    return {'output': 42}", {"output": "string"},
     "node 'merge' (code): output 'output' should be string, but main returned integer"),
    ("def main(args):\n    return {'output': ['a', 2]}", {"output": "array[string]"},
     "node 'merge' (code): output 'output' should be array[string], but main returned array"),
], ids=["missing-key", "extra-key", "wrong-type", "wrong-item-type"])
async def test_the_returned_dict_must_match_the_declared_outputs(services: Services, code: str,
                                                                  outputs: dict[str, str], message: str) -> None:
    result = await run(services, code, outputs)
    assert result.status == "failed"
    assert result.error.startswith(message)


async def test_declared_types_accept_matching_values_and_null(services: Services) -> None:
    code = "def main(args):\n    return {'output': None, 'n': 3, 'items': [{'a': 1}], 'ok': True}"
    outputs = {"output": "string", "n": "number", "items": "array[object]", "ok": "boolean"}
    event = merge_event((await run(services, code, outputs)).events)
    assert event.status == "succeeded"
    assert event.outputs == {"output": None, "n": 3, "items": [{"a": 1}], "ok": True}


async def test_config_timeout_stops_the_code(services: Services) -> None:
    result = await run(services, "def main(args):\n    while True:\n        pass", timeout_s=0.5)
    assert result.error == "node 'merge' (code): code ran longer than 0.5 s and was stopped"


async def test_without_a_sandbox_the_node_fails_clearly() -> None:
    result = await run(Services(), SEED_MERGE)
    assert result.error == "node 'merge' (code): no code sandbox is configured (Services.sandbox is not set)"


@pytest.mark.parametrize(("code", "outputs", "field", "message"), [
    ("def main(args:\n    return {}", {"output": "string"}, "config.code",
     "line 1, column 9: syntax error: '(' was never closed"),
    ("def handler(args):\n    return {}", {"output": "string"}, "config.code",
     "the code must define a function `def main(args: dict) -> dict`"),
    ("def main():\n    return {}", {"output": "string"}, "config.code",
     "line 1: main must take one argument, the inputs dict: `def main(args: dict)`"),
    ("def main(args):\n    return {'x': args.__class__}", {"output": "string"}, "config.code",
     'line 2: "__class__" is an invalid attribute name because it starts with "_".'),
    ("def main(args):\n    return {'output': eval('1')}", {"output": "string"}, "config.code",
     "line 2: Eval calls are not allowed."),
    ("import json\nfrom os import path\ndef main(args):\n    return {}", {"output": "string"}, "config.code",
     "line 2: module 'os' is not allowed in code nodes; allowed: json, re, math, datetime, random, collections, "
     "itertools, functools, string, statistics, decimal, hashlib, base64, uuid"),
    (SEED_MERGE, {"output": "string", "bad name": "string"}, "config.outputs.bad name",
     "output names must be identifiers (letters, digits, _; not starting with a digit)"),
], ids=["syntax", "no-main", "main-without-args", "dunder", "eval", "import", "output-name"])
async def test_saving_reports_code_problems_with_their_location(code: str, outputs: dict[str, str], field: str,
                                                                message: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        validate(workflow(code, outputs), CATALOG)
    assert [(i.node_id, i.field, i.message) for i in caught.value.issues] == [("merge", field, message)]


async def test_saving_warns_when_an_input_is_used_as_a_variable() -> None:
    graph = validate(workflow("def main(args):\n    str2 = 'x'\n    return {'output': str1 + str2}",
                              {"output": "string"}), CATALOG)
    assert [(i.node_id, i.field, i.message, i.severity) for i in graph.warnings] == [
        ("merge", "config.code", "'str1' is an input, not a variable: read it as args.get('str1')", "warning")]


async def test_unknown_config_keys_and_languages_are_rejected() -> None:
    with pytest.raises(DefinitionError) as caught:
        validate(workflow(SEED_MERGE, {"output": "string"}, language="javascript"), CATALOG)
    assert [(i.node_id, i.field) for i in caught.value.issues] == [("merge", "config.language")]


async def test_downstream_refs_are_type_checked_against_declared_outputs() -> None:
    data = workflow(SEED_MERGE, {"output": "string"})
    data["nodes"][2]["inputs"]["answer"] = {"ref": "merge.missing"}
    with pytest.raises(DefinitionError) as caught:
        validate(data, CATALOG)
    assert caught.value.issues[0].node_id == "end"
    assert "missing" in caught.value.issues[0].message
