"""The ``template-transform`` node: sandboxed Jinja2 over its inputs, line-naming errors, the output cap."""

from __future__ import annotations

from typing import Any

import pytest

from engine.debug import run_node
from engine.errors import DefinitionError, NodeError
from engine.graph import validate
from engine.runner import execute
from nodes import template_transform
from nodes.registry import CATALOG
from tests.helpers import chain, end, node, start, workflow


def flow(template: str, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    inputs = inputs if inputs is not None else {"name": "start.name", "items": {"value": [1, 2, 3]}}
    tpl = node("tpl", "template-transform", inputs, config={"template": template})
    return workflow([start({"name": "name", "type": "string", "required": False}), tpl,
                     end(answer="tpl.output")], chain("start", "tpl", "end"))


async def test_renders_jinja_over_the_inputs() -> None:
    graph = validate(flow("Hello {{ name | upper }}: {% for i in items %}{{ i * 2 }}{% if not loop.last %}, "
                          "{% endif %}{% endfor %}"), CATALOG)
    result = await execute(graph, {"name": "ann"})
    assert result.status == "succeeded"
    assert result.outputs == {"answer": "Hello ANN: 2, 4, 6"}


async def test_an_absent_input_renders_as_nothing() -> None:
    graph = validate(flow("[{{ name }}]", {"name": "start.name"}), CATALOG)
    assert (await execute(graph, {})).outputs == {"answer": "[]"}


def test_syntax_errors_and_unknown_variables_are_found_at_save_time() -> None:
    with pytest.raises(DefinitionError) as caught:
        validate(flow("line one\n{% if name %}unclosed"), CATALOG)
    assert [str(i) for i in caught.value.issues] == [
        "tpl.config.template: line 2: Unexpected end of template. Jinja was looking for the following tags: "
        "'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'."]
    with pytest.raises(DefinitionError) as caught:
        validate(flow("{{ name }} {{ secret }} {% set local = 1 %}{{ local }}"), CATALOG)
    assert [str(i) for i in caught.value.issues] == [
        "tpl.config.template: 'secret' is not an input of this node; add it to inputs (inputs: items, name)"]


@pytest.mark.parametrize(("template", "message"), [
    ("ok\n{{ items.append(4) }}", "template line 2: SecurityError: access to attribute 'append' of 'list' "
                                  "object is unsafe."),
    ("a\nb\n{{ 1 / 0 }}", "template line 3: ZeroDivisionError: division by zero"),
    ("{{ name.__class__.__mro__ }}", "template line 1: SecurityError: access to attribute '__class__' of 'str' "
                                     "object is unsafe."),
], ids=["no-mutation", "runtime-error", "no-internals"])
async def test_render_errors_name_the_line_and_are_not_retried(template: str, message: str) -> None:
    graph = validate(flow(template), CATALOG)
    result = await execute(graph, {"name": "x"})
    assert result.status == "failed" and result.failed_node == "tpl"
    assert message in result.error
    with pytest.raises(NodeError) as caught:
        template_transform.render(template, {"name": "x", "items": [1]})
    assert caught.value.retryable is False


def test_output_is_capped() -> None:
    with pytest.raises(NodeError, match="longer than 100 characters"):
        template_transform.render("{% for i in range(1000) %}xx{% endfor %}", {}, max_chars=100)
    assert template_transform.render("{% for i in range(50) %}xx{% endfor %}", {}, max_chars=100) == "xx" * 50


async def test_single_node_debug_takes_the_inputs_by_name() -> None:
    event = await run_node(flow("{{ name }} has {{ items | length }}"), CATALOG, "tpl",
                           {"name": "Bo", "items": ["a", "b"]})
    assert event.status == "succeeded" and event.outputs == {"output": "Bo has 2"}
