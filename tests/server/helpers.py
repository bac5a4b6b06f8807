"""Workflow builders and SSE parsing for the server tests."""

from __future__ import annotations

import json
from typing import Any

from tests.helpers import chain, edge, end, node, start, workflow


def echo_workflow(name: str = "echo") -> dict[str, Any]:
    """start(text) → end(text): the smallest valid workflow."""
    return workflow([start("text"), end(text="start.text")], chain("start", "end"), name=name)


def sleepy_workflow(seconds: float = 0.0, fail_times: int = 0, name: str = "sleepy") -> dict[str, Any]:
    """start → a → slow → end, where ``slow`` sleeps and may fail (test node type ``sleep``)."""
    nodes = [start("text"),
             node("a", "sleep", {"text": "start.text"}, config={"output": "A"}),
             node("slow", "sleep", {"prev": "a.value"}, config={"seconds": seconds, "fail_times": fail_times}),
             end(result="slow.value", first="a.value")]
    return workflow(nodes, chain("start", "a", "slow", "end"), name=name)


def five_node_workflow() -> dict[str, Any]:
    """start → if-else → (upper branch | else branch) → aggregator → end: five executed node types, no LLM."""
    nodes = [start("text"),
             node("check", "if-else", config={"cases": [{"id": "long", "logic": "and", "conditions": [
                 {"left": {"ref": "start.text"}, "op": "length_gt", "right": {"value": 3}}]}]}),
             node("a", "sleep", {"text": "start.text"}, config={"output": "long"}),
             node("b", "sleep", {"text": "start.text"}, config={"output": "short"}),
             node("merge", "variable-aggregator", {"x": "a.value", "y": "b.value"}),
             end(result="merge.output")]
    edges = [edge("start", "check"), edge("check", "a", "long"), edge("check", "b", "else"),
             edge("a", "merge"), edge("b", "merge"), edge("merge", "end")]
    return workflow(nodes, edges, name="five")


def chat_workflow(name: str = "chatty") -> dict[str, Any]:
    """A chat app without a model: the answer echoes the query and counts the history turns."""
    nodes = [start(),
             node("count", "sleep", {"q": "sys.query", "history": "sys.history"}, config={"output": "x"}),
             node("end", "end", {"q": "sys.query", "history": "count.history"},
                  config={"answer_template": "you said {{q}}; history {{history}}"})]
    return workflow(nodes, chain("start", "count", "end"), name=name, mode="chat",
                    app={"opening_statement": "Hi!", "suggested_questions": ["What is Loom?"]})


def parse_sse(text: str) -> list[tuple[str, dict[str, Any]]]:
    """(event type, data) of each frame in an SSE body."""
    frames = []
    for block in text.strip().split("\n\n"):
        kind, data = None, None
        for line in block.splitlines():
            if line.startswith("event: "):
                kind = line[len("event: "):]
            elif line.startswith("data: "):
                data = json.loads(line[len("data: "):])
        if kind is not None:
            frames.append((kind, data))
    return frames
