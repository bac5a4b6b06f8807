"""Does the embedder read this KB? A calibration on the KB's own chunks, used by hybrid fusion and the hit test.

Two checks, on a sample of chunks:
1. Unknown tokens: when the embedder's tokenizer maps more than ``MAX_UNKNOWN`` of the text to its unknown
   token (all-MiniLM-L6-v2 on Chinese: ~57%), the vectors cannot carry the meaning.
2. Self-retrieval: a sentence from the middle of each sampled chunk, embedded as a query, must find its own
   chunk in the top ``SELF_K`` by vector alone for at least ``MIN_SELF_HIT`` of the sample. (Embedders without
   a tokenizer, e.g. remote ones, are judged by this check only.)

It also measures the similarity ``floor``: the median cosine between those queries and chunks they did not
come from. Vector scores are rescaled by it — ``(cosine - floor) / (1 - floor)``, clipped to [0, 1] — so that
for every embedder an unrelated chunk scores near 0 (e5 gives unrelated text cosines around 0.75), which is
what lets one score threshold and one fusion weighting serve every embedder.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np

from knowledge.embedding import Embedder

SAMPLE = 32
SELF_K = 5
MIN_SELF_HIT = 0.5
MAX_UNKNOWN = 0.2
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;.])\s*|\n+")


@dataclass
class Calibration:
    """What the calibration found for one KB and embedder."""

    embedder: str
    chunks: int  # the KB's chunk count when it was measured
    signal: bool  # False: hybrid falls back to keyword weighting
    reason: str  # why, in words (shown in the hit test)
    floor: float = 0.0
    unknown: float | None = None
    self_hit: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def scale(self, cosine: np.ndarray | float) -> np.ndarray:
        """Cosine → calibrated similarity in [0, 1]: 0 at the KB's typical unrelated pair."""
        return np.clip((np.asarray(cosine, dtype=np.float32) - self.floor) / (1.0 - self.floor), 0.0, 1.0)

    def stale(self, embedder: str, chunks: int) -> bool:
        """Measured for another embedder, or the KB has since doubled or halved (so a KB of n chunks is
        calibrated about log2(n) times as it grows: cheap next to embedding it)."""
        return embedder != self.embedder or not (self.chunks / 2 <= chunks <= self.chunks * 2)


def pseudo_query(text: str, limit: int = 60) -> str:
    """The longest sentence from the middle of ``text`` (a stand-in for a question about it)."""
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if len(s.strip()) >= 6]
    if not sentences:
        return text[len(text) // 4:len(text) // 4 + limit]
    middle = sentences[len(sentences) // 4:max(len(sentences) * 3 // 4, len(sentences) // 4 + 1)]
    return max(middle, key=len)[:limit]


def calibrate(embedder: Embedder, texts: list[str], vectors: np.ndarray) -> Calibration:
    """Measure ``embedder`` on a KB whose chunks are ``texts`` with index vectors ``vectors`` (same order)."""
    n = len(texts)
    if n < 2:
        return Calibration(embedder.name, n, True, "too few chunks to calibrate; vectors are used")
    picks = np.unique(np.linspace(0, n - 1, min(SAMPLE, n)).astype(int))
    unknown = embedder.unknown_fraction([texts[i] for i in picks])
    queries = embedder.encode_queries([pseudo_query(texts[i]) for i in picks])
    sims = queries @ np.asarray(vectors, dtype=np.float32).T  # (sample, n)
    own = sims[np.arange(len(picks)), picks]
    ranks = (sims > own[:, None]).sum(axis=1)
    self_hit = float(np.mean(ranks < SELF_K))
    others = np.ones_like(sims, dtype=bool)
    others[np.arange(len(picks)), picks] = False
    floor = float(np.clip(np.median(sims[others]), 0.0, 0.95))
    def result(signal: bool, reason: str) -> Calibration:
        return Calibration(embedder.name, n, signal, reason, floor=round(floor, 4),
                           unknown=None if unknown is None else round(unknown, 3), self_hit=round(self_hit, 3))

    if unknown is not None and unknown > MAX_UNKNOWN:
        return result(False, f"{embedder.name} cannot read {unknown:.0%} of this knowledge base's text "
                             f"(unknown tokens); hybrid uses keyword scores only")
    if self_hit < MIN_SELF_HIT:
        return result(False, f"{embedder.name} finds a chunk from its own sentence for only {self_hit:.0%} "
                             f"of sampled chunks; hybrid uses keyword scores only")
    return result(True, f"vectors carry signal (self-retrieval {self_hit:.0%}, similarity floor {floor:.2f})")
