"""Built-in tools against the real toy API on 127.0.0.1."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document

from nodes.plugins import OutboundError, ParameterError, PluginError, ToolRegistry
from tests.plugins.conftest import make_pdf
from tests.plugins.toy_api import ToyServer

# -- current_time ------------------------------------------------------------------------------------------

async def test_current_time_in_a_timezone(registry: ToolRegistry) -> None:
    out = await registry.call("current_time", "current_time", {"timezone": "Asia/Shanghai", "format": "%Y/%m/%d"})
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    assert out["timezone"] == "Asia/Shanghai"
    assert out["iso"].endswith("+08:00")
    assert abs(datetime.fromisoformat(out["iso"]) - now) < timedelta(seconds=5)
    assert out["formatted"] == now.strftime("%Y/%m/%d")
    assert out["weekday"] == now.strftime("%A")


async def test_current_time_defaults_to_utc(registry: ToolRegistry) -> None:
    out = await registry.call("current_time", "current_time", {})
    assert out["timezone"] == "UTC" and out["iso"].endswith("+00:00")


async def test_current_time_unknown_timezone(registry: ToolRegistry) -> None:
    with pytest.raises(ParameterError, match="plugin 'current_time', tool 'current_time': parameter 'timezone': "
                                             "unknown time zone 'Mars/Base'"):
        await registry.call("current_time", "current_time", {"timezone": "Mars/Base"})


# -- json_extract ------------------------------------------------------------------------------------------

STORE = {"store": {"book": [{"title": "Sayings", "price": 8.95}, {"title": "Sword", "price": 12.99}]}}


@pytest.mark.parametrize(("path", "value", "values"), [
    ("$.store.book[0].title", "Sayings", ["Sayings"]),
    ("$.store.book[*].price", 8.95, [8.95, 12.99]),
    ("$.store.book[?(@.price > 10)].title", "Sword", ["Sword"]),
    ("$.store.nothing", None, []),
], ids=["index", "wildcard", "filter", "no-match"])
async def test_json_extract(registry: ToolRegistry, path: str, value: object, values: list[object]) -> None:
    out = await registry.call("json_extract", "json_extract", {"data": STORE, "path": path})
    assert out == {"value": value, "values": values, "count": len(values)}


async def test_json_extract_accepts_json_text(registry: ToolRegistry) -> None:
    out = await registry.call("json_extract", "json_extract", {"data": '{"a": {"b": [1, 2]}}', "path": "$.a.b[1]"})
    assert out["value"] == 2


@pytest.mark.parametrize(("params", "message"), [
    ({"data": STORE, "path": "$.store[["}, "parameter 'path': invalid JSONPath"),
    ({"data": "{not json", "path": "$.a"}, "parameter 'data': not valid JSON"),
], ids=["bad-path", "bad-json"])
async def test_json_extract_errors(registry: ToolRegistry, params: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        await registry.call("json_extract", "json_extract", params)


# -- http_request ------------------------------------------------------------------------------------------

async def test_http_get_with_query_and_headers(registry: ToolRegistry, toy: ToyServer) -> None:
    out = await registry.call("http_request", "http_request", {
        "url": f"{toy.url}/echo", "query": {"q": "猫", "n": 3}, "headers": {"X-Trace": "t1"}})
    assert out["status"] == 200
    assert out["headers"]["x-toy"] == "yes"
    assert out["json"]["query"] == {"q": "猫", "n": "3"}
    assert out["json"]["headers"]["x-trace"] == "t1"
    assert '"method":"GET"' in out["body"]


@pytest.mark.parametrize(("body_type", "body", "content_type", "sent"), [
    ("json", {"a": 1, "b": ["x"]}, "application/json", '{"a":1,"b":["x"]}'),
    ("form", {"a": "1", "b": "two words"}, "application/x-www-form-urlencoded", "a=1&b=two+words"),
    ("raw", "plain text body", None, "plain text body"),
], ids=["json", "form", "raw"])
async def test_http_post_bodies(registry: ToolRegistry, toy: ToyServer, body_type: str, body: object,
                                content_type: str | None, sent: str) -> None:
    out = await registry.call("http_request", "http_request", {
        "url": f"{toy.url}/echo", "method": "POST", "body_type": body_type, "body": body})
    echoed = out["json"]
    assert echoed["method"] == "POST"
    assert echoed["body"].replace(" ", "") == sent.replace(" ", "") if body_type == "json" else echoed["body"] == sent
    if content_type:
        assert echoed["headers"]["content-type"].startswith(content_type)


@pytest.mark.parametrize(("params", "header", "value"), [
    ({"auth_type": "bearer", "auth_token": "tok"}, "authorization", "Bearer tok"),
    ({"auth_type": "api_key", "auth_token": "k1"}, "x-api-key", "k1"),
    ({"auth_type": "api_key", "auth_token": "k2", "api_key_header": "X-Token"}, "x-token", "k2"),
], ids=["bearer", "api-key", "api-key-custom-header"])
async def test_http_auth(registry: ToolRegistry, toy: ToyServer, params: dict, header: str, value: str) -> None:
    out = await registry.call("http_request", "http_request", {"url": f"{toy.url}/echo", **params})
    assert out["json"]["headers"][header] == value


async def test_http_error_status_is_returned_not_raised(registry: ToolRegistry, toy: ToyServer) -> None:
    out = await registry.call("http_request", "http_request", {"url": f"{toy.url}/pets/999"})
    assert out["status"] == 404 and out["json"] == {"detail": "no pet 999"}


async def test_http_response_size_cap(registry: ToolRegistry, toy: ToyServer) -> None:
    with pytest.raises(OutboundError, match="the limit is 1000000 bytes"):
        await registry.call("http_request", "http_request", {"url": f"{toy.url}/big?size=2000000"})


async def test_http_timeout(registry: ToolRegistry, toy: ToyServer) -> None:
    with pytest.raises(OutboundError, match="timed out after 0.5s"):
        await registry.call("http_request", "http_request", {"url": f"{toy.url}/slow?seconds=3", "timeout_s": 0.5})


@pytest.mark.parametrize(("params", "message"), [
    ({"url": "http://127.0.0.1/", "method": "FETCH"}, "parameter 'method' must be one of GET"),
    ({"url": "http://127.0.0.1/", "auth_type": "bearer"}, "parameter 'auth_token' is required"),
    ({"url": "http://127.0.0.1/", "body": "x"}, "body_type is 'none'"),
    ({"url": "http://127.0.0.1/", "body_type": "form", "body": "x"}, "a form body must be an object"),
    ({"url": "not a url"}, "only http and https URLs are allowed|invalid URL"),
], ids=["method", "auth-token", "body-without-type", "form-not-object", "bad-url"])
async def test_http_bad_parameters(registry: ToolRegistry, params: dict, message: str) -> None:
    with pytest.raises(PluginError, match=message):
        await registry.call("http_request", "http_request", params)


# -- read_file ---------------------------------------------------------------------------------------------

class FileStoreDouble:
    """Test double for the server's uploaded-file store: ``read(file_value) -> (filename, bytes)``."""

    def __init__(self, files: dict[str, tuple[str, bytes]]):
        self.files = files

    async def read(self, value: dict) -> tuple[str, bytes]:
        return self.files[value["file_id"]]


