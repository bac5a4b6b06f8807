"""Console fixes, one test per bug a new user hit: if-else case renames, readable field errors, fit view on open,
import errors, rejected run files, stopping a run on the server, knowledge progress, Markdown chat replies, the
publish panel's endpoints per app kind, and the key list with revoke."""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest
from playwright.sync_api import expect

from tests.doubles.openai_server import Reply
from tests.e2e.helpers import create_workflow, edges, saved_definition, select_node
from tests.e2e.test_canvas import simple

pytestmark = pytest.mark.e2e


def branching() -> dict:
    """start → if-else (case1 on the query) → end on both the case and else."""
    return {
        "version": "1", "name": "Branching", "mode": "workflow",
        "nodes": [
            {"id": "start", "type": "start", "position": {"x": 0, "y": 100},
             "config": {"variables": [{"name": "query", "type": "string", "required": True}]}},
            {"id": "route", "type": "if-else", "position": {"x": 320, "y": 100},
             "config": {"cases": [{"id": "case1", "logic": "and",
                                   "conditions": [{"left": {"ref": "start.query"}, "op": "is_not_empty"}]}]}},
            {"id": "end", "type": "end", "position": {"x": 640, "y": 100},
             "inputs": {"answer": {"ref": "start.query"}}},
        ],
        "edges": [{"source": "start", "target": "route"},
                  {"source": "route", "target": "end", "source_handle": "case1"},
                  {"source": "route", "target": "end", "source_handle": "else"}],
    }


def long_chain(count: int) -> dict:
    """start → count LLM nodes in a row, 340 px apart and stepping down → end: wider than any screen at 100%."""
    ids = [f"llm{i}" for i in range(count)]
    nodes = [{"id": "start", "type": "start", "position": {"x": 0, "y": 0},
              "config": {"variables": [{"name": "query", "type": "string", "required": True}]}}]
    for i, nid in enumerate(ids):
        nodes.append({"id": nid, "type": "llm", "position": {"x": 340 * (i + 1), "y": 60 * (i % 4)},
                      "inputs": {"query": {"ref": "start.query"}},
                      "config": {"model": "default", "messages": [{"role": "user", "content": "{{query}}"}]}})
    nodes.append({"id": "end", "type": "end", "position": {"x": 340 * (count + 1), "y": 0},
                  "inputs": {"answer": {"ref": f"{ids[-1]}.text"}}})
    chain = ["start", *ids, "end"]
    return {"version": "1", "name": "Long chain", "mode": "workflow", "nodes": nodes,
            "edges": [{"source": a, "target": b} for a, b in zip(chain, chain[1:], strict=False)]}


def wait_for(check, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.2)


def test_renaming_an_if_else_case_keeps_its_edge_and_saves(page, loom_server):
    workflow_id = create_workflow(loom_server, branching())
    page.goto(f"/workflows/{workflow_id}")
    expect(page.locator(".react-flow__edge")).to_have_count(3)
    select_node(page, "route")
    page.get_by_test_id("case-id-0").fill("urgent")

    expect(page.locator(".react-flow__edge")).to_have_count(3)  # the edge follows the renamed handle
    expect(page.locator('[data-testid="rf__edge-route:urgent->end"]')).to_be_visible()
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    wait_for(lambda: {e.get("source_handle") for e in edges(loom_server, workflow_id) if e["source"] == "route"}
             == {"urgent", "else"})


def test_field_errors_are_plain_words_naming_the_field(page, loom_server):
    workflow_id = create_workflow(loom_server, branching())
    page.goto(f"/workflows/{workflow_id}")
    select_node(page, "route")
    page.get_by_test_id("case-id-0").fill("very urgent!")
    error = page.get_by_test_id("case-0").locator(".field-error")
    expect(error).to_contain_text("Case id")
    expect(error).to_contain_text("letters, digits")
    expect(error).not_to_contain_text("should match pattern")


