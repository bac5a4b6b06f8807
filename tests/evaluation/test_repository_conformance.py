"""The in-memory store is an EvalRepository (checked by mypy through this assignment, and by the tests below)."""

from __future__ import annotations

import pytest

from evaluation.memory import MemoryRepository
from evaluation.repository import EvalRepository
from evaluation.schemas import CandidateCost, EvalItem, EvalRun, EvalSet, ModelCandidate, Progress, SampleResult


def repository() -> EvalRepository:
    return MemoryRepository()


def test_results_upsert_by_run_candidate_item() -> None:
    repo = repository()
    first = SampleResult(run_id="r", candidate_id="a", item_id="1", output="x")
    repo.upsert_result(first)
    repo.upsert_result(first.model_copy(update={"output": "y"}))
    repo.upsert_result(SampleResult(run_id="r", candidate_id="b", item_id="1", output="z"))
    assert sorted((r.candidate_id, r.output) for r in repo.results("r")) == [("a", "y"), ("b", "z")]
    assert [r.output for r in repo.results("r", "b")] == ["z"]


def test_sets_and_runs_round_trip() -> None:
    repo = repository()
    saved = repo.save_set(EvalSet(set_id="s", name="领域集"), [EvalItem(item_id="1", inputs={"query": "问"})])
    assert saved.item_count == 1 and [i.item_id for i in repo.set_items("s")] == ["1"]
    run = repo.save_run(EvalRun(run_id="r", set_id="s", candidates=[ModelCandidate(candidate_id="a", model="m")]))
    updated = repo.update_run(run.run_id, status="running", progress=Progress(total=2, done=1),
                              cost={"a": CandidateCost(samples=1)})
    assert updated.status == "running" and updated.progress.done == 1 and updated.cost["a"].samples == 1
    with pytest.raises(KeyError):
        repo.update_run("missing", status="running")
