"""The warm pool: worker reuse and recycling, timeouts that kill the process, concurrency, shutdown."""

from __future__ import annotations

import asyncio
import os
import random
import tempfile
import time
from pathlib import Path

import pytest

from nodes.sandbox import (
    SandboxCompileError,
    SandboxLimitError,
    SandboxPool,
    SandboxRuntimeError,
    SandboxTimeoutError,
    SandboxUnavailableError,
)

TRIVIAL = "def main(args):\n    return {'n': args['n'] * 2}"
FAILING = "def main(args):\n    return {'n': 1 / 0}"
SPIN = "def main(args):\n    while True:\n        pass"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead, whatever kill(0) says
            return stat.read().split(") ")[1][0] != "Z"
    except (FileNotFoundError, ProcessLookupError):  # reaped between the two looks
        return False


async def wait_dead(pid: int, within_s: float = 10) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        await asyncio.sleep(0.05)
    return False


async def test_a_worker_is_reused_until_its_execution_limit() -> None:
    async with SandboxPool(size=1, max_executions_per_worker=3) as pool:
        [first] = pool.pids()
        for n in range(2):
            assert (await pool.run(TRIVIAL, {"n": n})).value == {"n": 2 * n}
            assert pool.pids() == [first]
        await pool.run(TRIVIAL, {"n": 2})  # the third execution retires the worker
        assert await wait_dead(first)
        assert (await pool.run(TRIVIAL, {"n": 5})).value == {"n": 10}
        assert first not in pool.pids()


async def test_a_failing_run_does_not_cost_the_warm_zygote() -> None:
    async with SandboxPool(size=1) as pool:
        [first] = pool.pids()
        with pytest.raises(SandboxCompileError):
            await pool.run("def main(args) return", {})  # does not compile: rejected before any process
        with pytest.raises(SandboxRuntimeError, match="ZeroDivisionError"):
            await pool.run(FAILING, {})
        assert (await pool.run(TRIVIAL, {"n": 1})).value == {"n": 2}
        assert pool.pids() == [first]  # each run was a fresh child of the same zygote


async def test_a_timeout_kills_the_run_and_the_zygote_stays_warm() -> None:
    async with SandboxPool(size=1) as pool:
        [first] = pool.pids()
        started = time.monotonic()
        with pytest.raises(SandboxTimeoutError, match=r"code ran longer than 0.5 s and was stopped"):
            await pool.run(SPIN, {}, timeout_s=0.5)
        assert time.monotonic() - started < 5
        assert (await pool.run(TRIVIAL, {"n": 4})).value == {"n": 8}
        assert pool.pids() == [first]


async def test_a_cancelled_call_kills_its_sandbox() -> None:
    async with SandboxPool(size=1) as pool:
        [first] = pool.pids()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.5):  # how the runner enforces a node's timeout_s
                await pool.run(SPIN, {}, timeout_s=60)
        assert await wait_dead(first)
        assert (await pool.run(TRIVIAL, {"n": 1})).value == {"n": 2}


async def test_cpu_time_is_capped_by_the_kernel() -> None:
    async with SandboxPool(size=1, cpu_seconds=1) as pool:
        with pytest.raises(SandboxLimitError, match=r"code used more than 1 s of CPU time and was stopped"):
            await pool.run(SPIN, {}, timeout_s=60)
        assert (await pool.run(TRIVIAL, {"n": 1})).value == {"n": 2}


async def test_twenty_concurrent_calls_all_get_their_own_answer() -> None:
    async with SandboxPool(size=2) as pool:
        results = await asyncio.gather(*(pool.run(TRIVIAL, {"n": n}) for n in range(20)))
        assert [r.value["n"] for r in results] == [2 * n for n in range(20)]
        assert len(pool.pids()) == 2


async def test_close_kills_every_worker_and_refuses_new_work() -> None:
    pool = SandboxPool(size=2)
    await pool.start()
    pids = pool.pids()
    assert len(pids) == 2
    await pool.close()
    for pid in pids:
        assert await wait_dead(pid)
    with pytest.raises(SandboxUnavailableError, match="closed"):
        await pool.run(TRIVIAL, {"n": 1})


def test_a_pool_survives_moving_to_another_event_loop() -> None:
    pool = SandboxPool(size=1)
    assert asyncio.run(pool.run(TRIVIAL, {"n": 1})).value == {"n": 2}
    assert asyncio.run(pool.run(TRIVIAL, {"n": 2})).value == {"n": 4}
    asyncio.run(pool.close())


async def test_module_state_does_not_leak_between_runs() -> None:
    seeded = "import random\ndef main(args):\n    random.seed(7)\n    return {'x': random.random()}"
    follow = "import random\ndef main(args):\n    return {'x': random.random()}"
    async with SandboxPool(size=1) as pool:
        await pool.run(seeded, {})
        expected_next = random.Random(7)
        expected_next.random()
        assert (await pool.run(follow, {})).value["x"] != expected_next.random()


async def test_closing_right_after_a_failure_leaves_no_process_or_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    pool = SandboxPool(size=2)
    await pool.start()
    with pytest.raises(SandboxRuntimeError):
        await pool.run(FAILING, {})  # its replacement is still starting when we close
    pids = pool.pids()
    await pool.close()
    for pid in pids:
        assert await wait_dead(pid)
    assert list(tmp_path.iterdir()) == []
