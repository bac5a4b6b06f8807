"""Knowledge indexes on PostgreSQL (pgvector + full-text over jieba tokens) against the embedded FAISS + BM25:
the same corpus gives the same hits and scores; Chinese keyword search; chunk management, re-embedding, a
restart and a crash on the Postgres backend (the embedded tests of those, run again on it)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from knowledge.backend import EmbeddedBackend
from knowledge.embedding import Embedder
from knowledge.pg import PostgresBackend
from knowledge.service import KnowledgeService
from knowledge.settings import ChunkingSettings, IndexSettings, KBSettings
from tests.knowledge.conftest import ENGLISH, POEMS
from tests.knowledge.test_chunks import (
    test_a_stale_faiss_file_is_rebuilt_without_disabled_chunks as test_a_crash_leaves_postgres_rebuilt_from_the_store,
)
from tests.knowledge.test_chunks import (
    test_edit_disable_add_delete_keep_both_indexes_consistent as test_chunk_management_on_postgres,
)
from tests.knowledge.test_kb_models import gateway, hub, kb, server  # noqa: F401
from tests.knowledge.test_kb_models import (
    test_changing_the_model_re_embeds_in_the_background as test_re_embedding_on_postgres,
)
from tests.pgvector import knowledge_on_postgres, pgvector_server  # noqa: F401

__all__ = ["test_a_crash_leaves_postgres_rebuilt_from_the_store", "test_chunk_management_on_postgres",
           "test_re_embedding_on_postgres"]

CORPUS = [
    ("tower.txt", ENGLISH),
    ("poems.txt", POEMS),
    ("cats.txt", "Cats sleep for most of the day and hunt at night. Don't wake a sleeping cat; it won't thank you."),
    ("wall.txt", "长城是中国古代的军事防御工程，东起山海关，西至嘉峪关，全长两万多公里。北京附近的八达岭长城最有名。"),
]
QUERIES = ["great wall china", "长城在哪里", "李白的诗", "photosynthesis light energy", "don't wake the cat",
           "Paris tower iron", "明月 故乡", "unrelated quantum chromodynamics"]
SETTINGS = KBSettings(chunking=ChunkingSettings(max_length=60, overlap=0))


@pytest.fixture(autouse=True)
def on_postgres(knowledge_on_postgres: str) -> str:  # noqa: F811
    """Every service of these tests made without a backend keeps its indexes in Postgres."""
    return knowledge_on_postgres


def _both(tmp_path: Path, url: str, settings: KBSettings) -> dict[str, KnowledgeService]:
    services = {"embedded": KnowledgeService(tmp_path / "embedded", backend=EmbeddedBackend()),
                "postgres": KnowledgeService(tmp_path / "postgres", backend=PostgresBackend(url))}
    for service in services.values():
        service.create("kb", settings)
        infos = service.add_documents("kb", [(name, text.encode()) for name, text in CORPUS])
        assert all(i.status == "ready" for i in infos), [i.error for i in infos]
    return services


@pytest.mark.parametrize("index", [IndexSettings(), IndexSettings(exact_threshold=0)], ids=["exact", "hnsw"])
def test_the_same_corpus_gives_the_same_hits_and_scores(tmp_path: Path, on_postgres: str, embedder: Embedder,
                                                        index: IndexSettings) -> None:
    services = _both(tmp_path, on_postgres, SETTINGS.model_copy(update={"index": index}))
    try:
        assert services["postgres"]._store("kb").vectors.kind == ("hnsw" if index.exact_threshold == 0 else "exact")
        compared = 0
        for query in QUERIES:
            for mode in ("vector", "keyword", "hybrid"):
                for fusion in ("weighted", "rrf") if mode == "hybrid" else ("weighted",):
                    results = {name: service.search("kb", query, mode=mode, fusion=fusion, top_k=5,  # type: ignore[arg-type]
                                                     score_threshold=0)
                               for name, service in services.items()}
                    embedded, postgres = results["embedded"], results["postgres"]
                    assert [h.chunk_id for h in postgres] == [h.chunk_id for h in embedded], (query, mode)
                    for e, p in zip(embedded, postgres, strict=True):
                        assert p.score == pytest.approx(e.score, abs=1e-4), (query, mode)
                        assert p.scores.keys() == e.scores.keys()
                        for key, value in e.scores.items():
                            assert p.scores[key] == pytest.approx(value, abs=1e-4), (query, mode, key)
                        assert (p.content, p.document, p.position) == (e.content, e.document, e.position)
                    compared += len(embedded)
        assert compared > 50
        # The default thresholds (which need calibrated scores) keep and drop the same hits.
        for query in QUERIES:
            kept = {name: [h.chunk_id for h in s.search("kb", query)] for name, s in services.items()}
            assert kept["postgres"] == kept["embedded"], query
    finally:
        for service in services.values():
            service.close()


def test_chinese_keyword_search_matches_jieba_words(service: KnowledgeService) -> None:
    assert service.backend.name == "postgres"
    service.create("poems", SETTINGS)
    service.add_documents("poems", [("poems.txt", POEMS.encode()), ("wall.txt", CORPUS[3][1].encode())])
    assert "长城" in service.search("poems", "八达岭长城", mode="keyword", score_threshold=0)[0].content
    assert "孟浩然" in service.search("poems", "孟浩然的春晓", mode="keyword", score_threshold=0)[0].content
    assert service.search("poems", "量子色动力学", mode="keyword", score_threshold=0) == []
    hit = service.search("poems", "李白 明月", mode="keyword", score_threshold=0)[0]
    assert "李白" in hit.content and 0 < hit.scores["keyword"] <= 1


def test_a_restart_reads_the_tables_and_deleting_a_kb_drops_them(data_dir: Path, on_postgres: str,
                                                                 embedder: Embedder) -> None:
    service = KnowledgeService(data_dir)
    service.create("kb", SETTINGS)
    document = service.add_document("kb", "tower.txt", ENGLISH.encode())
    before = [(h.chunk_id, round(h.score, 5)) for h in service.search("kb", "Eiffel tower", score_threshold=0)]
    key = service._store("kb").index_key
    service.close()
    reopened = KnowledgeService(data_dir)
    try:
        with psycopg.connect(on_postgres.replace("+psycopg", "")) as db:
            db.execute("UPDATE knowledge_indexes SET kb = 'untouched' WHERE key = %s", (key,))
        after = [(h.chunk_id, round(h.score, 5)) for h in reopened.search("kb", "Eiffel tower", score_threshold=0)]
        assert after == before
        with psycopg.connect(on_postgres.replace("+psycopg", "")) as db:  # read, not rebuilt: the row stayed
            assert db.execute("SELECT kb FROM knowledge_indexes WHERE key = %s", (key,)).fetchall() == [
                ("untouched",), ("untouched",)]
        reopened.remove_document("kb", document.document_id)
        assert reopened.search("kb", "Eiffel tower", score_threshold=0) == []
        reopened.delete("kb")
        with psycopg.connect(on_postgres.replace("+psycopg", "")) as db:
            assert db.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE %s",
                              (f"knowledge_{key}_%",)).fetchone() == (0,)
            assert db.execute("SELECT count(*) FROM knowledge_indexes WHERE key = %s", (key,)).fetchone() == (0,)
    finally:
        reopened.close()


def test_switching_a_deployment_to_postgres_reindexes_without_embedding(data_dir: Path, on_postgres: str,
                                                                       embedder: Embedder,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from server.cli.kb import app
    from server.knowledge_models import MODELS

    embedded = KnowledgeService(data_dir, backend=EmbeddedBackend())
    embedded.create("kb", SETTINGS)
    embedded.add_documents("kb", [(name, text.encode()) for name, text in CORPUS])
    before = [(h.chunk_id, round(h.score, 4)) for h in embedded.search("kb", "长城 great wall", score_threshold=0)]
    embedded.close()
    monkeypatch.setenv("LOOM_KNOWLEDGE_BACKEND", "postgres")
    monkeypatch.setenv("LOOM_DATABASE_URL", on_postgres)
    monkeypatch.setattr(embedder, "encode_passages", None)  # nothing may be embedded again
    # The command attaches the registry of LOOM_DATABASE_URL's database for registered models: detached after.
    monkeypatch.setattr(MODELS, "calls", MODELS.calls)
    result = CliRunner().invoke(app, ["reindex", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "kb: " in result.output and "indexed (postgres)" in result.output
    service = KnowledgeService(data_dir)
    try:
        assert service.backend.name == "postgres"
        after = [(h.chunk_id, round(h.score, 4)) for h in service.search("kb", "长城 great wall", score_threshold=0)]
        assert after == before
    finally:
        service.close()


def test_two_processes_share_one_kb_s_indexes(data_dir: Path, embedder: Embedder) -> None:
    writer, reader = KnowledgeService(data_dir), KnowledgeService(data_dir)  # e.g. a worker and an API replica
    try:
        writer.create("kb", SETTINGS)
        writer.add_document("kb", "tower.txt", ENGLISH.encode())
        assert reader.search("kb", "Eiffel tower", mode="keyword", score_threshold=0)
        writer.add_document("kb", "cats.txt", CORPUS[2][1].encode())  # after the reader loaded its indexes
        for mode in ("vector", "keyword", "hybrid"):
            seen = {name: [(h.chunk_id, round(h.score, 4)) for h in service.search(
                "kb", "a sleeping cat", mode=mode, score_threshold=0)] for name, service in  # type: ignore[arg-type]
                    (("writer", writer), ("reader", reader))}
            assert seen["reader"] == seen["writer"], mode
            assert reader.search("kb", "a sleeping cat", mode=mode, score_threshold=0)[0].document == "cats.txt"  # type: ignore[arg-type]
    finally:
        writer.close()
        reader.close()


def test_processes_starting_together_set_up_the_database_in_turn(on_postgres: str) -> None:
    # Replicas and workers check the backend as they start; on a fresh database their CREATE EXTENSION and
    # CREATE TABLE IF NOT EXISTS would otherwise race on the catalogs' unique indexes.
    import threading

    errors: list[BaseException] = []
    gate = threading.Barrier(6)

    def start() -> None:
        gate.wait()
        try:
            PostgresBackend(on_postgres).check()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with psycopg.connect(on_postgres.replace("postgresql+psycopg", "postgresql")) as conn:
        assert conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'vector'").fetchone() == (1,)


def test_a_bulk_load_builds_the_hnsw_index_again_and_a_missing_one_is_built_on_open(on_postgres: str) -> None:
    """A change adding a large share of the rows drops the HNSW index and builds it over the loaded table (inserting
    row by row costs ~20× more per row); one a crashed process left dropped is built when the index is opened."""
    import numpy as np

    from knowledge.pg.connection import KBPool
    from knowledge.pg.vectors import REBUILD_MIN_ROWS, PgVectorIndex

    PostgresBackend(on_postgres)  # sets the database up (pgvector)
    rng = np.random.default_rng(7)

    def unit(n: int) -> np.ndarray:
        v = rng.standard_normal((n, 8)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    pool = KBPool(on_postgres, size=2)

    def index_oid() -> int | None:
        with pool.use() as db:
            row = db.execute("SELECT to_regclass('bulk_vectors_hnsw')::oid").fetchone()
        return int(row[0]) if row and row[0] is not None else None

    index = PgVectorIndex(pool, "bulk_vectors", 8, IndexSettings(exact_threshold=100))
    index.create()
    first = unit(150)
    index.add(np.arange(150), first)
    built = index_oid()
    assert index.kind == "hnsw" and built is not None
    index.add(np.arange(150, 160), unit(10))  # a small change goes into the index as it is
    assert index_oid() == built
    bulk = unit(REBUILD_MIN_ROWS)
    index.add(np.arange(1000, 1000 + REBUILD_MIN_ROWS), bulk)
    rebuilt = index_oid()
    assert index.kind == "hnsw" and rebuilt is not None and rebuilt != built and len(index) == 160 + REBUILD_MIN_ROWS
    ids, scores = index.search(bulk[5], 3)
    assert ids[0] == 1005 and scores[0] == pytest.approx(1.0, abs=1e-5)
    ids, _ = index.search(first[3], 1)
    assert ids.tolist() == [3]

    with pool.use() as db:  # as a process dying between the drop and the build leaves it
        db.execute("DROP INDEX bulk_vectors_hnsw")
    reopened = PgVectorIndex(pool, "bulk_vectors", 8, IndexSettings(exact_threshold=100))
    reopened.attach()
    assert reopened.kind == "hnsw" and index_oid() is not None
    pool.close()


def test_many_open_kbs_share_a_few_connections(data_dir: Path, on_postgres: str, embedder: Embedder) -> None:
    """A process's KB indexes borrow from one pool: 12 open, searched KBs hold at most ``POOL_SIZE`` connections."""
    from knowledge.pg.connection import POOL_SIZE

    def connections() -> int:
        with psycopg.connect(on_postgres.replace("+psycopg", "")) as db:
            row = db.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                             "AND pid <> pg_backend_pid()").fetchone()
        return int(row[0]) if row else 0

    before = connections()
    service = KnowledgeService(data_dir)
    try:
        for k in range(12):
            service.create(f"kb{k}", SETTINGS)
            service.add_document(f"kb{k}", "cats.txt", f"Cat {k} sleeps all day in basket {k}.".encode())
        for k in range(12):
            [hit] = service.search(f"kb{k}", f"basket {k}", mode="hybrid", score_threshold=0)
            assert f"basket {k}" in hit.content
        assert 0 < connections() - before <= POOL_SIZE
    finally:
        service.close()


