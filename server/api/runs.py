"""Console runs: start (draft or published version), list, get with trace, follow events, stop, resume."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from server.api import sse
from server.api.launch import console_source, respond, run_detail
from server.api.params import Limit, Offset, ResumeAfter
from server.api.schemas import (
    ConsoleRunCreate,
    ResponseMode,
    RunAccepted,
    RunDetail,
    RunList,
    RunPublic,
    RunResultPublic,
)
from server.db.logs import DRAFT, RunFilter
from server.db.logs import list_runs as query_runs
from server.deps import State
from server.errors import ConflictError
from server.runs import RunRequest, reuse_plan

router = APIRouter(tags=["runs"])
RUN_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": RunResultPublic, "description": "blocking: the result; streaming: SSE"},
    202: {"model": RunAccepted, "description": "async: the run id to poll"}}
Status = Literal["running", "succeeded", "failed", "stopped", "interrupted"]
Source = Literal["debug", "console", "api", "agent"]
VersionQuery = Annotated[str | None, Query(pattern=r"^(draft|[1-9][0-9]{0,8})$",
                                           description="a published version, or 'draft'")]
SearchQuery = Annotated[str | None, Query(max_length=200, description="text the run's inputs or chat query contain")]
RESUMABLE = ("failed", "stopped", "interrupted")


class ResumeCreate(BaseModel):
    """Resume a run on the current draft."""

    model_config = ConfigDict(extra="forbid")

    response_mode: ResponseMode = "blocking"


@router.post("/api/workflows/{workflow_id}/runs", responses=RUN_RESPONSES)
async def start_run(state: State, workflow_id: str, body: ConsoleRunCreate) -> Response:
    row = await asyncio.to_thread(state.store.get_workflow, workflow_id)
    definition = row.definition
    if body.version is not None:
        definition = (await asyncio.to_thread(state.store.get_version, workflow_id, body.version)).definition
    graph = state.compile(definition)
    request = RunRequest(workflow_id=workflow_id, graph=graph, definition=definition,
                         inputs=state.files.complete_inputs(body.inputs), version=body.version,
                         source=console_source(body.version),
                         sys={"user": body.user, "files": state.files.references(body.files)})
    return await respond(state.runs, request, body.response_mode)


@router.get("/api/runs", response_model=RunList)
def list_runs(state: State, workflow_id: str | None = None, status: Status | None = None,
              source: Source | None = None, version: VersionQuery = None, conversation_id: str | None = None,
              q: SearchQuery = None, limit: Limit = 50, offset: Offset = 0) -> RunList:
    """Runs newest first, filtered by app, status, source, version ('draft' or a number), conversation and
    text in their inputs (``q``)."""
    flt = RunFilter(workflow_id=workflow_id, status=status, source=source, conversation_id=conversation_id,
                    version=None if version is None else DRAFT if version == DRAFT else int(version), search=q)
    rows, total = query_runs(state.store.engine, flt, limit, offset)
    return RunList(items=[RunPublic.of(r) for r in rows], total=total)


@router.get("/api/runs/{run_id}", response_model=RunDetail)
async def get_run(state: State, run_id: str) -> RunDetail:
    row = await state.runs.get(run_id)
    return run_detail(row, await state.runs.history(run_id))


@router.get("/api/runs/{run_id}/events", response_class=Response,
            responses={200: {"content": {"text/event-stream": {}}, "description": "SSE of the run's events"}})
async def run_events(state: State, run_id: str, after: ResumeAfter) -> Response:
    """The run's events with ``seq > after`` (or after the Last-Event-ID header): replayed, then live until the run
    finishes."""
    await state.runs.get(run_id)  # 404 for unknown runs, before the stream starts
    return sse.stream(state.runs.events(run_id, after))


@router.post("/api/runs/{run_id}/stop", status_code=202, response_model=RunAccepted)
def stop_run(state: State, run_id: str) -> RunAccepted:
    state.runs.stop(run_id)
    return RunAccepted(run_id=run_id)


@router.post("/api/runs/{run_id}/resume", responses=RUN_RESPONSES)
async def resume_run(state: State, run_id: str, body: ResumeCreate | None = None) -> Response:
    """Re-run a failed or stopped run on the current draft (a debug run), replaying the nodes that succeeded and
    are unchanged; the new run links to the old one (``resumed_from``)."""
    old = await state.runs.get(run_id)
    if old.status not in RESUMABLE:
        raise ConflictError(f"run '{run_id}' is {old.status}; only failed, stopped or interrupted runs resume")
    workflow = await asyncio.to_thread(state.store.get_workflow, old.workflow_id)
    graph = state.compile(workflow.definition)
    events = await state.runs.history(run_id)  # from memory when it finished a moment ago, not yet written
    request = RunRequest(workflow_id=old.workflow_id, graph=graph, definition=workflow.definition,
                         inputs=old.inputs, source=console_source(None), sys=old.sys,
                         reuse=reuse_plan(graph, old.definition, events), resumed_from=run_id)
    return await respond(state.runs, request, body.response_mode if body else "blocking")


@router.post("/api/runs/{run_id}/rerun", responses=RUN_RESPONSES)
async def rerun(state: State, run_id: str, body: ResumeCreate | None = None) -> Response:
    """Run again what a run ran: its inputs, user and files on the same published version, or on the current
    draft when it ran the draft. A chat turn is re-run by sending its message again in its conversation."""
    old = await state.runs.get(run_id)
    if old.conversation_id is not None:
        raise ConflictError(f"run '{run_id}' is a turn of conversation '{old.conversation_id}'; send its message "
                            "again in that conversation instead")
    if old.version is None:
        definition = (await asyncio.to_thread(state.store.get_workflow, old.workflow_id)).definition
    else:
        definition = (await asyncio.to_thread(state.store.get_version, old.workflow_id, old.version)).definition
    sys = {name: (old.sys or {}).get(name) for name in ("user", "files")}
    request = RunRequest(workflow_id=old.workflow_id, graph=state.compile(definition), definition=definition,
                         inputs=old.inputs, version=old.version, source=console_source(old.version), sys=sys)
    return await respond(state.runs, request, body.response_mode if body else "blocking")
