"""Embedding calls to OpenAI-compatible ``/embeddings`` routes (vLLM ``--task embed``, TEI, Ollama, hosted APIs).

Inputs are sent in batches of the model's ``max_batch_size``; each batch is one gateway call, with the model's
deadline, retries and error mapping. The answer's rows are put back in input order by their ``index``.
"""

from __future__ import annotations

from typing import Any

from modelhub.config import EndpointModel
from modelhub.gateway import Gateway, ModelError


def require_task(gateway: Gateway, name: str, task: str) -> EndpointModel:
    """The model ``name`` resolves to, refusing one registered for another task."""
    model = gateway.resolve(name)
    if model.task != task:
        raise ModelError(f"model '{name}' is {_a(model.task)} model, not {_a(task)} model")
    return model


def _a(task: str) -> str:
    return ("an " if task[0] in "aeiou" else "a ") + task


def batches(items: list[str], size: int) -> list[tuple[int, list[str]]]:
    """(offset, slice) pairs of at most ``size`` items."""
    return [(start, items[start:start + size]) for start in range(0, len(items), max(size, 1))]


async def embed(gateway: Gateway, name: str, texts: list[str]) -> list[list[float]]:
    """One vector per text, in order."""
    model = require_task(gateway, name, "embedding")
    vectors: list[list[float]] = []
    for _, part in batches(texts, model.max_batch_size):
        data = await gateway.post_json(name, "/embeddings", {"input": part, "encoding_format": "float"})
        vectors.extend(_rows(name, data, len(part)))
    return vectors


def _rows(name: str, data: dict[str, Any], expected: int) -> list[list[float]]:
    rows = data.get("data")
    if not isinstance(rows, list) or len(rows) != expected:
        got = len(rows) if isinstance(rows, list) else "no"
        raise ModelError(f"model '{name}' answered {got} embedding(s) for {expected} input(s)")
    try:
        ordered = sorted(rows, key=lambda r: int(r.get("index", 0)))
        vectors = [[float(x) for x in r["embedding"]] for r in ordered]
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ModelError(f"model '{name}' returned embeddings in an unexpected shape: {str(rows)[:200]!r}") from None
    if len({len(v) for v in vectors}) > 1 or any(not v for v in vectors):
        raise ModelError(f"model '{name}' returned embeddings of differing or zero length")
    return vectors
