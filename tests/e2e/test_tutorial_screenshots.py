"""The screenshots of docs/tutorial.md, taken while walking through it: the teaching assistant opened,
run, published, and called with the tutorial's curl request. Set LOOM_DOC_SCREENSHOTS=1 to write them to
docs/images/ (otherwise they go to the test's temporary folder, so a plain test run changes no file)."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.doubles.seed_model import seed_responder
from tests.e2e.helpers import ROOT, create_bundled_kb, create_workflow, load_example

pytestmark = pytest.mark.e2e


def test_tutorial_walkthrough(page, loom_server, model_server, tmp_path: Path):
    out = ROOT / "docs" / "images" if os.environ.get("LOOM_DOC_SCREENSHOTS") == "1" else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 720})
    model_server.respond_with(seed_responder)
    create_bundled_kb(loom_server, "yuwen")
    workflow_id = create_workflow(loom_server, load_example("teaching-assistant.json"))

    page.goto("/")
    expect(page.get_by_test_id("workflow-card")).to_have_count(1)
    page.screenshot(path=str(out / "tutorial-1-workflows.png"))

    page.get_by_test_id("open-workflow").click()
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    expect(page.get_by_test_id("issue-count")).to_have_text("valid")
    page.locator(".react-flow__controls-fitview").click()
    page.screenshot(path=str(out / "tutorial-2-editor.png"))

    page.get_by_test_id("tab-run").click()
    page.get_by_test_id("run-input-query").fill("你好，请问《竹里馆》的作者是谁？")
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded", timeout=60_000)
    expect(page.get_by_test_id("node-ai")).to_have_attribute("data-status", "skipped")
    page.screenshot(path=str(out / "tutorial-3-run.png"), mask=[page.locator(".loom-node-status")])

    page.get_by_test_id("tab-publish").click()
    page.get_by_test_id("publish").click()
    page.get_by_test_id("create-key").click()
    key = page.get_by_test_id("api-key").inner_text()
    page.screenshot(path=str(out / "tutorial-4-publish.png"),
                    mask=[page.get_by_test_id("api-key"), page.get_by_test_id("curl-example")])

    # The tutorial's curl request, sent as curl would.
    res = httpx.post(f"{loom_server}/v1/workflows/{workflow_id}/run", timeout=60,
                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
                     json={"inputs": {"query": "你好，请问《竹里馆》的作者是谁？"}, "response_mode": "blocking"})
    assert res.status_code == 200, res.text
    body = res.json()
    answer = body.get("outputs", body.get("data", {}).get("outputs", {}))["answer"]
    assert answer.startswith("根据参考资料：") and "王维" in answer
