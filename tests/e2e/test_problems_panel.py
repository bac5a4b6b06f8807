"""The problems panel: every validation problem of the draft in one list (node, field, plain message); a click
selects the node and focuses the field, and the node panel shows the same message."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import create_workflow, select_node
from tests.e2e.test_console_fixes import branching

pytestmark = pytest.mark.e2e


def with_llm() -> dict:
    """start → route (if-else) → llm on the case, end on else; the llm feeds the end."""
    definition = branching()
    messages = [{"role": "user", "content": "{{query}}"}]
    definition["nodes"].insert(2, {"id": "llm", "type": "llm", "title": "Writer", "position": {"x": 640, "y": 0},
                                   "inputs": {"query": {"ref": "start.query"}},
                                   "config": {"model": "default", "messages": messages}})
    definition["nodes"][-1]["position"] = {"x": 960, "y": 100}
    definition["nodes"][-1]["inputs"] = {"answer": {"ref": "start.query"}}
    definition["edges"] = [{"source": "start", "target": "route"},
                           {"source": "route", "target": "llm", "source_handle": "case1"},
                           {"source": "route", "target": "end", "source_handle": "else"},
                           {"source": "llm", "target": "end"}]
    return definition


def test_problems_are_listed_and_lead_to_their_field(page, loom_server):
    workflow_id = create_workflow(loom_server, with_llm())
    page.goto(f"/workflows/{workflow_id}")
    expect(page.get_by_test_id("issue-count")).to_have_text("valid")
    page.get_by_test_id("issue-count").click()
    expect(page.get_by_test_id("problems-none")).to_be_visible()

    # Two problems on two nodes: a parameter out of range and a malformed case id.
    select_node(page, "llm")
    page.get_by_test_id("param-temperature").fill("5")
    select_node(page, "route")
    page.get_by_test_id("case-id-0").fill("very urgent!")
    expect(page.get_by_test_id("save-state")).to_have_text("Not saved: fix the errors", timeout=10_000)

    problems = page.get_by_test_id("problem")
    expect(problems).to_have_count(2, timeout=10_000)
    writer = problems.filter(has_text="Writer")
    expect(writer.get_by_test_id("problem-message")).to_have_text("Temperature must be at most 2")
    expect(writer.get_by_test_id("problem-field")).to_have_text("Temperature")
    route = problems.filter(has_text="route")
    expect(route.get_by_test_id("problem-field")).to_have_text("Case id")
    expect(route).to_contain_text("Case id may contain only letters, digits, _ and -")
    expect(page.get_by_test_id("problems-panel")).not_to_contain_text("should be")

    # A click selects the node and focuses the field, which shows the same message.
    writer.get_by_role("button").click()
    expect(page.get_by_test_id("node-title")).to_have_value("Writer")
    expect(page.get_by_test_id("param-temperature")).to_be_focused()
    temperature = page.locator('[data-field="config.params.temperature"]')
    expect(temperature.locator(".field-error")).to_have_text("Temperature must be at most 2")
    route.get_by_role("button").click()
    expect(page.get_by_test_id("case-id-0")).to_be_focused()
    expect(page.get_by_test_id("case-0").locator(".field-error")).to_have_text(
        route.get_by_test_id("problem-message").inner_text())

    # Fixed, the list empties.
    page.get_by_test_id("case-id-0").fill("urgent")
    writer.get_by_role("button").click()
    page.get_by_test_id("param-temperature").fill("0.5")
    expect(page.get_by_test_id("problems-none")).to_be_visible(timeout=10_000)
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")


def test_a_problem_no_field_shows_is_listed_on_the_node_panel(page, loom_server):
    workflow_id = create_workflow(loom_server, with_llm())
    page.goto(f"/workflows/{workflow_id}")
    edge = page.locator('.react-flow__edge[data-id="route:case1->llm"]')
    edge.locator(".react-flow__edge-interaction").click(force=True)
    page.keyboard.press("Delete")
    expect(edge).to_have_count(0)
    page.get_by_test_id("issue-count").click()
    problem = page.get_by_test_id("problem").filter(has_text="Writer").filter(has_text="not reachable")
    expect(problem.get_by_test_id("problem-message")).to_have_text("not reachable from the start node", timeout=10_000)
    problem.get_by_role("button").click()
    expect(page.get_by_test_id("node-title")).to_have_value("Writer")
    expect(page.get_by_test_id("node-problems")).to_have_text("not reachable from the start node")


def test_a_value_source_left_empty_is_one_plain_problem_on_its_input(page, loom_server):
    workflow_id = create_workflow(loom_server, with_llm())
    page.goto(f"/workflows/{workflow_id}")
    select_node(page, "end")
    page.get_by_test_id("input-source-0").select_option("")
    page.get_by_test_id("issue-count").click()
    problems = page.get_by_test_id("problem")
    expect(problems).to_have_count(1, timeout=10_000)
    expect(problems.get_by_test_id("problem-field")).to_have_text("Answer")
    expect(problems.get_by_test_id("problem-message")).to_have_text("no variable is picked")
    page.locator(".react-flow__pane").click(position={"x": 5, "y": 5})
    problems.get_by_role("button").click()
    row = page.locator('[data-field="inputs.answer"]')
    expect(row.locator(".field-error")).to_have_text("no variable is picked")
    expect(row.locator(".ref-picker")).to_be_focused()  # the variable picker, not the input's name
