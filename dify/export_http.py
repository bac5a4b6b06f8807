"""The http-request node as Dify data (the export direction). Credentials written into the workflow (auth token,
password, an Authorization, API-key or Cookie header) are not written into the file: each becomes a Dify secret
environment variable with an empty value, which the user fills in Dify (as Dify's own export leaves secrets out)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dify.export_refs import Unexportable

if TYPE_CHECKING:
    from dify.export_nodes import Context

CREDENTIAL_HEADERS = re.compile(r"^(authorization|proxy-authorization|cookie|x-api-key|api-key|x-auth-token)$", re.I)
BODY_TYPES = {"none": "none", "json": "json", "form": "x-www-form-urlencoded", "raw": "raw-text",
              "multipart": "form-data"}


def http_request(node: Mapping[str, Any], config: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    inputs = node.get("inputs", {})

    def text(value: str) -> str:
        return ctx.selectors.template(value, inputs)

    def secret(value: str, what: str) -> str:
        """A credential: its placeholders as Dify variables, a literal one replaced by a secret env variable."""
        rendered = text(value)
        if not rendered or "{{#" in rendered:
            return rendered
        name = _env_name(f"{node['id']}_{what}", ctx.secrets)
        ctx.secrets.append(name)
        return "{{#env." + name + "#}}"

    def lines(pairs: list[Mapping[str, Any]]) -> str:
        return "\n".join(f"{text(p['name'])}:" + (secret(p.get("value", ""), p["name"])
                                                   if CREDENTIAL_HEADERS.match(p["name"]) else text(p.get("value", "")))
                         for p in pairs)

    body = config.get("body") or {}
    kind = body.get("type", "none")
    if kind == "raw" and body.get("content_type") and not body["content_type"].startswith("text/plain"):
        raise Unexportable(f"a raw body of type {body['content_type']}; Dify sends raw text as text/plain")
    auth = config.get("auth") or {}
    authorization: dict[str, Any] = {"type": "no-auth", "config": None}
    if auth.get("type") == "bearer":
        authorization = {"type": "api-key", "config": {"type": "bearer", "api_key": secret(auth.get("token", ""),
                                                                                         "token")}}
    elif auth.get("type") == "basic":
        user, password = auth.get("username", ""), auth.get("password", "")
        authorization = {"type": "api-key", "config": {"type": "basic",
                                                       "api_key": secret(f"{user}:{password}", "basic")}}
    elif auth.get("type") == "api-key":
        authorization = {"type": "api-key", "config": {"type": "custom", "api_key": secret(auth.get("token", ""),
                                                                                         "token"),
                                                       "header": auth.get("header", "X-API-Key")}}
    timeout = config.get("timeout_s")
    return {"method": config.get("method", "GET").lower(), "url": text(config["url"]),
            "headers": lines(config.get("headers", [])), "params": lines(config.get("query", [])),
            "body": {"type": BODY_TYPES[kind], "data": _body_data(body, text, inputs, ctx)},
            "authorization": authorization, "ssl_verify": True, "variables": [],
            **({"timeout": {"connect": int(timeout), "read": int(timeout), "write": int(timeout)}} if timeout else {})}


def _body_data(body: Mapping[str, Any], text: Any, inputs: Mapping[str, Any], ctx: Context) -> list[dict[str, Any]]:
    kind = body.get("type", "none")
    if kind in ("json", "raw"):
        return [{"id": "key-value-1", "key": "", "type": "text", "value": text(body.get("content", ""))}]
    if kind == "form":
        return [{"id": f"key-value-{i}", "key": f["name"], "type": "text", "value": text(f.get("value", ""))}
                for i, f in enumerate(body.get("fields", []), 1)]
    data: list[dict[str, Any]] = []
    for i, part in enumerate(body.get("parts", []) if kind == "multipart" else [], 1):
        if part.get("file"):
            data.append({"id": f"key-value-{i}", "key": part["name"], "type": "file",
                         "file": ctx.selectors.source(inputs[part["file"]])})
        else:
            data.append({"id": f"key-value-{i}", "key": part["name"], "type": "text",
                         "value": text(part.get("value") or "")})
    return data


def _env_name(hint: str, taken: list[str]) -> str:
    # Dify's environment variable names: a letter or underscore first, then letters, digits, underscores; 30 at most.
    base = "secret_" + re.sub(r"[^A-Za-z0-9_]", "_", hint)
    base = base[:30]
    name, n = base, 2
    while name in taken:
        suffix = f"_{n}"
        name, n = base[: 30 - len(suffix)] + suffix, n + 1
    return name
