"""An in-memory :class:`~evaluation.repository.EvalRepository`: for ``loom eval`` runs without a server, and the
reference behaviour the server's store is tested against. Records are copied in and out, as a database would."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evaluation.schemas import EvalItem, EvalRun, EvalSet, Review, SampleResult


class MemoryRepository:
    """Sets, runs, results and reviews in dictionaries."""

    def __init__(self) -> None:
        self._sets: dict[str, EvalSet] = {}
        self._items: dict[str, list[EvalItem]] = {}
        self._runs: dict[str, EvalRun] = {}
        self._results: dict[tuple[str, str, str], SampleResult] = {}
        self._reviews: dict[tuple[str, str, str, str], Review] = {}

    def save_set(self, eval_set: EvalSet, items: Sequence[EvalItem]) -> EvalSet:
        stored = eval_set.model_copy(update={"item_count": len(items)}, deep=True)
        self._sets[stored.set_id] = stored
        self._items[stored.set_id] = [item.model_copy(deep=True) for item in items]
        return stored.model_copy(deep=True)

    def get_set(self, set_id: str) -> EvalSet | None:
        found = self._sets.get(set_id)
        return found.model_copy(deep=True) if found else None

    def list_sets(self) -> Sequence[EvalSet]:
        return [entry.model_copy(deep=True) for entry in self._sets.values()]

    def set_items(self, set_id: str) -> Sequence[EvalItem]:
        return [item.model_copy(deep=True) for item in self._items[set_id]]

    def save_run(self, run: EvalRun) -> EvalRun:
        self._runs[run.run_id] = run.model_copy(deep=True)
        return run.model_copy(deep=True)

    def get_run(self, run_id: str) -> EvalRun | None:
        found = self._runs.get(run_id)
        return found.model_copy(deep=True) if found else None

    def list_runs(self) -> Sequence[EvalRun]:
        return [run.model_copy(deep=True) for run in self._runs.values()]

    def update_run(self, run_id: str, **fields: Any) -> EvalRun:
        current = self._runs[run_id]
        unknown = set(fields) - set(EvalRun.model_fields)
        if unknown:
            raise TypeError(f"EvalRun has no field(s) {', '.join(sorted(unknown))}")
        updated = EvalRun.model_validate(current.model_copy(update=fields).model_dump())
        self._runs[run_id] = updated
        return updated.model_copy(deep=True)

    def upsert_result(self, result: SampleResult) -> None:
        self._results[result.key] = result.model_copy(deep=True)

    def results(self, run_id: str, candidate_id: str | None = None) -> Sequence[SampleResult]:
        return [result.model_copy(deep=True) for (run, candidate, _), result in self._results.items()
                if run == run_id and (candidate_id is None or candidate == candidate_id)]

    def save_review(self, review: Review) -> Review:
        self._reviews[review.key] = review.model_copy(deep=True)
        return review.model_copy(deep=True)

    def reviews(self, run_id: str) -> Sequence[Review]:
        return [review.model_copy(deep=True) for review in self._reviews.values() if review.run_id == run_id]

