"""Code, template-transform, variable-aggregator, list-operator and document-extractor nodes."""

from __future__ import annotations

import ast
from typing import Any

from jinja2 import Environment, TemplateSyntaxError, meta

from dify import jinja_nulls, selectors
from dify.context import Inputs, MapContext, identifier
from dify.errors import DifyImportError
from dify.nodes.base import Built
from dify.nodes.conditions import condition
from nodes.sandbox import compiler

LOOM_TYPES = {"string", "number", "integer", "boolean", "object", "file", "array[string]", "array[number]",
              "array[object]", "array[file]"}


def loom_type(dify_type: Any) -> str:
    return str(dify_type) if str(dify_type) in LOOM_TYPES else "any"


def code(dify_id: str, data: dict[str, Any], ctx: MapContext) -> Built:
    label = ctx.label(dify_id)
    language = str(data.get("code_language") or "python3")
    if language not in ("python3", "python"):
        raise DifyImportError(f"code in '{language}' cannot run in Loom (its code nodes run Python); "
                              "rewrite it in Python", f"{label}: code_language")
    inputs = Inputs(ctx, dify_id)
    for i, var in enumerate(data.get("variables") or []):
        inputs.set(str(var.get("variable")), selectors.source(var.get("value_selector"), ctx,
                                                               f"{label}: variables[{i}]"))
    outputs = {str(name): loom_type((spec or {}).get("type")) for name, spec in (data.get("outputs") or {}).items()}
    source = wrap_main(str(data.get("code") or ""), list(outputs), label)
    _, found = compiler.problems(source)
    found = found or compiler.contract_problems(source)
    if found:
        reason = str(found[0])
        ctx.report.approximate(dify_id, f"the code cannot run in Loom's sandbox ({reason}); the node keeps it "
                               "as comments and fails when it runs, until the code is rewritten")
        source = placeholder(str(data.get("code") or ""), f"Dify code node '{dify_id}': {reason}")
    return Built(type="code", config={"code": source, "outputs": outputs}, inputs=inputs.values)


def placeholder(original: str, reason: str) -> str:
    """A ``main`` that fails with ``reason``, with the original code kept below it as comments to rewrite."""
    kept = "\n".join(f"# {line}" if line else "#" for line in original.splitlines())
    return (f"def main(args: dict) -> dict:\n    raise RuntimeError({reason + '; rewrite it for Loom'!r})\n\n\n"
            f"# The code from Dify:\n{kept}\n")


