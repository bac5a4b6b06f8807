"""Running an evaluation: every candidate answers every item, then metrics and the judge score the answers.

The run is resumable: each finished sample is stored as soon as it is done (keyed by run, candidate and item),
and a run started again — after a restart, a failure or a cancel — skips the samples that already have an answer
and the judgements already made. Samples that failed are tried again. Cancelling (``cancel()``, or setting the
stored run's status to ``cancelled`` from elsewhere) stops the run after the samples in flight.

Phases: (1) generation, bounded by ``run.concurrency`` across all candidates; (2) automatic metrics, per item,
over each candidate's answers (recomputed every time: they are cheap and deterministic); (3) the judge, bounded
by the same limit. Metrics and judges see the answer without its ``<think>`` reasoning block.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence

from evaluation.errors import CandidateError, EvaluationError, JudgeError, RunError
from evaluation.judges import PairwiseJudge, ScoreJudge
from evaluation.metrics import metric
from evaluation.repository import Candidate, CandidateFactory, EvalRepository, JudgeModel
from evaluation.schemas import CandidateCost, CandidateSpec, EvalItem, EvalRun, Progress, SampleResult
from modelhub.datasets.formats import split_think

ProgressCallback = Callable[[EvalRun], None]
JUDGE_KEY = "judge"
PAIRWISE_KEY = "pairwise"
PAIRWISE_SCORES = {"win": 1.0, "tie": 0.5, "loss": 0.0}


def answer_text(output: str) -> str:
    """The part of an output that is scored: without a leading ``<think>…</think>`` block."""
    return split_think(output)[1]


class EvalRunner:
    """Runs one stored evaluation run to its end (or until cancelled)."""

    def __init__(self, repository: EvalRepository, candidates: CandidateFactory, judge_model: JudgeModel | None = None,
                 on_progress: ProgressCallback | None = None) -> None:
        self.repository = repository
        self.factory = candidates
        self.judge_model = judge_model
        self.on_progress = on_progress
        self._cancelled = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._progress = Progress()

    def cancel(self) -> None:
        """Stop after the samples in flight; the run ends ``cancelled`` and can be resumed."""
        self._cancelled.set()
        for task in self._tasks:
            task.cancel()

    async def run(self, run_id: str) -> EvalRun:
        """Runs (or resumes) ``run_id``; returns the stored run in its final state. Never raises for a run that
        fails: the run is stored ``failed`` with the reason."""
        run = self.repository.get_run(run_id)
        if run is None:
            raise RunError(f"evaluation run {run_id!r} does not exist")
        if run.status == "succeeded":
            return run
        try:
            return await self._run(run)
        except EvaluationError as exc:
            return self._finish(run, "failed", str(exc))
        except Exception as exc:  # a bug or a store failure: the run must not stay "running"; the caller logs it
            self._finish(run, "failed", f"internal error: {type(exc).__name__}: {exc}")
            raise

    async def _run(self, run: EvalRun) -> EvalRun:
        try:
            items = list(self.repository.set_items(run.set_id))
        except KeyError:
            raise RunError(f"evaluation set {run.set_id!r} of run {run.run_id!r} does not exist") from None
        if not items:
            raise RunError(f"evaluation set {run.set_id!r} has no items")
        for spec in run.metrics:
            metric(spec.name).params(spec.params)  # a MetricError now, not after every answer is in
        if run.judge and self.judge_model is None:
            raise RunError(f"the run has a judge ({run.judge.model}) but no judge model was given to the runner")
        built = {spec.candidate_id: self._build(spec) for spec in run.candidates}

        existing = {(r.candidate_id, r.item_id): r for r in self.repository.results(run.run_id)}
        judge_units = 0 if run.judge is None else len(built) - (run.judge.mode == "pairwise")
        done = sum(r.output is not None for r in existing.values())
        done += sum(JUDGE_KEY in r.scores or PAIRWISE_KEY in r.scores for r in existing.values())
        self._progress = Progress(total=len(items) * (len(built) + judge_units), done=done)
        run = self.repository.update_run(run.run_id, status="running", error=None, progress=self._progress,
                                         started_at=run.started_at or time.time(), finished_at=None)
        if self.on_progress:
            self.on_progress(run)

        semaphore = asyncio.Semaphore(run.concurrency)
        walls: dict[str, list[float]] = {cid: [] for cid in built}
        pending = [(cid, item) for cid in built for item in items
                   if (found := existing.get((cid, item.item_id))) is None or found.output is None]
        await self._gather([self._generate(run, cid, built[cid], item, semaphore, walls) for cid, item in pending])
        if self._cancelled.is_set():
            return self._finish(run, "cancelled", None, walls)

        results = self._score_metrics(run, items)
        if run.judge:
            await self._gather([self._judge(run, item, results, semaphore) for item in items])
            if self._cancelled.is_set():
                return self._finish(run, "cancelled", None, walls)
        answered = [r for r in self.repository.results(run.run_id) if r.output is not None]
        if not answered:
            failures = [r.error for r in self.repository.results(run.run_id) if r.error]
            return self._finish(run, "failed", f"every sample failed; first error: {failures[0] if failures else '?'}",
                                walls)
        return self._finish(run, "succeeded", None, walls)

    def _build(self, spec: CandidateSpec) -> Candidate:
        try:
            return self.factory.build(spec)
        except CandidateError:
            raise
        except Exception as exc:  # the factory is the server's: report what it said, naming the candidate
            raise CandidateError(f"candidate {spec.candidate_id!r}: {exc}") from None

    async def _gather(self, coroutines: Sequence[Awaitable[None]]) -> None:
        self._tasks = [asyncio.ensure_future(coroutine) for coroutine in coroutines]
        if self._cancelled.is_set():
            self.cancel()
        outcomes = await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        for outcome in outcomes:
            if isinstance(outcome, Exception):
                raise outcome

    async def _generate(self, run: EvalRun, candidate_id: str, candidate: Candidate, item: EvalItem,
                        semaphore: asyncio.Semaphore, walls: dict[str, list[float]]) -> None:
        async with semaphore:
            if self._cancelled.is_set():
                return
            started = time.monotonic()
            walls[candidate_id].append(started)
            try:
                output = await candidate.generate(item)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the candidate's failure is this sample's result, not the run's
                result = SampleResult(run_id=run.run_id, candidate_id=candidate_id, item_id=item.item_id,
                                      latency_s=time.monotonic() - started, error=str(exc) or type(exc).__name__)
            else:
                result = SampleResult(run_id=run.run_id, candidate_id=candidate_id, item_id=item.item_id,
                                      output=output.text, tokens_in=output.tokens_in, tokens_out=output.tokens_out,
                                      latency_s=output.latency_s or time.monotonic() - started)
            walls[candidate_id].append(time.monotonic())
            self.repository.upsert_result(result)
            self._advance(run, failed=result.error is not None)

    def _advance(self, run: EvalRun, failed: bool) -> None:
        self._progress = self._progress.model_copy(
            update={"done": self._progress.done + (not failed), "failed": self._progress.failed + failed})
        stored = self.repository.update_run(run.run_id, progress=self._progress)
        if stored.status == "cancelled":  # cancelled from elsewhere (the API, another replica)
            self.cancel()
        if self.on_progress:
            self.on_progress(stored)

    def _score_metrics(self, run: EvalRun, items: Sequence[EvalItem]) -> dict[tuple[str, str], SampleResult]:
        by_key = {(r.candidate_id, r.item_id): r for r in self.repository.results(run.run_id)}
        for spec in run.candidates:
            answered = [(item, by_key[(spec.candidate_id, item.item_id)]) for item in items
                        if (spec.candidate_id, item.item_id) in by_key
                        and by_key[(spec.candidate_id, item.item_id)].output is not None]
            for metric_spec in run.metrics:
                scorer = metric(metric_spec.name)
                pairs = [(item, result) for item, result in answered
                         if item.expected() is not None or not scorer.needs_reference]
                if not pairs:
                    continue
                values = scorer.per_item([answer_text(r.output or "") for _, r in pairs],
                                         [item.expected() for item, _ in pairs], **metric_spec.params)
                for (_, result), value in zip(pairs, values, strict=True):
                    result.scores[metric_spec.key] = value
        for result in by_key.values():
            self.repository.upsert_result(result)
        return by_key

    async def _judge(self, run: EvalRun, item: EvalItem, results: dict[tuple[str, str], SampleResult],
                     semaphore: asyncio.Semaphore) -> None:
        assert run.judge is not None and self.judge_model is not None
        config = run.judge
        for spec in run.candidates:
            result = results.get((spec.candidate_id, item.item_id))
            if result is None or result.output is None:
                continue
            if config.mode == "score" and JUDGE_KEY not in result.scores:
                async with semaphore:
                    if self._cancelled.is_set():
                        return
                    judge = ScoreJudge(self.judge_model, config.rubric, config.language)
                    try:
                        verdict = await judge.score(item, answer_text(result.output))
                    except Exception as exc:  # JudgeError, or the judge model's own failure: retried on resume
                        result.judge_reasons[JUDGE_KEY] = f"error: {_message(exc)}"
                    else:
                        result.scores[JUDGE_KEY] = verdict.score
                        result.judge_reasons[JUDGE_KEY] = verdict.reason
                self.repository.upsert_result(result)
                self._advance(run, failed=JUDGE_KEY not in result.scores)
            elif config.mode == "pairwise" and result.pairwise is None and spec.candidate_id != config.baseline:
                baseline = results.get((config.baseline or "", item.item_id))
                if baseline is None or baseline.output is None:
                    continue
                async with semaphore:
                    if self._cancelled.is_set():
                        return
                    pair = PairwiseJudge(self.judge_model, config.rubric, config.language)
                    try:
                        outcome = await pair.compare(item, answer_text(result.output), answer_text(baseline.output))
                    except Exception as exc:  # JudgeError, or the judge model's own failure: retried on resume
                        result.judge_reasons[PAIRWISE_KEY] = f"error: {_message(exc)}"
                    else:
                        result.pairwise = outcome
                        result.scores[PAIRWISE_KEY] = PAIRWISE_SCORES[outcome.verdict]
                        result.judge_reasons[PAIRWISE_KEY] = "\n".join(outcome.reasons)
                self.repository.upsert_result(result)
                self._advance(run, failed=result.pairwise is None)

    def _finish(self, run: EvalRun, status: str, error: str | None,
                walls: dict[str, list[float]] | None = None) -> EvalRun:
        stored = self.repository.get_run(run.run_id) or run
        cost = candidate_costs(self.repository.results(run.run_id), stored, walls or {})
        return self.repository.update_run(run.run_id, status=status, error=error, cost=cost,
                                          finished_at=time.time())


def _message(exc: Exception) -> str:
    return str(exc) if isinstance(exc, JudgeError) else f"judge model failed: {str(exc) or type(exc).__name__}"


def candidate_costs(results: Sequence[SampleResult], run: EvalRun,
                    walls: dict[str, list[float]]) -> dict[str, CandidateCost]:
    """Tokens, latency and errors per candidate from its stored results; wall time adds this session's span
    (first call to last answer) to what earlier sessions of the run recorded."""
    costs: dict[str, CandidateCost] = {}
    for spec in run.candidates:
        mine = [r for r in results if r.candidate_id == spec.candidate_id]
        previous = run.cost.get(spec.candidate_id, CandidateCost()).wall_s
        span = walls.get(spec.candidate_id, [])
        costs[spec.candidate_id] = CandidateCost(
            samples=sum(r.output is not None for r in mine), errors=sum(r.error is not None for r in mine),
            tokens_in=sum(r.tokens_in for r in mine), tokens_out=sum(r.tokens_out for r in mine),
            latency_s=sum(r.latency_s for r in mine),
            wall_s=previous + (max(span) - min(span) if span else 0.0))
    return costs
