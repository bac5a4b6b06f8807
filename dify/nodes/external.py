"""Nodes that reach outside the workflow: http-request, knowledge-retrieval and tools."""

from __future__ import annotations

import json
import re
from typing import Any

from dify import selectors, templates
from dify.context import Alias, Inputs, MapContext, identifier
from dify.nodes.base import Built
from dify.report import Secret

METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}
PLACEHOLDER = re.compile(r"\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}")
SECRET_HEADERS = {"authorization", "x-api-key", "api-key", "apikey", "cookie", "x-auth-token", "proxy-authorization"}


def _pairs(text: Any) -> list[tuple[str, str]]:
    """Dify's ``key:value`` lines (headers, query parameters)."""
    found = []
    for line in str(text or "").splitlines():
        if ":" in line:
            key, _, value = line.partition(":")
            if key.strip():
                found.append((key.strip(), value.strip()))
    return found


def _secret(value: str, ctx: MapContext, dify_id: str, what: str) -> str:
    """A literal credential becomes a start input the user fills; text with placeholders stays a template."""
    if not value or templates.DIFY_VAR.search(value) and not templates.DIFY_VAR.sub("", value).strip(" :"):
        return value
    if templates.DIFY_VAR.search(value):  # "Bearer {{#env.key#}}": the env binding already keeps it out
        return value
    name = ctx.add_start_input(f"secret_{dify_id}_{what}", f"{what} of HTTP node '{dify_id}' from Dify")
    ctx.report.secrets.append(Secret(source=f"node '{dify_id}' {what}", input_name=name))
    return "{{#" + f"{ctx.start_dify_id}.{name}" + "#}}"


def http_request(dify_id: str, data: dict[str, Any], ctx: MapContext) -> Built:
    label = ctx.label(dify_id)
    inputs = Inputs(ctx, dify_id)

    def text(value: Any, where: str) -> str:
        return templates.rewrite(str(value or ""), inputs, f"{label}: {where}")

    method = str(data.get("method") or "get").lower()
    config: dict[str, Any] = {"method": method.upper() if method in METHODS else "GET", "url": text(data.get("url"),
                                                                                                       "url")}
    headers = []
    for key, value in _pairs(data.get("headers")):
        if key.lower() in SECRET_HEADERS:
            value = _secret(value, ctx, dify_id, f"header {key}")
        headers.append({"name": key, "value": text(value, f"headers.{key}")})
    if headers:
        config["headers"] = headers
    query = [{"name": k, "value": text(v, f"params.{k}")} for k, v in _pairs(data.get("params"))]
    if query:
        config["query"] = query
    body = _body(data.get("body") or {}, inputs, ctx, dify_id, label)
    if body:
        config["body"] = body
    auth = _auth(data.get("authorization") or {}, inputs, ctx, dify_id, label)
    if auth:
        config["auth"] = auth
    timeout = data.get("timeout") or {}
    seconds = max([int(timeout.get(k) or 0) for k in ("connect", "read", "write")] + [0])
    if seconds:
        config["timeout_s"] = min(300, seconds)
    if data.get("ssl_verify") is False:
        ctx.report.approximate(dify_id, "certificate checks stay on in Loom (ssl_verify: false is not carried over)")
    return Built(type="http-request", config=config, inputs=inputs.values)


