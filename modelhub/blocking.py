"""Blocking calls into the async gateway, for code that runs in worker threads (knowledge ingestion, search).

The calls run on one event loop of their own in a daemon thread, so a caller on any thread (with or without
a running loop) waits for the answer without blocking a loop it does not own. It is the same ``Gateway``:
the same resolution, deadline, retries and error mapping, with an HTTP client for that loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from modelhub import embeddings, rerank_client
from modelhub.gateway import Gateway, ModelError

T = TypeVar("T")


class BlockingModels:
    """``embed`` and ``rerank`` of ``gateway``, callable from threads."""

    def __init__(self, gateway: Gateway):
        self.gateway = gateway
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, name="model-calls", daemon=True).start()
            loop = self._loop
        return asyncio.run_coroutine_threadsafe(coro, loop).result()

    def embed(self, name: str, texts: list[str]) -> list[list[float]]:
        return self._run(embeddings.embed(self.gateway, name, texts))

    def rerank(self, name: str, query: str, documents: list[str]) -> list[float]:
        return self._run(rerank_client.rerank(self.gateway, name, query, documents))

    def task_of(self, name: str) -> str | None:
        """The task of the model ``name`` resolves to among endpoints; None when it is no endpoint known now."""
        if not self.gateway.has_model(name):
            return None
        try:
            return self.gateway.resolve(name).task
        except ModelError:  # known but not servable (a base model not deployed): not an endpoint to call
            return None

    def close(self) -> None:
        with self._lock:
            loop, self._loop = self._loop, None
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(loop.stop)
