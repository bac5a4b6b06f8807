"""Keyword index: BM25 over jieba search-mode tokens (Chinese) and lower-cased words (English).

Written on scipy sparse matrices rather than ``rank_bm25`` because that library scores every document in a
Python loop per query term (far too slow at 100k chunks) and cannot add or delete documents.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from typing import Protocol

import jieba
import numpy as np
from scipy import sparse

jieba.setLogLevel(logging.WARNING)
_JIEBA_LOCK = threading.Lock()
_WORD = re.compile(r"\w", re.UNICODE)
# Function words that carry no topic; Chinese particles are left to BM25's idf, which handles them well.
STOPWORDS = frozenset(
    "a an and are as at be but by for from has have in is it its of on or that the this to was were will with "
    "what which who whom whose when where why how do does did".split())


# Runs of Han characters go to jieba; everything else is cut into words by a regex, which is what jieba would
# do with them too, only about ten times faster (it matters: English text is most of what is ingested).
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(f"([{_HAN}]+)|([^\\W_{_HAN}]+(?:['’][^\\W_{_HAN}]+)*)", re.UNICODE)


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens (words plus their sub-words), lower-cased, without punctuation or stopwords."""
    tokens: list[str] = []
    for han, word in _RUNS.findall(text.lower()):
        if han:
            with _JIEBA_LOCK:  # jieba builds its dictionary lazily on first use; one thread at a time
                tokens.extend(jieba.lcut_for_search(han))
        elif word not in STOPWORDS:
            tokens.append(word)
    return [t for t in tokens if _WORD.search(t) and t not in STOPWORDS]


class KeywordIndex:
    """BM25 (Lucene idf, k1=1.2, b=0.75) with scores normalised to [0, 1] per query (see docs/knowledge.md)."""

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.vocabulary: dict[str, int] = {}
        self._docs: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # chunk id → (term ids, term frequencies)
        self._matrix: sparse.csr_matrix | None = None  # terms × chunks, BM25 weights without idf
        self._ids = np.zeros(0, dtype=np.int64)
        self._df = np.zeros(0)

    def __len__(self) -> int:
        return len(self._docs)

    def add(self, chunk_id: int, tokens: list[str]) -> None:
        term_ids = np.fromiter((self.vocabulary.setdefault(t, len(self.vocabulary)) for t in tokens), dtype=np.int64)
        terms, counts = np.unique(term_ids, return_counts=True)
        self._docs[int(chunk_id)] = (terms, counts.astype(np.float32))
        self._matrix = None

    def remove(self, chunk_ids: list[int]) -> None:
        for chunk_id in chunk_ids:
            self._docs.pop(int(chunk_id), None)
        self._matrix = None

    def _build(self) -> sparse.csr_matrix:
        # Rebuilt lazily on the first search after a change: idf and average length depend on every chunk.
        self._ids = np.fromiter(self._docs.keys(), dtype=np.int64, count=len(self._docs))
        n_terms = max(len(self.vocabulary), 1)
        if not self._docs:
            self._matrix, self._df = sparse.csr_matrix((n_terms, 0), dtype=np.float32), np.zeros(n_terms)
            return self._matrix
        terms = [t for t, _ in self._docs.values()]
        counts = [c for _, c in self._docs.values()]
        lengths = np.array([c.sum() for c in counts], dtype=np.float32)
        cols = np.repeat(np.arange(len(terms)), [len(t) for t in terms])
        tf = np.concatenate(counts)
        norm = self.k1 * (1 - self.b + self.b * lengths / max(float(lengths.mean()), 1e-9))
        weights = tf * (self.k1 + 1) / (tf + norm[cols])
        self._matrix = sparse.csr_matrix((weights, (np.concatenate(terms), cols)), shape=(n_terms, len(terms)))
        self._df = np.bincount(np.concatenate(terms), minlength=n_terms).astype(np.float64)
        return self._matrix

    def uncapped(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(chunk ids, raw BM25 over that of a full average match) for every chunk, not yet capped at 1."""
        matrix = self._matrix if self._matrix is not None else self._build()
        n = len(self._ids)
        query = set(tokens)
        if n == 0 or not query:
            return self._ids, np.zeros(n, dtype=np.float32)
        known = [self.vocabulary[t] for t in query if t in self.vocabulary and self.vocabulary[t] < len(self._df)]
        df = self._df[known] if known else np.zeros(0)
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        # The reference is a chunk of average length holding every query term once (BM25 weight 1 per term);
        # a query term no chunk contains still counts in it, with the highest idf.
        ideal = idf.sum() + (len(query) - len(known)) * math.log1p((n + 0.5) / 0.5)
        raw = sparse.csr_matrix(idf[None, :]) @ matrix[known] if known else None
        dense = np.asarray(raw.todense()).ravel() if raw is not None else np.zeros(n)
        return self._ids, dense / ideal

    def add_many(self, chunk_ids: list[int], tokens: list[list[str]]) -> None:
        for chunk_id, toks in zip(chunk_ids, tokens, strict=True):
            self.add(chunk_id, toks)

    def query(self, tokens: list[str]) -> KeywordScores:
        """Every chunk's score for ``tokens``, computed once; the best of them, or those of given chunks."""
        return FullScores(*self.uncapped(tokens))

    def search(self, tokens: list[str], k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Best ``k`` (ids, scores) with a score above zero, optionally only among ``allowed`` ids."""
        return self.query(tokens).top(k, allowed)


class KeywordScores(Protocol):
    """One query's keyword scores: its best chunks (``top``) and the score of given chunks (``of``)."""

    def top(self, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]: ...

    def of(self, ids: list[int]) -> np.ndarray: ...


class FullScores:
    """The scores of every chunk of an in-memory index. Chunks capped at 1 are ranked by their uncapped score,
    then by id (as the Postgres backend ranks them)."""

    def __init__(self, ids: np.ndarray, uncapped: np.ndarray):
        self.ids, self.uncapped = ids, uncapped
        self.scores = np.minimum(uncapped, 1.0).astype(np.float32)

    def top(self, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        ids, uncapped = self.ids, self.uncapped
        if allowed is not None:
            mask = np.isin(ids, allowed)
            ids, uncapped = ids[mask], uncapped[mask]
        positive = np.flatnonzero(uncapped > 0)
        if len(positive) > k:
            # Everything tied with the k-th score stays in, so ties are broken by id below.
            kth = np.partition(-uncapped[positive], k - 1)[k - 1]
            positive = positive[-uncapped[positive] <= kth]
        order = positive[np.lexsort((ids[positive], -uncapped[positive]))][:k]
        return ids[order], np.minimum(uncapped[order], 1.0).astype(np.float32)

    def of(self, ids: list[int]) -> np.ndarray:
        ids_, scores = self.ids, self.scores
        if len(ids_) and np.all(ids_[:-1] <= ids_[1:]):  # as loaded (by id), with later chunks appended
            positions = np.searchsorted(ids_, ids)
            return np.array([float(scores[p]) if p < len(ids_) and ids_[p] == i else 0.0
                             for p, i in zip(positions, ids, strict=True)], dtype=np.float32)
        lookup = dict(zip(ids_.tolist(), scores.tolist(), strict=True))
        return np.array([lookup.get(i, 0.0) for i in ids], dtype=np.float32)