def _body(body: dict[str, Any], inputs: Inputs, ctx: MapContext, dify_id: str, label: str) -> dict[str, Any] | None:
    kind = str(body.get("type") or "none")
    data = body.get("data")
    items = data if isinstance(data, list) else ([{"type": "text", "key": "", "value": data}] if data else [])

    def text(value: Any, where: str) -> str:
        return templates.rewrite(str(value or ""), inputs, f"{label}: body.{where}")

    if kind == "none":
        return None
    if kind in ("json", "raw-text"):
        content = text(items[0].get("value") if items else "", "data")
        if kind == "json":
            try:
                json.loads(PLACEHOLDER.sub("null", content) or "null")
                return {"type": "json", "content": content}
            except json.JSONDecodeError:
                ctx.report.approximate(dify_id, "the JSON body does not parse (Dify fails this node when it runs); "
                                       "it is sent as raw text until it is fixed")
                return {"type": "raw", "content": content}
        return {"type": "raw", "content": content}
    if kind == "x-www-form-urlencoded":
        return {"type": "form", "fields": [{"name": str(i.get("key")), "value": text(i.get("value"), str(i.get("key")))}
                                           for i in items if i.get("key")]}
    if kind == "form-data":
        parts: list[dict[str, Any]] = []
        for i, item in enumerate(items):
            if not item.get("key"):
                continue
            if item.get("type") == "file":
                name = inputs.add(str(item["key"]), selectors.source(item.get("file"), ctx,
                                                                     f"{label}: body.data[{i}].file"))
                parts.append({"name": str(item["key"]), "file": name})
            else:
                parts.append({"name": str(item["key"]), "value": text(item.get("value"), str(item["key"]))})
        return {"type": "multipart", "parts": parts}
    ctx.report.approximate(dify_id, f"a '{kind}' body is not carried over; the request is sent without a body")
    return None


def _auth(auth: dict[str, Any], inputs: Inputs, ctx: MapContext, dify_id: str, label: str) -> dict[str, Any] | None:
    if auth.get("type") != "api-key":
        return None
    config = auth.get("config") or {}
    key = _secret(str(config.get("api_key") or ""), ctx, dify_id, "authorization")
    token = templates.rewrite(key, inputs, f"{label}: authorization.config.api_key")
    kind = config.get("type")
    if kind == "basic":
        ctx.report.approximate(dify_id, "basic authorization: the credential is sent as the password of user ''")
        return {"type": "basic", "username": " ", "password": token}
    if kind == "custom":
        return {"type": "api-key", "token": token, "header": str(config.get("header") or "Authorization")}
    return {"type": "bearer", "token": token}


def knowledge_retrieval(dify_id: str, data: dict[str, Any], ctx: MapContext) -> Built:
    label = ctx.label(dify_id)
    bases = [str(d) for d in data.get("dataset_ids") or []]
    for base in bases:
        ctx.report.need("knowledge_base", base, "create a Loom knowledge base with this name and index the "
                        "documents of the Dify dataset", dify_id)
    config: dict[str, Any] = {"knowledge_bases": bases or ["missing"]}
    multiple = data.get("multiple_retrieval_config") or {}
    if data.get("retrieval_mode") == "single":
        ctx.report.approximate(dify_id, "single-dataset retrieval (a model picks one dataset) searches them all")
    if multiple.get("top_k"):
        config["top_k"] = max(1, min(100, int(multiple["top_k"])))
    threshold = multiple.get("score_threshold")
    if threshold is not None and multiple.get("score_threshold_enabled", True):
        config["score_threshold"] = max(0.0, min(1.0, float(threshold)))
    weights = (multiple.get("weights") or {})
    if multiple.get("reranking_mode") == "weighted_score" and weights:
        config["mode"] = "hybrid"
        config["weights"] = {"vector": float((weights.get("vector_setting") or {}).get("vector_weight", 0.3)),
                             "keyword": float((weights.get("keyword_setting") or {}).get("keyword_weight", 0.7))}
    elif multiple.get("reranking_enable") and multiple.get("reranking_model"):
        model = multiple["reranking_model"]
        ctx.report.need("model", f"{model.get('provider', '?')}/{model.get('model', '?')}",
                        "a rerank model: set config.rerank to a local CrossEncoder to rerank", dify_id)
    ctx.aliases.setdefault(ctx.ids[dify_id], {})["result"] = lambda path: ["output_list", *path[1:]]
    query = selectors.source(data.get("query_variable_selector"), ctx, f"{label}: query_variable_selector")
    return Built(type="knowledge-retrieval", config=config, inputs={"query": query})


