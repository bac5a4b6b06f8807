"""Registered embedding and rerank models reach the knowledge bases.

Knowledge does not import the model hub; this module plugs the hub's models into knowledge's seams. A KB's
embedding or rerank model name resolves, in order, to an endpoint of that task (configured or registered: its
calls go through the gateway, with batching, retries and timeouts), to a registered base model of that task
(a local sentence-transformers folder, loaded in process), or else to a local model by name or path.
"""

from __future__ import annotations

from pathlib import Path

from knowledge import embedding as knowledge_embedding
from knowledge import rerank as knowledge_rerank
from knowledge.embedding import Embedder, SentenceTransformerEmbedder
from knowledge.remote import RemoteEmbedder, RemoteReranker
from knowledge.rerank import CrossEncoderReranker, Reranker
from modelhub.blocking import BlockingModels
from modelhub.gateway import Gateway


class KnowledgeModels:
    """The factories knowledge asks for embedders and rerankers (one per process; the latest gateway wins)."""

    def __init__(self) -> None:
        self.calls: BlockingModels | None = None

    def attach(self, gateway: Gateway) -> None:
        old, self.calls = self.calls, BlockingModels(gateway)
        if old is not None:
            old.close()
        knowledge_embedding.register_factory(self.embedder)
        knowledge_rerank.register_factory(self.reranker)
        knowledge_rerank.forget()  # rerankers chosen through the old gateway
        knowledge_embedding.forget_plugged()  # embedders calling the old (closed) gateway or a stale registry

    def _local_source(self, name: str, task: str) -> str | None:
        """The folder of a registered base model of ``task`` named ``name``."""
        registry = getattr(self.calls.gateway.registry, "registry", None) if self.calls else None
        row = registry.find_model(name) if registry is not None else None
        if row is None or row.kind != "base" or row.spec.get("task", "chat") != task:
            return None
        return str(Path(row.spec["source"]))

    def embedder(self, name: str) -> Embedder | None:
        calls = self.calls
        if calls is None:
            return None
        if calls.task_of(name) == "embedding":
            return RemoteEmbedder(name, calls.embed)
        source = self._local_source(name, "embedding")
        if source is None:
            return None
        local = SentenceTransformerEmbedder(source)
        local.name = name
        return local

    def reranker(self, name: str) -> Reranker | None:
        calls = self.calls
        if calls is None:
            return None
        if calls.task_of(name) == "rerank":
            return RemoteReranker(name, calls.rerank)
        source = self._local_source(name, "rerank")
        return CrossEncoderReranker(name, source) if source is not None else None


MODELS = KnowledgeModels()
