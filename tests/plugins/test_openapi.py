"""OpenAPI import: the toy API's own document (by URL), hand-written YAML, persistence, credentials, bad specs."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from nodes.plugins import (
    OutboundError,
    ParameterError,
    PluginError,
    PluginExists,
    PluginNotFound,
    SpecError,
    ToolRegistry,
)
from tests.plugins.conftest import LOOPBACK
from tests.plugins.toy_api import API_KEY, ToyServer

YAML_SPEC = """
openapi: 3.0.3
info: {title: Echo API, description: Echo and whoami}
servers: [{url: "{base}", variables: {base: {default: "http://127.0.0.1:PORT"}}}]
components:
  securitySchemes:
    token: {type: http, scheme: bearer}
    qkey: {type: apiKey, in: query, name: api_key}
  parameters:
    Trace: {name: X-Trace, in: header, schema: {type: string}, description: a trace id}
paths:
  /echo:
    parameters: [{$ref: "#/components/parameters/Trace"}]
    get:
      security: [{qkey: []}]
      parameters:
        - {name: words, in: query, required: true, schema: {type: array, items: {type: string}}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {method: {type: string}, query: {type: object}}}
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: array, items: {type: integer}}
      responses: {"200": {description: ok}}
  /whoami:
    get:
      operationId: who-am-i
      security: [{token: []}]
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {$ref: "#/components/schemas/User"}}}
components_unused: {}
""".replace("components_unused: {}\n", "")
USER_SCHEMA = {"type": "object", "properties": {"user": {"type": "string", "description": "user name"}}}


def yaml_spec(toy: ToyServer) -> str:
    text = YAML_SPEC.replace("PORT", str(toy.port))
    # the User schema lives in components.schemas (added here to keep the YAML above readable)
    return text.replace("  parameters:\n    Trace", "  schemas:\n    User: " + json.dumps(USER_SCHEMA)
                        + "\n  parameters:\n    Trace", 1)


@pytest.fixture
def pets(registry: ToolRegistry, toy: ToyServer) -> ToolRegistry:
    registry.import_openapi("pets", f"{toy.url}/openapi.json", allow_hosts=LOOPBACK,
                            credentials={"APIKeyHeader": API_KEY})
    return registry


async def test_import_from_url_makes_typed_tools(pets: ToolRegistry, toy: ToyServer) -> None:
    info = pets.get_plugin("pets")
    assert info is not None and info.kind == "openapi" and info.base_url == toy.url
    assert info.description == "A pet store for plugin tests."
    assert {t.name for t in info.tools} == {"listPets", "getPet", "createPet"}
    get_pet = pets.tool_schema("pets", "getPet")
    assert get_pet is not None
    assert [(p.name, p.type, p.required, p.location) for p in get_pet.parameters] == [
        ("pet_id", "integer", True, "path")]
    assert get_pet.output_types == {"status": "integer", "body": "any", "id": "integer", "name": "string",
                                    "tag": "string"}
    list_pets = pets.tool_schema("pets", "listPets")
    assert list_pets is not None and list_pets.output_types["pets"] == "array[object]"
    assert list_pets.input_schema["properties"]["limit"] == {"type": "integer", "default": 10}
    create = pets.tool_schema("pets", "createPet")
    assert create is not None and create.input_schema["required"] == ["name"]


async def test_call_imported_operations(pets: ToolRegistry) -> None:
    listed = await pets.call("pets", "listPets", {"tag": "dog", "limit": "5"})
    assert listed["status"] == 200 and listed["count"] == 1 and listed["pets"][0]["name"] == "Rex"
    one = await pets.call("pets", "getPet", {"pet_id": 1})
    assert (one["id"], one["name"], one["tag"]) == (1, "Mimi", "cat")
    created = await pets.call("pets", "createPet", {"name": "Tom"})
    assert created["status"] == 201 and created["name"] == "Tom" and created["body"]["id"] == created["id"]


async def test_http_errors_fail_the_call(pets: ToolRegistry) -> None:
    with pytest.raises(OutboundError, match=r"plugin 'pets', tool 'getPet': GET /pets/\{pet_id\} returned "
                                            r"HTTP 404: .*no pet 42"):
        await pets.call("pets", "getPet", {"pet_id": 42})


async def test_credentials_are_sent_but_never_listed_or_exported(pets: ToolRegistry, toy: ToyServer,
                                                                 data_dir: Path) -> None:
    await pets.call("pets", "createPet", {"name": "Kit"})
    assert toy.hits[-1][2]["x-api-key"] == API_KEY
    info = pets.get_plugin("pets")
    assert info is not None and info.has_credentials and info.security_schemes == ["APIKeyHeader"]
    listing = json.dumps([p.model_dump(mode="json") for p in pets.list_plugins()])
    exported = json.dumps(pets.export("pets"))
    stored = (data_dir / "plugins" / "pets.json").read_text()
    for text in (listing, exported, stored):
        assert API_KEY not in text
    secret = data_dir / "plugins" / "credentials" / "pets.json"
    assert json.loads(secret.read_text()) == {"APIKeyHeader": API_KEY}
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert stat.S_IMODE(secret.parent.stat().st_mode) == 0o700


async def test_missing_credentials_reach_the_api_as_401(registry: ToolRegistry, toy: ToyServer) -> None:
    registry.import_openapi("nokey", f"{toy.url}/openapi.json", allow_hosts=LOOPBACK)
    with pytest.raises(OutboundError, match="HTTP 401"):
        await registry.call("nokey", "createPet", {"name": "Tom"})


async def test_persisted_across_registries_and_deleted(pets: ToolRegistry, data_dir: Path) -> None:
    again = ToolRegistry(data_dir)
    try:
        assert again.get_plugin("pets") is not None
        assert (await again.call("pets", "getPet", {"pet_id": 2}))["name"] == "Rex"
    finally:
        await again.aclose()
    again.delete("pets")
    assert pets.get_plugin("pets") is None
    assert not (data_dir / "plugins" / "credentials" / "pets.json").exists()
    with pytest.raises(PluginNotFound, match="unknown plugin 'pets'"):
        again.delete("pets")


async def test_export_can_be_imported_again(pets: ToolRegistry) -> None:
    exported = pets.export("pets")
    assert exported["kind"] == "openapi" and "credentials" not in json.dumps(exported).lower().replace(
        "has_credentials", "")
    info = pets.import_openapi("pets2", json.dumps(exported["openapi"]), base_url=exported["base_url"],
                               allow_hosts=exported["allow_hosts"])
    assert [t.name for t in info.tools] == [t.name for t in pets.get_plugin("pets").tools]  # type: ignore[union-attr]
    assert not info.has_credentials


async def test_yaml_document_with_refs_security_and_generated_names(registry: ToolRegistry,
                                                                    toy: ToyServer) -> None:
    info = registry.import_openapi("echo", yaml_spec(toy), allow_hosts=LOOPBACK,
                                   credentials={"token": "bearer-token", "qkey": "q-secret"})
    assert sorted(t.name for t in info.tools) == ["get_echo", "post_echo", "who_am_i"]
    get_echo = info.tool("get_echo")
    assert get_echo is not None
    assert [(p.name, p.type, p.location) for p in get_echo.parameters] == [
        ("X-Trace", "string", "header"), ("words", "array[string]", "query")]
    out = await registry.call("echo", "get_echo", {"words": ["a", "b"], "X-Trace": "t-9"})
    assert out["method"] == "GET" and out["query"]["api_key"] == "q-secret"
    assert toy.hits[-1][2]["x-trace"] == "t-9" and "authorization" not in toy.hits[-1][2]
    who = await registry.call("echo", "who_am_i", {})
    assert who == {"status": 200, "body": {"user": "alice"}, "user": "alice"}
    posted = await registry.call("echo", "post_echo", {"body": [1, 2, 3]})
    assert posted["body"]["body"].replace(" ", "") == "[1,2,3]"


async def test_parameter_errors_name_plugin_tool_and_parameter(pets: ToolRegistry) -> None:
    with pytest.raises(ParameterError, match="plugin 'pets', tool 'getPet': missing required parameter 'pet_id'"):
        await pets.call("pets", "getPet", {})
    with pytest.raises(ParameterError, match="tool 'getPet': unknown parameter 'id' \\(parameters: pet_id\\)"):
        await pets.call("pets", "getPet", {"id": 1})
    with pytest.raises(ParameterError, match="parameter 'pet_id' expects integer, got string"):
        await pets.call("pets", "getPet", {"pet_id": "one"})
    with pytest.raises(PluginError, match="plugin 'pets' has no tool 'deletePet' \\(tools: "):
        await pets.call("pets", "deletePet", {})
    with pytest.raises(PluginNotFound, match="unknown plugin 'nope' \\(available: read_file, http_request"):
        await pets.call("nope", "x", {})


async def test_spec_url_is_fetched_through_the_guard(registry: ToolRegistry, toy: ToyServer) -> None:
    with pytest.raises(PluginError, match="refused to connect"):
        registry.import_openapi("pets", f"{toy.url}/openapi.json")  # no allow-list for 127.0.0.1
    assert registry.get_plugin("pets") is None


async def test_imported_plugin_uses_its_own_allow_list(strict_registry: ToolRegistry, toy: ToyServer) -> None:
    spec = (await _fetch_spec(toy)).replace(toy.url, toy.url)
    strict_registry.import_openapi("open", spec, base_url=toy.url, allow_hosts=LOOPBACK)
    strict_registry.import_openapi("closed", spec, base_url=toy.url)
    assert (await strict_registry.call("open", "getPet", {"pet_id": 1}))["name"] == "Mimi"
    with pytest.raises(PluginError, match="refused to connect"):
        await strict_registry.call("closed", "getPet", {"pet_id": 1})


async def _fetch_spec(toy: ToyServer) -> str:
    import httpx

    async with httpx.AsyncClient() as client:
        return (await client.get(f"{toy.url}/openapi.json")).text


MINIMAL = {"openapi": "3.0.0", "info": {"title": "t"}, "servers": [{"url": "https://api.example.com"}],
           "paths": {"/a": {"get": {"operationId": "a", "responses": {"200": {"description": "ok"}}}}}}


def _with(**changes: object) -> str:
    doc = json.loads(json.dumps(MINIMAL))
    for dotted, value in changes.items():
        target = doc
        *parents, last = dotted.split("__")
        last = "/" + last if parents == ["paths"] else last  # paths__a → paths["/a"]
        for key in parents:
            target = target.setdefault(key, {})
        if value is None:
            target.pop(last, None)
        else:
            target[last] = value
    return json.dumps(doc)


@pytest.mark.parametrize(("source", "message"), [
    ("{not: [valid", "the document is neither JSON nor YAML at line 1"),
    ("- just\n- a list\n", "the document is not an OpenAPI object"),
    (json.dumps({"swagger": "2.0", "paths": {}}), "Swagger 2.0 documents are not supported"),
    (_with(openapi="2.1"), "not an OpenAPI 3.x document \\('openapi' is '2.1'"),
    (_with(paths={}), "the document has no paths"),
    (_with(servers=None), "no absolute server URL"),
    (_with(servers=[{"url": "/v1"}]), "servers\\[0\\].url is '/v1'"),
    (_with(paths__a={"get": {"parameters": [{"$ref": "#/components/parameters/Missing"}]}}),
     "paths./a.get.parameters\\[0\\]: \\$ref '#/components/parameters/Missing' does not resolve"),
    (_with(paths__a={"get": {"parameters": [{"$ref": "other.yaml#/X"}]}}), "only local \\$refs"),
    (_with(paths__a={"get": {"parameters": [{"name": "q"}]}}), "a parameter needs 'name' and 'in'"),
    (_with(paths__b={"get": {"operationId": "a"}}), "paths./b.get: duplicate tool name 'a' \\(also GET /a\\)"),
    (_with(paths__a={"get": {"security": [{"nope": []}]}}), "unknown security scheme 'nope'"),
    (_with(components={"securitySchemes": {"m": {"type": "mutualTLS"}}}), "unsupported security scheme type"),
    (_with(paths__a={"post": {"requestBody": {"content": {"application/xml": {}}}}}),
     "only application/json and form bodies are supported \\(found: application/xml\\)"),
], ids=["not-yaml", "not-mapping", "swagger2", "bad-version", "no-paths", "no-server", "relative-server",
        "dangling-ref", "remote-ref", "param-without-in", "duplicate-tool", "unknown-scheme",
        "unsupported-scheme", "xml-body"])
def test_bad_documents_give_clear_errors(registry: ToolRegistry, source: str, message: str) -> None:
    with pytest.raises(SpecError, match=message) as caught:
        registry.import_openapi("bad", source)
    assert str(caught.value).startswith("cannot import plugin 'bad': ")
    assert registry.get_plugin("bad") is None


@pytest.mark.parametrize(("name", "kwargs", "message"), [
    ("Bad Name", {}, "invalid plugin name 'Bad Name'"),
    ("http_request", {}, "'http_request' is a built-in plugin"),
    ("ok", {"credentials": {"nope": "x"}}, "unknown security scheme\\(s\\) nope \\(the document declares: none\\)"),
], ids=["name", "builtin", "credentials"])
def test_bad_import_arguments(registry: ToolRegistry, name: str, kwargs: dict, message: str) -> None:
    with pytest.raises(PluginError, match=message):
        registry.import_openapi(name, json.dumps(MINIMAL), **kwargs)


def test_duplicate_import_needs_replace(registry: ToolRegistry) -> None:
    registry.import_openapi("dup", json.dumps(MINIMAL))
    with pytest.raises(PluginExists, match="plugin 'dup' already exists"):
        registry.import_openapi("dup", json.dumps(MINIMAL))
    assert registry.import_openapi("dup", json.dumps(MINIMAL), replace=True).name == "dup"


def test_builtins_cannot_be_deleted(registry: ToolRegistry) -> None:
    with pytest.raises(PluginError, match="built-in plugin and cannot be deleted"):
        registry.delete("read_file")


def test_registry_without_data_dir_keeps_imports_in_memory() -> None:
    tools = ToolRegistry()
    tools.import_openapi("mem", json.dumps(MINIMAL))
    assert tools.get_plugin("mem") is not None and ToolRegistry().get_plugin("mem") is None
