"""Starting a run and answering in the asked response mode; shared by console runs, the public API and chat."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse, Response

from engine.graph import Graph, validate
from server.api import sse
from server.api.schemas import NodeTrace, ResponseMode, RunDetail, RunResultPublic
from server.db.models import RunRow
from server.errors import InvalidRequestError
from server.runs import RunManager, RunRequest
from server.state import AppState


def compile_graph(state: AppState, definition: dict[str, Any], version: tuple[str, int] | None = None) -> Graph:
    """Validate a definition for running (raises engine DefinitionError → 422). Published versions are
    immutable, so their graphs are validated once and kept (``version`` = (workflow_id, number))."""
    if version is None:
        return validate(definition, state.catalog, state.services)
    graph = state.graphs.get(version)
    if graph is None:
        graph = state.graphs[version] = validate(definition, state.catalog, state.services)
    return graph


def file_values(state: AppState, files: list[dict[str, Any]], owner: str | None = None) -> list[dict[str, Any]]:
    """Uploaded-file references, checked and completed from the file store. ``owner``: the app asking, which
    may use only the files uploaded with its own keys (another app's are not found); None: the console."""
    values = []
    for index, value in enumerate(files):
        file_id = value.get("file_id") if isinstance(value, dict) else None
        if not isinstance(file_id, str):
            raise InvalidRequestError(f"files[{index}] needs a 'file_id' from POST /api/files or /v1/files")
        values.append(state.services.files.info(file_id, owner))
    return values


def file_inputs(state: AppState, inputs: dict[str, Any], owner: str | None = None) -> dict[str, Any]:
    """``inputs`` with each uploaded file (a file value, or a list of them) completed from the file store, so
    the run records the stored (sanitised) name; a file ``owner`` may not use is not found (404)."""
    def complete(item: Any) -> Any:
        if isinstance(item, dict) and isinstance(item.get("file_id"), str):
            return {**item, **state.services.files.info(item["file_id"], owner)}
        return item

    return {name: [complete(i) for i in value] if isinstance(value, list) else complete(value)
            for name, value in inputs.items()}


def result_body(final: dict[str, Any]) -> dict[str, Any]:
    return RunResultPublic(run_id=final["run_id"], status=final["status"], outputs=final.get("outputs") or {},
                           error=final.get("error"), elapsed_ms=final.get("elapsed_ms") or 0.0,
                           usage=final.get("usage") or {}).model_dump()


async def respond(runs: RunManager, request: RunRequest, mode: ResponseMode) -> Response:
    live = await runs.start(request)
    if mode == "async":
        return JSONResponse({"run_id": live.run_id}, status_code=202)
    if mode == "streaming":
        return sse.stream(runs.follow(live))
    return JSONResponse(result_body(await runs.wait(live)))


def run_detail(row: RunRow, events: list[dict[str, Any]]) -> RunDetail:
    """A run with the trace built from its node_finished events (live or recorded)."""
    nodes = [NodeTrace.model_validate(e) for e in events if e.get("type") == "node_finished"]
    detail = RunDetail.model_validate(row, from_attributes=True)
    detail.nodes = nodes
    if row.status == "running":
        final = events[-1] if events and events[-1].get("type") == "run_finished" else None
        if final is not None:  # finished a moment ago, not yet written
            detail.status, detail.outputs, detail.error = final["status"], final["outputs"], final["error"]
    return detail
