"""A workflow's publish gate: publishing is refused unless an evaluation of the draft on the gate's set scores
no worse on the gate's metric than the published version. The evaluation is a run with two candidates — the
draft (``draft``) and the newest published version (``published``) — made by ``gate_run`` and finished before
publishing; it counts only when it started after the draft was last saved."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from evaluation.errors import MetricError
from evaluation.metrics import metric
from evaluation.schemas import EvalRun, MetricSpec, WorkflowCandidate
from server.db.evaluation import PublishGate
from server.errors import ConflictError, InvalidRequestError
from server.evaluation_jobs import EvalJobs

DRAFT, PUBLISHED = "draft", "published"
JUDGE = "judge"


@dataclass(frozen=True)
class GateFigures:
    metric: str
    draft: float
    published: float
    published_version: int
    run_id: str

    def describe(self) -> str:
        return (f"{self.metric} of the draft {self.draft:.4f} vs published version {self.published_version} "
                f"{self.published:.4f} (evaluation run {self.run_id})")


def check_gate(gate: PublishGate) -> None:
    """Refuses (400, naming the field) a gate whose metric or judge cannot be evaluated."""
    if gate.metric == JUDGE:
        if gate.judge is None or gate.judge.mode != "score":
            raise InvalidRequestError("judge: a gate on the judge's score needs a scoring judge (model, rubric)")
        return
    try:
        metric(gate.metric).params(gate.metric_params)
    except MetricError as exc:
        raise InvalidRequestError(f"metric: {exc}") from None


def gate_run(jobs: EvalJobs, workflow_id: str, gate: PublishGate) -> EvalRun:
    """Creates (and stores, for ``EvalJobs.start``) the gate's evaluation: the draft against the newest published
    version."""
    versions = jobs.state.store.list_versions(workflow_id)
    if not versions:
        raise InvalidRequestError("the workflow has no published version to compare the draft with; "
                                  "the first publish is not gated")
    latest = max(v.version for v in versions)
    candidates: list[WorkflowCandidate] = [
        WorkflowCandidate(candidate_id=DRAFT, name="draft", workflow_id=workflow_id, output=gate.output),
        WorkflowCandidate(candidate_id=PUBLISHED, name=f"v{latest}", workflow_id=workflow_id, version=latest,
                          output=gate.output)]
    check_gate(gate)
    judge = gate.judge if gate.metric == JUDGE else None
    metrics = [] if gate.metric == JUDGE else [MetricSpec(name=gate.metric, params=gate.metric_params)]
    run = EvalRun(run_id=uuid.uuid4().hex, name=f"publish gate of {workflow_id} (draft vs v{latest})",
                  set_id=gate.set_id, candidates=list(candidates), metrics=metrics, judge=judge,
                  created_at=time.time())
    jobs.check(run)
    return jobs.store.save_run(run)


def figures(jobs: EvalJobs, run: EvalRun, gate: PublishGate) -> GateFigures:
    """The mean of the gate's metric per candidate over every item of the set (an item a candidate failed or that
    has no score counts 0)."""
    items = [i.item_id for i in jobs.store.set_items(run.set_id)]
    results = jobs.store.results(run.run_id)
    key = gate.metric

    def mean(candidate_id: str) -> float:
        scores = {r.item_id: r.scores.get(key, 0.0) for r in results if r.candidate_id == candidate_id}
        return sum(scores.get(i, 0.0) for i in items) / len(items) if items else 0.0

    published = run.candidate(PUBLISHED)
    version = published.version if isinstance(published, WorkflowCandidate) and published.version else 0
    return GateFigures(key, mean(DRAFT), mean(PUBLISHED), version, run.run_id)


def latest_gate_run(jobs: EvalJobs, workflow_id: str, gate: PublishGate, since: float) -> EvalRun | None:
    """The newest gate evaluation of this workflow on the gate's set that started after ``since``."""
    for run in jobs.store.list_runs():  # newest first
        ids = {c.candidate_id for c in run.candidates}
        ours = all(isinstance(c, WorkflowCandidate) and c.workflow_id == workflow_id for c in run.candidates)
        if ours and ids == {DRAFT, PUBLISHED} and run.set_id == gate.set_id and run.created_at >= since:
            return run
    return None


def check_publish(jobs: EvalJobs, workflow_id: str) -> GateFigures | None:
    """Raises ConflictError (409, with the figures) when the gate forbids publishing the draft now."""
    gate = jobs.store.get_gate(workflow_id)
    store = jobs.state.store
    if gate is None or not gate.enabled or not store.list_versions(workflow_id):
        return None
    draft = store.get_workflow(workflow_id)
    run = latest_gate_run(jobs, workflow_id, gate, draft.updated_at)
    how = f"POST /api/evaluation/gates/{workflow_id}/run"
    if run is None:
        raise ConflictError(f"publishing is gated on {gate.metric} over evaluation set {gate.set_id}: evaluate the "
                            f"draft against the published version first ({how})")
    if run.status != "succeeded":
        raise ConflictError(f"publishing is gated on {gate.metric}: the gate evaluation {run.run_id} is "
                            f"{run.status}{' (' + run.error + ')' if run.error else ''}; wait for it or run it again "
                            f"({how})")
    found = figures(jobs, run, gate)
    if found.draft + gate.tolerance < found.published:
        raise ConflictError(f"publishing refused by the gate: the draft is worse on {found.describe()}")
    return found
