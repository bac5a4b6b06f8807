"""The console's logs: runs listed with filters (status, source, version, conversation, text in their inputs) and
paging; every run records where it came from (debug, console, api); the trace shows the prompts LLM nodes sent;
re-run; migration 0010 relabels the draft's runs recorded before it, 0011 indexes an app's runs by source."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import inspect

from engine.spec import Services
from modelhub.config import EndpointModel
from modelhub.gateway import Gateway
from server.db.store import open_engine
from tests.helpers import chain, node, start, workflow
from tests.server.conftest import asgi_client, running_app
from tests.server.helpers import echo_workflow, sleepy_workflow
from tests.server.migrations import database_at, downgrade, scalar, workflow_row

PREVIOUS_HEAD = "0009_conversation_variables"


async def create(client: httpx.AsyncClient, definition: dict[str, Any]) -> str:
    response = await client.post("/api/workflows", json=definition)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def runs(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/runs", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_runs_record_their_source_and_filter_by_source_version_status_and_text(client) -> None:
    workflow_id = await create(client, echo_workflow())
    draft = (await client.post(f"/api/workflows/{workflow_id}/runs",
                               json={"inputs": {"text": "Hello World"}})).json()["run_id"]
    assert (await client.post(f"/api/workflows/{workflow_id}/publish")).status_code == 201
    console = (await client.post(f"/api/workflows/{workflow_id}/runs",
                                 json={"inputs": {"text": "需要发票"}, "version": 1})).json()["run_id"]
    key = (await client.post(f"/api/workflows/{workflow_id}/keys", json={})).json()["key"]
    api = (await client.post(f"/v1/workflows/{workflow_id}/run", headers={"Authorization": f"Bearer {key}"},
                             json={"inputs": {"text": "100% sure_thing"}})).json()["run_id"]
    other = await create(client, sleepy_workflow(fail_times=1))
    failed = (await client.post(f"/api/workflows/{other}/runs", json={"inputs": {"text": "x"}})).json()["run_id"]

    def ids(page: dict[str, Any]) -> list[str]:
        return [r["run_id"] for r in page["items"]]

    every = await runs(client, workflow_id=workflow_id)
    assert ids(every) == [api, console, draft] and every["total"] == 3  # newest first
    assert {r["run_id"]: r["source"] for r in every["items"]} == {draft: "debug", console: "console", api: "api"}
    for source, expected in (("debug", [draft]), ("console", [console]), ("api", [api])):
        assert ids(await runs(client, workflow_id=workflow_id, source=source)) == expected
    assert ids(await runs(client, workflow_id=workflow_id, version="draft")) == [draft]
    assert ids(await runs(client, workflow_id=workflow_id, version=1)) == [api, console]
    assert ids(await runs(client, status="failed")) == [failed]
    assert ids(await runs(client, workflow_id=workflow_id, status="failed")) == []
    # Text in the inputs, ignoring case; Chinese as stored (JSON may escape it); LIKE's wildcards are literal.
    assert ids(await runs(client, workflow_id=workflow_id, q="hello world")) == [draft]
    assert ids(await runs(client, workflow_id=workflow_id, q="发票")) == [console]
    assert ids(await runs(client, workflow_id=workflow_id, q="100%")) == [api]
    assert ids(await runs(client, workflow_id=workflow_id, q="s_re")) == []
    assert ids(await runs(client, workflow_id=workflow_id, q="re%th")) == []
    assert ids(await runs(client, workflow_id=workflow_id, q="e_t")) == [api]
    assert ids(await runs(client, workflow_id=workflow_id, q="0% s", source="api")) == [api]
    # Paging: the total counts every match.
    page = await runs(client, workflow_id=workflow_id, limit=2, offset=1)
    assert ids(page) == [console, draft] and page["total"] == 3
    resumed = (await client.post(f"/api/runs/{failed}/resume")).json()  # on the draft: a debug run
    again = (await client.get(f"/api/runs/{resumed['run_id']}")).json()
    assert (again["source"], again["resumed_from"]) == ("debug", failed)
    bad = await client.get("/api/runs", params={"version": "latest"})
    assert bad.status_code == 422 and "version" in bad.text
    assert (await client.get("/api/runs", params={"source": "chat"})).status_code == 422
    assert (await runs(client, source="agent"))["total"] == 0  # an agent's workflow skill runs it as "agent"


async def test_rerun_runs_the_same_version_with_the_same_inputs_from_the_console(client) -> None:
    workflow_id = await create(client, echo_workflow())
    assert (await client.post(f"/api/workflows/{workflow_id}/publish")).status_code == 201
    key = (await client.post(f"/api/workflows/{workflow_id}/keys", json={})).json()["key"]
    api = (await client.post(f"/v1/workflows/{workflow_id}/run", headers={"Authorization": f"Bearer {key}"},
                             json={"inputs": {"text": "again"}, "user": "ann"})).json()["run_id"]
    response = await client.post(f"/api/runs/{api}/rerun")
    assert response.status_code == 200, response.text
    assert response.json()["outputs"] == {"text": "again"}
    again = (await client.get(f"/api/runs/{response.json()['run_id']}")).json()
    assert (again["source"], again["version"], again["inputs"], again["user"]) == ("console", 1, {"text": "again"},
                                                                                  "ann")
    draft_run = (await client.post(f"/api/workflows/{workflow_id}/runs", json={"inputs": {"text": "d"}})).json()
    rerun = (await client.post(f"/api/runs/{draft_run['run_id']}/rerun", json={"response_mode": "async"}))
    assert rerun.status_code == 202
    assert (await client.get("/api/runs/unknown/rerun")).status_code in (404, 405)
    assert (await client.post("/api/runs/unknown/rerun")).status_code == 404


def llm_app(mode: str) -> dict[str, Any]:
    query = "sys.query" if mode == "chat" else "start.question"
    nodes = [start() if mode == "chat" else start("question"),
             node("llm", "llm", {"q": query},
                  config={"messages": [{"role": "system", "content": "Be brief."},
                                       {"role": "user", "content": "Question: {{q}}"}],
                          **({"memory": {"window": 5}} if mode == "chat" else {})}),
             node("end", "end", {"answer": "llm.text"})]
    return workflow(nodes, chain("start", "llm", "end"), name=f"assistant {mode}", mode=mode)


async def test_the_trace_shows_the_prompt_each_llm_node_sent(data_dir: Path, openai_server) -> None:
    openai_server.push("Paris.", "Two million.", "Blue.")
    gateway = Gateway({"default": EndpointModel(name="default", base_url=openai_server.url, model="m")})
    async with running_app(data_dir, services=Services(llm=gateway)) as app, asgi_client(app) as client:
        chat_id = await create(client, llm_app("chat"))
        first = (await client.post(f"/api/workflows/{chat_id}/chat", json={"query": "Capital of France?"})).json()
        second = (await client.post(f"/api/workflows/{chat_id}/chat", json={
            "query": "How big?", "conversation_id": first["conversation_id"]})).json()
        trace = (await client.get(f"/api/runs/{second['run_id']}")).json()
        llm = next(n for n in trace["nodes"] if n["node_id"] == "llm")
        assert [(m["role"], m["content"]) for m in llm["prompt"]] == [
            ("system", "Be brief."), ("user", "Capital of France?"), ("assistant", "Paris."),
            ("user", "Question: How big?")]
        assert llm["prompt"] == openai_server.requests[1]["messages"]
        assert llm["usage"] and trace["source"] == "debug"
        # The conversation's turns are its runs, filtered by conversation.
        turns = await runs(client, conversation_id=first["conversation_id"])
        assert [r["run_id"] for r in turns["items"]] == [second["run_id"], first["run_id"]]
        assert [r["query"] for r in turns["items"]] == ["How big?", "Capital of France?"]
        assert trace["query"] == "How big?"
        assert (await runs(client, workflow_id=chat_id, q="how big"))["total"] == 1
        refused = await client.post(f"/api/runs/{second['run_id']}/rerun")
        assert refused.status_code == 409 and first["conversation_id"] in refused.text

        flow_id = await create(client, llm_app("workflow"))
        run = (await client.post(f"/api/workflows/{flow_id}/runs", json={"inputs": {"question": "Sky?"}})).json()
        nodes = (await client.get(f"/api/runs/{run['run_id']}")).json()["nodes"]
        assert next(n for n in nodes if n["node_id"] == "llm")["prompt"] == [
            {"role": "system", "content": "Be brief."}, {"role": "user", "content": "Question: Sky?"}]
        assert all(n["prompt"] is None for n in nodes if n["node_id"] != "llm")


RUN_ROW = ("INSERT INTO runs (id, workflow_id, version, source, status, definition, inputs, sys, outputs, "
           "elapsed_ms, total_tokens, usage, created_at) VALUES (:id, :wf, :version, :source, 'succeeded', :d, "
           "'{}', '{}', '{}', 0, 0, '{}', :t)")


def indexes(url: str, table: str) -> set[str]:
    engine = open_engine(url)
    try:
        return {str(index["name"]) for index in inspect(engine).get_indexes(table)}
    finally:
        engine.dispose()


async def test_migrations_label_the_drafts_earlier_runs_debug_index_sources_and_downgrade(data_dir: Path) -> None:
    wf, definition = "d" * 32, json.dumps(echo_workflow())
    url = database_at(data_dir, PREVIOUS_HEAD, [
        workflow_row(wf, definition, mode="workflow"),
        (RUN_ROW, {"id": "r-draft", "wf": wf, "version": None, "source": "console", "d": definition}),
        (RUN_ROW, {"id": "r-version", "wf": wf, "version": 1, "source": "console", "d": definition}),
        (RUN_ROW, {"id": "r-api", "wf": wf, "version": 1, "source": "api", "d": definition})])
    async with running_app(data_dir) as app, asgi_client(app) as client:  # the server upgrades on start
        listed = await runs(client, workflow_id=wf)
        assert {r["run_id"]: r["source"] for r in listed["items"]} == {
            "r-draft": "debug", "r-version": "console", "r-api": "api"}
    assert "ix_runs_workflow_source_created" in indexes(url, "runs")
    downgrade(url, PREVIOUS_HEAD)
    assert "ix_runs_workflow_source_created" not in indexes(url, "runs")
    assert scalar(url, "SELECT source FROM runs WHERE id = 'r-draft'") == "console"
    assert scalar(url, "SELECT source FROM runs WHERE id = 'r-api'") == "api"
