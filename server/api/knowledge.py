"""Knowledge bases: create with settings, list, delete; upload documents (ingested in the background with
per-document status and progress), list/delete documents, chunk preview, hit testing."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from knowledge.filenames import safe_filename
from knowledge.records import DocumentInfo, KBInfo
from knowledge.reembedding import KBModels
from knowledge.retrieval import Trace
from knowledge.service import KnowledgeService
from knowledge.settings import KBSettings, Mode
from knowledge.store import INTERRUPTED
from server.deps import State
from server.errors import PayloadTooLargeError, UnavailableError, UnsupportedTypeError
from server.files import guess_type
from server.sniffing import check_content
from server.state import AppState

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/knowledge-bases", tags=["knowledge"])
DOCUMENT_TYPES = (".pdf", ".docx", ".txt", ".md", ".markdown", ".html", ".htm", ".csv", ".jsonl", ".json")
Uploads = Annotated[list[UploadFile], File(description="documents: pdf, docx, txt, md, html, csv, jsonl")]


class KnowledgeBaseCreate(BaseModel):
    """A new knowledge base; its settings are fixed at creation."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=r"^[\w-]+$")
    settings: KBSettings = Field(default_factory=KBSettings)


class KnowledgeBasePublic(BaseModel):
    """A knowledge base with its settings and counts."""

    name: str
    settings: dict[str, Any]
    documents: int
    chunks: int
    created_at: float


class DocumentPublic(BaseModel):
    """A document and where its ingestion stands (queued → indexing → ready | failed)."""

    document_id: str
    kb: str
    filename: str
    status: str
    size: int
    chunks: int
    error: str | None
    progress: float
    created_at: float
    updated_at: float
    chunks_total: int = 0  # while indexing: chunks the parsed document was cut into
    chunks_embedded: int = 0  # ... and how many of them are embedded so far


class SearchCreate(BaseModel):
    """Hit testing: a query and optional overrides of the KB's retrieval settings."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=10_000)
    mode: Mode | None = None
    top_k: int | None = Field(None, ge=1, le=200)
    score_threshold: float | None = Field(None, ge=0, le=1)
    weights: dict[str, float] | None = None
    fusion: Literal["weighted", "rrf"] | None = None
    document_ids: list[str] | None = None


class EmbeddingModelSet(BaseModel):
    """A new embedding model for a KB: every chunk is re-embedded in the background, then the KB switches."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1, max_length=500, description="a registered embedding model, or a local one")


class RerankModelSet(BaseModel):
    """The model that reranks a KB's hits: a registered rerank model or a local CrossEncoder; null for none."""

    model_config = ConfigDict(extra="forbid")

    model: str | None = Field(None, max_length=500)


class EmbeddingStatus(BaseModel):
    """A KB's embedding model, the dimension of its vectors, and where a change of model stands."""

    kb: str
    model: str
    dimension: int | None
    reembed: dict[str, Any]


class KnowledgeBaseList(BaseModel):
    items: list[KnowledgeBasePublic]


class DocumentList(BaseModel):
    items: list[DocumentPublic]


class HitList(BaseModel):
    items: list[dict[str, Any]]
    trace: dict[str, Any] | None = None  # search only: each stage's time, the fusion used, hits each stage dropped


class ChunkList(BaseModel):
    items: list[dict[str, Any]]


def service(state: AppState) -> KnowledgeService:
    if state.services.knowledge is None:
        raise UnavailableError("knowledge bases are not available on this server")
    return state.services.knowledge


def kb_public(info: KBInfo) -> KnowledgeBasePublic:
    return KnowledgeBasePublic(**info.as_dict())


def doc_public(info: DocumentInfo) -> DocumentPublic:
    return DocumentPublic(**info.as_dict())


async def read_upload(state: AppState, upload: UploadFile) -> tuple[str, bytes]:
    name = safe_filename(upload.filename or "", fallback="document")
    if Path(name).suffix.lower() not in DOCUMENT_TYPES:
        raise UnsupportedTypeError(f"'{name}' is not a supported document type "
                                   f"(supported: {', '.join(DOCUMENT_TYPES)})")
    limit = state.settings.max_upload_bytes
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLargeError(f"'{name}' is over the upload limit of {limit:,} bytes")
    check_content(name, guess_type(name), data)
    return name, data


async def ingest_all(state: AppState, kb: str, document_ids: list[str]) -> None:
    """Index an upload's documents as one embedding batch (each committed or failed on its own). The service
    runs one batch at a time and gathers uploads that arrive meanwhile into the next batch, so one-document
    uploads in quick succession are embedded together (no lock here: it would hand them over one by one)."""
    await asyncio.to_thread(service(state).ingest_many, kb, document_ids)


async def queue_ingestion(state: AppState, kb: str, document_ids: list[str]) -> None:
    """Have the documents indexed: by a worker (``LOOM_TASKS=celery``), else in the background here."""
    if state.dispatch is not None:
        await state.dispatch.ingest(kb, document_ids)
    else:
        state.jobs.submit(ingest_all(state, kb, document_ids), name=f"ingest-{kb}")


