"""ReAct replies → tool calls or an answer, and tool results cut to the budget (pure helpers)."""

from __future__ import annotations

import json

import pytest

from agents import react
from agents.tools import render_result


@pytest.mark.parametrize("text, calls, answer", [
    ('Thought: x\nAction: {"tool": "a", "arguments": {"q": 1}}', [("a", {"q": 1})], None),
    ('Action: {"tool": "a", "arguments": {}}\nAction: {"tool": "b", "arguments": {"x": "y"}}',
     [("a", {}), ("b", {"x": "y"})], None),
    ("Thought: easy\nFinal Answer: forty-two", [], "forty-two"),
    ("just an answer", [], "just an answer"),
], ids=["one-action", "two-actions", "final-answer", "plain-text"])
def test_parse(text, calls, answer):
    parsed = react.parse(text, step=1)
    assert [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in parsed.calls] == calls
    assert parsed.answer == answer


def test_a_broken_action_becomes_a_call_the_loop_reports():
    parsed = react.parse("Action: {not json", step=2)
    assert parsed.calls[0]["function"] == {"name": "", "arguments": "{not json"}


def test_render_result_cuts_to_the_budget():
    assert render_result({"a": 1}, 200) == ('{"a": 1}', False, 8)
    text, truncated, size = render_result("x" * 1000, 200)
    assert truncated and size == 1000 and text.startswith("x" * 200)
    assert text.endswith("…[truncated: 800 of 1000 characters omitted]")