def test_editor_opens_with_the_whole_graph_in_view(page, loom_server):
    definition = long_chain(10)
    workflow_id = create_workflow(loom_server, definition)
    page.goto(f"/workflows/{workflow_id}")
    nodes = page.locator(".react-flow__node")
    expect(nodes).to_have_count(len(definition["nodes"]))
    page.wait_for_timeout(500)  # the initial fit settles
    canvas = page.get_by_test_id("canvas").bounding_box()
    for i in range(nodes.count()):
        box = nodes.nth(i).bounding_box()
        assert box is not None
        assert canvas["x"] <= box["x"] and box["x"] + box["width"] <= canvas["x"] + canvas["width"] + 1, i
        assert canvas["y"] <= box["y"] and box["y"] + box["height"] <= canvas["y"] + canvas["height"] + 1, i


def test_import_error_lists_each_problem(page, tmp_path):
    broken = simple()
    broken["name"] = "Broken import"
    broken["nodes"][1]["config"]["temperature"] = "hot"
    broken["edges"].append({"source": "start", "target": "nowhere"})
    file = tmp_path / "broken-import.json"
    file.write_text(json.dumps(broken), encoding="utf-8")
    page.goto("/")
    page.get_by_test_id("import-file").set_input_files(str(file))
    error = page.get_by_test_id("page-error")
    expect(error).to_contain_text("error")
    expect(error).to_contain_text("llm")
    expect(error).to_contain_text("temperature")
    expect(error).to_contain_text("nowhere")


def test_rejected_run_file_is_shown_and_the_run_does_not_start(page, loom_server, tmp_path):
    definition = simple()
    definition["nodes"][0]["config"]["variables"].append({"name": "doc", "type": "file", "required": False})
    workflow_id = create_workflow(loom_server, definition)
    big = tmp_path / "too-big.txt"
    big.write_bytes(b"x" * 20_000_001)  # over the server's 20 MB upload limit
    page.goto(f"/workflows/{workflow_id}")
    page.get_by_test_id("tab-run").click()
    page.get_by_test_id("run-input-query").fill("hello")
    page.get_by_test_id("run-input-doc").set_input_files(str(big))
    expect(page.get_by_test_id("run-panel-error")).to_contain_text("too-big.txt")
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-panel-error")).to_contain_text("over the limit")
    page.wait_for_timeout(1000)
    runs = httpx.get(f"{loom_server}/api/runs", params={"workflow_id": workflow_id}, timeout=10).json()
    assert runs["total"] == 0, runs


def test_stop_cancels_the_run_on_the_server(page, loom_server, model_server):
    model_server.push(Reply("a very slow answer that takes a long time", chunk_size=1, chunk_delay_s=0.5))
    workflow_id = create_workflow(loom_server, simple())
    page.goto(f"/workflows/{workflow_id}")
    page.get_by_test_id("tab-run").click()
    page.get_by_test_id("run-input-query").fill("take your time")
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("streamed-text")).to_be_visible()
    page.get_by_role("button", name="Stop", exact=True).click()
    expect(page.get_by_test_id("run-status")).to_have_text("stopped")

    def server_status() -> str:
        items = httpx.get(f"{loom_server}/api/runs", params={"workflow_id": workflow_id}, timeout=10).json()["items"]
        return items[0]["status"] if items else ""

    wait_for(lambda: server_status() == "stopped")
    assert saved_definition(loom_server, workflow_id)["name"] == "Simple"


def chat_app() -> dict:
    from tests.e2e.test_chat_preview import chat_app as app

    return app()


def test_chat_replies_render_as_sanitised_markdown(page, loom_server, model_server):
    model_server.push(Reply("**李白** wrote it.\n\n- one\n- two\n\n<script>window.pwned = 1</script>"
                            "<img src=x onerror=\"window.pwned = 2\">", chunk_size=8))
    workflow_id = create_workflow(loom_server, chat_app())
    page.goto(f"/workflows/{workflow_id}")
    page.get_by_test_id("tab-chat").click()
    page.get_by_test_id("chat-input").fill("Who wrote it?")
    page.get_by_test_id("chat-send").click()
    reply = page.get_by_test_id("chat-assistant").last
    expect(reply.locator("strong")).to_have_text("李白")
    expect(reply.locator("li")).to_have_count(2)
    expect(reply).not_to_contain_text("**")
    expect(reply.locator("script")).to_have_count(0)
    assert page.evaluate("window.pwned === undefined")


