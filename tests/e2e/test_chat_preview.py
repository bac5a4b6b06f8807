"""Chat preview of a chat-mode workflow: opening statement, suggested questions, streaming, history, restart."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.doubles.openai_server import Reply
from tests.e2e.helpers import create_workflow

pytestmark = pytest.mark.e2e


def chat_app() -> dict:
    return {
        "version": "1", "name": "Poetry chat", "mode": "chat",
        "app": {"opening_statement": "Ask me about Tang poems.", "suggested_questions": ["Who wrote 静夜思?"]},
        "nodes": [
            {"id": "start", "type": "start", "config": {"variables": []}},
            {"id": "llm", "type": "llm", "inputs": {"q": {"ref": "sys.query"}},
             "config": {"model": "default", "memory": {"window": 5},
                        "messages": [{"role": "user", "content": "{{q}}"}]}},
            {"id": "end", "type": "end", "inputs": {"answer": {"ref": "llm.text"}}},
        ],
        "edges": [{"source": "start", "target": "llm"}, {"source": "llm", "target": "end"}],
    }


def test_chat_preview_streams_and_keeps_history(page, loom_server, model_server):
    seen: list[list[dict]] = []

    def respond(body: dict) -> Reply:
        seen.append(body["messages"])
        return Reply("李白 wrote it." if len(seen) == 1 else "He lived 701–762.", chunk_size=3, chunk_delay_s=0.02)

    model_server.respond_with(respond)
    workflow_id = create_workflow(loom_server, chat_app())
    page.goto(f"/workflows/{workflow_id}")
    page.get_by_test_id("tab-chat").click()
    expect(page.get_by_test_id("opening-statement")).to_have_text("Ask me about Tang poems.")
    page.get_by_test_id("suggested-question").click()
    expect(page.get_by_test_id("chat-assistant").last).to_have_text("李白 wrote it.")

    page.get_by_test_id("chat-input").fill("When did he live?")
    page.get_by_test_id("chat-send").click()
    expect(page.get_by_test_id("chat-assistant").last).to_have_text("He lived 701–762.")
    assert any(m["content"] == "李白 wrote it." for m in seen[1])  # history reached the model

    page.get_by_text("Show trace of the last answer").click()
    expect(page.get_by_test_id("trace-panel")).to_contain_text("succeeded")

    page.get_by_test_id("chat-restart").click()
    expect(page.get_by_test_id("chat-user")).to_have_count(0)
    expect(page.get_by_test_id("suggested-question")).to_be_visible()
