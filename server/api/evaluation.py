"""Evaluation: sets (from a dataset version or an uploaded JSONL/CSV), runs of up to ten candidates as background
jobs (progress as JSON or SSE, cancel, resume), the per-sample results table, CSV/JSONL export, blind manual
review with agreement, and workflows' publish gates. A thin router over evaluation/ (sets, metrics, runner) and
the server's store, candidates and jobs (server/db/evaluation.py, server/evaluation_*.py)."""

from __future__ import annotations

import asyncio
import io
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette import ServerSentEvent

from evaluation import export, reports, reviews
from evaluation.errors import MetricError
from evaluation.metrics import metric
from evaluation.schemas import (
    MAX_CANDIDATES,
    CandidateSpec,
    EvalRun,
    EvalSet,
    JudgeConfig,
    MetricSpec,
    Review,
    ReviewVerdict,
)
from evaluation.sets import SetReadResult, items_from_samples, read_set_file
from server.api import sse
from server.api.datasets import dataset_store
from server.db.evaluation import EvalStore, PublishGate
from server.deps import State
from server.errors import InvalidRequestError, NotFoundError, UnsupportedTypeError
from server.evaluation_gate import check_gate, gate_run
from server.evaluation_jobs import EvalJobs, progress_event
from server.evaluation_views import review_page, reviewer_labels

router = APIRouter(prefix="/api/evaluation", tags=["evaluation"])
POLL_S = 0.5  # how often a run's progress stream looks at the store
FINISHED = ("succeeded", "failed", "cancelled")
SET_FILES = (".jsonl", ".csv")


# -- wiring (the app's lifespan) -------------------------------------------------------------------------
async def open_evaluation(app: FastAPI) -> EvalJobs:
    """The store and jobs over the app's database; runs a previous process left unfinished go on."""
    state = app.state.loom
    jobs = app.state.evaluation = EvalJobs(state, EvalStore(state.store.engine))
    jobs.resume_unfinished()
    return jobs


def evaluation_jobs(app: FastAPI) -> EvalJobs:
    jobs: EvalJobs | None = getattr(app.state, "evaluation", None)
    if jobs is None:
        jobs = app.state.evaluation = EvalJobs(app.state.loom, EvalStore(app.state.loom.store.engine))
    return jobs


async def get_jobs(request: Request) -> EvalJobs:
    return evaluation_jobs(request.app)


Jobs = Annotated[EvalJobs, Depends(get_jobs)]


# -- bodies ----------------------------------------------------------------------------------------------
class SetFromDataset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    dataset: str = Field(min_length=1, description="the dataset's id or name")
    version: int = Field(ge=1, le=2_147_483_647)
    part: Literal["train", "validation"] | None = None


class SetPublic(EvalSet):
    skipped: list[dict[str, Any]] = Field(default_factory=list)  # rows that could not become items


class SetList(BaseModel):
    items: list[EvalSet]


class RunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=200)
    set_id: str = Field(min_length=1)
    candidates: list[CandidateSpec] = Field(min_length=1, max_length=MAX_CANDIDATES)
    metrics: list[MetricSpec] = Field(default_factory=list)
    judge: JudgeConfig | None = None
    concurrency: int = Field(default=4, ge=1, le=64)


class RunList(BaseModel):
    items: list[EvalRun]


class ReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reviewer: str = Field(min_length=1, max_length=128)
    item_id: str = Field(min_length=1)
    label: str = Field(min_length=1, max_length=2, description="the blind label the answer was shown under")
    verdict: ReviewVerdict | None = None
    score: float | None = Field(default=None, ge=0, le=10)
    flagged: bool = False
    note: str = Field(default="", max_length=4000)


class GateBody(PublishGate):
    pass


