"""Canvas: drag from the palette, connect handles, validation marks, undo/redo, delete rules, a trial run
with live statuses, streamed text and a trace, and single-node debug."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import expect

from tests.doubles.openai_server import Reply
from tests.e2e.helpers import connect, create_workflow, drag_to_canvas, select_node

pytestmark = pytest.mark.e2e


def simple(mode: str = "workflow") -> dict:
    return {
        "version": "1", "name": "Simple", "mode": mode,
        "nodes": [
            {"id": "start", "type": "start", "position": {"x": 0, "y": 100},
             "config": {"variables": [{"name": "query", "type": "string", "required": True}]}},
            {"id": "llm", "type": "llm", "position": {"x": 320, "y": 100}, "inputs": {"query": {"ref": "start.query"}},
             "config": {"model": "default", "messages": [{"role": "user", "content": "{{query}}"}]}},
            {"id": "end", "type": "end", "position": {"x": 640, "y": 100}, "inputs": {"answer": {"ref": "llm.text"}}},
        ],
        "edges": [{"source": "start", "target": "llm"}, {"source": "llm", "target": "end"}],
    }


def test_trial_run_streams_text_and_shows_statuses_and_trace(page, loom_server, model_server):
    usage = {"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12}
    model_server.push(Reply("Spring rain on the river", chunk_size=4, chunk_delay_s=0.05, usage=usage))
    workflow_id = create_workflow(loom_server, simple())
    page.goto(f"/workflows/{workflow_id}")
    page.get_by_test_id("tab-run").click()
    page.get_by_test_id("run-input-query").fill("write a line about spring")
    page.get_by_test_id("start-run").click()

    expect(page.get_by_test_id("streamed-text")).to_have_text("Spring rain on the river")
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded")
    for node_id in ("start", "llm", "end"):
        expect(page.get_by_test_id(f"node-{node_id}")).to_have_attribute("data-status", "succeeded")
    expect(page.get_by_test_id("node-llm").locator(".loom-node-status")).to_contain_text("ms")
    expect(page.get_by_test_id("run-outputs")).to_contain_text("Spring rain on the river")
    expect(page.get_by_test_id("gantt").locator(".gantt-row")).to_have_count(3)
    page.get_by_test_id("trace-llm").locator("summary").click()
    expect(page.get_by_test_id("trace-llm")).to_contain_text("12 tokens")
    expect(page.get_by_test_id("trace-llm")).to_contain_text("write a line about spring")

    # Single-node debug: inputs are pre-filled from the last run.
    model_server.push("debugged answer")
    select_node(page, "llm")
    page.get_by_test_id("debug-node").locator("summary").click()
    expect(page.get_by_test_id("debug-inputs")).to_have_value('{\n  "query": "write a line about spring"\n}')
    page.get_by_test_id("debug-run").click()
    expect(page.get_by_test_id("debug-result")).to_contain_text("debugged answer")


def test_build_by_drag_and_drop_with_validation_undo_and_branches(page, loom_server):
    workflow_id = create_workflow(loom_server, simple())
    page.goto(f"/workflows/{workflow_id}")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")

    # Start and end cannot be deleted.
    select_node(page, "start")
    expect(page.get_by_test_id("delete-node")).to_be_disabled()

    # Drag an if-else and a code node in: the draft becomes invalid (unconnected, empty refs).
    drag_to_canvas(page, "if-else", 160, 420)  # below start, clear of the LLM node's handles
    expect(page.locator(".react-flow__node-if-else")).to_have_count(1)
    expect(page.get_by_test_id("save-state")).to_have_text("Not saved: fix the errors")
    expect(page.get_by_test_id("node-if-else")).to_have_attribute("data-invalid", "true")
    expect(page.get_by_test_id("tab-publish")).to_be_disabled()

    # The if-else shows one handle per case plus else; adding a case adds a handle.
    node = page.get_by_test_id("node-if-else")
    expect(node.locator(".react-flow__handle.source")).to_have_count(2)
    page.get_by_test_id("add-case").click()
    expect(node.locator(".react-flow__handle.source")).to_have_count(3)

    # Wire it: llm → if-else; its condition reads llm.text; both branches go to end.
    connect(page, "llm", "if-else")
    expect(page.locator(".react-flow__edge")).to_have_count(3)
    page.get_by_test_id("cond-left-0-0").select_option("llm.text")
    ops = page.get_by_test_id("cond-op-0-0").locator("option").all_inner_texts()
    assert "starts with" in ops and ">" not in ops  # operators filtered for a string left operand
    connect(page, "if-else", "end", handle="case2")
    connect(page, "if-else", "end", handle="else")

    # Undo removes the last edge, redo brings it back.
    edges = page.locator(".react-flow__edge")
    count = edges.count()
    page.get_by_test_id("undo").click()
    expect(edges).to_have_count(count - 1)
    page.get_by_test_id("redo").click()
    expect(edges).to_have_count(count)

    # A copy of the LLM node can be deleted; the original's rename sticks.
    select_node(page, "llm")
    page.get_by_test_id("node-title").fill("Poet")
    page.get_by_test_id("copy-node").click()
    expect(page.locator(".react-flow__node-llm")).to_have_count(2)
    page.get_by_test_id("delete-node").click()
    expect(page.locator(".react-flow__node-llm")).to_have_count(1)
    expect(page.get_by_test_id("node-llm")).to_contain_text("Poet")


def test_prompt_variable_picker_inserts_inputs(page, loom_server):
    workflow_id = create_workflow(loom_server, simple())
    page.goto(f"/workflows/{workflow_id}")
    select_node(page, "llm")
    prompt = page.get_by_test_id("message-0")
    prompt.fill("Answer: ")
    prompt.press("End")
    prompt.type("{")
    picker = page.get_by_test_id("variable-picker")
    expect(picker).to_contain_text("{{query}}")
    picker.get_by_text("{{query}}").click()
    expect(prompt).to_have_value("Answer: {{query}}")
    # Autosave lands after a quiet period.
    def saved_prompt() -> str:
        saved = httpx.get(f"{loom_server}/api/workflows/{workflow_id}").json()["definition"]
        return next(n for n in saved["nodes"] if n["id"] == "llm")["config"]["messages"][0]["content"]

    deadline = time.monotonic() + 10
    while saved_prompt() != "Answer: {{query}}" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert saved_prompt() == "Answer: {{query}}"
