"""A warm pool of sandbox zygotes, driven from asyncio.

Each of ``size`` slots holds a zygote that is ready or still starting (``runtime/zygote.py``): a warm
interpreter, isolated by ``isolation.py``, that forks a fresh child for every run. ``run`` compiles the code
here under the language policy (cached; compiling never runs it), takes a slot, and sends the job. The
zygote enforces the wall-clock limit itself and stays warm after any failure of the user's code; only when
it stops answering (or the call is cancelled, or it reached ``max_executions_per_worker``) is its whole
sandbox killed and a fresh one started in its place.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import json
import marshal
import os
import signal
from dataclasses import dataclass, field
from typing import Any

from nodes.sandbox import compiler, isolation, seccomp
from nodes.sandbox.errors import (
    SandboxCompileError,
    SandboxError,
    SandboxLimitError,
    SandboxRuntimeError,
    SandboxTimeoutError,
    SandboxUnavailableError,
)
from nodes.sandbox.runtime import protocol

_START_TIMEOUT_S = 60.0
_BACKSTOP_S = 5.0  # past the zygote's own deadline, how long the host waits before killing the sandbox
_NONE_HINT = (f"Set {isolation.ENV_ISOLATION}=none only on a trusted single-user machine: it runs code nodes "
              "without operating-system isolation.")


@dataclass
class SandboxResult:
    """What ``main`` returned, and what it printed (one entry per line, capped)."""

    value: dict[str, Any]
    logs: list[str] = field(default_factory=list)


@functools.lru_cache(maxsize=256)
def _compiled(code: str) -> str:
    """``code`` compiled under the language policy, marshalled for the zygote (raises SandboxCompileError)."""
    return base64.b64encode(marshal.dumps(compiler.compile_code(code))).decode()


class _Worker:
    """The host's handle on one zygote (the bubblewrap process that holds it, when isolated)."""

    def __init__(self, process: asyncio.subprocess.Process, plan: isolation.Launch):
        self.process = process
        self.plan = plan
        self.info: dict[str, Any] = {}
        self.executions = 0

    @property
    def pid(self) -> int:
        return self.process.pid

    async def send(self, payload: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(payload)
        await self.process.stdin.drain()

    async def receive(self, max_reply: int) -> bytes:
        """One frame's body. A frame over ``max_reply`` means the zygote itself is broken: it checks sizes."""
        assert self.process.stdout is not None
        (size,) = protocol.HEADER.unpack(await self.process.stdout.readexactly(protocol.HEADER.size))
        if size > max_reply:
            raise ConnectionError(f"sandbox reply is {size:,} bytes, over the limit of {max_reply:,}")
        return await self.process.stdout.readexactly(size)

    def kill(self) -> None:
        """Kill the zygote's whole process group (its sandbox goes with it) and remove its files."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.plan.remove()


class SandboxPool:
    """Runs user code in warm, isolated zygotes, a fresh child per run. One pool per server or CLI process.

    ``isolation`` is ``full`` or ``none`` (default: ``LOOM_SANDBOX_ISOLATION``, else ``full``). ``language=False``
    turns the language layer off and runs plain Python: only for tests that show the operating-system layer
    holds by itself.
    """

    def __init__(self, size: int = 2, max_executions_per_worker: int = 10_000, memory_mb: int = 256,
                 cpu_seconds: int = 10, *, max_output_bytes: int = 1_000_000, max_output_depth: int = 20,
                 max_log_bytes: int = 65_536, isolation: str | None = None, language: bool = True):
        if size < 1:
            raise ValueError("sandbox pool size must be at least 1")
        self.size = size
        self.max_executions_per_worker = max_executions_per_worker
        self.memory_mb = memory_mb
        self.cpu_seconds = cpu_seconds
        self.max_output_bytes = max_output_bytes
        self.isolation = isolation_mode(isolation)
        self.language = language
        self._max_reply = max_output_bytes + 4 * max_log_bytes + 65_536
        self._settings = {
            "memory_mb": memory_mb, "cpu_seconds": cpu_seconds, "max_output_bytes": max_output_bytes,
            "max_output_depth": max_output_depth, "max_log_bytes": max_log_bytes, "language": language,
            "max_reply": self._max_reply}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Queue[asyncio.Future[_Worker]] | None = None
        self._live: set[_Worker] = set()
        self._reapers: set[asyncio.Task[Any]] = set()
        self._starting: set[asyncio.Future[_Worker]] = set()
        self._closed = False

    # -- public -------------------------------------------------------------------------------------
    async def start(self) -> None:
        """Start the zygotes now rather than on the first ``run``; waits until they are ready."""
        self._bind()
        await asyncio.gather(*self._starting, return_exceptions=True)

    async def run(self, code: str, args: dict[str, Any], *, timeout_s: float = 10.0) -> SandboxResult:
        """Run ``code``'s ``main(args)`` in a fresh child of a zygote; raise a ``SandboxError`` if it fails."""
        compiled = _compiled(code) if self.language else None  # a compile error costs no process at all
        body = json.dumps({"source": code, "compiled": compiled, "args": args}, ensure_ascii=False,
                          default=str).encode()
        payload = protocol.encode_job(body, timeout_s)
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
                async with asyncio.timeout(timeout_s + _BACKSTOP_S):
                    await worker.send(payload)
                    body = await worker.receive(self._max_reply)
            except TimeoutError:
                raise SandboxTimeoutError(f"code ran longer than {timeout_s:g} s and was stopped") from None
            except (asyncio.IncompleteReadError, ConnectionError):
                raise await self._death(worker) from None
            healthy = True  # the zygote answered: whatever the child did, the zygote is as clean as before
            try:
                reply = protocol.decode(body)
            except ValueError:  # the child wrote it, and the child may have been subverted
                raise SandboxError("the code's run sent back an unreadable reply") from None
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

    async def __aenter__(self) -> SandboxPool:
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
        problem = await asyncio.to_thread(isolation.problem, self.isolation)
        if problem:
            raise SandboxUnavailableError(f"code nodes are disabled: {problem}. {_NONE_HINT}")
        try:
            plan = isolation.launch(self.isolation)
            settings = dict(self._settings, scratch=plan.scratch, uid=plan.uid,
                            seccomp=seccomp.run_program().hex() if plan.seccomp else None)
        except (isolation.IsolationError, seccomp.SeccompUnavailable) as exc:
            raise SandboxUnavailableError(f"code nodes are disabled: {exc}. {_NONE_HINT}") from None
        try:
            process = await asyncio.create_subprocess_exec(
                *plan.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, cwd=plan.cwd, env=plan.env, start_new_session=True,
                close_fds=True, pass_fds=plan.pass_fds)
        except BaseException as exc:
            plan.remove()
            if isinstance(exc, OSError):
                raise SandboxUnavailableError(f"cannot start a sandbox worker: {exc}") from None
            raise
        plan.close_fds()
        worker = _Worker(process, plan)
        self._live.add(worker)
        try:
            assert process.stdout is not None and process.stderr is not None
            async with asyncio.timeout(_START_TIMEOUT_S):
                await worker.send(protocol.encode(settings))
                worker.info = protocol.decode(await worker.receive(1 << 20))
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError, ValueError):
            self._retire(worker)
            code = process.returncode
            said = ""
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1):
                    assert process.stderr is not None
                    said = (await process.stderr.read(4096)).decode(errors="replace")
            detail = isolation.explain(said) if said.strip() else ""
            raise SandboxUnavailableError("a sandbox worker failed to start"
                                          + (f" (exit status {code})" if code is not None else "")
                                          + (f": {detail}" if detail else "")) from None
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
        """Explain why a zygote vanished mid-job (its children's deaths are explained by the zygote)."""
        try:
            async with asyncio.timeout(5):
                code = await worker.process.wait()
        except TimeoutError:
            return SandboxUnavailableError("the sandbox worker stopped responding")
        if code == -signal.SIGKILL:
            return SandboxLimitError("the sandbox worker was killed (out of memory or CPU time)")
        if code < 0:
            return SandboxError(f"the sandbox worker crashed ({signal.Signals(-code).name})")
        return SandboxError(f"the sandbox worker exited unexpectedly (status {code})")


