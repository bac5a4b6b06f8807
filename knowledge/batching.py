"""Group commit for ingestion: requests that arrive while a batch runs are run together as the next batch.

One batch runs at a time (embedding already uses every core). Each request queues under its key (a KB);
the thread that next gets to run takes every request queued for its key and runs them as one batch, so N
one-document uploads arriving together cost one embedding batch, one parse pool and one index save, not N.
A request that another thread has taken waits for that batch and gets its own share of the results.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass
class _Request(Generic[Item, Result]):
    items: list[Item]
    progress: Callable[[float], None] | None
    done: threading.Event = field(default_factory=threading.Event)
    results: list[Result] | None = None
    error: BaseException | None = None


class Coalescer(Generic[Item, Result]):
    """``run(key, items, progress)`` returns one result per item, in order; ``submit`` batches concurrent calls."""

    def __init__(self, run: Callable[[str, list[Item], Callable[[float], None]], list[Result]]):
        self._run = run
        self._queues: dict[str, list[_Request[Item, Result]]] = {}
        self._guard = threading.Lock()
        self._running = threading.Lock()
        self.batches = 0  # batches run so far (for tests and benchmarks)

    def pending(self, key: str) -> int:
        """Requests queued for ``key`` and not yet taken by a batch."""
        with self._guard:
            return len(self._queues.get(key, ()))

    def submit(self, key: str, items: list[Item], progress: Callable[[float], None] | None = None) -> list[Result]:
        request: _Request[Item, Result] = _Request(list(items), progress)
        with self._guard:
            self._queues.setdefault(key, []).append(request)
        with self._running:
            with self._guard:
                batch = self._queues.pop(key, [])
            if batch:
                self._run_batch(key, batch)
        request.done.wait()  # set already, unless another thread's batch took this request
        if request.error is not None:
            raise request.error
        assert request.results is not None
        return request.results

    def _run_batch(self, key: str, batch: list[_Request[Item, Result]]) -> None:
        def progress(fraction: float) -> None:
            for request in batch:
                if request.progress is not None:
                    request.progress(fraction)

        self.batches += 1
        try:
            results = self._run(key, [item for request in batch for item in request.items], progress)
            start = 0
            for request in batch:
                request.results = results[start:start + len(request.items)]
                start += len(request.items)
        except BaseException as exc:  # every waiting request learns of it, not only this thread
            for request in batch:
                request.error = exc
        finally:
            for request in batch:
                request.done.set()
