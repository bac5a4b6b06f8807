"""What the API process hands to the worker tier: tasks sent by name (the API never imports their bodies), and
which runs go to workers (``LOOM_TASKS``, ``LOOM_RUN_DISPATCH``)."""

from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio import Redis

from server.finetune_runner import CANCEL_PREFIX, CANCEL_TTL_S
from server.settings import Settings
from server.worker.celery_app import EVALUATE, FINETUNE, INGEST, RUN, celery_app


class Dispatch:
    """Sends tasks to ``loom worker`` processes through the Redis queue."""

    def __init__(self, settings: Settings, redis: Redis):
        self.app = celery_app(settings)
        self.redis = redis  # the API process's client (server.replicas)
        self.run_dispatch = settings.run_dispatch

    def takes(self, response_mode: str) -> bool:
        """Whether a run answered in ``response_mode`` goes to a worker: async ones always; blocking and
        streaming ones with ``LOOM_RUN_DISPATCH=worker`` (else they run here)."""
        return response_mode == "async" or self.run_dispatch == "worker"

    def send(self, name: str, *args: Any) -> None:
        """Queue task ``name`` (blocking: from a worker thread, or a synchronous route)."""
        self.app.send_task(name, args=list(args))

    async def run(self, run_id: str) -> None:
        await asyncio.to_thread(self.send, RUN, run_id)

    async def ingest(self, kb: str, document_ids: list[str]) -> None:
        await asyncio.to_thread(self.send, INGEST, kb, document_ids)

    def evaluate(self, run_id: str) -> None:
        self.send(EVALUATE, run_id)

    def finetune(self, job_id: str) -> None:
        self.send(FINETUNE, job_id)

    async def cancel_finetune(self, job_id: str) -> None:
        """Ask the worker training ``job_id`` to cancel it (its task looks every half second)."""
        await self.redis.set(CANCEL_PREFIX + job_id, "1", ex=CANCEL_TTL_S)

    def close(self) -> None:
        self.app.close()