# Dify built-in tools with a Loom built-in plugin doing the same: (provider, tool) → (plugin, tool, parameter
# renames, fixed settings, Dify output → Loom output).
BUILTIN: dict[tuple[str, str], tuple[str, str, dict[str, str], dict[str, Any], dict[str, str]]] = {
    ("time", "current_time"): ("current_time", "current_time", {}, {}, {"text": "formatted"}),
    ("json_process", "parse"): ("json_extract", "json_extract", {"content": "data", "json_filter": "path"},
                                {}, {"text": "value", "json": "value"}),
    ("builtin", "json_parse"): ("json_extract", "json_extract", {"json_string": "data"}, {"path": "$"},
                                {"text": "value", "json": "value", "result": "value"}),
}


def _renamed(output: str) -> Alias:
    return lambda path: [output, *path[1:]]


def tool(dify_id: str, data: dict[str, Any], ctx: MapContext) -> Built:
    label = ctx.label(dify_id)
    provider = str(data.get("provider_name") or data.get("provider_id") or "")
    short = provider.split("/")[-1]
    name = str(data.get("tool_name") or "")
    inputs = Inputs(ctx, dify_id)
    params: dict[str, Any] = {}
    before: list[dict[str, Any]] = []
    for key, value in (data.get("tool_parameters") or {}).items():
        where = f"{label}: tool_parameters.{key}"
        if isinstance(value, dict):
            kind, raw = value.get("type", "mixed"), value.get("value")
        else:
            kind, raw = "mixed", value
        if kind == "variable":
            params[key] = selectors.source(raw, ctx, where)
        elif kind == "constant" or not isinstance(raw, str):
            params[key] = {"value": raw}
        elif (dotted := templates.single_selector(raw)) is not None:
            params[key] = selectors.source(templates.selector_of(dotted), ctx, where)
        elif templates.DIFY_VAR.search(raw):  # text with variables: a template node renders it first
            rendered = Inputs(ctx, dify_id)
            text = templates.rewrite(raw, rendered, where)
            before_id = identifier(f"{ctx.ids[dify_id]}_{key}")[:64]
            before.append({"id": before_id, "type": "template-transform", "title": f"{key} for {dify_id}",
                           "inputs": rendered.values, "config": {"template": text}})
            params[key] = {"ref": f"{before_id}.output"}
        else:
            params[key] = {"value": raw}
    settings = {k: (v.get("value") if isinstance(v, dict) else v)
                for k, v in (data.get("tool_configurations") or {}).items()}
    match = BUILTIN.get((short, name)) or BUILTIN.get((str(data.get("provider_id") or ""), name))
    if match:
        plugin, loom_tool, renames, fixed, outputs = match
        loom_inputs = {renames.get(k, k): v for k, v in params.items()}
        loom_settings = {**{renames.get(k, k): v for k, v in settings.items() if v not in (None, "")}, **fixed}
        aliases = ctx.aliases.setdefault(ctx.ids[dify_id], {})
        for dify_out, loom_out in outputs.items():
            aliases[dify_out] = _renamed(loom_out)
        return Built(type="plugin", config={"plugin": plugin, "tool": loom_tool, "settings": loom_settings},
                     inputs=loom_inputs, before=before)
    for key, value in params.items():
        inputs.set(key, value)
    if ctx.tools.tool_schema(short, name) is not None:  # an imported plugin of the same name
        return Built(type="plugin", config={"plugin": short, "tool": name,
                                            "settings": {k: v for k, v in settings.items() if v is not None}},
                     inputs=inputs.values, before=before)
    ctx.report.need("tool", f"{provider}/{name}", f"no Loom plugin does this; import an OpenAPI plugin named "
                    f"'{short}' with a tool '{name}' and replace the placeholder node", dify_id)
    ctx.report.approximate(dify_id, f"tool {provider}/{name} became a placeholder code node that fails when it "
                           "runs, until it is replaced by a plugin node")
    message = f"the Dify tool {provider}/{name} has no Loom plugin yet: import one and replace this node"
    code = f"def main(args: dict) -> dict:\n    raise RuntimeError({message!r})\n"
    return Built(type="code", config={"code": code, "outputs": {"text": "string", "json": "any", "files": "any"}},
                 inputs=inputs.values, before=before)
