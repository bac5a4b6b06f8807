"""``http-request``: one HTTP call through the plugins' guarded client (SSRF guard, ``LOOM_PLUGIN_ALLOW_HOSTS``).

``{{name}}`` over the node's inputs works in the URL, header and query values, form fields, multipart text
parts, auth values and the raw/JSON body. In a JSON body a placeholder inside a string is inserted as
escaped text, outside a string as the value's JSON. Outputs ``status_code``, ``headers``, ``body`` (text) and
``json`` (``None`` when the body is not JSON). Any response is a success unless ``fail_on_error_status``:
then 408, 429 and 5xx fail retryably (the node's ``retry`` applies) and other 4xx fail for good. Network
failures and timeouts are retryable; a refused address, a bad URL or an oversized response are not.

Calls go through ``services.http`` (the process's shared, pooled client, built with ``HTTP_LIMITS``) when the
run has one, else through a client made for the call.
"""

from __future__ import annotations

import base64
import json
import mimetypes
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from engine import templates
from engine.errors import Issue, NodeError
from engine.models import NodeDef, Strict
from engine.services import HttpReply
from engine.spec import NodeContext, NodeResult, NodeSpec, RefUse, Services
from nodes.file_inputs import file_values, read_file
from nodes.plugins.http import HttpLimits, SafeHttp
from nodes.plugins.registry import env_allow_hosts

