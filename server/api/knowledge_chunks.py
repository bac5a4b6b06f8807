"""Managing an indexed document's chunks (browse, search, edit, disable, add, delete) and a knowledge base's
settings after creation (chunking changes re-index every document in the background)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from knowledge.chunks import MAX_CHUNK_CHARS, ChunkRecord, DocumentChunks
from knowledge.kb_settings import update_settings
from knowledge.settings import ChunkingSettings, CleaningSettings, RetrievalSettings
from server.api.knowledge import KnowledgeBasePublic, kb_public, queue_ingestion, service
from server.deps import State

router = APIRouter(prefix="/api/knowledge-bases", tags=["knowledge"])


class ChunkPublic(BaseModel):
    """A stored chunk: ``search_text`` is what is embedded and matched, ``content`` what a hit returns."""

    chunk_id: int
    document_id: str
    document: str
    position: int
    content: str
    search_text: str
    enabled: bool
    metadata: dict


class ChunkPage(BaseModel):
    items: list[ChunkPublic]
    total: int


class ChunkCreate(BaseModel):
    """A chunk added to a document; ``search_text`` defaults to the content."""

    model_config = ConfigDict(extra="forbid")

    content: str = Field(min_length=1, max_length=MAX_CHUNK_CHARS)
    search_text: str | None = Field(None, min_length=1, max_length=MAX_CHUNK_CHARS)


class ChunkUpdate(BaseModel):
    """New text (re-embedded; the chunk gets a new id) and/or enabled (a disabled chunk is never retrieved)."""

    model_config = ConfigDict(extra="forbid")

    content: str | None = Field(None, min_length=1, max_length=MAX_CHUNK_CHARS)
    search_text: str | None = Field(None, min_length=1, max_length=MAX_CHUNK_CHARS)
    enabled: bool | None = None


class SettingsUpdate(BaseModel):
    """Sections to replace; cleaning or chunking changes re-index every document."""

    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(None, max_length=2000)
    cleaning: CleaningSettings | None = None
    chunking: ChunkingSettings | None = None
    retrieval: RetrievalSettings | None = None


class SettingsResult(KnowledgeBasePublic):
    reindexing: list[str]  # ids of the documents queued for re-indexing


def chunks(state: State) -> DocumentChunks:
    return DocumentChunks(service(state))


def public(record: ChunkRecord) -> ChunkPublic:
    return ChunkPublic(**record.as_dict())


@router.get("/{kb}/documents/{document_id}/chunks", response_model=ChunkPage)
def list_chunks(state: State, kb: str, document_id: str, q: str = Query("", max_length=1000),
                offset: int = Query(0, ge=0), limit: int = Query(50, ge=1, le=500)) -> ChunkPage:
    """A page of a document's chunks in order; ``q`` keeps those containing it (case-insensitive)."""
    page = chunks(state).list(kb, document_id, query=q, offset=offset, limit=limit)
    return ChunkPage(items=[public(c) for c in page.items], total=page.total)


@router.post("/{kb}/documents/{document_id}/chunks", status_code=201, response_model=ChunkPublic)
async def add_chunk(state: State, kb: str, document_id: str, body: ChunkCreate) -> ChunkPublic:
    return public(await asyncio.to_thread(chunks(state).add, kb, document_id, body.content, body.search_text))


@router.get("/{kb}/chunks/{chunk_id}", response_model=ChunkPublic)
def get_chunk(state: State, kb: str, chunk_id: int) -> ChunkPublic:
    return public(chunks(state).get(kb, chunk_id))


@router.patch("/{kb}/chunks/{chunk_id}", response_model=ChunkPublic)
async def update_chunk(state: State, kb: str, chunk_id: int, body: ChunkUpdate) -> ChunkPublic:
    manager = chunks(state)
    record = await asyncio.to_thread(manager.get, kb, chunk_id)
    if body.content is not None or body.search_text is not None:
        record = await asyncio.to_thread(manager.edit, kb, chunk_id, body.content or record.content,
                                         body.search_text)
    if body.enabled is not None:
        record = await asyncio.to_thread(manager.set_enabled, kb, record.chunk_id, body.enabled)
    return public(record)


@router.delete("/{kb}/chunks/{chunk_id}", status_code=204)
async def delete_chunk(state: State, kb: str, chunk_id: int) -> None:
    await asyncio.to_thread(chunks(state).delete, kb, chunk_id)


@router.patch("/{kb}/settings", response_model=SettingsResult)
async def update_kb_settings(state: State, kb: str, body: SettingsUpdate) -> SettingsResult:
    """Save the given sections; with new cleaning or chunking, every document is cut and embedded again in the
    background (poll the documents for progress)."""
    knowledge = service(state)
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    _, reindex = await asyncio.to_thread(update_settings, knowledge, kb, changes)
    if reindex:
        await queue_ingestion(state, kb, reindex)
    info = await asyncio.to_thread(knowledge.get, kb)
    return SettingsResult(**kb_public(info).model_dump(), reindexing=reindex)
