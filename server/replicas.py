"""What API replicas share through Redis (``LOOM_REDIS_URL``): runs' event logs, stop requests and per-app run slots.

* Event logs are Redis streams (server.eventlog_redis): any replica follows a run that another one drives.
* A stop for a run driven elsewhere is published on ``loom:stop``; the replica driving it stops it.
* Per-app concurrency: each run in flight holds a slot, a member of the app's sorted set scored by its lease's
  expiry (Redis server time). Taking one is one Lua script (drop expired leases, count, add), so the limit holds
  across replicas; the owner renews its leases every ``lease_s / 3``, so a replica that is killed frees its
  slots within ``lease_s``. A run queued for the worker tier keeps its slot while it waits (``QUEUED_LEASE_S``),
  until the worker that takes it renews the slot, or frees it when the run was stopped meanwhile.

Without ``LOOM_REDIS_URL`` none of this exists: the server keeps it all in its own memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import redis
from redis.asyncio import Redis

from server.eventlog import MAX_EVENTS
from server.eventlog_redis import RedisEventLogs, blocking_twin, connect
from server.rate_limits import RedisRateLimit

log = logging.getLogger(__name__)
STOP_CHANNEL = "loom:stop"
SLOTS_PREFIX = "loom:slots:"
LEASE_S = 30.0
QUEUED_LEASE_S = 6 * 3600.0  # a queued run's slot lapses after waiting this long for a worker

# KEYS[1]: the app's slots; ARGV: lease (ms), limit, run id → 1 taken, 0 full
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[3])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1])) end
return 1
"""
# KEYS: slot sets; ARGV[1]: lease (ms); ARGV[2..]: the run ids, one per key → extends the leases still held
_RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', now + tonumber(ARGV[1]), ARGV[i + 1])
  if redis.call('PTTL', key) < tonumber(ARGV[1]) then redis.call('PEXPIRE', key, tonumber(ARGV[1])) end
end
return #KEYS
"""


class Replicas:
    """One replica's connection to what all replicas share."""

    def __init__(self, client: Redis, max_events: int = MAX_EVENTS, lease_s: float = LEASE_S):
        self.client = client
        self._sync: redis.Redis | None = None  # for requests from routes that run in worker threads
        self.logs = RedisEventLogs(client, max_events)
        self.rate = RedisRateLimit(client)
        self.lease_s = lease_s
        self._held: dict[str, str] = {}  # run id → app id: the slots this replica holds
        self._take = client.register_script(_TAKE)
        self._renew = client.register_script(_RENEW)
        self._listener: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[object]] = set()

    @classmethod
    def from_url(cls, url: str, max_events: int = MAX_EVENTS) -> Replicas:
        return cls(connect(url), max_events)

    # -- per-app run slots ----------------------------------------------------------------------------
    async def take_slot(self, app_id: str, limit: int, run_id: str) -> bool:
        """Take one of the app's ``limit`` slots for ``run_id``; False when all are held (by any replica)."""
        taken = await self._take(keys=[SLOTS_PREFIX + app_id], args=[int(self.lease_s * 1000), limit, run_id])
        if taken:
            self._held[run_id] = app_id
        return bool(taken)

    async def hand_over_slot(self, run_id: str) -> None:
        """Stop renewing ``run_id``'s slot here: the run was queued, and the worker that drives it adopts it. The
        slot is held for ``QUEUED_LEASE_S`` meanwhile, however long the queue is."""
        app_id = self._held.pop(run_id, None)
        if app_id is not None:
            await self._renew(keys=[SLOTS_PREFIX + app_id], args=[int(QUEUED_LEASE_S * 1000), run_id])

    async def drop_slot(self, app_id: str, run_id: str) -> None:
        """Free the slot of a queued run that will not run (stopped, or deleted, while it waited)."""
        await self.client.zrem(SLOTS_PREFIX + app_id, run_id)

    def drop_slot_soon(self, app_id: str, run_id: str) -> None:
        """``drop_slot`` from a route."""
        self._from_route(lambda client: client.zrem(SLOTS_PREFIX + app_id, run_id))

    async def adopt_slot(self, app_id: str, run_id: str) -> None:
        """Renew and hold the slot another process took for ``run_id`` (none when its app has no limit, or when
        its lease ran out while the run waited in the queue)."""
        if await self.client.zadd(SLOTS_PREFIX + app_id, {run_id: await self._now_ms() + int(self.lease_s * 1000)},
                                  xx=True, ch=True):
            self._held[run_id] = app_id

    def release_slot(self, run_id: str) -> None:
        """Give back the run's slot (in the background: a finished run does not wait for Redis)."""
        app_id = self._held.pop(run_id, None)
        if app_id is not None:
            self._spawn(self.client.zrem(SLOTS_PREFIX + app_id, run_id))

    async def in_flight(self, app_id: str) -> int:
        """The app's slots held by all replicas, counting unexpired leases."""
        return int(await self.client.zcount(SLOTS_PREFIX + app_id, "(" + str(await self._now_ms()), "+inf"))

    async def _now_ms(self) -> int:
        seconds, micros = await self.client.time()
        return int(seconds) * 1000 + int(micros) // 1000

    # -- stopping runs driven elsewhere ---------------------------------------------------------------
    def request_stop(self, run_id: str) -> None:
        """Ask every replica to stop ``run_id``; the one driving it does."""
        self._from_route(lambda client: client.publish(STOP_CHANNEL, run_id))

    def _from_route(self, command: Callable[[Any], Any]) -> None:
        """Send ``command(client)`` from a route: in the event loop in the background; in a worker thread (a
        synchronous route) at once on a blocking client, before the route answers."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            if self._sync is None:
                self._sync = blocking_twin(self.client)
            command(self._sync)
            return
        self._spawn(command(self.client))

    def listen(self, on_stop: Callable[[str], None]) -> None:
        """Start (once) the task that hands stop requests to ``on_stop`` and renews this replica's leases."""
        if self._listener is None or self._listener.done():
            self._listener = asyncio.get_running_loop().create_task(self._listen(on_stop), name="replicas")

    async def _listen(self, on_stop: Callable[[str], None]) -> None:
        while True:
            try:
                async with self.client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(STOP_CHANNEL)
                    while True:
                        message = await pubsub.get_message(timeout=self.lease_s / 3)
                        if message is not None and message["type"] == "message":
                            on_stop(str(message["data"]))
                        await self._renew_leases()
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis went away: try again; leases expire meanwhile, as for a dead replica
                log.exception("lost the connection to Redis for stop requests; reconnecting")
                await asyncio.sleep(1.0)

    async def _renew_leases(self) -> None:
        if self._held:
            held = list(self._held.items())
            await self._renew(keys=[SLOTS_PREFIX + app for _, app in held],
                              args=[int(self.lease_s * 1000), *(run for run, _ in held)])

    def _spawn(self, work: object) -> None:
        async def run() -> None:
            try:
                await work  # type: ignore[misc]
            except Exception:
                log.exception("a Redis request failed")
        task: asyncio.Task[object] = asyncio.get_running_loop().create_task(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        await self.client.aclose()
        if self._sync is not None:
            self._sync.close()
