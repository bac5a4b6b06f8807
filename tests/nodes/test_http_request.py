"""The ``http-request`` node against a real HTTP server on 127.0.0.1 (allow-listed in these tests only)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from engine.debug import run_node
from engine.errors import DefinitionError
from engine.graph import validate
from engine.runner import RunResult, execute
from engine.spec import Services
from nodes import http_request
from nodes.plugins.http import SafeHttp
from nodes.registry import CATALOG
from tests.doubles.echo_http import EchoServer
from tests.doubles.memory_files import MemoryFiles
from tests.helpers import chain, end, lit, node, start, workflow


@pytest.fixture(scope="module")
def server() -> Iterator[EchoServer]:
    with EchoServer() as echo:
        yield echo


@pytest.fixture
def allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOOM_PLUGIN_ALLOW_HOSTS", "127.0.0.1")


def flow(config: dict[str, Any], inputs: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    inputs = inputs if inputs is not None else {"q": "start.q", "n": lit(3)}
    call = node("call", "http-request", inputs, config=config, **fields)
    return workflow([start({"name": "q", "type": "string", "required": False}), call,
                     end(status="call.status_code", body="call.body", json="call.json", headers="call.headers")],
                    chain("start", "call", "end"))


async def run(config: dict[str, Any], q: str = "héllo wörld", services: Services | None = None,
              inputs: dict[str, Any] | None = None, **fields: Any) -> RunResult:
    return await execute(validate(flow(config, inputs, **fields), CATALOG), {"q": q}, services)


@pytest.mark.usefixtures("allowed")
async def test_get_with_templated_url_query_and_headers(server: EchoServer) -> None:
    result = await run({"url": server.url + "/items/{{n}}", "query": [{"name": "q", "value": "{{q}}"}],
                        "headers": [{"name": "X-Trace", "value": "n={{n}}"}]})
    assert result.status == "succeeded", result.error
    out = result.outputs
    assert out["status"] == 200 and out["headers"]["x-echo"] == "yes"
    assert out["json"]["path"] == "/items/3" and out["json"]["query"] == {"q": ["héllo wörld"]}
    assert out["json"]["headers"]["x-trace"] == "n=3"
    assert '"method": "GET"' in out["body"]


@pytest.mark.usefixtures("allowed")
async def test_json_body_fills_strings_escaped_and_values_as_json(server: EchoServer) -> None:
    body = {"type": "json", "content": '{"text": "say \\"{{q}}\\"", "count": {{n}}, "raw": {{q}}}'}
    result = await run({"method": "POST", "url": server.url + "/post", "body": body}, q='a "quoted" line\n')
    assert result.status == "succeeded", result.error
    echo = result.outputs["json"]
    assert echo["headers"]["content-type"] == "application/json"
    import json
    assert json.loads(echo["body"]) == {"text": 'say "a "quoted" line\n"', "count": 3, "raw": 'a "quoted" line\n'}


@pytest.mark.usefixtures("allowed")
async def test_form_raw_and_auth(server: EchoServer) -> None:
    result = await run({"method": "POST", "url": server.url + "/form",
                        "body": {"type": "form", "fields": [{"name": "q", "value": "{{q}}"},
                                                            {"name": "n", "value": "{{n}}"}]},
                        "auth": {"type": "basic", "username": "ann", "password": "{{q}}"}}, q="s3cret&x")
    echo = result.outputs["json"]
    assert echo["form"] == {"q": ["s3cret&x"], "n": ["3"]}
    assert echo["headers"]["authorization"] == "Basic " + base64.b64encode(b"ann:s3cret&x").decode()
    result = await run({"method": "PUT", "url": server.url + "/raw",
                        "body": {"type": "raw", "content": "<q>{{q}}</q>", "content_type": "application/xml"},
                        "auth": {"type": "api-key", "header": "X-Api-Key", "token": "k-{{n}}"}})
    echo = result.outputs["json"]
    assert echo["body"] == "<q>héllo wörld</q>" and echo["headers"]["content-type"] == "application/xml"
    assert echo["headers"]["x-api-key"] == "k-3"
    result = await run({"url": server.url + "/b", "auth": {"type": "bearer", "token": "tok"}})
    assert result.outputs["json"]["headers"]["authorization"] == "Bearer tok"


@pytest.mark.usefixtures("allowed")
async def test_multipart_sends_text_parts_and_uploaded_files(server: EchoServer) -> None:
    files = MemoryFiles()
    doc = files.add("notes.txt", b"file body", "text/plain")
    config = {"method": "POST", "url": server.url + "/upload",
              "body": {"type": "multipart", "parts": [{"name": "title", "value": "{{q}}"},
                                                      {"name": "doc", "file": "doc"}]}}
    result = await run(config, services=Services(files=files), inputs={"q": "start.q", "doc": lit(doc)})
    assert result.status == "succeeded", result.error
    echo = result.outputs["json"]
    assert echo["form"] == {"title": ["héllo wörld"]}
    assert echo["files"] == {"doc": [{"filename": "notes.txt", "content_type": "text/plain",
                                      "content": "file body"}]}


@pytest.mark.usefixtures("allowed")
async def test_non_json_body_gives_null_json_and_error_statuses_are_outputs(server: EchoServer) -> None:
    result = await run({"url": server.url + "/text"})
    assert result.outputs["body"] == "plain words, not JSON" and result.outputs["json"] is None
    result = await run({"url": server.url + "/status/404"})
    assert result.status == "succeeded" and result.outputs["status"] == 404


@pytest.mark.usefixtures("allowed")
async def test_server_errors_are_retried_by_the_node_retry_policy(server: EchoServer) -> None:
    config = {"url": server.url + "/flaky/a?fails=2", "fail_on_error_status": True}
    result = await run(config, retry={"max_attempts": 3, "backoff_ms": 0})
    assert result.status == "succeeded" and result.outputs["status"] == 200
    assert server._server.counts["a"] == 3


@pytest.mark.usefixtures("allowed")
async def test_client_errors_fail_without_retrying(server: EchoServer) -> None:
    before = len(server.requests)
    result = await run({"url": server.url + "/status/400", "fail_on_error_status": True},
                       retry={"max_attempts": 3, "backoff_ms": 0})
    assert result.status == "failed" and "answered HTTP 400" in result.error
    assert len(server.requests) == before + 1


@pytest.mark.usefixtures("allowed")
async def test_response_size_is_capped(server: EchoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http_request, "MAX_RESPONSE_BYTES", 1000)
    result = await run({"url": server.url + "/big?size=5000"}, retry={"max_attempts": 3, "backoff_ms": 0})
    assert result.status == "failed" and "the limit is 1000 bytes" in result.error


@pytest.mark.usefixtures("allowed")
async def test_timeout_fails_clearly(server: EchoServer) -> None:
    result = await run({"url": server.url + "/slow?seconds=2", "timeout_s": 0.3})
    assert result.status == "failed" and "timed out after 0.3s" in result.error


async def test_loopback_is_refused_without_the_allow_list(server: EchoServer,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOOM_PLUGIN_ALLOW_HOSTS", raising=False)
    before = len(server.requests)
    result = await run({"url": server.url + "/secret"}, retry={"max_attempts": 3, "backoff_ms": 0})
    assert result.status == "failed" and "refused to connect to 127.0.0.1" in result.error
    assert len(server.requests) == before


def test_save_time_checks_name_node_and_field() -> None:
    config = {"url": "ftp://x/{{missing}}", "method": "GET",
              "body": {"type": "json", "content": "{\"a\": }"},
              "auth": {"type": "bearer"},
              "headers": [{"name": "Bad Header", "value": "x"}]}
    with pytest.raises(DefinitionError) as caught:
        validate(flow(config), CATALOG)
    assert [str(i) for i in caught.value.issues] == [
        "call.config.headers.0.name: String should match pattern '^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,200}$'"]
    del config["headers"]
    with pytest.raises(DefinitionError) as caught:
        validate(flow(config), CATALOG)
    messages = [str(i) for i in caught.value.issues]
    assert messages[0].startswith("call.config.url: '{{missing}}' is not an input of this node")
    assert messages[1:] == ["call.config.url: the URL must start with http:// or https://",
                            "call.config.body.content: not valid JSON: Expecting value: line 1 column 7 (char 6)",
                            "call.config.auth.token: bearer auth needs a token"]


def test_a_multipart_file_part_needs_a_file_input() -> None:
    config = {"method": "POST", "url": "https://example.com",
              "body": {"type": "multipart", "parts": [{"name": "doc", "file": "q"}, {"name": "x"}]}}
    with pytest.raises(DefinitionError) as caught:
        validate(flow(config), CATALOG)
    fields = [(i.field, i.message) for i in caught.value.issues]
    assert ("config.body.parts[1]", "a multipart part has either a text value or a file input") in fields
    assert any(f == "inputs.q" and "file" in m for f, m in fields)


@pytest.mark.usefixtures("allowed")
async def test_single_node_debug(server: EchoServer) -> None:
    event = await run_node(flow({"url": server.url + "/d", "query": [{"name": "q", "value": "{{q}}"}]}),
                           CATALOG, "call", {"q": "debug"})
    assert event.status == "succeeded"
    assert event.outputs["status_code"] == 200 and event.outputs["json"]["query"] == {"q": ["debug"]}


@pytest.fixture
async def shared() -> AsyncIterator[Services]:
    """The services a server hands its runs: one pooled client for every http-request call."""
    http = SafeHttp(http_request.HTTP_LIMITS)
    yield Services(http=http)
    await http.aclose()


@pytest.mark.usefixtures("allowed")
async def test_a_cookie_one_run_receives_is_not_sent_by_the_next(server: EchoServer, shared: Services) -> None:
    first = await run({"url": server.url + "/set-cookie?session=run-one"}, services=shared)
    assert first.status == "succeeded", first.error
    assert first.outputs["headers"]["set-cookie"].startswith("session=run-one")
    second = await run({"url": server.url + "/anything"}, services=shared)
    assert second.status == "succeeded", second.error
    assert "cookie" not in second.outputs["json"]["headers"]


async def test_the_shared_client_still_refuses_a_redirect_to_a_private_address(
        server: EchoServer, shared: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOOM_PLUGIN_ALLOW_HOSTS", "127.0.0.1")
    warm = await run({"url": server.url + "/anything"}, services=shared)  # a pooled connection to 127.0.0.1
    assert warm.status == "succeeded", warm.error
    before = len(server.requests)
    hop = await run({"url": server.url + "/redirect", "query": [{"name": "to", "value": "http://10.1.2.3/x"}]},
                    services=shared)
    assert hop.status == "failed" and "refused to connect to 10.1.2.3" in hop.error
    assert len(server.requests) == before + 1  # the redirect itself, then nothing
    # The pooled connection to the allowed address is not reused once the guard would refuse the address.
    monkeypatch.delenv("LOOM_PLUGIN_ALLOW_HOSTS")
    again = await run({"url": server.url + "/anything"}, services=shared)
    assert again.status == "failed" and "refused to connect to 127.0.0.1" in again.error
    assert len(server.requests) == before + 1