# -- sets ------------------------------------------------------------------------------------------------
def _stored_set(jobs: EvalJobs, eval_set: EvalSet, read: SetReadResult) -> SetPublic:
    if not read.items:
        first = "; ".join(f"line {b.line}: {b.reason}" for b in read.bad[:3])
        raise InvalidRequestError(f"no evaluation items could be read{': ' + first if first else ''}")
    stored = jobs.store.save_set(eval_set, read.items)
    return SetPublic(**stored.model_dump(), skipped=[{"line": b.line, "reason": b.reason} for b in read.bad])


@router.post("/sets", status_code=201, response_model=SetPublic)
async def upload_set(state: State, jobs: Jobs,
                     file: Annotated[UploadFile, File(description="a JSONL or CSV evaluation set")],
                     name: Annotated[str | None, Form(max_length=200)] = None,
                     description: Annotated[str, Form(max_length=2000)] = "") -> SetPublic:
    """An evaluation set from an uploaded file (rows that cannot be items are returned as ``skipped``)."""
    filename = Path(file.filename or "set.jsonl").name
    suffix = Path(filename).suffix.lower()
    if suffix not in SET_FILES:
        raise UnsupportedTypeError(f"file: '{filename}' is not an evaluation set (accepted: .jsonl, .csv)")
    data = await file.read(state.settings.max_upload_bytes + 1)
    if len(data) > state.settings.max_upload_bytes:
        raise InvalidRequestError(f"file: '{filename}' is over the upload limit")
    folder = state.settings.data_dir / "evaluation" / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    await asyncio.to_thread(path.write_bytes, data)
    try:
        read = await asyncio.to_thread(read_set_file, path)
    finally:
        path.unlink(missing_ok=True)
    eval_set = EvalSet(set_id=uuid.uuid4().hex, name=name or Path(filename).stem or "set", description=description,
                       source="upload", created_at=time.time())
    return await asyncio.to_thread(_stored_set, jobs, eval_set, read)


@router.post("/sets/from-dataset", status_code=201, response_model=SetPublic)
async def set_from_dataset(request: Request, jobs: Jobs, body: SetFromDataset) -> SetPublic:
    """An evaluation set from a dataset version: the last assistant turn (or ``target``) is the reference."""
    datasets = dataset_store(request.app)

    def build() -> SetPublic:
        version = datasets.get_version(body.dataset, body.version)
        read = items_from_samples(datasets.samples(version, body.part))
        eval_set = EvalSet(set_id=uuid.uuid4().hex, name=body.name, description=body.description, source="dataset",
                           dataset_id=version.dataset_id, dataset_version=version.number, created_at=time.time())
        return _stored_set(jobs, eval_set, read)

    return await asyncio.to_thread(build)


@router.get("/sets", response_model=SetList)
def list_sets(jobs: Jobs) -> SetList:
    return SetList(items=list(jobs.store.list_sets()))


@router.get("/sets/{set_id}")
def get_set(jobs: Jobs, set_id: str) -> dict[str, Any]:
    eval_set = jobs.store.get_set(set_id)
    if eval_set is None:
        raise NotFoundError("evaluation set", set_id)
    return {**eval_set.model_dump(), "items": [i.model_dump() for i in jobs.store.set_items(set_id)]}


@router.delete("/sets/{set_id}", status_code=204)
def delete_set(jobs: Jobs, set_id: str) -> None:
    if not jobs.store.delete_set(set_id):
        raise NotFoundError("evaluation set", set_id)


# -- runs ------------------------------------------------------------------------------------------------
@router.post("/runs", status_code=202, response_model=EvalRun)
async def create_run(jobs: Jobs, body: RunCreate) -> EvalRun:
    """Checks the set, metrics, judge and candidates, stores the run and starts it in the background."""
    if jobs.store.get_set(body.set_id) is None:
        raise InvalidRequestError(f"set_id: no evaluation set {body.set_id!r}")
    for index, spec in enumerate(body.metrics):
        try:
            metric(spec.name).params(spec.params)
        except MetricError as exc:
            raise InvalidRequestError(f"metrics[{index}] ({spec.name}): {exc}") from None
    try:
        run = EvalRun(run_id=uuid.uuid4().hex, created_at=time.time(), **body.model_dump())
    except ValueError as exc:
        raise InvalidRequestError(_first_error(exc)) from None
    await asyncio.to_thread(jobs.check, run)
    jobs.store.save_run(run)
    return jobs.start(run.run_id)


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        return f"{where + ': ' if where else ''}{first['msg'].removeprefix('Value error, ')}"
    return str(exc)


