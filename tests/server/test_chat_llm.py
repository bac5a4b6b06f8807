"""A chat app backed by an LLM node: the conversation history reaches the model as memory, and the answer
streams as text chunks. The model is a scripted OpenAI-compatible server on 127.0.0.1 (test double)."""

from __future__ import annotations

import pytest

from engine.spec import Services
from modelhub.config import EndpointModel
from modelhub.gateway import Gateway
from tests.doubles.openai_server import Reply
from tests.helpers import chain, node, start, workflow
from tests.server.conftest import asgi_client, running_app
from tests.server.helpers import parse_sse


def llm_chat() -> dict:
    nodes = [start(),
             node("llm", "llm", {"q": "sys.query"},
                  config={"messages": [{"role": "system", "content": "Be brief."},
                                       {"role": "user", "content": "{{q}}"}],
                          "memory": {"window": 5}}),
             node("end", "end", {"answer": "llm.text"})]
    return workflow(nodes, chain("start", "llm", "end"), name="assistant", mode="chat",
                    app={"opening_statement": "Ask me.", "suggested_questions": []})


async def test_history_is_fed_to_the_model_and_answers_stream(data_dir, openai_server):
    openai_server.push("Paris is the capital.", "It has 2 million people.")
    gateway = Gateway({"default": EndpointModel(name="default", base_url=openai_server.url, model="m")})
    async with running_app(data_dir, services=Services(llm=gateway)) as app, asgi_client(app) as client:
        workflow_id = (await client.post("/api/workflows", json=llm_chat())).json()["id"]
        first = (await client.post(f"/api/workflows/{workflow_id}/chat",
                                   json={"query": "Capital of France?"})).json()
        assert first["answer"] == "Paris is the capital."
        streamed = await client.post(f"/api/workflows/{workflow_id}/chat", json={
            "query": "How big is it?", "conversation_id": first["conversation_id"], "response_mode": "streaming"})
        frames = parse_sse(streamed.text)
        chunks = "".join(d["delta"] for k, d in frames if k == "text_chunk")
        assert chunks == "It has 2 million people."
        assert frames[-1][0] == "message" and frames[-1][1]["answer"] == chunks
    sent = openai_server.requests[1]["messages"]
    assert [(m["role"], m["content"]) for m in sent] == [
        ("system", "Be brief."), ("user", "Capital of France?"), ("assistant", "Paris is the capital."),
        ("user", "How big is it?")]
    await gateway.aclose()


def llm_run() -> dict:
    nodes = [start("q"), node("llm", "llm", {"q": "start.q"},
                              config={"messages": [{"role": "user", "content": "{{q}}"}]},
                              retry={"max_attempts": 2, "backoff_ms": 0}),
             node("end", "end", {"answer": "llm.text"})]
    return workflow(nodes, chain("start", "llm", "end"), name="writer")


@pytest.mark.parametrize("mode", ["blocking", "streaming"])
async def test_a_model_stream_cut_short_fails_the_run_after_the_node_retries(data_dir, openai_server, mode):
    openai_server.push(*[Reply("A long answer that never finishes.", cut_after=2)] * 2)
    gateway = Gateway({"default": EndpointModel(name="default", base_url=openai_server.url, model="m")})
    async with running_app(data_dir, services=Services(llm=gateway)) as app, asgi_client(app) as client:
        workflow_id = (await client.post("/api/workflows", json=llm_run())).json()["id"]
        await client.post(f"/api/workflows/{workflow_id}/publish")
        key = (await client.post(f"/api/workflows/{workflow_id}/keys")).json()["key"]
        response = await client.post(f"/v1/workflows/{workflow_id}/run", headers={"Authorization": f"Bearer {key}"},
                                     json={"inputs": {"q": "write"}, "response_mode": mode})
        if mode == "blocking":
            final = response.json()
        else:
            frames = parse_sse(response.text)
            final = frames[-1][1]
            assert frames[-1][0] == "run_finished"
            node_done = next(d for k, d in frames if k == "node_finished" and d["node_id"] == "llm")
            assert node_done["status"] == "failed" and node_done["attempts"] == 2
        assert final["status"] == "failed" and "model stream ended early" in final["error"]
    assert len(openai_server.requests) == 2
    await gateway.aclose()
