"""A warm pool of sandbox worker processes, driven from asyncio.

Each of ``size`` slots holds a worker that is ready or still starting. ``run`` takes a slot, sends the
job, and either returns the worker to the pool or, after a failure, a timeout or its ``N``-th job, kills
its process group and puts a freshly starting worker in its place, so the next call finds one warm.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nodes.sandbox.runtime import protocol
from nodes.sandbox.errors import (
    SandboxCompileError, SandboxError, SandboxLimitError, SandboxRuntimeError, SandboxTimeoutError,
    SandboxUnavailableError,
)

_ROOT = str(Path(__file__).resolve().parents[2])  # the directory holding the ``nodes`` package
_BOOT = f"import sys; sys.path.insert(0, {_ROOT!r}); from nodes.sandbox.runtime.zygote import main; main()"
_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": "/nonexistent"}
_START_TIMEOUT_S = 60.0


@dataclass
class SandboxResult:
    """What ``main`` returned, and what it printed (one entry per line, capped)."""

    value: dict[str, Any]
    logs: list[str] = field(default_factory=list)


class _Worker:
    """The host's handle on one worker process."""

    def __init__(self, process: asyncio.subprocess.Process, workdir: str, info: dict[str, Any]):
        self.process = process
        self.workdir = workdir
        self.info = info
        self.executions = 0

    @property
    def pid(self) -> int:
        return self.process.pid

    async def call(self, payload: bytes, max_reply: int) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(payload)
        await self.process.stdin.drain()
        (size,) = protocol.HEADER.unpack(await self.process.stdout.readexactly(protocol.HEADER.size))
        if size > max_reply:
            raise SandboxLimitError(f"sandbox reply is {size:,} bytes, over the limit of {max_reply:,}")
        return protocol.decode(await self.process.stdout.readexactly(size))

    def kill(self) -> None:
        """Kill the worker's whole process group and remove its working directory."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        shutil.rmtree(self.workdir, ignore_errors=True)


class SandboxPool:
    """Runs user code in warm, confined worker processes. One pool per server or CLI process."""

    def __init__(self, size: int = 2, max_executions_per_worker: int = 200, memory_mb: int = 256,
                 cpu_seconds: int = 10, *, max_output_bytes: int = 1_000_000, max_output_depth: int = 20,
                 max_log_bytes: int = 65_536, isolation: str | None = None):
        if size < 1:
            raise ValueError("sandbox pool size must be at least 1")
        self.size = size
        self.max_executions_per_worker = max_executions_per_worker
        self.memory_mb = memory_mb
        self.cpu_seconds = cpu_seconds
        self.max_output_bytes = max_output_bytes
        self._settings = json.dumps({
            "memory_mb": memory_mb, "cpu_seconds": cpu_seconds, "max_executions": max_executions_per_worker,
            "max_output_bytes": max_output_bytes, "max_output_depth": max_output_depth,
            "max_log_bytes": max_log_bytes})
        self._max_reply = max_output_bytes + 4 * max_log_bytes + 65_536
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Queue[asyncio.Future[_Worker]] | None = None
        self._live: set[_Worker] = set()
        self._reapers: set[asyncio.Task[Any]] = set()
        self._starting: set[asyncio.Future[_Worker]] = set()
        self._closed = False

    # -- public -------------------------------------------------------------------------------------
    async def start(self) -> None:
        """Start the workers now rather than on the first ``run``; waits until they are ready."""
        self._bind()
        await asyncio.gather(*self._starting, return_exceptions=True)

    async def run(self, code: str, args: dict[str, Any], *, timeout_s: float = 10.0) -> SandboxResult:
        """Run ``code``'s ``main(args)`` in a worker; raise a ``SandboxError`` if it fails."""
        payload = protocol.encode({"code": code, "args": args})
        slots = self._bind()
        slot = await slots.get()
        try:
            worker = await asyncio.shield(slot)
        except asyncio.CancelledError:
            slots.put_nowait(slot)  # still starting: the next caller gets it
            raise
        except BaseException:
            slots.put_nowait(self._spawn_later())
            raise
        healthy = False
        try:
            worker.executions += 1
            try:
                async with asyncio.timeout(timeout_s):
                    reply = await worker.call(payload, self._max_reply)
            except TimeoutError:
                raise SandboxTimeoutError(f"code ran longer than {timeout_s:g} s and was stopped") from None
            except (asyncio.IncompleteReadError, ConnectionError):
                raise await self._death(worker) from None
            # A compile error ran no user code, so the worker is as clean as before.
            healthy = bool(reply.get("ok")) or reply.get("kind") == "compile"
            return _result(reply)
        finally:
            if healthy and worker.executions < self.max_executions_per_worker:
                self._give_back(slots, worker)
            else:
                self._retire(worker)
                if not self._closed:
                    slots.put_nowait(self._spawn_later())

    def pids(self) -> list[int]:
        """Process ids of the live workers (for monitoring and tests)."""
        return sorted(worker.pid for worker in self._live)

    async def close(self) -> None:
        """Kill every worker; the pool cannot be used afterwards."""
        self._closed = True
        same_loop = self._loop is asyncio.get_running_loop()
        if same_loop and self._starting:
            # Let starting workers finish (a second at most) rather than cancel them half-way through
            # process creation, which could strand the process or its directory.
            await asyncio.gather(*self._starting, return_exceptions=True)
        for worker in list(self._live):
            self._retire(worker, reap=same_loop)
        if self._slots is not None:
            while not self._slots.empty():
                slot = self._slots.get_nowait()
                slot.cancel()
        if self._reapers:
            await asyncio.gather(*self._reapers, return_exceptions=True)

    async def __aenter__(self) -> "SandboxPool":
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- workers ------------------------------------------------------------------------------------
    def _bind(self) -> asyncio.Queue[asyncio.Future[_Worker]]:
        """The slot queue for the running event loop; a pool moved to a new loop starts new workers."""
        if self._closed:
            raise SandboxUnavailableError("the sandbox pool is closed")
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._slots is None:
            for worker in list(self._live):
                self._retire(worker, reap=False)
            self._loop, self._slots = loop, asyncio.Queue()
            for _ in range(self.size):
                self._slots.put_nowait(self._spawn_later())
        return self._slots

    def _spawn_later(self) -> asyncio.Future[_Worker]:
        task = asyncio.ensure_future(self._spawn())
        self._starting.add(task)
        task.add_done_callback(self._starting.discard)
        return task

    async def _spawn(self) -> _Worker:
        workdir = tempfile.mkdtemp(prefix="loom-sandbox-")
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-I", "-B", "-c", _BOOT, self._settings, stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, cwd=workdir, env=_ENV,
                start_new_session=True, close_fds=True)
        except BaseException as exc:
            shutil.rmtree(workdir, ignore_errors=True)
            if isinstance(exc, OSError):
                raise SandboxUnavailableError(f"cannot start a sandbox worker: {exc}") from None
            raise
        worker = _Worker(process, workdir, {})
        self._live.add(worker)
        try:
            assert process.stdout is not None
            async with asyncio.timeout(_START_TIMEOUT_S):
                (size,) = protocol.HEADER.unpack(await process.stdout.readexactly(protocol.HEADER.size))
                worker.info = protocol.decode(await process.stdout.readexactly(size))
        except (asyncio.IncompleteReadError, TimeoutError, ValueError):
            self._retire(worker)
            code = process.returncode
            raise SandboxUnavailableError("a sandbox worker failed to start"
                                          + (f" (exit status {code})" if code is not None else "")) from None
        except BaseException:
            self._retire(worker)
            raise
        return worker

    def _give_back(self, slots: asyncio.Queue[asyncio.Future[_Worker]], worker: _Worker) -> None:
        ready: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
        ready.set_result(worker)
        slots.put_nowait(ready)

    def _retire(self, worker: _Worker, *, reap: bool = True) -> None:
        worker.kill()
        self._live.discard(worker)
        if reap:  # collect the exit status so no zombie is left behind
            task = asyncio.ensure_future(worker.process.wait())
            self._reapers.add(task)
            task.add_done_callback(self._reapers.discard)
        else:
            # The worker belongs to an event loop that is gone (the child watcher still reaps it). Mark its
            # transport closed now; otherwise its finaliser tries to use the dead loop.
            with contextlib.suppress(RuntimeError):
                worker.process._transport.close()  # type: ignore[attr-defined]

    async def _death(self, worker: _Worker) -> SandboxError:
        """Explain why a worker vanished mid-job."""
        try:
            async with asyncio.timeout(5):
                code = await worker.process.wait()
        except TimeoutError:
            return SandboxUnavailableError("the sandbox worker stopped responding")
        if code == -signal.SIGXCPU:
            return SandboxLimitError(f"code used more than {self.cpu_seconds} s of CPU time and was stopped")
        if code == -signal.SIGKILL:
            return SandboxLimitError("the sandbox worker was killed (out of memory or CPU time)")
        if code < 0:
            return SandboxError(f"the sandbox worker crashed ({signal.Signals(-code).name})")
        return SandboxError(f"the sandbox worker exited unexpectedly (status {code})")


def _result(reply: dict[str, Any]) -> SandboxResult:
    logs = [str(line) for line in reply.get("logs") or []]
    if reply.get("ok"):
        value = reply.get("value")
        return SandboxResult(value=value if isinstance(value, dict) else {}, logs=logs)
    kind, message = reply.get("kind"), str(reply.get("message") or "the code failed")
    error: SandboxError
    if kind == "compile":
        error = SandboxCompileError(message, line=reply.get("line"), column=reply.get("column"))
    elif kind == "runtime":
        trace = [str(line) for line in reply.get("traceback") or []]
        text = message + "".join(f"\n  {line}" for line in trace)
        error = SandboxRuntimeError(text, traceback=trace)
    elif kind == "limit":
        error = SandboxLimitError(message)
    elif kind == "output":
        error = SandboxRuntimeError(message)
    else:
        error = SandboxError(message)
    error.logs = logs  # type: ignore[attr-defined]
    raise error
