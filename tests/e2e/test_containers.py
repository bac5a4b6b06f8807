"""Build an iteration in the editor: drop it from the palette, drop a template node into it, wire its scope (item)
and its result through the panels (validation marks included), save the nested sub-graph, run it and see each
iteration in the trace, and debug the container alone."""

from __future__ import annotations

import json
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import connect, create_workflow, drag_to_canvas, saved_definition, select_node

pytestmark = pytest.mark.e2e


def start_to_end() -> dict:
    return {
        "version": "1", "name": "Greet everyone", "mode": "workflow",
        "nodes": [{"id": "start", "type": "start", "position": {"x": 0, "y": 150},
                   "config": {"variables": [{"name": "names", "type": "array[string]", "required": True}]}},
                  {"id": "end", "type": "end", "position": {"x": 1100, "y": 150},
                   "inputs": {"answer": {"ref": "start.names"}}}],
        "edges": [{"source": "start", "target": "end"}],
    }


def saved_iteration(base_url: str, workflow_id: str) -> dict:
    """The saved iteration node once autosave stored its sub-graph and its result ref."""
    deadline = time.monotonic() + 15
    while True:
        nodes = {n["id"]: n for n in saved_definition(base_url, workflow_id)["nodes"]}
        node = nodes.get("iteration", {})
        if node.get("config", {}).get("output") or time.monotonic() > deadline:
            return node
        time.sleep(0.2)


def test_iteration_built_in_the_editor_runs_its_sub_graph(page, loom_server) -> None:
    workflow_id = create_workflow(loom_server, start_to_end())
    page.goto(f"/workflows/{workflow_id}")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    page.locator(".react-flow__pane").click(position={"x": 5, "y": 5})
    edge = page.locator('.react-flow__edge[data-id="start:out->end"]')
    edge.locator(".react-flow__edge-interaction").click(force=True)
    page.keyboard.press("Delete")
    expect(edge).to_have_count(0)

    drag_to_canvas(page, "iteration", 250, 120)
    container = page.get_by_test_id("container-iteration")
    expect(container).to_be_visible()
    # Drop a template node into the container: it becomes a node of the sub-graph.
    canvas_box = page.get_by_test_id("canvas").bounding_box()
    box = container.bounding_box()
    drag_to_canvas(page, "template-transform", int(box["x"] - canvas_box["x"] + box["width"] * 0.45),
                   int(box["y"] - canvas_box["y"] + box["height"] * 0.55))
    child = page.locator('.react-flow__node[data-id="template-transform"]')
    expect(child).to_be_visible()
    connect(page, "start", "iteration")
    connect(page, "iteration", "end")

    # The template reads the item; its ref picker offers the container's scope.
    select_node(page, "template-transform")
    page.get_by_test_id("input-source-0").select_option("iteration.item")
    page.get_by_test_id("template-editor").fill("Hello, {{ input }}!")

    # The iteration: items from start; its result is marked until picked among the nodes inside.
    select_node(page, "iteration")
    page.get_by_test_id("iteration-items").select_option("start.names")
    expect(page.locator('[data-field="config.output"].field-invalid')).to_be_visible(timeout=10_000)
    expect(page.get_by_test_id("node-iteration")).to_have_attribute("data-invalid", "true")
    page.get_by_test_id("iteration-output").select_option("template-transform.output")
    page.get_by_test_id("iteration-parallel").select_option("parallel")

    select_node(page, "end")
    page.get_by_test_id("input-source-0").select_option("iteration.output")
    expect(page.get_by_test_id("issue-count")).to_have_text("valid", timeout=10_000)
    expect(page.get_by_test_id("save-state")).to_have_text("Saved", timeout=10_000)

    saved = saved_iteration(loom_server, workflow_id)
    assert [n["id"] for n in saved["config"]["nodes"]] == ["template-transform"]
    assert saved["config"]["nodes"][0]["inputs"] == {"input": {"ref": "iteration.item"}}
    assert saved["config"]["output"] == {"ref": "template-transform.output"} and saved["config"]["parallel"] is True
    top_ids = [n["id"] for n in saved_definition(loom_server, workflow_id)["nodes"]]
    assert "template-transform" not in top_ids

    page.get_by_test_id("tab-run").click()
    page.get_by_test_id("run-input-names").fill(json.dumps(["Ada", "Grace", "Linus"]))
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded", timeout=30_000)
    expect(page.get_by_test_id("run-outputs")).to_contain_text("Hello, Grace!")
    for i in range(3):  # the trace shows each iteration of the node inside
        expect(page.get_by_test_id(f"trace-template-transform#{i}")).to_be_visible()
    expect(page.get_by_test_id("node-template-transform")).to_have_attribute("data-status", "succeeded")

    # Single-node debug of the container runs its sub-graph.
    select_node(page, "iteration")
    page.get_by_test_id("debug-node").locator("summary").click()
    page.get_by_test_id("debug-inputs").fill(json.dumps({"items": ["Tim"]}))
    page.get_by_test_id("debug-run").click()
    expect(page.get_by_test_id("debug-result")).to_contain_text("Hello, Tim!")
