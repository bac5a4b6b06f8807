"""The knowledge service end to end: real files, real MiniLM, real FAISS and BM25, on disk."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from knowledge.embedding import resolve_model
from knowledge.errors import DocumentNotFound, InvalidSettings, KnowledgeBaseExists, KnowledgeBaseNotFound
from knowledge.rerank import get_cross_encoder
from knowledge.retrieval import Trace
from knowledge.service import KnowledgeService
from knowledge.settings import ChunkingSettings, KBSettings
from knowledge.store import INTERRUPTED
from tests.knowledge.conftest import ENGLISH, POEMS, make_docx, make_pdf

SMALL = KBSettings(chunking=ChunkingSettings(max_length=80, overlap=0))


def test_create_list_get_delete(service: KnowledgeService) -> None:
    info = service.create("yuwen", SMALL)
    assert info.name == "yuwen" and info.settings.chunking.max_length == 80 and info.documents == 0
    assert [kb.name for kb in service.list()] == ["yuwen"] and service.exists("yuwen")
    with pytest.raises(KnowledgeBaseExists, match="knowledge base 'yuwen' already exists"):
        service.create("yuwen")
    with pytest.raises(InvalidSettings, match="invalid knowledge base name '../x'"):
        service.create("../x")
    service.delete("yuwen")
    assert not service.exists("yuwen")
    with pytest.raises(KnowledgeBaseNotFound, match="knowledge base 'yuwen' does not exist"):
        service.get("yuwen")


def test_documents_of_every_format_are_indexed_and_searchable(service: KnowledgeService) -> None:
    service.create("kb", SMALL)
    progress: list[float] = []
    txt = service.add_document("kb", "poems.txt", POEMS.encode("gbk"), progress=progress.append)
    pdf = service.add_document("kb", "facts.pdf", make_pdf(ENGLISH.split("\n\n")))
    table = make_docx(["Capitals"], [["France", "Paris"], ["China", "Beijing"]])
    docx = service.add_document("kb", "table.docx", table)
    assert [d.status for d in (txt, pdf, docx)] == ["ready"] * 3 and txt.chunks >= 2
    assert progress[-1] == 1.0 and progress == sorted(progress)

    for mode in ("vector", "keyword", "hybrid"):
        hits = service.search("kb", "Eiffel Tower in Paris", mode=mode, top_k=3)
        assert hits[0].document == "facts.pdf" and "Eiffel" in hits[0].content, mode
        assert hits == sorted(hits, key=lambda h: -h.score)
    hit = service.search("kb", "静夜思是谁写的", mode="keyword", top_k=1)[0]
    assert hit.document == "poems.txt" and "李白" in hit.content and hit.position == 0
    assert set(hit.scores) == {"keyword"}
    trace = Trace()
    hybrid = service.search("kb", "静夜思是谁写的", mode="hybrid", top_k=1, trace=trace)[0]
    assert set(hybrid.scores) == {"cosine", "vector", "keyword", "fused"}
    weights = trace.fusion["weights"]
    expected = (weights["vector"] * hybrid.scores["vector"] + weights["keyword"] * hybrid.scores["keyword"])
    assert abs(hybrid.score - expected / sum(weights.values())) < 1e-4
    assert abs(hybrid.score - hybrid.scores["fused"]) < 1e-5
    assert [s["stage"] for s in trace.stages][:3] == ["vector", "keyword", "fusion"]


def test_a_failed_document_is_recorded_and_the_kb_keeps_working(service: KnowledgeService) -> None:
    service.create("kb", SMALL)
    service.add_document("kb", "poems.txt", POEMS.encode())
    bad = service.add_document("kb", "broken.pdf", b"%PDF-1.4 garbage")
    assert bad.status == "failed" and bad.error.startswith("broken.pdf: corrupt or unreadable PDF")
    assert [d.status for d in service.documents("kb")] == ["ready", "failed"]
    assert service.search("kb", "春晓", mode="keyword")[0].document == "poems.txt"


def test_queued_documents_are_ingested_later_with_status(service: KnowledgeService) -> None:
    service.create("kb", SMALL)
    queued = service.register_document("kb", "facts.md", ENGLISH.encode())
    assert queued.status == "queued" and service.search("kb", "Eiffel") == []
    done = service.ingest("kb", queued.document_id)
    assert done.status == "ready" and done.progress == 1.0
    assert service.search("kb", "Eiffel")[0].document_id == queued.document_id


def test_filter_threshold_and_removal_update_both_indexes(service: KnowledgeService) -> None:
    service.create("kb", SMALL)
    poems = service.add_document("kb", "poems.txt", POEMS.encode())
    facts = service.add_document("kb", "facts.txt", ENGLISH.encode())
    only = service.search("kb", "Eiffel Tower", document_ids=[poems.document_id], top_k=10, score_threshold=0.0)
    assert only and {h.document for h in only} == {"poems.txt"}
    strict = service.search("kb", "Eiffel Tower", mode="keyword", score_threshold=0.5, top_k=10)
    assert strict and all(h.score >= 0.5 for h in strict)

    service.remove_document("kb", facts.document_id)
    for mode in ("vector", "keyword", "hybrid"):
        assert all(h.document == "poems.txt" for h in service.search("kb", "Eiffel Tower", mode=mode, top_k=10))
    assert service.get("kb").documents == 1
    with pytest.raises(DocumentNotFound, match="knowledge base 'kb' has no document 'nope'"):
        service.remove_document("kb", "nope")


def test_indexes_persist_and_a_stale_faiss_file_is_rebuilt(data_dir: Path, embedder) -> None:
    first = KnowledgeService(data_dir)
    first.create("kb", SMALL)
    first.add_document("kb", "facts.txt", ENGLISH.encode())
    before = [(h.chunk_id, round(h.score, 5)) for h in first.search("kb", "photosynthesis in plants")]
    first.close()
    assert (data_dir / "knowledge" / "kb" / "vectors.faiss").is_file()

    again = KnowledgeService(data_dir)
    assert [(h.chunk_id, round(h.score, 5)) for h in again.search("kb", "photosynthesis in plants")] == before
    again.close()
    # Simulate a crash between the database commit and the index save: the FAISS file is one generation behind.
    db = sqlite3.connect(data_dir / "knowledge" / "kb" / "kb.sqlite")
    db.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")
    db.commit()
    db.close()
    rebuilt = KnowledgeService(data_dir)
    assert [(h.chunk_id, round(h.score, 5)) for h in rebuilt.search("kb", "photosynthesis in plants")] == before
    rebuilt.close()


def test_a_document_interrupted_mid_ingestion_is_marked_failed(data_dir: Path, embedder) -> None:
    first = KnowledgeService(data_dir)
    first.create("kb", SMALL)
    first.add_document("kb", "facts.txt", ENGLISH.encode())
    doc = first.register_document("kb", "poems.txt", POEMS.encode())
    first._store("kb").set_status(doc.document_id, "indexing")  # what a killed process leaves behind
    first.close()
    again = KnowledgeService(data_dir)
    states = {d.filename: (d.status, d.error) for d in again.documents("kb")}
    assert states == {"facts.txt": ("ready", None), "poems.txt": ("failed", INTERRUPTED)}
    assert again.search("kb", "Eiffel")[0].document == "facts.txt"
    again.close()


def test_parent_child_returns_each_paragraph_once(service: KnowledgeService) -> None:
    service.create("pc", KBSettings(chunking=ChunkingSettings(method="parent-child", max_length=20, overlap=0)))
    service.add_document("pc", "poems.txt", POEMS.encode())
    hits = service.search("pc", "李白 静夜思 明月 故乡", mode="keyword", top_k=5)
    assert hits[0].content == POEMS.split("\n\n")[0]
    assert len({h.content for h in hits}) == len(hits)
    assert hits[0].metadata["child"] in hits[0].content


def test_qa_knowledge_base_matches_questions_and_returns_answers(service: KnowledgeService) -> None:
    service.create("qa", KBSettings(chunking=ChunkingSettings(method="qa")))
    rows = ("question,answer\n《静夜思》的作者是谁？,李白\n《春晓》的作者是谁？,孟浩然\n"
            "What is the capital of France?,Paris\n")
    service.add_document("qa", "faq.csv", rows.encode("gbk"))
    hit = service.search("qa", "春晓是谁写的", mode="keyword", top_k=1)[0]
    assert hit.content == "孟浩然" and hit.metadata["question"] == "《春晓》的作者是谁？"
    assert service.search("qa", "capital of France", mode="vector", top_k=1)[0].content == "Paris"


def test_preview_chunks_without_indexing(service: KnowledgeService) -> None:
    service.create("kb", SMALL)
    chunks = service.preview("kb", "poems.txt", POEMS.encode())
    assert len(chunks) >= 2 and all(len(c.content) <= 80 for c in chunks)
    assert service.documents("kb") == []
    assert service.preview(KBSettings(chunking=ChunkingSettings(method="qa")), "faq.jsonl",
                           b'{"question": "q?", "answer": "a"}')[0].content == "a"


async def test_retrieve_merges_knowledge_bases_into_node_items(service: KnowledgeService) -> None:
    service.create("poems", SMALL)
    service.create("facts", KBSettings(chunking=ChunkingSettings(max_length=100, overlap=0)))
    service.add_document("poems", "poems.txt", POEMS.encode())
    service.add_document("facts", "facts.txt", ENGLISH.encode())
    items = await service.retrieve(["poems", "facts"], "Great Wall of China", mode="hybrid", top_k=2,
                                   score_threshold=0.0)  # merging, not relevance: the poem stays in
    assert len(items) == 2 and items[0]["document"] == "facts.txt" and "Great Wall" in items[0]["content"]
    assert set(items[0]) == {"content", "score", "document", "chunk_id", "metadata"}
    assert items[0]["metadata"]["kb"] == "facts" and items[0]["score"] >= items[1]["score"]
    with pytest.raises(KnowledgeBaseNotFound, match="knowledge base 'yuwen' does not exist"):
        await service.retrieve(["poems", "yuwen"], "x", mode="vector", top_k=1)


def test_rerank_orders_by_the_cross_encoder(service: KnowledgeService, embedder) -> None:
    # No cross-encoder weights ship offline; MiniLM with a fresh one-label head is a real CrossEncoder all the same.
    model = resolve_model("all-MiniLM-L6-v2")
    service.create("kb", SMALL)
    service.add_document("kb", "facts.txt", ENGLISH.encode())
    hits = service.search("kb", "Eiffel Tower", mode="hybrid", top_k=3, rerank=model)
    direct = get_cross_encoder(model).predict([("Eiffel Tower", h.content) for h in hits])
    assert [round(h.score, 5) for h in hits] == sorted((round(float(s), 5) for s in direct), reverse=True)
    assert all(0 <= h.score <= 1 and h.scores["rerank"] == h.score for h in hits)


def test_concurrent_search_while_ingesting(service: KnowledgeService) -> None:
    service.create("kb", SMALL)
    service.add_document("kb", "facts.txt", ENGLISH.encode())

    async def both() -> None:
        ingest = asyncio.to_thread(service.add_document, "kb", "poems.txt", POEMS.encode())
        searches = [asyncio.to_thread(service.search, "kb", "Eiffel") for _ in range(5)]
        results = await asyncio.gather(ingest, *searches)
        assert results[0].status == "ready" and all(r and r[0].document == "facts.txt" for r in results[1:])

    asyncio.run(both())


def test_a_batch_embeds_together_and_fails_documents_one_by_one(service: KnowledgeService) -> None:
    service.create("kb", SMALL)
    progress: list[float] = []
    docs = service.add_documents("kb", [("poems.txt", POEMS.encode()), ("empty.txt", b""),
                                        ("facts.txt", ENGLISH.encode())], progress=progress.append)
    assert [(d.filename, d.status) for d in docs] == [("poems.txt", "ready"), ("empty.txt", "failed"),
                                                      ("facts.txt", "ready")]
    assert docs[1].error == "empty.txt: file is empty" and progress[-1] == 1.0
    assert service.search("kb", "Eiffel", mode="keyword")[0].document == "facts.txt"
    assert service.search("kb", "春晓", mode="keyword")[0].document == "poems.txt"


def test_a_process_killed_mid_ingestion_leaves_a_consistent_kb(data_dir: Path, embedder) -> None:
    first = KnowledgeService(data_dir)
    first.create("kb", SMALL)
    first.add_document("kb", "facts.txt", ENGLISH.encode())
    first.close()
    script = ("import sys; from pathlib import Path; from knowledge.service import KnowledgeService\n"
              "KnowledgeService(Path(sys.argv[1])).add_document('kb', 'big.txt', b'Plants use light. ' * 40000)\n")
    proc = subprocess.Popen([sys.executable, "-c", script, str(data_dir)], env={**os.environ, "HF_HUB_OFFLINE": "1"})
    db = sqlite3.connect(data_dir / "knowledge" / "kb" / "kb.sqlite")
    try:
        deadline = time.monotonic() + 120
        while db.execute("SELECT COUNT(*) FROM documents WHERE status = 'indexing'").fetchone()[0] == 0:
            assert proc.poll() is None and time.monotonic() < deadline, "ingestion never started"
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait()
        db.close()

    again = KnowledgeService(data_dir)
    states = {d.filename: (d.status, d.error, d.chunks) for d in again.documents("kb")}
    facts_chunks = states["facts.txt"][2]
    assert states == {"facts.txt": ("ready", None, facts_chunks), "big.txt": ("failed", INTERRUPTED, 0)}
    store = again._store("kb")
    assert store.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0] == facts_chunks  # nothing half-written
    hits = again.search("kb", "plants use light", top_k=10, score_threshold=0.0)  # every chunk
    assert len(hits) == facts_chunks and {h.document for h in hits} == {"facts.txt"}
    again.close()


def test_a_kb_past_the_exact_threshold_uses_hnsw_and_persists_it(data_dir: Path, embedder) -> None:
    from knowledge.settings import IndexSettings

    settings = KBSettings(chunking=ChunkingSettings(max_length=40, overlap=0), index=IndexSettings(exact_threshold=4))
    first = KnowledgeService(data_dir)
    first.create("big", settings)
    poems = first.add_document("big", "poems.txt", POEMS.encode())
    first.add_document("big", "facts.txt", ENGLISH.encode())
    assert first._store("big").vectors.kind == "hnsw"
    first.remove_document("big", poems.document_id)
    first.close()

    again = KnowledgeService(data_dir)
    hits = again.search("big", "Eiffel Tower in Paris", mode="vector", top_k=10)
    assert again._store("big").vectors.kind == "hnsw"
    assert hits[0].document == "facts.txt" and {h.document for h in hits} == {"facts.txt"}
    again.close()
