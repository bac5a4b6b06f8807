"""A small read-through cache for rows read on every public request (API keys, newest published versions).

Writes in this process invalidate at once; a generation counter keeps a read that raced with an
invalidation from putting a stale row back. Entries also expire after ``ttl_s``, so a change made by
another process sharing the database (scale-out) is seen within that time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class RowCache(Generic[V]):
    """Rows by key, filled by ``get(key, load)`` and dropped by ``invalidate``."""

    def __init__(self, ttl_s: float = 30.0, max_entries: int = 10_000):
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._rows: dict[Hashable, tuple[float, V]] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def peek(self, key: Hashable) -> V | None:
        """The cached row, or None when absent or expired (never touches the database)."""
        entry = self._rows.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def get(self, key: Hashable, load: Callable[[], V | None]) -> V | None:
        """The cached row, else ``load()``'s (cached when not None)."""
        row = self.peek(key)
        if row is not None:
            return row
        generation = self._generation
        row = load()
        if row is not None:
            with self._lock:
                if generation == self._generation:  # no invalidation happened while we read
                    if len(self._rows) >= self.max_entries:
                        self._rows.clear()
                    self._rows[key] = (time.monotonic() + self.ttl_s, row)
        return row

    def invalidate(self, match: Callable[[Hashable, V], bool] | None = None) -> None:
        """Drop the entries ``match`` selects (all when None); call after the change has committed."""
        with self._lock:
            self._generation += 1
            if match is None:
                self._rows.clear()
            else:
                for key in [k for k, (_, row) in self._rows.items() if match(k, row)]:
                    del self._rows[key]
