"""Import an OpenAPI 3.x document as a plugin: one tool per operation, typed from its schemas."""

from __future__ import annotations

import json
import re
from typing import Any, Literal
from urllib.parse import urljoin

import yaml
from pydantic import BaseModel, ConfigDict, Field

from nodes.plugins.errors import SpecError
from nodes.plugins.schema import Output, Param, PluginInfo, ToolSchema

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_SCALARS = {"string": "string", "number": "number", "integer": "integer", "boolean": "boolean", "object": "object"}
RESERVED_OUTPUTS = ("status", "body")


class SecurityScheme(BaseModel):
    """How one credential is sent: an API key in a header or the query, or a bearer/basic token."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["api_key", "bearer", "basic"]
    location: Literal["header", "query", "cookie"] = "header"
    key: str = "Authorization"


class Operation(BaseModel):
    """Where a tool's request goes and how its parameters map onto it."""

    model_config = ConfigDict(extra="forbid")
    method: str
    path: str
    body: Literal["none", "fields", "value", "form"] = "none"
    body_names: dict[str, str] = Field(default_factory=dict)  # parameter name → body property name
    security: list[str] | None = None  # scheme names to apply; None when the document declares none


class OpenAPIPlugin(BaseModel):
    """An imported plugin as stored (credentials are stored elsewhere)."""

    model_config = ConfigDict(extra="forbid")
    info: PluginInfo
    operations: dict[str, Operation]
    schemes: dict[str, SecurityScheme] = Field(default_factory=dict)
    spec: dict[str, Any]
    source_url: str | None = None


