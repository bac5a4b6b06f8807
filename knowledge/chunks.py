"""The chunks of an indexed document: list (paged, with a text filter), read, edit, disable/enable, add and
delete one chunk, re-indexing just that chunk.

SQLite stays the source of truth: each change is one transaction that also bumps the store generation, so a
FAISS file saved before it is rebuilt from the database on the next open (disabled chunks are left out of
both indexes, and so out of every search). The loaded indexes are updated in place under the KB's lock.

An edited chunk gets a new id: an HNSW graph cannot replace a vector in place, so the old id is removed and
the new text indexed under a new one. Embedding runs outside the lock; the write checks that the chunk is
still the one that was embedded.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from knowledge.embedding import get_embedder
from knowledge.errors import ChunkNotFound, InvalidSettings
from knowledge.keyword import tokenize
from knowledge.service import KnowledgeService
from knowledge.store import KBStore

MAX_CHUNK_CHARS = 20_000
_COLUMNS = "c.id, c.document_id, d.filename, c.position, c.content, c.search_text, c.metadata, c.enabled"


@dataclass
class ChunkRecord:
    """One stored chunk as the console shows it."""

    chunk_id: int
    document_id: str
    document: str
    position: int
    content: str
    search_text: str
    enabled: bool
    metadata: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ChunkPage:
    items: list[ChunkRecord]
    total: int


class DocumentChunks:
    """Chunk-level management of a knowledge service's KBs."""

    def __init__(self, service: KnowledgeService):
        self.service = service

    def list(self, kb: str, document_id: str, *, query: str = "", offset: int = 0, limit: int = 50) -> ChunkPage:
        """A page of a document's chunks in position order; ``query`` keeps those containing it (any case)."""
        where, args = "c.document_id=?", [document_id]
        if query.strip():
            where += " AND (instr(lower(c.content), ?) > 0 OR instr(lower(c.search_text), ?) > 0)"
            args += [query.strip().lower()] * 2
        with self.service.locked(kb) as store:
            store.document(document_id)
            total = int(store.db.execute(f"SELECT COUNT(*) FROM chunks c WHERE {where}", args).fetchone()[0])
            rows = store.db.execute(f"SELECT {_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.document_id "
                                    f"WHERE {where} ORDER BY c.position, c.id LIMIT ? OFFSET ?",
                                    [*args, max(limit, 0), max(offset, 0)]).fetchall()
        return ChunkPage(items=[_record(r) for r in rows], total=total)

    def get(self, kb: str, chunk_id: int) -> ChunkRecord:
        with self.service.locked(kb) as store:
            return _read(store, kb, chunk_id)

    def edit(self, kb: str, chunk_id: int, content: str, search_text: str | None = None) -> ChunkRecord:
        """New text for a chunk: re-embedded and re-tokenised (under a new id). Without ``search_text``, what
        is matched is the content, after the document title when the chunk carried one."""
        content = _text(content, "content")
        with self.service.locked(kb) as store:
            old = _read(store, kb, chunk_id)
        matched = _text(search_text, "search_text") if search_text is not None else _matched(old.metadata, content)
        vector = self._embed(kb, matched)
        with self.service.locked(kb) as store:
            current = _read(store, kb, chunk_id)
            if (current.content, current.search_text) != (old.content, old.search_text):
                raise InvalidSettings(f"chunk {chunk_id} of knowledge base '{kb}' was changed meanwhile; edit again")
            self._load(store)
            new_id = self._write(store, old.document_id, old.position, content, matched, old.metadata, vector,
                                 enabled=old.enabled, replaces=old)
            return _read(store, kb, new_id)

    def add(self, kb: str, document_id: str, content: str, search_text: str | None = None) -> ChunkRecord:
        """A new chunk at the end of a document, embedded and indexed."""
        content = _text(content, "content")
        matched = _text(search_text, "search_text") if search_text is not None else content
        with self.service.locked(kb) as store:
            document = store.document(document_id)
        if document.status != "ready":
            raise InvalidSettings(f"document '{document_id}' is {document.status}: chunks can be added once it "
                                  "is ready")
        vector = self._embed(kb, matched)
        with self.service.locked(kb) as store:
            store.document(document_id)
            self._load(store)
            position = int(store.db.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM chunks WHERE "
                                            "document_id=?", (document_id,)).fetchone()[0])
            new_id = self._write(store, document_id, position, content, matched, {"added": True}, vector)
            return _read(store, kb, new_id)

    def set_enabled(self, kb: str, chunk_id: int, enabled: bool) -> ChunkRecord:
        """A disabled chunk stays stored but leaves both indexes, so no search returns it."""
        with self.service.locked(kb) as store:
            chunk = _read(store, kb, chunk_id)
            if chunk.enabled == enabled:
                return chunk
            vectors, keywords = self._load(store)
            with store._transaction():
                store.db.execute("UPDATE chunks SET enabled=? WHERE id=?", (int(enabled), chunk_id))
                _bump(store)
            if enabled:
                blob, tokens = store.db.execute("SELECT vector, tokens FROM chunks WHERE id=?", (chunk_id,)).fetchone()
                vectors.restore([chunk_id], np.frombuffer(blob, dtype=np.float32).reshape(1, -1))
                keywords.add(chunk_id, tokens.split(" ") if tokens else [])
            else:
                vectors.remove([chunk_id])
                keywords.remove([chunk_id])
            store._unsaved = True
            return _read(store, kb, chunk_id)

    def delete(self, kb: str, chunk_id: int) -> None:
        with self.service.locked(kb) as store:
            chunk = _read(store, kb, chunk_id)
            vectors, keywords = self._load(store)
            with store._transaction():
                store.db.execute("DELETE FROM chunks WHERE id=?", (chunk_id,))
                store.db.execute("UPDATE documents SET chunks=chunks-1 WHERE id=?", (chunk.document_id,))
                _bump(store)
            vectors.remove([chunk_id])
            keywords.remove([chunk_id])
            store._unsaved = True

    # --- internals ---------------------------------------------------------------------------------------

    def _embed(self, kb: str, text: str) -> np.ndarray:
        with self.service.locked(kb) as store:
            model, batch = store.settings.embedding.model, store.settings.embedding.batch_size
        return get_embedder(model).encode_passages([text], batch)

    def _load(self, store: KBStore) -> Any:
        return store.load_indexes(get_embedder(store.settings.embedding.model).dimension)

    def _write(self, store: KBStore, document_id: str, position: int, content: str, matched: str,
               metadata: dict, vector: np.ndarray, *, enabled: bool = True,
               replaces: ChunkRecord | None = None) -> int:
        vectors, keywords = store.vectors, store.keywords
        assert vectors is not None and keywords is not None
        if vector.shape[-1] != vectors.dimension:
            raise InvalidSettings(f"knowledge base '{store.name}' switched embedding model meanwhile; try again")
        tokens = tokenize(matched)
        with store._transaction():
            if replaces is not None:
                store.db.execute("DELETE FROM chunks WHERE id=?", (replaces.chunk_id,))
            cursor = store.db.execute(
                "INSERT INTO chunks(document_id, position, content, search_text, metadata, tokens, vector, enabled) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (document_id, position, content, matched, json.dumps(metadata, ensure_ascii=False), " ".join(tokens),
                 vector.astype(np.float32).tobytes(), int(enabled)))
            if replaces is None:
                store.db.execute("UPDATE documents SET chunks=chunks+1 WHERE id=?", (document_id,))
            _bump(store)
        new_id = int(cursor.lastrowid or 0)
        if replaces is not None and replaces.enabled:
            vectors.remove([replaces.chunk_id])
            keywords.remove([replaces.chunk_id])
        if enabled:
            vectors.add(np.array([new_id], dtype=np.int64), vector.reshape(1, -1))
            keywords.add(new_id, tokens)
        store._unsaved = True
        return new_id


def _bump(store: KBStore) -> None:
    store._set_meta("generation", str(store.generation + 1))


def _read(store: KBStore, kb: str, chunk_id: int) -> ChunkRecord:
    row = store.db.execute(f"SELECT {_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.document_id "
                           "WHERE c.id=?", (int(chunk_id),)).fetchone()
    if row is None:
        raise ChunkNotFound(kb, chunk_id)
    return _record(row)


def _record(row: tuple) -> ChunkRecord:
    return ChunkRecord(chunk_id=row[0], document_id=row[1], document=row[2], position=row[3], content=row[4],
                       search_text=row[5], metadata=json.loads(row[6]), enabled=bool(row[7]))


def _matched(metadata: dict, content: str) -> str:
    title = metadata.get("title")
    return f"{title}\n{content}" if title and title not in content else content


def _text(value: str | None, name: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidSettings(f"a chunk's {name} cannot be empty")
    if len(text) > MAX_CHUNK_CHARS:
        raise InvalidSettings(f"a chunk's {name} is {len(text):,} characters; the most is {MAX_CHUNK_CHARS:,}")
    return text
