"""One knowledge base on disk: ``settings.json``, ``kb.sqlite`` (documents, chunks, vectors, tokens — the source
of truth) and the derived FAISS files. Not thread-safe by itself; the service holds a lock per KB.

Crash safety: a document's chunks and its ``ready`` status are written in one SQLite transaction, and the
FAISS file records the store generation it reflects, so after a crash a document is either fully indexed or
(if it was ``indexing``) marked failed, and a stale index is rebuilt from the database.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.backend import EmbeddedBackend, IndexBackend, KeywordSearch, VectorSearch
from knowledge.errors import DocumentNotFound
from knowledge.records import Chunk, DocumentInfo
from knowledge.settings import KBSettings

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, filename TEXT NOT NULL, status TEXT NOT NULL, error TEXT, size INTEGER NOT NULL,
    chunks INTEGER NOT NULL DEFAULT 0, progress REAL NOT NULL DEFAULT 0, created_at REAL NOT NULL,
    updated_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT, document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position INTEGER NOT NULL, content TEXT NOT NULL, search_text TEXT NOT NULL, metadata TEXT NOT NULL,
    tokens TEXT NOT NULL, vector BLOB NOT NULL, enabled INTEGER NOT NULL DEFAULT 1);
CREATE INDEX IF NOT EXISTS chunks_document ON chunks(document_id);
"""
_DOC_COLUMNS = "id, filename, status, error, size, chunks, progress, created_at, updated_at"
INTERRUPTED = "interrupted: the process stopped while this document was being indexed; add it again"


