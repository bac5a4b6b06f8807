"""The public API's hot path: ``POST /v1/workflows/{id}/run`` answered from the ASGI call itself.

A well-formed run request from a key seen lately (a JSON body with a Content-Length within the body limit, a
cached key, no dependency overrides, no OpenTelemetry provider configured) is run without Starlette's middleware
stack, FastAPI's route matching, dependency resolution and body handling: ``LoomApp`` reads the key, the body
and the app itself, runs it as the route does (``public.run``) and answers the route's errors through the app's
own exception handlers. Anything else goes to FastAPI as it came, with what was read of the body replayed to it,
and is answered as before (tests/server/test_run_path.py compares the two answers).
"""

from __future__ import annotations

import inspect
import re
import time
from collections import deque
from typing import Any

from fastapi import FastAPI
from fastapi.security.utils import get_authorization_scheme_param
from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from server.api.public import run
from server.api.schemas import RunCreate
from server.db.models import AppKeyRow
from server.state import AppState

RUN_PATH = re.compile(r"/v1/workflows/([^/]+)/run")  # the route's path, its parameter as Starlette matches it


class LoomApp(FastAPI):
    """The FastAPI app, with the run route's hot path in front of it. ``max_body``: the JSON body limit (the
    body-limit middleware's), above which a request goes through that middleware (413)."""

    max_body: int = 0

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._otel = _Telemetry()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and not scope.get("root_path"):
            match = RUN_PATH.fullmatch(scope["path"])
            if match is not None:
                return await self._run(match[1], scope, receive, send)
        await super().__call__(scope, receive, send)

    async def _run(self, workflow_id: str, scope: Scope, receive: Receive, send: Send) -> None:
        state: AppState | None = getattr(self.state, "loom", None)
        headers = _headers(scope)
        if (state is None or self.dependency_overrides or self._otel(self)
                or not _length_within(headers.get(b"content-length"), self.max_body)):
            return await super().__call__(scope, receive, send)
        key = _cached_key(state, headers)
        if key is None:
            return await super().__call__(scope, receive, send)
        received: list[Message] = []
        body = await _lean_body(headers, receive, received, self.max_body)
        replayed = _replay(received, receive)
        if body is None:
            return await super().__call__(scope, replayed, send)
        scope["app"] = self
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            response = await run(state, key, workflow_id, body)
            await response(scope, replayed, sending)
        except Exception as exc:
            await self._answer_error(exc, scope, replayed, sending, started)

    async def _answer_error(self, exc: Exception, scope: Scope, receive: Receive, send: Send, started: bool) -> None:
        """Answer an error as the app's middleware does: a mapped error through its handler (Starlette's
        exception middleware), anything else through the ``Exception`` handler and raised on (its server-error
        middleware)."""
        cls = next((c for c in type(exc).__mro__ if c in self.exception_handlers), None)
        if cls is None or cls is Exception or started:
            if cls is not None and not started:
                await _respond(self.exception_handlers[cls], exc, scope, receive, send)
            raise exc
        await _respond(self.exception_handlers[cls], exc, scope, receive, send)


def _headers(scope: Scope) -> dict[bytes, bytes]:
    """The request's headers by (lower-case) name, the first of repeated ones (as Starlette's ``get``)."""
    headers: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        headers.setdefault(name, value)
    return headers


def _length_within(length: bytes | None, limit: int) -> bool:
    return length is not None and length.isdigit() and int(length) <= limit


class _Telemetry:
    """Whether FastAPI's own OpenTelemetry instrumentation is on (a provider is configured): then every request
    takes FastAPI's path, which records it. Asked at most once a second (the answer walks OpenTelemetry's
    global providers, and a provider is configured once, at start)."""

    def __init__(self) -> None:
        self.on = False
        self.next_check = 0.0

    def __call__(self, app: FastAPI) -> bool:
        now = time.monotonic()
        if now >= self.next_check:
            telemetry = getattr(app, "_native_telemetry", None)
            self.on = telemetry is not None and bool(telemetry.enabled())
            self.next_check = now + 1.0
        return self.on


def _cached_key(state: AppState, headers: dict[bytes, bytes]) -> AppKeyRow | None:
    authorization = headers.get(b"authorization")
    if authorization is None:
        return None
    scheme, credentials = get_authorization_scheme_param(authorization.decode("latin-1"))
    if scheme.lower() != "bearer" or not credentials:
        return None
    return state.store.cached_key(credentials)


async def _lean_body(headers: dict[bytes, bytes], receive: Receive, received: list[Message],
                     limit: int) -> RunCreate | None:
    """The run's body, when it is a JSON object the route takes; None for anything FastAPI answers otherwise
    (another content type, not JSON, a body that does not validate, a client gone mid-body). What is received
    is kept in ``received`` for FastAPI's handling."""
    content_type = headers.get(b"content-type", b"").decode("latin-1")
    if content_type.partition(";")[0].strip().lower() != "application/json":
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        received.append(message)
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    try:
        # Parsed by pydantic as json.loads would (NaN, big integers alike); what it refuses and json.loads reads
        # (lone surrogates, UTF-16, deep nesting) is left to FastAPI's handling too.
        return RunCreate.model_validate_json(b"".join(chunks))
    except Exception:  # not JSON, not a valid body: FastAPI's handling answers it (422, 400)
        return None


def _replay(received: list[Message], receive: Receive) -> Receive:
    """``receive`` that gives the messages already received first."""
    if not received:
        return receive
    pending = deque(received)

    async def replayed() -> Message:
        return pending.popleft() if pending else await receive()

    return replayed


async def _respond(handler: Any, exc: Exception, scope: Scope, receive: Receive, send: Send) -> None:
    response = handler(Request(scope, receive), exc)
    if inspect.isawaitable(response):
        response = await response
    await response(scope, receive, send)
