"""Evaluation runs as background jobs: started outside the request on the app's Jobs, one runner per run
(bounded by the run's concurrency), cancelled in process or through the store, and resumed on server start
(the runner skips the samples already stored)."""

from __future__ import annotations

import logging
import time
from typing import Any

from evaluation.errors import CandidateError
from evaluation.repository import JudgeModel
from evaluation.runner import EvalRunner
from evaluation.schemas import EvalRun
from server.db.evaluation import EvalStore
from server.errors import ConflictError, InvalidRequestError, NotFoundError
from server.evaluation_candidates import GatewayJudge, ServerCandidates, gateway_of
from server.state import AppState

log = logging.getLogger(__name__)
UNFINISHED = ("queued", "running")


class EvalJobs:
    """The evaluation runs in flight on this server."""

    def __init__(self, state: AppState, store: EvalStore):
        self.state = state
        self.store = store
        self.candidates = ServerCandidates(state)
        self.live: dict[str, EvalRunner] = {}

    def run(self, run_id: str) -> EvalRun:
        run = self.store.get_run(run_id)
        if run is None:
            raise NotFoundError("evaluation run", run_id)
        return run

    def judge_model(self, run: EvalRun) -> JudgeModel | None:
        if run.judge is None:
            return None
        try:
            gateway = gateway_of(self.state)
        except CandidateError as exc:
            raise InvalidRequestError(f"judge.model: {exc}") from None
        if not gateway.has_model(run.judge.model):
            raise InvalidRequestError(f"judge.model: no model {run.judge.model!r} is deployed or registered")
        return GatewayJudge(gateway, run.judge.model)

    def check(self, run: EvalRun) -> None:
        """Refuses (400, naming the candidate) a run whose candidates or judge cannot be built now."""
        self.judge_model(run)
        for index, spec in enumerate(run.candidates):
            try:
                self.candidates.build(spec)
            except CandidateError as exc:
                raise InvalidRequestError(f"candidates[{index}] ({spec.candidate_id}): {exc}") from None

    def start(self, run_id: str) -> EvalRun:
        """Runs (or resumes) ``run_id`` in the background; 409 when it is already running here."""
        run = self.run(run_id)
        if run_id in self.live:
            if run.status == "cancelled":
                raise ConflictError(f"evaluation run {run_id} is still finishing the samples in flight; "
                                    "resume it in a moment")
            raise ConflictError(f"evaluation run {run_id} is already running")
        if run.status == "succeeded":
            raise ConflictError(f"evaluation run {run_id} has finished; start a new run to evaluate again")
        if self.state.dispatch is not None:  # LOOM_TASKS=celery: a worker runs it (resuming what is stored)
            self.judge_model(run)
            if run.status != "running":
                run = self.store.update_run(run_id, status="queued", error=None)
            self.state.dispatch.evaluate(run_id)
            return run
        runner = EvalRunner(self.store, self.candidates, self.judge_model(run))
        self.live[run_id] = runner
        if run.status != "running":
            run = self.store.update_run(run_id, status="queued", error=None)
        self.state.jobs.submit(self._drive(runner, run_id), name=f"eval-{run_id}")
        return run

    async def execute(self, run_id: str) -> None:
        """Run (or resume) ``run_id`` here and now, until it ends: a worker's task."""
        runner = EvalRunner(self.store, self.candidates, self.judge_model(self.run(run_id)))
        self.live[run_id] = runner
        await self._drive(runner, run_id)

    async def _drive(self, runner: EvalRunner, run_id: str) -> None:
        try:
            await runner.run(run_id)
        except Exception as exc:  # a store or bug failure: the run says so instead of staying "running"
            log.exception("evaluation run %s failed", run_id)
            self.store.update_run(run_id, status="failed", error=f"{type(exc).__name__}: {exc}",
                                  finished_at=time.time())
        finally:
            self.live.pop(run_id, None)

    def cancel(self, run_id: str) -> EvalRun:
        run = self.run(run_id)
        if run.status not in UNFINISHED:
            raise ConflictError(f"evaluation run {run_id} is {run.status}; only a queued or running run can be "
                                "cancelled")
        runner = self.live.get(run_id)
        run = self.store.update_run(run_id, status="cancelled", finished_at=time.time())
        if runner is not None:
            runner.cancel()
        return run

    def resume(self, run_id: str) -> EvalRun:
        run = self.run(run_id)
        if run.status in UNFINISHED and run_id in self.live:
            raise ConflictError(f"evaluation run {run_id} is already {run.status}")
        return self.start(run_id)

    def resume_unfinished(self) -> list[str]:
        """On server start: every run left queued or running by the previous process goes on (with workers, their
        tasks are still queued, or handed to another worker when theirs was lost: nothing to do here)."""
        resumed: list[str] = []
        if self.state.dispatch is not None:
            return resumed
        for run in self.store.runs_with_status(*UNFINISHED):
            try:
                self.start(run.run_id)
            except Exception as exc:  # one run that cannot go on must not keep the others (or the server) back
                log.warning("could not resume evaluation run %s: %s", run.run_id, exc)
                self.store.update_run(run.run_id, status="failed", error=f"could not resume: {exc}",
                                      finished_at=time.time())
            else:
                resumed.append(run.run_id)
        return resumed


def progress_event(run: EvalRun) -> dict[str, Any]:
    """What the progress stream sends for a run."""
    return {"run_id": run.run_id, "status": run.status, "progress": run.progress.model_dump(),
            "cost": {k: v.model_dump() for k, v in run.cost.items()}, "error": run.error}
