"""The blind review page of a run: every item with its answers under shuffled labels and no candidate names.
Labels come from ``evaluation.reviews.blind_labels``, seeded by run, reviewer and item, so each reviewer sees a
stable order of their own (and reviewers cannot compare notes on "A")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evaluation.reviews import blind_labels
from evaluation.schemas import EvalItem, EvalRun, Review, SampleResult


def reviewer_labels(run: EvalRun, item_id: str, reviewer: str) -> dict[str, str]:
    """Label ("A", "B", …) → candidate_id for this reviewer and item."""
    return blind_labels(f"{run.run_id}\x00{reviewer}", item_id, [c.candidate_id for c in run.candidates])


def review_page(run: EvalRun, items: Sequence[EvalItem], results: Sequence[SampleResult], reviewer: str,
                reviews: Sequence[Review]) -> list[dict[str, Any]]:
    """Every item with its answers under this reviewer's labels and the verdicts they already gave."""
    by_key = {(r.candidate_id, r.item_id): r for r in results}
    mine = {(r.item_id, r.candidate_id): r for r in reviews if r.reviewer == reviewer}
    page = []
    for item in items:
        answers = []
        for label, cid in reviewer_labels(run, item.item_id, reviewer).items():
            found = by_key.get((cid, item.item_id))
            review = mine.get((item.item_id, cid))
            answers.append({"label": label, "output": None if found is None else found.output,
                            "review": None if review is None else {
                                "verdict": review.verdict, "score": review.score, "flagged": review.flagged,
                                "note": review.note}})
        page.append({"item_id": item.item_id, "inputs": item.inputs, "reference": item.expected(),
                     "answers": answers})
    return page
