"""The knowledge-retrieval node in a real workflow, with a real knowledge service."""

from __future__ import annotations

import pytest

from engine.errors import DefinitionError
from engine.graph import validate
from engine.runner import execute
from engine.spec import Services
from knowledge.service import KnowledgeService
from knowledge.settings import ChunkingSettings, KBSettings
from nodes.registry import CATALOG
from tests.helpers import chain, end, node, start, workflow
from tests.knowledge.conftest import ENGLISH, POEMS


def kb_flow(config: dict, query_ref: str = "start.query") -> dict:
    return workflow([start("query"), node("kb", "knowledge-retrieval", {"query": query_ref}, config=config),
                     end(results="kb.output_list")], chain("start", "kb", "end"))


async def test_node_retrieves_from_the_knowledge_base(service: KnowledgeService) -> None:
    service.create("yuwen", KBSettings(chunking=ChunkingSettings(max_length=100, overlap=0)))
    service.add_document("yuwen", "poems.txt", POEMS.encode())
    service.add_document("yuwen", "facts.txt", ENGLISH.encode())
    services = Services(knowledge=service)
    config = {"knowledge_bases": ["yuwen"], "mode": "hybrid", "top_k": 2, "score_threshold": 0}  # ranking only
    graph = validate(kb_flow(config), CATALOG, services)
    result = await execute(graph, {"query": "《春晓》是谁的作品"}, services)
    assert result.status == "succeeded", result.error
    items = result.outputs["results"]
    assert len(items) == 2 and "孟浩然" in items[0]["content"]
    assert set(items[0]) == {"content", "score", "document", "chunk_id", "metadata"}
    assert items[0]["document"] == "poems.txt" and items[0]["score"] >= items[1]["score"]


async def test_threshold_can_leave_nothing(service: KnowledgeService) -> None:
    service.create("yuwen")
    service.add_document("yuwen", "facts.txt", ENGLISH.encode())
    services = Services(knowledge=service)
    config = {"knowledge_bases": ["yuwen"], "mode": "keyword", "top_k": 3, "score_threshold": 0.99}
    result = await execute(validate(kb_flow(config), CATALOG, services), {"query": "zebra migration"}, services)
    assert result.status == "succeeded" and result.outputs["results"] == []


def test_unknown_knowledge_base_is_a_validation_error_naming_it(service: KnowledgeService) -> None:
    service.create("yuwen")
    with pytest.raises(DefinitionError) as info:
        validate(kb_flow({"knowledge_bases": ["yuwen", "shuxue"]}), CATALOG, Services(knowledge=service))
    assert [str(i) for i in info.value.issues] == [
        "kb.config.knowledge_bases[1]: knowledge base 'shuxue' does not exist"]
    # Without a knowledge service (e.g. validating a file offline) the names cannot be checked.
    validate(kb_flow({"knowledge_bases": ["shuxue"]}), CATALOG)


def test_config_and_query_type_are_checked() -> None:
    with pytest.raises(DefinitionError, match="mode"):
        validate(kb_flow({"knowledge_bases": ["a"], "mode": "fuzzy"}), CATALOG)
    with pytest.raises(DefinitionError, match="knowledge_bases"):
        validate(kb_flow({"knowledge_bases": []}), CATALOG)
    flow = workflow([start({"name": "n", "type": "number"}),
                     node("kb", "knowledge-retrieval", {"query": "start.n"}, config={"knowledge_bases": ["a"]}),
                     end(results="kb.output_list")], chain("start", "kb", "end"))
    with pytest.raises(DefinitionError, match=r"kb\.inputs\.query"):
        validate(flow, CATALOG)


async def test_missing_service_fails_the_node_clearly() -> None:
    graph = validate(kb_flow({"knowledge_bases": ["yuwen"]}), CATALOG)
    result = await execute(graph, {"query": "x"}, Services())
    assert result.status == "failed" and "no knowledge service" in result.error
