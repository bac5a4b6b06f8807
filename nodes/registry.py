"""The node catalogue: node type name → NodeSpec. Hand-written; no registration by import side effects."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from engine.spec import NodeSpec
from nodes import (
    answer,
    code,
    document_extractor,
    end,
    http_request,
    if_else,
    iteration,
    knowledge_retrieval,
    list_operator,
    llm,
    loop,
    parameter_extractor,
    plugin,
    question_classifier,
    start,
    template_transform,
    variable_aggregator,
    variable_assigner,
)

CATALOG: Mapping[str, NodeSpec] = MappingProxyType({
    spec.type: spec
    for spec in (
        start.SPEC,
        end.SPEC,
        llm.SPEC,
        if_else.SPEC,
        knowledge_retrieval.SPEC,
        plugin.SPEC,
        variable_aggregator.SPEC,
        code.SPEC,
        question_classifier.SPEC,
        parameter_extractor.SPEC,
        template_transform.SPEC,
        http_request.SPEC,
        document_extractor.SPEC,
        list_operator.SPEC,
        answer.SPEC,
        variable_assigner.SPEC,
        iteration.SPEC,
        loop.SPEC,
    )
})
