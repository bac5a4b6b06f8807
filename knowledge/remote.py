"""Embedders and rerankers served by model endpoints, behind knowledge's own interfaces.

Knowledge does not import the model hub: whoever owns the endpoints (the server) hands in two blocking calls,
``embed(model, texts) -> vectors`` and ``rerank(model, query, documents) -> scores``, which carry batching,
retries and timeouts. Vectors come back normalised to unit length (cosine = inner product, as in the index).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from knowledge.embedding import Embedder
from knowledge.errors import EmbeddingError
from knowledge.rerank import Reranker

EmbedCall = Callable[[str, list[str]], list[list[float]]]
RerankCall = Callable[[str, str, list[str]], list[float]]
PROBE = "dimension probe"


class RemoteEmbedder(Embedder):
    """A registered embedding endpoint; its dimension is learnt from one probe call when it is first used."""

    def __init__(self, name: str, call: EmbedCall, *, query_prefix: str = "", passage_prefix: str = ""):
        self.name, self._call = name, call
        self.query_prefix, self.passage_prefix = query_prefix, passage_prefix
        self.dimension = 0
        self.dimension = int(self._vectors([PROBE]).shape[1])

    def _vectors(self, texts: list[str]) -> np.ndarray:
        try:
            rows = self._call(self.name, texts)
        except EmbeddingError:
            raise
        except Exception as exc:  # the hub's ModelError and the like: a message that names the model
            raise EmbeddingError(_naming(f"embedding model '{self.name}'", self.name, exc)) from None
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(texts), -1)
        if self.dimension and vectors.shape[1] != self.dimension:
            raise EmbeddingError(f"embedding model '{self.name}' now gives {vectors.shape[1]}-dimensional vectors, "
                                 f"not {self.dimension}: was its endpoint pointed at another model?")
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.where(norms == 0, 1.0, norms), dtype=np.float32)

    def encode_passages(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Batching is the endpoint's (its registered ``max_batch_size``), not ``batch_size``."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._vectors([self.passage_prefix + t for t in texts])

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._vectors([self.query_prefix + t for t in texts])


class RemoteReranker(Reranker):
    """A registered rerank endpoint."""

    def __init__(self, name: str, call: RerankCall):
        self.name, self._call = name, call

    def scores(self, query: str, texts: list[str]) -> list[float]:
        try:
            scores = self._call(self.name, query, texts)
        except Exception as exc:  # the hub's ModelError and the like
            raise EmbeddingError(_naming(f"rerank model '{self.name}'", self.name, exc)) from None
        if len(scores) != len(texts):
            raise EmbeddingError(f"rerank model '{self.name}' scored {len(scores)} of {len(texts)} texts")
        return [float(s) for s in scores]


def _naming(prefix: str, name: str, exc: Exception) -> str:
    """The error's message, led by ``prefix`` unless it names the model already."""
    text = str(exc) or type(exc).__name__
    return text if f"'{name}'" in text else f"{prefix}: {text}"