async def resume_ingestion(state: AppState) -> None:
    """Queue again the documents a previous process left unfinished: still ``queued``, or failed because it
    stopped while indexing them (the knowledge store marks those on open). Call on start-up, before
    requests are served, so that no new upload is picked up twice."""
    if state.services.knowledge is None or state.dispatch is not None:  # workers: their tasks are redelivered
        return
    unfinished = await asyncio.to_thread(_unfinished, state.services.knowledge)
    for kb, document_ids in unfinished.items():
        log.info("re-queueing %d unfinished document(s) of knowledge base '%s'", len(document_ids), kb)
        state.jobs.submit(ingest_all(state, kb, document_ids), name=f"ingest-{kb}")


def _unfinished(knowledge: KnowledgeService) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for info in knowledge.list():
        ids = [d.document_id for d in knowledge.documents(info.name)
               if d.status == "queued" or (d.status == "failed" and d.error == INTERRUPTED)]
        if ids:
            found[info.name] = ids
    return found


@router.post("", status_code=201, response_model=KnowledgeBasePublic)
def create_kb(state: State, body: KnowledgeBaseCreate) -> KnowledgeBasePublic:
    return kb_public(service(state).create(body.name, body.settings))


@router.get("", response_model=KnowledgeBaseList)
def list_kbs(state: State) -> KnowledgeBaseList:
    return KnowledgeBaseList(items=[kb_public(i) for i in service(state).list()])


@router.get("/{kb}", response_model=KnowledgeBasePublic)
def get_kb(state: State, kb: str) -> KnowledgeBasePublic:
    return kb_public(service(state).get(kb))


@router.delete("/{kb}", status_code=204)
def delete_kb(state: State, kb: str) -> None:
    service(state).delete(kb)


@router.post("/{kb}/documents", status_code=202, response_model=DocumentList)
async def upload_documents(state: State, kb: str, files: Uploads) -> DocumentList:
    """Store the files and queue them; poll ``GET .../documents`` for status and progress."""
    knowledge = service(state)
    await asyncio.to_thread(knowledge.get, kb)
    uploads = [await read_upload(state, f) for f in files]
    documents = [await asyncio.to_thread(knowledge.register_document, kb, name, data) for name, data in uploads]
    await queue_ingestion(state, kb, [d.document_id for d in documents])
    return DocumentList(items=[doc_public(d) for d in documents])


@router.get("/{kb}/documents", response_model=DocumentList)
def list_documents(state: State, kb: str) -> DocumentList:
    return DocumentList(items=[doc_public(d) for d in service(state).documents(kb)])


@router.get("/{kb}/documents/{document_id}", response_model=DocumentPublic)
def get_document(state: State, kb: str, document_id: str) -> DocumentPublic:
    return doc_public(service(state).document(kb, document_id))


@router.delete("/{kb}/documents/{document_id}", status_code=204)
def delete_document(state: State, kb: str, document_id: str) -> None:
    service(state).remove_document(kb, document_id)


@router.post("/{kb}/preview", response_model=ChunkList)
async def preview_chunks(state: State, kb: str, file: Annotated[UploadFile, File()]) -> ChunkList:
    """The chunks a file would give with this KB's settings, without indexing it."""
    name, data = await read_upload(state, file)
    chunks = await asyncio.to_thread(service(state).preview, kb, name, data)
    return ChunkList(items=[c.as_dict() for c in chunks])


@router.post("/{kb}/search", response_model=HitList)
async def search(state: State, kb: str, body: SearchCreate) -> HitList:
    trace = Trace()
    hits = await asyncio.to_thread(service(state).search, kb, body.query, mode=body.mode, top_k=body.top_k,
                                   score_threshold=body.score_threshold, weights=body.weights,
                                   document_ids=body.document_ids, fusion=body.fusion, trace=trace)
    return HitList(items=[h.as_dict() for h in hits], trace=trace.as_dict())


def embedding_status(knowledge: KnowledgeService, kb: str) -> EmbeddingStatus:
    info = knowledge.get(kb)
    models = KBModels(knowledge)
    return EmbeddingStatus(kb=kb, model=info.settings.embedding.model, dimension=models.dimension(kb),
                           reembed=models.status(kb).as_dict())


@router.get("/{kb}/embedding", response_model=EmbeddingStatus)
def get_embedding(state: State, kb: str) -> EmbeddingStatus:
    """The KB's embedding model and the progress of a change of model (``reembed``)."""
    return embedding_status(service(state), kb)


@router.put("/{kb}/embedding", status_code=202, response_model=EmbeddingStatus)
async def set_embedding(state: State, kb: str, body: EmbeddingModelSet) -> EmbeddingStatus:
    """Re-embed every chunk with ``model`` in the background; searches use the old model until it is done."""
    knowledge = service(state)
    models = KBModels(knowledge)
    await asyncio.to_thread(models.start, kb, body.model)
    state.jobs.submit(asyncio.to_thread(models.run, kb), name=f"reembed-{kb}")
    return await asyncio.to_thread(embedding_status, knowledge, kb)


@router.put("/{kb}/rerank", response_model=KnowledgeBasePublic)
def set_rerank(state: State, kb: str, body: RerankModelSet) -> KnowledgeBasePublic:
    """Rerank this KB's hits with ``model`` (null: no rerank)."""
    return kb_public(KBModels(service(state)).set_rerank_model(kb, body.model))
