"""A run's outputs are those of the end nodes that ran: a skipped end adds no keys, not even null ones."""

from __future__ import annotations

from typing import Any

import pytest

from engine.graph import validate
from engine.runner import execute
from tests.helpers import catalog_with_test_nodes, edge, lit, node, ref, start, workflow

CATALOG = catalog_with_test_nodes()


def two_ends() -> dict[str, Any]:
    return workflow(
        [start("q"),
         node("check", "if-else", config={"cases": [
             {"id": "hi", "conditions": [{"left": ref("start.q"), "op": "eq", "right": lit("hi")}]}]}),
         node("greet", "end", {"greeting": "start.q", "kind": lit("greeting")}),
         node("other", "end", {"question": "start.q", "kind": lit("other")},
              config={"answer_template": "{{question}}?"})],
        [edge("start", "check"), edge("check", "greet", "hi"), edge("check", "other", "else")])


@pytest.mark.parametrize(("query", "expected"), [
    ("hi", {"greeting": "hi", "kind": "greeting"}),
    ("why", {"question": "why", "kind": "other", "answer": "why?"}),
])
async def test_outputs_come_from_the_end_that_ran(query: str, expected: dict[str, Any]) -> None:
    result = await execute(validate(two_ends(), CATALOG), {"q": query})
    assert result.status == "succeeded"
    assert result.outputs == expected  # exactly: no keys of the skipped end


async def test_ends_on_parallel_branches_both_count() -> None:
    data = workflow([start("q"), node("a", "end", {"a": "start.q"}), node("b", "end", {"b": lit(2)})],
                    [edge("start", "a"), edge("start", "b")])
    result = await execute(validate(data, CATALOG), {"q": "x"})
    assert result.outputs == {"a": "x", "b": 2}


async def test_a_failed_run_has_no_outputs() -> None:
    data = workflow([start("q"), node("s", "sleep", config={"fail_times": 5}), node("e", "end", {"q": "start.q"})],
                    [edge("start", "s"), edge("s", "e")])
    result = await execute(validate(data, CATALOG), {"q": "x"})
    assert result.status == "failed" and result.outputs == {}
