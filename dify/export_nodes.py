"""One Loom node's config as Dify node ``data`` (the export direction); containers are dify/export_containers.py."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dify import jinja_nulls
from dify.export_conditions import OPERATORS, condition, operator_name
from dify.export_refs import Selectors, Unexportable


@dataclass
class Context:
    """What a node's export reads beyond the node: selectors, declared output types, the workflow's mode."""

    selectors: Selectors
    types: Mapping[str, Mapping[str, str]]
    chat: bool
    flattened: set[str] = field(default_factory=set)  # iterations whose list of lists Dify flattens
    secret_inputs: set[str] = field(default_factory=set)  # start inputs written as Dify secrets instead
    secrets: list[str] = field(default_factory=list)  # Dify secret env variables for credentials kept out of the file

    def type_of(self, ref: str) -> str:
        node_id, output, *path = ref.split(".")
        if path:
            return "any"
        return self.types.get(node_id, {}).get(output, "any")


def _variables(node: Mapping[str, Any], ctx: Context) -> list[dict[str, Any]]:
    out = []
    for name, source in node.get("inputs", {}).items():
        try:
            out.append({"variable": name, "value_selector": ctx.selectors.source(source)})
        except Unexportable as exc:
            raise Unexportable(f"input '{name}': {exc}") from None
    return out


def _model(config: Mapping[str, Any]) -> dict[str, Any]:
    params = {k: v for k, v in (config.get("params") or {}).items() if v is not None}
    if "max_tokens" in params:
        params["max_tokens"] = int(params["max_tokens"])
    return {"provider": "", "name": config.get("model", "default"), "mode": "chat", "completion_params": params}


def start(node: Mapping[str, Any], config: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    variables = []
    for var in config.get("variables", []):
        if var["name"] in ctx.secret_inputs:
            continue
        kind = var.get("type", "string")
        entry: dict[str, Any] = {"variable": var["name"], "label": var.get("label") or var["name"],
                                 "required": var.get("required", True)}
        if kind == "string" and var.get("options"):
            entry.update(type="select", options=[str(o) for o in var["options"]])
        elif kind == "string" and var.get("max_length"):
            entry.update(type="text-input" if var["max_length"] <= 256 else "paragraph", max_length=var["max_length"])
        elif kind == "string":
            entry["type"] = "text-input"
        elif kind in ("number", "integer"):
            entry["type"] = "number"
        elif kind == "boolean":
            entry["type"] = "checkbox"
        elif kind == "object":
            entry["type"] = "json_object"
        elif kind == "file":
            entry.update(type="file", allowed_file_types=["document", "image", "audio", "video", "custom"],
                         allowed_file_upload_methods=["local_file", "remote_url"])
        elif kind == "array[file]":
            entry.update(type="file-list", allowed_file_types=["document", "image", "audio", "video", "custom"],
                         allowed_file_upload_methods=["local_file", "remote_url"], max_length=5)
        else:
            raise Unexportable(f"start variable '{var['name']}' has type {kind}, which a Dify start form lacks")
        if var.get("default") is not None:
            entry["default"] = var["default"]
        if var.get("description"):
            entry["hint"] = var["description"]
        variables.append(entry)
    return {"variables": variables}


def end(node: Mapping[str, Any], config: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    if config.get("answer_template"):
        raise Unexportable("an end node's answer_template has no Dify equivalent (use a template node)")
    outputs = _variables(node, ctx)
    for entry in outputs:
        source = node["inputs"][entry["variable"]]["ref"]
        entry["value_type"] = _dify_type(ctx.type_of(source))
    return {"outputs": outputs}


def answer(node: Mapping[str, Any], config: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    return {"answer": ctx.selectors.template(config["text"], node.get("inputs", {})), "variables": []}


def llm(node: Mapping[str, Any], config: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    inputs = node.get("inputs", {})
    messages = list(config["messages"])
    memory = config.get("memory")
    # With memory, Dify adds the user's turn after the history from query_prompt_template: the last user message.
    query = messages.pop() if memory and messages[-1]["role"] == "user" else None
    prompts = [{"role": m["role"], "text": ctx.selectors.template(m["content"], inputs)} for m in messages]
    data: dict[str, Any] = {"model": _model(config), "prompt_template": prompts,
                            "context": {"enabled": False, "variable_selector": []},
                            "vision": {"enabled": False}, "variables": []}
    if memory:
        data["memory"] = {"window": {"enabled": True, "size": memory.get("window", 10)},
                          "query_prompt_template": ctx.selectors.template(query["content"], inputs) if query else "",
                          "role_prefix": {"user": "", "assistant": ""}}
    output = config.get("output") or {}
    if output.get("format") == "json":
        data["structured_output_enabled"] = True
        data["structured_output"] = {"schema": output.get("schema") or {"type": "object", "properties": {}}}
    if config.get("preset"):
        raise Unexportable(f"inference preset '{config['preset']}' has no Dify equivalent; set params instead")
    return data


def if_else(node: Mapping[str, Any], config: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    cases = []
    for case in config["cases"]:
        cases.append({"id": case["id"], "case_id": case["id"], "logical_operator": case.get("logic", "and"),
                      "conditions": [condition(c, ctx.selectors, ctx.type_of, f"{case['id']}-{i}")
                                     for i, c in enumerate(case["conditions"])]})
    return {"cases": cases}


def code(node: Mapping[str, Any], config: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    inputs = node.get("inputs", {})
    refs = {name: source for name, source in inputs.items() if "ref" in source}
    literals = {name: source.get("value") for name, source in inputs.items() if "ref" not in source}
    variables = _variables({"inputs": refs}, ctx)
    outputs = {name: {"type": _dify_type(kind, code_output=True), "children": None}
               for name, kind in config.get("outputs", {}).items()}
    return {"code_language": "python3", "code": dify_code(config["code"], list(refs), literals),
            "variables": variables, "outputs": outputs}


# What an import wraps around Dify code (dify/nodes/transform.py): undone on export, so a round trip keeps the code.
IMPORTED = re.compile(r"\n*def main\(args: dict\) -> dict:\n    result = dify_main\(\*\*args\)\n"
                      r"    return \{k: result\[k\] for k in \([^\n]*\) if k in result\}\n*\Z")


def dify_code(source: str, names: list[str], literals: Mapping[str, Any]) -> str:
    """The code with Dify's ``main(arg1, arg2)`` entry point: an imported Dify function as it was, else Loom's
    ``main(args: dict)`` renamed and called by a Dify ``main`` (literal inputs written into the call)."""
    imported = IMPORTED.search(source)
    if imported and not literals and re.search(r"^def dify_main\(", source, re.M):
        return re.sub(r"^def dify_main\(", "def main(", source[:imported.start()], count=1, flags=re.M) + "\n"
    tree = ast.parse(source)
    mains = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "main"]
    if not mains:
        raise Unexportable("the code defines no main function")
    lines = source.splitlines()
    lines[mains[-1].lineno - 1] = lines[mains[-1].lineno - 1].replace("def main", "def loom_main", 1)
    items = [f"{json.dumps(n)}: {n}" for n in names] + [f"{json.dumps(n)}: {v!r}" for n, v in literals.items()]
    return "\n".join([*lines, "", "", f"def main({', '.join(names)}) -> dict:",
                      "    # Dify passes each variable as an argument; the Loom function takes them as one dict.",
                      f"    return loom_main({{{', '.join(items)}}})", ""])


def template_transform(node: Mapping[str, Any], config: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    return {"template": jinja_nulls.guard(config["template"], config.get("null_text", "")),
            "variables": _variables(node, ctx)}


def variable_aggregator(node: Mapping[str, Any], config: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    inputs = node.get("inputs", {})

    def selectors(names: list[str]) -> tuple[list[list[str]], str]:
        sels = [ctx.selectors.source(inputs[n]) for n in names]
        kinds = {ctx.type_of(inputs[n]["ref"]) for n in names}
        return sels, _dify_type(kinds.pop() if len(kinds) == 1 else "any")

    groups = config.get("groups")
    if not groups:
        sels, kind = selectors(list(inputs))
        return {"variables": sels, "output_type": kind}
    dify_groups = []
    for group in groups:
        sels, kind = selectors(group["inputs"])
        dify_groups.append({"group_name": group["name"], "groupId": group["name"], "output_type": kind,
                            "variables": sels})
    return {"variables": dify_groups[0]["variables"], "output_type": dify_groups[0]["output_type"],
            "advanced_settings": {"group_enabled": True, "groups": dify_groups}}


def knowledge_retrieval(node: Mapping[str, Any], config: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    query = node.get("inputs", {}).get("query")
    retrieval: dict[str, Any] = {"top_k": config.get("top_k", 3), "score_threshold": config.get("score_threshold"),
                                 "reranking_enable": bool(config.get("rerank"))}
    if config.get("rerank"):
        retrieval.update(reranking_mode="reranking_model",
                         reranking_model={"provider": "", "model": config["rerank"]["model"]})
    elif config.get("weights"):
        weights = config["weights"]
        retrieval.update(reranking_mode="weighted_score", weights={
            "vector_setting": {"vector_weight": weights.get("vector", 0.3), "embedding_provider_name": "",
                               "embedding_model_name": ""},
            "keyword_setting": {"keyword_weight": weights.get("keyword", 0.7)}})
    return {"dataset_ids": list(config["knowledge_bases"]), "retrieval_mode": "multiple",
            "multiple_retrieval_config": retrieval,
            "query_variable_selector": ctx.selectors.source(query) if query else []}


def plugin(node: Mapping[str, Any], config: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    parameters: dict[str, Any] = {}
    for name, source in node.get("inputs", {}).items():
        if "ref" in source:
            parameters[name] = {"type": "variable", "value": ctx.selectors.selector(source["ref"])}
        elif isinstance(source.get("value"), str):
            parameters[name] = {"type": "mixed", "value": source["value"]}
        else:
            parameters[name] = {"type": "constant", "value": source.get("value")}
    return {"provider_id": config["plugin"], "provider_name": config["plugin"], "provider_type": "builtin",
            "tool_name": config["tool"], "tool_label": config["tool"], "tool_configurations": dict(
                config.get("settings") or {}), "tool_parameters": parameters}


def _task_model(node: Mapping[str, Any], config: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    if config.get("preset"):
        raise Unexportable(f"inference preset '{config['preset']}' has no Dify equivalent; set params instead")
    return {"model": _model(config), "vision": {"enabled": False},
            "instruction": ctx.selectors.template(config.get("instructions") or "", node.get("inputs", {}))}


def question_classifier(node: Mapping[str, Any], config: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    if config.get("examples"):
        raise Unexportable("few-shot examples have no Dify equivalent")
    classes = [{"id": c["id"], "name": c["name"] + (f": {c['description']}" if c.get("description") else "")}
               for c in config["classes"]]
    return {**_task_model(node, config, ctx), "classes": classes, "topics": [],
            "query_variable_selector": ctx.selectors.source(node["inputs"]["query"])}


PARAMETER_TYPES = {"string": "string", "number": "number", "integer": "number", "boolean": "bool",
                   "array[string]": "array[string]", "array[number]": "array[number]",
                   "array[object]": "array[object]"}


def parameter_extractor(node: Mapping[str, Any], config: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    parameters = []
    for p in config["parameters"]:
        if p["type"] not in PARAMETER_TYPES:
            raise Unexportable(f"parameter '{p['name']}' has type {p['type']}, which Dify's extractor lacks")
        entry: dict[str, Any] = {"name": p["name"], "type": PARAMETER_TYPES[p["type"]],
                                 "description": p.get("description", ""), "required": p.get("required", False)}
        if p.get("options"):
            entry.update(type="select", options=[str(o) for o in p["options"]])
        parameters.append(entry)
    return {**_task_model(node, config, ctx), "parameters": parameters,
            "reasoning_mode": "prompt", "query": ctx.selectors.source(node["inputs"]["query"])}


def document_extractor(node: Mapping[str, Any], config: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    return {"variable_selector": ctx.selectors.source(node["inputs"]["files"]),
            "is_array_file": bool(config.get("multiple"))}


def list_operator(node: Mapping[str, Any], config: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    items = node["inputs"]["items"]
    data: dict[str, Any] = {"variable": ctx.selectors.source(items), "var_type": _dify_type(ctx.type_of(items["ref"])),
                            "item_var_type": _dify_type(config.get("item_type", "any")),
                            "filter_by": {"enabled": False, "conditions": []},
                            "order_by": {"enabled": False, "key": "", "value": "asc"},
                            "limit": {"enabled": False, "size": 10},
                            "extract_by": {"enabled": False, "serial": "1"}}
    flt = config.get("filter")
    if flt:
        if flt.get("logic") == "or" and len(flt["conditions"]) > 1:
            raise Unexportable("a filter joined with 'or'; Dify's list operator joins conditions with 'and'")
        data["filter_by"] = {"enabled": True, "conditions": [
            {"key": c.get("key") or "", **list_condition(c)} for c in flt["conditions"]]}
    if config.get("sort"):
        data["order_by"] = {"enabled": True, "key": config["sort"].get("key") or "",
                            "value": config["sort"].get("order", "asc")}
    if config.get("slice"):
        if config["slice"].get("take") == "last":
            raise Unexportable("taking the last items; Dify's list operator only takes the first N")
        data["limit"] = {"enabled": True, "size": config["slice"]["count"]}
    if config.get("extract"):
        index = config["extract"]["index"]
        if index < 0:
            raise Unexportable("extracting from the end; Dify's list operator counts from the first item")
        data["extract_by"] = {"enabled": True, "serial": str(index + 1)}
    return data


def list_condition(c: Mapping[str, Any]) -> dict[str, Any]:
    """A list filter condition in Dify's words (the value's type picks eq's name)."""
    op = c["op"]
    if op not in OPERATORS or OPERATORS[op] is None:
        raise Unexportable(f"the list filter operator '{op}' has no Dify equivalent")
    value = c.get("value")
    # Dify's filter values are text (or a list of text for in / not in)
    text: Any = [str(v) for v in value] if isinstance(value, list) else "" if value is None else \
        ("true" if value else "false") if isinstance(value, bool) else str(value)
    return {"comparison_operator": _list_operator_name(op, value), "value": text}


