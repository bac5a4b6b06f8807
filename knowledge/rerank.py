"""Rerank: score (query, chunk) pairs with a ``Reranker``: a sentence-transformers CrossEncoder loaded once per
process, or one that plugs in with ``register_factory`` (a rerank endpoint, handed in by the server): a
factory gets the model name and returns a ``Reranker``, or None when the name is not its own. The reranker
chosen for a name is kept (a search does not ask the factories again) until ``forget`` drops it: call it when
the models a name may resolve to change (a model registered or deleted, a new gateway)."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from knowledge.embedding import resolve_model
from knowledge.errors import EmbeddingError

RerankerFactory = Callable[[str], "Reranker | None"]

_MODELS: dict[str, Any] = {}
_LOCK = threading.Lock()
_FACTORIES: list[RerankerFactory] = []
_RERANKERS: dict[str, Reranker] = {}  # name → the reranker chosen for it, until ``forget``


class Reranker(ABC):
    """A model that scores how well each text answers a query."""

    name: str

    @abstractmethod
    def scores(self, query: str, texts: list[str]) -> list[float]:
        """Relevance in [0, 1] for each text, in order."""


class CrossEncoderReranker(Reranker):
    """A local sentence-transformers CrossEncoder (a path, a bundled name, or a hub name already cached)."""

    def __init__(self, name: str, source: str | None = None):
        self.name, self.source = name, source or name

    def scores(self, query: str, texts: list[str]) -> list[float]:
        model = get_cross_encoder(self.source)
        with _LOCK:
            scores = model.predict([(query, t) for t in texts], show_progress_bar=False)
        return [float(s) for s in scores]


def register_factory(factory: RerankerFactory) -> None:
    """Let ``get_reranker`` build rerankers for names that ``factory`` recognises (tried before local models)."""
    with _LOCK:
        if factory not in _FACTORIES:
            _FACTORIES.append(factory)
        _RERANKERS.clear()


def forget(name: str | None = None) -> None:
    """Choose the reranker for ``name`` (every name when None) again at its next use."""
    with _LOCK:
        if name is None:
            _RERANKERS.clear()
        else:
            _RERANKERS.pop(name, None)


def get_reranker(name: str) -> Reranker:
    """The reranker for ``name``: a plugged-in one when a factory knows the name, else a local CrossEncoder;
    looked up once, then kept until ``forget``."""
    with _LOCK:
        known = _RERANKERS.get(name)
        factories = list(_FACTORIES)
    if known is not None:
        return known
    reranker = next((r for r in (factory(name) for factory in factories) if r is not None), None)
    reranker = reranker or CrossEncoderReranker(name)
    with _LOCK:
        return _RERANKERS.setdefault(name, reranker)


def get_cross_encoder(name: str) -> Any:
    """The shared CrossEncoder for ``name``."""
    with _LOCK:
        model = _MODELS.get(name)
        if model is None:
            from sentence_transformers import CrossEncoder
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()

            try:
                model = _MODELS[name] = CrossEncoder(resolve_model(name), device="cpu", num_labels=1)
            except Exception as exc:  # OSError, ValueError, hub errors
                raise EmbeddingError(f"cannot load rerank model '{name}': {exc}") from None
        return model


def rerank_scores(model_name: str, query: str, texts: list[str]) -> list[float]:
    """Relevance in [0, 1] for each text (a CrossEncoder's sigmoid output, or the endpoint's score)."""
    if not texts:
        return []
    return get_reranker(model_name).scores(query, texts)
