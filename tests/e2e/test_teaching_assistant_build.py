"""Build the seed's teaching assistant (workflows/teaching-assistant.json) by drag and drop from a new
workflow, configure every node through its panel, run it against the seed-like model and compare the saved
draft with the shipped file."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.doubles.seed_model import seed_responder
from tests.e2e.helpers import connect, create_bundled_kb, drag_to_canvas, load_example, saved_definition, select_node

pytestmark = pytest.mark.e2e

TEMPLATE = load_example("teaching-assistant.json")
CONFIG = {n["id"]: n for n in TEMPLATE["nodes"]}
# The ids the editor gives the nodes we add → the ids in the shipped file.
SAME_AS = {"start": "start", "llm": "extract", "kb": "kb", "if-else": "check", "llm_2": "polish",
           "llm_3": "ai", "code": "merge", "end": "end"}


def set_input(page, idx: int, name: str, ref: str) -> None:
    if page.get_by_test_id(f"input-name-{idx}").count() == 0:
        page.get_by_test_id("add-input").click()
    page.get_by_test_id(f"input-name-{idx}").fill(name)
    page.get_by_test_id(f"input-source-{idx}").select_option(ref)


def set_messages(page, messages: list[dict]) -> None:
    for i, message in enumerate(messages):
        if page.get_by_test_id(f"message-{i}").count() == 0:
            page.get_by_test_id("add-message").click()
        page.get_by_test_id(f"message-role-{i}").select_option(message["role"])
        page.get_by_test_id(f"message-{i}").fill(message["content"])


def configure_llm(page, node_id: str, inputs: dict[str, str]) -> None:
    select_node(page, node_id)
    for i, (name, ref) in enumerate(inputs.items()):
        set_input(page, i, name, ref)
    config = CONFIG[SAME_AS[node_id]]["config"]
    set_messages(page, config["messages"])
    if SAME_AS[node_id] == "extract":  # the server's inference presets are offered in the node
        page.get_by_test_id("param-preset").select_option("qa")
    page.get_by_test_id("param-temperature").fill(str(config["params"]["temperature"]))


def test_build_teaching_assistant_by_drag_and_drop(page, loom_server, model_server):
    model_server.respond_with(seed_responder)
    create_bundled_kb(loom_server, "yuwen")

    page.goto("/")
    page.get_by_test_id("new-workflow").click()
    page.get_by_test_id("create-name").fill(TEMPLATE["name"])
    page.get_by_test_id("create-submit").click()
    expect(page.get_by_test_id("workflow-name")).to_have_text(TEMPLATE["name"])
    workflow_id = page.url.rsplit("/", 1)[1]

    # The new workflow's llm → end edge goes: the answer comes from the code node.
    page.locator(".react-flow__controls-fitview").click()
    # Clear any selection first (Delete must not take a selected node with it), then select just the edge.
    page.locator(".react-flow__pane").click(position={"x": 5, "y": 5})
    edge = page.locator('.react-flow__edge[data-id="llm:out->end"]')
    edge.locator(".react-flow__edge-interaction").click(force=True)
    expect(edge).to_have_class(re.compile(r"\bselected\b"))
    page.keyboard.press("Delete")
    expect(page.locator(".react-flow__edge")).to_have_count(1)

    for _ in range(3):
        page.locator(".react-flow__controls-zoomout").click()
    for node_type, x, y in [("knowledge-retrieval", 120, 620), ("if-else", 320, 620), ("llm", 520, 540),
                            ("llm", 520, 740), ("code", 720, 640)]:
        drag_to_canvas(page, node_type, x, y)
    expect(page.locator(".react-flow__node")).to_have_count(8)

    # Name the if-else case before wiring its handle.
    select_node(page, "if-else")
    page.get_by_test_id("case-id-0").fill("found")
    expect(page.get_by_test_id("handle-if-else-found")).to_be_attached()

    for source, target, handle in [("llm", "kb", "out"), ("kb", "if-else", "out"), ("if-else", "llm_2", "found"),
                                   ("if-else", "llm_3", "else"), ("llm_2", "code", "out"), ("llm_3", "code", "out"),
                                   ("code", "end", "out")]:
        connect(page, source, target, handle)
    expect(page.locator(".react-flow__edge")).to_have_count(8)

    # Question extraction: JSON output whose schema declares `question`.
    configure_llm(page, "llm", {"query": "start.query"})
    page.get_by_test_id("output-format").select_option("json")
    page.get_by_test_id("output-schema").fill(json.dumps(CONFIG["extract"]["config"]["output"]["schema"]))

    select_node(page, "kb")
    set_input(page, 0, "query", "llm.question")
    page.get_by_test_id("kb-yuwen").check()
    page.get_by_test_id("score-threshold").fill("0.5")

    select_node(page, "if-else")
    page.get_by_test_id("cond-left-0-0").select_option("kb.output_list")
    page.get_by_test_id("cond-op-0-0").select_option("length_gt")
    page.get_by_test_id("cond-right-0-0-value").fill("0")

    configure_llm(page, "llm_2", {"input": "kb.output_list", "question": "llm.question"})
    configure_llm(page, "llm_3", {"question": "llm.question"})

    select_node(page, "code")
    set_input(page, 0, "str1", "llm_2.text")
    set_input(page, 1, "str2", "llm_3.text")
    page.get_by_test_id("code-editor").locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(CONFIG["merge"]["config"]["code"])
    page.get_by_test_id("code-output-0").fill("output")

    select_node(page, "end")
    set_input(page, 0, "answer", "code.output")

    expect(page.get_by_test_id("issue-count")).to_have_text("valid")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved", timeout=10_000)

    # Run it: the bank has 《竹里馆》, so the polish branch answers and the AI branch is skipped.
    page.get_by_test_id("tab-run").click()
    page.get_by_test_id("run-input-query").fill("你好，请问《竹里馆》的作者是谁？")
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded", timeout=30_000)
    expect(page.get_by_test_id("node-llm_2")).to_have_attribute("data-status", "succeeded")
    expect(page.get_by_test_id("node-llm_3")).to_have_attribute("data-status", "skipped")
    expect(page.get_by_test_id("run-outputs")).to_contain_text("独坐幽篁里")

    # The saved draft is the shipped workflow, structurally.
    saved = saved_definition(loom_server, workflow_id)
    assert sorted(SAME_AS[n["id"]] + ":" + n["type"] for n in saved["nodes"]) == \
        sorted(n["id"] + ":" + n["type"] for n in TEMPLATE["nodes"])

    def edge_set(edges: list[dict], rename=lambda x: x) -> set[tuple[str, str, str]]:
        return {(rename(e["source"]), e.get("source_handle") or "out", rename(e["target"])) for e in edges}

    assert edge_set(saved["edges"], SAME_AS.get) == edge_set(TEMPLATE["edges"])
    by_id = {SAME_AS[n["id"]]: n for n in saved["nodes"]}
    assert by_id["extract"]["config"]["output"] == CONFIG["extract"]["config"]["output"]
    assert by_id["extract"]["config"]["preset"] == "qa"
    assert by_id["check"]["config"]["cases"] == CONFIG["check"]["config"]["cases"]
    assert by_id["kb"]["config"]["knowledge_bases"] == ["yuwen"]
    assert by_id["merge"]["config"]["code"] == CONFIG["merge"]["config"]["code"]