def load_document(source: str | bytes) -> dict[str, Any]:
    """Parse JSON or YAML text into the document mapping."""
    text = source.decode("utf-8", errors="replace") if isinstance(source, bytes) else source
    try:
        doc = json.loads(text)
    except ValueError:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise SpecError(f"the document is neither JSON nor YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(doc, dict):
        raise SpecError("the document is not an OpenAPI object (expected a JSON/YAML mapping at the top level)")
    return doc


class _Resolver:
    """Follows local ``$ref``s (``#/components/...``) with clear errors for ones that do not resolve."""

    def __init__(self, doc: dict[str, Any]):
        self.doc = doc

    def __call__(self, node: Any, where: str) -> Any:
        for _ in range(32):
            if not (isinstance(node, dict) and "$ref" in node):
                return node
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/"):
                raise SpecError(f"{where}: only local $refs (#/...) are supported, not {ref!r}")
            target: Any = self.doc
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or part not in target:
                    raise SpecError(f"{where}: $ref {ref!r} does not resolve")
                target = target[part]
            node = target
        raise SpecError(f"{where}: $ref chain too long (a cycle?)")


def _var_type(schema: Any, deref: _Resolver, where: str) -> str:
    schema = deref(schema, where)
    if not isinstance(schema, dict):
        return "any"
    options = [o for o in (schema.get("anyOf") or schema.get("oneOf") or [])
               if not (isinstance(o, dict) and o.get("type") == "null")]
    if len(options) == 1 and "type" not in schema:  # Optional[X] written as anyOf [X, null]
        return _var_type(options[0], deref, where)
    kind = schema.get("type")
    if isinstance(kind, list):  # OpenAPI 3.1: ["string", "null"]
        kind = next((k for k in kind if k != "null"), None)
    if kind == "array":
        item = _var_type(schema.get("items", {}), deref, where)
        item = "number" if item == "integer" else item
        return f"array[{item}]" if item in ("string", "number", "object") else "any"
    if kind is None and "properties" in schema:
        return "object"
    return _SCALARS.get(kind, "any") if isinstance(kind, str) else "any"


def _tool_name(op: dict[str, Any], method: str, path: str) -> str:
    if op.get("operationId"):
        return re.sub(r"[^A-Za-z0-9_]+", "_", str(op["operationId"])).strip("_") or method
    return re.sub(r"[^A-Za-z0-9]+", "_", f"{method}_{path}").strip("_")  # GET /pets/{id} → get_pets_id


def _schemes(doc: dict[str, Any], deref: _Resolver) -> dict[str, SecurityScheme]:
    found = {}
    declared = (doc.get("components") or {}).get("securitySchemes") or {}
    for name, raw in declared.items():
        where = f"components.securitySchemes.{name}"
        scheme = deref(raw, where)
        kind = scheme.get("type") if isinstance(scheme, dict) else None
        if kind == "apiKey":
            if scheme.get("in") not in ("header", "query", "cookie") or not scheme.get("name"):
                raise SpecError(f"{where}: an apiKey scheme needs 'in' (header, query or cookie) and 'name'")
            found[name] = SecurityScheme(type="api_key", location=scheme["in"], key=scheme["name"])
        elif kind == "http" and str(scheme.get("scheme", "")).lower() in ("bearer", "basic"):
            found[name] = SecurityScheme(type=str(scheme["scheme"]).lower())  # type: ignore[arg-type]
        elif kind in ("oauth2", "openIdConnect"):
            found[name] = SecurityScheme(type="bearer")  # the user supplies an access token
        else:
            raise SpecError(f"{where}: unsupported security scheme type {kind!r} "
                            "(supported: apiKey, http bearer/basic, oauth2 access tokens)")
    return found


def _parameters(op: dict[str, Any], shared: list[Any], deref: _Resolver, where: str) -> list[Param]:
    merged: dict[tuple[str, Literal["path", "query", "header", "cookie"]], dict[str, Any]] = {}
    for index, raw in enumerate([*shared, *(op.get("parameters") or [])]):
        param = deref(raw, f"{where}.parameters[{index}]")
        if not isinstance(param, dict) or not param.get("name") or param.get("in") not in (
                "path", "query", "header", "cookie"):
            raise SpecError(f"{where}.parameters[{index}]: a parameter needs 'name' and 'in' "
                            "(path, query, header or cookie)")
        merged[(param["name"], param["in"])] = param  # operation-level overrides path-level
    params = []
    for (name, location), param in merged.items():
        if location == "cookie":
            if param.get("required"):
                raise SpecError(f"{where}: required cookie parameter '{name}' is not supported")
            continue
        schema = deref(param.get("schema") or {}, f"{where}.parameters.{name}")
        params.append(Param(name=name, type=_var_type(schema, deref, where),  # type: ignore[arg-type]
                            required=location == "path" or bool(param.get("required")),
                            default=schema.get("default") if isinstance(schema, dict) else None,
                            enum=schema.get("enum") if isinstance(schema, dict) else None,
                            description=str(param.get("description") or ""), location=location))
    return params


def _body(op: dict[str, Any], taken: set[str], deref: _Resolver, where: str
          ) -> tuple[str, list[Param], dict[str, str]]:
    body = deref(op.get("requestBody"), f"{where}.requestBody")
    if not body:
        return "none", [], {}
    content = body.get("content") or {}
    if "application/json" in content:
        mode, media = "fields", content["application/json"]
    elif "application/x-www-form-urlencoded" in content:
        mode, media = "form", content["application/x-www-form-urlencoded"]
    else:
        raise SpecError(f"{where}.requestBody: only application/json and form bodies are supported "
                        f"(found: {', '.join(content) or 'none'})")
    schema = deref((media or {}).get("schema") or {}, f"{where}.requestBody.schema")
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not properties:
        return "value", [Param(name="body", type=_var_type(schema, deref, where),  # type: ignore[arg-type]
                               required=bool(body.get("required")), location="body",
                               description=str(body.get("description") or "the request body"))], {}
    required = set(schema.get("required") or []) if body.get("required", False) else set()
    params, names = [], {}
    for prop, raw in properties.items():
        prop_schema = deref(raw, f"{where}.requestBody.schema.{prop}")
        name = prop if prop not in taken else f"body_{prop}"
        names[name] = prop
        params.append(Param(name=name, type=_var_type(prop_schema, deref, where),  # type: ignore[arg-type]
                            required=prop in required, location="body",
                            default=prop_schema.get("default") if isinstance(prop_schema, dict) else None,
                            description=str((prop_schema or {}).get("description") or "")))
    return mode, params, names


def _outputs(op: dict[str, Any], deref: _Resolver, where: str) -> list[Output]:
    responses = op.get("responses") or {}
    code = next((c for c in ("200", "201") if c in responses), None) or next(
        (str(c) for c in responses if str(c).startswith("2")), None)
    declared = [Output(name="status", type="integer", description="HTTP status code"),
                Output(name="body", type="any", description="the parsed JSON body (else its text)")]
    if code is None:
        return declared
    response = deref(responses[code] if code in responses else responses[int(code)], f"{where}.responses.{code}")
    media = ((response or {}).get("content") or {}).get("application/json") or {}
    schema = deref(media.get("schema") or {}, f"{where}.responses.{code}.schema")
    for prop, raw in ((schema or {}).get("properties") or {}).items():
        if prop not in RESERVED_OUTPUTS:
            declared.append(Output(name=prop, type=_var_type(raw, deref, where),  # type: ignore[arg-type]
                                   description=str((deref(raw, where) or {}).get("description") or "")))
    return declared


def _base_url(doc: dict[str, Any], base_url: str | None, source_url: str | None) -> str:
    if base_url:
        return base_url.rstrip("/")
    servers = doc.get("servers") or [{"url": "/"}]
    server = servers[0] if isinstance(servers[0], dict) else {}
    url = str(server.get("url") or "/")
    for var, spec in (server.get("variables") or {}).items():
        url = url.replace("{" + var + "}", str((spec or {}).get("default", "")))
    if not url.startswith(("http://", "https://")):
        if not source_url:
            raise SpecError(f"the document has no absolute server URL (servers[0].url is {url!r}); "
                            "pass base_url, or import it from its URL")
        url = urljoin(source_url, url)
    return url.rstrip("/")


def build_plugin(name: str, doc: dict[str, Any], *, allow_hosts: list[str] | None = None,
                 base_url: str | None = None, source_url: str | None = None) -> OpenAPIPlugin:
    """Turn an OpenAPI 3.x document into a plugin; raise ``SpecError`` naming the first problem found."""
    if "swagger" in doc:
        raise SpecError("Swagger 2.0 documents are not supported; convert it to OpenAPI 3 first")
    version = str(doc.get("openapi", ""))
    if not version.startswith("3."):
        raise SpecError(f"not an OpenAPI 3.x document ('openapi' is {doc.get('openapi')!r}, expected 3.0 or 3.1)")
    paths = doc.get("paths")
    if not isinstance(paths, dict) or not paths:
        raise SpecError("the document has no paths, so there are no operations to import")
    deref = _Resolver(doc)
    schemes = _schemes(doc, deref)
    global_security = doc.get("security")
    tools: list[ToolSchema] = []
    operations: dict[str, Operation] = {}
    origin: dict[str, str] = {}
    for path, item in paths.items():
        item = deref(item, f"paths.{path}")
        if not isinstance(item, dict):
            raise SpecError(f"paths.{path}: expected a path item object")
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            where = f"paths.{path}.{method}"
            if not isinstance(op, dict):
                raise SpecError(f"{where}: expected an operation object")
            tool = _tool_name(op, method, path)
            if tool in operations:
                raise SpecError(f"{where}: duplicate tool name '{tool}' (also {origin[tool]})")
            origin[tool] = f"{method.upper()} {path}"
            params = _parameters(op, item.get("parameters") or [], deref, where)
            mode, body_params, body_names = _body(op, {p.name for p in params}, deref, where)
            security = op.get("security", global_security)
            names = None if security is None else sorted({s for req in security or [] for s in (req or {})})
            for scheme in names or []:
                if scheme not in schemes:
                    raise SpecError(f"{where}.security: unknown security scheme '{scheme}'")
            tools.append(ToolSchema(name=tool, description=str(op.get("summary") or op.get("description") or
                                                              f"{method.upper()} {path}"),
                                    parameters=params + body_params, outputs=_outputs(op, deref, where)))
            operations[tool] = Operation(method=method.upper(), path=path, body=mode,  # type: ignore[arg-type]
                                         body_names=body_names, security=names)
    if not tools:
        raise SpecError("the document's paths declare no operations")
    info_doc = doc.get("info") or {}
    info = PluginInfo(name=name, kind="openapi", tools=tools, base_url=_base_url(doc, base_url, source_url),
                      description=str(info_doc.get("description") or info_doc.get("title") or ""),
                      allow_hosts=list(allow_hosts or []), security_schemes=sorted(schemes))
    return OpenAPIPlugin(info=info, operations=operations, schemes=schemes, spec=doc, source_url=source_url)
