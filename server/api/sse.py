"""Server-sent events through sse-starlette: each event one ``event: <type>`` / ``data: <json>`` frame with
``id: <seq>`` when it has a seq (what ``?after=`` takes on reconnect), and a ``: ping`` comment on a stream
that has been quiet for ``PING_S`` seconds, so proxies keep it open."""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

from sse_starlette import EventSourceResponse, ServerSentEvent

PING_S = 15.0  # read when a response is made


def event(payload: dict[str, Any], kind: str | None = None) -> ServerSentEvent:
    """One frame: ``kind`` (else the payload's ``type``) as the event name, the payload's ``seq`` as its id."""
    seq = payload.get("seq")
    return ServerSentEvent(json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
                           event=kind or payload["type"], id=str(seq) if isinstance(seq, int) else None, sep="\n")


def response(frames: AsyncIterable[ServerSentEvent]) -> EventSourceResponse:
    """A ``text/event-stream`` response of ``frames``, with keep-alive pings."""
    # Cache-Control no-cache as before (sse-starlette would say no-store); it adds X-Accel-Buffering: no, so
    # proxies such as nginx pass frames through as they come.
    return EventSourceResponse(frames, ping=PING_S, sep="\n", headers={"Cache-Control": "no-cache"})


def stream(events: AsyncIterator[dict[str, Any]]) -> EventSourceResponse:
    """Engine or agent events, each framed under its own type."""
    return response(event(e) async for e in events)