MAX_RESPONSE_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_TIMEOUT_S = 300.0
RETRYABLE_STATUS = frozenset({408, 429})
HTTP_LIMITS = HttpLimits(timeout_s=MAX_TIMEOUT_S, max_response_bytes=MAX_RESPONSE_BYTES)  # per call: the node's own
HeaderName = Annotated[str, StringConstraints(pattern=r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,200}$")]
Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class KeyValue(Strict):
    """A header, query parameter or form field; ``value`` may use ``{{name}}``."""

    name: str = Field(min_length=1, max_length=200)
    value: str = Field("", max_length=100_000)


class Header(KeyValue):
    name: HeaderName


class MultipartPart(Strict):
    """A text part (``value``) or the file(s) of a file input (``file``: the input's name)."""

    name: str = Field(min_length=1, max_length=200)
    value: str | None = Field(None, max_length=100_000)
    file: str | None = None


class HttpBody(Strict):
    """``json`` and ``raw`` send ``content``; ``form`` sends ``fields``; ``multipart`` sends ``parts``."""

    type: Literal["none", "json", "form", "raw", "multipart"] = "none"
    content: str = Field("", max_length=1_000_000)
    content_type: str | None = Field(None, max_length=200)  # raw only; text/plain by default
    fields: list[KeyValue] = Field(default_factory=list)
    parts: list[MultipartPart] = Field(default_factory=list)


class HttpAuth(Strict):
    """``bearer`` and ``api-key`` send ``token``; ``basic`` sends ``username``/``password``."""

    type: Literal["none", "bearer", "basic", "api-key"] = "none"
    token: str = ""
    username: str = ""
    password: str = ""
    header: HeaderName = "X-API-Key"


class HttpRequestConfig(Strict):
    """One request; the node's own ``retry`` policy retries the retryable failures."""

    method: Method = "GET"
    url: str = Field(min_length=1, max_length=8_000)
    headers: list[Header] = Field(default_factory=list)
    query: list[KeyValue] = Field(default_factory=list)
    body: HttpBody = Field(default_factory=HttpBody)
    auth: HttpAuth = Field(default_factory=HttpAuth)
    timeout_s: float = Field(30, gt=0, le=MAX_TIMEOUT_S)
    fail_on_error_status: bool = False


def outputs(node: NodeDef, config: HttpRequestConfig, services: Services | None) -> dict[str, str]:
    return {"status_code": "integer", "headers": "object", "body": "string", "json": "any"}


def _file_inputs(config: HttpRequestConfig) -> set[str]:
    return {p.file for p in config.body.parts if p.file} if config.body.type == "multipart" else set()


def refs(node: NodeDef, config: HttpRequestConfig, services: Services | None) -> list[RefUse]:
    files = _file_inputs(config)
    return [RefUse(f"inputs.{name}", source, ("file", "array[file]") if name in files else ("any",),
                   "a multipart file part") for name, source in node.inputs.items()]


def _templated(config: HttpRequestConfig) -> list[tuple[str, str]]:
    """Every templated text of the config with its field path."""
    found = [("config.url", config.url)]
    found += [(f"config.headers[{i}].value", h.value) for i, h in enumerate(config.headers)]
    found += [(f"config.query[{i}].value", q.value) for i, q in enumerate(config.query)]
    body = config.body
    if body.type in ("json", "raw"):
        found.append(("config.body.content", body.content))
    if body.type == "form":
        found += [(f"config.body.fields[{i}].value", f.value) for i, f in enumerate(body.fields)]
    if body.type == "multipart":
        found += [(f"config.body.parts[{i}].value", p.value or "") for i, p in enumerate(body.parts)]
    auth = config.auth
    found += [("config.auth.token", auth.token), ("config.auth.username", auth.username),
              ("config.auth.password", auth.password)]
    return found


def check(node: NodeDef, config: HttpRequestConfig, services: Services | None) -> list[Issue]:
    issues = [issue for field, text in _templated(config) for issue in templates.check(node, text, field)]
    if not config.url.lstrip().startswith(("http://", "https://", "{{")):
        issues.append(Issue(node.id, "config.url", "the URL must start with http:// or https://"))
    body = config.body
    if body.type == "json" and body.content.strip():
        try:
            json.loads(json_body(body.content, {}))
        except ValueError as exc:
            issues.append(Issue(node.id, "config.body.content", f"not valid JSON: {exc}"))
    if body.type in ("json", "raw") and not body.content.strip():
        issues.append(Issue(node.id, "config.body.content", f"a {body.type} body needs content"))
    if body.type != "none" and config.method in ("GET", "HEAD", "OPTIONS"):
        issues.append(Issue(node.id, "config.body.type", f"a {config.method} request usually has no body; "
                            "servers may ignore it", severity="warning"))
    for i, part in enumerate(body.parts if body.type == "multipart" else []):
        where = f"config.body.parts[{i}]"
        if (part.value is None) == (part.file is None):
            issues.append(Issue(node.id, where, "a multipart part has either a text value or a file input"))
        elif part.file is not None and part.file not in node.inputs:
            issues.append(Issue(node.id, f"{where}.file", f"'{part.file}' is not an input of this node"))
    auth = config.auth
    if auth.type in ("bearer", "api-key") and not auth.token:
        issues.append(Issue(node.id, "config.auth.token", f"{auth.type} auth needs a token"))
    if auth.type == "basic" and not auth.username:
        issues.append(Issue(node.id, "config.auth.username", "basic auth needs a username"))
    return issues


def json_body(template: str, values: dict[str, Any]) -> str:
    """Fill ``{{name}}`` in a JSON text: inside a string as escaped text, elsewhere as the value's JSON."""
    out: list[str] = []
    position, in_string, escaped = 0, False, False
    for match in templates.PLACEHOLDER.finditer(template):
        for char in template[position:match.start()]:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = in_string
            elif char == '"':
                in_string = not in_string
        out.append(template[position:match.start()])
        value = values.get(match.group(1))
        if in_string:
            out.append(json.dumps(templates.to_text(value), ensure_ascii=False)[1:-1])
        else:
            out.append(json.dumps(value, ensure_ascii=False, default=str))
        position = match.end()
    out.append(template[position:])
    return "".join(out)


def _auth_headers(auth: HttpAuth, values: dict[str, Any]) -> dict[str, str]:
    def fill(text: str) -> str:
        return templates.render(text, values)
    match auth.type:
        case "bearer":
            return {"Authorization": f"Bearer {fill(auth.token)}"}
        case "basic":
            pair = f"{fill(auth.username)}:{fill(auth.password)}".encode()
            return {"Authorization": f"Basic {base64.b64encode(pair).decode('ascii')}"}
        case "api-key":
            return {auth.header: fill(auth.token)}
    return {}


async def _multipart(ctx: NodeContext, body: HttpBody) -> tuple[dict[str, list[str]], list[Any]]:
    data: dict[str, list[str]] = {}
    files: list[Any] = []
    total = 0
    for part in body.parts:
        if part.file is None:
            data.setdefault(part.name, []).append(templates.render(part.value or "", ctx.inputs))
            continue
        for value in file_values(ctx.inputs.get(part.file), part.file):
            filename, content = await read_file(ctx.services.files, value, part.file)
            total += len(content)
            if total > MAX_UPLOAD_BYTES:
                raise NodeError(f"multipart files are larger than {MAX_UPLOAD_BYTES:,} bytes (the limit)",
                                retryable=False)
            media = value.get("mime_type") or mimetypes.guess_type(filename)[0] or "application/octet-stream"
            files.append((part.name, (filename, content, str(media))))
    return data, files


def _header_text(text: str, field: str) -> str:
    if any(c in text for c in "\r\n\x00"):
        raise NodeError(f"{field}: a header value cannot contain line breaks", retryable=False)
    return text


async def run(ctx: NodeContext, config: HttpRequestConfig) -> NodeResult:
    values = ctx.inputs
    url = templates.render(config.url, values).strip()
    headers = {h.name: _header_text(templates.render(h.value, values), f"header '{h.name}'")
               for h in config.headers}
    auth = {k: _header_text(v, "auth") for k, v in _auth_headers(config.auth, values).items()}
    headers.update(auth)
    params: dict[str, list[str]] = {}
    for q in config.query:
        params.setdefault(q.name, []).append(templates.render(q.value, values))
    send: dict[str, Any] = {}
    body = config.body
    if body.type == "json":
        text = json_body(body.content, values)
        try:
            send["json"] = json.loads(text)
        except ValueError as exc:
            raise NodeError(f"the JSON body is not valid JSON after filling in the inputs: {exc}",
                            retryable=False) from None
    elif body.type == "raw":
        send["content"] = templates.render(body.content, values).encode("utf-8")
        headers.setdefault("Content-Type", body.content_type or "text/plain; charset=utf-8")
    elif body.type == "form":
        form: dict[str, list[str]] = {}
        for item in body.fields:
            form.setdefault(item.name, []).append(templates.render(item.value, values))
        send["data"] = form
    elif body.type == "multipart":
        send["data"], send["files"] = await _multipart(ctx, body)
    send.update(allow_hosts=env_allow_hosts(), headers=headers, params=params or None, timeout_s=config.timeout_s,
                max_bytes=MAX_RESPONSE_BYTES, secret_headers=list(auth))
    response: HttpReply
    if ctx.services.http is not None:
        response = await ctx.services.http.request(config.method, url, **send)
    else:  # a run without the shared client (a bare engine run): a client for this call only
        own = SafeHttp(HTTP_LIMITS)
        try:
            response = await own.request(config.method, url, **send)
        finally:
            await own.aclose()
    if config.fail_on_error_status and response.status >= 400:
        retryable = response.status >= 500 or response.status in RETRYABLE_STATUS
        raise NodeError(f"{config.method} {url} answered HTTP {response.status}: {response.text[:300]}",
                        retryable=retryable)
    return NodeResult(outputs={"status_code": response.status, "headers": response.headers,
                               "body": response.text, "json": response.json()})


SPEC = NodeSpec(type="http-request", title="HTTP request", config_model=HttpRequestConfig, run=run,
                outputs=outputs, check=check, refs=refs)
