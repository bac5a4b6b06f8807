"""Fine-tuning jobs: hyperparameter defaults and hints, start a LoRA SFT job on a published dataset version,
follow its progress (JSON pages or SSE), read its logs, cancel, resume from a checkpoint, and deploy the
fine-tuned model it registered. A thin router over ``modelhub.finetune`` (the runner, parameters, loss-curve
diagnosis) and the server's stores (server/db/finetune.py)."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sse_starlette import ServerSentEvent

from modelhub import gpus
from modelhub.finetune import diagnosis, params
from modelhub.finetune.runner import FinetuneRunner
from modelhub.finetune.schemas import Diagnosis, FinetuneJob, FinetuneParams, ProgressPoint, ResumeMode
from modelhub.hub import ModelHub
from modelhub.repository import DeploymentRecord
from modelhub.schemas import AdapterRef, DeploymentCreate, DeploymentPublic, check_name
from server.api import sse
from server.api.datasets import dataset_store
from server.api.models import app_hub
from server.api.params import SQL_INT_MAX, ResumeAfter
from server.db.finetune import TERMINAL, FinetuneJobs, TrainingSources
from server.errors import ConflictError, InvalidRequestError, NotFoundError, UnavailableError
from server.finetune_runner import build_runner

router = APIRouter(prefix="/api/finetune", tags=["finetune"])
POLL_S = 0.5  # how often a job's event stream looks for new points
CANCEL_WAIT_S = 40.0  # a job a worker trains: how long a cancel waits for it to stop (the runner's grace is 20 s)


# -- wiring (the app's lifespan) -------------------------------------------------------------------------
async def open_finetune(app: FastAPI) -> None:
    """Builds the runner over the app's stores and starts it (jobs a previous process left are settled)."""
    state = app.state.loom
    hub = app_hub(app)
    dispatch = state.dispatch  # LOOM_TASKS=celery: workers train; their runners recover their own jobs
    jobs, sources, runner = build_runner(state.store.engine, state.settings.data_dir, hub, dataset_store(app),
                                         on_queued=dispatch.finetune if dispatch is not None else None)
    await runner.start(recover=dispatch is None)
    app.state.finetune = Finetune(jobs, sources, runner, hub)


async def close_finetune(app: FastAPI) -> None:
    finetune: Finetune | None = getattr(app.state, "finetune", None)
    if finetune is not None:
        await finetune.runner.shutdown()


class Finetune:
    """What the routes reach: the jobs store, the training sources, the runner and the model hub."""

    def __init__(self, jobs: FinetuneJobs, sources: TrainingSources, runner: FinetuneRunner, hub: ModelHub):
        self.jobs, self.sources, self.runner, self.hub = jobs, sources, runner, hub

    def job(self, job_id: str) -> FinetuneJob:
        job = self.jobs.get_job(job_id)
        if job is None:
            raise NotFoundError("fine-tuning job", job_id)
        return job


async def get_finetune(request: Request) -> Finetune:
    finetune = getattr(request.app.state, "finetune", None)
    if finetune is None:
        raise UnavailableError("fine-tuning is not set up on this server")
    return finetune


Tuning = Annotated[Finetune, Depends(get_finetune)]
Step = Annotated[int, Query(ge=-1, le=SQL_INT_MAX, description="only points with a larger step")]
Line = Annotated[int, Query(ge=0, le=SQL_INT_MAX, description="log lines from this index on")]


