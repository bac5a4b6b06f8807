"""Recovery: a node that crashes inside a run fails that run and the server carries on; documents a stopped
server left queued or indexing are ingested again on start."""

from __future__ import annotations

import sqlite3
from typing import Any, Literal

import pytest

from engine.models import NodeDef, Strict
from engine.spec import NodeContext, NodeResult, NodeSpec, Services
from knowledge.service import KnowledgeService
from knowledge.store import INTERRUPTED
from tests.helpers import catalog_with_test_nodes, chain, end, node, start, workflow
from tests.server.conftest import asgi_client, running_app, wait_for
from tests.server.helpers import echo_workflow


class CrashConfig(Strict):
    """How the test node misbehaves."""

    how: Literal["raise", "unserialisable"] = "raise"


async def _crash(ctx: NodeContext, config: CrashConfig) -> NodeResult:
    if config.how == "raise":
        raise RuntimeError("boom")  # not a NodeError: a bug in the node
    return NodeResult(outputs={"value": object()})  # the run's events cannot be serialised


def _crash_outputs(node: NodeDef, config: CrashConfig, services: Services | None) -> dict[str, str]:
    return {"value": "any"}


CRASH = NodeSpec(type="crash", title="Crash (test)", config_model=CrashConfig, run=_crash, outputs=_crash_outputs)


def crashing_workflow(how: str) -> dict[str, Any]:
    nodes = [start("text"), node("bad", "crash", {"text": "start.text"}, config={"how": how}),
             end(value="bad.value")]
    return workflow(nodes, chain("start", "bad", "end"), name=f"crash-{how}")


@pytest.mark.parametrize(("how", "error"), [
    ("raise", "internal error: RuntimeError: boom"),
    ("unserialisable", "internal error: PydanticSerializationError"),
], ids=["node-raises", "engine-event-fails"])
async def test_a_crash_inside_a_run_fails_it_and_the_server_carries_on(data_dir, how, error):
    catalog = {**catalog_with_test_nodes(), "crash": CRASH}
    async with running_app(data_dir, catalog=catalog) as app, asgi_client(app) as client:
        workflow_id = (await client.post("/api/workflows", json=crashing_workflow(how))).json()["id"]
        assert (await client.post(f"/api/workflows/{workflow_id}/publish")).status_code == 201
        key = (await client.post(f"/api/workflows/{workflow_id}/keys")).json()["key"]
        response = await client.post(f"/v1/workflows/{workflow_id}/run", json={"inputs": {"text": "x"}},
                                     headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["status"] == "failed" and error in result["error"]

        recorded = (await client.get(f"/api/runs/{result['run_id']}")).json()
        assert recorded["status"] == "failed" and error in recorded["error"]
        assert (await client.get("/healthz")).json() == {"status": "ok", "runs_in_flight": 0,
                                                        "jobs": app.state.loom.jobs.running}
        echo_id = (await client.post("/api/workflows", json=echo_workflow())).json()["id"]
        after = (await client.post(f"/api/workflows/{echo_id}/runs", json={"inputs": {"text": "still up"}})).json()
        assert after["status"] == "succeeded" and after["outputs"] == {"text": "still up"}


async def test_documents_left_unfinished_are_ingested_on_start(data_dir):
    # A server stopped after queueing one document and while indexing another, left this behind:
    knowledge = KnowledgeService(data_dir)
    knowledge.create("notes")
    queued = knowledge.register_document("notes", "moon.txt", "静夜思 is a poem about moonlight.".encode())
    indexing = knowledge.register_document("notes", "wall.txt", b"The Great Wall crosses northern China.")
    knowledge.close()
    with sqlite3.connect(data_dir / "knowledge" / "notes" / "kb.sqlite") as db:
        db.execute("UPDATE documents SET status='indexing', progress=0.4 WHERE id=?", (indexing.document_id,))

    knowledge = KnowledgeService(data_dir)
    async with running_app(data_dir, services=Services(knowledge=knowledge)) as app, asgi_client(app) as client:
        async def settled():
            # The interrupted one reads as failed (INTERRUPTED) from the moment its store opens until its
            # turn to be ingested again comes.
            docs = (await client.get("/api/knowledge-bases/notes/documents")).json()["items"]
            done = all(d["status"] == "ready" or (d["status"] == "failed" and d["error"] != INTERRUPTED)
                       for d in docs)
            return docs if done else None

        docs = {d["document_id"]: d for d in await wait_for(settled, timeout=120)}
        assert {docs[queued.document_id]["status"], docs[indexing.document_id]["status"]} == {"ready"}
        assert all(d["error"] is None and d["chunks"] >= 1 for d in docs.values())
        hits = (await client.post("/api/knowledge-bases/notes/search",
                                  json={"query": "Great Wall", "mode": "keyword"})).json()["items"]
        assert hits and "Great Wall" in hits[0]["content"]
    knowledge.close()
