"""Start inputs as form fields of their type in the Run panel and the chat preview: one-line and multi-line text,
numbers, a select, a checkbox, a file, a file list and JSON; problems shown under the field before anything is
sent; a multi-line chat message (Shift+Enter)."""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.sync_api import expect

from tests.doubles.openai_server import Reply
from tests.e2e.helpers import create_workflow

pytestmark = pytest.mark.e2e

VARIABLES = [
    {"name": "title", "type": "string", "required": True, "max_length": 40},
    {"name": "notes", "type": "string", "required": True},
    {"name": "count", "type": "integer", "required": True},
    {"name": "ratio", "type": "number", "required": False},
    {"name": "tone", "type": "string", "required": True, "options": ["formal", "casual"]},
    {"name": "urgent", "type": "boolean", "required": False},
    {"name": "doc", "type": "file", "required": False},
    {"name": "docs", "type": "array[file]", "required": False},
    {"name": "meta", "type": "object", "required": False},
]


def every_input() -> dict:
    """start (one variable of each kind) → end, which outputs them all."""
    return {
        "version": "1", "name": "Every input", "mode": "workflow",
        "nodes": [
            {"id": "start", "type": "start", "position": {"x": 0, "y": 0}, "config": {"variables": VARIABLES}},
            {"id": "end", "type": "end", "position": {"x": 400, "y": 0},
             "inputs": {v["name"]: {"ref": f"start.{v['name']}"} for v in VARIABLES}},
        ],
        "edges": [{"source": "start", "target": "end"}],
    }


def test_run_panel_has_a_field_of_each_type(page, loom_server, tmp_path):
    workflow_id = create_workflow(loom_server, every_input())
    page.goto(f"/workflows/{workflow_id}")
    page.get_by_test_id("tab-run").click()
    field = lambda name: page.get_by_test_id(f"run-input-{name}")  # noqa: E731
    expect(field("title")).to_have_attribute("type", "text")
    expect(field("title")).to_have_attribute("maxlength", "40")
    expect(field("notes")).to_have_js_property("tagName", "TEXTAREA")
    expect(field("tone")).to_have_js_property("tagName", "SELECT")
    expect(field("urgent")).to_have_attribute("type", "checkbox")
    expect(field("doc")).to_have_attribute("type", "file")
    expect(field("doc")).not_to_have_attribute("multiple", "")
    expect(field("docs")).to_have_attribute("multiple", "")
    expect(field("meta")).to_have_js_property("tagName", "TEXTAREA")

    # Nothing filled: the run does not start, and each required field says so.
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-panel-error")).to_contain_text("title, notes, count, tone")
    expect(page.get_by_test_id("run-input-count-problem")).to_have_text("Required: fill this in")
    # Typed text that is not of the type is shown at once.
    field("count").fill("2.5")
    expect(page.get_by_test_id("run-input-count-problem")).to_have_text("Enter a whole number")
    field("meta").fill("[1, 2]")
    expect(page.get_by_test_id("run-input-meta-problem")).to_contain_text("JSON object")
    page.wait_for_timeout(300)
    runs = httpx.get(f"{loom_server}/api/runs", params={"workflow_id": workflow_id}, timeout=10).json()
    assert runs["total"] == 0, runs

    one, two, three = (tmp_path / "one.txt", tmp_path / "two.txt", tmp_path / "three.txt")
    for f in (one, two, three):
        f.write_text(f"the file {f.stem}", encoding="utf-8")
    field("title").fill("Weekly report")
    field("notes").fill("line one\nline two")
    field("count").fill("3")
    field("ratio").fill("0.75")
    field("tone").select_option("casual")
    field("urgent").check()
    field("doc").set_input_files(str(one))
    field("docs").set_input_files([str(two), str(three)])
    field("meta").fill('{"team": "docs"}')
    expect(page.get_by_test_id("run-input-docs-uploaded")).to_contain_text("two.txt, three.txt")
    page.get_by_test_id("start-run").click()

    outputs = page.get_by_test_id("run-outputs")
    expect(outputs).to_be_visible(timeout=15_000)
    values = json.loads(outputs.inner_text())
    assert {k: values[k] for k in ("title", "notes", "count", "ratio", "tone", "urgent", "meta")} == {
        "title": "Weekly report", "notes": "line one\nline two", "count": 3, "ratio": 0.75, "tone": "casual",
        "urgent": True, "meta": {"team": "docs"}}
    assert values["doc"]["name"] == "one.txt"
    assert [f["name"] for f in values["docs"]] == ["two.txt", "three.txt"]


def chat_with_inputs() -> dict:
    return {
        "version": "1", "name": "Chat with inputs", "mode": "chat",
        "nodes": [
            {"id": "start", "type": "start", "config": {"variables": [
                {"name": "topic", "type": "string", "required": True, "options": ["poetry", "history"]},
                {"name": "strict", "type": "boolean", "required": False}]}},
            {"id": "llm", "type": "llm",
             "inputs": {"q": {"ref": "sys.query"}, "topic": {"ref": "start.topic"}, "strict": {"ref": "start.strict"}},
             "config": {"model": "default", "messages": [{"role": "user", "content": "[{{topic}} {{strict}}] {{q}}"}]}},
            {"id": "end", "type": "end", "inputs": {"answer": {"ref": "llm.text"}}},
        ],
        "edges": [{"source": "start", "target": "llm"}, {"source": "llm", "target": "end"}],
    }


def test_chat_preview_sends_its_inputs_and_multi_line_messages(page, loom_server, model_server):
    seen: list[str] = []

    def respond(body: dict) -> Reply:
        seen.append(body["messages"][-1]["content"])
        return Reply("noted", chunk_size=5)

    model_server.respond_with(respond)
    workflow_id = create_workflow(loom_server, chat_with_inputs())
    page.goto(f"/workflows/{workflow_id}")
    page.get_by_test_id("tab-chat").click()
    box = page.get_by_test_id("chat-input")
    box.fill("hello")
    box.press("Enter")
    expect(page.get_by_test_id("chat-input-topic-problem")).to_have_text("Required: fill this in")
    expect(page.get_by_test_id("chat-preview")).to_contain_text("Check the inputs: topic")
    assert seen == []

    page.get_by_test_id("chat-input-topic").select_option("poetry")
    page.get_by_test_id("chat-input-strict").check()
    box.fill("")
    box.type("first line")
    box.press("Shift+Enter")
    box.type("second line")
    expect(page.get_by_test_id("chat-user")).to_have_count(0)  # Shift+Enter only broke the line
    box.press("Enter")
    expect(page.get_by_test_id("chat-assistant").last).to_have_text("noted")
    expect(page.get_by_test_id("chat-user").last).to_have_text("first line\nsecond line")
    assert len(seen) == 1 and seen[0].startswith("[poetry ") and seen[0].endswith("] first line\nsecond line"), seen
    assert "rue" in seen[0]  # the ticked checkbox arrived as true
