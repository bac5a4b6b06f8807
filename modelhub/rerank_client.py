"""Rerank calls to ``/rerank`` routes in the shape vLLM, TEI (its OpenAI-style route), Jina and Cohere share:
``{"model", "query", "documents", "top_n"}`` → ``{"results": [{"index", "relevance_score"}, ...]}``.

Documents are sent in batches of the model's ``max_batch_size``, each one gateway call (deadline, retries,
error mapping); the scores come back in document order.
"""

from __future__ import annotations

import math
from typing import Any

from modelhub.embeddings import batches, require_task
from modelhub.gateway import Gateway, ModelError


async def rerank(gateway: Gateway, name: str, query: str, documents: list[str]) -> list[float]:
    """Relevance of each document to ``query``, in document order, in [0, 1] (raw logits pass a sigmoid)."""
    model = require_task(gateway, name, "rerank")
    scores: list[float] = []
    for _, part in batches(documents, model.max_batch_size):
        data = await gateway.post_json(name, "/rerank", {"query": query, "documents": part, "top_n": len(part)})
        scores.extend(_scores(name, data, len(part)))
    if any(s < 0.0 or s > 1.0 for s in scores):
        scores = [1.0 / (1.0 + math.exp(-s)) for s in scores]
    return scores


def _scores(name: str, data: dict[str, Any], expected: int) -> list[float]:
    results = data.get("results")
    if not isinstance(results, list):
        raise ModelError(f"model '{name}' returned no rerank results: {str(data)[:200]!r}")
    found: dict[int, float] = {}
    try:
        for item in results:
            score = item["relevance_score"] if "relevance_score" in item else item["score"]
            found[int(item["index"])] = float(score)
    except (KeyError, TypeError, ValueError):
        raise ModelError(f"model '{name}' returned rerank results in an unexpected shape: "
                         f"{str(results)[:200]!r}") from None
    if sorted(found) != list(range(expected)):
        raise ModelError(f"model '{name}' scored {len(found)} of {expected} document(s)")
    return [found[i] for i in range(expected)]
