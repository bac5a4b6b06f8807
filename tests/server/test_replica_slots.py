"""Per-app run slots in Redis (server.replicas): the limit counts every replica's runs, a released slot is free
at once, a live replica keeps its leases, and a killed one's slots free themselves when their lease runs out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from server.rate_limits import LocalRateLimit, RateLimit, RedisRateLimit
from server.replicas import Replicas


@pytest.fixture
async def replicas(redis_url: str) -> AsyncIterator[Callable[[float], Replicas]]:
    made: list[Replicas] = []

    def make(lease_s: float) -> Replicas:
        made.append(Replicas.from_url(redis_url))
        made[-1].lease_s = lease_s
        return made[-1]
    yield make
    for replica in made:
        await replica.close()


async def test_the_limit_counts_every_replica_and_a_release_frees_a_slot(replicas):
    a, b = replicas(30), replicas(30)
    assert [await a.take_slot("app1", 2, run) for run in ("r1", "r2")] == [True, True]
    assert not await b.take_slot("app1", 2, "r3")
    assert await b.take_slot("other-app", 2, "r4")  # limits are per app
    assert await b.in_flight("app1") == 2
    a.release_slot("r1")
    await asyncio.sleep(0.05)
    assert await b.take_slot("app1", 2, "r3")


async def test_a_live_replica_renews_its_leases_and_a_killed_ones_expire(replicas):
    live, killed, other = replicas(0.6), replicas(0.6), replicas(30)
    live.listen(lambda run_id: None)  # renews every lease_s / 3
    assert await live.take_slot("app2", 2, "kept")
    assert await killed.take_slot("app2", 2, "leaked")  # never renewed: its process is gone
    assert not await other.take_slot("app2", 2, "r")
    await asyncio.sleep(1.0)
    assert await other.in_flight("app2") == 1
    assert await other.take_slot("app2", 2, "r")
    assert not await other.take_slot("app2", 2, "r2")


@pytest.mark.parametrize("where", ["memory", "redis"])
async def test_the_rate_limit_allows_limit_runs_a_window_per_app(replicas, where):
    def limiter(window_s: float) -> RateLimit:
        return LocalRateLimit(window_s) if where == "memory" else RedisRateLimit(replicas(30).client, window_s)
    a, b = limiter(0.5), limiter(0.5)  # two replicas (one shared count on Redis)
    app = f"rate-{where}"
    hits = [await a.hit(app, 3), await a.hit(app, 3), await a.hit(app, 3), await a.hit(app, 3)]
    assert hits[:3] == [None, None, None] and hits[3] is not None and 0 < hits[3] <= 0.5
    assert await a.hit(f"{app}-other", 3) is None  # per app
    if where == "redis":
        assert await b.hit(app, 3) is not None  # the other replica shares the window
    await asyncio.sleep(0.55)
    assert await a.hit(app, 3) is None  # a new window


async def test_a_queued_run_keeps_its_slot_until_a_worker_takes_or_frees_it(replicas):
    api, worker, other = replicas(0.6), replicas(0.6), replicas(0.6)
    assert await api.take_slot("app3", 1, "queued")
    await api.hand_over_slot("queued")  # sent to the worker tier: no process renews it while it waits
    assert await other.take_slot("app3b", 5, "busy")  # activity on other keys changes nothing
    await asyncio.sleep(1.0)  # longer than the replicas' lease
    assert await other.in_flight("app3") == 1 and not await other.take_slot("app3", 1, "second")
    await worker.adopt_slot("app3", "queued")  # the worker that drives it renews it from now on
    worker.listen(lambda run_id: None)
    await asyncio.sleep(1.0)
    assert not await other.take_slot("app3", 1, "second")
    worker.release_slot("queued")  # the run ended
    await asyncio.sleep(0.05)
    assert await other.take_slot("app3", 1, "second")
    await other.drop_slot("app3", "second")  # a queued run stopped before a worker took it
    assert await other.in_flight("app3") == 0