def wrap_main(source: str, outputs: list[str], label: str) -> str:
    """Dify calls ``main(arg1, arg2)`` with one keyword per variable; Loom calls ``main(args)``. The Dify function
    is kept under another name and a Loom ``main`` calls it, keeping only the declared outputs (Dify ignores
    any other key the function returns)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise DifyImportError(f"the code does not parse: {exc.msg}", f"{label}: code line {exc.lineno}") from None
    mains = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "main"]
    if not mains:
        raise DifyImportError("the code defines no main function", f"{label}: code")
    lines = source.splitlines()
    line = mains[-1].lineno - 1
    lines[line] = lines[line].replace("def main", "def dify_main", 1)
    keep = ", ".join(repr(name) for name in outputs)
    return "\n".join([*lines, "", "", "def main(args: dict) -> dict:",
                      "    result = dify_main(**args)",
                      f"    return {{k: result[k] for k in ({keep}{',' if len(outputs) == 1 else ''}) if k in result}}",
                      ""])


def template_transform(dify_id: str, data: dict[str, Any], ctx: MapContext) -> Built:
    label = ctx.label(dify_id)
    inputs = Inputs(ctx, dify_id)
    for i, var in enumerate(data.get("variables") or []):
        inputs.set(str(var.get("variable")), selectors.source(var.get("value_selector"), ctx,
                                                               f"{label}: variables[{i}]"))
    template = str(data.get("template") or "")
    # Dify renders with Jinja2's defaults, which drop one trailing newline; Loom's node keeps it.
    if template.endswith("\r\n"):
        template = template[:-2]
    elif template.endswith(("\n", "\r")):
        template = template[:-1]
    if not template:
        ctx.report.approximate(dify_id, "an empty template renders a single space in Loom")
        template = " "
    for name in sorted(_undeclared(template) - set(inputs.values)):
        # Dify renders a name it was not given as empty; Loom asks for every name to be an input.
        inputs.set(name, {"value": ""})
        ctx.report.approximate(dify_id, f"template variable '{name}' is not set in Dify; it renders as empty")
    # Dify's Jinja2 writes a null value as "None" (unless an export spelled another text into the template)
    template, null_text = jinja_nulls.unguard(template)
    config = {"template": template, **({"null_text": null_text} if null_text else {})}
    return Built(type="template-transform", config=config, inputs=inputs.values)


def _undeclared(template: str) -> set[str]:
    try:
        return set(meta.find_undeclared_variables(Environment().parse(template)))
    except TemplateSyntaxError:
        return set()  # the node's own check reports it with its line


def variable_aggregator(dify_id: str, data: dict[str, Any], ctx: MapContext) -> Built:
    label = ctx.label(dify_id)
    inputs = Inputs(ctx, dify_id)
    advanced = data.get("advanced_settings") or {}
    if advanced.get("group_enabled") and advanced.get("groups"):
        groups, aliases = [], ctx.aliases.setdefault(ctx.ids[dify_id], {})
        for g, group in enumerate(advanced["groups"]):
            dify_name = str(group.get("group_name") or f"Group{g + 1}")
            name = identifier(dify_name, f"group{g + 1}")
            names = [inputs.add(f"{name}_{i + 1}", selectors.source(sel, ctx, f"{label}: groups[{g}].variables[{i}]"))
                     for i, sel in enumerate(group.get("variables") or [])]
            if not names:
                raise DifyImportError(f"group '{dify_name}' has no variables", f"{label}: groups[{g}]")
            groups.append({"name": name, "inputs": names})
            aliases[dify_name] = _group_alias(name)
        return Built(type="variable-aggregator", config={"groups": groups}, inputs=inputs.values)
    for i, sel in enumerate(data.get("variables") or []):
        inputs.add(f"in_{i + 1}", selectors.source(sel, ctx, f"{label}: variables[{i}]"))
    if not inputs.values:
        raise DifyImportError("the aggregator has no variables", f"{label}: variables")
    return Built(type="variable-aggregator", inputs=inputs.values)


def _group_alias(name: str) -> Any:
    return lambda path: [name, *path[2:]] if len(path) > 1 and path[1] == "output" else [name, *path[1:]]


def list_operator(dify_id: str, data: dict[str, Any], ctx: MapContext) -> Built:
    label = ctx.label(dify_id)
    config: dict[str, Any] = {"item_type": "any"}
    filter_by = data.get("filter_by") or {}
    if filter_by.get("enabled") and filter_by.get("conditions"):
        items = []
        for i, cond in enumerate(filter_by["conditions"]):
            for found in condition({"value": None}, {**cond, "varType": cond.get("varType", "string")}, "and",
                                   ctx, f"{label}: filter_by.conditions[{i}]"):
                item: dict[str, Any] = {"op": found["op"]}
                if cond.get("key"):
                    item["key"] = str(cond["key"])
                if "right" in found:
                    item["value"] = found["right"].get("value")
                items.append(item)
        config["filter"] = {"logic": "and", "conditions": items}
    order_by = data.get("order_by") or {}
    if order_by.get("enabled"):
        config["sort"] = {"order": "desc" if order_by.get("value") == "desc" else "asc"}
        if order_by.get("key"):
            config["sort"]["key"] = str(order_by["key"])
    limit = data.get("limit") or {}
    if limit.get("enabled"):
        config["slice"] = {"take": "first", "count": int(limit.get("size") or 0)}
    extract = data.get("extract_by") or {}
    if extract.get("enabled"):
        config["extract"] = {"index": int(str(extract.get("serial") or "1")) - 1}
        if "sort" in config or "slice" in config:
            ctx.report.approximate(dify_id, "Dify picks the item before sorting and limiting; Loom picks it after")
    inputs = {"items": selectors.source(data.get("variable"), ctx, f"{label}: variable")}
    return Built(type="list-operator", config=config, inputs=inputs)


def document_extractor(dify_id: str, data: dict[str, Any], ctx: MapContext) -> Built:
    files = selectors.source(data.get("variable_selector"), ctx, f"{ctx.label(dify_id)}: variable_selector")
    return Built(type="document-extractor", config={"multiple": bool(data.get("is_array_file"))},
                 inputs={"files": files})
