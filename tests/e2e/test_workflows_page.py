"""Workflows list: create (mode, name, description), open, duplicate, delete, import, export."""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_create_opens_start_llm_end_and_list_actions(page, loom_server, tmp_path):
    page.goto("/")
    page.get_by_test_id("new-workflow").click()
    page.get_by_test_id("create-name").fill("Poem helper")
    page.get_by_test_id("create-description").fill("writes poems")
    page.get_by_test_id("mode-chat").check()
    page.get_by_test_id("create-submit").click()

    expect(page.get_by_test_id("workflow-name")).to_have_text("Poem helper")
    for node_id in ("start", "llm", "end"):
        expect(page.get_by_test_id(f"node-{node_id}")).to_be_visible()
    expect(page.locator(".react-flow__edge")).to_have_count(2)
    expect(page.locator(".react-flow__minimap")).to_be_visible()

    page.get_by_text("← Workflows").click()
    card = page.get_by_test_id("workflow-card").filter(has=page.get_by_text("Poem helper", exact=True))
    expect(card).to_contain_text("chat")
    card.get_by_test_id("duplicate-workflow").click()
    expect(page.get_by_test_id("workflow-card")).to_have_count(2)

    with page.expect_download() as download:
        card.get_by_test_id("export-workflow").click()
    exported = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert exported["name"] == "Poem helper" and exported["mode"] == "chat"
    assert [n["type"] for n in exported["nodes"]] == ["start", "llm", "end"]

    page.once("dialog", lambda d: d.accept())
    page.get_by_test_id("workflow-card").filter(has_text="(copy)").get_by_test_id("delete-workflow").click()
    expect(page.get_by_test_id("workflow-card")).to_have_count(1)

    exported["name"] = "Imported poem"
    file = tmp_path / "poem.json"
    file.write_text(json.dumps(exported), encoding="utf-8")
    page.get_by_test_id("import-file").set_input_files(str(file))
    expect(page.get_by_test_id("workflow-name")).to_have_text("Imported poem")
    names = {w["name"] for w in httpx.get(f"{loom_server}/api/workflows").json()["items"]}
    assert names == {"Poem helper", "Imported poem"}


def test_import_of_broken_json_says_which_file(page, tmp_path):
    page.goto("/")
    bad = tmp_path / "broken.json"
    bad.write_text("{not json", encoding="utf-8")
    page.get_by_test_id("import-file").set_input_files(str(bad))
    expect(page.get_by_test_id("page-error")).to_contain_text("broken.json is not valid JSON")
