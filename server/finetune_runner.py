"""The fine-tuning runner over the server's stores, built the same way by the API process and by ``loom worker``.

Inline (``LOOM_TASKS=inline``) the API process's runner trains the jobs itself. With workers, the API process's
runner stores and checks jobs and hands each queued one to the worker tier (``on_queued``); the runner of the worker
that takes the task trains it in its own device slots. A cancel of a job that a worker trains goes through Redis
(``loom:cancel:finetune:<job id>``), which the worker's task watches.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine

from modelhub.finetune.runner import FinetuneRunner
from server.db.datasets import DatasetStore
from server.db.finetune import AdapterRegistrar, FinetuneJobs, TrainingSources
from server.db.registry import Registry, RegistryHub

CANCEL_PREFIX = "loom:cancel:finetune:"
CANCEL_TTL_S = 3600


def build_runner(engine: Engine, data_dir: Path, hub: RegistryHub, datasets: DatasetStore,
                 on_queued: Callable[[str], None] | None = None) -> tuple[FinetuneJobs, TrainingSources,
                                                                          FinetuneRunner]:
    registry = hub.registry
    if not isinstance(registry, Registry):  # the server's hub is always over its registry
        raise TypeError("the model hub is not over the server's registry")
    jobs = FinetuneJobs(engine)
    sources = TrainingSources(datasets, registry)
    runner = FinetuneRunner(jobs, sources, AdapterRegistrar(registry, on_change=hub.invalidate),
                            data_dir / "finetune", on_queued=on_queued)
    return jobs, sources, runner
