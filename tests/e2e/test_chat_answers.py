"""A chat app with two answer nodes on different if-else branches and conversation variables: the variables are
declared in the app's settings, the assigner is extended in its panel, and two turns in the chat preview stream
their replies (one through an LLM) while the values persist for the conversation."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.doubles.openai_server import Reply
from tests.e2e.helpers import create_workflow, select_node
from tests.server.helpers import parse_sse

pytestmark = pytest.mark.e2e


def ref(path: str) -> dict:
    return {"ref": path}


def chat_app() -> dict:
    return {
        "version": "1", "name": "Counting chat", "mode": "chat",
        "app": {"opening_statement": "Ask or tell me something.", "suggested_questions": []},
        "conversation_variables": [{"name": "turns", "type": "number", "default": 0}],
        "nodes": [
            {"id": "start", "type": "start", "config": {"variables": []}},
            {"id": "count", "type": "variable-assigner",
             "config": {"items": [{"variable": ref("conversation.turns"), "operation": "increment"}]}},
            {"id": "check", "type": "if-else", "config": {"cases": [{"id": "question", "conditions": [
                {"left": ref("sys.query"), "op": "contains", "right": {"value": "?"}}]}]}},
            {"id": "llm", "type": "llm", "inputs": {"q": ref("sys.query")},
             "config": {"model": "default", "messages": [{"role": "user", "content": "{{q}}"}]}},
            {"id": "ask", "type": "answer", "inputs": {"n": ref("conversation.turns"), "text": ref("llm.text")},
             "config": {"text": "{{text}} (turn {{n}})"}},
            {"id": "tell", "type": "answer", "inputs": {"n": ref("conversation.turns"), "q": ref("sys.query")},
             "config": {"text": "[{{n}}] Noted: {{q}}"}},
            {"id": "end", "type": "end"},
        ],
        "edges": [{"source": "start", "target": "count"}, {"source": "count", "target": "check"},
                  {"source": "check", "target": "llm", "source_handle": "question"},
                  {"source": "check", "target": "tell", "source_handle": "else"},
                  {"source": "llm", "target": "ask"}, {"source": "ask", "target": "end"},
                  {"source": "tell", "target": "end"}],
    }


def test_two_turns_stream_the_answers_and_keep_the_variables(page, loom_server, model_server):
    model_server.respond_with(lambda body: Reply("Loom builds workflows.", chunk_size=4, chunk_delay_s=0.05))
    workflow_id = create_workflow(loom_server, chat_app())
    page.goto(f"/workflows/{workflow_id}")

    # Settings: the declared variable is listed; declare a second one.
    page.get_by_role("button", name="Settings").click()
    expect(page.get_by_test_id("conv-var-name-0")).to_have_value("turns")
    page.get_by_test_id("conv-var-add").click()
    page.get_by_test_id("conv-var-name-1").fill("topics")
    page.get_by_test_id("conv-var-type-1").select_option("array[string]")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")

    # The assigner's panel: append each query to the new variable.
    select_node(page, "count")
    page.get_by_test_id("assign-add").click()
    page.get_by_test_id("assign-variable-1").select_option("conversation.topics")
    page.get_by_test_id("assign-operation-1").select_option("append")
    page.get_by_test_id("assign-value-1").select_option("sys.query")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    # an answer's input pickers offer the conversation variables
    select_node(page, "tell")
    expect(page.get_by_test_id("input-source-0").locator("option", has_text="Conversation · topics")).to_have_count(1)

    page.get_by_test_id("tab-chat").click()
    page.get_by_test_id("chat-input").fill("What is Loom?")
    page.get_by_test_id("chat-send").click()
    expect(page.get_by_test_id("chat-assistant").last).to_have_text("Loom builds workflows. (turn 1)")
    page.get_by_test_id("chat-input").fill("Thanks")
    page.get_by_test_id("chat-send").click()
    expect(page.get_by_test_id("chat-assistant").last).to_have_text("[2] Noted: Thanks")
    expect(page.get_by_test_id("chat-send")).to_be_enabled()

    conversations = httpx.get(f"{loom_server}/api/workflows/{workflow_id}/conversations", timeout=10).json()["items"]
    assert len(conversations) == 1
    conversation_id = conversations[0]["id"]
    stored = httpx.get(f"{loom_server}/api/conversations/{conversation_id}/variables", timeout=10).json()
    assert stored == {"variables": {"turns": 2, "topics": ["What is Loom?", "Thanks"]}}
    messages = httpx.get(f"{loom_server}/api/conversations/{conversation_id}/messages", timeout=10).json()["items"]
    assert [m["answer"] for m in messages] == ["Loom builds workflows. (turn 1)", "[2] Noted: Thanks"]
    # the model's tokens went out as the answer's chunks while the model was still running
    events = parse_sse(httpx.get(f"{loom_server}/api/runs/{messages[0]['run_id']}/events", timeout=10).text)
    kinds = [(kind, data.get("node_id")) for kind, data in events]
    assert kinds.index(("answer_chunk", "ask")) < kinds.index(("node_finished", "llm"))
    assert "".join(d["delta"] for kind, d in events if kind == "answer_chunk") == "Loom builds workflows. (turn 1)"
