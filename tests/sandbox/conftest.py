"""Sandbox fixtures: real worker pools per test module, and a check that the host stayed untouched.

``pool`` has every layer on. ``language_pool`` has the language layer alone (no operating-system isolation,
as with ``LOOM_SANDBOX_ISOLATION=none``): the attack suite runs against both, so each layer is shown to
hold by itself. The host's environment holds ``SECRET`` while the pools start and run; no output may show it.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from nodes.sandbox import SandboxPool

# Paths hostile payloads aim at; none may exist after any test.
TARGETS = [Path("/tmp/loom-sandbox-pwned"), Path.cwd() / "loom-sandbox-pwned"]
SECRET = "loom-test-secret-7f3a9c"
os.environ.setdefault("LOOM_SANDBOX_TEST_SECRET", SECRET)


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def pool() -> AsyncIterator[SandboxPool]:
    async with SandboxPool(size=2, max_executions_per_worker=50) as sandbox:
        yield sandbox


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def language_pool() -> AsyncIterator[SandboxPool]:
    async with SandboxPool(size=2, max_executions_per_worker=50, isolation="none") as sandbox:
        yield sandbox


@pytest.fixture
def host_intact(tmp_path: Path) -> Iterator[None]:
    """Snapshot what a payload could harm in the host; assert it is unchanged afterwards."""
    canary = tmp_path / "canary.txt"
    canary.write_text("untouched")
    def environ() -> dict[str, str]:
        return {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}

    before, cwd, pid = environ(), os.getcwd(), os.getpid()
    for target in TARGETS:
        target.unlink(missing_ok=True)
    yield
    assert canary.read_text() == "untouched"
    assert environ() == before
    assert os.getcwd() == cwd and os.getpid() == pid
    for target in TARGETS:
        assert not target.exists(), f"payload created {target}"