# -- bodies and answers ----------------------------------------------------------------------------------
class JobCreate(BaseModel):
    """A LoRA SFT job: the fine-tuned model's name, what it starts from, the published dataset version it trains
    on, hyperparameters (missing ones take their defaults) and the system prompt the data was trained with."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="registry name of the fine-tuned model it produces")
    base_model: str = Field(description="a registered base model, or a fine-tuned model to continue from")
    base_version: int | None = Field(None, ge=1, le=1_000_000)
    dataset: str = Field(description="dataset id or name")
    dataset_version: int = Field(ge=1, le=1_000_000)
    params: dict[str, Any] = Field(default_factory=dict)
    system_prompt: str | None = None


class ResumeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    checkpoint: str | None = Field(None, description="a checkpoint of the job; default the newest")
    mode: ResumeMode = Field("full", description="weights: adapter weights only; full: with optimizer state")


class DeployBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, description="the deployment's name; default '<model>-v<version>'")
    backend: Literal["vllm", "transformers"] | None = Field(None, description="default: vllm on a GPU, else "
                                                             "the transformers backend")
    start: bool = True


class JobPublic(FinetuneJob):
    """A job with what its loss curve says and the warnings on its hyperparameters."""

    diagnosis: Diagnosis | None = None
    warnings: list[str] = Field(default_factory=list)


class JobList(BaseModel):
    items: list[FinetuneJob]


class ProgressList(BaseModel):
    job_id: str
    items: list[ProgressPoint]


class LogList(BaseModel):
    job_id: str
    lines: list[str]
    next: int = Field(description="what ?after= takes for the lines that follow")


class ParamsInfo(BaseModel):
    defaults: dict[str, Any]
    hints: dict[str, dict[str, Any]]


def read_params(values: dict[str, Any]) -> FinetuneParams:
    """The hyperparameters, or a 400 naming each bad one in plain words."""
    try:
        return FinetuneParams.model_validate(values)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"]) or "params"
            message = "is not a hyperparameter" if error["type"] == "extra_forbidden" else error["msg"]
            problems.append(f"params.{field}: {message[:1].lower() + message[1:]}")
        raise InvalidRequestError("; ".join(problems)) from None


def rows_of(finetune: Finetune, job: FinetuneJob) -> int | None:
    try:
        return finetune.sources.dataset_files(job.dataset_id, job.dataset_version).rows
    except ValueError:
        return None


def public(finetune: Finetune, job: FinetuneJob) -> JobPublic:
    rows = rows_of(finetune, job)
    return JobPublic(**job.model_dump(), diagnosis=diagnosis.diagnose(finetune.jobs.progress(job.id)),
                     warnings=params.check(job.params, rows) if rows is not None else [])


# -- routes ----------------------------------------------------------------------------------------------
@router.get("/params", response_model=ParamsInfo)
def params_info() -> ParamsInfo:
    """Every hyperparameter's default and range, with the seeds' advice on it."""
    return ParamsInfo(defaults=FinetuneParams().model_dump(mode="json"), hints=params.hints())


@router.post("/jobs", response_model=JobPublic, status_code=201)
async def create_job(finetune: Tuning, body: JobCreate) -> JobPublic:
    try:
        check_name(body.name)
    except ValueError as exc:
        raise InvalidRequestError(f"name: {exc}") from None
    hyper = read_params(body.params)
    registry = finetune.sources.registry
    taken = registry.find_model(body.name)
    if taken is not None and taken.kind != "finetune":
        raise ConflictError(f"name: '{body.name}' is already a registered {taken.kind} model; pick another name")
    try:
        finetune.sources.base_weights(body.base_model, body.base_version)
    except ValueError as exc:
        raise InvalidRequestError(f"base_model: {exc}") from None
    try:
        dataset_id = finetune.sources.datasets.get_dataset(body.dataset).id
        files = finetune.sources.dataset_files(dataset_id, body.dataset_version)
    except (ValueError, NotFoundError) as exc:
        raise InvalidRequestError(f"dataset: {exc}") from None
    job = FinetuneJob(id=uuid.uuid4().hex, name=body.name, base_model=body.base_model,
                      base_version=body.base_version, dataset_id=dataset_id, dataset_version=body.dataset_version,
                      params=hyper, system_prompt=body.system_prompt or None, created_at=time.time())
    try:
        job = await finetune.runner.submit(job)
    except ValueError as exc:  # what it names changed since the checks above
        raise InvalidRequestError(str(exc)) from None
    return JobPublic(**job.model_dump(), diagnosis=diagnosis.diagnose([]),
                     warnings=params.check(job.params, files.rows))  # with the epochs picked by size


@router.get("/jobs", response_model=JobList)
def list_jobs(finetune: Tuning) -> JobList:
    return JobList(items=list(finetune.jobs.list_jobs()))


@router.get("/jobs/{job_id}", response_model=JobPublic)
def get_job(finetune: Tuning, job_id: str) -> JobPublic:
    return public(finetune, finetune.job(job_id))


@router.get("/jobs/{job_id}/progress", response_model=ProgressList)
def job_progress(finetune: Tuning, job_id: str, after: Step = -1) -> ProgressList:
    """Progress points with ``step > after``, in step order."""
    finetune.job(job_id)
    return ProgressList(job_id=job_id, items=list(finetune.jobs.progress(job_id, after)))


@router.get("/jobs/{job_id}/logs", response_model=LogList)
def job_logs(finetune: Tuning, job_id: str, after: Line = 0) -> LogList:
    finetune.job(job_id)
    lines = list(finetune.jobs.logs(job_id, after))
    return LogList(job_id=job_id, lines=lines, next=after + len(lines))


@router.get("/jobs/{job_id}/events", response_class=Response,
            responses={200: {"content": {"text/event-stream": {}},
                             "description": "SSE: `progress` (id = step) and `status` events"}})
async def job_events(finetune: Tuning, job_id: str, after: ResumeAfter) -> Response:
    """The job's progress points with ``step > after`` (or after the Last-Event-ID header; steps start at 1), then
    live ones and each change of its status, until the job has finished and every point is sent."""
    finetune.job(job_id)  # 404 before the stream starts
    return sse.response(_events(finetune, job_id, after))


async def _events(finetune: Finetune, job_id: str, after: int) -> AsyncIterator[ServerSentEvent]:
    # The client has every point of step ``after``; later, an eval point may follow a step's train point.
    last_step, sent_at_last, seen = after, sys.maxsize, None
    while True:
        job = await asyncio.to_thread(finetune.jobs.get_job, job_id)
        points = await asyncio.to_thread(finetune.jobs.progress, job_id, last_step - 1)
        fresh = [p for p in points if p.step > last_step]
        tail = [p for p in points if p.step == last_step][sent_at_last:]  # an eval point after the train one
        for point in tail + fresh:
            yield sse.event({"type": "progress", "seq": point.step, **point.model_dump(mode="json")})
            sent_at_last = sent_at_last + 1 if point.step == last_step else 1
            last_step = point.step
        if job is None:
            return
        state = (job.status, job.error, job.result_model, job.result_version, tuple(job.checkpoints))
        if state != seen:
            seen = state
            yield sse.event({"type": "status", "job": job.model_dump(mode="json")})
        if job.status in TERMINAL and not fresh and not tail:
            return
        await asyncio.sleep(POLL_S)


@router.post("/jobs/{job_id}/cancel", response_model=FinetuneJob)
async def cancel_job(request: Request, finetune: Tuning, job_id: str) -> FinetuneJob:
    job = finetune.job(job_id)
    if job.status in TERMINAL:
        raise ConflictError(f"job '{job_id}' has already {job.status}; only queued or running jobs cancel")
    dispatch = request.app.state.loom.dispatch
    if dispatch is not None and job.status == "running":  # trained by a worker: its task watches for this
        await dispatch.cancel_finetune(job_id)
        deadline = time.monotonic() + CANCEL_WAIT_S
        while finetune.job(job_id).status not in TERMINAL and time.monotonic() < deadline:
            await asyncio.sleep(POLL_S)
        return finetune.job(job_id)
    try:
        return await finetune.runner.cancel(job_id)
    except ValueError as exc:  # it finished meanwhile
        raise ConflictError(str(exc)) from None


@router.get("/jobs/{job_id}/checkpoints")
def job_checkpoints(finetune: Tuning, job_id: str) -> dict[str, list[str]]:
    finetune.job(job_id)
    return {"items": finetune.runner.checkpoints(job_id)}


@router.post("/jobs/{job_id}/resume", response_model=FinetuneJob)
async def resume_job(finetune: Tuning, job_id: str, body: ResumeBody | None = None) -> FinetuneJob:
    """Runs a failed or cancelled job again from a checkpoint (the newest unless one is named)."""
    body = body or ResumeBody()
    job = finetune.job(job_id)
    if job.status not in ("failed", "cancelled"):
        raise ConflictError(f"job '{job_id}' is {job.status}; only failed or cancelled jobs resume")
    available = finetune.runner.checkpoints(job_id)
    if body.checkpoint is not None and body.checkpoint not in available:
        have = ", ".join(available) or "none"
        raise InvalidRequestError(f"checkpoint: job '{job_id}' has no checkpoint '{body.checkpoint}' (it has: {have})")
    if not available:
        raise ConflictError(f"job '{job_id}' saved no checkpoint to resume from; start a new job instead")
    try:
        return await finetune.runner.resume(job_id, body.checkpoint, body.mode)
    except ValueError as exc:
        raise ConflictError(str(exc)) from None


@router.post("/jobs/{job_id}/deploy", response_model=DeploymentPublic, status_code=201)
async def deploy_job(finetune: Tuning, job_id: str, body: DeployBody | None = None) -> DeploymentPublic:
    """Deploys the fine-tuned model the job registered: its base with the adapter, on vLLM when this machine has
    a GPU and on the transformers backend otherwise. LLM nodes then call it by the fine-tuned model's name."""
    body = body or DeployBody()
    job = finetune.job(job_id)
    if job.status != "succeeded" or job.result_model is None:
        raise ConflictError(f"job '{job_id}' is {job.status}; only a succeeded job has a model to deploy")
    registry = finetune.sources.registry
    tuned = registry.get_model(job.result_model, job.result_version)
    backend = body.backend or ("vllm" if gpus.inventory()["gpus"] else "transformers")
    spec = DeploymentCreate(name=body.name or f"{tuned.name}-v{tuned.version}", backend=backend,
                            base_model=tuned.spec["base"],
                            adapters=[AdapterRef(finetune=tuned.name, version=tuned.version)])
    hub = finetune.hub
    await hub.open()
    row: DeploymentRecord = registry.create_deployment(spec)
    if body.start:
        row = await hub.deployments.start(row.id)
    hub.invalidate()
    return hub.public(row)
