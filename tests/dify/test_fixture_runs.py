"""The Dify fixtures cases.json has no cases for (iteration, loop, conversation variables, parallel code), run
with real code nodes, against the outputs Dify's own tests (langgenius/dify, graph_engine/test_*.py) expect."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from dify.importer import import_dsl
from engine.graph import validate
from engine.runner import execute
from engine.services import Services
from nodes.plugins.registry import ToolRegistry
from nodes.registry import CATALOG
from nodes.sandbox import SandboxPool
from tests.dify_data import DIFY_DSL

DATA = DIFY_DSL / "dify-fixtures"
pytestmark = [pytest.mark.asyncio(loop_scope="module"),
              pytest.mark.skipif(not DATA.is_dir(), reason=f"no Dify files at {DATA}")]

# (fixture, inputs, sys.query or None for workflow mode, expected outputs / chat answer, conversation at the end)
RUNS: list[tuple[str, dict[str, Any], str | None, Any, dict[str, Any] | None]] = [
    ("array_iteration_formatting_workflow", {}, None, {"output": ["output: 1", "output: 2", "output: 3"]}, None),
    ("iteration_flatten_output_enabled_workflow", {}, None, {"output": [1, 2, 2, 4, 3, 6]}, None),
    ("iteration_flatten_output_disabled_workflow", {}, None, {"output": [[1, 2], [2, 4], [3, 6]]}, None),
    ("increment_loop_with_break_condition_workflow", {}, None, {"num": 5}, None),
    ("loop_contains_answer", {}, "1", "1\n2\n1 + 2", None),
    ("test_streaming_conversation_variables", {}, "Hello, this is my test query", "Hello, this is my test query",
     {"str": "Hello, this is my test query"}),
    ("test_streaming_conversation_variables_v1_overwrite", {}, "hi", "Current Value Of `conv_var` is:hi",
     {"conv_var": "hi"}),
    ("update-conversation-variable-in-iteration", {}, "ensure conversation variable syncs",
     "ensure conversation variable syncs", {"answer": "ensure conversation variable syncs"}),
    ("conditional_parallel_code_execution_workflow", {"switch": 1}, None, {"1": "Code 1", "2": "Code 2", "3": None},
     None),
    ("conditional_parallel_code_execution_workflow", {"switch": 2}, None, {"1": None, "2": "Code 2", "3": "Code 3"},
     None),
]


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def services() -> AsyncIterator[Services]:
    async with SandboxPool(size=2) as pool:
        yield Services(sandbox=pool, tools=ToolRegistry())


@pytest.mark.parametrize(("fixture", "inputs", "query", "expected", "conversation"), RUNS,
                         ids=[f"{r[0]}-{i}" for i, r in enumerate(RUNS)])
async def test_fixture_gives_what_difys_test_expects(fixture: str, inputs: dict[str, Any], query: str | None,
                                                     expected: Any, conversation: dict[str, Any] | None,
                                                     services: Services) -> None:
    workflow = import_dsl((DATA / f"{fixture}.yml").read_bytes()).workflow
    sys = {"files": [], "user": "u"} if query is None else \
        {"files": [], "user": "u", "query": query, "history": [], "conversation_id": "c1"}
    result = await execute(validate(workflow, CATALOG, services), inputs, services, sys=sys)
    assert result.status == "succeeded", result.error
    finished = result.events[-1]
    assert (result.outputs if query is None else getattr(finished, "answer", None)) == expected
    if conversation is not None:
        assert getattr(finished, "conversation", None) == conversation
