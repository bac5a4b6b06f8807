"""The knowledge service: knowledge bases under ``data_dir/knowledge/<kb>/``, ingestion, search and retrieval.

Thread-safe: one lock per KB. Parsing, chunking and embedding run outside the lock, so searches continue
while a document is being embedded; only the final commit to the store takes it.
"""

from __future__ import annotations

import asyncio
import builtins
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import numpy as np

from knowledge.backend import EmbeddedBackend, IndexBackend
from knowledge.batching import Coalescer
from knowledge.calibration import Calibration, calibrate
from knowledge.chunking import chunk
from knowledge.cleaning import clean
from knowledge.embedding import Embedder, get_embedder
from knowledge.errors import InvalidSettings, KnowledgeBaseExists, KnowledgeBaseNotFound, KnowledgeError
from knowledge.filenames import safe_filename
from knowledge.isolation import parse_isolated
from knowledge.keyword import tokenize
from knowledge.limits import DEFAULT_LIMITS, ParseLimits
from knowledge.parsing import ParsedDocument
from knowledge.records import Chunk, DocumentInfo, Hit, KBInfo
from knowledge.retrieval import Query, Trace, search
from knowledge.settings import KBSettings, Mode
from knowledge.store import KBStore

Progress = Callable[[float], None]
CALIBRATION_CHUNKS = 4000  # chunks a calibration ranks its sample among
INDEX_SAVE_INTERVAL_S = 30.0  # the FAISS file (a cache of SQLite's vectors) is rewritten at most this often
PARSERS = 2  # documents of a batch parsed at once (each in its own process, up to its memory limit)
_NAME = re.compile(r"^[\w-]{1,64}$", re.UNICODE)


