"""Retrieval: vector, keyword and hybrid search over one KB, optional rerank, threshold, top_k — with a trace.

Scores (docs/knowledge.md): cosine = the raw cosine similarity; vector = that cosine calibrated for the KB
(``knowledge.calibration``: 0 at a typical unrelated chunk, 1 at identical); keyword = BM25 over that of a full
average match, capped at 1; fused (hybrid) = weighted mean of vector and keyword, or reciprocal-rank fusion
scaled so that rank 1 in both lists is 1; rerank = the reranker's relevance in [0, 1]. When the calibration
finds that the vectors carry no signal for the KB, hybrid fuses with keyword weight only, and says so.
The score threshold (``threshold_gate``): one set by the search or the KB applies to the final score; when
none is set, the measured default of the search's scale applies to that scale's score — vector, keyword, or
the weighted fusion of both for hybrid (under RRF and rerank too, whose scores carry no absolute relevance);
vector scores need the KB's calibration for it (raw cosines of unrelated text run high), so an uncalibrated
KB (under two chunks, or mid re-embedding) gets no default vector or hybrid threshold, and keyword scores a
corpus (``KEYWORD_THRESHOLD_MIN_CHUNKS``). ``Trace`` records each stage's time, what it dropped, and the
threshold used.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from knowledge.backend import VectorSearch
from knowledge.calibration import Calibration
from knowledge.embedding import Embedder
from knowledge.errors import EmbeddingError, InvalidSettings
from knowledge.keyword import KeywordScores, tokenize
from knowledge.records import Hit
from knowledge.reembedding import check_dimension
from knowledge.rerank import rerank_scores
from knowledge.settings import DEFAULT_SCORE_THRESHOLDS, KEYWORD_THRESHOLD_MIN_CHUNKS, RetrievalSettings
from knowledge.store import KBStore

RRF_K = 60


@dataclass
class Query:
    """One search: the text, its settings and optional filters; ``vector`` skips embedding when given
    (``embed_ms``: how long embedding it took, for the trace); ``calibration``: the KB's, when measured."""

    text: str
    settings: RetrievalSettings
    document_ids: list[str] | None = None
    vector: np.ndarray | None = None
    calibration: Calibration | None = None
    embed_ms: float | None = None


@dataclass
class Trace:
    """What a search did: stages (name, milliseconds, candidates after it), the fusion used, dropped hits."""

    stages: list[dict] = field(default_factory=list)
    fusion: dict = field(default_factory=dict)
    dropped: list[Hit] = field(default_factory=list)
    threshold: dict = field(default_factory=dict)  # value, the score it applies to, whether it is the default

    def stage(self, name: str, started: float, candidates: int) -> None:
        self.stages.append({"stage": name, "ms": round((time.perf_counter() - started) * 1000, 2),
                            "candidates": candidates})

    def as_dict(self) -> dict:
        return {"stages": self.stages, "fusion": self.fusion, "dropped": [h.as_dict() for h in self.dropped],
                "threshold": self.threshold}


def search(store: KBStore, embedder: Embedder, query: Query, trace: Trace | None = None) -> list[Hit]:
    """Ranked hits of ``query`` in ``store``, best first; ``trace`` (when given) is filled in."""
    s = query.settings
    trace = trace if trace is not None else Trace()
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
    calibration = query.calibration
    vector_weight, keyword_weight = s.vector_weight, s.keyword_weight
    if s.mode == "hybrid":
        signal = calibration.signal if calibration is not None else None
        if signal is False:
            vector_weight, keyword_weight = 0.0, 1.0
        trace.fusion = {"method": s.fusion, "vector_signal": signal, "fallback": signal is False,
                        "reason": calibration.reason if calibration is not None else "not calibrated yet",
                        "weights": {"vector": vector_weight, "keyword": keyword_weight}}

    scored: dict[int, dict[str, float]] = {}
    vec = query.vector
    if s.mode in ("vector", "hybrid"):
        started = time.perf_counter()
        if vec is None:
            vec = embedder.encode_queries([query.text])[0]
        ids, scores = vectors.search(vec, pool, allowed)
        calibrated = calibration.scale(scores) if calibration is not None else scores
        for rank, (i, v, c) in enumerate(zip(ids, scores, calibrated, strict=True)):
            scored.setdefault(int(i), {}).update(cosine=float(v), vector=float(c), vector_rank=rank)
        trace.stage("vector", started, len(ids))
        if query.embed_ms is not None:
            trace.stages[-1]["ms"] = round(trace.stages[-1]["ms"] + query.embed_ms, 2)
    if s.mode in ("keyword", "hybrid"):
        started = time.perf_counter()
        keyword_scores = keywords.query(tokenize(query.text))
        ids, scores = keyword_scores.top(pool, allowed)
        for rank, (i, v) in enumerate(zip(ids, scores, strict=True)):
            scored.setdefault(int(i), {}).update(keyword=float(v), keyword_rank=rank)
        trace.stage("keyword", started, len(ids))
    started = time.perf_counter()
    if s.mode == "hybrid" and scored and vec is not None:
        _complete(scored, vectors, keyword_scores, vec, calibration)
    weights = {"vector": vector_weight, "keyword": keyword_weight}
    ranked = sorted(((_fuse(s, weights, sc), i) for i, sc in scored.items()), reverse=True)
    if s.mode == "hybrid":
        for score, i in ranked:
            scored[i]["fused"] = score
    cut = s.top_k * (8 if parent_child else 1) if not s.rerank_model else len(ranked)
    kept_ids = {i for _, i in ranked[:cut]}
    # Chunks that a single list ranked in its top_k but that fusion pushed out: shown in the hit test.
    fusion_dropped = [i for i, sc in scored.items() if s.mode == "hybrid" and i not in kept_ids
                      and min(sc.get("vector_rank", pool), sc.get("keyword_rank", pool)) < s.top_k]
    ranked = ranked[:cut]
    rows = store.chunk_rows([i for _, i in ranked] + fusion_dropped)
    hits = _collapse([_hit(store.name, i, score, scored[i], rows[i]) for score, i in ranked if i in rows], parent_child)
    trace.dropped.extend(_hit(store.name, i, scored[i].get("fused", 0.0), scored[i], rows[i], "fusion")
                         for i in fusion_dropped if i in rows)
    if s.mode == "hybrid":
        trace.stage("fusion", started, len(hits))
    if s.rerank_model and hits:
        started = time.perf_counter()
        hits = hits[:max(s.top_k * 3, 20)]
        texts = [h.metadata.get("question", "") + "\n" + h.content if "question" in h.metadata else h.content
                 for h in hits]
        for hit, r in zip(hits, rerank_scores(s.rerank_model, query.text, texts), strict=True):
            hit.scores["rerank"], hit.score = r, r
        hits.sort(key=lambda h: -h.score)
        trace.dropped.extend(_dropped(hits[s.top_k:s.top_k * 2], "rerank"))
        hits = hits[:s.top_k]
        trace.stage("rerank", started, len(hits))
    hits = hits[:s.top_k]
    gate = threshold_gate(s, weights, calibration is not None, len(vectors))
    if gate is not None:
        started = time.perf_counter()
        scale, threshold, relevance = gate
        trace.threshold = {"value": threshold, "score": scale, "default": s.score_threshold is None}
        trace.dropped.extend(_dropped([h for h in hits if relevance(h) < threshold], "threshold"))
        hits = [h for h in hits if relevance(h) >= threshold]
        trace.stage("threshold", started, len(hits))
    return hits


