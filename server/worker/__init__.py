"""The worker tier (``LOOM_TASKS=celery``): Celery on Redis runs async runs, document ingestion and evaluation
runs in ``loom worker`` processes instead of the API process.

* ``celery_app``: the Celery app built from the settings (broker ``LOOM_REDIS_URL``, acks-late, one task
  prefetched per worker thread, the visibility timeout after which a lost worker's task is handed to another).
* ``dispatch``: what the API process sends (by task name; it never imports the task bodies).
* ``runtime``: one per worker process: an asyncio loop in a thread and the app's parts, opened as the API opens
  them; the tasks run the same domain code as the API process does inline.
* ``tasks``: the tasks, each idempotent (a task redelivered for work already done or being done is a no-op).
"""
