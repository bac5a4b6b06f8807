"""``http_request``: one HTTP request through the guarded client."""

from __future__ import annotations

from typing import Any

from nodes.plugins.builtin.base import BuiltinPlugin, CallContext
from nodes.plugins.errors import ParameterError
from nodes.plugins.schema import Output, Param, ToolSchema

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

SCHEMA = ToolSchema(
    name="http_request",
    description="Send an HTTP request and return the status, headers, body text and parsed JSON.",
    parameters=[
        Param(name="url", required=True, description="http(s) URL"),
        Param(name="method", default="GET", enum=METHODS),
        Param(name="headers", type="object", description="request headers"),
        Param(name="query", type="object", description="query-string parameters"),
        Param(name="body_type", default="none", enum=["none", "json", "form", "raw"]),
        Param(name="body", type="any", description="JSON value, form fields (object) or raw text"),
        Param(name="auth_type", default="none", enum=["none", "bearer", "api_key"]),
        Param(name="auth_token", description="the bearer token or API key"),
        Param(name="api_key_header", default="X-API-Key", description="header that carries the API key"),
        Param(name="timeout_s", type="number", description="seconds (capped by the server limit)"),
    ],
    outputs=[
        Output(name="status", type="integer"),
        Output(name="headers", type="object"),
        Output(name="body", type="string", description="the body as text"),
        Output(name="json", type="any", description="the body parsed as JSON, or null"),
    ],
)


def _string_map(params: dict[str, Any], name: str) -> dict[str, str]:
    value = params.get(name) or {}
    if not isinstance(value, dict):
        raise ParameterError(f"parameter '{name}': expected an object of names to values")
    return {str(k): v if isinstance(v, str) else str(v) for k, v in value.items() if v is not None}


async def run(params: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    method = str(params.get("method") or "GET").upper()
    if method not in METHODS:
        raise ParameterError(f"parameter 'method': '{method}' is not one of {', '.join(METHODS)}")
    headers = _string_map(params, "headers")
    auth, token = params.get("auth_type") or "none", params.get("auth_token") or ""
    key_header = params.get("api_key_header") or "X-API-Key"
    if auth != "none" and not token:
        raise ParameterError(f"parameter 'auth_token' is required when auth_type is '{auth}'")
    if auth == "bearer":
        headers["Authorization"] = f"Bearer {token}"
    elif auth == "api_key":
        headers[key_header] = token
    body_type, body = params.get("body_type") or "none", params.get("body")
    send: dict[str, Any] = {}
    if body_type == "json":
        send["json"] = body
    elif body_type == "form":
        if not isinstance(body, dict):
            raise ParameterError("parameter 'body': a form body must be an object of field names to values")
        send["data"] = {str(k): str(v) for k, v in body.items()}
    elif body_type == "raw":
        send["content"] = body if isinstance(body, (str, bytes)) else str(body)
    elif body not in (None, ""):
        raise ParameterError("parameter 'body' is set but body_type is 'none' (use json, form or raw)")
    response = await ctx.http.request(method, str(params["url"]), allow_hosts=ctx.allow_hosts,
                                      headers=headers, params=_string_map(params, "query") or None,
                                      timeout_s=params.get("timeout_s"),
                                      secret_headers=[key_header] if auth == "api_key" else [], **send)
    return {"status": response.status, "headers": response.headers, "body": response.text,
            "json": response.json()}


PLUGIN = BuiltinPlugin(schema=SCHEMA, run=run, description="Call any HTTP API.")
