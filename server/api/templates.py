"""Templates: the example workflows shipped in ``workflows/``, listed and turned into new workflows (their
bundled knowledge bases created and indexed on first use)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field

from engine.models import DisplayName
from server.api.workflows import WorkflowPublic, checked, public
from server.deps import State
from server.errors import NotFoundError, UnavailableError
from server.templates import Template, ensure_knowledge, template, templates

router = APIRouter(prefix="/api/templates", tags=["templates"])


class TemplatePublic(BaseModel):
    """An example workflow offered as a starting point."""

    template_id: str
    name: str
    description: str
    mode: str
    knowledge_bases: list[str] = Field(description="bundled knowledge bases it uses (created on first use)")


class TemplateList(BaseModel):
    """Every template, by id."""

    items: list[TemplatePublic]


class TemplateCreate(BaseModel):
    """A new workflow from a template, optionally renamed."""

    model_config = ConfigDict(extra="forbid")

    name: DisplayName | None = None


class TemplateWorkflow(WorkflowPublic):
    """The new workflow, and the knowledge bases that were created for it."""

    template_id: str
    knowledge_bases_created: list[str] = Field(default_factory=list)


@router.get("", response_model=TemplateList)
async def list_templates() -> TemplateList:
    found = await asyncio.to_thread(templates)
    return TemplateList(items=[TemplatePublic(**t.summary()) for t in found])


@router.post("/{template_id}", status_code=201, response_model=TemplateWorkflow)
async def create_from_template(state: State, template_id: str,
                               body: Annotated[TemplateCreate | None, Body()] = None) -> TemplateWorkflow:
    """Create a workflow from the template, after creating and indexing the bundled knowledge bases it names
    that this data directory lacks (the first time: a few seconds, embedding their documents)."""
    chosen = await asyncio.to_thread(template, template_id)
    if chosen is None:
        raise NotFoundError("template", template_id)
    created = await _ensure_knowledge(state, chosen)
    definition = dict(chosen.definition)
    if body is not None and body.name is not None:
        definition["name"] = body.name
    warnings = checked(state, definition)
    row = await asyncio.to_thread(state.store.create_workflow, definition)
    workflow = await asyncio.to_thread(public, row, state, warnings)
    return TemplateWorkflow(**workflow.model_dump(), template_id=template_id, knowledge_bases_created=created)


async def _ensure_knowledge(state: State, chosen: Template) -> list[str]:
    if not chosen.knowledge_bases:
        return []
    knowledge = state.services.knowledge
    if knowledge is None:
        raise UnavailableError(f"template '{chosen.template_id}' needs knowledge bases, and knowledge bases "
                               "are not available on this server")
    # One at a time, with document ingestion: two requests for the same template must not both index its
    # knowledge bases, and a second one must not find a knowledge base created but still empty.
    async with state.ingestion:
        return await asyncio.to_thread(ensure_knowledge, chosen.definition, knowledge)
