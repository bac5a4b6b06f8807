"""Changing a knowledge base's settings after creation. Retrieval settings and the description are just saved;
new cleaning or chunking settings need every document cut again, so those documents are returned for
re-indexing (``KnowledgeService.ingest_many``: each document's chunks are replaced, chunk edits included).
The embedding model has its own path (``knowledge.reembedding``)."""

from __future__ import annotations

from typing import Any

from knowledge.errors import InvalidSettings
from knowledge.reembedding import save_settings
from knowledge.service import KnowledgeService
from knowledge.settings import KBSettings

EDITABLE = ("description", "cleaning", "chunking", "retrieval")
REINDEXED = ("cleaning", "chunking")


def update_settings(service: KnowledgeService, kb: str, changes: dict[str, Any]) -> tuple[KBSettings, list[str]]:
    """Apply ``changes`` (a subset of ``EDITABLE``, each section given whole); the new settings and the ids of
    the documents to index again (none unless cleaning or chunking changed)."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidSettings(f"these settings cannot be changed here: {', '.join(unknown)} "
                              f"(editable: {', '.join(EDITABLE)}; the embedding model has its own endpoint)")
    with service.locked(kb) as store:
        current = store.settings
        try:
            updated = KBSettings.model_validate(current.model_dump() | changes)
        except ValueError as exc:
            raise InvalidSettings(f"invalid settings for knowledge base '{kb}': {exc}") from None
        reindex = any(getattr(updated, k) != getattr(current, k) for k in REINDEXED)
        busy = [d.filename for d in store.documents() if d.status in ("queued", "indexing")]
        if reindex and busy:
            raise InvalidSettings(f"knowledge base '{kb}' is still indexing {', '.join(busy[:3])}; change its "
                                  "chunking once that is done")
        save_settings(store, updated)
        documents = [d.document_id for d in store.documents()] if reindex else []
        for document_id in documents:
            store.set_status(document_id, "queued", progress=0.0)
    return updated, documents
