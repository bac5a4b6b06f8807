"""The run writer: one thread that records runs (rows and events), committing everything queued at that
moment in one transaction, so that under load many runs share a commit and the event loop never waits on
SQLite."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from dataclasses import dataclass, replace

from server.db.store import RunWrite, Store

log = logging.getLogger(__name__)
MAX_BATCH = 500


@dataclass
class _Item:
    write: RunWrite
    future: asyncio.Future[None] | None = None


class RunWriter:
    """Queues run writes and applies them in order from its own thread; ``close()`` drains the queue."""

    def __init__(self, store: Store):
        self.store = store
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        # Runs whose row this thread has committed and whose end it has not: their end is an update of the
        # ended columns, not an upsert that encodes and binds the whole row (its definition) a second time.
        self._started: set[str] = set()
        self._thread = threading.Thread(target=self._loop, name="loom-run-writer", daemon=True)
        self._thread.start()

    def put(self, write: RunWrite) -> None:
        """Queue a write without waiting for it (a failure is logged)."""
        self._queue.put(_Item(write))

    def write(self, write: RunWrite) -> asyncio.Future[None]:
        """Queue a write; the future is done once it has committed (or failed with the error)."""
        future = asyncio.get_running_loop().create_future()
        self._queue.put(_Item(write, future))
        return future

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _loop(self) -> None:
        while True:
            batch, stop = [], False
            item = self._queue.get()
            while item is not None:
                batch.append(item)
                if len(batch) >= MAX_BATCH:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            else:
                stop = True
            if batch:
                self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[_Item]) -> None:
        writes = [self._slim(item.write) for item in batch]
        try:
            self.store.write_runs(writes)
            outcomes: list[tuple[_Item, Exception | None]] = [(item, None) for item in batch]
            for write in writes:
                self._committed(write)
        except Exception:
            # One bad write must not lose the others: retry them one by one and fail only the bad ones.
            outcomes = []
            for item, write in zip(batch, writes, strict=True):
                try:
                    self.store.write_runs([write])
                    outcomes.append((item, None))
                    self._committed(write)
                except Exception as exc:
                    log.exception("could not record run %s", item.write.run_id)
                    outcomes.append((item, exc))
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[None], BaseException | None]]] = {}
        for item, error in outcomes:
            if item.future is not None:
                by_loop.setdefault(item.future.get_loop(), []).append((item.future, error))
        for loop, results in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle, results)
            except RuntimeError:  # the loop has closed: nobody is waiting any more
                pass

    def _slim(self, write: RunWrite) -> RunWrite:
        """A run's end without its row when the row is already recorded."""
        if write.final is not None and write.row is not None and write.run_id in self._started:
            return replace(write, row=None)
        return write

    def _committed(self, write: RunWrite) -> None:
        if write.final is not None:
            self._started.discard(write.run_id)
        elif write.row is not None:
            self._started.add(write.run_id)


def _settle(results: list[tuple[asyncio.Future[None], BaseException | None]]) -> None:
    for future, exc in results:
        if future.done():
            continue
        if exc is None:
            future.set_result(None)
        else:
            future.set_exception(exc)
