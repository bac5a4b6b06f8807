"""Logs: an app's run history in the browser. Runs from the editor (debug) and through the API with a key,
filtered by source and by text in their inputs, a failed run's trace (the prompt each LLM node sent, its error),
resume from the failed node, re-run; a chat app's and an agent's conversations with each turn's trace; the page
in Chinese. With LOOM_DOC_SCREENSHOTS=1 the screenshots of docs/ui.md are written to docs/images/."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.doubles.openai_server import Reply
from tests.e2e.helpers import ROOT, create_workflow

pytestmark = pytest.mark.e2e


def llm(node_id: str, x: int, prompt: str, var: str, ref: str, **config: object) -> dict:
    return {"id": node_id, "type": "llm", "title": node_id.capitalize(), "position": {"x": x, "y": 100},
            "inputs": {var: {"ref": ref}},
            "config": {"model": "default", "messages": [{"role": "user", "content": prompt}], **config}}


def two_calls() -> dict:
    """start(query) → summary (LLM) → title (LLM) → end(answer)."""
    return {
        "version": "1", "name": "Summarise and title", "mode": "workflow",
        "nodes": [
            {"id": "start", "type": "start", "position": {"x": 0, "y": 100},
             "config": {"variables": [{"name": "query", "type": "string", "required": True}]}},
            llm("summary", 300, "Summarise: {{query}}", "query", "start.query"),
            llm("title", 600, "Title for: {{text}}", "text", "summary.text"),
            {"id": "end", "type": "end", "position": {"x": 900, "y": 100}, "inputs": {"answer": {"ref": "title.text"}}},
        ],
        "edges": [{"source": "start", "target": "summary"}, {"source": "summary", "target": "title"},
                  {"source": "title", "target": "end"}],
    }


def chat_app() -> dict:
    """A chat workflow whose LLM node keeps the conversation's history."""
    return {
        "version": "1", "name": "Helpdesk", "mode": "chat",
        "nodes": [
            {"id": "start", "type": "start", "position": {"x": 0, "y": 100}, "config": {"variables": []}},
            llm("reply", 300, "Customer: {{q}}", "q", "sys.query", memory={"window": 5}),
            {"id": "end", "type": "end", "position": {"x": 600, "y": 100}, "inputs": {"answer": {"ref": "reply.text"}}},
        ],
        "edges": [{"source": "start", "target": "reply"}, {"source": "reply", "target": "end"}],
    }


def publish_with_key(base_url: str, workflow_id: str) -> dict[str, str]:
    httpx.post(f"{base_url}/api/workflows/{workflow_id}/publish", json={}, timeout=10).raise_for_status()
    key = httpx.post(f"{base_url}/api/workflows/{workflow_id}/keys", json={"name": "logs"}, timeout=10).json()["key"]
    return {"Authorization": f"Bearer {key}"}


def screenshots(tmp_path: Path) -> Path:
    return ROOT / "docs" / "images" if os.environ.get("LOOM_DOC_SCREENSHOTS") == "1" else tmp_path


