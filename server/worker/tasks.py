"""The worker tier's tasks, registered on the Celery app by name; each runs its job on the process's runtime."""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery, Task

from server.worker import jobs
from server.worker.celery_app import EVALUATE, FINETUNE, INGEST, RUN
from server.worker.runtime import WorkerRuntime

log = logging.getLogger("server.worker")
BUSY_RETRY_S = 1.0  # a knowledge base another worker is ingesting into: look again after this


def register(app: Celery, runtime: WorkerRuntime) -> None:
    """Register the tasks on ``app``, running on ``runtime``."""

    @app.task(name=RUN)
    def run(run_id: str) -> None:
        log.info("run %s: %s", run_id, runtime.call(jobs.execute_run(runtime.state, run_id)))

    @app.task(name=INGEST, bind=True, max_retries=None)
    def ingest(task: Task[Any, Any], kb: str, document_ids: list[str]) -> None:
        outcome = runtime.call(jobs.ingest(runtime.state, kb, document_ids))
        if outcome is None:
            raise task.retry(countdown=BUSY_RETRY_S)
        log.info("ingestion into %s: %s", kb, outcome)

    @app.task(name=FINETUNE)
    def finetune(job_id: str) -> None:
        async def train() -> str:
            return await jobs.finetune(runtime.state, await runtime.finetune_runner(), job_id)
        log.info("fine-tuning job %s: %s", job_id, runtime.call(train()))

    @app.task(name=EVALUATE)
    def evaluate(run_id: str) -> None:
        log.info("evaluation run %s: %s", run_id, runtime.call(jobs.evaluate(runtime.state, run_id)))
