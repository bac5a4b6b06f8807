"""The Celery app of the worker tier, built from the settings; the API process uses it to send tasks and ``loom
worker`` to run them."""

from __future__ import annotations

from celery import Celery

from server.settings import Settings

RUN, INGEST, EVALUATE, FINETUNE = "loom.run", "loom.ingest", "loom.evaluate", "loom.finetune"
QUEUES = {RUN: "runs", INGEST: "ingestion", EVALUATE: "evaluation", FINETUNE: "finetune"}


def celery_app(settings: Settings) -> Celery:
    """A Celery app on ``settings.redis_url``. Reliability: a task is acknowledged after it has run (acks-late),
    so a worker that dies mid-task leaves it unacknowledged and Redis hands it to another worker once the
    visibility timeout (``LOOM_TASK_VISIBILITY_TIMEOUT_S``) has passed; each worker thread reserves one task at a
    time, so a lost worker takes no queued tasks with it beyond the ones it was running."""
    if not settings.redis_url:
        raise ValueError("the worker tier needs LOOM_REDIS_URL (its queue)")
    app = Celery("loom", broker=settings.redis_url, set_as_current=False)
    timeout = settings.task_visibility_timeout_s
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,  # outcomes are in the database (runs, documents, evaluation runs)
        task_serializer="json", accept_content=["json"],
        task_default_queue=QUEUES[RUN],
        task_routes={name: {"queue": queue} for name, queue in QUEUES.items()},
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": timeout,
            # look for tasks past their visibility timeout often enough that one is redelivered within ~1.25×
            "unacked_restore_interval": max(1, min(10, int(timeout / 4))), "unacked_restore_throttle": 1,
        },
        worker_send_task_events=False,
        worker_enable_remote_control=False,  # no pidbox queues in Redis: nothing here uses them
    )
    return app