def _docx(text: str) -> bytes:
    doc = Document()
    doc.add_paragraph(text)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


async def test_read_uploaded_pdf(registry: ToolRegistry) -> None:
    files = FileStoreDouble({"f1": ("report.pdf", make_pdf(["First page text", "Second page text"]))})
    out = await registry.call("read_file", "read_file", {"file_url": {"name": "report.pdf", "file_id": "f1"}},
                              files=files)
    assert out["page_count"] == 2 and out["name"] == "report.pdf"
    assert "First page text" in out["text"] and "Second page text" in out["text"]


async def test_read_uploaded_docx(registry: ToolRegistry) -> None:
    files = FileStoreDouble({"f2": ("notes.docx", _docx("床前明月光，疑是地上霜。"))})
    out = await registry.call("read_file", "read_file", {"file_url": {"name": "notes.docx", "file_id": "f2"}},
                              files=files)
    assert "床前明月光" in out["text"] and out["page_count"] == 1


async def test_read_file_from_url(registry: ToolRegistry, toy: ToyServer) -> None:
    url = toy.serve_file("poem.md", "text/markdown", "# 静夜思\n\n举头望明月".encode())
    out = await registry.call("read_file", "read_file", {"file_url": url})
    assert "举头望明月" in out["text"] and out["name"] == "poem.md"


async def test_read_file_url_without_extension_uses_content_type(registry: ToolRegistry, toy: ToyServer) -> None:
    url = toy.serve_file("report", "application/pdf", make_pdf(["Only page"]))
    out = await registry.call("read_file", "read_file", {"file_url": {"name": "r", "url": url}})
    assert out["page_count"] == 1 and "Only page" in out["text"]


async def test_read_file_refuses_server_paths_in_workflows(registry: ToolRegistry, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    for value in (str(secret), {"name": "secret.txt", "path": str(secret)}):
        with pytest.raises(ParameterError, match="workflows cannot read server paths"):
            await registry.call("read_file", "read_file", {"file_url": value})


async def test_read_file_local_path_when_allowed(registry: ToolRegistry, tmp_path: Path) -> None:
    doc = tmp_path / "note.txt"
    doc.write_text("hello from disk")
    out = await registry.call("read_file", "read_file", {"file_url": str(doc)}, allow_local_paths=True)
    assert out["text"].strip() == "hello from disk"


async def test_read_file_errors(registry: ToolRegistry, toy: ToyServer) -> None:
    with pytest.raises(PluginError, match="no file store is configured"):
        await registry.call("read_file", "read_file", {"file_url": {"name": "a.pdf", "file_id": "x"}})
    files = FileStoreDouble({"bad": ("broken.pdf", b"%PDF-1.4 garbage")})
    with pytest.raises(PluginError, match="plugin 'read_file', tool 'read_file': cannot read broken.pdf"):
        await registry.call("read_file", "read_file", {"file_url": {"name": "broken.pdf", "file_id": "bad"}},
                            files=files)
    with pytest.raises(PluginError, match="HTTP 404"):
        await registry.call("read_file", "read_file", {"file_url": f"{toy.url}/files/missing.txt"})