def _list_operator_name(op: str, value: Any) -> str:
    return operator_name(op, "number" if isinstance(value, (int, float)) and not isinstance(value, bool)
                         else "string")


ASSIGN = {"set": "over-write", "append": "append", "extend": "extend", "clear": "clear", "increment": "+=",
          "decrement": "-=", "remove_first": "remove-first", "remove_last": "remove-last"}


def variable_assigner(node: Mapping[str, Any], config: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for item in config["items"]:
        op = item.get("operation", "set")
        target = ctx.selectors.selector(item["variable"]["ref"])
        value = item.get("value")
        if value is not None and "ref" in value:
            items.append({"variable_selector": target, "input_type": "variable", "operation": ASSIGN[op],
                          "value": ctx.selectors.selector(value["ref"]), "write_mode": "over-write"})
        else:
            constant = value.get("value") if value else (1 if op in ("increment", "decrement") else None)
            items.append({"variable_selector": target, "input_type": "constant",
                          "operation": "set" if op == "set" else ASSIGN[op], "value": constant,
                          "write_mode": "over-write"})
    return {"version": "2", "items": items}


DIFY_TYPES = {"string": "string", "number": "number", "integer": "number", "boolean": "boolean",
              "object": "object", "file": "file", "array[string]": "array[string]",
              "array[number]": "array[number]", "array[object]": "array[object]", "array[file]": "array[file]",
              "any": "any"}


def _dify_type(kind: str, code_output: bool = False) -> str:
    mapped = DIFY_TYPES.get(kind, "any")
    if code_output and mapped in ("file", "array[file]", "any"):
        return "object"
    return mapped


from dify.export_http import http_request  # noqa: E402 - it builds on Context, defined above

Builder = Callable[[Mapping[str, Any], Mapping[str, Any], Context], dict[str, Any]]

# Loom node type → (Dify node type, builder); containers are handled by dify/export_containers.py.
BUILDERS: dict[str, tuple[str, Builder]] = {
    "start": ("start", start), "end": ("end", end), "answer": ("answer", answer), "llm": ("llm", llm),
    "if-else": ("if-else", if_else), "code": ("code", code),
    "template-transform": ("template-transform", template_transform),
    "variable-aggregator": ("variable-aggregator", variable_aggregator),
    "knowledge-retrieval": ("knowledge-retrieval", knowledge_retrieval), "plugin": ("tool", plugin),
    "question-classifier": ("question-classifier", question_classifier),
    "parameter-extractor": ("parameter-extractor", parameter_extractor),
    "document-extractor": ("document-extractor", document_extractor),
    "list-operator": ("list-operator", list_operator),
    "http-request": ("http-request", http_request),  # dify/export_http.py
    "variable-assigner": ("assigner", variable_assigner),
}