@router.get("/runs", response_model=RunList)
def list_runs(jobs: Jobs, set_id: str | None = None) -> RunList:
    return RunList(items=[r for r in jobs.store.list_runs() if set_id is None or r.set_id == set_id])


@router.get("/runs/{run_id}", response_model=EvalRun)
def get_run(jobs: Jobs, run_id: str) -> EvalRun:
    return jobs.run(run_id)


@router.get("/runs/{run_id}/events")
async def run_events(jobs: Jobs, run_id: str) -> Response:
    """The run's progress (``progress`` events) as it changes, until it has finished (a final ``end``)."""
    jobs.run(run_id)  # 404 before the stream starts
    return sse.response(_events(jobs, run_id))


async def _events(jobs: EvalJobs, run_id: str) -> AsyncIterator[ServerSentEvent]:
    seen: Any = None
    while True:
        run = await asyncio.to_thread(jobs.store.get_run, run_id)
        if run is None:
            return
        payload = progress_event(run)
        if payload != seen:
            seen = payload
            yield sse.event(payload, "progress")
        if run.status in FINISHED and run_id not in jobs.live:
            yield sse.event(payload, "end")
            return
        await asyncio.sleep(POLL_S)


@router.post("/runs/{run_id}/cancel", response_model=EvalRun)
async def cancel_run(jobs: Jobs, run_id: str) -> EvalRun:
    return jobs.cancel(run_id)


@router.post("/runs/{run_id}/resume", status_code=202, response_model=EvalRun)
async def resume_run(jobs: Jobs, run_id: str) -> EvalRun:
    """Goes on with a cancelled, failed or interrupted run: finished samples are kept, failed ones tried again."""
    return jobs.resume(run_id)


@router.delete("/runs/{run_id}", status_code=204)
def delete_run(jobs: Jobs, run_id: str) -> None:
    run = jobs.run(run_id)
    if run_id in jobs.live:
        raise InvalidRequestError(f"evaluation run {run_id} is {run.status}; cancel it first")
    jobs.store.delete_run(run_id)


def _table(jobs: EvalJobs, run_id: str) -> reports.ResultTable:
    run = jobs.run(run_id)
    try:
        items = jobs.store.set_items(run.set_id)
    except KeyError:
        raise NotFoundError("evaluation set", run.set_id) from None
    return reports.ResultTable(run, items, jobs.store.results(run_id))


