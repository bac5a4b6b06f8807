"""Chunk management on a real knowledge service (real MiniLM, FAISS, BM25, on disk): edits, disabled chunks,
added and deleted ones stay consistent across search, the retrieval node and a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.graph import validate
from engine.runner import execute
from engine.spec import Services
from knowledge.chunks import DocumentChunks
from knowledge.errors import ChunkNotFound, InvalidSettings
from knowledge.kb_settings import update_settings
from knowledge.service import KnowledgeService
from knowledge.settings import ChunkingSettings, IndexSettings, KBSettings
from nodes.registry import CATALOG
from tests.helpers import chain, end, node, start, workflow

TEXT = ("Photosynthesis turns light, water and carbon dioxide into sugar in plant leaves.\n\n"
        "The Great Wall stretches across northern China for thousands of kilometres.\n\n"
        "Volcanoes erupt when magma rises through cracks in the crust of the earth.\n")
SETTINGS = KBSettings(chunking=ChunkingSettings(separators=["\n\n"], max_length=90, overlap=0, title_prefix=False))


def ready(service: KnowledgeService, settings: KBSettings = SETTINGS) -> str:
    service.create("notes", settings)
    document = service.add_document("notes", "notes.txt", TEXT.encode())
    assert document.status == "ready" and document.chunks == 3, document.error
    return document.document_id


def found(service: KnowledgeService, query: str, mode: str = "hybrid") -> list[str]:
    return [h.content for h in service.search("notes", query, mode=mode, top_k=10,  # type: ignore[arg-type]
                                              score_threshold=0)]


@pytest.mark.parametrize("index", [IndexSettings(), IndexSettings(exact_threshold=0)], ids=["exact", "hnsw"])
def test_edit_disable_add_delete_keep_both_indexes_consistent(service: KnowledgeService, data_dir: Path,
                                                              index: IndexSettings) -> None:
    document_id = ready(service, SETTINGS.model_copy(update={"index": index}))
    chunks = DocumentChunks(service)
    page = chunks.list("notes", document_id)
    assert page.total == 3 and [c.position for c in page.items] == [0, 1, 2] and all(c.enabled for c in page.items)
    assert [c.content for c in chunks.list("notes", document_id, query="GREAT wall").items] == [
        page.items[1].content]
    assert [c.position for c in chunks.list("notes", document_id, offset=1, limit=1).items] == [1]

    edited = chunks.edit("notes", page.items[0].chunk_id, "Axolotls regrow their limbs after losing them.")
    assert edited.chunk_id != page.items[0].chunk_id and edited.position == 0
    with pytest.raises(ChunkNotFound, match=f"no chunk {page.items[0].chunk_id}"):
        chunks.get("notes", page.items[0].chunk_id)
    assert "Axolotls" in found(service, "axolotl limbs", "keyword")[0]
    assert "Axolotls" in found(service, "which salamander can regrow a leg", "vector")[0]
    assert not any("Photosynthesis" in c for c in found(service, "photosynthesis sugar plants"))

    wall = page.items[1].chunk_id
    assert not chunks.set_enabled("notes", wall, False).enabled
    assert not any("Great Wall" in c for c in found(service, "great wall china"))
    assert not any("Great Wall" in c for c in found(service, "great wall china", "vector"))
    assert not any("Great Wall" in c for c in [h.content for h in service.search(
        "notes", "great wall", document_ids=[document_id], top_k=10, score_threshold=0)])
    assert chunks.list("notes", document_id).total == 3  # disabled, not deleted

    added = chunks.add("notes", document_id, "Penguins huddle together to survive the Antarctic winter.")
    assert added.position == 3 and service.document("notes", document_id).chunks == 4
    assert "Penguins" in found(service, "penguins antarctic", "keyword")[0]
    chunks.delete("notes", page.items[2].chunk_id)
    assert not any("Volcanoes" in c for c in found(service, "volcano magma"))
    assert service.document("notes", document_id).chunks == 3

    service.close()  # the indexes on disk, then everything read back from SQLite and the saved FAISS file
    reopened = KnowledgeService(data_dir)
    try:
        after = [h.content for h in reopened.search("notes", "axolotl penguins great wall volcano", top_k=10,
                                                    score_threshold=0)]
        assert any("Axolotls" in c for c in after) and any("Penguins" in c for c in after)
        assert not any("Great Wall" in c or "Volcanoes" in c or "Photosynthesis" in c for c in after)
        store_vectors = reopened._store("notes").vectors
        assert store_vectors is not None and len(store_vectors) == 2  # edited + added; disabled left out
        DocumentChunks(reopened).set_enabled("notes", wall, True)
        assert "Great Wall" in [h.content for h in reopened.search("notes", "great wall china", top_k=1,
                                                                   score_threshold=0)][0]
    finally:
        reopened.close()


def test_a_stale_faiss_file_is_rebuilt_without_disabled_chunks(service: KnowledgeService, data_dir: Path) -> None:
    document_id = ready(service)
    service.search("notes", "warm the indexes")
    service.close()  # saved at this generation
    service = KnowledgeService(data_dir)
    chunks = DocumentChunks(service)
    wall = chunks.list("notes", document_id, query="great wall").items[0].chunk_id
    chunks.set_enabled("notes", wall, False)
    service._store("notes").db.close()  # a crash: nothing saved since, the FAISS file is a generation behind
    service._stores.clear()
    reopened = KnowledgeService(data_dir)
    try:
        assert not any("Great Wall" in h.content for h in reopened.search("notes", "great wall china", top_k=10,
                                                                          score_threshold=0))
    finally:
        reopened.close()


async def test_the_retrieval_node_never_returns_a_disabled_chunk(service: KnowledgeService) -> None:
    document_id = ready(service)
    chunks = DocumentChunks(service)
    wall = chunks.list("notes", document_id, query="great wall").items[0].chunk_id
    chunks.set_enabled("notes", wall, False)
    services = Services(knowledge=service)
    flow = workflow([start("query"), node("kb", "knowledge-retrieval", {"query": "start.query"},
                                          config={"knowledge_bases": ["notes"], "top_k": 5, "score_threshold": 0}),
                     end(results="kb.output_list")], chain("start", "kb", "end"))
    result = await execute(validate(flow, CATALOG, services), {"query": "great wall of china"}, services)
    assert result.status == "succeeded", result.error
    assert result.outputs["results"] and not any("Great Wall" in i["content"] for i in result.outputs["results"])


def test_bad_edits_name_what_is_wrong(service: KnowledgeService) -> None:
    document_id = ready(service)
    chunks = DocumentChunks(service)
    with pytest.raises(InvalidSettings, match="content cannot be empty"):
        chunks.add("notes", document_id, "   ")
    with pytest.raises(ChunkNotFound, match="knowledge base 'notes' has no chunk 999"):
        chunks.edit("notes", 999, "text")


def test_new_chunking_reindexes_and_retrieval_settings_just_save(service: KnowledgeService) -> None:
    document_id = ready(service)
    _, again = update_settings(service, "notes", {"retrieval": {"top_k": 3}})
    assert again == [] and service.get("notes").settings.retrieval.top_k == 3
    _, again = update_settings(service, "notes", {"chunking": {"separators": ["\n\n"], "max_length": 500,
                                                               "overlap": 0}})
    assert again == [document_id] and service.document("notes", document_id).status == "queued"
    assert service.ingest_many("notes", again)[0].chunks == 1  # one chunk now: the whole text
    assert len(found(service, "great wall")) == 1  # the old chunks left the indexes
    with pytest.raises(InvalidSettings, match="cannot be changed here: embedding"):
        update_settings(service, "notes", {"embedding": {"model": "x"}})
    with pytest.raises(InvalidSettings, match="overlap"):
        update_settings(service, "notes", {"chunking": {"max_length": 20, "overlap": 30}})
