"""Call an operation of an imported OpenAPI plugin: map parameters onto the request, apply credentials."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

from nodes.plugins.errors import OutboundError
from nodes.plugins.http import SafeHttp
from nodes.plugins.openapi import RESERVED_OUTPUTS, OpenAPIPlugin, Operation
from nodes.plugins.schema import ToolSchema


def _apply_credentials(plugin: OpenAPIPlugin, op: Operation, credentials: dict[str, str],
                       headers: dict[str, str], query: dict[str, Any]) -> None:
    for name in op.security if op.security is not None else sorted(plugin.schemes):
        secret, scheme = credentials.get(name), plugin.schemes.get(name)
        if not secret or scheme is None:
            continue
        if scheme.type == "bearer":
            headers["Authorization"] = f"Bearer {secret}"
        elif scheme.type == "basic":
            headers["Authorization"] = "Basic " + base64.b64encode(secret.encode()).decode()
        elif scheme.location == "query":
            query[scheme.key] = secret
        elif scheme.location == "cookie":
            headers["Cookie"] = f"{scheme.key}={secret}"
        else:
            headers[scheme.key] = secret


async def call_operation(plugin: OpenAPIPlugin, tool: ToolSchema, params: dict[str, Any], http: SafeHttp,
                         credentials: dict[str, str]) -> dict[str, Any]:
    """Send the tool's request; a non-2xx status fails the call with the status and a body excerpt."""
    op = plugin.operations[tool.name]
    path, query, headers, body = op.path, {}, {}, {}
    for param in tool.parameters:
        value = params.get(param.name)
        if value is None:
            continue
        if param.location == "path":
            path = path.replace("{" + param.name + "}", quote(str(value), safe=""))
        elif param.location == "query":
            query[param.name] = json.dumps(value) if isinstance(value, dict) else value
        elif param.location == "header":
            headers[param.name] = value if isinstance(value, str) else json.dumps(value)
        elif param.location == "body":
            body[op.body_names.get(param.name, param.name)] = value
    given = set(headers)
    _apply_credentials(plugin, op, credentials, headers, query)
    send: dict[str, Any] = {}
    if op.body == "fields" and body:
        send["json"] = body
    elif op.body == "form" and body:
        send["data"] = {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
    elif op.body == "value" and "body" in params:
        send["json"] = params["body"]
    secrets = [name for name in headers if name not in given]
    response = await http.request(op.method, f"{plugin.info.base_url}{path}", allow_hosts=plugin.info.allow_hosts,
                                  headers=headers, params=query or None, secret_headers=secrets, **send)
    parsed = response.json()
    if response.status >= 400:
        raise OutboundError(f"{op.method} {op.path} returned HTTP {response.status}: {response.text[:300]}")
    result: dict[str, Any] = {"status": response.status, "body": parsed if parsed is not None else response.text}
    for output in tool.outputs:
        if output.name not in RESERVED_OUTPUTS:
            result[output.name] = parsed.get(output.name) if isinstance(parsed, dict) else None
    return result
