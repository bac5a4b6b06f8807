"""Typed values passed between the knowledge stages and returned to callers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from knowledge.settings import KBSettings

DocumentStatus = Literal["queued", "indexing", "ready", "failed"]


@dataclass
class Chunk:
    """A piece of a document. ``search_text`` is what is embedded and matched; ``content`` what is returned."""

    content: str
    position: int
    search_text: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    chunk_id: str | None = None
    document_id: str | None = None

    def __post_init__(self) -> None:
        if not self.search_text:
            self.search_text = self.content

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DocumentInfo:
    """A document of a KB and where its ingestion stands."""

    document_id: str
    kb: str
    filename: str
    status: DocumentStatus
    size: int = 0
    chunks: int = 0
    error: str | None = None
    progress: float = 0.0
    created_at: float = 0.0
    updated_at: float = 0.0
    # While indexing: the chunks the parsed document was cut into, and how many of them are embedded so far.
    chunks_total: int = 0
    chunks_embedded: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class KBInfo:
    """A knowledge base, its settings and counts."""

    name: str
    settings: KBSettings
    documents: int = 0
    chunks: int = 0
    created_at: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "settings": self.settings.model_dump(), "documents": self.documents,
                "chunks": self.chunks, "created_at": self.created_at}


@dataclass
class Hit:
    """One retrieved chunk: its score in the mode used, and the per-signal scores behind it."""

    chunk_id: str
    document_id: str
    document: str
    position: int
    content: str
    score: float
    scores: dict[str, float] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    kb: str = ""
    dropped_by: str | None = None  # hit test: the stage that dropped it (fusion, rerank, threshold); None: kept

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def as_item(self) -> dict[str, Any]:
        """The node's ``output_list`` item shape."""
        meta = {"kb": self.kb, "document_id": self.document_id, "position": self.position,
                "scores": self.scores, **self.metadata}
        return {"content": self.content, "score": self.score, "document": self.document,
                "chunk_id": self.chunk_id, "metadata": meta}
