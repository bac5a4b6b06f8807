"""Which process drives a run, across API processes and workers sharing one database and one Redis.

Every process (``loom serve`` or ``loom worker``) has an owner id and keeps a heartbeat lease in Redis,
``loom:owner:<id>``, renewed every ``lease_s / 3`` from a thread of its own (a busy event loop does not delay it)
and expiring after ``lease_s`` by Redis's clock. A run it drives records that id
in its row (``runs.owner``). The sweeper, in every process, looks every ``lease_s / 3`` for runs recorded
``running`` whose owner's lease is gone (the process was killed or lost its host) and ends each one: status
``interrupted`` with a reason, its events that only reached Redis copied into the database, and a terminal
``run_finished`` event appended to its Redis stream, so that a client following the run on any replica gets its end
instead of waiting forever. A process that starts runs the same sweep once, so it ends only the runs of processes
that are gone, not the runs the others are driving.

A process taken for lost may still be alive (its heartbeat late): the sweeper's end is final all the same. Its
database update is conditional (the run still ``running`` under that owner), the run writer records events and
ends only for runs still open (server.db.store), and the end closes the run's stream to its producer
(``end_fenced`` in server.eventlog_redis). The producer learns it from a refused append or, at its next beat, from
the run's row, and stops driving the run (``on_lost``) without writing anything more.

Without Redis there is one process: on start it ends every run left ``running`` (``Store.mark_interrupted``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import redis
from redis.asyncio import Redis
from sqlalchemy import func, insert, select, update

from server.db.models import EventRow, RunRow
from server.db.store import PACKED, Store
from server.eventlog_redis import blocking_twin, end_fenced

log = logging.getLogger(__name__)
OWNER_PREFIX = "loom:owner:"
EVENTS_PREFIX = "loom:events:"
CLOSED_EXPIRE_S = 600  # as a closed event log's stream (server.eventlog_redis)
LOST = "the {role} driving this run was lost mid-run ({owner} stopped: killed or crashed)"


def new_owner_id(role: str) -> str:
    """``<role>@<host>:<pid>:<random>``: unique per process start, readable in a run's row and error."""
    return f"{role}@{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def role_of(owner: str | None) -> str:
    role = (owner or "").partition("@")[0]
    return role if role in ("api", "worker") else "process"


