"""Request-body size limits, checked before the body is read (ASGI middleware)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TakesFiles = Callable[[str, str], bool]  # (method, path) → does this route take a multipart upload?


class BodyLimit:
    """Answer 413 to bodies over the limit: ``max_upload`` for multipart bodies sent to a route that takes
    files, ``max_body`` for everything else, whatever the Content-Type says."""

    def __init__(self, app: ASGIApp, max_body: int, max_upload: int, takes_files: TakesFiles):
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload
        self.takes_files = takes_files

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        multipart = headers.get(b"content-type", b"").lower().startswith(b"multipart/")
        upload = multipart and self.takes_files(scope["method"], scope["path"])
        limit = self.max_upload if upload else self.max_body
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            return await _too_large(send, limit)
        received = 0

        async def limited() -> Message:
            # Chunked bodies carry no length up front: count as they arrive.
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _too_large(send, limit)


class _TooLarge(HTTPException):
    # An HTTPException, so that FastAPI's body parsing passes it through as a 413 instead of a generic 400.
    def __init__(self) -> None:
        super().__init__(413, "request body is over the size limit")


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"detail": f"request body is over the limit of {limit:,} bytes"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def multipart_routes(openapi: Callable[[], dict[str, Any]]) -> TakesFiles:
    """The routes whose request body is ``multipart/form-data``, as the app's OpenAPI document declares them
    (read once, on the first request: the routes are fixed by then)."""
    routes: list[tuple[str, re.Pattern[str]]] | None = None

    def takes_files(method: str, path: str) -> bool:
        nonlocal routes
        if routes is None:
            routes = [(verb.upper(), _template(template))
                      for template, operations in openapi().get("paths", {}).items()
                      for verb, operation in operations.items()
                      if "multipart/form-data" in ((operation.get("requestBody") or {}).get("content") or {})]
        return any(verb == method and pattern.fullmatch(path) for verb, pattern in routes)
    return takes_files


def _template(path: str) -> re.Pattern[str]:
    """``/api/knowledge-bases/{kb}/documents`` → a pattern matching one path segment per parameter."""
    parts = re.split(r"(\{[^}]+\})", path)
    return re.compile("".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts))
