"""Publish + API: publish a version, see it listed, create a key and use the copied curl example's call."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import create_workflow
from tests.e2e.test_canvas import simple

pytestmark = pytest.mark.e2e


def test_publish_key_and_curl_example(page, loom_server, model_server):
    workflow_id = create_workflow(loom_server, simple())
    page.goto(f"/workflows/{workflow_id}")
    page.get_by_test_id("tab-publish").click()
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("versions")).to_contain_text("v1")
    page.get_by_test_id("create-key").click()
    key = page.get_by_test_id("api-key").inner_text()
    curl = page.get_by_test_id("curl-example").inner_text()
    assert f"{loom_server}/v1/workflows/{workflow_id}/run" in curl and f"Bearer {key}" in curl

    model_server.push("published answer")
    res = httpx.post(f"{loom_server}/v1/workflows/{workflow_id}/run", timeout=30,
                     headers={"Authorization": f"Bearer {key}"},
                     json={"inputs": {"query": "hi"}, "response_mode": "blocking"})
    assert res.status_code == 200, res.text
    assert res.json()["outputs"]["answer"] == "published answer"
