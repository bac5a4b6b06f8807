"""Server-sent events: ``event: <type>\\ndata: <json>\\n\\n`` frames."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi.responses import StreamingResponse


def frame(event: dict[str, Any], kind: str | None = None) -> bytes:
    data = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    return f"event: {kind or event['type']}\ndata: {data}\n\n".encode()


def stream(events: AsyncIterator[dict[str, Any]]) -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        async for event in events:
            yield frame(event)

    # X-Accel-Buffering: proxies (nginx) must pass frames through as they come.
    return StreamingResponse(body(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
