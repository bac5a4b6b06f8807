"""Workflows: drafts (validated on save), duplicate, publish numbered immutable versions, restore,
import and export."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Body, File, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from dify.errors import DifyExportError, DifyImportError
from dify.exporter import export_dsl
from dify.importer import import_dsl
from dify.report import ImportReport
from engine.graph import validate
from server.api.evaluation_common import evaluation_jobs
from server.db.models import VersionRow, WorkflowRow
from server.deps import State
from server.errors import InvalidRequestError
from server.evaluation_gate import check_publish
from server.state import AppState

router = APIRouter(prefix="/api/workflows", tags=["workflows"])
VersionNumber = Annotated[int, Path(ge=1, le=2_147_483_647, description="a published version number")]
Definition = Annotated[dict[str, Any], Body(description="a workflow definition (docs/workflow-format.md)")]


class WorkflowSummary(BaseModel):
    """A workflow as listed."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    description: str
    mode: str
    created_at: float
    updated_at: float
    latest_version: int | None = None


class WorkflowPublic(WorkflowSummary):
    """A workflow with its draft definition and the validator's warnings."""

    definition: dict[str, Any]
    warnings: list[dict[str, str]] = Field(default_factory=list)


class WorkflowList(BaseModel):
    """All workflows, most recently edited first."""

    items: list[WorkflowSummary]


class PublishCreate(BaseModel):
    """Publish the current draft as a new version."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field("", max_length=2000)


class VersionPublic(BaseModel):
    """A published version."""

    model_config = ConfigDict(from_attributes=True)

    workflow_id: str
    version: int
    note: str
    created_at: float
    definition: dict[str, Any]


class VersionList(BaseModel):
    """Published versions, newest first."""

    items: list[VersionPublic]


def checked(state: AppState, definition: dict[str, Any]) -> list[dict[str, str]]:
    """Validate before saving; DefinitionError (→ 422 with every issue) keeps it from being saved."""
    graph = validate(definition, state.catalog, state.services)
    return [w.as_dict() for w in graph.warnings]


def public(row: WorkflowRow, state: AppState, warnings: list[dict[str, str]] | None = None) -> WorkflowPublic:
    latest = state.store.latest_versions().get(row.id)
    return WorkflowPublic.model_validate(row).model_copy(update={"latest_version": latest,
                                                                 "warnings": warnings or []})


@router.post("", status_code=201, response_model=WorkflowPublic)
def create_workflow(state: State, definition: Definition) -> WorkflowPublic:
    warnings = checked(state, definition)
    return public(state.store.create_workflow(definition), state, warnings)


@router.get("", response_model=WorkflowList)
def list_workflows(state: State) -> WorkflowList:
    latest = state.store.latest_versions()
    items = [WorkflowSummary.model_validate(row).model_copy(update={"latest_version": latest.get(row.id)})
             for row in state.store.list_workflows()]
    return WorkflowList(items=items)


class WorkflowImported(WorkflowPublic):
    """An imported workflow; a Dify DSL import adds what it mapped, approximated, dropped and needs."""

    import_report: ImportReport | None = None


DIFY_ENVELOPE = re.compile(r"^(kind:\s*app\s*$|app:\s*$)", re.M)


def is_dify(filename: str, raw: bytes) -> bool:
    """A Dify DSL file: a .yml/.yaml name, or YAML with Dify's ``kind: app`` / ``app:`` envelope."""
    if filename.lower().endswith((".yml", ".yaml")):
        return True
    return DIFY_ENVELOPE.search(raw[:65536].decode("utf-8", "replace")) is not None


@router.post("/import", status_code=201, response_model=WorkflowImported)
async def import_workflow(state: State, file: Annotated[UploadFile, File(
        description="a workflow JSON file, or a Dify DSL file (YAML, kind: app; detected)")]) -> WorkflowImported:
    raw = await file.read(state.settings.max_body_bytes + 1)
    if len(raw) > state.settings.max_body_bytes:
        raise InvalidRequestError(f"'{file.filename}' is larger than {state.settings.max_body_bytes:,} bytes")
    report = None
    try:
        definition = json.loads(raw)
        dify = isinstance(definition, dict) and definition.get("kind") == "app" and "workflow" in definition
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        if not is_dify(file.filename or "", raw):
            raise InvalidRequestError(f"'{file.filename}' is not valid JSON: {exc}") from None
        dify = True
    if dify:
        try:
            imported = import_dsl(raw, tools=state.services.tools)
        except DifyImportError as err:
            raise InvalidRequestError(f"'{file.filename}' cannot be imported from Dify: {err}") from None
        definition, report = imported.workflow, imported.report
    if not isinstance(definition, dict):
        raise InvalidRequestError(f"'{file.filename}' must hold a JSON object (a workflow definition)")
    warnings = checked(state, definition)
    created = public(state.store.create_workflow(definition), state, warnings)
    return WorkflowImported(**created.model_dump(), import_report=report)


