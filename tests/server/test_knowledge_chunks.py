"""Chunk management and settings changes over HTTP with the real knowledge service."""

from __future__ import annotations

import pytest

from engine.spec import Services
from knowledge.service import KnowledgeService
from tests.server.conftest import asgi_client, running_app, wait_for

TEXT = ("Photosynthesis turns light, water and carbon dioxide into sugar in plant leaves.\n\n"
        "The Great Wall stretches across northern China for thousands of kilometres.\n\n"
        "Volcanoes erupt when magma rises through cracks in the crust of the earth.\n")
KB = "/api/knowledge-bases/notes"


@pytest.fixture
async def client(data_dir):
    knowledge = KnowledgeService(data_dir)
    async with running_app(data_dir, services=Services(knowledge=knowledge)) as app:
        async with asgi_client(app) as http:
            yield http
    knowledge.close()


async def indexed(client) -> str:
    created = await client.post("/api/knowledge-bases", json={"name": "notes", "settings": {
        "chunking": {"separators": ["\n\n"], "max_length": 90, "overlap": 0, "title_prefix": False}}})
    assert created.status_code == 201, created.text
    upload = await client.post(f"{KB}/documents", files=[("files", ("notes.txt", TEXT.encode(), "text/plain"))])
    document_id = upload.json()["items"][0]["document_id"]

    async def done():
        doc = (await client.get(f"{KB}/documents/{document_id}")).json()
        return doc if doc["status"] in ("ready", "failed") else None

    assert (await wait_for(done, timeout=120))["status"] == "ready"
    return document_id


async def hits(client, query: str) -> list[str]:
    response = await client.post(f"{KB}/search", json={"query": query, "top_k": 10, "score_threshold": 0})
    assert response.status_code == 200, response.text
    return [h["content"] for h in response.json()["items"]]


async def test_browse_edit_disable_add_delete_chunks(client) -> None:
    document_id = await indexed(client)
    page = (await client.get(f"{KB}/documents/{document_id}/chunks")).json()
    assert page["total"] == 3 and [c["enabled"] for c in page["items"]] == [True] * 3
    searched = (await client.get(f"{KB}/documents/{document_id}/chunks", params={"q": "magma"})).json()
    assert searched["total"] == 1 and "Volcanoes" in searched["items"][0]["content"]
    first, wall, volcano = (c["chunk_id"] for c in page["items"])

    edited = await client.patch(f"{KB}/chunks/{first}", json={"content": "Axolotls regrow their limbs."})
    assert edited.status_code == 200, edited.text
    assert edited.json()["content"] == "Axolotls regrow their limbs." and edited.json()["chunk_id"] != first
    assert "Axolotls" in (await hits(client, "axolotl limbs"))[0]
    assert (await client.get(f"{KB}/chunks/{first}")).status_code == 404

    disabled = await client.patch(f"{KB}/chunks/{wall}", json={"enabled": False})
    assert disabled.status_code == 200 and disabled.json()["enabled"] is False
    assert not any("Great Wall" in c for c in await hits(client, "great wall china"))

    added = await client.post(f"{KB}/documents/{document_id}/chunks", json={"content": "Penguins huddle in winter."})
    assert added.status_code == 201 and added.json()["position"] == 3
    assert "Penguins" in (await hits(client, "penguins winter"))[0]

    assert (await client.delete(f"{KB}/chunks/{volcano}")).status_code == 204
    assert not any("Volcanoes" in c for c in await hits(client, "volcano magma"))
    assert (await client.get(f"{KB}/documents/{document_id}")).json()["chunks"] == 3

    empty = await client.post(f"{KB}/documents/{document_id}/chunks", json={"content": "  "})
    assert empty.status_code == 400 and "content cannot be empty" in empty.text
    missing = await client.patch(f"{KB}/chunks/424242", json={"enabled": False})
    assert missing.status_code == 404 and "has no chunk 424242" in missing.text
    unknown = await client.get(f"{KB}/documents/nope/chunks")
    assert unknown.status_code == 404 and "no document 'nope'" in unknown.text


async def test_settings_save_and_rechunk(client) -> None:
    document_id = await indexed(client)
    saved = await client.patch(f"{KB}/settings", json={"retrieval": {"top_k": 3}, "description": "field notes"})
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["reindexing"] == [] and body["settings"]["retrieval"]["top_k"] == 3
    assert body["settings"]["description"] == "field notes"

    rechunked = await client.patch(f"{KB}/settings", json={"chunking": {"separators": ["\n\n"], "max_length": 500,
                                                                         "overlap": 0}})
    assert rechunked.status_code == 200 and rechunked.json()["reindexing"] == [document_id]

    async def done():
        doc = (await client.get(f"{KB}/documents/{document_id}")).json()
        return doc if doc["status"] == "ready" else None

    assert (await wait_for(done, timeout=120))["chunks"] == 1
    assert len(await hits(client, "great wall")) == 1

    bad = await client.patch(f"{KB}/settings", json={"chunking": {"max_length": 20, "overlap": 30}})
    assert bad.status_code == 422 and "overlap" in bad.text
