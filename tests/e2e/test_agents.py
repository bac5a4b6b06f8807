"""Agent apps in the UI (issue 10): the seed's AI research assistant imported from apps/, chatting in the live
preview against the scripted model server that issues real ``tool_calls`` (the tool step appears, expands to
its arguments and result, the answer streams in, the turn's trace opens); and the list, the editor's
structured persona with autosave, publish, an API key and the curl call it shows."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.doubles.openai_server import Reply
from tests.e2e.helpers import create_workflow, load_example

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "apps" / "research-assistant.agent.json"
ACADEMIC = ROOT / "workflows" / "knowledge" / "academic"
ANSWER = ("LoRA 冻结原模型权重，只训练两个低秩矩阵，所以优化器状态和梯度都小得多。"
          "依据：AI研读研究助手工作流（学术知识库）。")
WORKFLOW_NOTE = "LoRA 只训练低秩矩阵，显存占用低。"


def academic_kb(base_url: str) -> None:
    """The research-assistant workflow's knowledge base: the server's template when it has one, else made here."""
    if httpx.post(f"{base_url}/api/templates/research-assistant", timeout=30).status_code in (200, 201):
        return
    httpx.post(f"{base_url}/api/knowledge-bases", json={"name": "academic"}, timeout=10).raise_for_status()
    files = [("files", (p.name, p.read_bytes(), "text/markdown")) for p in sorted(ACADEMIC.glob("*.md"))]
    httpx.post(f"{base_url}/api/knowledge-bases/academic/documents", files=files, timeout=30).raise_for_status()


def published_research_workflow(base_url: str) -> str:
    workflow_id = create_workflow(base_url, load_example("research-assistant.json"))
    httpx.post(f"{base_url}/api/workflows/{workflow_id}/publish", timeout=10).raise_for_status()
    return workflow_id


def wait_indexed(base_url: str, kb: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        docs = httpx.get(f"{base_url}/api/knowledge-bases/{kb}/documents", timeout=10).json()["items"]
        failed = [f"{d['filename']}: {d.get('error')}" for d in docs if d["status"] == "failed"]
        assert not failed, f"indexing failed: {failed}"
        if docs and all(d["status"] == "ready" for d in docs):
            return
        time.sleep(0.5)
    raise AssertionError(f"knowledge base {kb} was not indexed within {timeout_s} s")


def test_research_assistant_calls_the_workflow_in_the_preview(page, loom_server, model_server):
    academic_kb(loom_server)
    workflow_id = published_research_workflow(loom_server)
    wait_indexed(loom_server, "academic")

    def respond(body: dict) -> Reply | str:
        if not body.get("tools"):  # an LLM node of the research-assistant workflow
            return WORKFLOW_NOTE
        if not any(m["role"] == "tool" for m in body["messages"]):
            arguments = json.dumps({"query": "LoRA 为什么省显存"}, ensure_ascii=False)
            return Reply("我先查一下学术知识库。", tool_calls=[
                {"id": "call_ra", "type": "function",
                 "function": {"name": "research_assistant", "arguments": arguments}}])
        return Reply(ANSWER, chunk_size=2, chunk_delay_s=0.04)

    model_server.respond_with(respond)
    page.goto("/agents")
    page.get_by_test_id("import-agent-file").set_input_files(str(APP))
    expect(page.get_by_test_id("agent-editor")).to_be_visible()
    expect(page.get_by_test_id("agent-name")).to_have_value("AI学术助手")
    expect(page.get_by_test_id("agent-issues")).to_have_count(0)  # read_file, the workflow and the KB all resolve
    expect(page.get_by_test_id("persona-role")).to_have_value("你是一名严谨的AI学术研究助手，帮助用户研读论文和技术文档。")
    expect(page.get_by_test_id("skill-toggle-plugin:read_file/read_file")).to_be_checked()
    expect(page.get_by_test_id(f"skill-toggle-workflow:{workflow_id}")).to_be_checked()
    expect(page.get_by_test_id("kb-academic")).to_be_checked()
    expect(page.get_by_test_id("kb-mode-tool")).to_be_checked()

    expect(page.get_by_test_id("agent-opening-statement")).to_have_text("我是AI学术助手，请上传文档或提出问题")
    expect(page.get_by_test_id("agent-suggested-question")).to_have_count(3)
    page.get_by_test_id("agent-suggested-question").first.click()

    step = page.get_by_test_id("tool-step")
    expect(step).to_have_count(1)
    expect(page.get_by_test_id("tool-step-summary")).to_contain_text("research_assistant")
    expect(page.get_by_test_id("agent-thought")).to_have_text("我先查一下学术知识库。")
    bubble = page.get_by_test_id("agent-chat-assistant")
    # The answer streams: a part of it shows before the whole.
    page.wait_for_function("""([el, full]) => el && el.textContent.length > 2 && el.textContent !== full
                                              && full.startsWith(el.textContent)""",
                           arg=[bubble.element_handle(), ANSWER], timeout=20_000)
    expect(bubble).to_have_text(ANSWER)
    expect(page.get_by_test_id("agent-turn-status")).to_have_text("succeeded")

    expect(page.get_by_test_id("tool-step-arguments")).not_to_be_visible()  # collapsed until opened
    page.get_by_test_id("tool-step-summary").click()
    expect(page.get_by_test_id("tool-step-arguments")).to_contain_text('"query": "LoRA 为什么省显存"')
    expect(page.get_by_test_id("tool-step-result")).to_contain_text("LoRA 只训练低秩矩阵")
    expect(page.get_by_test_id("tool-step-summary")).to_contain_text(re.compile(r"\d+(ms|\.\d+s)"))

    tools = requests_with_tools(model_server.requests)
    assert [t["function"]["name"] for t in tools[0]["tools"]] == ["read_file", "research_assistant", "search_knowledge"]
    assert tools[0]["messages"][0]["content"].startswith("# 角色")
    tool_message = next(m for m in tools[1]["messages"] if m["role"] == "tool")
    assert tool_message["tool_call_id"] == "call_ra" and "LoRA 只训练低秩矩阵" in tool_message["content"]

    page.get_by_test_id("agent-turn-trace").click()
    expect(page.get_by_test_id("agent-trace-status")).to_have_text("succeeded")
    expect(page.get_by_test_id("agent-trace-model")).to_have_count(2)
    expect(page.get_by_test_id("agent-trace-tool")).to_have_count(1)
    expect(page.get_by_test_id("agent-gantt").locator(".gantt-row")).to_have_count(3)
    page.get_by_test_id("agent-trace-model").first.locator("summary").click()
    expect(page.get_by_test_id("agent-trace-model-detail").first).to_contain_text("# 角色")
    expect(page.get_by_test_id("agent-trace-model-detail").first).to_contain_text(
        "tools offered: read_file, research_assistant, search_knowledge")
    page.get_by_test_id("agent-trace-tool").locator("summary").click()
    expect(page.get_by_test_id("agent-trace-tool-detail")).to_contain_text(workflow_id)

    page.get_by_test_id("agent-tab-preview").click()
    page.get_by_test_id("agent-chat-restart").click()
    expect(page.get_by_test_id("agent-turn")).to_have_count(0)
    expect(page.get_by_test_id("agent-suggested-question")).to_have_count(3)


def requests_with_tools(requests: list[dict]) -> list[dict]:
    return [r for r in requests if r.get("tools")]


def test_create_edit_autosave_publish_and_call_the_api(page, loom_server, model_server, tmp_path):
    model_server.respond_with(lambda body: Reply("Hello from the tutor.", chunk_size=4))
    page.goto("/agents")
    page.get_by_test_id("new-agent").click()
    page.get_by_test_id("agent-create-name").fill("Maths tutor")
    page.get_by_test_id("agent-create-submit").click()
    expect(page.get_by_test_id("agent-editor")).to_be_visible()
    agent_id = page.url.rsplit("/", 1)[1]

    page.get_by_test_id("persona-role").fill("A patient maths tutor.")
    page.get_by_test_id("persona-steps").fill("1. Ask what the student knows.\n2. Explain step by step.")
    page.get_by_test_id("agent-opening").fill("Hi! What are we learning today?")
    page.get_by_test_id("agent-questions").fill("What is a derivative?\nWhy is 0! = 1?")
    page.get_by_test_id("agent-max-steps").fill("3")
    page.get_by_test_id("preset-qa").click()
    page.get_by_test_id("skill-toggle-plugin:read_file/read_file").check()
    expect(page.get_by_test_id("save-state")).to_have_text("Saved", timeout=10_000)

    def saved() -> dict:
        return httpx.get(f"{loom_server}/api/agents/{agent_id}", timeout=10).json()["config"]

    deadline = time.monotonic() + 10
    while saved()["max_steps"] != 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    config = saved()
    assert config["persona"] == ("# Role\nA patient maths tutor.\n\n"
                                 "# Steps\n1. Ask what the student knows.\n2. Explain step by step.")
    assert config["opening_statement"] == "Hi! What are we learning today?"
    assert config["suggested_questions"] == ["What is a derivative?", "Why is 0! = 1?"]
    assert config["params"]["temperature"] == 0 and config["max_steps"] == 3
    assert config["skills"] == [{"type": "plugin", "plugin": "read_file", "tool": "read_file", "name": None,
                                 "description": None}]

    page.get_by_test_id("agent-max-steps").fill("99")  # over the limit: the server refuses, the page says why
    expect(page.get_by_test_id("save-state")).to_have_text("Not saved: fix the errors")
    expect(page.get_by_test_id("save-error")).to_contain_text("max_steps")
    page.get_by_test_id("agent-max-steps").fill("4")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    expect(page.get_by_test_id("save-error")).to_have_count(0)

    notes = tmp_path / "notes.txt"
    notes.write_text("Derivatives measure change.", encoding="utf-8")
    page.get_by_test_id("agent-attach").set_input_files(str(notes))
    expect(page.get_by_test_id("agent-attached")).to_contain_text("notes.txt")
    page.get_by_test_id("agent-chat-input").fill("Summarise my notes")
    page.get_by_test_id("agent-chat-send").click()
    expect(page.get_by_test_id("agent-chat-assistant")).to_have_text("Hello from the tutor.")
    expect(page.get_by_test_id("agent-attached")).to_have_count(0)
    sent = model_server.requests[-1]
    assert sent["messages"][0]["content"].startswith("# Role\nA patient maths tutor.")
    assert any("attached these files" in m["content"] and "notes.txt" in m["content"] for m in sent["messages"])

    page.get_by_test_id("agent-tab-publish").click()
    page.get_by_test_id("agent-publish-button").click()
    expect(page.get_by_test_id("agent-publish-message")).to_contain_text("Published version 1")
    page.get_by_test_id("agent-create-key").click()
    key = page.get_by_test_id("agent-api-key").inner_text()
    curl = page.get_by_test_id("agent-curl").inner_text()
    assert f"/v1/apps/{agent_id}/chat" in curl and key in curl
    reply = httpx.post(f"{loom_server}/v1/apps/{agent_id}/chat", headers={"Authorization": f"Bearer {key}"},
                       json={"query": "Hello", "response_mode": "blocking"}, timeout=30).json()
    assert (reply["status"], reply["answer"]) == ("succeeded", "Hello from the tutor.")

    page.get_by_role("link", name="← Agent apps").click()
    expect(page.get_by_test_id("agent-card")).to_have_count(1)
    expect(page.get_by_test_id("agent-card")).to_contain_text("v1")
    page.get_by_test_id("duplicate-agent").click()
    expect(page.get_by_test_id("agent-card")).to_have_count(2)
    expect(page.get_by_test_id("agent-list")).to_contain_text("Maths tutor (copy)")
    page.once("dialog", lambda d: d.accept())
    page.get_by_test_id("delete-agent").last.click()
    expect(page.get_by_test_id("agent-card")).to_have_count(1)