class KBStore:
    """Documents, chunks and both indexes of one knowledge base."""

    def __init__(self, name: str, directory: Path, settings: KBSettings, backend: IndexBackend | None = None,
                 recover: bool = True):
        """``recover``: mark the documents left ``indexing`` failed (the process that indexed them is gone); False
        where other processes may be indexing them now (the worker tier recovers them by redelivering the task)."""
        self.name, self.directory, self.settings = name, directory, settings
        self.backend: IndexBackend = backend or EmbeddedBackend()
        (directory / "files").mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(directory / "kb.sqlite", check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        # With WAL, NORMAL syncs at checkpoints, not at every commit: a crash of the process loses nothing, a
        # power cut at most the last commits; each commit stops costing an fsync.
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(_SCHEMA)
        if "enabled" not in {r[1] for r in self.db.execute("PRAGMA table_info(chunks)")}:  # a KB made before it
            self.db.execute("ALTER TABLE chunks ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1")
        self.created_at = float(self._meta("created_at") or time.time())
        self._set_meta("created_at", str(self.created_at))
        if recover:
            self.db.execute("UPDATE documents SET status='failed', error=?, updated_at=? WHERE status='indexing'",
                            (INTERRUPTED, time.time()))
        self.vectors: VectorSearch | None = None
        self.chunk_counts: dict[str, tuple[int, int]] = {}  # document id → (chunks cut, chunks embedded) while indexing
        self.keywords: KeywordSearch | None = None
        self._unsaved = False
        self._saved_at = time.monotonic()

    # --- settings and meta -------------------------------------------------------------------------------

    @classmethod
    def create(cls, name: str, directory: Path, settings: KBSettings, backend: IndexBackend | None = None) -> KBStore:
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / "settings.json.tmp"
        tmp.write_text(settings.model_dump_json(indent=2), encoding="utf-8")
        os.replace(tmp, directory / "settings.json")
        return cls(name, directory, settings, backend)

    @classmethod
    def open(cls, name: str, directory: Path, backend: IndexBackend | None = None, recover: bool = True) -> KBStore:
        settings = KBSettings.model_validate_json((directory / "settings.json").read_text(encoding="utf-8"))
        return cls(name, directory, settings, backend, recover)

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    @property
    def generation(self) -> int:
        return int(self._meta("generation") or 0)

    @property
    def index_key(self) -> str:
        """A random key naming this KB's indexes outside its folder (a KB made again under the same name gets
        another one)."""
        key = self._meta("index_key")
        if key is None:
            key = uuid.uuid4().hex[:16]
            self._set_meta("index_key", key)
        return key

    def calibration(self) -> dict | None:
        """The stored vector-signal calibration (``knowledge.calibration``), if measured."""
        value = self._meta("calibration")
        return json.loads(value) if value else None

    def set_calibration(self, value: dict) -> None:
        self._set_meta("calibration", json.dumps(value))

    def sample_chunks(self, limit: int) -> tuple[list[str], np.ndarray]:
        """``search_text`` and vector of up to ``limit`` chunks, evenly spread over the KB."""
        total = self.counts()[1]
        step = max(total // max(limit, 1), 1)
        texts, blobs = [], []
        for text, blob in self.db.execute("SELECT search_text, vector FROM chunks WHERE (id % ?) = 0 ORDER BY id "
                                          "LIMIT ?", (step, limit)):
            texts.append(text)
            blobs.append(blob)
        vectors = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(texts), -1) if texts else None
        return texts, vectors if vectors is not None else np.zeros((0, 0), dtype=np.float32)

    def close(self) -> None:
        self.save_indexes()
        self.backend.close(self)
        self.db.close()

    def drop_indexes(self) -> None:
        """Remove what the index backend holds for this KB (it is being deleted)."""
        self.backend.drop(self)
        self.vectors = self.keywords = None

    # --- documents ---------------------------------------------------------------------------------------

    def add_document(self, filename: str, data: bytes) -> DocumentInfo:
        document_id, now = uuid.uuid4().hex[:16], time.time()
        (self.directory / "files" / document_id).write_bytes(data)
        self.db.execute(f"INSERT INTO documents({_DOC_COLUMNS}) VALUES (?, ?, 'queued', NULL, ?, 0, 0, ?, ?)",
                        (document_id, filename, len(data), now, now))
        return self.document(document_id)

    def document_bytes(self, document_id: str) -> bytes:
        self.document(document_id)
        return (self.directory / "files" / document_id).read_bytes()

    def document(self, document_id: str) -> DocumentInfo:
        row = self.db.execute(f"SELECT {_DOC_COLUMNS} FROM documents WHERE id=?", (document_id,)).fetchone()
        if row is None:
            raise DocumentNotFound(self.name, document_id)
        return self._doc(row)

    def documents(self) -> list[DocumentInfo]:
        rows = self.db.execute(f"SELECT {_DOC_COLUMNS} FROM documents ORDER BY created_at, id").fetchall()
        return [self._doc(r) for r in rows]

    def _doc(self, row: tuple) -> DocumentInfo:
        total, embedded = self.chunk_counts.get(row[0], (row[5], row[5])) if row[2] == "indexing" else (row[5], row[5])
        return DocumentInfo(document_id=row[0], kb=self.name, filename=row[1], status=row[2], error=row[3],
                            size=row[4], chunks=row[5], progress=row[6], created_at=row[7], updated_at=row[8],
                            chunks_total=total, chunks_embedded=embedded)

    def set_counts(self, document_id: str, total: int, embedded: int) -> None:
        """The chunk counts of a document being indexed (kept in memory: an interrupted one starts over)."""
        self.chunk_counts[document_id] = (total, embedded)

    def set_status(self, document_id: str, status: str, *, error: str | None = None,
                   progress: float | None = None) -> None:
        self.db.execute("UPDATE documents SET status=?, error=?, progress=COALESCE(?, progress), updated_at=? "
                        "WHERE id=?", (status, error, progress, time.time(), document_id))

    def set_progress(self, document_id: str, progress: float) -> None:
        self.db.execute("UPDATE documents SET progress=?, updated_at=? WHERE id=?",
                        (progress, time.time(), document_id))

    def counts(self) -> tuple[int, int]:
        docs = self.db.execute("SELECT COUNT(*), COALESCE(SUM(chunks), 0) FROM documents").fetchone()
        return int(docs[0]), int(docs[1])

    # --- chunks ------------------------------------------------------------------------------------------

    def commit_chunks(self, document_id: str, chunks: list[Chunk], vectors: np.ndarray,
                      tokens: list[list[str]]) -> None:
        """Store a document's chunks and mark it ready, atomically; then update the loaded indexes."""
        rows = [(document_id, c.position, c.content, c.search_text, json.dumps(c.metadata, ensure_ascii=False),
                 " ".join(t), v.astype(np.float32).tobytes()) for c, v, t in zip(chunks, vectors, tokens, strict=True)]
        old = [r[0] for r in self.db.execute("SELECT id FROM chunks WHERE document_id=?", (document_id,))]
        with self._transaction():
            self.db.execute("DELETE FROM chunks WHERE document_id=?", (document_id,))
            first = None
            for row in rows:
                cursor = self.db.execute("INSERT INTO chunks(document_id, position, content, search_text, metadata, "
                                         "tokens, vector) VALUES (?, ?, ?, ?, ?, ?, ?)", row)
                first = cursor.lastrowid if first is None else first
            self.db.execute("UPDATE documents SET status='ready', error=NULL, chunks=?, progress=1, updated_at=? "
                            "WHERE id=?", (len(rows), time.time(), document_id))
            self._set_meta("generation", str(self.generation + 1))
        ids = np.array([r[0] for r in self.db.execute(
            "SELECT id FROM chunks WHERE document_id=? ORDER BY id", (document_id,))], dtype=np.int64)
        for chunk, chunk_id in zip(chunks, ids, strict=True):
            chunk.chunk_id, chunk.document_id = str(chunk_id), document_id
        if self.vectors is not None:
            self.vectors.remove(old)  # a document indexed again (e.g. re-chunked) replaces its chunks
            self.vectors.add(ids, vectors)
        if self.keywords is not None:
            self.keywords.remove(old)
            self.keywords.add_many([int(i) for i in ids], tokens)
        self._unsaved = True

    def remove_document(self, document_id: str) -> None:
        self.document(document_id)
        ids = [r[0] for r in self.db.execute("SELECT id FROM chunks WHERE document_id=?", (document_id,))]
        with self._transaction():
            self.db.execute("DELETE FROM chunks WHERE document_id=?", (document_id,))
            self.db.execute("DELETE FROM documents WHERE id=?", (document_id,))
            self._set_meta("generation", str(self.generation + 1))
        (self.directory / "files" / document_id).unlink(missing_ok=True)
        if self.vectors is not None:
            self.vectors.remove(ids)
        if self.keywords is not None:
            self.keywords.remove(ids)
        self._unsaved = True

    def chunk_rows(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        """Chunk id → {document_id, document, position, content, search_text, metadata}."""
        out: dict[int, dict[str, Any]] = {}
        for start in range(0, len(ids), 500):
            part = [int(i) for i in ids[start:start + 500]]
            marks = ",".join("?" * len(part))
            for row in self.db.execute(
                    "SELECT c.id, c.document_id, d.filename, c.position, c.content, c.search_text, c.metadata "
                    f"FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id IN ({marks})", part):
                out[row[0]] = {"document_id": row[1], "document": row[2], "position": row[3], "content": row[4],
                               "search_text": row[5], "metadata": json.loads(row[6])}
        return out

    def chunk_ids(self, document_ids: list[str]) -> np.ndarray:
        marks = ",".join("?" * len(document_ids))
        rows = self.db.execute(f"SELECT id FROM chunks WHERE enabled=1 AND document_id IN ({marks})",
                               list(document_ids))
        return np.array([r[0] for r in rows], dtype=np.int64)

    def _transaction(self) -> Any:
        return _Transaction(self.db)

    # --- indexes -----------------------------------------------------------------------------------------

    def load_indexes(self, dimension: int) -> tuple[VectorSearch, KeywordSearch]:
        """Both indexes from the backend: current when it reflects this generation, else rebuilt from the store."""
        if self.vectors is None:
            self.vectors = self.backend.open_vectors(self, dimension)
        if self.keywords is None:
            self.keywords = self.backend.open_keywords(self)
        return self.vectors, self.keywords

    def enabled_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of every enabled chunk, by id."""
        ids, blobs = [], []
        for chunk_id, blob in self.db.execute("SELECT id, vector FROM chunks WHERE enabled=1 ORDER BY id"):
            ids.append(chunk_id)
            blobs.append(blob)
        vectors = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(ids), -1) if ids else np.zeros((0, 0))
        return np.array(ids, dtype=np.int64), vectors

    def enabled_tokens(self) -> Iterator[tuple[int, list[str]]]:
        """(id, keyword tokens) of every enabled chunk, by id."""
        for chunk_id, tokens in self.db.execute("SELECT id, tokens FROM chunks WHERE enabled=1 ORDER BY id"):
            yield int(chunk_id), tokens.split(" ") if tokens else []

    def mark_unsaved(self) -> None:
        """The loaded indexes changed since they were last saved with the generation."""
        self._unsaved = True

    def save_indexes(self) -> None:
        if (self.vectors is not None or self.keywords is not None) and self._unsaved:
            self.backend.save(self)
            self._unsaved = False
            self._saved_at = time.monotonic()

    def save_indexes_if_due(self, interval_s: float) -> None:
        """Save the FAISS file at most every ``interval_s`` (and on close). It is a cache of the vectors in
        SQLite, tagged with the generation: a file older than the database is rebuilt from it on open."""
        if time.monotonic() - self._saved_at >= interval_s:
            self.save_indexes()


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