def test_run_history_filters_traces_resumes_and_reruns(page, loom_server, model_server, tmp_path: Path):
    workflow_id = create_workflow(loom_server, two_calls())
    auth = publish_with_key(loom_server, workflow_id)

    # A run from the editor's Run panel (the draft: a debug run).
    model_server.push("A spring summary", "Spring")
    page.goto(f"/workflows/{workflow_id}")
    page.get_by_test_id("tab-run").click()
    page.get_by_test_id("run-input-query").fill("spring poem")
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded")

    # A run through the API with the app's key, whose second model call is refused.
    model_server.push("发票 summary", Reply(status=400, error="the model refused this request"))
    failed = httpx.post(f"{loom_server}/v1/workflows/{workflow_id}/run", headers=auth, timeout=30,
                        json={"inputs": {"query": "需要开发票"}}).json()
    assert failed["status"] == "failed", failed

    page.get_by_role("link", name="Logs").click()
    page.get_by_test_id("logs-app").select_option(workflow_id)
    rows = page.get_by_test_id("logs-run-row")
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("logs-range")).to_have_text("1–2 of 2")
    expect(rows.first.get_by_test_id("logs-run-source")).to_have_text("API")
    expect(rows.nth(1).get_by_test_id("logs-run-source")).to_have_text("Debug")

    page.get_by_test_id("logs-filter-source").select_option("debug")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("spring poem")
    page.get_by_test_id("logs-filter-source").select_option("")
    page.get_by_test_id("logs-search").fill("开发票")
    page.get_by_test_id("logs-search-go").click()
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_test_id("logs-run-status")).to_have_text("Failed")
    page.get_by_test_id("logs-filter-status").select_option("succeeded")
    expect(page.get_by_test_id("logs-empty")).to_be_visible()
    page.get_by_test_id("logs-filter-status").select_option("failed")
    expect(rows).to_have_count(1)

    # The failed run's trace: the error, the failed node open, each LLM node's prompt.
    rows.first.click()
    trace = page.get_by_test_id("logs-trace")
    expect(trace.get_by_test_id("logs-trace-status")).to_have_text("Failed")
    expect(trace.get_by_test_id("logs-trace-run-error")).to_contain_text("title")
    expect(trace.get_by_test_id("logs-trace-inputs")).to_contain_text("需要开发票")
    expect(trace.get_by_test_id("logs-prompt-title")).to_contain_text("Title for: 发票 summary")
    trace.get_by_test_id("logs-node-summary").locator("summary").click()
    expect(trace.get_by_test_id("logs-prompt-summary")).to_contain_text("Summarise: 需要开发票")

    # Resume: the summary is reused, only the title is asked again, and the new run succeeds.
    calls = len(model_server.requests)
    model_server.push("发票 title")
    trace.get_by_test_id("logs-resume").click()
    expect(trace.get_by_test_id("logs-trace-status")).to_have_text("Succeeded")
    expect(trace.get_by_test_id("logs-resumed-from")).to_be_visible()
    expect(trace.get_by_test_id("logs-node-summary")).to_contain_text("reused")
    expect(trace.get_by_test_id("logs-trace-outputs")).to_contain_text("发票 title")
    assert len(model_server.requests) == calls + 1
    trace.get_by_test_id("logs-node-summary").locator("summary").click()
    page.screenshot(path=str(screenshots(tmp_path) / "logs-trace.png"))

    # The resumed run ran the draft: a debug run, like the editor's.
    page.get_by_test_id("logs-filter-status").select_option("")
    page.get_by_test_id("logs-search").fill("")
    page.get_by_test_id("logs-search-go").click()
    expect(rows).to_have_count(3)
    page.get_by_test_id("logs-filter-source").select_option("debug")
    expect(rows).to_have_count(2)

    # Re-run the editor's run: the same inputs again, listed as a new debug run.
    page.get_by_test_id("logs-search").fill("spring")
    page.get_by_test_id("logs-search-go").click()
    expect(rows).to_have_count(1)
    rows.first.click()
    model_server.push("Another summary", "Another title")
    trace.get_by_test_id("logs-rerun").click()
    expect(trace.get_by_test_id("logs-trace-outputs")).to_contain_text("Another title")
    expect(trace.get_by_test_id("logs-trace-inputs")).to_contain_text("spring poem")
    expect(rows).to_have_count(2)
    listed = httpx.get(f"{loom_server}/api/runs", params={"workflow_id": workflow_id}, timeout=10).json()
    assert [r["source"] for r in listed["items"]] == ["debug", "debug", "api", "debug"], listed


