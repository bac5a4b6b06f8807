"""The event log contract: every ``EventLog`` implementation (in memory today, Redis streams for scale-out) passes
these tables — replay after a seq, live follow, reconnect, completion, the memory bound and its errors."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from server.eventlog import EventLog, EventsTrimmed, LogClosed, MemoryEventLog
from server.eventlog_redis import RedisEventLog, connect


@pytest.fixture(params=["memory", "redis"])
async def make(request: pytest.FixtureRequest) -> AsyncIterator[Callable[..., EventLog]]:
    """A factory(max_events) of empty logs of one implementation: each runs the whole contract."""
    if request.param == "memory":
        yield lambda max_events=100: MemoryEventLog(max_events)
        return
    client = connect(request.getfixturevalue("redis_url"))
    yield lambda max_events=100: RedisEventLog(client, f"test:{uuid.uuid4().hex}", max_events)
    await client.aclose()


def event(seq: int) -> dict[str, object]:
    return {"type": "tick", "seq": seq, "n": seq * 10}


def filled(make: Callable[..., EventLog], seqs: list[int], max_events: int = 100, closed: bool = True) -> EventLog:
    log = make(max_events)
    for seq in seqs:
        log.append(event(seq))
    if closed:
        log.close()
    return log


async def until(condition: Callable[[], bool], timeout: float = 2.0) -> None:
    """Wait for ``condition`` (a log in another process delivers after a round trip, not at once)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.002)


async def collect(log: EventLog, after: int = 0) -> list[int]:
    return [e["seq"] async for e in log.follow(after)]


@dataclass(frozen=True)
class Replay:
    """A log holding ``seqs`` (bounded by ``max_events``), read after ``after``."""

    seqs: list[int]
    after: int
    expected: list[int] | None  # None: EventsTrimmed, the log starting at ``first_seq``
    max_events: int = 100
    first_seq: int = 0


REPLAYS = {
    "everything": Replay([1, 2, 3], 0, [1, 2, 3]),
    "after a seq": Replay([1, 2, 3, 4], 2, [3, 4]),
    "after the last": Replay([1, 2, 3], 3, []),
    "after a seq not yet reached": Replay([1, 2], 9, []),
    "empty log": Replay([], 0, []),
    "gaps in seq": Replay([2, 5, 9], 3, [5, 9]),
    "after a seq inside a gap": Replay([2, 5, 9], 6, [9]),
    "bounded: the newest kept": Replay(list(range(1, 11)), 8, [9, 10], max_events=4),
    "bounded: from the oldest kept": Replay(list(range(1, 11)), 6, [7, 8, 9, 10], max_events=4),
    "bounded: older ones trimmed": Replay(list(range(1, 11)), 0, None, max_events=4, first_seq=7),
    "bounded: one short of the oldest": Replay(list(range(1, 11)), 5, None, max_events=4, first_seq=7),
    "bound of one": Replay([1, 2, 3], 2, [3], max_events=1),
}


@pytest.mark.parametrize("case", list(REPLAYS.values()), ids=list(REPLAYS))
async def test_replay(make, case: Replay):
    log = filled(make, case.seqs, case.max_events)
    if case.expected is None:
        with pytest.raises(EventsTrimmed) as trimmed:
            await log.read(case.after)
        assert (trimmed.value.after, trimmed.value.first_seq) == (case.after, case.first_seq)
        with pytest.raises(EventsTrimmed):
            await collect(log, case.after)
        return
    assert [e["seq"] for e in await log.read(case.after)] == case.expected
    assert await collect(log, case.after) == case.expected  # a closed log: follow replays and ends
    assert log.last_seq == (case.seqs[-1] if case.seqs else 0)


BAD_APPENDS = {
    "same seq": ([1, 2], 2, ValueError),
    "lower seq": ([1, 5], 3, ValueError),
    "zero on an empty log": ([], 0, ValueError),
    "seq not an int": ([1], "2", ValueError),
}