class Ownership:
    """This process's owner id, its heartbeat lease and the sweeper of runs whose owner is gone."""

    def __init__(self, client: Redis, store: Store, role: str, lease_s: float):
        self.client = client
        self.store = store
        self.owner = new_owner_id(role)
        self.lease_s = lease_s
        self._task: asyncio.Task[None] | None = None
        self._sync: redis.Redis | None = None  # for the heartbeat thread and the stop routes (worker threads)
        self._beating: threading.Thread | None = None
        self._stopping = threading.Event()
        # The runs this process drives (ids), and what to call for one that another process has ended.
        self.driving: Callable[[], list[str]] = list
        self.on_lost: Callable[[str, str], None] = lambda run_id, why: None

    async def start(self) -> None:
        """Take the lease (before any run records this owner), end the runs of owners already gone, and keep
        both going in the background."""
        await self.beat()
        await self.sweep()
        if self._beating is None:
            self._stopping.clear()
            self._beating = threading.Thread(target=self._beat_loop, name="loom-heartbeat", daemon=True)
            self._beating.start()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._loop(), name="ownership")

    async def beat(self) -> None:
        await self.client.set(OWNER_PREFIX + self.owner, str(time.time()), px=int(self.lease_s * 1000))

    def _redis(self) -> redis.Redis:
        if self._sync is None:
            self._sync = blocking_twin(self.client)
        return self._sync

    def _beat_loop(self) -> None:
        client = self._redis()
        while not self._stopping.wait(self.lease_s / 3):
            try:
                client.set(OWNER_PREFIX + self.owner, str(time.time()), px=int(self.lease_s * 1000))
            except Exception:  # Redis away for a moment: try again at the next beat
                log.exception("run ownership: heartbeat failed")

    async def alive(self, owner: str | None) -> bool:
        """Whether ``owner``'s lease is held (this process's always is)."""
        if owner is None:
            return False
        return owner == self.owner or bool(await self.client.exists(OWNER_PREFIX + owner))

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.lease_s / 3)
            try:
                await self.sweep()
                await self.check_driving()
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis or the database away for a moment: try again at the next beat
                log.exception("run ownership: sweep failed")

    async def check_driving(self) -> list[str]:
        """Tell ``on_lost`` of the runs this process drives that are no longer ``running`` under it (another
        process's sweeper ended them); their ids."""
        ids = self.driving()
        if not ids:
            return []
        lost = await asyncio.to_thread(self._not_mine, ids)
        for run_id, status, owner in lost:
            self.on_lost(run_id, f"the run was ended ({status}) by another process that took {self.owner} for "
                                 f"lost" if owner == self.owner else f"the run is now {status} under {owner}")
        return [run_id for run_id, _, _ in lost]

    def _not_mine(self, ids: list[str]) -> list[tuple[str, str, str | None]]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(RunRow.id, RunRow.status, RunRow.owner).where(RunRow.id.in_(ids))).all()
        return [(row[0], row[1], row[2]) for row in rows if row[1] != "running" or row[2] != self.owner]

    async def sweep(self) -> list[str]:
        """End the runs recorded ``running`` whose owner is gone; the ids of those this call ended."""
        running = await asyncio.to_thread(self._running)
        owners = sorted({owner for _, owner in running if owner is not None and owner != self.owner})
        alive: set[str | None] = {self.owner}
        if owners:
            pipe = self.client.pipeline(transaction=False)
            for name in owners:
                pipe.exists(OWNER_PREFIX + name)
            alive |= {name for name, held in zip(owners, await pipe.execute(), strict=True) if held}
        ended: list[str] = []
        for run_id, owner in running:
            if owner not in alive and await self.end_lost(run_id, owner):
                ended.append(run_id)
        if ended:
            log.warning("ended %d run(s) whose process was lost: %s", len(ended), ", ".join(ended))
        return ended

    def claim(self, run_id: str) -> bool:
        """Take a queued run for this process (one atomic update): False when it is not queued any more (another
        worker claimed it, it was stopped, or it ended)."""
        with self.store.engine.begin() as conn:
            claimed = conn.execute(update(RunRow).where(RunRow.id == run_id, RunRow.status == "queued").values(
                status="running", owner=self.owner))
            return bool(claimed.rowcount)

    def _running(self) -> list[tuple[str, str | None]]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(RunRow.id, RunRow.owner).where(RunRow.status == "running")).all()
        return [(row[0], row[1]) for row in rows]

    async def end_lost(self, run_id: str, owner: str | None, error: str | None = None) -> bool:
        """End ``run_id``, driven by ``owner`` that is gone: False when it is no longer ``running`` under that
        owner (it ended, or another process got there first)."""
        error = error or LOST.format(role=role_of(owner), owner=owner or "a process without an owner id")
        return await self.end(run_id, "running", owner, "interrupted", error)

    def stop_queued(self, run_id: str) -> bool:
        """Stop a run still waiting in the queue (no worker drives it yet); False when it is no longer queued.
        Synchronous: called from the stop routes, which may run in a worker thread."""
        final = self._end_row(run_id, "queued", None, "stopped", "stopped before a worker started it", [])
        if final is None:
            return False
        pipe = self._redis().pipeline(transaction=False)
        self._terminal(pipe, EVENTS_PREFIX + run_id, final)
        with contextlib.suppress(Exception):
            pipe.execute()
        return True

    async def end(self, run_id: str, expected: str, owner: str | None, status: str, error: str) -> bool:
        """Record the end of a run that no process drives (``expected`` its status now, ``owner`` its owner) and
        append it to its event stream; False when the run has changed meanwhile."""
        key = EVENTS_PREFIX + run_id
        entries: Any = await self.client.xrange(key, "-", "+")  # [(id, fields)], decoded
        streamed = [json.loads(fields["e"]) for _, fields in entries if "e" in fields]
        final = await asyncio.to_thread(self._end_row, run_id, expected, owner, status, error, streamed)
        if final is None:
            return False
        # The stream gets the same end, and its producer (alive after all, if its heartbeat was only late)
        # nothing more; what it added since the read above is recorded nowhere, and dropped.
        dropped = await end_fenced(self.client, key, final, CLOSED_EXPIRE_S)
        if dropped:
            log.warning("run %s: dropped %d event(s) its owner %s sent after it was ended", run_id, dropped, owner)
        return True

    @staticmethod
    def _terminal(pipe: Any, key: str, final: dict[str, Any]) -> None:
        """Queue on ``pipe`` the run's end and the stream's closed marker (as server.eventlog_redis writes them)."""
        pipe.xadd(key, {"e": json.dumps(final, separators=(",", ":")), "t": 0}, id=f"{final['seq']}-0")
        pipe.xadd(key, {"closed": "1", "t": 0}, id=f"{final['seq']}-1")
        pipe.expire(key, CLOSED_EXPIRE_S)

    def _end_row(self, run_id: str, expected: str, owner: str | None, status: str, error: str,
                 streamed: list[dict[str, Any]]) -> dict[str, Any] | None:
        with self.store.engine.begin() as conn:
            ended = conn.execute(update(RunRow).where(
                RunRow.id == run_id, RunRow.status == expected,
                RunRow.owner.is_(None) if owner is None else RunRow.owner == owner).values(
                status=status, error=error, finished_at=time.time()))
            if not ended.rowcount:
                return None
            recorded = conn.execute(select(func.max(EventRow.seq)).where(EventRow.run_id == run_id)).scalar() or 0
            # The events the lost process had sent to Redis but not yet recorded go to the database first.
            missing = [e for e in streamed if e.get("seq", 0) > recorded and e.get("type") != "run_finished"]
            last = max([recorded, *(e["seq"] for e in missing)])
            final = {"type": "run_finished", "run_id": run_id, "seq": last + 1, "ts": time.time(),
                     "status": status, "outputs": {}, "error": error, "failed_node": None,
                     "elapsed_ms": 0.0, "usage": {}, "node_executions": 0}
            if missing:
                conn.execute(insert(EventRow).values(
                    run_id=run_id, seq=missing[-1]["seq"], type=PACKED, data=missing))
            conn.execute(insert(EventRow).values(run_id=run_id, seq=final["seq"], type="run_finished", data=final))
        return final

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._beating is not None:
            self._stopping.set()
            await asyncio.to_thread(self._beating.join)
            self._beating = None
        with contextlib.suppress(Exception):  # the runs this process drove have ended: its lease can go at once
            await self.client.delete(OWNER_PREFIX + self.owner)
        if self._sync is not None:
            self._sync.close()
