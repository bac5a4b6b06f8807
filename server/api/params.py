"""Query parameters shared by routers. Every integer the database sees is bounded here, so an out-of-range
value is a 422 naming the parameter, not an overflow inside SQLite."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

SQL_INT_MAX = 2_147_483_647

Limit = Annotated[int, Query(ge=1, le=500, description="how many items to return")]
Offset = Annotated[int, Query(ge=0, le=SQL_INT_MAX, description="how many items to skip")]
After = Annotated[int, Query(ge=0, le=SQL_INT_MAX, description="only events with a larger seq")]
