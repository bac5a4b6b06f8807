"""Deployment lifecycle: pending → starting → ready → stopping → stopped, or failed with a reason.

One supervisor task per running deployment spawns the server, polls ``/health`` and ``/v1/models`` until
ready, watches it, restarts it with backoff when it crashes, and stops it with SIGTERM then SIGKILL.
Servers outlive Loom: on start-up ``reattach`` adopts the live ones and marks the rest stopped.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from modelhub import launcher
from modelhub.errors import DeploymentConflict
from modelhub.repository import DeploymentRecord, ModelRepository

log = logging.getLogger(__name__)
LIVE = ("starting", "ready", "stopping")


@dataclass
class Timing:
    """How often to look and how long to wait; tests shorten these."""

    poll_s: float = 0.25
    health_interval_s: float = 5.0
    health_failures: int = 3
    grace_s: float = 15.0
    backoff_s: float = 2.0
    max_backoff_s: float = 60.0


class _Failed(Exception):
    pass


class Deployments:
    """Starts, watches, restarts and stops deployment servers; the registry keeps their state."""

    def __init__(self, registry: ModelRepository, data_dir: Path, timing: Timing | None = None,
                 on_change: Callable[[], None] | None = None):
        self.registry = registry
        self.data_dir = data_dir
        self.timing = timing or Timing()
        self.on_change = on_change or (lambda: None)
        self._tasks: dict[str, asyncio.Task] = {}
        self._procs: dict[str, subprocess.Popen] = {}

    def log_path(self, row: DeploymentRecord) -> Path:
        return self.data_dir / "deployments" / row.name / "server.log"

    def _set(self, deployment_id: str, state: str, **fields: object) -> DeploymentRecord:
        row = self.registry.update_deployment(deployment_id, state=state, **fields)
        self.on_change()
        return row

    def running(self, deployment_id: str) -> bool:
        task = self._tasks.get(deployment_id)
        return task is not None and not task.done()

    # -- start ---------------------------------------------------------------------------------------
    async def start(self, ident: str) -> DeploymentRecord:
        row = self.registry.get_deployment(ident)
        if self.running(row.id) or (row.state in LIVE and launcher.alive(row.pid)):
            raise DeploymentConflict(f"deployment '{row.name}' is already {row.state}; stop it first")
        try:
            launch = launcher.build(row.backend, row.name, row.spec)
        except launcher.LaunchError as exc:
            return self._set(row.id, "failed", reason=str(exc), pid=None)
        row = self._set(row.id, "starting", reason=None, port=launch.port, restarts=0,
                        log_path=str(self.log_path(row)))
        self._tasks[row.id] = asyncio.create_task(self._supervise(row, launch, None), name=f"deployment {row.name}")
        return row

    async def _supervise(self, row: DeploymentRecord, launch: launcher.Launch, attached: int | None) -> None:
        restarts, was_ready = 0, attached is not None
        log_path = self.log_path(row)
        async with httpx.AsyncClient() as client:
            while True:
                pid, proc = attached, None
                try:
                    if attached is None:
                        proc = launcher.spawn(launch, log_path)
                        pid = proc.pid
                        self._procs[row.id] = proc
                        self._set(row.id, "starting", pid=pid, port=launch.port)
                        await self._wait_ready(client, row, proc, launch.port)
                        self._set(row.id, "ready", reason=None)
                    was_ready = True
                    crash = await self._watch(client, row, pid, proc, launch.port)
                except _Failed as exc:
                    if pid:
                        await asyncio.to_thread(launcher.terminate, pid, self.timing.grace_s, proc)
                    if not was_ready:  # it never came up: the same command would fail again
                        self._set(row.id, "failed", reason=str(exc), pid=None)
                        return
                    crash = str(exc)
                attached = None
                restarts += 1
                if restarts > row.spec.get("max_restarts", 5):
                    self._set(row.id, "failed", pid=None, restarts=restarts - 1,
                              reason=f"crashed {restarts} times, giving up; last: {crash}")
                    return
                delay = min(self.timing.backoff_s * 2 ** (restarts - 1), self.timing.max_backoff_s)
                log.warning("deployment %s crashed (%s); restart %d in %.1f s", row.name, crash, restarts, delay)
                self._set(row.id, "starting", pid=None, restarts=restarts,
                          reason=f"crashed ({crash}); restart {restarts} in {delay:g} s")
                await asyncio.sleep(delay)
                row = self.registry.get_deployment(row.id)  # adapters may have changed meanwhile
                launch = launcher.build(row.backend, row.name, row.spec, port=launch.port)

    async def _wait_ready(self, client: httpx.AsyncClient, row: DeploymentRecord, proc: subprocess.Popen,
                          port: int) -> None:
        timeout = float(row.spec.get("start_timeout_s") or 900)
        deadline = asyncio.get_running_loop().time() + timeout
        missing = "no answer yet"
        while True:
            code = proc.poll()
            if code is not None:
                last = next((line for line in reversed(launcher.tail(self.log_path(row), 20)) if line.strip()), "")
                raise _Failed(f"the server exited with code {code} while starting"
                              + (f": {last.strip()}" if last else ""))
            missing = await launcher.probe(client, port, row.name) or ""
            if not missing:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise _Failed(f"not ready after {timeout:g} s ({missing}); see the log")
            await asyncio.sleep(self.timing.poll_s)

    async def _watch(self, client: httpx.AsyncClient, row: DeploymentRecord, pid: int | None,
                     proc: subprocess.Popen | None, port: int) -> str:
        """Returns (why) when the server died or stopped answering."""
        loop = asyncio.get_running_loop()
        next_check, failures = loop.time() + self.timing.health_interval_s, 0
        while True:
            await asyncio.sleep(self.timing.poll_s)
            if proc is not None and proc.poll() is not None:
                return f"exited with code {proc.returncode}"
            if proc is None and not launcher.alive(pid):
                return "the process is gone"
            if loop.time() >= next_check:
                next_check = loop.time() + self.timing.health_interval_s
                problem = await launcher.probe(client, port, row.name)
                failures = failures + 1 if problem else 0
                if failures >= self.timing.health_failures:
                    raise _Failed(f"health check failed {failures} times: {problem}")

    # -- stop ----------------------------------------------------------------------------------------
    async def stop(self, ident: str, reason: str | None = None) -> DeploymentRecord:
        row = self.registry.get_deployment(ident)
        task = self._tasks.pop(row.id, None)
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        proc = self._procs.pop(row.id, None)
        row = self.registry.get_deployment(row.id)
        pid = proc.pid if proc is not None else row.pid
        if pid and (proc is not None and proc.poll() is None or proc is None and launcher.alive(pid)):
            self._set(row.id, "stopping")
            how = await asyncio.to_thread(launcher.terminate, pid, self.timing.grace_s, proc)
            log.info("deployment %s stopped (%s)", row.name, how)
        if row.state == "failed":
            return self._set(row.id, "failed", pid=None)
        return self._set(row.id, "stopped", pid=None, reason=reason)

    async def restart(self, ident: str) -> DeploymentRecord:
        await self.stop(ident)
        return await self.start(ident)

    # -- Loom restarts -------------------------------------------------------------------------------
    async def reattach(self) -> None:
        """Adopt servers still running from an earlier Loom process; mark the others stopped."""
        async with httpx.AsyncClient() as client:
            for row in self.registry.list_deployments():
                if row.state not in LIVE or self.running(row.id):
                    continue
                healthy = launcher.alive(row.pid) and row.port is not None and \
                    await launcher.probe(client, row.port, row.name) is None
                if healthy and row.state != "stopping":
                    self._set(row.id, "ready", reason=None)
                    launch = launcher.Launch([], {}, int(row.port or 0))
                    self._tasks[row.id] = asyncio.create_task(self._supervise(row, launch, row.pid))
                    continue
                if launcher.alive(row.pid):  # alive but not serving: a half-started leftover
                    await asyncio.to_thread(launcher.terminate, int(row.pid or 0), self.timing.grace_s)
                self._set(row.id, "stopped", pid=None, reason="the server was not running when Loom restarted")

    async def close(self, stop_servers: bool = False) -> None:
        """Stop supervising (servers keep running for the next Loom to re-attach, unless ``stop_servers``)."""
        for deployment_id in list(self._tasks):
            if stop_servers:
                await self.stop(deployment_id)
            else:
                task = self._tasks.pop(deployment_id)
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self._procs.clear()
