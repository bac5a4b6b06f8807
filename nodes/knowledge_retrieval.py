"""``knowledge-retrieval``: search one or more knowledge bases for the node's ``query`` input."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from engine.errors import Issue, NodeError
from engine.models import NodeDef, Strict
from engine.spec import NodeContext, NodeResult, NodeSpec, RefUse, Services
from knowledge.errors import KnowledgeError


class Weights(Strict):
    """Hybrid weighted fusion: how much the vector and keyword scores count."""

    vector: float = Field(0.3, ge=0, le=1)
    keyword: float = Field(0.7, ge=0, le=1)


class RerankConfig(Strict):
    """Rerank the candidates with a sentence-transformers CrossEncoder (local path or name)."""

    model: str = Field(min_length=1)


class KnowledgeRetrievalConfig(Strict):
    """Which knowledge bases to search and how."""

    knowledge_bases: list[str] = Field(min_length=1)
    mode: Literal["vector", "keyword", "hybrid"] = "hybrid"
    top_k: int = Field(3, ge=1, le=100)
    score_threshold: float | None = Field(None, ge=0, le=1)
    weights: Weights | None = None
    rerank: RerankConfig | None = None

    @field_validator("knowledge_bases")
    @classmethod
    def _distinct(cls, names: list[str]) -> list[str]:
        return list(dict.fromkeys(names))


def outputs(node: NodeDef, config: KnowledgeRetrievalConfig, services: Services | None) -> dict[str, str]:
    return {"output_list": "array[object]"}


def refs(node: NodeDef, config: KnowledgeRetrievalConfig, services: Services | None) -> list[RefUse]:
    return [RefUse(f"inputs.{name}", source, ("string",) if name == "query" else ("any",))
            for name, source in node.inputs.items()]


def check(node: NodeDef, config: KnowledgeRetrievalConfig, services: Services | None) -> list[Issue]:
    issues = []
    if "query" not in node.inputs:
        issues.append(Issue(node.id, "inputs.query", "knowledge retrieval needs a 'query' input"))
    knowledge = services.knowledge if services is not None else None
    if knowledge is not None:
        for i, name in enumerate(config.knowledge_bases):
            if not knowledge.exists(name):
                issues.append(Issue(node.id, f"config.knowledge_bases[{i}]", f"knowledge base '{name}' does not exist"))
    return issues


async def run(ctx: NodeContext, config: KnowledgeRetrievalConfig) -> NodeResult:
    knowledge = ctx.services.knowledge
    if knowledge is None:
        raise NodeError("no knowledge service is available to this run", retryable=False)
    query: Any = ctx.inputs.get("query")
    if query is None or (isinstance(query, str) and not query.strip()):
        return NodeResult(outputs={"output_list": []}, logs=["empty query: nothing retrieved"])
    if not isinstance(query, str):
        raise NodeError(f"input 'query' must be a string, got {type(query).__name__}", retryable=False)
    try:
        items = await knowledge.retrieve(
            config.knowledge_bases, query, mode=config.mode, top_k=config.top_k,
            score_threshold=config.score_threshold,
            weights=config.weights.model_dump() if config.weights else None,
            rerank=config.rerank.model if config.rerank else None)
    except KnowledgeError as exc:
        raise NodeError(str(exc)) from None
    return NodeResult(outputs={"output_list": items})


SPEC = NodeSpec(type="knowledge-retrieval", title="Knowledge retrieval", config_model=KnowledgeRetrievalConfig,
                run=run, outputs=outputs, check=check, refs=refs)
