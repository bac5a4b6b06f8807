"""The ``EventLog`` on a Redis stream, so that any API replica can read and follow a run another one produces.

One log is one stream key. Each event is an entry whose id is ``<seq>-0`` and whose ``e`` field is the event's
JSON; closing adds a marker entry ``<last seq>-1`` (field ``closed``), which sorts after the last event, so a
reader sees the end in the same ``XRANGE``/``XREAD`` as the events. Appends trim the stream to ``max_events``
(``MAXLEN``, exactly); every entry carries in ``t`` the newest seq trimmed so far (the producer knows which one
each append pushes out), so that a reader that asks for trimmed events gets ``EventsTrimmed``, as with the
in-memory log. The key expires ``expire_s`` after the log
closes (``live_expire_s`` after the last append while open, so a producer that dies does not leak it).

Appends stay synchronous: they queue, and one background task per log sends them in order, pipelined. A read or
follow through the producer's own object first waits for its queue to be sent (it reads its own writes).
``last_seq`` is the newest seq this object has appended or read; an append follows the newest one it appended.

A run's stream can be **fenced**: when the sweeper (server.ownership) ends a run whose process it took for lost, it
sets ``<key>:fenced`` and writes the run's end in one script (``end_fenced``); the producer's appends check that
key in the same script as their ``XADD`` and are refused from then on, so a process that was not lost after all
adds nothing after the sweeper's end. The producer learns it through ``on_fenced`` and stops driving the run.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

import redis
from redis.asyncio import Redis

from server.eventlog import MAX_EVENTS, Event, EventLog, EventsTrimmed, LogClosed

log = logging.getLogger(__name__)
BATCH = 500  # entries per XRANGE while catching up
BLOCK_MS = 5_000  # how long one XREAD waits before a follower looks again
EXPIRE_S = 600  # a closed log's lifetime: by then its events are in the store
LIVE_EXPIRE_S = 86_400  # an open log's lifetime after its last append
FENCED = ":fenced"  # suffix of the key that closes a stream to its producer (it lives as long as an open stream)

# KEYS: stream, fence. ARGV: maxlen, expire, then (id, field, value, trimmed) per entry ("e": an event, MAXLEN
# applied; "closed": the marker). 0 when the stream is fenced (nothing added), else 1 or the first error's text
# (the other entries are added, as a pipeline would).
_APPEND = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local failed = nil
for i = 3, #ARGV, 4 do
  local added
  if ARGV[i + 1] == 'e' then
    added = redis.pcall('XADD', KEYS[1], 'MAXLEN', '=', ARGV[1], ARGV[i], 'e', ARGV[i + 2], 't', ARGV[i + 3])
  else
    added = redis.pcall('XADD', KEYS[1], ARGV[i], 'closed', '1', 't', ARGV[i + 3])
  end
  if type(added) == 'table' and added.err and not failed then failed = added.err end
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return failed or 1
"""
# KEYS: stream, fence. ARGV: the end's seq, its JSON, the stream's expiry, the fence's. Fences the stream, drops the
# entries the producer added at or after the end's seq (after the sweeper read the stream, so not recorded with
# it), and adds the end and the closed marker.
_END_FENCED = """
redis.call('SET', KEYS[2], '1', 'EX', ARGV[4])
local seq = tonumber(ARGV[1])
local before = (seq > 1) and ((seq - 1) .. '-0') or '0-1'
local late = redis.call('XRANGE', KEYS[1], '(' .. before, '+')
if #late > 0 then
  for _, entry in ipairs(late) do redis.call('XDEL', KEYS[1], entry[1]) end
  redis.call('XSETID', KEYS[1], before)
end
redis.call('XADD', KEYS[1], seq .. '-0', 'e', ARGV[2], 't', 0)
redis.call('XADD', KEYS[1], seq .. '-1', 'closed', '1', 't', 0)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return #late
"""


