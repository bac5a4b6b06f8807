"""The publish panels: the endpoint of the app's kind with blocking and streaming examples in curl and Python
(the Python ones are run here, as a user would paste them, against the live server), and API keys named at
creation, listed with when each was last used, and revoked."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
from playwright.sync_api import expect

from tests.doubles.openai_server import Reply
from tests.e2e.helpers import create_workflow
from tests.e2e.test_canvas import simple
from tests.e2e.test_chat_preview import chat_app

pytestmark = pytest.mark.e2e


def run_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_workflow_publish_panel_names_keys_shows_python_and_last_use(page, loom_server, model_server):
    workflow_id = create_workflow(loom_server, simple())
    page.goto(f"/workflows/{workflow_id}")
    page.get_by_test_id("tab-publish").click()
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("versions")).to_contain_text("v1")
    page.get_by_test_id("key-name").fill("mobile app")
    page.get_by_test_id("create-key").click()
    key = page.get_by_test_id("api-key").inner_text()
    row = page.get_by_test_id("key-row")
    expect(row.get_by_test_id("key-name")).to_have_text("mobile app")
    expect(row.get_by_test_id("key-last-used")).to_have_text("never")

    page.get_by_test_id("example-python").click()
    blocking = page.get_by_test_id("python").inner_text()
    streaming = page.get_by_test_id("python-streaming").inner_text()
    url = f"{loom_server}/v1/workflows/{workflow_id}/run"
    assert url in blocking and url in streaming and f"Bearer {key}" in blocking
    blocking = blocking.replace('"query": "..."', '"query": "hi"')
    streaming = streaming.replace('"query": "..."', '"query": "hi"')

    model_server.push("published answer")
    assert run_python(blocking).strip() == "succeeded {'answer': 'published answer'}"
    model_server.push(Reply("streamed answer", chunk_size=4))
    out = run_python(streaming)
    assert out.startswith("streamed answer\n") and "succeeded {'answer': 'streamed answer'}" in out, out

    # The key was used: the list, shown again, says when.
    page.get_by_test_id("tab-publish").click()
    page.get_by_test_id("tab-publish").click()
    expect(page.get_by_test_id("key-row").get_by_test_id("key-last-used")).not_to_have_text("never")
    listed = httpx.get(f"{loom_server}/api/workflows/{workflow_id}/keys", timeout=10).json()["items"][0]
    assert listed["name"] == "mobile app" and listed["last_used_at"] is not None


def test_chat_workflow_python_examples_chat_and_stream_the_answer(page, loom_server, model_server):
    workflow_id = create_workflow(loom_server, chat_app())
    page.goto(f"/workflows/{workflow_id}")
    page.get_by_test_id("tab-publish").click()
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("versions")).to_contain_text("v1")
    page.get_by_test_id("create-key").click()
    expect(page.get_by_test_id("api-endpoint")).to_have_text(f"POST {loom_server}/v1/apps/{workflow_id}/chat")
    page.get_by_test_id("example-python").click()
    model_server.push("a chat reply")
    out = run_python(page.get_by_test_id("python").inner_text())
    assert out.splitlines()[0] == "a chat reply"
    model_server.push(Reply("a streamed reply", chunk_size=3))
    out = run_python(page.get_by_test_id("python-streaming").inner_text())
    lines = out.splitlines()
    assert lines[0] == "a streamed reply" and lines[1].startswith("conversation_id: "), out


def test_agent_publish_panel_python_streaming_example(page, loom_server, model_server):
    agent_id = httpx.post(f"{loom_server}/api/agents", json={"name": "Support bot", "persona": "Be kind."},
                          timeout=10).json()["id"]
    page.goto(f"/agents/{agent_id}")
    page.get_by_test_id("agent-tab-publish").click()
    page.get_by_test_id("agent-publish-button").click()
    expect(page.get_by_test_id("agent-publish-message")).to_contain_text("1")
    page.get_by_test_id("agent-key-name").fill("helpdesk")
    page.get_by_test_id("agent-create-key").click()
    expect(page.get_by_test_id("agent-keys").get_by_test_id("key-name")).to_have_text("helpdesk")
    expect(page.get_by_test_id("agent-api-endpoint")).to_have_text(f"POST {loom_server}/v1/apps/{agent_id}/chat")
    page.get_by_test_id("agent-example-python").click()
    model_server.push(Reply("Happy to help.", chunk_size=4))
    out = run_python(page.get_by_test_id("agent-python-streaming").inner_text())
    lines = out.splitlines()
    assert lines[0] == "Happy to help." and lines[1].startswith("conversation_id: "), out
