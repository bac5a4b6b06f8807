"""Answering a run in the asked response mode, and a run's detail; shared by console runs, the API and chat."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse, Response

from server.api import sse
from server.api.schemas import NodeTrace, ResponseMode, RunDetail, RunResultPublic
from server.db.models import RunRow
from server.run_prompts import llm_nodes, prompt_of
from server.runs import RunManager, RunRequest


def console_source(version: int | None) -> str:
    """Where a console run comes from: ``debug`` when it runs the draft (the editor's run and chat preview),
    ``console`` when it runs a published version. Public API runs are ``api``."""
    return "debug" if version is None else "console"


def result_model(final: dict[str, Any]) -> RunResultPublic:
    """A blocking run's answer, from its run_finished event."""
    return RunResultPublic.model_construct(run_id=final["run_id"], status=final["status"],
                                           outputs=final.get("outputs") or {}, error=final.get("error"),
                                           elapsed_ms=final.get("elapsed_ms") or 0.0, usage=final.get("usage") or {})


async def respond(runs: RunManager, request: RunRequest, mode: ResponseMode) -> Response:
    if runs.dispatches(request, mode):
        return await _dispatched(runs, request, mode)
    live = await runs.start(request)
    if mode == "async":
        return JSONResponse({"run_id": live.run_id}, status_code=202)
    if mode == "streaming":
        return sse.stream(runs.follow(live))
    # Serialised once, without validating again: the values come from the run's own run_finished event.
    return Response(result_model(await runs.wait(live)).model_dump_json(), media_type="application/json")


async def _dispatched(runs: RunManager, request: RunRequest, mode: ResponseMode) -> Response:
    """A run queued for a worker, answered as if it ran here: followed through the shared event log."""
    assert runs.dispatch is not None
    run_id = await runs.enqueue(request, runs.dispatch.run)
    if mode == "async":
        return JSONResponse({"run_id": run_id}, status_code=202)
    if mode == "streaming":
        return sse.stream(runs.events(run_id))
    return Response(result_model(await runs.final(run_id)).model_dump_json(), media_type="application/json")


def run_detail(row: RunRow, events: list[dict[str, Any]]) -> RunDetail:
    """A run with the trace built from its node_finished events (live or recorded)."""
    nodes = [NodeTrace.model_validate(e) for e in events if e.get("type") == "node_finished"]
    llms, mode = llm_nodes(row.definition or {}), (row.definition or {}).get("mode", "workflow")
    for node in nodes:
        if node.node_id in llms and node.status != "skipped":
            node.prompt = prompt_of(llms[node.node_id], mode, node.inputs, row.sys or {})
    detail = RunDetail.of(row)
    detail.nodes = nodes
    final = events[-1] if events and events[-1].get("type") == "run_finished" else None
    if final is not None and row.finished_at is None:  # finished a moment ago, its end not yet written
        usage = final.get("usage") or {}
        detail.status, detail.outputs, detail.error = final["status"], final.get("outputs") or {}, final.get("error")
        detail.failed_node, detail.elapsed_ms = final.get("failed_node"), final.get("elapsed_ms") or 0.0
        detail.usage, detail.total_tokens = usage, int(usage.get("total_tokens") or 0)
    return detail
