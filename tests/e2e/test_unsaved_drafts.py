"""Unsaved drafts: the server refuses invalid drafts (422); the editor keeps them in the browser per workflow,
restores them on reload with a banner, and resumes saving once the draft validates."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import create_workflow, drag_to_canvas, saved_definition, select_node
from tests.e2e.test_canvas import simple

pytestmark = pytest.mark.e2e


def test_invalid_draft_survives_reload_and_saves_once_valid(page, loom_server):
    workflow_id = create_workflow(loom_server, simple())
    page.goto(f"/workflows/{workflow_id}")
    puts: list[str] = []
    page.on("request", lambda r: puts.append(r.url) if r.method == "PUT" else None)
    drag_to_canvas(page, "code", 450, 450)
    banner = page.get_by_test_id("unsaved-banner")
    expect(banner).to_contain_text(re.compile(r"Unsaved changes — \d+ problems?"))
    page.wait_for_timeout(2500)
    assert len(puts) == 1, puts  # a refused draft is not sent again until it changes
    assert [n["id"] for n in saved_definition(loom_server, workflow_id)["nodes"]] == ["start", "llm", "end"]

    page.reload()
    expect(banner).to_be_visible()
    expect(page.get_by_test_id("node-code")).to_be_visible()
    expect(page.get_by_test_id("node-code")).to_have_attribute("data-invalid", "true")
    stored = page.evaluate(f"localStorage.getItem('loom.draft.{workflow_id}')")
    assert stored and '"code"' in stored

    # Removing the offending node makes the draft valid: it is saved and the browser copy dropped.
    select_node(page, "code")
    page.get_by_test_id("delete-node").click()
    expect(page.get_by_test_id("save-state")).to_have_text("Saved", timeout=10_000)
    expect(banner).to_have_count(0)
    assert page.evaluate(f"localStorage.getItem('loom.draft.{workflow_id}')") is None
    page.reload()
    expect(page.get_by_test_id("node-llm")).to_be_visible()
    expect(page.get_by_test_id("node-code")).to_have_count(0)
    expect(banner).to_have_count(0)


def test_discard_returns_to_the_saved_draft(page, loom_server):
    workflow_id = create_workflow(loom_server, simple())
    page.goto(f"/workflows/{workflow_id}")
    drag_to_canvas(page, "if-else", 450, 450)
    expect(page.get_by_test_id("unsaved-banner")).to_be_visible()
    page.get_by_test_id("discard-draft").click()
    expect(page.get_by_test_id("node-llm")).to_be_visible()
    expect(page.get_by_test_id("node-if-else")).to_have_count(0)
    expect(page.get_by_test_id("unsaved-banner")).to_have_count(0)
