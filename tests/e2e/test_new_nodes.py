"""Add an HTTP request and a template node from the palette between start and end, configure them through their
panels (validation marks included), run the workflow against a local HTTP server, and debug the template alone."""

from __future__ import annotations

import json
import re
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
    """The local API; the server started after this fixture may reach 127.0.0.1 (its allow-list names it)."""
    monkeypatch.setenv("LOOM_PLUGIN_ALLOW_HOSTS", "127.0.0.1")
    with EchoServer() as server:
        forecast = [{"day": "Mon", "high": 21}, {"day": "Tue", "high": 18}]
        server.serve_json("/weather", {"city": "Paris", "forecast": forecast})
        yield server


def start_to_end() -> dict:
    return {
        "version": "1", "name": "Weather digest", "mode": "workflow",
        "nodes": [{"id": "start", "type": "start", "position": {"x": 0, "y": 150},
                   "config": {"variables": [{"name": "query", "type": "string", "required": True}]}},
                  {"id": "end", "type": "end", "position": {"x": 900, "y": 150},
                   "inputs": {"answer": {"ref": "start.query"}}}],
        "edges": [{"source": "start", "target": "end"}],
    }


def delete_edge(page, edge_id: str) -> None:
    page.locator(".react-flow__pane").click(position={"x": 5, "y": 5})
    edge = page.locator(f'.react-flow__edge[data-id="{edge_id}"]')
    edge.locator(".react-flow__edge-interaction").click(force=True)
    expect(edge).to_have_class(re.compile(r"\bselected\b"))
    page.keyboard.press("Delete")
    expect(edge).to_have_count(0)


def saved_nodes(base_url: str, workflow_id: str, ids: set[str]) -> dict[str, dict]:
    """The saved nodes once autosave has stored all of ``ids`` (it runs a moment after the last edit)."""
    deadline = time.monotonic() + 15
    while True:
        nodes = {n["id"]: n for n in saved_definition(base_url, workflow_id)["nodes"]}
        if set(nodes) == ids or time.monotonic() > deadline:
            return nodes
        time.sleep(0.2)


def test_http_and_template_nodes_built_from_the_palette_run(api: EchoServer, page, loom_server) -> None:
    workflow_id = create_workflow(loom_server, start_to_end())
    page.goto(f"/workflows/{workflow_id}")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    page.locator(".react-flow__controls-fitview").click()
    delete_edge(page, "start:out->end")

    drag_to_canvas(page, HTTP, 330, 200)
    drag_to_canvas(page, TEMPLATE, 620, 200)
    expect(page.get_by_test_id(f"node-{HTTP}")).to_be_visible()
    connect(page, "start", HTTP)
    connect(page, HTTP, TEMPLATE)
    connect(page, TEMPLATE, "end")

    # HTTP request: an input from start, a templated query parameter; a bad URL is marked until fixed.
    select_node(page, HTTP)
    page.get_by_test_id("add-input").click()
    page.get_by_test_id("input-name-0").fill("city")
    page.get_by_test_id("input-source-0").select_option("start.query")
    page.get_by_test_id("http-url").fill("ftp://example.com")
    expect(page.get_by_test_id("http-url-problem")).to_have_text("the URL must start with http:// or https://")
    page.get_by_test_id("http-url").fill(f"{api.url}/weather")
    expect(page.get_by_test_id("http-url-problem")).to_have_count(0)
    page.get_by_test_id("http-query-add").click()
    page.get_by_test_id("http-query-name-0").fill("q")
    page.get_by_test_id("http-query-value-0").fill("{{town}}")
    expect(page.get_by_test_id("http-unknown")).to_contain_text("{{town}} in query[0].value is not an input")
    page.get_by_test_id("http-query-value-0").fill("{{city}}")
    expect(page.get_by_test_id("http-unknown")).to_have_count(0)

    # Template: reads the parsed JSON body and the status code.
    select_node(page, TEMPLATE)
    page.get_by_test_id("input-name-0").fill("weather")
    page.get_by_test_id("input-source-0").select_option(f"{HTTP}.json")
    page.get_by_test_id("add-input").click()
    page.get_by_test_id("input-name-1").fill("status")
    page.get_by_test_id("input-source-1").select_option(f"{HTTP}.status_code")
    page.get_by_test_id("template-editor").fill("{{ weather.city }} ({{ status }}): {{ wind }}")
    expect(page.get_by_test_id("template-unknown")).to_have_text("Not an input: wind — add it to the inputs")
    page.get_by_test_id("template-editor").fill(
        "{{ weather.city }} ({{ status }}): {% for d in weather.forecast %}{{ d.day }} {{ d.high }}°"
        "{% if not loop.last %}, {% endif %}{% endfor %}")
    expect(page.get_by_test_id("template-unknown")).to_have_count(0)

    select_node(page, "end")
    page.get_by_test_id("input-source-0").select_option(f"{TEMPLATE}.output")
    expect(page.get_by_test_id("issue-count")).to_have_text("valid")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved", timeout=10_000)

    saved = saved_nodes(loom_server, workflow_id, {"start", HTTP, TEMPLATE, "end"})
    assert saved[HTTP]["config"]["query"] == [{"name": "q", "value": "{{city}}"}]
    assert saved[HTTP]["inputs"] == {"city": {"ref": "start.query"}}

    page.get_by_test_id("tab-run").click()
    page.get_by_test_id("run-input-query").fill("Paris")
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded", timeout=30_000)
    expect(page.get_by_test_id(f"node-{HTTP}")).to_have_attribute("data-status", "succeeded")
    expect(page.get_by_test_id("run-outputs")).to_contain_text("Paris (200): Mon 21°, Tue 18°")
    assert api.requests[-1]["query"] == {"q": ["Paris"]}

    # Single-node debug of the template with values typed in.
    select_node(page, TEMPLATE)
    page.get_by_test_id("debug-node").locator("summary").click()
    page.get_by_test_id("debug-inputs").fill(json.dumps(
        {"weather": {"city": "Lyon", "forecast": [{"day": "Wed", "high": 25}]}, "status": 203}))
    page.get_by_test_id("debug-run").click()
    expect(page.get_by_test_id("debug-result")).to_contain_text("Lyon (203): Wed 25°")