def publish_and_create_key(page, workflow_id: str) -> str:
    page.goto(f"/workflows/{workflow_id}")
    page.get_by_test_id("tab-publish").click()
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("versions")).to_contain_text("v1")
    page.get_by_test_id("create-key").click()
    return page.get_by_test_id("api-key").inner_text()


def test_chat_app_publish_panel_shows_the_chat_endpoint_with_blocking_and_streaming(page, loom_server, model_server):
    workflow_id = create_workflow(loom_server, chat_app())
    key = publish_and_create_key(page, workflow_id)
    endpoint = f"{loom_server}/v1/apps/{workflow_id}/chat"
    expect(page.get_by_test_id("api-endpoint")).to_contain_text(f"POST {endpoint}")
    blocking = page.get_by_test_id("curl-example").inner_text()
    streaming = page.get_by_test_id("curl-streaming").inner_text()
    assert endpoint in blocking and f"Bearer {key}" in blocking and '"response_mode":"blocking"' in blocking
    assert endpoint in streaming and '"response_mode":"streaming"' in streaming and "-N" in streaming
    assert '"query"' in blocking and "/run" not in blocking

    body = json.loads(blocking.split("-d '", 1)[1].rsplit("'", 1)[0])
    model_server.push("a chat reply")
    res = httpx.post(endpoint, json=body, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert res.status_code == 200, res.text
    assert res.json()["answer"] == "a chat reply"


def test_publish_panel_lists_keys_and_revokes_them(page, loom_server):
    workflow_id = create_workflow(loom_server, simple())
    key = publish_and_create_key(page, workflow_id)
    expect(page.get_by_test_id("curl-streaming")).to_contain_text(f"/v1/workflows/{workflow_id}/run")
    row = page.get_by_test_id("key-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(key[:12])
    expect(row).to_contain_text("active")
    expect(row.get_by_test_id("key-created")).not_to_be_empty()

    page.once("dialog", lambda d: d.accept())
    row.get_by_test_id("revoke-key").click()
    expect(row).to_contain_text("revoked")
    res = httpx.post(f"{loom_server}/v1/workflows/{workflow_id}/run", headers={"Authorization": f"Bearer {key}"},
                     json={"inputs": {"query": "hi"}, "response_mode": "blocking"}, timeout=10)
    assert res.status_code == 401, res.text


def test_knowledge_progress_counts_embedded_chunks(page, loom_server, tmp_path):
    settings = {"chunking": {"max_length": 40, "overlap": 0}, "embedding": {"batch_size": 8}}
    httpx.post(f"{loom_server}/api/knowledge-bases", json={"name": "lines", "settings": settings},
               timeout=30).raise_for_status()
    doc = tmp_path / "lines.txt"
    # Enough chunks that embedding takes several of the page's 0.7 s polls (slices of 32 texts at a time).
    doc.write_text("\n\n".join(f"第{i}行：床前明月光，疑是地上霜。举头望明月。" for i in range(320)), encoding="utf-8")
    page.goto("/knowledge")
    page.get_by_test_id("kb-card-lines").click()
    expect(page.get_by_test_id("kb-detail")).to_contain_text("lines")
    # Record every progress text the page shows while the document is indexed.
    page.evaluate("""() => {
      window.__progress = [];
      new MutationObserver(() => {
        const el = document.querySelector('[data-testid="doc-progress-lines.txt"]');
        if (el) window.__progress.push(el.textContent);
      }).observe(document.body, {subtree: true, childList: true, characterData: true});
    }""")
    page.get_by_test_id("kb-upload").set_input_files(str(doc))
    expect(page.get_by_test_id("doc-status-lines.txt")).to_have_text("ready", timeout=180_000)
    seen = page.evaluate("window.__progress")
    partial = [t for t in seen if t.startswith("embedded ") and not t.startswith("embedded 0 ")
               and t.split()[1] != t.split()[3]]
    assert partial, f"no partial progress shown: {sorted(set(seen))}"
    expect(page.get_by_test_id("doc-progress-lines.txt")).to_have_text(re.compile(r"^[1-9]\d* chunks$"))