class KnowledgeService:
    """All knowledge bases of one data directory."""

    def __init__(self, data_dir: Path, limits: ParseLimits = DEFAULT_LIMITS, backend: IndexBackend | None = None):
        self.root = Path(data_dir) / "knowledge"
        self.limits = limits
        self.backend: IndexBackend = backend or EmbeddedBackend()  # where the KBs' indexes live
        self.root.mkdir(parents=True, exist_ok=True)
        self._stores: dict[str, KBStore] = {}
        self._locks: dict[str, threading.RLock] = {}
        self._guard = threading.Lock()
        self._ingestion: Coalescer[str, DocumentInfo] = Coalescer(self._ingest_batch)
        # Opening a KB marks its documents left indexing as failed: right for one process; with workers
        # (LOOM_TASKS=celery) another process may be indexing them, and a lost worker's task is redelivered instead.
        self.recover_on_open = True

    # --- knowledge bases ---------------------------------------------------------------------------------

    def create(self, name: str, settings: KBSettings | None = None) -> KBInfo:
        if not _NAME.fullmatch(name):
            raise InvalidSettings(f"invalid knowledge base name '{name}': use 1-64 letters, digits, '_' or '-'")
        with self._guard:
            if self.exists(name):
                raise KnowledgeBaseExists(name)
            self._stores[name] = KBStore.create(name, self.root / name, settings or KBSettings(), self.backend)
        return self.get(name)

    def exists(self, name: str) -> bool:
        return bool(_NAME.fullmatch(name)) and (self.root / name / "settings.json").is_file()

    def list(self) -> list[KBInfo]:
        return [self.get(name) for name in self.list_names()]

    def get(self, name: str) -> KBInfo:
        with self._locked(name) as store:
            documents, chunks = store.counts()
        return KBInfo(name=name, settings=store.settings, documents=documents, chunks=chunks,
                      created_at=store.created_at)

    def delete(self, name: str) -> None:
        store = self._store(name)
        with self._lock(name):
            store.drop_indexes()
            store.backend.close(store)
            store.db.close()
            with self._guard:
                self._stores.pop(name, None)
            shutil.rmtree(self.root / name)

    def close(self) -> None:
        """Persist the indexes and close every open KB."""
        with self._guard:
            stores, self._stores = dict(self._stores), {}
        for name, store in stores.items():
            with self._lock(name):
                store.close()

    # --- documents ---------------------------------------------------------------------------------------

    def add_document(self, kb: str, filename: str, data: bytes, *, progress: Progress | None = None) -> DocumentInfo:
        """Register and ingest one file now; a file that fails is recorded as failed (not raised)."""
        document = self.register_document(kb, filename, data)
        return self.ingest(kb, document.document_id, progress)

    def add_documents(self, kb: str, files: builtins.list[tuple[str, bytes]], *,
                      progress: Progress | None = None) -> builtins.list[DocumentInfo]:
        """Register and ingest several files, embedding their chunks together (faster than one by one)."""
        ids = [self.register_document(kb, name, data).document_id for name, data in files]
        return self.ingest_many(kb, ids, progress)

    def register_document(self, kb: str, filename: str, data: bytes) -> DocumentInfo:
        """Store the file and queue it; ``ingest`` indexes it later (e.g. in a background job)."""
        with self._locked(kb) as store:
            return store.add_document(safe_filename(filename, fallback="document"), data)

    def ingest(self, kb: str, document_id: str, progress: Progress | None = None) -> DocumentInfo:
        """Parse → clean → chunk → embed → index one registered document; failures mark it failed."""
        return self.ingest_many(kb, [document_id], progress)[0]

    def ingest_many(self, kb: str, document_ids: builtins.list[str],
                    progress: Progress | None = None) -> builtins.list[DocumentInfo]:
        """Ingest registered documents as one batch; each is committed (or failed) on its own. One batch runs
        at a time; calls made meanwhile for the same KB are ingested together as the next batch."""
        return self._ingestion.submit(kb, document_ids, progress)

    def _ingest_batch(self, kb: str, requested: builtins.list[str], progress: Progress) -> builtins.list[DocumentInfo]:
        store = self._store(kb)
        document_ids = list(dict.fromkeys(requested))  # a document asked for twice is ingested once
        with self._lock(kb):
            documents = [store.document(d) for d in document_ids]
            for d in document_ids:
                store.set_status(d, "indexing", progress=0.0)
        pending = set(document_ids)

        def report(fraction: float) -> None:
            with self._lock(kb):
                for d in pending:
                    store.set_progress(d, fraction)
            progress(fraction)

        def parse(document: DocumentInfo) -> ParsedDocument | KnowledgeError:
            try:
                with self._lock(kb):
                    data = store.document_bytes(document.document_id)
                return parse_isolated(document.filename, data, self.limits)
            except KnowledgeError as exc:
                self._fail(kb, store, document.document_id, str(exc))  # at once: the batch goes on
                return exc

        try:
            batch: list[tuple[str, list[Chunk]]] = []
            # Each document is parsed in a child process of its own; two at a time hide their start-up.
            with ThreadPoolExecutor(max_workers=PARSERS) as pool:
                for document, parsed in zip(documents, pool.map(parse, documents), strict=True):
                    try:
                        if isinstance(parsed, ParsedDocument):
                            chunks = self._chunk(store.settings, parsed)
                            batch.append((document.document_id, chunks))
                            with self._lock(kb):
                                store.set_counts(document.document_id, len(chunks), 0)
                            continue
                    except KnowledgeError as exc:
                        self._fail(kb, store, document.document_id, str(exc))
                    pending.discard(document.document_id)
            embedder = get_embedder(store.settings.embedding.model)
            texts = [c.search_text for _, chunks in batch for c in chunks]

            def embedded(done: int) -> None:  # texts of the batch embedded so far, in document order
                with self._lock(kb):
                    start = 0
                    for document_id, chunks in batch:
                        store.set_counts(document_id, len(chunks), min(max(done - start, 0), len(chunks)))
                        start += len(chunks)
                report(done / max(len(texts), 1) * 0.95)

            vectors = _embed(embedder, texts, store.settings.embedding.batch_size, embedded)
            start = 0
            for document_id, chunks in batch:
                tokens = [tokenize(c.search_text) for c in chunks]
                with self._lock(kb):
                    store.load_indexes(embedder.dimension)
                    store.commit_chunks(document_id, chunks, vectors[start:start + len(chunks)], tokens)
                start += len(chunks)
                pending.discard(document_id)
            with self._lock(kb):
                if len(store.vectors or ()) <= store.settings.index.exact_threshold:
                    store.save_indexes_if_due(INDEX_SAVE_INTERVAL_S)  # big HNSW indexes are saved on close
            if batch:
                self.calibration(kb)  # measured now, while the model is warm, not at the first search
        except Exception as exc:  # model or resource errors, or a bug: never leave documents "indexing"
            reason = str(exc) if isinstance(exc, KnowledgeError) else f"{type(exc).__name__}: {exc}"
            for document in documents:
                if document.document_id in pending:
                    self._fail(kb, store, document.document_id, f"{document.filename}: {reason}")
        progress(1.0)
        with self._lock(kb):
            return [store.document(d) for d in requested]

    def _fail(self, kb: str, store: KBStore, document_id: str, reason: str) -> None:
        with self._lock(kb):
            store.set_status(document_id, "failed", error=reason)

    def _chunks(self, settings: KBSettings, filename: str, data: bytes) -> builtins.list[Chunk]:
        return self._chunk(settings, parse_isolated(filename, data, self.limits))

    def _chunk(self, settings: KBSettings, parsed: ParsedDocument) -> builtins.list[Chunk]:
        filename = parsed.filename
        text = clean(parsed.text, settings.cleaning)
        length: Callable[[str], int] = len
        if settings.chunking.unit == "tokens":
            length = get_embedder(settings.embedding.model).count_tokens
        chunks = chunk(text, settings.chunking, filename=filename, length=length)
        if not chunks:
            raise InvalidSettings(f"{filename}: no text left after cleaning")
        return chunks

    def documents(self, kb: str) -> builtins.list[DocumentInfo]:
        with self._locked(kb) as store:
            return store.documents()

    def document(self, kb: str, document_id: str) -> DocumentInfo:
        with self._locked(kb) as store:
            return store.document(document_id)

    def remove_document(self, kb: str, document_id: str) -> None:
        with self._locked(kb) as store:
            if store.vectors is None:
                store.load_indexes(get_embedder(store.settings.embedding.model).dimension)
            store.remove_document(document_id)
            store.save_indexes_if_due(INDEX_SAVE_INTERVAL_S)

    def preview(self, settings_or_kb: KBSettings | str, filename: str, data: bytes) -> builtins.list[Chunk]:
        """The chunks a file would give, without indexing it (raises ``ParseError`` for a bad file)."""
        settings = self._store(settings_or_kb).settings if isinstance(settings_or_kb, str) else settings_or_kb
        return self._chunks(settings, filename, data)

    def warm(self, names: builtins.list[str] | None = None) -> None:
        """Load the embedding models and indexes of these KBs (all when None) ahead of the first search."""
        for name in self.list_names() if names is None else names:
            if not self.exists(name):
                continue
            store = self._store(name)
            embedder = get_embedder(store.settings.embedding.model)
            with self._lock(name):
                if store.vectors is None:
                    store.load_indexes(embedder.dimension)

    def list_names(self) -> builtins.list[str]:
        return [p.name for p in sorted(self.root.iterdir()) if self.exists(p.name)]

    # --- search ------------------------------------------------------------------------------------------

    def search(self, kb: str, query: str, *, mode: Mode | None = None, top_k: int | None = None,
               score_threshold: float | None = None, document_ids: builtins.list[str] | None = None,
               weights: dict[str, float] | None = None, rerank: str | None = None, fusion: str | None = None,
               query_vector: np.ndarray | None = None, trace: Trace | None = None) -> builtins.list[Hit]:
        """Hit testing: ranked chunks with scores, document and position, using the KB's retrieval settings."""
        store = self._store(kb)
        overrides: dict = {"mode": mode, "top_k": top_k, "score_threshold": score_threshold,
                           "rerank_model": rerank, "fusion": fusion}
        if weights:
            overrides["vector_weight"] = weights.get("vector", store.settings.retrieval.vector_weight)
            overrides["keyword_weight"] = weights.get("keyword", store.settings.retrieval.keyword_weight)
        data = store.settings.retrieval.model_dump() | {k: v for k, v in overrides.items() if v is not None}
        try:
            settings = type(store.settings.retrieval).model_validate(data)
        except ValueError as exc:
            raise InvalidSettings(f"invalid search settings for knowledge base '{kb}': {exc}") from None
        embedder = get_embedder(store.settings.embedding.model)
        embed_ms = None
        if query_vector is None and settings.mode != "keyword" and query.strip():
            started = time.perf_counter()
            query_vector = embedder.encode_queries([query])[0]  # outside the KB lock: ingestion need not wait for it
            embed_ms = (time.perf_counter() - started) * 1000
        calibration = self.calibration(kb) if settings.mode != "keyword" else None
        with self._locked(kb, store):
            return search(store, embedder, Query(query, settings, document_ids, query_vector, calibration, embed_ms),
                          trace)

    def calibration(self, kb: str) -> Calibration | None:
        """Whether the KB's embedder reads its text, and its similarity floor (``knowledge.calibration``):
        stored with the KB, measured again when the embedder changed or the KB doubled or halved."""
        store = self._store(kb)
        embedder = get_embedder(store.settings.embedding.model)
        with self._lock(kb):
            stored, chunks = store.calibration(), store.counts()[1]
        if stored is not None:
            known = Calibration(**stored)
            if not known.stale(embedder.name, chunks):
                return known
        if chunks < 2:
            return None
        with self._lock(kb):
            texts, vectors = store.sample_chunks(CALIBRATION_CHUNKS)
        if vectors.shape[-1] != embedder.dimension:
            return None  # mid re-embedding: the next search measures it
        measured = calibrate(embedder, texts, vectors)
        measured.chunks = chunks
        with self._lock(kb):
            store.set_calibration(measured.as_dict())
        return measured

    async def retrieve(self, knowledge_bases: builtins.list[str], query: str, *, mode: Mode | None = None,
                       top_k: int | None = None, score_threshold: float | None = None,
                       weights: dict[str, float] | None = None, rerank: str | None = None,
                       document_ids: builtins.list[str] | None = None) -> builtins.list[dict]:
        """Search several KBs and merge: items ``{content, score, document, chunk_id, metadata}``, best first."""
        for name in knowledge_bases:
            if not self.exists(name):
                raise KnowledgeBaseNotFound(name)

        def run() -> list[Hit]:
            hits: list[Hit] = []
            for name in knowledge_bases:
                hits.extend(self.search(name, query, mode=mode, top_k=top_k, score_threshold=score_threshold,
                                        document_ids=document_ids, weights=weights, rerank=rerank))
            hits.sort(key=lambda h: -h.score)
            limit = top_k or max((self._store(n).settings.retrieval.top_k for n in knowledge_bases), default=5)
            return hits[:limit]

        return [h.as_item() for h in await asyncio.to_thread(run)]

    # --- internals ---------------------------------------------------------------------------------------

    def _store(self, name: str) -> KBStore:
        with self._guard:
            store = self._stores.get(name)
            if store is None:
                if not self.exists(name):
                    raise KnowledgeBaseNotFound(name)
                store = self._stores[name] = KBStore.open(name, self.root / name, self.backend, self.recover_on_open)
            return store

    def locked(self, name: str, store: KBStore | None = None) -> AbstractContextManager[KBStore]:
        """The KB's open store under its (re-entrant) lock, for modules that work on a KB's store directly
        (re-embedding, chunk edits). Pass back the ``store`` a previous ``locked`` gave, and a KB deleted or
        replaced since is not found rather than a closed database. Keep slow work (embedding) outside it."""
        return self._locked(name, store)

    @contextmanager
    def _locked(self, name: str, store: KBStore | None = None) -> Iterator[KBStore]:
        """The KB's open store, under its lock. A KB deleted meanwhile (or replaced, when ``store`` is the one
        the caller began with) is not found, rather than a closed database."""
        with self._lock(name):
            current = self._store(name)
            if store is not None and current is not store:
                raise KnowledgeBaseNotFound(name)
            yield current

    def _lock(self, name: str) -> threading.RLock:
        with self._guard:
            return self._locks.setdefault(name, threading.RLock())


def _embed(embedder: Embedder, texts: list[str], batch_size: int, embedded: Callable[[int], None]) -> np.ndarray:
    """Embed in slices of two batches, saying after each how many texts are embedded (the progress shown)."""
    step = max(batch_size * 2, 32)
    parts = []
    for start in range(0, len(texts), step):
        parts.append(embedder.encode_passages(texts[start:start + step], batch_size))
        embedded(min(start + step, len(texts)))
    return np.concatenate(parts) if parts else embedder.encode_passages([])
