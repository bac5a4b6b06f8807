"""A knowledge base's models: the rerank model is a retrieval setting; a new embedding model re-embeds every
chunk, then takes over.

Re-embedding writes the new vectors to a staging table, page by page, while searches and ingestion go on
against the old model and its index (chunks added meanwhile are picked up too). When every chunk has its new
vector, one transaction replaces the vectors, and the settings and the index switch with it under the KB's
lock, once no document is being indexed with the old model; a search never sees vectors of two models.
Progress is kept in the KB's database (``meta.reembed``).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from knowledge.embedding import Embedder, get_embedder
from knowledge.errors import EmbeddingError, InvalidSettings, KnowledgeBaseNotFound, KnowledgeError
from knowledge.records import KBInfo
from knowledge.settings import KBSettings
from knowledge.store import KBStore

if TYPE_CHECKING:
    from knowledge.service import KnowledgeService

State = Literal["idle", "running", "done", "failed"]
PAGE = 256  # chunks read, embedded and staged at a time
SETTLE_S = 0.2  # how often the switch looks again while documents are being indexed
_STAGING = "CREATE TABLE IF NOT EXISTS reembed_vectors (id INTEGER PRIMARY KEY, vector BLOB NOT NULL)"
_RUNNING: set[str] = set()  # KB directories being re-embedded by this process
_RUNNING_LOCK = threading.Lock()
INTERRUPTED = "interrupted: the process stopped while re-embedding; the old model is still in use, start again"


@dataclass
class ReembedStatus:
    """Where a KB's change of embedding model stands; ``model`` is the one it moves to."""

    kb: str
    state: State = "idle"
    model: str | None = None
    previous: str | None = None
    done: int = 0
    total: int = 0
    error: str | None = None
    started_at: float | None = None
    finished_at: float | None = None

    @property
    def progress(self) -> float:
        return 1.0 if self.state == "done" else self.done / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"progress": round(self.progress, 4)}


def stored_dimension(store: KBStore) -> int | None:
    """The dimension of the vectors the KB holds; None while it holds none."""
    row = store.db.execute("SELECT length(vector) FROM chunks LIMIT 1").fetchone()
    return int(row[0]) // 4 if row else None


def check_dimension(store: KBStore, embedder: Embedder) -> None:
    """Refuse a model whose vectors do not match the ones the KB holds."""
    held = stored_dimension(store)
    if held is not None and held != embedder.dimension:
        raise EmbeddingError(
            f"knowledge base '{store.name}' holds {held}-dimensional vectors, but its embedding model "
            f"'{embedder.name}' gives {embedder.dimension}-dimensional ones; re-embed it with that model")


def save_settings(store: KBStore, settings: KBSettings) -> None:
    """Write ``settings.json`` atomically and use it from now on."""
    tmp = store.directory / "settings.json.tmp"
    tmp.write_text(settings.model_dump_json(indent=2), encoding="utf-8")
    os.replace(tmp, store.directory / "settings.json")
    store.settings = settings


