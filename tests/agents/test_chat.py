"""The agent loop through the console API against the scripted OpenAI-compatible server, which issues real
``tool_calls``: tools run, results go back as ``tool`` messages, failures go back as errors, parallel calls
run concurrently, results are cut to the budget, the step limit ends the turn, and every step is traced."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.agents.conftest import call, create_agent, echo_workflow, publish_workflow
from tests.doubles.openai_server import Reply

CLOCK = {"type": "plugin", "plugin": "current_time", "tool": "current_time"}
HTTP = {"type": "plugin", "plugin": "http_request", "tool": "http_request"}


class ToyAPI:
    """A local HTTP API (test double): ``/wait`` answers only once two requests wait at once; ``/big`` is large."""

    def __init__(self) -> None:
        barrier = threading.Barrier(2, timeout=5)

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                if self.path.startswith("/wait"):
                    try:
                        barrier.wait()
                        body = b'{"met": true}'
                    except threading.BrokenBarrierError:
                        body = b'{"met": false}'
                else:
                    body = json.dumps({"rows": ["x" * 50] * 200}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def toy_api():
    api = ToyAPI()
    yield api
    api.close()


async def test_tool_call_result_goes_back_and_the_turn_is_traced(client, openai_server):
    openai_server.push(Reply(tool_calls=[call("current_time", {"timezone": "Asia/Shanghai"}, "c1")]),
                       "It is morning in Shanghai.")
    agent_id = await create_agent(client, skills=[CLOCK])
    reply = (await client.post(f"/api/agents/{agent_id}/chat", json={"query": "What time is it?"})).json()
    assert (reply["status"], reply["answer"]) == ("succeeded", "It is morning in Shanghai.")

    first, second = openai_server.requests
    assert [t["function"]["name"] for t in first["tools"]] == ["current_time"]
    assert first["tools"][0]["function"]["parameters"]["properties"]["timezone"]["type"] == "string"
    assert [m["role"] for m in second["messages"]] == ["system", "user", "assistant", "tool"]
    assistant, tool = second["messages"][2:]
    assert assistant["tool_calls"][0]["id"] == "c1" and tool["tool_call_id"] == "c1"
    assert json.loads(tool["content"])["timezone"] == "Asia/Shanghai"

    turn = (await client.get(f"/api/agent-turns/{reply['run_id']}")).json()
    assert [s["kind"] for s in turn["trace"]] == ["model", "tool", "model"]
    model, tool_step, _ = turn["trace"]
    assert model["messages"] == first["messages"] and model["usage"]["total_tokens"] > 0
    assert model["latency_ms"] > 0 and model["tool_calls"][0]["id"] == "c1"
    assert tool_step["arguments"] == {"timezone": "Asia/Shanghai"} and tool_step["error"] is None
    assert tool_step["elapsed_ms"] >= 0 and "Asia/Shanghai" in tool_step["result"]
    assert turn["usage"]["total_tokens"] == sum(s["usage"]["total_tokens"] for s in turn["trace"]
                                                if s["kind"] == "model")
    listed = (await client.get(f"/api/agents/{agent_id}/turns")).json()["items"]
    assert [t["id"] for t in listed] == [reply["run_id"]]


async def test_failing_tools_return_their_error_to_the_model(client, openai_server):
    openai_server.push(Reply(tool_calls=[call("current_time", {"timezone": "Mars/Olympus"}, "bad-zone"),
                                         call("teleport", {}, "unknown"),
                                         call("current_time", "{not json", "bad-json")]),
                       "Sorry, I could not tell the time.")
    agent_id = await create_agent(client, skills=[CLOCK])
    reply = (await client.post(f"/api/agents/{agent_id}/chat", json={"query": "time on Mars?"})).json()
    assert reply["status"] == "succeeded" and reply["answer"] == "Sorry, I could not tell the time."
    errors = {m["tool_call_id"]: json.loads(m["content"])["error"]
              for m in openai_server.requests[1]["messages"] if m["role"] == "tool"}
    assert "unknown time zone 'Mars/Olympus'" in errors["bad-zone"]
    assert errors["unknown"] == "there is no tool named 'teleport' (tools: current_time)"
    assert errors["bad-json"].startswith("the arguments are not valid JSON")


async def test_parallel_tool_calls_run_concurrently(client, openai_server, toy_api):
    # The toy API answers {"met": true} only when both requests are in flight at the same time.
    openai_server.push(Reply(tool_calls=[call("http_request", {"url": f"{toy_api.url}/wait?n={n}"}, f"c{n}")
                                         for n in (1, 2)]), "done")
    agent_id = await create_agent(client, skills=[HTTP])
    reply = (await client.post(f"/api/agents/{agent_id}/chat", json={"query": "fetch both"})).json()
    assert reply["status"] == "succeeded"
    results = [json.loads(m["content"]) for m in openai_server.requests[1]["messages"] if m["role"] == "tool"]
    assert [r["json"] for r in results] == [{"met": True}, {"met": True}]


async def test_results_are_cut_to_the_budget(client, openai_server, toy_api):
    openai_server.push(Reply(tool_calls=[call("http_request", {"url": f"{toy_api.url}/big"}, "c1")]), "ok")
    agent_id = await create_agent(client, skills=[HTTP], result_budget=300)
    reply = (await client.post(f"/api/agents/{agent_id}/chat", json={"query": "fetch"})).json()
    content = [m for m in openai_server.requests[1]["messages"] if m["role"] == "tool"][0]["content"]
    assert len(content) < 400 and content.endswith("characters omitted]")
    step = [s for s in (await client.get(f"/api/agent-turns/{reply['run_id']}")).json()["trace"]
            if s["kind"] == "tool"][0]
    assert step["truncated"] is True and step["size"] > 20_000


async def test_the_step_limit_ends_the_turn_with_a_clear_message(client, openai_server):
    openai_server.respond_with(lambda body: Reply(tool_calls=[call("current_time", {}, f"c{len(body['messages'])}")]))
    agent_id = await create_agent(client, skills=[CLOCK], max_steps=2)
    reply = (await client.post(f"/api/agents/{agent_id}/chat", json={"query": "loop forever"})).json()
    assert reply["status"] == "step_limit"
    assert reply["answer"].startswith("I stopped after 2 tool step(s) without reaching an answer")
    assert len(openai_server.requests) == 3  # two tool rounds, then one more chance to answer


async def test_a_published_workflow_runs_as_a_tool_and_is_recorded(client, openai_server):
    workflow_id = await publish_workflow(client, echo_workflow("shout"))
    openai_server.push(Reply(tool_calls=[call("shout", {"text": "hello"}, "w1")]), "The workflow said hello.")
    agent_id = await create_agent(client, skills=[{"type": "workflow", "workflow": "shout"}])
    reply = (await client.post(f"/api/agents/{agent_id}/chat", json={"query": "shout hello"})).json()
    assert reply["answer"] == "The workflow said hello."
    tool = [m for m in openai_server.requests[1]["messages"] if m["role"] == "tool"][0]
    assert json.loads(tool["content"]) == {"text": "hello", "times": 1}
    step = [s for s in (await client.get(f"/api/agent-turns/{reply['run_id']}")).json()["trace"]
            if s["kind"] == "tool"][0]
    run = (await client.get(f"/api/runs/{step['run_id']}")).json()
    assert (run["workflow_id"], run["source"], run["version"], run["status"]) == (workflow_id, "agent", 1, "succeeded")


async def test_a_failing_workflow_run_is_reported_to_the_model(client, openai_server):
    await publish_workflow(client, echo_workflow("shout"))
    openai_server.push(Reply(tool_calls=[call("echo", {"times": 2}, "w1")]), "I need the text.")
    agent_id = await create_agent(client, skills=[{"type": "workflow", "workflow": "shout", "name": "echo"}])
    reply = (await client.post(f"/api/agents/{agent_id}/chat", json={"query": "shout"})).json()
    assert reply["status"] == "succeeded"
    tool = [m for m in openai_server.requests[1]["messages"] if m["role"] == "tool"][0]
    error = json.loads(tool["content"])["error"]
    assert error.startswith("workflow run failed:") and "text" in error, error
    step = [s for s in (await client.get(f"/api/agent-turns/{reply['run_id']}")).json()["trace"]
            if s["kind"] == "tool"][0]
    assert (await client.get(f"/api/runs/{step['run_id']}")).json()["status"] == "failed"


async def test_conversations_keep_history_within_the_memory_window(client, openai_server):
    openai_server.push("one", "two", "three")
    agent_id = await create_agent(client, memory_window=1)
    first = (await client.post(f"/api/agents/{agent_id}/chat", json={"query": "q1"})).json()
    conversation = {"conversation_id": first["conversation_id"]}
    await client.post(f"/api/agents/{agent_id}/chat", json={"query": "q2", **conversation})
    await client.post(f"/api/agents/{agent_id}/chat", json={"query": "q3", **conversation})
    sent = [(m["role"], m["content"]) for m in openai_server.requests[2]["messages"]]
    assert sent == [("system", "You are a careful assistant."), ("user", "q2"), ("assistant", "two"),
                    ("user", "q3")]
    messages = (await client.get(f"/api/agent-conversations/{first['conversation_id']}/messages")).json()["items"]
    assert [(m["query"], m["answer"]) for m in messages] == [("q1", "one"), ("q2", "two"), ("q3", "three")]
    conversations = (await client.get(f"/api/agents/{agent_id}/conversations")).json()["items"]
    assert [c["id"] for c in conversations] == [first["conversation_id"]]


async def test_a_model_failure_fails_the_turn_with_its_reason(client, openai_server):
    openai_server.push(Reply(status=400, error="context too long"))
    agent_id = await create_agent(client)
    reply = (await client.post(f"/api/agents/{agent_id}/chat", json={"query": "hi"})).json()
    assert reply["status"] == "failed" and "context too long" in reply["error"]
    turn = (await client.get(f"/api/agent-turns/{reply['run_id']}")).json()
    assert turn["status"] == "failed" and "context too long" in turn["trace"][0]["error"]


async def test_react_fallback_for_models_without_tool_calling(client, openai_server):
    openai_server.push('Thought: I need the time.\nAction: {"tool": "current_time", "arguments": {"timezone": "UTC"}}',
                       "Thought: done.\nFinal Answer: It is daytime in UTC.")
    agent_id = await create_agent(client, skills=[CLOCK], tool_calling="react")
    reply = (await client.post(f"/api/agents/{agent_id}/chat", json={"query": "time?"})).json()
    assert reply["answer"] == "It is daytime in UTC."
    first, second = openai_server.requests
    assert "tools" not in first and first["stop"] == ["\nObservation"]
    assert "Action: {\"tool\": \"<tool name>\"" in first["messages"][0]["content"]
    assert "current_time" in first["messages"][0]["content"]
    observation = second["messages"][-1]
    assert observation["role"] == "user" and observation["content"].startswith("Observation [current_time]: {")


async def test_a_model_stream_cut_short_fails_the_turn(client, openai_server):
    openai_server.push(Reply("The answer is", chunk_size=2, cut_after=2))
    agent_id = await create_agent(client)
    reply = (await client.post(f"/api/agents/{agent_id}/chat", json={"query": "hi"})).json()
    assert reply["status"] == "failed" and "model stream ended early" in reply["error"]
    turn = (await client.get(f"/api/agent-turns/{reply['run_id']}")).json()
    assert turn["status"] == "failed" and "model stream ended early" in turn["trace"][0]["error"]
