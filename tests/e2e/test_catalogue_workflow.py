"""Catalogue nodes together, built through the editor: an iteration running a template per item whose results an
HTTP request posts to a local server, run from the Run panel; and a loop whose variable a template inside
updates until its condition holds."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.doubles.echo_http import EchoServer
from tests.e2e.helpers import connect, create_workflow, drag_to_canvas, saved_definition, select_node

pytestmark = pytest.mark.e2e

HTTP, TEMPLATE = "http-request", "template-transform"


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[EchoServer]:
    """The local echo server; the Loom server started after this fixture may reach 127.0.0.1."""
    monkeypatch.setenv("LOOM_PLUGIN_ALLOW_HOSTS", "127.0.0.1")
    with EchoServer() as server:
        yield server


def start_to_end(name: str, variables: list[dict]) -> dict:
    return {
        "version": "1", "name": name, "mode": "workflow",
        "nodes": [{"id": "start", "type": "start", "position": {"x": 0, "y": 150}, "config": {"variables": variables}},
                  {"id": "end", "type": "end", "position": {"x": 1150, "y": 150},
                   "inputs": {"answer": {"ref": f"start.{variables[0]['name']}"}}}],
        "edges": [{"source": "start", "target": "end"}],
    }


def open_without_edge(page, workflow_id: str) -> None:
    page.goto(f"/workflows/{workflow_id}")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    page.locator(".react-flow__pane").click(position={"x": 5, "y": 5})
    edge = page.locator('.react-flow__edge[data-id="start:out->end"]')
    edge.locator(".react-flow__edge-interaction").click(force=True)
    page.keyboard.press("Delete")
    expect(edge).to_have_count(0)


def drop_inside(page, container_id: str, node_type: str) -> None:
    """Drag a palette item into the middle of a container on the canvas."""
    container = page.get_by_test_id(f"container-{container_id}")
    expect(container).to_be_visible()
    canvas_box = page.get_by_test_id("canvas").bounding_box()
    box = container.bounding_box()
    drag_to_canvas(page, node_type, int(box["x"] - canvas_box["x"] + box["width"] * 0.45),
                   int(box["y"] - canvas_box["y"] + box["height"] * 0.55))
    expect(page.locator(f'.react-flow__node[data-id="{node_type}"]')).to_be_visible()


def saved_nodes(base_url: str, workflow_id: str, ready) -> dict[str, dict]:
    """The saved top-level nodes by id once ``ready(nodes)`` holds (autosave runs a moment after the last edit)."""
    deadline = time.monotonic() + 15
    while True:
        nodes = {n["id"]: n for n in saved_definition(base_url, workflow_id)["nodes"]}
        if ready(nodes) or time.monotonic() > deadline:
            return nodes
        time.sleep(0.2)


def run_outputs(page) -> dict:
    return json.loads(page.get_by_test_id("run-outputs").inner_text())


def test_iteration_template_and_http_request_in_one_workflow(api: EchoServer, page, loom_server) -> None:
    workflow_id = create_workflow(loom_server, start_to_end(
        "Greet and post", [{"name": "names", "type": "array[string]", "required": True}]))
    open_without_edge(page, workflow_id)

    drag_to_canvas(page, "iteration", 220, 100)
    drop_inside(page, "iteration", TEMPLATE)
    drag_to_canvas(page, HTTP, 820, 520)
    expect(page.get_by_test_id(f"node-{HTTP}")).to_be_visible()
    connect(page, "start", "iteration")
    connect(page, "iteration", HTTP)
    connect(page, HTTP, "end")

    select_node(page, TEMPLATE)
    page.get_by_test_id("input-source-0").select_option("iteration.item")
    page.get_by_test_id("template-editor").fill("Hello, {{ input }}!")

    select_node(page, "iteration")
    page.get_by_test_id("iteration-items").select_option("start.names")
    page.get_by_test_id("iteration-output").select_option(f"{TEMPLATE}.output")

    # The HTTP request posts the iteration's output (a JSON array) to the local server.
    select_node(page, HTTP)
    page.get_by_test_id("add-input").click()
    page.get_by_test_id("input-name-0").fill("greetings")
    page.get_by_test_id("input-source-0").select_option("iteration.output")
    page.get_by_test_id("http-method").select_option("POST")
    page.get_by_test_id("http-url").fill(f"{api.url}/echo/digest")
    page.get_by_test_id("http-body-type").select_option("json")
    page.get_by_test_id("http-body-content").fill('{"greetings": {{greetings}}, "as_text": "{{greetings}}"}')
    expect(page.get_by_test_id("http-json-problem")).to_have_count(0)
    expect(page.get_by_test_id("http-unknown")).to_have_count(0)

    select_node(page, "end")
    page.get_by_test_id("input-source-0").select_option(f"{HTTP}.json")
    page.get_by_test_id("add-input").click()
    page.get_by_test_id("input-name-1").fill("status")
    page.get_by_test_id("input-source-1").select_option(f"{HTTP}.status_code")
    expect(page.get_by_test_id("issue-count")).to_have_text("valid", timeout=10_000)
    expect(page.get_by_test_id("save-state")).to_have_text("Saved", timeout=10_000)

    saved = saved_nodes(loom_server, workflow_id, lambda nodes: len(nodes.get("end", {}).get("inputs", {})) == 2)
    assert [n["id"] for n in saved["iteration"]["config"]["nodes"]] == [TEMPLATE]
    assert saved[HTTP]["inputs"] == {"greetings": {"ref": "iteration.output"}}
    assert saved[HTTP]["config"]["method"] == "POST"

    page.get_by_test_id("tab-run").click()
    page.get_by_test_id("run-input-names").fill(json.dumps(["Ada", "Grace", "Linus"]))
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded", timeout=30_000)
    for i in range(3):  # each iteration of the node inside is in the trace
        expect(page.get_by_test_id(f"trace-{TEMPLATE}#{i}")).to_be_visible()
    expect(page.get_by_test_id(f"trace-{TEMPLATE}#3")).to_have_count(0)
    expect(page.get_by_test_id(f"node-{HTTP}")).to_have_attribute("data-status", "succeeded")

    greetings = ["Hello, Ada!", "Hello, Grace!", "Hello, Linus!"]
    outputs = run_outputs(page)
    assert outputs["status"] == 200
    assert outputs["answer"]["method"] == "POST" and outputs["answer"]["path"] == "/echo/digest"
    sent = json.loads(outputs["answer"]["body"])
    assert sent["greetings"] == greetings
    assert sent["as_text"] == "\n".join(greetings)  # inside a string a list of strings is one per line
    assert json.loads(api.requests[-1]["body"]) == sent


def test_loop_panel_runs_until_its_condition(page, loom_server) -> None:
    workflow_id = create_workflow(loom_server, start_to_end(
        "Grow a word", [{"name": "seed", "type": "string", "required": True}]))
    open_without_edge(page, workflow_id)

    drag_to_canvas(page, "loop", 250, 120)
    drop_inside(page, "loop", TEMPLATE)
    connect(page, "start", "loop")
    connect(page, "loop", "end")

    select_node(page, "loop")
    page.get_by_test_id("loop-add-variable").click()
    page.get_by_test_id("loop-variable-0-name").fill("word")
    page.get_by_test_id("loop-variable-0").locator("select").first.select_option("string")
    page.get_by_test_id("loop-variable-0-value-kind").select_option("ref")
    page.get_by_test_id("loop-variable-0-value").select_option("start.seed")

    # The template inside appends a letter to the variable each round.
    select_node(page, TEMPLATE)
    page.get_by_test_id("input-source-0").select_option("loop.word")
    page.get_by_test_id("template-editor").fill("{{ input }}o")

    select_node(page, "loop")
    page.get_by_test_id("loop-variable-0-update").select_option(f"{TEMPLATE}.output")
    page.get_by_test_id("loop-add-condition").click()
    page.get_by_test_id("loop-condition-0-left").select_option("loop.word")
    page.get_by_test_id("loop-condition-0-op").select_option("length_ge")
    page.get_by_test_id("loop-condition-0-right").fill("5")
    page.get_by_test_id("loop-max-rounds").fill("8")

    select_node(page, "end")
    page.get_by_test_id("input-source-0").select_option("loop.word")
    page.get_by_test_id("add-input").click()
    page.get_by_test_id("input-name-1").fill("rounds")
    page.get_by_test_id("input-source-1").select_option("loop.rounds")
    expect(page.get_by_test_id("issue-count")).to_have_text("valid", timeout=10_000)
    expect(page.get_by_test_id("save-state")).to_have_text("Saved", timeout=10_000)

    saved = saved_nodes(loom_server, workflow_id, lambda nodes: len(nodes.get("end", {}).get("inputs", {})) == 2)
    loop = saved["loop"]["config"]
    assert loop["variables"] == [{"name": "word", "type": "string", "value": {"ref": "start.seed"},
                                  "update": {"ref": f"{TEMPLATE}.output"}}]
    assert loop["until"] == [{"left": {"ref": "loop.word"}, "op": "length_ge", "right": {"value": 5}}]
    assert loop["max_rounds"] == 8 and [n["id"] for n in loop["nodes"]] == [TEMPLATE]

    page.get_by_test_id("tab-run").click()
    page.get_by_test_id("run-input-seed").fill("go")
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded", timeout=30_000)
    assert run_outputs(page) == {"answer": "goooo", "rounds": 3}
    for i in range(3):  # each round of the node inside is in the trace
        expect(page.get_by_test_id(f"trace-{TEMPLATE}#{i}")).to_be_visible()
    expect(page.get_by_test_id(f"trace-{TEMPLATE}#3")).to_have_count(0)

    # A seed already long enough still runs one round (the sub-graph runs at least once).
    page.get_by_test_id("run-input-seed").fill("hello")
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-outputs")).to_contain_text('"rounds": 1', timeout=30_000)
    assert run_outputs(page) == {"answer": "helloo", "rounds": 1}