@pytest.mark.parametrize(("seqs", "seq", "error"), list(BAD_APPENDS.values()), ids=list(BAD_APPENDS))
async def test_append_keeps_seq_strictly_increasing(make, seqs, seq, error):
    log = filled(make, seqs, closed=False)
    with pytest.raises(error):
        log.append({"type": "tick", "seq": seq})
    assert [e["seq"] for e in await log.read()] == seqs


async def test_append_after_close_fails_and_close_twice_is_harmless(make):
    log = filled(make, [1])
    log.close()
    with pytest.raises(LogClosed):
        log.append(event(2))
    await asyncio.wait_for(log.wait_closed(), 1)
    assert await collect(log) == [1]


async def test_followers_wake_on_each_append_and_end_at_close(make):
    log = make()
    seen: dict[str, list[int]] = {"a": [], "b": []}

    async def follower(name: str) -> None:
        async for e in log.follow():
            seen[name].append(e["seq"])

    tasks = [asyncio.create_task(follower(name)) for name in seen]
    await asyncio.sleep(0)
    for seq in (1, 2, 3):
        log.append(event(seq))
        expected = {"a": list(range(1, seq + 1)), "b": list(range(1, seq + 1))}
        await until(lambda expected=expected: seen == expected)  # live, not at the end
    assert not any(t.done() for t in tasks)
    log.close()
    await asyncio.wait_for(asyncio.gather(*tasks), 1)
    assert seen == {"a": [1, 2, 3], "b": [1, 2, 3]}


async def test_reconnect_gets_the_missed_events_then_follows(make):
    log = filled(make, [1, 2, 3, 4], closed=False)
    first = log.follow()
    received = [(await anext(first))["seq"], (await anext(first))["seq"]]
    await first.aclose()  # the client disconnects after seq 2
    log.append(event(5))
    rest = asyncio.create_task(collect(log, after=received[-1]))
    await asyncio.sleep(0.01)
    log.append(event(6))
    log.close()
    assert await asyncio.wait_for(rest, 1) == [3, 4, 5, 6]


async def test_a_follower_after_a_seq_not_yet_appended_waits_for_the_later_ones(make):
    log = make()
    follower = asyncio.create_task(collect(log, after=2))  # a reconnect that comes before the run's first events
    await asyncio.sleep(0.01)
    for seq in (1, 2, 3):
        log.append(event(seq))
        await asyncio.sleep(0)
    log.append(event(4))
    log.close()
    assert await asyncio.wait_for(follower, 1) == [3, 4]


async def test_wait_closed_waits_for_close(make):
    log = filled(make, [1], closed=False)
    waiter = asyncio.create_task(log.wait_closed())
    await asyncio.sleep(0.01)
    assert not waiter.done()
    log.close()
    await asyncio.wait_for(waiter, 1)


async def test_a_follower_that_falls_behind_the_bound_learns_where_it_stopped(make):
    log = filled(make, [1, 2], max_events=4, closed=False)
    follower = log.follow()
    received = [(await anext(follower))["seq"]]
    for seq in range(3, 12):  # appended while the follower does not read
        log.append(event(seq))
    with pytest.raises(EventsTrimmed) as trimmed:  # events it had already fetched may come first, none skipped
        async for e in follower:
            received.append(e["seq"])
    assert received == list(range(1, len(received) + 1))
    assert trimmed.value.after == received[-1] and trimmed.value.first_seq > received[-1] + 1
    log.close()
    tail = await collect(log, trimmed.value.first_seq - 1)
    assert tail[0] == trimmed.value.first_seq and tail[-1] == 11 and len(tail) <= 4


async def test_memory_stays_within_the_bound(make):
    log = filled(make, list(range(1, 1001)), max_events=16, closed=False)
    held = await log.read(log.last_seq - 12)
    assert [e["seq"] for e in held] == list(range(989, 1001))
    with pytest.raises(EventsTrimmed) as trimmed:
        await log.read(0)
    assert 1000 - 16 < trimmed.value.first_seq <= 1000 - 16 * 3 // 4 + 1
