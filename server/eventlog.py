"""Event logs: one run's or one agent turn's events in ``seq`` order, appended by its producer and read by any
number of followers, live or after a reconnect.

``EventLog`` is the seam: the server keeps logs in memory (``MemoryEventLog``); scale-out backs the same
Protocol with Redis streams so that any API replica can follow any run. Every implementation passes the contract
tests in tests/server/test_eventlog.py.

Writes are synchronous (a producer never waits for its readers); reads are asynchronous. A log keeps at most a
bounded number of events: a reader asking for events it no longer holds gets ``EventsTrimmed`` and reads them
from the persisted history (the run writer's), which the owner keeps ahead of the bound.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_right
from collections.abc import AsyncIterator
from typing import Any, Protocol

Event = dict[str, Any]  # a JSON object with an int "seq"
MAX_EVENTS = 10_000


class EventLogError(Exception):
    """Root of the event log's errors."""


class EventsTrimmed(EventLogError):
    """The events after ``after`` start before what the log still holds (``first_seq``)."""

    def __init__(self, after: int, first_seq: int):
        super().__init__(f"events after seq {after} are no longer held in memory (it starts at seq {first_seq})")
        self.after = after
        self.first_seq = first_seq


class LogClosed(EventLogError):
    """An append to a log that has been closed."""


class EventLog(Protocol):
    """One stream of events with strictly increasing ``seq``: append, close, replay after a seq, follow."""

    @property
    def last_seq(self) -> int:
        """The seq of the newest event appended; 0 before the first."""
        ...

    def append(self, event: Event) -> None:
        """Add ``event`` (its ``seq`` above ``last_seq``, else ValueError) and wake the followers."""
        ...

    def close(self) -> None:
        """Mark the stream complete: followers finish after its last event. Closing again does nothing."""
        ...

    async def read(self, after: int = 0) -> list[Event]:
        """The events held now with ``seq > after`` (``EventsTrimmed`` when some of them are no longer held)."""
        ...

    def follow(self, after: int = 0) -> AsyncIterator[Event]:
        """The events with ``seq > after``, held ones first, then each as it is appended, until the log closes."""
        ...

    async def wait_closed(self) -> None:
        """Return once the log is closed."""
        ...

    async def flush(self) -> None:
        """Return once what was appended is where readers see it (at once for a log in memory)."""
        ...


class MemoryEventLog:
    """An ``EventLog`` in this process's memory, holding at most ``max_events`` events.

    When full it drops its oldest quarter at once (like Redis' approximate ``MAXLEN ~``), so an append stays
    O(1) amortised; it then holds between three quarters of ``max_events`` and all of them.
    """

    def __init__(self, max_events: int = MAX_EVENTS):
        if max_events < 1:
            raise ValueError("max_events must be at least 1")
        self.max_events = max_events
        self._events: list[Event] = []
        self._seqs: list[int] = []
        self._dropped = 0  # events dropped from the front: a follower's position counts them too
        self._last_dropped = 0  # the seq of the newest dropped event
        self._closed = asyncio.Event()
        # Set (and dropped) at the next append or close; made only when a follower waits, since most logs (a
        # blocking run's) have none and an Event per append cost more than the append.
        self._changed: asyncio.Event | None = None

    @property
    def last_seq(self) -> int:
        return self._seqs[-1] if self._seqs else self._last_dropped

    @property
    def first_seq(self) -> int:
        """The seq of the oldest event held (``last_seq + 1`` when none is)."""
        return self._seqs[0] if self._seqs else self.last_seq + 1

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def append(self, event: Event) -> None:
        if self._closed.is_set():
            raise LogClosed("the log is closed")
        seq = event["seq"]
        if not isinstance(seq, int) or seq <= self.last_seq:
            raise ValueError(f"seq {seq!r} does not follow seq {self.last_seq}")
        if len(self._events) >= self.max_events:
            drop = max(1, self.max_events // 4)
            self._last_dropped = self._seqs[drop - 1]
            del self._events[:drop], self._seqs[:drop]
            self._dropped += drop
        self._events.append(event)
        self._seqs.append(seq)
        self._wake()

    def close(self) -> None:
        self._closed.set()
        self._wake()

    async def read(self, after: int = 0) -> list[Event]:
        return self._events[self._index(after) - self._dropped:]

    async def follow(self, after: int = 0) -> AsyncIterator[Event]:
        position = self._index(after)  # counts dropped events, so it stays valid when the front is dropped
        while True:
            changed = self._changed
            if changed is None:
                changed = self._changed = asyncio.Event()
            while position < self._dropped + len(self._events):
                if position < self._dropped:  # this follower fell behind the bound
                    raise EventsTrimmed(after, self.first_seq)
                event = self._events[position - self._dropped]
                position += 1
                if event["seq"] > after:  # false for events appended after a follow that began before them
                    after = event["seq"]
                    yield event
            if self._closed.is_set():
                return
            await changed.wait()

    async def wait_closed(self) -> None:
        await self._closed.wait()

    async def flush(self) -> None:
        return None

    def _wake(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    def _index(self, after: int) -> int:
        """The position (dropped events included) of the first event with ``seq > after``."""
        if self._dropped and after < self._last_dropped:
            raise EventsTrimmed(after, self.first_seq)
        return self._dropped + bisect_right(self._seqs, after)


class EventLogs(Protocol):
    """Where a server's logs live: ``create`` makes the log a producer appends to; ``open`` reads one that another
    process produces (None where logs are not shared between processes)."""

    shared: bool

    def create(self, name: str) -> EventLog: ...

    def open(self, name: str) -> EventLog | None: ...


class MemoryEventLogs:
    """Logs in this process's memory (the embedded server): nothing is shared."""

    shared = False

    def __init__(self, max_events: int = MAX_EVENTS):
        self.max_events = max_events

    def create(self, name: str) -> EventLog:
        return MemoryEventLog(self.max_events)

    def open(self, name: str) -> EventLog | None:
        return None
