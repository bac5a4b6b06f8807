"""Query parameters (and the Last-Event-ID header) shared by routers. Every integer the database sees is bounded
here, so an out-of-range value is a 422 naming the parameter, not an overflow inside SQLite."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, Query

from server.errors import InvalidRequestError

SQL_INT_MAX = 2_147_483_647
_SEQ = re.compile(r"[0-9]{1,10}")

Limit = Annotated[int, Query(ge=1, le=500, description="how many items to return")]
Offset = Annotated[int, Query(ge=0, le=SQL_INT_MAX, description="how many items to skip")]
After = Annotated[int, Query(ge=0, le=SQL_INT_MAX, description="only events with a larger seq")]


async def resume_after(
    after: Annotated[int | None, Query(ge=0, le=SQL_INT_MAX,
                                       description="only events with a larger seq (wins over Last-Event-ID)")] = None,
    last_event_id: Annotated[str | None, Header(
        alias="Last-Event-ID", description="the seq of the last event received; EventSource sends it on reconnect",
    )] = None,
) -> int:
    """Where an event stream resumes: ``?after=``, else the ``Last-Event-ID`` header, else from the start."""
    if after is not None:
        return after
    if last_event_id is None:
        return 0
    value = last_event_id.strip()
    if not _SEQ.fullmatch(value) or int(value) > SQL_INT_MAX:
        raise InvalidRequestError(f"Last-Event-ID {last_event_id!r} is not an event's seq (a whole number from 0 "
                                  f"to {SQL_INT_MAX}): send the id of the last event received, or no header")
    return int(value)


ResumeAfter = Annotated[int, Depends(resume_after)]
