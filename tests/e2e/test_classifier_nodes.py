"""Build question classifier → two branches by drag and drop, see its validation marks and handles, run it against
the scripted model server, and debug the classifier alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import connect, create_workflow, drag_to_canvas, saved_definition, select_node

pytestmark = pytest.mark.e2e

CLASSIFIER = "question-classifier"


def two_ends() -> dict:
    """start feeding two ends; the test puts a classifier between them."""
    def end(node_id: str, y: int, template: str) -> dict:
        return {"id": node_id, "type": "end", "position": {"x": 700, "y": y},
                "inputs": {"q": {"ref": "start.query"}}, "config": {"answer_template": template}}
    return {
        "version": "1", "name": "Ticket branches", "mode": "workflow",
        "nodes": [{"id": "start", "type": "start", "position": {"x": 0, "y": 150},
                   "config": {"variables": [{"name": "query", "type": "string", "required": True}]}},
                  end("refund_end", 40, "退款通道：{{q}}"), end("other_end", 300, "人工客服：{{q}}")],
        "edges": [{"source": "start", "target": "refund_end"}, {"source": "start", "target": "other_end"}],
    }


def delete_edge(page, edge_id: str) -> None:
    page.locator(".react-flow__pane").click(position={"x": 5, "y": 5})
    edge = page.locator(f'.react-flow__edge[data-id="{edge_id}"]')
    edge.locator(".react-flow__edge-interaction").click(force=True)
    expect(edge).to_have_class(re.compile(r"\bselected\b"))
    page.keyboard.press("Delete")
    expect(edge).to_have_count(0)


def test_classifier_routes_to_the_picked_branch(page, loom_server, model_server):
    workflow_id = create_workflow(loom_server, two_ends())
    page.goto(f"/workflows/{workflow_id}")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    page.locator(".react-flow__controls-fitview").click()
    delete_edge(page, "start:out->refund_end")
    delete_edge(page, "start:out->other_end")

    drag_to_canvas(page, CLASSIFIER, 380, 200)
    node = page.get_by_test_id(f"node-{CLASSIFIER}")
    expect(node).to_have_attribute("data-invalid", "true")
    expect(node.locator(".react-flow__handle.source")).to_have_count(3)  # two classes + else

    connect(page, "start", CLASSIFIER)  # its input picker offers what is upstream
    select_node(page, CLASSIFIER)
    page.get_by_test_id("input-source-0").select_option("start.query")
    page.get_by_test_id("class-id-0").fill("refund")
    page.get_by_test_id("class-name-0").fill("退款")
    page.get_by_test_id("class-id-1").fill("shipping")
    # A duplicate class name is marked in the panel and on the node until it is fixed.
    page.get_by_test_id("class-name-1").fill("退款")
    expect(page.get_by_test_id("class-problem-1")).to_have_text("duplicate class name '退款'")
    page.get_by_test_id("class-name-1").fill("物流")
    expect(page.get_by_test_id("class-problem-1")).to_have_count(0)
    page.get_by_test_id("class-description-1").fill("快递、配送、物流进度")
    expect(page.get_by_test_id(f"handle-{CLASSIFIER}-refund")).to_be_attached()
    expect(page.get_by_test_id(f"handle-{CLASSIFIER}-shipping")).to_be_attached()

    connect(page, CLASSIFIER, "refund_end", handle="refund")
    connect(page, CLASSIFIER, "other_end", handle="else")
    expect(page.get_by_test_id("issue-count")).to_have_text("valid")
    expect(node).to_have_attribute("data-invalid", "false")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved", timeout=10_000)

    saved = saved_definition(loom_server, workflow_id)
    classifier = next(n for n in saved["nodes"] if n["type"] == CLASSIFIER)
    assert [(c["id"], c["name"]) for c in classifier["config"]["classes"]] == [("refund", "退款"), ("shipping", "物流")]
    assert {(e["source"], e.get("source_handle") or "out", e["target"]) for e in saved["edges"]} == {
        ("start", "out", CLASSIFIER), (CLASSIFIER, "refund", "refund_end"), (CLASSIFIER, "else", "other_end")}

    # The model answers in prose with Chinese quotes; the refund branch runs, the else branch is skipped.
    model_server.push("这属于“退款”。")
    page.get_by_test_id("tab-run").click()
    page.get_by_test_id("run-input-query").fill("我要退货退款")
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded", timeout=30_000)
    expect(page.get_by_test_id("node-refund_end")).to_have_attribute("data-status", "succeeded")
    expect(page.get_by_test_id("node-other_end")).to_have_attribute("data-status", "skipped")
    expect(page.get_by_test_id("run-outputs")).to_contain_text("退款通道：我要退货退款")
    assert model_server.requests[-1]["response_format"] == {"type": "json_object"}
    system = model_server.requests[-1]["messages"][0]["content"]
    assert 'class_id "shipping", class_name "物流" — 快递、配送、物流进度' in system

    # Single-node debug of the classifier alone: a reply naming no class takes else.
    model_server.push('{"class_id": "else", "class_name": ""}')
    select_node(page, CLASSIFIER)
    page.get_by_test_id("debug-node").locator("summary").click()
    page.get_by_test_id("debug-run").click()
    expect(page.get_by_test_id("debug-result")).to_contain_text('"class_id": "else"')


def test_parameter_extractor_table_marks_and_run(page, loom_server, model_server):
    data = two_ends()
    data["nodes"] = data["nodes"][:2]
    data["edges"] = data["edges"][:1]
    workflow_id = create_workflow(loom_server, data)
    page.goto(f"/workflows/{workflow_id}")
    page.locator(".react-flow__controls-fitview").click()
    delete_edge(page, "start:out->refund_end")
    drag_to_canvas(page, "parameter-extractor", 380, 200)
    connect(page, "start", "parameter-extractor")
    connect(page, "parameter-extractor", "refund_end")

    select_node(page, "parameter-extractor")
    page.get_by_test_id("input-source-0").select_option("start.query")
    page.get_by_test_id("param-name-0").fill("order_id")
    page.get_by_test_id("param-description-0").fill("订单号")
    page.get_by_test_id("add-parameter").click()
    # A nameless parameter and a reserved name are marked before they are saved.
    page.get_by_test_id("param-name-1").fill("")
    expect(page.get_by_test_id("param-problem-1")).to_have_text("Parameter 2: give the parameter a name")
    page.get_by_test_id("param-name-1").fill("__reason")
    expect(page.get_by_test_id("param-problem-1")).to_have_text("Parameter 2: '__reason' is reserved")
    expect(page.get_by_test_id("node-parameter-extractor")).to_have_attribute("data-invalid", "true")
    page.get_by_test_id("param-name-1").fill("quantity")
    page.get_by_test_id("param-type-1").select_option("integer")
    expect(page.get_by_test_id("issue-count")).to_have_text("valid")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved", timeout=10_000)

    # The end node's input picker offers the typed outputs.
    select_node(page, "refund_end")
    labels = page.get_by_test_id("input-source-0").locator("option").all_inner_texts()
    assert any("quantity (integer)" in label for label in labels)
    assert any("__is_success (integer)" in label for label in labels)

    saved = saved_definition(loom_server, workflow_id)
    extractor = next(n for n in saved["nodes"] if n["type"] == "parameter-extractor")
    assert [(p["name"], p["type"], p.get("required")) for p in extractor["config"]["parameters"]] == [
        ("order_id", "string", True), ("quantity", "integer", False)]

    model_server.push('```json\n{"order_id": "SO42", "quantity": "3"}\n```')
    page.get_by_test_id("tab-run").click()
    page.get_by_test_id("run-input-query").fill("订单 SO42 买了 3 件")
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded", timeout=30_000)
    page.get_by_test_id("trace-parameter-extractor").locator("summary").click()
    expect(page.get_by_test_id("trace-parameter-extractor")).to_contain_text('"quantity": 3')
