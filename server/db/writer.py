"""The run writer: one thread that records runs (rows and events), committing everything queued at that
moment in one transaction, so that under load many runs share a commit and the event loop never waits on
SQLite."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from dataclasses import dataclass

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
        try:
            self.store.write_runs([item.write for item in batch])
            outcomes = [(item, None) for item in batch]
        except Exception:
            # One bad write must not lose the others: retry them one by one and fail only the bad ones.
            outcomes = []
            for item in batch:
                try:
                    self.store.write_runs([item.write])
                    outcomes.append((item, None))
                except Exception as exc:
                    log.exception("could not record run %s", item.write.run_id)
                    outcomes.append((item, exc))
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[None], BaseException | None]]] = {}
        for item, exc in outcomes:
            if item.future is not None:
                by_loop.setdefault(item.future.get_loop(), []).append((item.future, exc))
        for loop, results in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle, results)
            except RuntimeError:  # the loop has closed: nobody is waiting any more
                pass


def _settle(results: list[tuple[asyncio.Future[None], BaseException | None]]) -> None:
    for future, exc in results:
        if future.done():
            continue
        if exc is None:
            future.set_result(None)
        else:
            future.set_exception(exc)
