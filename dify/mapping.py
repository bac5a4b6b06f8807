"""Dify node type → the mapper that turns it into a Loom node."""

from __future__ import annotations

from dify.nodes import branching, classifier, containers, external, io, llm, transform
from dify.nodes.base import Mapper

MAPPERS: dict[str, Mapper] = {
    "start": io.start, "end": io.end, "answer": io.answer, "llm": llm.llm,
    "if-else": branching.if_else, "question-classifier": classifier.question_classifier,
    "parameter-extractor": classifier.parameter_extractor,
    "code": transform.code, "template-transform": transform.template_transform,
    "variable-aggregator": transform.variable_aggregator, "variable-assigner": transform.variable_aggregator,
    "list-operator": transform.list_operator, "document-extractor": transform.document_extractor,
    "http-request": external.http_request, "knowledge-retrieval": external.knowledge_retrieval,
    "tool": external.tool, "iteration": containers.iteration, "loop": containers.loop,
    "assigner": containers.assigner,
}
