"""Run orchestration: start runs as background jobs, record their events, fan them out live to any number of
subscribers (SSE), replay from a ``seq``, stop, and plan a resume from an earlier run.

A live run's events are in its event log (server.eventlog), which holds its newest ``max_events``. The run
writer records the run's row when it starts, its events every ``FLUSH_S`` seconds for long runs (and before
the log could drop them), and the rest with the result when it finishes; under load many runs share one
transaction. Until its end is recorded, a run is answered from memory, older events from the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from engine.graph import Graph
from engine.models import NodeDef
from engine.runner import ReusedNode, Run, RunLimits
from engine.spec import Services
from server.db.models import RunRow
from server.db.store import RunWrite, Store, new_id, new_run_row
from server.db.writer import RunWriter
from server.errors import ConflictError, TooManyRunsError
from server.eventlog import MAX_EVENTS, EventLog, EventLogs, EventsTrimmed, MemoryEventLogs
from server.jobs import Jobs
from server.metrics import Metrics
from server.rate_limits import LocalRateLimit, RateLimit

if TYPE_CHECKING:  # importing the services loads every implementation; the manager only holds them
    from server.ownership import Ownership
    from server.replicas import Replicas
    from server.services import ServerServices
    from server.worker.dispatch import Dispatch

log = logging.getLogger(__name__)
FLUSH_S = 1.0
FINISHED = ("succeeded", "failed", "stopped", "interrupted")
OnFinish = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class RunRequest:
    """What to run and where it came from."""

    workflow_id: str
    graph: Graph
    definition: dict[str, Any]
    inputs: dict[str, Any]
    source: str = "console"  # console | api | chat
    version: int | None = None
    sys: dict[str, Any] = field(default_factory=dict)
    reuse: dict[str, ReusedNode] = field(default_factory=dict)
    resumed_from: str | None = None
    on_finish: OnFinish | None = None  # called with the run_finished event once it is recorded
    max_in_flight: int | None = None  # per-app limit (public API); None: unlimited
    max_per_minute: int | None = None  # per-app rate limit (public API); None: unlimited
    files_owner: str | None = None  # the app whose uploaded files the run may read; None: any (console)
    conversation: dict[str, Any] | None = None  # a chat conversation's stored conversation-variable values


class LiveRun:
    """A run in flight: its row, its engine run and its event log."""

    def __init__(self, row: dict[str, Any], engine_run: Run, log: EventLog):
        self.row = row  # the run's columns as recorded at its start
        self.run_id: str = row["id"]
        self.workflow_id: str = row["workflow_id"]
        self.engine_run = engine_run
        self.log = log
        self.final: dict[str, Any] | None = None  # the run_finished event, once appended
        self.lost: str | None = None  # why this process no longer drives the run (another one ended it)
        self.stop_requested = False
        self._cancelled = False

    def cancel(self) -> None:
        """Stop the engine run, once: cancelling it again would interrupt its clean-up and lose its end."""
        if not self._cancelled:
            self._cancelled = True
            self.engine_run.cancel()


class RunManager:
    """Starts runs in the background and answers for runs in flight."""

    def __init__(self, store: Store, services: ServerServices, metrics: Metrics, jobs: Jobs, limits: RunLimits,
                 max_events: int = MAX_EVENTS, replicas: Replicas | None = None):
        self.store = store
        self.services = services
        self.metrics = metrics
        self.jobs = jobs
        self.limits = limits
        self.max_events = max_events  # per live run; older events are read back from the store
        self.live: dict[str, LiveRun] = {}
        self._in_flight: dict[str, int] = {}  # live runs per workflow: the per-app limit's count, kept as they come
        self.writer = RunWriter(store)
        # With LOOM_REDIS_URL, logs, stops and per-app slots are shared with the other API replicas.
        self.replicas = replicas
        self.logs: EventLogs = replicas.logs if replicas is not None else MemoryEventLogs(max_events)
        self.rate: RateLimit = replicas.rate if replicas is not None else LocalRateLimit()
        # With Redis, each run records the process driving it, and runs of processes that are gone are ended.
        self.ownership: Ownership | None = None
        self.dispatch: Dispatch | None = None  # LOOM_TASKS=celery: runs that workers drive are queued for them

    def own(self, ownership: Ownership) -> None:
        """Record this process as the owner of the runs it drives, and stop driving those another process ends."""
        self.ownership = ownership
        ownership.driving = lambda: [run_id for run_id, live in self.live.items() if live.final is None]
        ownership.on_lost = self._row_lost

    def _row_lost(self, run_id: str, why: str) -> None:
        """The run's row says it has ended or is no longer this process's: lost, unless this process has ended
        it itself (its end had reached the row when it was read)."""
        live = self.live.get(run_id)
        if live is not None and live.final is None:
            self.lose(run_id, why)

    def lose(self, run_id: str, why: str) -> None:
        """Stop driving a run that another process has ended (its sweeper took this one for lost): cancel the
        engine run and write nothing more of it, its end is the other process's."""
        live = self.live.get(run_id)
        if live is None or live.lost is not None:
            return
        live.lost = why  # also when its end is being written: the write is refused (server.db.store)
        log.warning("run %s: %s; this process stops driving it", run_id, why)
        live.cancel()

    def close(self) -> None:
        """Record what is still queued (call after the jobs have stopped)."""
        self.writer.close()

    def in_flight(self, workflow_id: str) -> int:
        """How many of the workflow's runs are live (started, their end not yet recorded)."""
        return self._in_flight.get(workflow_id, 0)

    async def start(self, request: RunRequest, run_id: str | None = None) -> LiveRun:
        """Start a run in this process. ``run_id``: a run already recorded and admitted (its rate and slot
        checked) by the API process that queued it, which this process (a worker) drives now."""
        if self.replicas is not None:
            self.replicas.listen(self._stop_here)
        if run_id is None:
            run_id = new_id()
            await self._admit(request, run_id)
        elif self.replicas is not None:
            await self.replicas.adopt_slot(request.workflow_id, run_id)
        sys_values = _given(request.sys)
        services: Services = self.services
        if request.files_owner is not None and self.services.files is not None:
            services = replace(services, files=self.services.files.scoped(request.files_owner))
        engine_run = Run(request.graph, request.inputs, services, run_id=run_id, sys=sys_values,
                         limits=self.limits, reuse=request.reuse, resumed_from=request.resumed_from,
                         conversation=request.conversation)
        row = self._row(request, run_id, "running", sys_values)
        live = LiveRun(row, engine_run, self.logs.create(run_id))
        if hasattr(live.log, "on_fenced"):  # a shared log that another process's sweeper may end
            live.log.on_fenced = lambda: self.lose(run_id, "its event stream was ended by another process")
        self.live[run_id] = live
        self._in_flight[request.workflow_id] = self._in_flight.get(request.workflow_id, 0) + 1
        self.writer.put(RunWrite(run_id, row=row))
        self.metrics.runs_in_flight.inc()
        self.jobs.submit(self._drive(live, request), name=f"run-{run_id}")
        return live

    async def enqueue(self, request: RunRequest, send: Callable[[str], Awaitable[None]]) -> str:
        """Record a run as ``queued`` (admitted: its rate and slot checked here) and hand its id to ``send``
        (the worker tier's queue); a worker drives it and any replica follows it through the shared event log."""
        run_id = new_id()
        await self._admit(request, run_id)
        row = self._row(request, run_id, "queued", _given(request.sys))
        row["owner"] = None
        await self.writer.write(RunWrite(run_id, row=row))
        if self.replicas is not None:
            await self.replicas.hand_over_slot(run_id)  # the worker that claims the run renews and frees it
        try:
            await send(run_id)
        except Exception as exc:
            final = {"type": "run_finished", "run_id": run_id, "seq": 1, "ts": time.time(), "status": "failed",
                     "outputs": {}, "error": f"could not queue the run for a worker: {type(exc).__name__}: {exc}",
                     "failed_node": None, "elapsed_ms": 0.0, "usage": {}, "node_executions": 0}
            await self.writer.write(RunWrite(run_id, final=final, events=[final]))
            raise
        return run_id

    def dispatches(self, request: RunRequest, response_mode: str) -> bool:
        """Whether a worker drives this run (``LOOM_TASKS=celery``, and ``LOOM_RUN_DISPATCH`` for blocking and
        streaming runs): only one rebuilt from its row alone (not a chat turn, whose conversation and after-run
        hook live in the API process)."""
        return (self.dispatch is not None and self.dispatch.takes(response_mode) and request.on_finish is None
                and request.conversation is None)

    async def final(self, run_id: str) -> dict[str, Any]:
        """A run's run_finished event, once it has one (followed through the shared event log)."""
        async for event in self.events(run_id):
            if event.get("type") == "run_finished":
                return event
        raise ConflictError(f"run '{run_id}' ended without a result")

    async def _admit(self, request: RunRequest, run_id: str) -> None:
        """Refuse (429) a run over its app's rate or concurrency limit; else it holds one of the app's slots."""
        if request.max_per_minute is not None:
            wait = await self.rate.hit(request.workflow_id, request.max_per_minute)
            if wait is not None:
                raise TooManyRunsError(f"this app may start {request.max_per_minute} runs a minute; "
                                       f"retry in {wait:.0f} s")
        if request.max_in_flight is not None and not await self._take_slot(request, run_id):
            raise TooManyRunsError(f"this app already has {request.max_in_flight} runs in flight; "
                                   "retry when one has finished")

    def _row(self, request: RunRequest, run_id: str, status: str, sys_values: dict[str, Any]) -> dict[str, Any]:
        return new_run_row(id=run_id, workflow_id=request.workflow_id, version=request.version,
                           source=request.source, definition=request.definition, inputs=request.inputs,
                           sys=sys_values, resumed_from=request.resumed_from, status=status,
                           conversation_id=sys_values.get("conversation_id"), user=sys_values.get("user"),
                           owner=self.ownership.owner if self.ownership is not None else None)

    async def get(self, run_id: str) -> RunRow:
        """A run's row: from memory while it is live (its end may not be written yet), else from the store."""
        live = self.live.get(run_id)
        if live is not None:
            # A finished run whose end is still being written reads as finished.
            final: dict[str, Any] = live.final or {}
            values: dict[str, Any] = {**live.row, **{k: final[k] for k in ("status", "outputs", "error") if k in final}}
            return RunRow(**values)
        return await asyncio.to_thread(self.store.get_run, run_id)

    async def _drive(self, live: LiveRun, request: RunRequest) -> None:
        # Events go to the log at once and to the writer in batches: every FLUSH_S seconds for long runs, and
        # always before the log could drop them (it drops its oldest quarter when full).
        pending: list[dict[str, Any]] = []
        last_flush, flush_count = time.monotonic(), max(1, self.max_events // 4)
        try:
            # aclosing: when this loop fails, the engine's driver is cancelled at once, not left to the GC.
            async with aclosing(live.engine_run.events()) as events:
                async for event in events:
                    if live.lost is not None:
                        break
                    data = event.model_dump(mode="json")
                    self._append(live, data, pending)
                    self.metrics.observe_event(data, request.source)
                    if live.stop_requested:
                        live.cancel()  # a stop that arrived before the engine had started
                    if len(pending) >= flush_count or (data["type"] == "node_finished"
                                                       and time.monotonic() - last_flush > FLUSH_S):
                        self.writer.put(RunWrite(live.run_id, events=pending))
                        pending, last_flush = [], time.monotonic()
        except asyncio.CancelledError:
            if live.lost is not None:
                self._forget(live)
                raise
            # The server is shutting down: record the run as interrupted; the writer drains on close.
            self._append(live, self._synthetic_end(live, "interrupted",
                                                   "the server stopped while this run was in flight"), pending)
            self.writer.put(self._end_write(live, pending))
            self._forget(live)
            raise
        except Exception as exc:  # a crash in the engine must fail this run, not the server
            if live.lost is not None:
                self._forget(live)
                return
            log.exception("run %s crashed", live.run_id)
            self._append(live, self._synthetic_end(live, "failed", f"internal error: {type(exc).__name__}: {exc}"),
                         pending)
        if live.lost is not None:  # another process has recorded the run's end
            self._forget(live)
            return
        try:
            # Its end sent to the log too: a log that another process has ended refuses it (the run is lost).
            await asyncio.gather(self.writer.write(self._end_write(live, pending)), live.log.flush())
            if request.on_finish is not None and live.final is not None and live.lost is None:
                try:
                    await request.on_finish(live.final)
                except Exception:
                    log.exception("after-run hook of run %s failed", live.run_id)
        finally:
            self._forget(live)

    @staticmethod
    def _append(live: LiveRun, event: dict[str, Any], pending: list[dict[str, Any]]) -> None:
        live.log.append(event)
        pending.append(event)
        if event["type"] == "run_finished":
            live.final = event

    @staticmethod
    def _end_write(live: LiveRun, pending: list[dict[str, Any]]) -> RunWrite:
        return RunWrite(live.run_id, row=live.row, final=live.final or {"status": "failed"}, events=pending)

    def _forget(self, live: LiveRun) -> None:
        if self.live.pop(live.run_id, None) is not None:
            left = self._in_flight[live.workflow_id] - 1
            if left:
                self._in_flight[live.workflow_id] = left
            else:
                del self._in_flight[live.workflow_id]
        self.metrics.runs_in_flight.dec()
        live.log.close()
        if self.replicas is not None:
            self.replicas.release_slot(live.run_id)

    async def _take_slot(self, request: RunRequest, run_id: str) -> bool:
        assert request.max_in_flight is not None
        if self.replicas is not None:
            return await self.replicas.take_slot(request.workflow_id, request.max_in_flight, run_id)
        return self.in_flight(request.workflow_id) < request.max_in_flight

    @staticmethod
    def _synthetic_end(live: LiveRun, status: str, error: str) -> dict[str, Any]:
        return {"type": "run_finished", "run_id": live.run_id, "seq": live.log.last_seq + 1, "ts": time.time(),
                "status": status, "outputs": {}, "error": error, "failed_node": None, "elapsed_ms": 0.0,
                "usage": {}, "node_executions": live.engine_run.executions}

    def stop(self, run_id: str) -> None:
        live = self.live.get(run_id)
        final = live.final if live is not None else None
        if live is None and self.ownership is not None and self.ownership.stop_queued(run_id):
            if self.replicas is not None:  # its app slot is free at once, not when a worker gets to its task
                self.replicas.drop_slot_soon(self.store.get_run(run_id).workflow_id, run_id)
            return  # still in the queue: stopped there, and the worker that gets its task skips it
        if live is None and self.replicas is not None and self.store.get_run(run_id).status not in FINISHED:
            self.replicas.request_stop(run_id)  # driven by another replica (404 for unknown runs)
            return
        if live is None or final is not None:  # a final event: finished, its end still being written
            status = final["status"] if final is not None else self.store.get_run(run_id).status  # 404
            raise ConflictError(f"run '{run_id}' is not running (status: {status})")
        live.stop_requested = True
        if live.log.last_seq:
            # Before its first event the engine's driver task may not have run yet, and one cancelled then
            # never reports its end: _drive cancels at the first event instead.
            live.cancel()

    async def events(self, run_id: str, after: int = 0) -> AsyncIterator[dict[str, Any]]:
        """A run's events after ``seq``: live ones as they come, recorded ones from the store (404 for unknown
        runs)."""
        live = self.live.get(run_id)
        if live is not None:
            async for event in self.follow(live, after):
                yield event
            return
        row = await asyncio.to_thread(self.store.get_run, run_id)
        log = self.logs.open(run_id) if row.status not in FINISHED else None
        if log is not None:  # driven by another replica: its log, what it has trimmed from the store
            async for event in self._read(run_id, log, after, follow=True):
                yield event
            return
        for event in await asyncio.to_thread(self.store.run_events, run_id, after):
            yield event

    async def follow(self, live: LiveRun, after: int = 0) -> AsyncIterator[dict[str, Any]]:
        """A live run's events after ``seq`` until it finishes, the ones its log has dropped from the store."""
        async for event in self._read(live.run_id, live.log, after, follow=True):
            yield event

    async def history(self, run_id: str) -> list[dict[str, Any]]:
        """Every event of a run so far (live or recorded), without waiting for more."""
        live = self.live.get(run_id)
        if live is None:
            return await asyncio.to_thread(self.store.run_events, run_id)
        return [event async for event in self._read(live.run_id, live.log, 0, follow=False)]

    async def _read(self, run_id: str, log: EventLog, after: int, follow: bool) -> AsyncIterator[dict[str, Any]]:
        while True:
            try:
                if follow:
                    async for event in log.follow(after):
                        after = event["seq"]
                        yield event
                else:
                    for event in await log.read(after):
                        yield event
                return
            except EventsTrimmed as trimmed:
                # What the log dropped was queued to the writer first: once a write queued now has committed,
                # the store has it.
                await self.writer.write(RunWrite(run_id))
                for event in await asyncio.to_thread(self.store.run_events, run_id, after):
                    if event["seq"] >= trimmed.first_seq:
                        break
                    after = event["seq"]
                    yield event
                after = max(after, trimmed.first_seq - 1)  # a batch the writer could not record is lost

    def _stop_here(self, run_id: str) -> None:
        """A stop request from another replica: stop the run if this one drives it."""
        if run_id in self.live:
            with contextlib.suppress(ConflictError):
                self.stop(run_id)

    async def wait(self, live: LiveRun) -> dict[str, Any]:
        """The run_finished event, once the run is recorded."""
        await live.log.wait_closed()
        if live.final is None or live.lost is not None:  # another process ended it: its end is in the log
            return await self.final(live.run_id)
        return live.final


def reuse_plan(graph: Graph, old_definition: dict[str, Any], old_events: list[dict[str, Any]]) -> dict[str, ReusedNode]:
    """Which nodes a resume may replay: those that succeeded before, are unchanged in the current draft, and
    whose upstream nodes are all settled the same way (succeeded or skipped before, unchanged)."""
    old_nodes = {n.get("id"): n for n in old_definition.get("nodes", []) if isinstance(n, dict)}
    finished = {e["node_id"]: e for e in old_events if e.get("type") == "node_finished"}
    settled: dict[str, bool] = {}
    for node_id in graph.order:
        event = finished.get(node_id)
        node = graph.nodes[node_id]
        unchanged = _canonical(old_nodes.get(node_id)) == node.model_dump(mode="json")
        ok_before = event is not None and (event["status"] == "skipped" or
                                           (event["status"] == "succeeded" and not event.get("error_handled")))
        upstream = all(settled.get(e.source, False) for e in graph.incoming[node_id])
        settled[node_id] = bool(unchanged and ok_before and upstream)
    return {nid: ReusedNode(outputs=finished[nid]["outputs"], branch=finished[nid].get("branch") or "out")
            for nid, ok in settled.items() if ok and finished[nid]["status"] == "succeeded"}


def _canonical(node: Any) -> Any:
    """A node definition with defaults filled in, to compare an old snapshot with the current draft."""
    if not isinstance(node, dict):
        return None
    try:
        return NodeDef.model_validate(node).model_dump(mode="json")
    except ValueError:
        return None


def _given(sys: dict[str, Any]) -> dict[str, Any]:
    """A run's ``sys`` values without the ones not given (None)."""
    return {k: v for k, v in sys.items() if v is not None}