@router.get("/runs/{run_id}/results")
async def run_results(jobs: Jobs, run_id: str, tag: str | None = None,
                      offset: Annotated[int, Query(ge=0)] = 0,
                      limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> dict[str, Any]:
    """The per-sample table: input, reference, tags, and per candidate its output, scores and judge reasons."""
    table = await asyncio.to_thread(_table, jobs, run_id)
    if tag is not None:
        table = table.for_tag(tag)
    rows = export.sample_rows(table)
    return {"run_id": run_id, "candidates": [c.model_dump() for c in table.run.candidates],
            "score_keys": table.metric_keys(), "total": len(rows), "items": rows[offset:offset + limit]}


@router.get("/runs/{run_id}/report")
async def run_report(jobs: Jobs, run_id: str) -> dict[str, Any]:
    """Per candidate and metric: the score with its 95% bootstrap interval, overall and per tag."""
    def build() -> dict[str, Any]:
        table = _table(jobs, run_id)
        return {"run_id": run_id, "status": table.run.status, "metric_keys": table.metric_keys(),
                "aggregates": [asdict(a) for a in reports.aggregates(table)],
                "by_tag": {tag: [asdict(a) for a in found] for tag, found in reports.by_tag(table).items()}}

    return await asyncio.to_thread(build)


@router.get("/runs/{run_id}/diff")
async def run_diff(jobs: Jobs, run_id: str, before: Annotated[str, Query(min_length=1)],
                   after: Annotated[str, Query(min_length=1)], metric: Annotated[str, Query(min_length=1)],
                   tolerance: Annotated[float, Query(ge=0)] = 0.0) -> dict[str, Any]:
    """Which items got better, worse or stayed the same from candidate ``before`` to ``after`` (e.g. two
    versions of a workflow) on ``metric``."""
    table = await asyncio.to_thread(_table, jobs, run_id)
    ids = [c.candidate_id for c in table.run.candidates]
    for name, value in (("before", before), ("after", after)):
        if value not in ids:
            raise InvalidRequestError(f"{name}: {value!r} is not a candidate of the run ({', '.join(ids)})")
    if metric not in table.metric_keys():
        raise InvalidRequestError(f"metric: the run has no {metric!r} scores ({', '.join(table.metric_keys())})")
    return asdict(reports.diff(table, before, after, metric, tolerance))


@router.get("/compare")
async def base_vs_tuned(jobs: Jobs, domain_run: Annotated[str, Query(min_length=1)],
                        general_run: Annotated[str, Query(min_length=1)], base: Annotated[str, Query(min_length=1)],
                        tuned: Annotated[str, Query(min_length=1)], metric: Annotated[str, Query(min_length=1)],
                        max_drop: Annotated[float, Query(ge=0)] = 0.05) -> dict[str, Any]:
    """Base vs tuned: the tuned model's gain on the domain set's run against its drop on the general set's."""
    def build() -> dict[str, Any]:
        tables = {"domain_run": _table(jobs, domain_run), "general_run": _table(jobs, general_run)}
        for where, table in tables.items():
            ids = [c.candidate_id for c in table.run.candidates]
            for name, value in (("base", base), ("tuned", tuned)):
                if value not in ids:
                    raise InvalidRequestError(f"{name}: {value!r} is not a candidate of {where} "
                                              f"{table.run.run_id} ({', '.join(ids)})")
        try:
            found = reports.base_vs_tuned(tables["domain_run"], tables["general_run"], base, tuned, metric,
                                          max_drop=max_drop)
        except ValueError as exc:
            raise InvalidRequestError(f"metric: {exc}") from None
        return asdict(found)

    return await asyncio.to_thread(build)


@router.get("/runs/{run_id}/export")
async def export_run(jobs: Jobs, run_id: str, format: Literal["csv", "jsonl"] = "jsonl") -> Response:
    """The per-sample table as JSONL (one item a line) or CSV (one line per item and candidate)."""
    table = await asyncio.to_thread(_table, jobs, run_id)
    stem = f"evaluation-{run_id[:12]}"
    buffer = io.StringIO()
    if format == "csv":
        export.write_csv(table, buffer)
        return Response("\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'})
    export.write_jsonl(table, buffer)
    return Response(buffer.getvalue(), media_type="application/x-ndjson",
                    headers={"Content-Disposition": f'attachment; filename="{stem}.jsonl"'})


# -- blind review ----------------------------------------------------------------------------------------
Reviewer = Annotated[str, Query(min_length=1, max_length=128, description="who reviews")]


@router.get("/runs/{run_id}/review")
async def review_items(jobs: Jobs, run_id: str, reviewer: Reviewer) -> dict[str, Any]:
    """Items with the answers under this reviewer's blind labels (A, B, …; no candidate names)."""
    def build() -> dict[str, Any]:
        run = jobs.run(run_id)
        items = jobs.store.set_items(run.set_id)
        page = review_page(run, items, jobs.store.results(run_id), reviewer, jobs.store.reviews(run_id))
        return {"run_id": run_id, "reviewer": reviewer, "items": page}

    return await asyncio.to_thread(build)


@router.post("/runs/{run_id}/reviews", status_code=201)
def add_review(jobs: Jobs, run_id: str, body: ReviewCreate) -> dict[str, Any]:
    """Records a reviewer's verdict on the answer shown under ``label``; answers with the review, still blind."""
    run = jobs.run(run_id)
    if body.item_id not in {i.item_id for i in jobs.store.set_items(run.set_id)}:
        raise InvalidRequestError(f"item_id: the run's set has no item {body.item_id!r}")
    labels = reviewer_labels(run, body.item_id, body.reviewer)
    if body.label not in labels:
        raise InvalidRequestError(f"label: {body.label!r} is not one of {', '.join(labels)}")
    try:
        review = Review(run_id=run_id, item_id=body.item_id, reviewer=body.reviewer, blind_label=body.label,
                        candidate_id=labels[body.label], verdict=body.verdict, score=body.score,
                        flagged=body.flagged, note=body.note, created_at=time.time())
    except ValueError as exc:
        raise InvalidRequestError(_first_error(exc)) from None
    jobs.store.save_review(review)
    return {"item_id": body.item_id, "label": body.label, "reviewer": body.reviewer, "verdict": body.verdict,
            "score": body.score, "flagged": body.flagged, "note": body.note}


@router.get("/runs/{run_id}/agreement")
def review_agreement(jobs: Jobs, run_id: str) -> dict[str, Any]:
    """Agreement across reviewers and each candidate's pass rate (candidate names shown: this is the report)."""
    run = jobs.run(run_id)
    found = jobs.store.reviews(run_id)
    return {"verdict": asdict(reviews.agreement(found, "verdict")), "score": asdict(reviews.agreement(found, "score")),
            "candidates": [asdict(s) for s in reviews.summarize(found, [c.candidate_id for c in run.candidates])]}


# -- publish gate ----------------------------------------------------------------------------------------
@router.get("/gates/{workflow_id}")
def get_gate(state: State, jobs: Jobs, workflow_id: str) -> dict[str, Any]:
    state.store.get_workflow(workflow_id)
    gate = jobs.store.get_gate(workflow_id)
    return {"workflow_id": workflow_id, "gate": None if gate is None else gate.model_dump()}


@router.put("/gates/{workflow_id}")
def set_gate(state: State, jobs: Jobs, workflow_id: str, body: GateBody) -> dict[str, Any]:
    """Publishing ``workflow_id`` will require its draft to score no worse than the published version."""
    state.store.get_workflow(workflow_id)
    if jobs.store.get_set(body.set_id) is None:
        raise InvalidRequestError(f"set_id: no evaluation set {body.set_id!r}")
    gate = PublishGate.model_validate(body.model_dump())
    check_gate(gate)
    jobs.store.set_gate(workflow_id, gate)
    return {"workflow_id": workflow_id, "gate": gate.model_dump()}


@router.post("/gates/{workflow_id}/run", status_code=202, response_model=EvalRun)
async def run_gate(state: State, jobs: Jobs, workflow_id: str) -> EvalRun:
    """Starts the gate's evaluation: the draft against the newest published version on the gate's set."""
    state.store.get_workflow(workflow_id)
    gate = jobs.store.get_gate(workflow_id)
    if gate is None:
        raise InvalidRequestError(f"workflow {workflow_id} has no publish gate; set one with PUT first")
    run = await asyncio.to_thread(gate_run, jobs, workflow_id, gate)
    return jobs.start(run.run_id)


@router.delete("/gates/{workflow_id}", status_code=204)
def delete_gate(state: State, jobs: Jobs, workflow_id: str) -> None:
    state.store.get_workflow(workflow_id)
    jobs.store.set_gate(workflow_id, None)
