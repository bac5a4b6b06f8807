"""``read_file`` (the seed's Read_File): an uploaded file or an http(s) URL → its text and page count."""

from __future__ import annotations

import asyncio
import inspect
import mimetypes
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from nodes.plugins.builtin.base import BuiltinPlugin, CallContext
from nodes.plugins.errors import ParameterError, PluginError
from nodes.plugins.schema import Output, Param, ToolSchema

MAX_FILE_BYTES = 50 * 1024 * 1024

SCHEMA = ToolSchema(
    name="read_file",
    description="Read a PDF, DOCX, TXT, Markdown or HTML file and return its text.",
    parameters=[
        Param(name="file_url", type="file", extra_types=["string"], required=True,
              description="an uploaded file, or an http(s) URL"),
    ],
    outputs=[
        Output(name="text", type="string"),
        Output(name="page_count", type="integer", description="pages (PDF), else 1"),
        Output(name="name", type="string", description="the file name"),
    ],
)


def _url_filename(url: str, content_type: str) -> str:
    name = unquote(PurePosixPath(urlsplit(url).path).name)
    if "." not in name:
        guessed = mimetypes.guess_extension(content_type.split(";")[0].strip()) or ".txt"
        name = (name or "download") + guessed
    return name


async def _fetch(url: str, ctx: CallContext) -> tuple[str, bytes]:
    response = await ctx.http.request("GET", url, allow_hosts=ctx.allow_hosts, max_bytes=MAX_FILE_BYTES)
    if response.status >= 400:
        raise PluginError(f"downloading {url} failed: HTTP {response.status}")
    return _url_filename(response.url, response.headers.get("content-type", "")), response.content


def _read_path(path: str, ctx: CallContext) -> tuple[str, bytes]:
    if not ctx.allow_local_paths:
        raise ParameterError("parameter 'file_url': workflows cannot read server paths; "
                             "pass an uploaded file or an http(s) URL")
    local = Path(path).expanduser()
    if not local.is_file():
        raise ParameterError(f"parameter 'file_url': no such file: {local}")
    if local.stat().st_size > MAX_FILE_BYTES:
        raise ParameterError(f"parameter 'file_url': {local.name} is larger than {MAX_FILE_BYTES} bytes")
    return local.name, local.read_bytes()


async def _load(value: Any, ctx: CallContext) -> tuple[str, bytes]:
    if isinstance(value, str):
        text = value.strip()
        if text.lower().startswith(("http://", "https://")):
            return await _fetch(text, ctx)
        return _read_path(text, ctx)
    if not isinstance(value, dict):
        raise ParameterError("parameter 'file_url': expected a file or an http(s) URL")
    if value.get("file_id"):
        if ctx.files is None:
            raise PluginError("uploaded files are not available here (no file store is configured)")
        result = ctx.files.read(value)
        name, data = await result if inspect.isawaitable(result) else result
        return name or value.get("name") or "file", data
    if value.get("url"):
        name, data = await _fetch(str(value["url"]), ctx)
        given = str(value.get("name") or "")
        return (given if PurePosixPath(given).suffix else name), data  # the parser picks by extension
    if value.get("path"):
        name, data = _read_path(str(value["path"]), ctx)
        return value.get("name") or name, data
    raise ParameterError("parameter 'file_url': the file has no file_id, url or path")


async def run(params: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    from knowledge.errors import ParseError  # the parsers load heavy libraries; import on first use
    from knowledge.isolation import parse_isolated
    from knowledge.limits import ParseLimits

    name, data = await _load(params["file_url"], ctx)
    try:
        # A child process with memory and time limits: a hostile document must not take the server down.
        doc = await asyncio.to_thread(parse_isolated, name, data, ParseLimits(max_bytes=MAX_FILE_BYTES))
    except ParseError as exc:
        raise PluginError(f"cannot read {exc}") from None
    return {"text": doc.text, "page_count": doc.pages or 1, "name": name}


PLUGIN = BuiltinPlugin(schema=SCHEMA, run=run, description="Extract the text of a document.")