def test_a_chat_apps_conversation_shows_its_turns_and_their_traces(page, loom_server, model_server):
    workflow_id = create_workflow(loom_server, chat_app())
    auth = publish_with_key(loom_server, workflow_id)
    model_server.push("Your invoice is on its way.", "**Tomorrow**, by mail.")
    first = httpx.post(f"{loom_server}/v1/apps/{workflow_id}/chat", headers=auth, timeout=30,
                       json={"query": "Where is my invoice?", "user": "ann"}).json()
    httpx.post(f"{loom_server}/v1/apps/{workflow_id}/chat", headers=auth, timeout=30,
               json={"query": "When?", "conversation_id": first["conversation_id"], "user": "ann"}).raise_for_status()

    page.goto(f"/logs/{workflow_id}")
    page.get_by_test_id("logs-tab-conversations").click()
    conversation = page.get_by_test_id("logs-conversation")
    expect(conversation).to_have_count(1)
    expect(conversation).to_contain_text("Where is my invoice?")
    conversation.click()
    messages = page.get_by_test_id("logs-message")
    expect(messages).to_have_count(2)
    expect(messages.nth(1)).to_contain_text("When?")
    expect(messages.nth(1).locator("strong")).to_have_text("Tomorrow")  # the answer as Markdown
    messages.nth(1).get_by_test_id("logs-message-trace").click()
    prompt = page.get_by_test_id("logs-turn").get_by_test_id("logs-prompt-reply")
    expect(prompt).to_contain_text("Your invoice is on its way.")  # the history went to the model
    expect(prompt).to_contain_text("Customer: When?")

    # The turns are runs too: listed with the API as their source, searchable by the query.
    page.get_by_test_id("logs-tab-runs").click()
    page.get_by_test_id("logs-search").fill("invoice")
    page.get_by_test_id("logs-search-go").click()
    expect(page.get_by_test_id("logs-run-row")).to_have_count(1)
    expect(page.get_by_test_id("logs-run-row").first).to_contain_text("Where is my invoice?")

    # An agent's conversation: its turns, and a turn's trace with the messages its model call was sent.
    agent_id = httpx.post(f"{loom_server}/api/agents", json={"name": "Support bot", "persona": "Be kind."},
                          timeout=10).json()["id"]
    model_server.push("Hello! How can I help?", "Refunds take 3 days.")
    opened = httpx.post(f"{loom_server}/api/agents/{agent_id}/chat", json={"query": "Hi there"}, timeout=30).json()
    httpx.post(f"{loom_server}/api/agents/{agent_id}/chat", timeout=30,
               json={"query": "How long do refunds take?", "conversation_id": opened["conversation_id"]}
               ).raise_for_status()
    page.goto("/logs")
    page.get_by_test_id("logs-app").select_option(agent_id)
    expect(page.get_by_test_id("logs-tab-runs")).to_have_count(0)  # an agent's turns are not workflow runs
    page.get_by_test_id("logs-conversation").click()
    expect(messages).to_have_count(2)
    expect(messages.nth(1)).to_contain_text("Refunds take 3 days.")
    messages.nth(1).get_by_test_id("logs-message-trace").click()
    turn = page.get_by_test_id("logs-turn")
    expect(turn.get_by_test_id("agent-trace-status")).to_have_text("succeeded")
    turn.get_by_test_id("agent-trace-model").first.locator("summary").click()
    expect(turn.get_by_test_id("agent-trace-model-detail").first).to_contain_text("Hello! How can I help?")


@pytest.mark.parametrize("ui_language", ["zh-CN"])
def test_the_logs_page_in_chinese(page, loom_server, model_server, ui_language, tmp_path: Path):
    workflow_id = create_workflow(loom_server, two_calls())
    model_server.push("摘要", Reply(status=400, error="refused"))
    httpx.post(f"{loom_server}/api/workflows/{workflow_id}/runs", json={"inputs": {"query": "春天"}}, timeout=30)
    page.goto(f"/logs/{workflow_id}")
    row = page.get_by_test_id("logs-run-row")
    expect(row.get_by_test_id("logs-run-status")).to_have_text("失败")
    expect(row.get_by_test_id("logs-run-source")).to_have_text("调试")
    expect(page.get_by_test_id("logs-range")).to_have_text("第 1–1 条，共 1 条")
    row.click()
    expect(page.get_by_test_id("logs-resume")).to_have_text("从失败节点继续")
    expect(page.get_by_test_id("logs-trace-run-error")).to_contain_text("refused")
    page.screenshot(path=str(screenshots(tmp_path) / "logs-trace-zh.png"))
