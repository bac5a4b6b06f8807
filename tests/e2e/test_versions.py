"""Versions (issue 22): the list with notes and dates, a visual diff of two versions on a read-only canvas with
the changed config fields listed per node, and restoring a version into the draft."""

from __future__ import annotations

import copy
import re

import httpx
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def publish(base_url: str, workflow_id: str, note: str) -> int:
    res = httpx.post(f"{base_url}/api/workflows/{workflow_id}/publish", json={"note": note}, timeout=30)
    res.raise_for_status()
    return res.json()["version"]


def draft(base_url: str, workflow_id: str) -> dict:
    return httpx.get(f"{base_url}/api/workflows/{workflow_id}", timeout=10).json()["definition"]


def test_versions_list_visual_diff_and_restore(page, loom_server):
    res = httpx.post(f"{loom_server}/api/templates/issue-digest", timeout=60)
    res.raise_for_status()
    workflow_id = res.json()["id"]
    v1 = draft(loom_server, workflow_id)
    assert publish(loom_server, workflow_id, "First cut from the template") == 1

    # v2: the digest's template changed, a "footer" node added between the digest and the end, the
    # digest → end edge removed
    v2 = copy.deepcopy(v1)
    digest = next(n for n in v2["nodes"] if n["id"] == "digest")
    digest["config"]["template"] = "Digest of {{ repo }}: {{ issues | length }} issues"
    v2["nodes"].append({"id": "footer", "type": "template-transform", "title": "Footer",
                        "position": {"x": 980, "y": 160}, "inputs": {"text": {"ref": "digest.output"}},
                        "config": {"template": "{{ text }}\n-- sent by Loom"}})
    v2["edges"] = [e for e in v2["edges"] if not (e["source"] == "digest" and e["target"] == "end")]
    v2["edges"] += [{"source": "digest", "target": "footer"}, {"source": "footer", "target": "end"}]
    httpx.put(f"{loom_server}/api/workflows/{workflow_id}", json=v2, timeout=10).raise_for_status()
    assert publish(loom_server, workflow_id, "Shorter digest with a footer") == 2

    page.goto(f"/workflows/{workflow_id}")
    page.get_by_test_id("versions-link").click()
    expect(page).to_have_url(f"{loom_server}/workflows/{workflow_id}/versions")
    expect(page.get_by_test_id("version-note-1")).to_have_text("First cut from the template")
    expect(page.get_by_test_id("version-note-2")).to_have_text("Shorter digest with a footer")
    expect(page.get_by_test_id("version-row-draft")).to_be_visible()

    page.get_by_test_id("compare-a").select_option("1")
    page.get_by_test_id("compare-b").select_option("2")
    canvas = page.get_by_test_id("diff-canvas")
    expect(canvas.locator('[data-testid="rf__node-footer"]')).to_have_class(
        re.compile(r"\bdiff-added\b"))
    expect(canvas.locator('[data-testid="rf__node-digest"]')).to_have_class(re.compile(r"\bdiff-changed\b"))
    expect(canvas.locator('[data-testid="rf__node-start"]')).to_have_class(re.compile(r"\bdiff-unchanged\b"))
    expect(canvas.locator('[data-testid="rf__edge-digest:out->end"]')).to_have_class(
        re.compile(r"\bdiff-removed\b"))
    expect(canvas.locator('[data-testid="rf__edge-digest:out->footer"]')).to_have_class(
        re.compile(r"\bdiff-added\b"))
    changed = page.get_by_test_id("diff-node-digest")
    expect(changed.get_by_test_id("diff-field")).to_have_count(1)
    expect(changed.get_by_test_id("diff-field")).to_contain_text("config.template")
    expect(changed.get_by_test_id("diff-field")).to_contain_text("Digest of {{ repo }}")
    expect(page.get_by_test_id("diff-node-footer")).to_be_visible()
    expect(page.get_by_test_id("diff-counts")).to_have_text("Nodes: 1 added, 0 removed, 1 changed")

    # v2 against v1 the other way round: the footer is drawn from the older side as removed
    page.get_by_test_id("compare-a").select_option("2")
    page.get_by_test_id("compare-b").select_option("1")
    expect(canvas.locator('[data-testid="rf__node-footer"]')).to_have_class(re.compile(r"\bdiff-removed\b"))

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("restore-1").click()
    expect(page).to_have_url(f"{loom_server}/workflows/{workflow_id}")
    expect(page.locator('.react-flow__node[data-id="digest"]')).to_be_visible()
    expect(page.locator('.react-flow__node[data-id="footer"]')).to_have_count(0)
    restored = draft(loom_server, workflow_id)
    assert {n["id"] for n in restored["nodes"]} == {n["id"] for n in v1["nodes"]}
    assert next(n for n in restored["nodes"] if n["id"] == "digest")["config"] == \
        next(n for n in v1["nodes"] if n["id"] == "digest")["config"]