def test_keyword_top_k_skips_the_rows_of_common_terms_and_ranks_exactly_as_the_full_query(
        on_postgres: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks holding only a query's common words cannot reach the top k once the chunks holding its rare words
    score above the common words' bound: those rows are not read, and the ranking is the full query's."""
    import random

    from knowledge.pg.connection import KBPool
    from knowledge.pg.keywords import PgKeywordIndex, PgKeywordScores

    PostgresBackend(on_postgres)
    pool = KBPool(on_postgres, size=2)
    with pool.use() as db:
        db.execute("INSERT INTO knowledge_indexes (key, kind, kb, generation) VALUES ('topk', 'keywords', 'kb', 1)")
    index = PgKeywordIndex(pool, "topk", "topk_chunks", "topk_terms")
    rng = random.Random(3)
    chunks = []
    for i in range(3000):
        words = ["的", "是"] * rng.randint(1, 3) + [f"w{rng.randint(0, 400)}" for _ in range(rng.randint(5, 30))]
        if i % 100 == 0:
            words += ["长城", "长城"]  # a rare word, in 30 chunks
        chunks.append((i, words))
    index.rebuild(chunks)
    searched: list[list[str]] = []
    best = PgKeywordScores._best

    def spy(self: PgKeywordScores, holding: list[str], k: int, allowed: object) -> list[tuple[int, float]]:
        searched.append(holding)
        return best(self, holding, k, allowed)  # type: ignore[arg-type]

    monkeypatch.setattr(PgKeywordScores, "_best", spy)
    for query, k, read in ([["长城", "的", "是"], 10, [["长城"]]], [["长城", "的"], 30, [["长城"]]],
                           [["长城", "是", "w7"], 5, [["w7", "长城"]]], [["的", "w3"], 10, [["w3"]]],
                           [["长城", "的"], 31, [["长城"], ["的", "长城"]]]):  # 30 hold 长城: all are read
        searched.clear()
        scores = index.query(query)
        ids, values = scores.top(k)
        assert searched == read, query
        full = best(scores, scores.matched, k, None)
        assert ids.tolist() == [i for i, _ in full], query
        assert values.tolist() == pytest.approx([min(raw / scores.ideal, 1.0) for _, raw in full], abs=1e-6)
    pool.close()
