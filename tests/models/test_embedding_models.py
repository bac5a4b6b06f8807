"""Embedding and rerank models through the gateway, against the scripted OpenAI-compatible server: batching,
retries on 503, timeouts that name the model, task checks, and registration by task."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelhub.blocking import BlockingModels
from modelhub.config import EndpointModel
from modelhub.embeddings import embed
from modelhub.gateway import Gateway, ModelError
from modelhub.rerank_client import rerank
from modelhub.schemas import BaseModelCreate, EndpointCreate
from server.db.registry import Registry
from server.errors import InvalidRequestError
from tests.doubles.openai_server import Reply, ScriptedOpenAI


@pytest.fixture
def server() -> Iterator[ScriptedOpenAI]:
    with ScriptedOpenAI(dimensions={"embed-b": 12}) as s:
        yield s


def gateway_for(server: ScriptedOpenAI, **overrides: object) -> Gateway:
    spec: dict = {"base_url": server.url, "timeout_s": 5.0, "max_retries": 2}
    models = {
        "emb": EndpointModel(name="emb", model="embed-a", task="embedding", max_batch_size=4, **spec),
        "rr": EndpointModel(name="rr", model="rerank-a", task="rerank", max_batch_size=3, **spec),
        "chat": EndpointModel(name="chat", model="c", **spec),
    }
    for name, changes in overrides.items():
        models[name] = models[name].model_copy(update=changes)  # type: ignore[arg-type]
    return Gateway(models, backoff_s=0.01)


async def test_embeddings_are_batched_in_order_and_deterministic(server: ScriptedOpenAI) -> None:
    gateway = gateway_for(server)
    texts = [f"text number {i}" for i in range(10)]
    vectors = await embed(gateway, "emb", texts)
    assert len(vectors) == 10 and all(len(v) == 16 for v in vectors)
    assert [len(r["input"]) for r in server.requests] == [4, 4, 2]  # max_batch_size 4
    assert all(r["model"] == "embed-a" for r in server.requests)
    assert vectors[7] == server.vector("embed-a", "text number 7")  # rows put back in input order
    assert math.isclose(sum(x * x for x in vectors[0]), 1.0, rel_tol=1e-6)
    await gateway.aclose()


async def test_rerank_scores_in_document_order_across_batches(server: ScriptedOpenAI) -> None:
    gateway = gateway_for(server)
    documents = ["apples", "pears and plums", "red apples and pears", "nothing", "apples pears"]
    scores = await rerank(gateway, "rr", "apples pears", documents)
    assert scores == [0.5, 0.5, 1.0, 0.0, 1.0]
    assert [len(r["documents"]) for r in server.requests] == [3, 2]
    assert server.requests[0]["query"] == "apples pears" and server.requests[0]["top_n"] == 3
    assert all(p.endswith("/v1/rerank") for p in server.paths)
    await gateway.aclose()


async def test_a_503_is_retried(server: ScriptedOpenAI) -> None:
    server.push(Reply(status=503, error="loading"), Reply(status=503, error="loading"))
    gateway = gateway_for(server)
    vectors = await embed(gateway, "emb", ["once"])
    assert len(vectors) == 1 and len(server.requests) == 3
    server.push(*[Reply(status=503, error="still loading")] * 3)
    with pytest.raises(ModelError, match=r"model 'emb': HTTP 503: still loading \(after 3 attempt\(s\)\)"):
        await embed(gateway, "emb", ["again"])
    await gateway.aclose()


async def test_a_timeout_names_the_model(server: ScriptedOpenAI) -> None:
    server.push(Reply(delay_s=1.0))
    gateway = gateway_for(server, rr={"timeout_s": 0.3, "max_retries": 0})
    with pytest.raises(ModelError, match=r"model 'rr': timed out after 0.3 s"):
        await rerank(gateway, "rr", "q", ["d"])
    await gateway.aclose()


async def test_a_model_of_another_task_is_refused(server: ScriptedOpenAI) -> None:
    gateway = gateway_for(server)
    with pytest.raises(ModelError, match="model 'chat' is a chat model, not an embedding model"):
        await embed(gateway, "chat", ["x"])
    with pytest.raises(ModelError, match="model 'emb' is an embedding model, not a rerank model"):
        await rerank(gateway, "emb", "q", ["x"])
    assert server.requests == []
    await gateway.aclose()


def test_blocking_calls_from_a_thread(server: ScriptedOpenAI) -> None:
    models = BlockingModels(gateway_for(server))
    try:
        assert len(models.embed("emb", ["a", "b"])) == 2
        assert models.rerank("rr", "a", ["a", "b"]) == [1.0, 0.0]
        assert (models.task_of("emb"), models.task_of("chat"), models.task_of("nope")) == ("embedding", "chat", None)
    finally:
        models.close()


def test_registered_by_task(tmp_path: Path, server: ScriptedOpenAI) -> None:
    registry = Registry.for_data_dir(tmp_path)
    try:
        registry.add_endpoint(EndpointCreate(name="tei", base_url=server.url, model="embed-b", task="embedding",
                                             max_batch_size=32))
        registry.add_endpoint(EndpointCreate(name="llm", base_url=server.url, model="c"))
        folder = tmp_path / "reranker"
        folder.mkdir()
        registry.add_base(BaseModelCreate(name="local-rr", source=str(folder), task="rerank"))
        with pytest.raises(InvalidRequestError, match="rerank model 'hubby': 'org/some-model' is not a local"):
            registry.add_base(BaseModelCreate(name="hubby", source="org/some-model", task="rerank"))
        assert [r.name for r in registry.list_models(task="embedding")] == ["tei"]
        assert [r.name for r in registry.list_models(task="rerank")] == ["local-rr"]
        assert [r.name for r in registry.list_models(task="chat")] == ["llm"]
        assert registry.get_model("tei").spec["max_batch_size"] == 32
    finally:
        registry.close()