Gate = tuple[str, float, Callable[[Hit], float]]


def threshold_gate(s: RetrievalSettings, weights: dict[str, float], calibrated: bool, chunks: int) -> Gate | None:
    """The threshold a search applies: (the score it applies to, its value, that score of a hit), or None.
    ``weights``: the fusion weights in use (keyword only when the calibration found no vector signal);
    ``chunks``: how many the KB holds."""
    if s.score_threshold is not None:
        return ("final", s.score_threshold, lambda h: h.score) if s.score_threshold > 0 else None
    if s.mode == "keyword" or (s.mode == "hybrid" and weights["vector"] == 0):
        if chunks < KEYWORD_THRESHOLD_MIN_CHUNKS:
            return None
        return "keyword", DEFAULT_SCORE_THRESHOLDS["keyword"], lambda h: h.scores.get("keyword", 0.0)
    if not calibrated:
        return None
    if s.mode == "vector" or weights["keyword"] == 0:
        return "vector", DEFAULT_SCORE_THRESHOLDS["vector"], lambda h: h.scores.get("vector", 0.0)
    total = sum(weights.values()) or 1.0

    def fused(h: Hit) -> float:  # the weighted fusion, whatever ranked the hits (RRF, rerank)
        return (weights["vector"] * max(h.scores.get("vector", 0.0), 0.0)
                + weights["keyword"] * h.scores.get("keyword", 0.0)) / total

    return "hybrid", DEFAULT_SCORE_THRESHOLDS["hybrid"], fused


def _dropped(hits: list[Hit], stage: str) -> list[Hit]:
    for hit in hits:
        hit.dropped_by = stage
    return hits


def _complete(scored: dict[int, dict[str, float]], vectors: VectorSearch, keyword_scores: KeywordScores,
              vec: np.ndarray, calibration: Calibration | None) -> None:
    """Give every hybrid candidate both signals, so a chunk found by one list is not scored 0 by the other."""
    missing_vec = [i for i, sc in scored.items() if "vector" not in sc]
    if missing_vec:
        cosines = vectors.similarities(vec, missing_vec)
        calibrated = calibration.scale(cosines) if calibration is not None else cosines
        for i, v, c in zip(missing_vec, cosines, calibrated, strict=True):
            scored[i].update(cosine=float(v), vector=float(c))
    missing_kw = [i for i, sc in scored.items() if "keyword" not in sc]
    if missing_kw:
        for i, v in zip(missing_kw, keyword_scores.of(missing_kw), strict=True):
            scored[i]["keyword"] = float(v)


def _fuse(s: RetrievalSettings, weights: dict[str, float], sc: dict[str, float]) -> float:
    if s.mode == "vector":
        return sc["vector"]
    if s.mode == "keyword":
        return sc["keyword"]
    total = sum(weights.values()) or 1.0
    if s.fusion == "rrf":
        fused = sum(w / (RRF_K + 1 + sc[f"{name}_rank"]) for name, w in weights.items() if f"{name}_rank" in sc)
        return fused * (RRF_K + 1) / total
    return (weights["vector"] * max(sc["vector"], 0.0) + weights["keyword"] * sc["keyword"]) / total


def _hit(kb: str, chunk_id: int, score: float, sc: dict[str, float], row: dict, dropped_by: str | None = None) -> Hit:
    scores = {k: round(v, 6) for k, v in sc.items() if not k.endswith("_rank")}
    return Hit(chunk_id=str(chunk_id), document_id=row["document_id"], document=row["document"],
               position=row["position"], content=row["content"], score=float(score), scores=scores,
               metadata=row["metadata"], kb=kb, dropped_by=dropped_by)


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
