"""One worker process's runtime: an asyncio event loop in a thread of its own, and the app's parts (store,
services, run manager on Redis, ownership heartbeat) opened in it as ``loom serve`` opens them.

Celery runs the tasks in a thread pool (``--pool threads``): each task thread hands its coroutine to this loop and
waits for it, so runs in flight on one worker share one loop, one database pool, one Redis client and the loaded
knowledge indexes, as in the API process. (A prefork pool would need one loop and one copy of everything per
child, and a SIGKILLed parent would leave children running; the engine's work is asynchronous I/O, and the
CPU-bound parts, parsing, embedding and the code sandbox, already run in threads or child processes.)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from modelhub.finetune.runner import FinetuneRunner
from server.settings import Settings
from server.state import AppState

T = TypeVar("T")


class WorkerRuntime:
    """The loop and the app state of one ``loom worker`` process."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="loom-worker-loop", daemon=True)
        self._thread.start()
        self.state: AppState = self.call(self._open())
        self._finetune: FinetuneRunner | None = None

    async def _open(self) -> AppState:
        from nodes.registry import CATALOG
        from server.services import build_services

        services = build_services(self.settings.data_dir)
        # Not open_services: re-attaching to model servers (and stopping half-started ones) is the API process's
        # job; a worker reaches deployed models through the registry as it finds them.
        state = AppState.open(self.settings, services, CATALOG, role="worker")
        await state.start()
        return state

    async def finetune_runner(self) -> FinetuneRunner:
        """This worker's fine-tuning runner (made on the first job): device slots, no recovery at start (the
        task redelivered for a job whose worker was lost settles it)."""
        if self._finetune is None:
            from server.db.datasets import DatasetStore
            from server.db.registry import RegistryHub, open_hub
            from server.finetune_runner import build_runner

            state = self.state
            hub = getattr(state.services.llm, "registry", None)
            if not isinstance(hub, RegistryHub):
                hub = open_hub(state.settings.data_dir)
            datasets = DatasetStore(state.store.engine, state.settings.data_dir / "datasets")
            _, _, runner = build_runner(state.store.engine, state.settings.data_dir, hub, datasets)
            await runner.start(recover=False)
            self._finetune = runner
        return self._finetune

    def call(self, work: Coroutine[Any, Any, T]) -> T:
        """Run ``work`` on the worker's loop and wait for its result (from a task's thread)."""
        return asyncio.run_coroutine_threadsafe(work, self.loop).result()

    def close(self) -> None:
        self.call(self._close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)

    async def _close(self) -> None:
        from server.services import close_services

        state = self.state
        if self._finetune is not None:
            await self._finetune.shutdown()  # a job in training ends failed, resumable from its checkpoint
        await state.jobs.shutdown()
        await asyncio.to_thread(state.runs.close)
        await state.stop()
        if state.runs.replicas is not None:
            await state.runs.replicas.close()
        await close_services(state.services)
        state.store.close()
