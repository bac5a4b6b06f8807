"""Evaluation: sets (from a dataset version or an uploaded JSONL/CSV), runs of up to ten candidates as background
jobs (progress as JSON or SSE, cancel, resume) and workflows' publish gates; results, reports, export and the
blind review are server/api/evaluation_results.py's, included here. A thin router over evaluation/ (sets,
metrics, runner) and the server's store, candidates and jobs (server/db/evaluation.py, server/evaluation_*.py)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette import ServerSentEvent

from evaluation.errors import MetricError
from evaluation.metrics import metric
from evaluation.schemas import MAX_CANDIDATES, CandidateSpec, EvalRun, EvalSet, JudgeConfig, MetricSpec
from evaluation.sets import SetReadResult, items_from_samples, read_set_file
from server.api import sse
from server.api.datasets import dataset_store
from server.api.evaluation_common import Jobs, first_error
from server.api.evaluation_results import router as results_router
from server.db.evaluation import EvalStore, PublishGate
from server.deps import State
from server.errors import InvalidRequestError, NotFoundError, UnsupportedTypeError
from server.evaluation_gate import check_gate, gate_run
from server.evaluation_jobs import EvalJobs, progress_event

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
        raise InvalidRequestError(first_error(exc)) from None
    await asyncio.to_thread(jobs.check, run)
    jobs.store.save_run(run)
    return jobs.start(run.run_id)


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


router.include_router(results_router)