@router.get("/{workflow_id}", response_model=WorkflowPublic)
def get_workflow(state: State, workflow_id: str) -> WorkflowPublic:
    return public(state.store.get_workflow(workflow_id), state)


@router.put("/{workflow_id}", response_model=WorkflowPublic)
def update_workflow(state: State, workflow_id: str, definition: Definition) -> WorkflowPublic:
    state.store.get_workflow(workflow_id)
    warnings = checked(state, definition)
    return public(state.store.update_workflow(workflow_id, definition), state, warnings)


@router.delete("/{workflow_id}", status_code=204)
def delete_workflow(state: State, workflow_id: str) -> None:
    state.store.delete_workflow(workflow_id)


@router.post("/{workflow_id}/duplicate", status_code=201, response_model=WorkflowPublic)
def duplicate_workflow(state: State, workflow_id: str) -> WorkflowPublic:
    source = state.store.get_workflow(workflow_id)
    definition = {**source.definition, "name": f"{source.name} (copy)"[:200]}
    return public(state.store.create_workflow(definition), state)


@router.get("/{workflow_id}/export", response_model=None)
def export_workflow(state: State, workflow_id: str,
                    format: Annotated[Literal["loom", "dify"], Query(
                        description="loom: the workflow JSON; dify: a Dify DSL (YAML) for Dify to import")] = "loom",
                    ) -> JSONResponse | Response:
    row = state.store.get_workflow(workflow_id)
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in row.name)[:60] or "workflow"
    fallback = "".join(c if c.isascii() else "_" for c in stem)  # headers are latin-1: 语文 → filename*
    suffix = ".yml" if format == "dify" else ".json"
    disposition = f"attachment; filename=\"{fallback}{suffix}\"; filename*=UTF-8''{quote(stem + suffix)}"
    if format == "loom":
        return JSONResponse(row.definition, headers={"Content-Disposition": disposition})
    try:
        text = export_dsl(row.definition, state.catalog, state.services)
    except DifyExportError as exc:  # 422 listing each node Dify has no equivalent for, so the UI can name them
        return JSONResponse({"detail": str(exc), "problems": [{"node_id": node_id, "reason": reason}
                                                            for node_id, reason in exc.problems]},
                            status_code=422)
    return Response(text, media_type="application/yaml; charset=utf-8",
                    headers={"Content-Disposition": disposition})


@router.post("/{workflow_id}/publish", status_code=201, response_model=VersionPublic)
def publish_workflow(state: State, request: Request, workflow_id: str,
                     body: Annotated[PublishCreate | None, Body()] = None) -> VersionRow:
    row = state.store.get_workflow(workflow_id)
    checked(state, row.definition)  # a draft saved under an older catalog may no longer be valid
    check_publish(evaluation_jobs(request.app), workflow_id)  # 409 when its evaluation gate says no
    return state.store.publish(workflow_id, body.note if body else "")


@router.get("/{workflow_id}/versions", response_model=VersionList)
def list_versions(state: State, workflow_id: str) -> VersionList:
    return VersionList(items=[VersionPublic.model_validate(v) for v in state.store.list_versions(workflow_id)])


@router.get("/{workflow_id}/versions/{version}", response_model=VersionPublic)
def get_version(state: State, workflow_id: str, version: VersionNumber) -> VersionRow:
    return state.store.get_version(workflow_id, version)


@router.post("/{workflow_id}/versions/{version}/restore", response_model=WorkflowPublic)
def restore_version(state: State, workflow_id: str, version: VersionNumber) -> WorkflowPublic:
    """Copy a published version into the draft (the version itself stays as it is)."""
    published = state.store.get_version(workflow_id, version)
    return public(state.store.update_workflow(workflow_id, published.definition), state)
