"""Retrieval: vector, keyword and hybrid search over one KB, optional CrossEncoder rerank, threshold, top_k.

Scores (docs/knowledge.md): vector = cosine similarity; keyword = BM25 over that of a full average match,
capped at 1; hybrid weighted = weighted mean of the two (cosine clipped at 0); hybrid rrf = reciprocal-rank
fusion scaled so that rank 1 in both lists is 1; rerank = the CrossEncoder's relevance in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from knowledge.embedding import Embedder
from knowledge.errors import EmbeddingError, InvalidSettings
from knowledge.index import VectorIndex
from knowledge.keyword import tokenize
from knowledge.records import Hit
from knowledge.reembedding import check_dimension
from knowledge.rerank import rerank_scores
from knowledge.settings import Mode, RetrievalSettings
from knowledge.store import KBStore

RRF_K = 60


@dataclass
class Query:
    """One search: the text, its settings and optional filters; ``vector`` skips embedding when given."""

    text: str
    settings: RetrievalSettings
    document_ids: list[str] | None = None
    vector: np.ndarray | None = None


def search(store: KBStore, embedder: Embedder, query: Query) -> list[Hit]:
    """Ranked hits of ``query`` in ``store``, best first."""
    s = query.settings
    if not query.text.strip():
        raise InvalidSettings("the query is empty")
    if embedder.name != store.settings.embedding.model:
        raise EmbeddingError(f"knowledge base '{store.name}' switched to embedding model "
                             f"'{store.settings.embedding.model}' during this search; search again")
    check_dimension(store, embedder)
    if query.vector is not None and np.asarray(query.vector).shape[-1] != embedder.dimension:
        raise InvalidSettings(f"the query vector has {np.asarray(query.vector).shape[-1]} dimensions; knowledge base "
                              f"'{store.name}' is embedded with '{embedder.name}' ({embedder.dimension})")
    vectors, keywords = store.load_indexes(embedder.dimension)
    allowed = store.chunk_ids(query.document_ids) if query.document_ids is not None else None
    parent_child = store.settings.chunking.method == "parent-child"
    # Fetch more than top_k: parents collapse several children, rerank and thresholds drop some.
    pool = max(s.top_k * (4 if parent_child else 2), 50 if s.mode == "hybrid" or s.rerank_model else s.top_k)

    scored: dict[int, dict[str, float]] = {}
    if s.mode in ("vector", "hybrid"):
        vec = query.vector if query.vector is not None else embedder.encode_queries([query.text])[0]
        ids, scores = vectors.search(vec, pool, allowed)
        for rank, (i, v) in enumerate(zip(ids, scores, strict=True)):
            scored.setdefault(int(i), {})["vector"] = float(v)
            scored[int(i)]["vector_rank"] = rank
    if s.mode in ("keyword", "hybrid"):
        all_ids, all_scores = keywords.scores(tokenize(query.text))
        ids, scores = keywords.top(all_ids, all_scores, pool, allowed)
        for rank, (i, v) in enumerate(zip(ids, scores, strict=True)):
            scored.setdefault(int(i), {})["keyword"] = float(v)
            scored[int(i)]["keyword_rank"] = rank
    if s.mode == "hybrid" and scored:
        _complete(scored, vectors, (all_ids, all_scores), vec)
    ranked = sorted(((_fuse(s, sc), i) for i, sc in scored.items()), reverse=True)
    if not s.rerank_model:  # only what can still make the final list needs its text
        ranked = ranked[:s.top_k * (8 if parent_child else 1)]

    rows = store.chunk_rows([i for _, i in ranked])
    hits = _collapse([_hit(store.name, i, score, scored[i], rows[i]) for score, i in ranked if i in rows], parent_child)
    if s.rerank_model and hits:
        hits = hits[:max(s.top_k * 3, 20)]
        texts = [h.metadata.get("question", "") + "\n" + h.content if "question" in h.metadata else h.content
                 for h in hits]
        for hit, r in zip(hits, rerank_scores(s.rerank_model, query.text, texts), strict=True):
            hit.scores["rerank"], hit.score = r, r
        hits.sort(key=lambda h: -h.score)
    if s.score_threshold is not None:
        hits = [h for h in hits if h.score >= s.score_threshold]
    return hits[:s.top_k]


def _complete(scored: dict[int, dict[str, float]], vectors: VectorIndex,
              keyword_scores: tuple[np.ndarray, np.ndarray], vec: np.ndarray) -> None:
    """Give every hybrid candidate both signals, so a chunk found by one list is not scored 0 by the other."""
    missing_vec = [i for i, sc in scored.items() if "vector" not in sc]
    if missing_vec:
        for i, v in zip(missing_vec, vectors.vectors(missing_vec) @ np.asarray(vec, dtype=np.float32), strict=True):
            scored[i]["vector"] = float(v)
    missing_kw = [i for i, sc in scored.items() if "keyword" not in sc]
    if missing_kw:
        ids, scores = keyword_scores
        positions = np.searchsorted(ids, missing_kw) if len(ids) and np.all(ids[:-1] <= ids[1:]) else None
        lookup = {} if positions is not None else dict(zip(ids.tolist(), scores.tolist(), strict=True))
        for j, i in enumerate(missing_kw):
            if positions is None:
                scored[i]["keyword"] = float(lookup.get(i, 0.0))
            else:
                p = positions[j]
                scored[i]["keyword"] = float(scores[p]) if p < len(ids) and ids[p] == i else 0.0


def _fuse(s: RetrievalSettings, sc: dict[str, float]) -> float:
    mode: Mode = s.mode
    if mode == "vector":
        return sc["vector"]
    if mode == "keyword":
        return sc["keyword"]
    total = (s.vector_weight + s.keyword_weight) or 1.0
    if s.fusion == "rrf":
        fused = sum(w / (RRF_K + 1 + sc[f"{name}_rank"]) for name, w in
                    (("vector", s.vector_weight), ("keyword", s.keyword_weight)) if f"{name}_rank" in sc)
        return fused * (RRF_K + 1) / total
    return (s.vector_weight * max(sc["vector"], 0.0) + s.keyword_weight * sc["keyword"]) / total


def _hit(kb: str, chunk_id: int, score: float, sc: dict[str, float], row: dict) -> Hit:
    scores = {k: round(v, 6) for k, v in sc.items() if not k.endswith("_rank")}
    return Hit(chunk_id=str(chunk_id), document_id=row["document_id"], document=row["document"],
               position=row["position"], content=row["content"], score=float(score), scores=scores,
               metadata=row["metadata"], kb=kb)


def _collapse(hits: list[Hit], parent_child: bool) -> list[Hit]:
    """Parent-child: several children of one parent → the parent once, at its best child's rank."""
    if not parent_child:
        return hits
    seen, out = set(), []
    for hit in hits:
        key = (hit.document_id, hit.metadata.get("parent_index"))
        if key not in seen:
            seen.add(key)
            out.append(hit)
    return out
