"""Knowledge bases over HTTP with the real knowledge service (real parsing, MiniLM embeddings, FAISS, BM25)."""

from __future__ import annotations

import pytest

from engine.spec import Services
from knowledge.service import KnowledgeService
from tests.server.conftest import asgi_client, running_app, wait_for

POEMS = ("静夜思 is a poem by 李白 about moonlight on the floor and thinking of home.\n\n"
         "Photosynthesis turns light, water and carbon dioxide into sugar in plant leaves.\n\n"
         "The Great Wall stretches across northern China for thousands of kilometres.\n")


@pytest.fixture
async def kb_client(data_dir):
    knowledge = KnowledgeService(data_dir)
    async with running_app(data_dir, services=Services(knowledge=knowledge), max_upload_bytes=50_000) as app:
        async with asgi_client(app) as client:
            yield client
    knowledge.close()


async def test_create_upload_ingest_search_and_delete(kb_client):
    client = kb_client
    created = await client.post("/api/knowledge-bases", json={
        "name": "notes", "settings": {"chunking": {"separators": ["\n\n"], "max_length": 90, "overlap": 0}}})
    assert created.status_code == 201, created.text
    assert created.json()["settings"]["chunking"]["max_length"] == 90
    assert (await client.post("/api/knowledge-bases", json={"name": "notes"})).status_code == 409

    upload = await client.post("/api/knowledge-bases/notes/documents",
                               files=[("files", ("notes.txt", POEMS.encode(), "text/plain"))])
    assert upload.status_code == 202, upload.text
    document_id = upload.json()["items"][0]["document_id"]

    async def ready():
        docs = (await client.get("/api/knowledge-bases/notes/documents")).json()["items"]
        return docs if docs[0]["status"] in ("ready", "failed") else None

    docs = await wait_for(ready, timeout=120)
    assert docs[0]["status"] == "ready" and docs[0]["chunks"] == 3 and docs[0]["progress"] == 1.0

    hits = await client.post("/api/knowledge-bases/notes/search",
                             json={"query": "how do plants make sugar", "mode": "vector", "top_k": 2,
                                   "score_threshold": 0})  # the ranking of both chunks
    assert hits.status_code == 200, hits.text
    items = hits.json()["items"]
    assert len(items) == 2 and "Photosynthesis" in items[0]["content"]
    assert items[0]["score"] >= items[1]["score"]

    preview = await client.post("/api/knowledge-bases/notes/preview",
                                files={"file": ("p.md", b"# A\n\nfirst part\n\nsecond part", "text/markdown")})
    assert preview.status_code == 200 and len(preview.json()["items"]) >= 1

    assert (await client.delete(f"/api/knowledge-bases/notes/documents/{document_id}")).status_code == 204
    assert (await client.get("/api/knowledge-bases/notes")).json()["documents"] == 0
    assert (await client.delete("/api/knowledge-bases/notes")).status_code == 204
    assert (await client.get("/api/knowledge-bases/notes")).status_code == 404


async def test_upload_limits_and_bad_documents(kb_client):
    client = kb_client
    await client.post("/api/knowledge-bases", json={"name": "kb"})
    exe = await client.post("/api/knowledge-bases/kb/documents", files=[("files", ("x.exe", b"MZ", "application/x"))])
    assert exe.status_code == 415 and "x.exe" in exe.json()["detail"]
    big = await client.post("/api/knowledge-bases/kb/documents",
                            files=[("files", ("big.txt", b"a" * 60_000, "text/plain"))])
    assert big.status_code == 413 and "big.txt" in big.json()["detail"]

    broken = await client.post("/api/knowledge-bases/kb/documents",
                               files=[("files", ("broken.pdf", b"%PDF-1.4 not really", "application/pdf"))])
    assert broken.status_code == 202

    async def settled():
        docs = (await client.get("/api/knowledge-bases/kb/documents")).json()["items"]
        return docs if docs[0]["status"] in ("ready", "failed") else None

    docs = await wait_for(settled, timeout=60)
    assert docs[0]["status"] == "failed" and "broken.pdf" in docs[0]["error"]
    assert (await client.post("/api/knowledge-bases/nope/search", json={"query": "x"})).status_code == 404
    assert (await client.post("/api/knowledge-bases", json={"name": "bad name!"})).status_code == 422
