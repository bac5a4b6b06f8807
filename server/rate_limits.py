"""Per-app rate limits: at most ``limit`` runs started per app in each minute (a fixed window), counted in this
process, or in Redis for all API replicas together (``LOOM_REDIS_URL``): one atomic ``INCR`` + ``PEXPIRE``."""

from __future__ import annotations

import time
from typing import Protocol

from redis.asyncio import Redis

WINDOW_S = 60.0
PREFIX = "loom:rate:"

# KEYS[1]: the app's counter in this window; ARGV[1]: the window (ms) → {count, ms left in the window}
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}
"""


class RateLimit(Protocol):
    async def hit(self, app_id: str, limit: int) -> float | None:
        """Count one run of the app: None when within ``limit`` this window, else the seconds until it ends."""
        ...


class LocalRateLimit:
    """The windows in this process's memory."""

    def __init__(self, window_s: float = WINDOW_S):
        self.window_s = window_s
        self._windows: dict[str, tuple[float, int]] = {}  # app id → (window start, runs counted)

    async def hit(self, app_id: str, limit: int) -> float | None:
        now = time.monotonic()
        start, count = self._windows.get(app_id, (now, 0))
        if now - start >= self.window_s:
            start, count = now, 0
        self._windows[app_id] = (start, count + 1)
        return None if count + 1 <= limit else max(0.0, start + self.window_s - now)


class RedisRateLimit:
    """The windows in Redis, shared by every replica."""

    def __init__(self, client: Redis, window_s: float = WINDOW_S):
        self.window_s = window_s
        self._hit = client.register_script(_HIT)

    async def hit(self, app_id: str, limit: int) -> float | None:
        count, left_ms = await self._hit(keys=[PREFIX + app_id], args=[int(self.window_s * 1000)])
        return None if int(count) <= limit else max(0, int(left_ms)) / 1000
