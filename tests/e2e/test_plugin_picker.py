"""Plugin picker: tools listed from GET /api/plugins; picking one fills the inputs table with its parameters
and downstream pickers offer its declared outputs with their types; the draft validates and runs."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import connect, create_workflow, drag_to_canvas, saved_definition, select_node

pytestmark = pytest.mark.e2e


def reader() -> dict:
    return {
        "version": "1", "name": "Reader", "mode": "workflow",
        "nodes": [
            {"id": "start", "type": "start", "position": {"x": 0, "y": 100},
             "config": {"variables": [{"name": "doc", "type": "file", "required": True}]}},
            {"id": "end", "type": "end", "position": {"x": 640, "y": 100}, "inputs": {"answer": {"ref": "start.doc"}}},
        ],
        "edges": [{"source": "start", "target": "end"}],
    }


def wait_for_node(base_url: str, workflow_id: str, node_id: str) -> dict:
    """The node as saved, once the autosave has stored it."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [n for n in saved_definition(base_url, workflow_id)["nodes"] if n["id"] == node_id]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"{node_id} was never saved")


def test_pick_a_tool_fills_inputs_and_offers_typed_outputs(page, loom_server, tmp_path):
    workflow_id = create_workflow(loom_server, reader())
    page.goto(f"/workflows/{workflow_id}")
    drag_to_canvas(page, "plugin", 400, 500)
    connect(page, "start", "plugin")
    connect(page, "plugin", "end")
    select_node(page, "plugin")
    picker = page.get_by_test_id("plugin-tool-picker")
    assert "read_file / read_file" in picker.locator("option").all_inner_texts()
    picker.select_option("read_file/read_file")

    expect(page.get_by_test_id("tool-params")).to_contain_text("file | string")
    expect(page.get_by_test_id("tool-outputs")).to_contain_text("page_count: integer")
    expect(page.get_by_test_id("input-name-0")).to_have_value("file_url")
    page.get_by_test_id("input-source-0").select_option("start.doc")

    select_node(page, "end")
    options = page.get_by_test_id("input-source-0").locator("option").all_inner_texts()
    assert any("text (string)" in o for o in options) and any("page_count (integer)" in o for o in options), options
    page.get_by_test_id("input-source-0").select_option("plugin.text")

    expect(page.get_by_test_id("issue-count")).to_have_text("valid")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved", timeout=10_000)
    node = wait_for_node(loom_server, workflow_id, "plugin")
    assert node["config"] == {"plugin": "read_file", "tool": "read_file", "settings": {}} or \
        node["config"] == {"plugin": "read_file", "tool": "read_file"}
    assert node["inputs"] == {"file_url": {"ref": "start.doc"}}

    note = tmp_path / "note.txt"
    note.write_text("独坐幽篁里，弹琴复长啸。", encoding="utf-8")
    page.get_by_test_id("tab-run").click()
    page.get_by_test_id("run-input-doc").set_input_files(str(note))
    expect(page.get_by_test_id("run-input-doc-uploaded")).to_have_text("uploaded note.txt", timeout=20_000)
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded", timeout=20_000)
    expect(page.get_by_test_id("run-outputs")).to_contain_text("独坐幽篁里")