async def end_fenced(client: Redis, key: str, final: Event, expire_s: int = EXPIRE_S) -> int:
    """Close the stream ``key`` with ``final`` (a run_finished event) and refuse its producer's appends from now
    on; the number of entries dropped because the producer had added them at or after ``final``'s seq."""
    data = json.dumps(final, separators=(",", ":"), default=str)
    dropped: Any = await client.eval(_END_FENCED, 2, key, key + FENCED, final["seq"], data, expire_s,
                                     LIVE_EXPIRE_S)
    return int(dropped)


def connect(url: str) -> Redis:
    """A client for ``LOOM_REDIS_URL`` (``redis://host:port/db``); connections open on first use."""
    return Redis.from_url(url, decode_responses=True, health_check_interval=30)


def blocking_twin(client: Redis) -> redis.Redis:
    """A synchronous client for the same server with the same options as ``client``, for threads without an event
    loop (synchronous routes, the heartbeat thread)."""
    return redis.Redis(connection_pool=redis.ConnectionPool(**client.connection_pool.connection_kwargs))


class RedisEventLog:
    """One event log held in the Redis stream ``key``."""

    def __init__(self, client: Redis, key: str, max_events: int = MAX_EVENTS, expire_s: int = EXPIRE_S,
                 live_expire_s: int = LIVE_EXPIRE_S):
        if max_events < 1:
            raise ValueError("max_events must be at least 1")
        self.client = client
        self.key = key
        self.max_events = max_events
        self.expire_s = expire_s
        self.live_expire_s = live_expire_s
        self._last_seq = 0
        self._appended = 0  # the newest seq this object appended (a read may see a later one: another process's)
        self._closed = False
        self._held: deque[int] = deque(maxlen=max_events)  # the seqs the stream holds (the producer's view)
        self._trimmed = 0  # the newest seq pushed out of the stream
        self._queue: list[tuple[int, int, str | None]] = []  # (seq, trimmed, event JSON); None: the closed marker
        self._sender: asyncio.Task[None] | None = None
        self.fenced = False  # the sweeper ended the run: appends are refused (see the module's docstring)
        self.on_fenced: Callable[[], None] | None = None  # called once, when an append is first refused
        self._append_script = client.register_script(_APPEND)

    @property
    def last_seq(self) -> int:
        return self._last_seq

    # -- writing --------------------------------------------------------------------------------------
    def append(self, event: Event) -> None:
        if self.fenced:
            return  # the run has ended elsewhere: its producer is being stopped
        if self._closed:
            raise LogClosed("the log is closed")
        seq = event["seq"]
        if not isinstance(seq, int) or seq <= self._appended:
            raise ValueError(f"seq {seq!r} does not follow seq {self._appended}")
        if len(self._held) == self.max_events:
            self._trimmed = self._held[0]
        self._held.append(seq)
        self._queue.append((seq, self._trimmed, json.dumps(event, separators=(",", ":"), default=str)))
        self._appended, self._last_seq = seq, max(self._last_seq, seq)
        self._send_soon()

    def close(self) -> None:
        if self._closed or self.fenced:
            return
        self._closed = True
        self._queue.append((self._appended, self._trimmed, None))
        self._send_soon()

    def _send_soon(self) -> None:
        if self._sender is None or self._sender.done():
            self._sender = asyncio.get_running_loop().create_task(self._send(), name=f"eventlog-{self.key}")

    async def _send(self) -> None:
        while self._queue and not self.fenced:
            batch, self._queue = self._queue, []
            args: list[Any] = []
            closing = False
            for seq, trimmed, data in batch:
                if data is None:  # the marker does not trim: the last event stays readable
                    args += (f"{seq}-1", "closed", "", trimmed)
                    closing = True
                else:
                    args += (f"{seq}-0", "e", data, trimmed)
            try:
                sent: Any = await self._append_script(
                    keys=[self.key, self.key + FENCED],
                    args=[self.max_events, self.expire_s if closing else self.live_expire_s, *args])
            except Exception:  # the run goes on; its events are still recorded in the store
                log.exception("could not send %d events to the Redis stream %s", len(batch), self.key)
                continue
            if sent == 0:
                self.fenced, self._queue = True, []
                log.warning("the Redis stream %s was ended by another process: %d events not sent", self.key,
                            len(batch))
                if self.on_fenced is not None:
                    self.on_fenced()
            elif sent != 1:
                log.error("could not send every one of %d events to the Redis stream %s: %s", len(batch),
                          self.key, sent)

    async def _sent(self) -> None:
        """Wait until what this object appended is in Redis."""
        while self._sender is not None and not self._sender.done():
            await asyncio.shield(self._sender)

    async def flush(self) -> None:
        await self._sent()

    # -- reading --------------------------------------------------------------------------------------
    async def read(self, after: int = 0) -> list[Event]:
        await self._sent()
        events: list[Event] = []
        cursor = f"{after}-0"
        while True:
            entries, _ = await self._range(after, cursor)
            for entry_id, fields in entries:
                if "e" in fields:
                    events.append(self._seen(fields))
                cursor = entry_id
            if len(entries) < BATCH:
                return events

    async def follow(self, after: int = 0) -> AsyncIterator[Event]:
        cursor = f"{after}-0"  # entries are read strictly after this id
        while True:
            await self._sent()
            entries, closed = await self._range(after, cursor)
            for entry_id, fields in entries:
                if "e" not in fields:
                    return
                event = self._seen(fields)
                after, cursor = event["seq"], entry_id
                yield event
            if entries or closed:
                if closed:
                    return
                continue
            await self.client.xread({self.key: cursor}, count=1, block=BLOCK_MS)  # wakes on the next entry

    async def wait_closed(self) -> None:
        await self._sent()
        while True:
            newest: Any = await self.client.xrevrange(self.key, "+", "-", count=1)  # [(id, fields)] or []
            if newest and "closed" in newest[0][1]:
                return
            cursor = newest[0][0] if newest else "0-0"
            await self.client.xread({self.key: cursor}, count=1, block=BLOCK_MS)

    async def _range(self, after: int, cursor: str) -> tuple[list[tuple[str, dict[str, str]]], bool]:
        """Up to ``BATCH`` entries after ``cursor``, and whether the log closed before ``cursor``;
        ``EventsTrimmed`` when some events after ``after`` were trimmed."""
        pipe = self.client.pipeline(transaction=True)
        pipe.xinfo_stream(self.key)
        pipe.xrange(self.key, f"({cursor}", "+", count=BATCH)
        info, entries = await pipe.execute(raise_on_error=False)
        if isinstance(entries, Exception):
            raise entries
        if isinstance(info, Exception):  # no such key: nothing appended yet
            return entries, False
        last = info.get("last-entry")
        trimmed = int(last[1].get("t", 0)) if last else 0
        if after < trimmed:
            first = info.get("first-entry")
            first_seq = _seq(first[0]) + (0 if "e" in first[1] else 1) if first else trimmed + 1
            raise EventsTrimmed(after, first_seq)
        # nothing after the cursor and the stream ends closed: the cursor is past it
        return entries, bool(not entries and last and "closed" in last[1])

    def _seen(self, fields: dict[str, str]) -> Event:
        event: Event = json.loads(fields["e"])
        self._last_seq = max(self._last_seq, event["seq"])
        return event


def _seq(entry_id: str) -> int:
    return int(entry_id.split("-", 1)[0])


class RedisEventLogs:
    """Event logs on Redis streams under ``prefix``: a producer creates one, any replica opens it by id."""

    shared = True

    def __init__(self, client: Redis, max_events: int = MAX_EVENTS, prefix: str = "loom:events:"):
        self.client = client
        self.max_events = max_events
        self.prefix = prefix

    def create(self, name: str) -> EventLog:
        return RedisEventLog(self.client, self.prefix + name, self.max_events)

    def open(self, name: str) -> EventLog | None:
        return RedisEventLog(self.client, self.prefix + name, self.max_events)
