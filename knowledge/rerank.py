"""Rerank: score (query, chunk) pairs with a sentence-transformers CrossEncoder, loaded once per process."""

from __future__ import annotations

import threading
from typing import Any

from knowledge.embedding import resolve_model
from knowledge.errors import EmbeddingError

_MODELS: dict[str, Any] = {}
_LOCK = threading.Lock()


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
    """Relevance in [0, 1] (the CrossEncoder's sigmoid output) for each text."""
    if not texts:
        return []
    model = get_cross_encoder(model_name)
    with _LOCK:
        scores = model.predict([(query, t) for t in texts], show_progress_bar=False)
    return [float(s) for s in scores]
