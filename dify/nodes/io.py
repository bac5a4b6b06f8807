"""Start, end and answer nodes."""

from __future__ import annotations

from typing import Any

from dify import selectors, templates
from dify.context import Inputs, MapContext
from dify.errors import DifyImportError
from dify.nodes.base import Built

# Dify start-form field types → Loom variable types.
START_TYPES = {"text-input": "string", "paragraph": "string", "select": "string", "number": "number",
               "checkbox": "boolean", "file": "file", "file-list": "array[file]", "json_object": "object",
               "external_data_tool": "string"}


def start(dify_id: str, data: dict[str, Any], ctx: MapContext) -> Built:
    variables = []
    for i, var in enumerate(data.get("variables") or []):
        where = f"{ctx.label(dify_id)}: variables[{i}]"
        name = str(var.get("variable") or "")
        kind = str(var.get("type") or "text-input")
        if kind not in START_TYPES:
            raise DifyImportError(f"unknown start variable type '{kind}' (known: {', '.join(START_TYPES)})", where)
        loom_type = START_TYPES[kind]
        item: dict[str, Any] = {"name": name, "type": loom_type, "required": bool(var.get("required", True))}
        if var.get("label") and var.get("label") != name:
            item["label"] = str(var["label"])
        default = var.get("default")
        if default not in (None, "") and loom_type in ("string", "number", "boolean"):
            item["default"] = _typed(default, loom_type)
        if kind == "select" and var.get("options"):
            item["options"] = [str(o) for o in var["options"]]
        if loom_type == "string" and isinstance(var.get("max_length"), int) and var["max_length"] > 0 \
                and kind != "select":
            item["max_length"] = var["max_length"]
        variables.append(item)
        ctx.start_names.add(name)
    return Built(type="start", config={"variables": variables})


def _typed(value: Any, loom_type: str) -> Any:
    if loom_type == "number" and isinstance(value, str):
        try:
            return int(value) if value.strip().lstrip("-").isdigit() else float(value)
        except ValueError:
            return None
    if loom_type == "boolean":
        return value in (True, "true", "True", 1, "1")
    return value if loom_type != "string" else str(value)


def end(dify_id: str, data: dict[str, Any], ctx: MapContext) -> Built:
    inputs: dict[str, dict[str, Any]] = {}
    for i, output in enumerate(data.get("outputs") or []):
        where = f"{ctx.label(dify_id)}: outputs[{i}]"
        name = str(output.get("variable") or "")
        if not name:
            raise DifyImportError("an end output has no variable name", where)
        inputs[name] = selectors.source(output.get("value_selector"), ctx, where)
    return Built(type="end", inputs=inputs)


def answer(dify_id: str, data: dict[str, Any], ctx: MapContext) -> Built:
    inputs = Inputs(ctx, dify_id)
    text = templates.rewrite(str(data.get("answer") or ""), inputs, f"{ctx.label(dify_id)}: answer")
    if not text:
        ctx.report.approximate(dify_id, "an empty answer; Loom answers need text, so it answers a single space")
        text = " "
    return Built(type="answer", config={"text": text}, inputs=inputs.values)
