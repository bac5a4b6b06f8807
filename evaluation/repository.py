"""What evaluation needs from the rest of Loom, as Protocols the server implements: the store of sets, runs,
results and reviews; the candidates (models, workflows, agent apps) that answer items; and the judge model.
Nothing here imports server/. :mod:`evaluation.memory` is an in-memory store for the CLI and tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from evaluation.schemas import CandidateSpec, EvalItem, EvalRun, EvalSet, Review, SampleResult


class EvalRepository(Protocol):
    """Evaluation sets with their items, runs, per-sample results and manual reviews."""

    def save_set(self, eval_set: EvalSet, items: Sequence[EvalItem]) -> EvalSet:
        """Stores a set and its items (replacing the items of an existing set); returns it with ``item_count``."""
        ...

    def get_set(self, set_id: str) -> EvalSet | None: ...

    def list_sets(self) -> Sequence[EvalSet]: ...

    def set_items(self, set_id: str) -> Sequence[EvalItem]:
        """The items in the order they were saved; raises KeyError for an unknown set."""
        ...

    def save_run(self, run: EvalRun) -> EvalRun:
        """Creates the run, or replaces it whole when ``run_id`` exists."""
        ...

    def get_run(self, run_id: str) -> EvalRun | None: ...

    def list_runs(self) -> Sequence[EvalRun]: ...

    def update_run(self, run_id: str, **fields: Any) -> EvalRun:
        """Sets the named fields (those of EvalRun); raises KeyError for an unknown run."""
        ...

    def upsert_result(self, result: SampleResult) -> None:
        """Inserts or replaces the result keyed by (run_id, candidate_id, item_id); idempotent."""
        ...

    def results(self, run_id: str, candidate_id: str | None = None) -> Sequence[SampleResult]:
        """The run's results (one candidate's when given), in no particular order."""
        ...

    def save_review(self, review: Review) -> Review:
        """Inserts or replaces the review keyed by (run_id, item_id, candidate_id, reviewer)."""
        ...

    def reviews(self, run_id: str) -> Sequence[Review]: ...


@dataclass(frozen=True)
class Output:
    """A candidate's answer to one item and what it cost."""

    text: str
    tokens_in: int = 0
    tokens_out: int = 0
    latency_s: float = 0.0


class Candidate(Protocol):
    """Something that answers evaluation items: a model, a workflow version, an agent app."""

    async def generate(self, item: EvalItem) -> Output:
        """The answer to ``item``; raises (any exception) when it fails, and the runner records the message."""
        ...


class CandidateFactory(Protocol):
    """Builds a :class:`Candidate` from its spec (the server resolves names to deployments, workflows, apps)."""

    def build(self, spec: CandidateSpec) -> Candidate:
        """Raises :class:`evaluation.errors.CandidateError` naming what is missing (unknown model, version…)."""
        ...


class JudgeModel(Protocol):
    """A chat model used as a judge: OpenAI-style messages in, the reply's text out."""

    async def complete(self, messages: Sequence[Mapping[str, str]]) -> str: ...