class KBModels:
    """Changes the embedding and rerank models of a service's knowledge bases."""

    def __init__(self, service: KnowledgeService):
        self.service = service

    def set_rerank_model(self, kb: str, model: str | None) -> KBInfo:
        """Search this KB's hits with ``model`` (a rerank endpoint or a local CrossEncoder), or none."""
        with self.service.locked(kb) as store:
            retrieval = store.settings.retrieval.model_copy(update={"rerank_model": model or None})
            save_settings(store, store.settings.model_copy(update={"retrieval": retrieval}))
        return self.service.get(kb)

    def dimension(self, kb: str) -> int | None:
        """The dimension of the vectors the KB holds (None while empty)."""
        with self.service.locked(kb) as store:
            return stored_dimension(store)

    def status(self, kb: str) -> ReembedStatus:
        with self.service.locked(kb) as store:
            return self._read(store)

    def _read(self, store: KBStore) -> ReembedStatus:
        row = store.db.execute("SELECT value FROM meta WHERE key='reembed'").fetchone()
        status = ReembedStatus(kb=store.name, **json.loads(row[0])) if row else ReembedStatus(kb=store.name)
        with _RUNNING_LOCK:
            if status.state == "running" and str(store.directory) not in _RUNNING:
                status.state, status.error = "failed", INTERRUPTED
        return status

    def _write(self, store: KBStore, status: ReembedStatus) -> None:
        data = {k: v for k, v in asdict(status).items() if k != "kb"}
        store.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('reembed', ?)", (json.dumps(data),))

    def start(self, kb: str, model: str) -> ReembedStatus:
        """Check that ``model`` loads and differs from the current one, and mark the KB as re-embedding; ``run``
        (in the background) does the work."""
        embedder = get_embedder(model)  # an unknown or unreachable model fails here, before anything changes
        with self.service.locked(kb) as store, _RUNNING_LOCK:
            if str(store.directory) in _RUNNING:
                raise InvalidSettings(f"knowledge base '{kb}' is already being re-embedded")
            current = store.settings.embedding.model
            if model == current:
                raise InvalidSettings(f"knowledge base '{kb}' already uses embedding model '{model}'")
            _RUNNING.add(str(store.directory))
            total = int(store.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])
            status = ReembedStatus(kb=kb, state="running", model=embedder.name, previous=current, total=total,
                                   started_at=time.time())
            store.db.execute("DROP TABLE IF EXISTS reembed_vectors")
            store.db.execute(_STAGING)
            self._write(store, status)
        return status

    def run(self, kb: str, progress: Callable[[ReembedStatus], None] | None = None) -> ReembedStatus:
        """Re-embed every chunk with the model ``start`` chose, then switch the KB to it."""
        with self.service.locked(kb) as store:
            status = self._read(store)
        try:
            if status.state != "running" or status.model is None:
                raise InvalidSettings(f"knowledge base '{kb}' has no re-embedding to run")
            embedder = get_embedder(status.model)
            while self._stage_page(store, embedder, status):
                if progress is not None:
                    progress(status)
            while not self._finish(store, embedder, status):
                time.sleep(SETTLE_S)
        except Exception as exc:  # model or resource errors: the old model stays in use
            reason = str(exc) if isinstance(exc, KnowledgeError) else f"{type(exc).__name__}: {exc}"
            status.state, status.error, status.finished_at = "failed", reason, time.time()
            try:
                with self.service.locked(kb, store):
                    store.db.execute("DROP TABLE IF EXISTS reembed_vectors")
                    self._write(store, status)
            except KnowledgeBaseNotFound:
                pass  # deleted meanwhile: its database is gone with it
        finally:
            with _RUNNING_LOCK:
                _RUNNING.discard(str(store.directory))
        if progress is not None:
            progress(status)
        return status

    def _finish(self, store: KBStore, embedder: Embedder, status: ReembedStatus) -> bool:
        """Under the lock: stage what is left and switch; False while a document is being indexed (it embeds
        with the model it read before the switch, so the switch waits for its commit)."""
        with self.service.locked(store.name, store):
            while self._stage_page(store, embedder, status):  # chunks added since the last page
                pass
            if store.db.execute("SELECT 1 FROM documents WHERE status='indexing' LIMIT 1").fetchone():
                return False
            self._swap(store, embedder)
            status.state, status.done, status.finished_at = "done", status.total, time.time()
            self._write(store, status)
            return True

    def _stage_page(self, store: KBStore, embedder: Embedder, status: ReembedStatus) -> bool:
        """Embed the next page of chunks without a new vector; False when none is left. ``store`` is the one
        the run began with: a KB deleted (or replaced) meanwhile stops the run as not found."""
        with self.service.locked(store.name, store):
            rows = store.db.execute(
                "SELECT c.id, c.search_text FROM chunks c LEFT JOIN reembed_vectors r ON r.id = c.id "
                "WHERE r.id IS NULL ORDER BY c.id LIMIT ?", (PAGE,)).fetchall()
        if not rows:
            return False
        vectors = embedder.encode_passages([r[1] for r in rows], store.settings.embedding.batch_size)
        with self.service.locked(store.name, store):
            store.db.executemany("INSERT OR REPLACE INTO reembed_vectors(id, vector) VALUES (?, ?)",
                                 [(r[0], v.astype(np.float32).tobytes()) for r, v in zip(rows, vectors, strict=True)])
            status.done = int(store.db.execute(
                "SELECT COUNT(*) FROM reembed_vectors r JOIN chunks c ON c.id = r.id").fetchone()[0])
            status.total = int(store.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])
            self._write(store, status)
        return True

    def _swap(self, store: KBStore, embedder: Embedder) -> None:
        """Under the KB's lock: the new vectors, settings and index at once."""
        store.db.execute("BEGIN IMMEDIATE")
        try:
            store.db.execute("UPDATE chunks SET vector = (SELECT r.vector FROM reembed_vectors r "
                             "WHERE r.id = chunks.id)")
            generation = int((store.db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
                              or ("0",))[0])
            store.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('generation', ?)",
                             (str(generation + 1),))
            store.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('embedding', ?)",
                             (json.dumps({"model": embedder.name, "dimension": embedder.dimension}),))
            store.db.execute("DROP TABLE reembed_vectors")
        except BaseException:
            store.db.execute("ROLLBACK")
            raise
        store.db.execute("COMMIT")
        embedding = store.settings.embedding.model_copy(update={"model": embedder.name})
        save_settings(store, store.settings.model_copy(update={"embedding": embedding}))
        store.vectors = None  # rebuilt from the new vectors (the saved file's generation is behind) on next use