def _result(reply: dict[str, Any]) -> SandboxResult:
    """The zygote's reply as a result or a ``SandboxError``. A child wrote most of it: trust no type."""
    logs = _strings(reply.get("logs"))
    if reply.get("ok") is True:
        value = reply.get("value")
        return SandboxResult(value=value if isinstance(value, dict) else {}, logs=logs)
    kind, message = reply.get("kind"), reply.get("message")
    message = message[:_MAX_MESSAGE] if isinstance(message, str) and message else "the code failed"
    error: SandboxError
    if kind == "compile":
        error = SandboxCompileError(message, line=_int(reply.get("line")), column=_int(reply.get("column")))
    elif kind == "runtime":
        trace = _strings(reply.get("traceback"))
        text = message + "".join(f"\n  {line}" for line in trace)
        error = SandboxRuntimeError(text, traceback=trace)
    elif kind == "limit":
        error = SandboxLimitError(message)
    elif kind == "timeout":
        error = SandboxTimeoutError(message)
    elif kind == "output":
        error = SandboxRuntimeError(message)
    else:
        error = SandboxError(message)
    error.logs = logs
    raise error


_MAX_MESSAGE = 10_000


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    return value if type(value) is int else None


def isolation_mode(value: str | None) -> str:
    """``value``, else the ``LOOM_SANDBOX_ISOLATION`` setting (``full`` by default), checked."""
    if value is None:
        try:
            return isolation.mode()
        except isolation.IsolationError as exc:
            raise SandboxUnavailableError(str(exc)) from None
    if value not in isolation.MODES:
        raise ValueError(f"unknown sandbox isolation {value!r} (use one of: {', '.join(isolation.MODES)})")
    return value
