"""``loom worker``: a Celery worker of the worker tier (``LOOM_TASKS=celery``), on the Redis queue of
``LOOM_REDIS_URL``."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Annotated

import typer

from server.cli.common import DataDir, fail
from server.services import data_dir_from

QUEUES = "runs,ingestion,evaluation,finetune"


def worker(concurrency: Annotated[int, typer.Option(min=1, help="Tasks run at once (threads)")] = 8,
           queues: Annotated[str, typer.Option(help="Comma-separated queues to take tasks from")] = QUEUES,
           loglevel: Annotated[str, typer.Option(help="Log level")] = "info",
           data_dir: DataDir = None) -> None:
    """Run async and published-API runs, document ingestion and evaluation runs queued by `loom serve` with
    LOOM_TASKS=celery. Needs the same LOOM_REDIS_URL, LOOM_DATABASE_URL and data directory as the API."""
    from server.settings import load_settings

    overrides = {}
    directory = data_dir_from(data_dir)
    if directory is not None:
        overrides["data_dir"] = Path(directory)
    settings = load_settings(**overrides)
    if not settings.redis_url:
        raise fail("loom worker needs LOOM_REDIS_URL (the queue it takes tasks from)", 2)
    wanted = [q.strip() for q in queues.split(",") if q.strip()]
    known = QUEUES.split(",")
    unknown = [q for q in wanted if q not in known]
    if unknown or not wanted:
        raise fail(f"--queues: unknown queue(s) {', '.join(unknown) or '(none given)'}; the queues are "
                   f"{', '.join(known)}", 2)
    os.umask(0o077)  # as loom serve: what it writes is its user's alone

    from server.worker.celery_app import celery_app
    from server.worker.runtime import WorkerRuntime
    from server.worker.tasks import register

    app = celery_app(settings)
    runtime = WorkerRuntime(settings)
    register(app, runtime)
    node = app.Worker(pool="threads", concurrency=concurrency, queues=wanted, loglevel=loglevel.upper(),
                      hostname=f"loom@{socket.gethostname()}.{os.getpid()}", quiet=True,
                      without_mingle=True, without_gossip=True, without_heartbeat=True)
    try:
        node.start()
    finally:
        runtime.close()
    raise typer.Exit(node.exitcode or 0)
