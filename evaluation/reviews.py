"""Blind manual review: candidates shown under shuffled labels, and how far reviewers agree.

Each item shows its answers as A, B, C… in an order drawn per item (seeded by run and item, so a reviewer who
comes back sees the same order, and reviewers cannot learn which label is which model across items). Agreement
is over units (item, candidate) that several reviewers judged: percent agreement, Cohen's kappa for two reviewers
(scikit-learn), Fleiss' kappa for three or more (on the units every one of them judged).
"""

from __future__ import annotations

import hashlib
import itertools
import random
import string
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sklearn.metrics import cohen_kappa_score

from evaluation.schemas import Review

Field = Literal["verdict", "score"]


def blind_labels(run_id: str, item_id: str, candidate_ids: Sequence[str]) -> dict[str, str]:
    """Label ("A", "B", …) → candidate_id, in an order fixed by (run, item)."""
    seed = int.from_bytes(hashlib.sha256(f"{run_id}\x00{item_id}".encode()).digest()[:8], "big")
    order = list(candidate_ids)
    random.Random(seed).shuffle(order)
    return dict(zip(string.ascii_uppercase, order, strict=False))


@dataclass(frozen=True)
class Agreement:
    """How far reviewers agree on one field of their reviews."""

    field: Field
    reviewers: list[str]
    units: int  # (item, candidate) pairs judged by at least two reviewers
    percent: float | None  # share of agreeing reviewer pairs over those units
    kappa: float | None  # Cohen's (two reviewers) or Fleiss' (three or more)
    method: Literal["cohen", "fleiss"] | None


def _value(review: Review, field: Field) -> str | None:
    raw = review.verdict if field == "verdict" else review.score
    return None if raw is None else str(raw)


def agreement(reviews: Sequence[Review], field: Field = "verdict") -> Agreement:
    """Agreement on ``verdict`` (pass/fail) or ``score`` (each score value a category)."""
    ratings: dict[tuple[str, str], dict[str, str]] = {}
    for review in reviews:
        value = _value(review, field)
        if value is not None:
            ratings.setdefault((review.item_id, review.candidate_id), {})[review.reviewer] = value
    reviewers = sorted({name for unit in ratings.values() for name in unit})
    shared = {unit: votes for unit, votes in ratings.items() if len(votes) >= 2}
    if not shared:
        return Agreement(field, reviewers, 0, None, None, None)
    pairs = [(a, b) for votes in shared.values() for a, b in itertools.combinations(votes.values(), 2)]
    percent = sum(a == b for a, b in pairs) / len(pairs)
    if len(reviewers) == 2:
        first, second = reviewers
        kappa = _cohen([votes[first] for votes in shared.values()], [votes[second] for votes in shared.values()])
        return Agreement(field, reviewers, len(shared), percent, kappa, "cohen")
    complete = [list(votes.values()) for votes in shared.values() if len(votes) == len(reviewers)]
    kappa = fleiss_kappa(complete) if complete else None
    return Agreement(field, reviewers, len(shared), percent, kappa, "fleiss")


def _cohen(first: list[str], second: list[str]) -> float | None:
    if len(set(first) | set(second)) < 2:
        return None  # one category only: chance agreement is total and kappa is undefined
    return float(cohen_kappa_score(first, second))


def fleiss_kappa(units: Sequence[Sequence[str]]) -> float | None:
    """Fleiss' kappa of units each rated by the same number of raters (Fleiss 1971)."""
    raters = len(units[0])
    if raters < 2 or any(len(unit) != raters for unit in units):
        raise ValueError("Fleiss' kappa needs the same number (≥ 2) of ratings for every unit")
    counts = [Counter(unit) for unit in units]
    categories = sorted({category for unit in counts for category in unit})
    total = len(units) * raters
    shares = [sum(unit[category] for unit in counts) / total for category in categories]
    observed = sum((sum(n * n for n in unit.values()) - raters) / (raters * (raters - 1)) for unit in counts)
    observed /= len(units)
    expected = sum(share * share for share in shares)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


@dataclass(frozen=True)
class ReviewSummary:
    """One candidate's manual review results."""

    candidate_id: str
    reviews: int
    pass_rate: float | None
    mean_score: float | None
    flagged: int


def summarize(reviews: Sequence[Review], candidate_ids: Sequence[str]) -> list[ReviewSummary]:
    out = []
    for candidate_id in candidate_ids:
        mine = [r for r in reviews if r.candidate_id == candidate_id]
        verdicts = [r.verdict for r in mine if r.verdict is not None]
        scores = [r.score for r in mine if r.score is not None]
        out.append(ReviewSummary(candidate_id, len(mine),
                                 sum(v == "pass" for v in verdicts) / len(verdicts) if verdicts else None,
                                 sum(scores) / len(scores) if scores else None, sum(r.flagged for r in mine)))
    return out
