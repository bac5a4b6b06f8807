"""Public API ``/v1``: run a published workflow, get a run and its events, stop a run (per-app API keys)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import Response

from server.api import sse
from server.api.launch import respond, run_detail
from server.api.params import ResumeAfter
from server.api.runs import RUN_RESPONSES
from server.api.schemas import RunAccepted, RunCreate, RunDetail
from server.db.models import AppKeyRow
from server.deps import AppKey, State, check_app
from server.runs import RunRequest
from server.state import AppState

router = APIRouter(prefix="/v1", tags=["public"])


async def run(state: AppState, key: AppKeyRow, workflow_id: str, body: RunCreate) -> Response:
    """Run the newest published version of the app ``workflow_id`` (the route, and its hot path in
    server.api.run_path)."""
    check_app(key, workflow_id)
    # The newest version is cached: no thread hop when it was read lately (the usual case).
    version = state.store.cached_version(workflow_id)
    if version is None:
        version = await asyncio.to_thread(state.store.get_version, workflow_id)
    graph = state.compile(version.definition, (workflow_id, version.version))
    request = RunRequest(workflow_id=workflow_id, graph=graph, definition=version.definition,
                         inputs=state.files.complete_inputs(body.inputs, workflow_id), version=version.version,
                         source="api",
                         sys={"user": body.user, "files": state.files.references(body.files, workflow_id)},
                         max_in_flight=state.settings.max_concurrent_runs_per_app, files_owner=workflow_id,
                         max_per_minute=state.settings.rate_limit_per_minute or None)
    return await respond(state.runs, request, body.response_mode)


async def run_workflow(state: State, key: AppKey, workflow_id: str, body: RunCreate) -> Response:
    """Run the newest published version of the app."""
    return await run(state, key, workflow_id, body)


router.add_api_route("/workflows/{workflow_id}/run", run_workflow, methods=["POST"], responses=RUN_RESPONSES)


async def _own_run(state: State, key: AppKey, run_id: str):
    row = await state.runs.get(run_id)
    check_app(key, row.workflow_id)
    return row


@router.get("/runs/{run_id}", response_model=RunDetail)
async def get_run(state: State, key: AppKey, run_id: str) -> RunDetail:
    row = await _own_run(state, key, run_id)
    return run_detail(row, await state.runs.history(run_id))


@router.get("/runs/{run_id}/events", response_class=Response,
            responses={200: {"content": {"text/event-stream": {}}, "description": "SSE of the run's events"}})
async def run_events(state: State, key: AppKey, run_id: str, after: ResumeAfter) -> Response:
    await _own_run(state, key, run_id)
    return sse.stream(state.runs.events(run_id, after))


@router.post("/runs/{run_id}/stop", status_code=202, response_model=RunAccepted)
async def stop_run(state: State, key: AppKey, run_id: str) -> RunAccepted:
    await _own_run(state, key, run_id)
    state.runs.stop(run_id)
    return RunAccepted(run_id=run_id)
