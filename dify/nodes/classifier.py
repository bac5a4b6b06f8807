"""Question-classifier and parameter-extractor: one model call each."""

from __future__ import annotations

from typing import Any

from dify import selectors, templates
from dify.context import Inputs, MapContext
from dify.errors import DifyImportError
from dify.nodes.base import Built
from dify.nodes.branching import case_handle
from dify.nodes.llm import model_of, params_of

PARAMETER_TYPES = {"string": "string", "number": "number", "bool": "boolean", "boolean": "boolean",
                   "select": "string", "object": "object", "array[string]": "array[string]",
                   "array[number]": "array[number]", "array[object]": "array[object]"}


def _common(dify_id: str, data: dict[str, Any], ctx: MapContext, selector_key: str) -> tuple[Inputs, dict[str, Any]]:
    label = ctx.label(dify_id)
    inputs = Inputs(ctx, dify_id)
    inputs.set("query", selectors.source(data.get(selector_key), ctx, f"{label}: {selector_key}"))
    config: dict[str, Any] = {"model": model_of(dify_id, data, ctx)}
    params = params_of(dify_id, data, ctx)
    if params:
        config["params"] = params
    instruction = str(data.get("instruction") or data.get("instructions") or "")
    if instruction.strip():
        config["instructions"] = templates.rewrite(instruction, inputs, f"{label}: instruction")
    if data.get("memory") and ctx.chat:
        ctx.report.approximate(dify_id, "chat memory is not sent to this node in Loom")
    return inputs, config


def question_classifier(dify_id: str, data: dict[str, Any], ctx: MapContext) -> Built:
    inputs, config = _common(dify_id, data, ctx, "query_variable_selector")
    classes = []
    for i, item in enumerate(data.get("classes") or []):
        class_id = case_handle(str(item.get("id") or i + 1), None)
        name = str(item.get("name") or "").strip() or f"class {class_id}"
        classes.append({"id": class_id, "name": name})
    if not classes:
        raise DifyImportError("the classifier has no classes", f"{ctx.label(dify_id)}: classes")
    config["classes"] = classes
    return Built(type="question-classifier", config=config, inputs=inputs.values)


def parameter_extractor(dify_id: str, data: dict[str, Any], ctx: MapContext) -> Built:
    inputs, config = _common(dify_id, data, ctx, "query")
    parameters = []
    for i, item in enumerate(data.get("parameters") or []):
        kind = str(item.get("type") or "string")
        if kind not in PARAMETER_TYPES:
            raise DifyImportError(f"parameter type '{kind}' has no Loom equivalent",
                                  f"{ctx.label(dify_id)}: parameters[{i}].type")
        param: dict[str, Any] = {"name": str(item.get("name")), "type": PARAMETER_TYPES[kind],
                                 "required": bool(item.get("required", False))}
        if item.get("description"):
            param["description"] = str(item["description"])
        if kind == "select" and item.get("options"):
            param["options"] = [str(o) for o in item["options"]]
        parameters.append(param)
    config["parameters"] = parameters
    if data.get("reasoning_mode") == "function_call":
        ctx.report.approximate(dify_id, "function-call extraction becomes a JSON-mode prompt in Loom")
    return Built(type="parameter-extractor", config=config, inputs=inputs.values)
