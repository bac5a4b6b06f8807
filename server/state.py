"""What one running app holds: settings, store, services, runs, jobs and metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.graph import Graph, validate
from engine.spec import NodeSpec
from server import datadir
from server.db.store import Store
from server.files import FileStore
from server.jobs import Jobs
from server.metrics import Metrics
from server.runs import RunManager
from server.settings import Settings

if TYPE_CHECKING:  # importing the services loads every implementation; the state only holds them
    from server.agents.chat import LiveTurn
    from server.services import ServerServices
    from server.worker.dispatch import Dispatch


@dataclass
class AppState:
    """The app's long-lived parts, built on start-up and closed on shutdown."""

    settings: Settings
    store: Store
    services: ServerServices
    catalog: Mapping[str, NodeSpec]
    jobs: Jobs
    metrics: Metrics
    runs: RunManager
    files: FileStore  # the uploads, also the services' file reader
    graphs: dict[tuple[str, int], Graph] = field(default_factory=dict)  # validated published versions
    turns: dict[str, LiveTurn] = field(default_factory=dict)  # agent turns running or finished lately, by id
    ingestion: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))  # one document at a time
    dispatch: Dispatch | None = None  # LOOM_TASKS=celery: async runs and jobs are tasks for `loom worker`

    @classmethod
    def open(cls, settings: Settings, services: ServerServices, catalog: Mapping[str, NodeSpec],
             role: str = "api") -> AppState:
        """Open the app's parts (``role``: api for ``loom serve``, worker for ``loom worker``); then ``await
        start()`` in the event loop."""
        datadir.prepare(settings.data_dir)
        store = Store(settings.database_url)
        store.migrate()
        if not settings.redis_url:  # one process: every run left running was its previous life's
            store.mark_interrupted()
        if role == "api":  # chat turns run in API processes only
            store.interrupt_messages()
        if (settings.tasks == "celery" or role == "worker") and services.knowledge is not None:
            services.knowledge.recover_on_open = False  # workers ingest; a lost one's task is redelivered
        if services.files is None:
            services.files = FileStore(settings.data_dir)
        services.files.max_bytes = settings.max_upload_bytes
        jobs, metrics = Jobs(), Metrics()
        replicas = None
        if settings.redis_url:
            from server.replicas import Replicas

            replicas = Replicas.from_url(settings.redis_url)
        runs = RunManager(store, services, metrics, jobs, settings.run_limits(), replicas=replicas)
        if replicas is not None:  # several processes: only the runs of processes that are gone are ended
            from server.ownership import Ownership

            runs.own(Ownership(replicas.client, store, role, settings.owner_lease_s))
        state = cls(settings, store, services, catalog, jobs, metrics, runs, services.files)
        if settings.tasks == "celery" and role == "api" and replicas is not None:
            from server.worker.dispatch import Dispatch

            state.dispatch = runs.dispatch = Dispatch(settings, replicas.client)
        return state

    async def start(self) -> None:
        """Start what runs in the background of the event loop: the heartbeat and sweeper of run ownership
        (which first ends the runs left running by processes that are gone)."""
        if self.runs.ownership is not None:
            await self.runs.ownership.start()

    async def stop(self) -> None:
        if self.runs.ownership is not None:
            await self.runs.ownership.close()
        if self.dispatch is not None:
            self.dispatch.close()

    def compile(self, definition: dict[str, Any], version: tuple[str, int] | None = None) -> Graph:
        """Validate a definition for running (raises the engine's DefinitionError → 422). Published versions are
        immutable, so their graphs are validated once and kept (``version`` = (workflow_id, number))."""
        if version is None:
            return validate(definition, self.catalog, self.services)
        graph = self.graphs.get(version)
        if graph is None:
            graph = self.graphs[version] = validate(definition, self.catalog, self.services)
        return graph
