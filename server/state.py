"""What one running app holds: settings, store, services, runs, jobs and metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.graph import Graph
from engine.spec import NodeSpec, Services
from server import datadir
from server.db.store import Store
from server.jobs import Jobs
from server.metrics import Metrics
from server.runs import RunManager
from server.settings import Settings


@dataclass
class AppState:
    """The app's long-lived parts, built on start-up and closed on shutdown."""

    settings: Settings
    store: Store
    services: Services
    catalog: Mapping[str, NodeSpec]
    jobs: Jobs
    metrics: Metrics
    runs: RunManager
    graphs: dict[tuple[str, int], Graph] = field(default_factory=dict)  # validated published versions
    ingestion: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))  # one document at a time

    @classmethod
    def open(cls, settings: Settings, services: Services, catalog: Mapping[str, NodeSpec]) -> AppState:
        datadir.prepare(settings.data_dir)
        store = Store(settings.database_url)
        store.migrate()
        store.mark_interrupted()
        store.interrupt_messages()
        jobs, metrics = Jobs(), Metrics()
        runs = RunManager(store, services, metrics, jobs, settings.run_limits())
        return cls(settings, store, services, catalog, jobs, metrics, runs)
