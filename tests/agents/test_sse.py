"""Streaming agent chat over real HTTP (live uvicorn): the model's streamed ``tool_calls`` are assembled,
and the SSE stream carries the tool call, its result and the answer chunks, then the reply."""

from __future__ import annotations

import json

import httpx

from server.app import create_app
from server.settings import Settings
from tests.agents.conftest import agent, call
from tests.doubles.openai_server import Reply
from tests.helpers import catalog_with_test_nodes
from tests.server.conftest import LiveServer
from tests.server.helpers import parse_sse


def test_streaming_chat_through_the_public_route(data_dir, services, openai_server):
    openai_server.push(Reply(content="Let me check. ", tool_calls=[call("current_time", {"timezone": "UTC"}, "c1")]),
                       Reply(content="It is noon in UTC.", chunk_size=4))
    app = create_app(Settings(data_dir=data_dir), services=services, catalog=catalog_with_test_nodes())
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        agent_id = http.post("/api/agents", json=agent(skills=[
            {"type": "plugin", "plugin": "current_time", "tool": "current_time"}])).json()["id"]
        http.post(f"/api/agents/{agent_id}/publish")
        key = http.post(f"/api/agents/{agent_id}/keys").json()["key"]
        with http.stream("POST", f"/v1/apps/{agent_id}/chat", headers={"Authorization": f"Bearer {key}"},
                         json={"query": "time?", "response_mode": "streaming"}) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            frames = parse_sse(response.read().decode())
    kinds = [k for k, _ in frames]
    assert kinds[:3] == ["conversation", "turn_started", "model_started"]
    assert kinds[-2:] == ["turn_finished", "message"]
    order = [k for k in kinds if k in ("tool_call", "tool_result", "model_finished")]
    assert order == ["model_finished", "tool_call", "tool_result", "model_finished"]
    tool_call = next(d for k, d in frames if k == "tool_call")
    assert (tool_call["call_id"], tool_call["tool"], json.loads(tool_call["arguments"])) == ("c1", "current_time",
                                                                                           {"timezone": "UTC"})
    result = next(d for k, d in frames if k == "tool_result")
    assert result["error"] is None and json.loads(result["result"])["timezone"] == "UTC"
    answer_chunks = [d["delta"] for k, d in frames if k == "text_chunk" and d["step"] == 2]
    assert answer_chunks == ["It i", "s no", "on i", "n UT", "C."]
    thoughts = "".join(d["delta"] for k, d in frames if k == "text_chunk" and d["step"] == 1)
    assert thoughts == "Let me check. "
    message = frames[-1][1]
    assert (message["answer"], message["status"]) == ("It is noon in UTC.", "succeeded")
    assert [f[1]["seq"] for f in frames[1:-1]] == list(range(1, len(frames) - 1))
    assert openai_server.requests[0]["stream"] is True
