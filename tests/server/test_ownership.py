"""Run ownership across processes (server.ownership) on a real Redis: a process that starts or sweeps ends only the
runs whose owner's heartbeat is gone, records the events they had only sent to Redis, and gives their followers
an end; a queued run is claimed once, and stopped while still queued; a run swept while its owner was still alive
(its heartbeat late) ends once, and its owner stops driving it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from server.db.store import RunWrite, Store, new_run_row
from server.eventlog_redis import RedisEventLog, connect
from server.ownership import OWNER_PREFIX, Ownership
from server.state import AppState
from server.worker import leases
from tests.server.conftest import asgi_client, running_app
from tests.server.helpers import sleepy_workflow


@pytest.fixture
async def ownership(redis_url: str, tmp_path: Path, test_database: str | None) -> AsyncIterator[Ownership]:
    store = Store(test_database or f"sqlite:///{tmp_path / 'loom.db'}")  # PostgreSQL in the tests' second pass
    store.migrate()
    client = connect(redis_url)
    await client.flushdb()
    yield Ownership(client, store, "api", lease_s=2.0)
    await client.aclose()
    store.close()


def record(store: Store, run_id: str, status: str, owner: str | None) -> None:
    row = new_run_row(id=run_id, workflow_id="w", version=None, source="api", definition={}, inputs={}, sys={},
                      status=status, owner=owner)
    store.write_runs([RunWrite(run_id, row=row)])


def event(run_id: str, seq: int) -> dict[str, object]:
    return {"type": "node_started", "run_id": run_id, "seq": seq, "ts": time.time(), "node_id": f"n{seq}"}


async def test_a_sweep_ends_only_the_runs_whose_owner_is_gone(ownership: Ownership) -> None:
    store, client = ownership.store, ownership.client
    await client.set(OWNER_PREFIX + "worker@other:1:a", "1", px=60_000)  # a live process
    record(store, "alive", "running", "worker@other:1:a")
    record(store, "dead", "running", "worker@gone:2:b")
    record(store, "legacy", "running", None)
    record(store, "queued", "queued", None)
    # The dead worker had recorded seq 1 and sent seq 1-3 to Redis before it was killed.
    store.write_runs([RunWrite("dead", events=[event("dead", 1)])])
    log = RedisEventLog(client, "loom:events:dead")
    for seq in (1, 2, 3):
        log.append(event("dead", seq))
    await log.read()  # sent
    follower = RedisEventLog(client, "loom:events:dead")

    async def follow() -> list[dict[str, object]]:
        return [e async for e in follower.follow(0)]

    following = asyncio.create_task(follow())
    await ownership.start()  # the start-up sweep
    try:
        seen = await asyncio.wait_for(following, 10)
        assert [e["seq"] for e in seen] == [1, 2, 3, 4]
        assert seen[-1]["type"] == "run_finished" and seen[-1]["status"] == "interrupted"
        assert "worker driving this run was lost mid-run (worker@gone:2:b" in str(seen[-1]["error"])
        assert [e["seq"] for e in store.run_events("dead")] == [1, 2, 3, 4]  # what only Redis had is recorded
        assert store.get_run("dead").status == "interrupted"
        assert store.get_run("legacy").status == "interrupted"
        assert store.get_run("alive").status == "running" and store.get_run("queued").status == "queued"
        assert await client.exists(OWNER_PREFIX + ownership.owner)  # this process's heartbeat
        assert await ownership.sweep() == []  # nothing left to end
        # The live owner stops beating: the next sweep ends its run too.
        await client.delete(OWNER_PREFIX + "worker@other:1:a")
        assert await ownership.sweep() == ["alive"]
    finally:
        await ownership.close()
    assert not await client.exists(OWNER_PREFIX + ownership.owner)  # a clean stop gives the lease back


async def test_a_queued_run_is_claimed_once_or_stopped_in_the_queue(ownership: Ownership) -> None:
    store = ownership.store
    record(store, "q1", "queued", None)
    record(store, "q2", "queued", None)
    assert ownership.claim("q1") and not ownership.claim("q1")
    assert store.get_run("q1").status == "running" and store.get_run("q1").owner == ownership.owner
    assert not ownership.stop_queued("q1")  # a worker drives it: the stop goes to that worker instead
    assert await asyncio.to_thread(ownership.stop_queued, "q2")
    assert not ownership.claim("q2")
    ended = [e async for e in RedisEventLog(ownership.client, "loom:events:q2").follow(0)]
    assert [(e["type"], e["status"]) for e in ended] == [("run_finished", "stopped")]
    assert store.get_run("q2").status == "stopped"
    await ownership.close()


async def test_a_job_lease_is_held_by_one_task_and_taken_over_from_a_process_that_is_gone(
        ownership: Ownership) -> None:
    client = ownership.client
    await ownership.beat()
    first, second = leases.new_token(), leases.new_token()
    assert await leases.acquire(client, ownership, "ingest:kb", first)
    assert await leases.acquire(client, ownership, "ingest:kb", first)  # the same task again
    assert not await leases.acquire(client, ownership, "ingest:kb", second)  # another task, even in this process
    await leases.release(client, ownership, "ingest:kb", first)
    assert await leases.acquire(client, ownership, "ingest:kb", second)
    await client.set(leases.PREFIX + "eval:r1", "worker@gone:9:z|t")  # held by a process without a heartbeat
    assert await leases.acquire(client, ownership, "eval:r1", first)
    assert await client.get(leases.PREFIX + "eval:r1") == f"{ownership.owner}|{first}"
    await ownership.close()


async def test_the_heartbeat_holds_while_the_event_loop_is_busy(ownership: Ownership) -> None:
    ownership.lease_s = 0.6
    await ownership.start()
    try:
        time.sleep(1.5)  # the event loop blocked for 2.5 leases (a CPU-bound stretch)
        ttl = await ownership.client.pttl(OWNER_PREFIX + ownership.owner)
        assert ttl > 200, "the lease ran out while the event loop was busy"
    finally:
        await ownership.close()


async def until(check: Any, timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := await check()):
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)
    return found


@pytest.mark.parametrize("learns_from", ["its next append", "its next beat"])
async def test_a_run_swept_while_its_owner_is_alive_ends_once_and_its_owner_stops(
        redis_url: str, data_dir: Path, learns_from: str, caplog: pytest.LogCaptureFixture) -> None:
    # The slow node ends 1 s after the sweep (its next event is refused), or would run 30 s (the owner learns it
    # from the run's row when it next beats, and cancels the run).
    seconds = 1.0 if learns_from == "its next append" else 30.0
    async with running_app(data_dir, redis_url=redis_url, owner_lease_s=30) as app, asgi_client(app) as client:
        state: AppState = app.state.loom
        owner = state.runs.ownership
        assert owner is not None
        workflow_id = (await client.post("/api/workflows", json=sleepy_workflow(seconds=seconds))).json()["id"]
        run_id = (await client.post(f"/api/workflows/{workflow_id}/runs", json={
            "inputs": {"text": "x"}, "response_mode": "async"})).json()["run_id"]
        stream = "loom:events:" + run_id
        redis = connect(redis_url)

        async def slow_started() -> bool:
            sent: Any = await redis.xrange(stream, "-", "+")
            return any('"node_id":"slow"' in fields.get("e", "") for _, fields in sent) and bool(
                await asyncio.to_thread(owner._running))

        await until(slow_started)
        live = state.runs.live[run_id]
        waiting = asyncio.create_task(state.runs.wait(live))  # as a blocking run's request waits
        # The owner's heartbeat is late: another process sweeps and takes it for lost.
        sweeper_store = Store(state.settings.database_url)
        sweeper = Ownership(redis, sweeper_store, "worker", lease_s=30)
        try:
            await redis.delete(OWNER_PREFIX + owner.owner)
            assert await sweeper.sweep() == [run_id]
            if learns_from == "its next beat":
                assert await owner.check_driving() == [run_id]
            started = time.monotonic()

            async def stopped() -> bool:
                return run_id not in state.runs.live

            await until(stopped)
            assert live.lost is not None and time.monotonic() - started < 5  # cancelled, not run to its end
            await asyncio.sleep(0.3)  # the owner's writer and event log would have written by now
            recorded = state.store.run_events(run_id)
            sent = [json.loads(fields["e"]) for _, fields in await redis.xrange(stream, "-", "+") if "e" in fields]
            for events in (recorded, sent):
                assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
                assert [e["type"] for e in events].count("run_finished") == 1
                assert events[-1]["type"] == "run_finished" and events[-1]["status"] == "interrupted"
            assert recorded == sent
            assert await asyncio.wait_for(waiting, 5) == recorded[-1]
            newest: Any = await redis.xrevrange(stream, "+", "-", count=1)
            assert "closed" in newest[0][1]
            row = state.store.get_run(run_id)
            assert row.status == "interrupted" and owner.owner in str(row.error)
            assert any(run_id in r.getMessage() and "stops driving it" in r.getMessage() for r in caplog.records)
        finally:
            await sweeper.close()
            sweeper_store.close()
            await redis.aclose()
