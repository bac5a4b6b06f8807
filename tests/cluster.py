"""A Loom cluster on 127.0.0.1 for tests and benchmarks: a throwaway PostgreSQL (tests/pg.py) and Redis
(tests/redis_server.py), N ``loom serve`` processes (API replicas) on free ports and M ``loom worker`` processes,
all sharing one database, one Redis and one data directory; members can be stopped, SIGKILLed and restarted, and
every member's output is kept in a log file of the cluster's temporary directory::

    from tests.cluster import Cluster

    with Cluster(apis=2, workers=2) as cluster:
        cluster.apis[0].url                           # http://127.0.0.1:<port>
        cluster.kill("worker-1"); cluster.restart("worker-1")
        with cluster.explained():                     # an assertion failing here carries every member's log
            ...

``workers=0`` gives API replicas alone (``LOOM_TASKS=inline``); ``database="sqlite"`` a SQLite file in the shared
data directory instead of PostgreSQL; ``redis=False`` (with no workers) a single embedded server;
``knowledge="postgres"`` knowledge indexes in PostgreSQL with pgvector (``LOOM_KNOWLEDGE_BACKEND=postgres``).
``env`` adds settings for every member. ``ClusterUnavailable`` says which service binary is missing;
``require_services()`` turns it into a skip, or a failure in CI (``CI`` set).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Literal

import httpx
import pytest

from tests.pg import PostgresServer, PostgresUnavailable
from tests.ports import free_port
from tests.redis_server import RedisServer, RedisUnavailable

LOOM = str(Path(sys.executable).with_name("loom"))
START_TIMEOUT_S = 120.0


class ClusterUnavailable(RuntimeError):
    """A service the cluster needs (PostgreSQL, Redis) is missing here or would not start."""


def require_services(database: str = "postgres", redis: bool = True, vector: bool = False) -> None:
    """Skip the calling test when PostgreSQL (with pgvector: ``vector``) or Redis binaries are missing, or fail in
    CI (``CI`` set)."""
    from tests.pg import find_bin
    from tests.redis_server import find_server

    try:
        if database == "postgres":
            find_bin(vector=vector)
        if redis:
            find_server()
    except (PostgresUnavailable, RedisUnavailable) as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs PostgreSQL and Redis for the cluster tests: {exc}")
        pytest.skip(str(exc))


@dataclass
class Member:
    """One ``loom serve`` or ``loom worker`` process of the cluster."""

    name: str
    kind: Literal["api", "worker"]
    command: list[str]
    log_path: Path
    port: int | None = None
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        assert self.port is not None, f"{self.name} is a worker: it has no URL"
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self, tail: int = 6000) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return text[-tail:]


class Cluster:
    """Services and members, started by ``start()`` (or ``with``) and all stopped and removed by ``close()``."""

    def __init__(self, *, apis: int = 2, workers: int = 2, worker_concurrency: int = 4,
                 database: Literal["postgres", "sqlite"] = "postgres", redis: bool = True,
                 knowledge: Literal["embedded", "postgres"] = "embedded",
                 env: dict[str, str] | None = None, keep_logs: bool = False):
        if workers and not redis:
            raise ValueError("workers take their tasks from Redis: redis=False needs workers=0")
        if knowledge == "postgres" and database != "postgres":
            raise ValueError("knowledge='postgres' keeps the indexes in the cluster's PostgreSQL: it needs "
                             "database='postgres'")
        self.knowledge = knowledge
        self.root = Path(tempfile.mkdtemp(prefix="loom-cluster-"))
        self.data_dir = self.root / "data"
        self.database, self.use_redis, self.keep_logs = database, redis, keep_logs
        self.extra_env = dict(env or {})
        self.worker_concurrency = worker_concurrency
        self.postgres: PostgresServer | None = None
        self.redis: RedisServer | None = None
        self.env: dict[str, str] = {}
        self.members: dict[str, Member] = {}
        for i in range(1, apis + 1):
            port = free_port()
            self.members[f"api-{i}"] = Member(f"api-{i}", "api", [
                LOOM, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(self.data_dir)],
                self.root / f"api-{i}.log", port=port)
        for i in range(1, workers + 1):
            self.members[f"worker-{i}"] = Member(f"worker-{i}", "worker", [
                LOOM, "worker", "--concurrency", str(worker_concurrency), "--data-dir", str(self.data_dir)],
                self.root / f"worker-{i}.log")

    @property
    def apis(self) -> list[Member]:
        return [m for m in self.members.values() if m.kind == "api"]

    @property
    def workers(self) -> list[Member]:
        return [m for m in self.members.values() if m.kind == "worker"]

    # -- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> Cluster:
        try:
            self._start_services()
            self.migrate()  # as a deployment does: once, before every member starts at the same moment
            for member in self.members.values():
                self.start_member(member.name, wait=False)
            for member in self.members.values():
                self.wait_ready(member.name)
        except BaseException:
            self.close(failed=True)
            raise
        return self

    def _start_services(self) -> None:
        env = {"LOOM_DATA_DIR": str(self.data_dir),
               "PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1"}
        if self.database == "postgres":
            try:
                self.postgres = PostgresServer(vector=self.knowledge == "postgres").start()
            except PostgresUnavailable as exc:
                raise ClusterUnavailable(str(exc)) from None
            env["LOOM_DATABASE_URL"] = self.postgres.create_database("loom")
        else:
            env["LOOM_DATABASE_URL"] = f"sqlite:///{self.data_dir / 'loom.db'}"
        if self.use_redis:
            try:
                self.redis = RedisServer().start()
            except RedisUnavailable as exc:
                raise ClusterUnavailable(str(exc)) from None
            env["LOOM_REDIS_URL"] = self.redis.url()
        env["LOOM_TASKS"] = "celery" if self.workers else "inline"
        env["LOOM_KNOWLEDGE_BACKEND"] = self.knowledge
        self.env = env | self.extra_env

    def migrate(self) -> None:
        """``loom migrate``: the schema, and the knowledge backend's extension and table, before the members."""
        log = self.root / "migrate.log"
        with log.open("ab") as out:
            done = subprocess.run([LOOM, "migrate", "--data-dir", str(self.data_dir)], env={**os.environ, **self.env},
                                  stdout=out, stderr=subprocess.STDOUT, timeout=START_TIMEOUT_S)
        if done.returncode != 0:
            raise RuntimeError(f"loom migrate failed (status {done.returncode}):\n{log.read_text(errors='replace')}")

    def close(self, failed: bool = False) -> None:
        """Stop every member (SIGINT, then SIGKILL after 20 s) and the services; the logs go unless kept."""
        for member in self.members.values():
            if member.running:
                assert member.process is not None
                member.process.send_signal(signal.SIGINT)
        for member in self.members.values():
            self._reap(member, 20)
        if self.redis is not None:
            self.redis.stop()
            self.redis = None
        if self.postgres is not None:
            self.postgres.stop()
            self.postgres = None
        if failed or self.keep_logs:
            print(f"cluster logs kept in {self.root}", file=sys.stderr)
            return
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close(failed=exc is not None)

    # -- members --------------------------------------------------------------------------------------
    def start_member(self, name: str, wait: bool = True) -> Member:
        member = self.members[name]
        assert not member.running, f"{name} is already running"
        member._log = member.log_path.open("ab")
        member._log.write(f"---- start {member.starts + 1}: {' '.join(member.command)}\n".encode())
        member._log.flush()
        member.process = subprocess.Popen(member.command, env={**os.environ, **self.env}, stdout=member._log,
                                          stderr=subprocess.STDOUT, start_new_session=True)
        member.starts += 1
        if wait:
            self.wait_ready(name)
        return member

    def wait_ready(self, name: str, timeout: float = START_TIMEOUT_S) -> None:
        """An API member answers ``/healthz``; a worker has logged Celery's ``ready.`` since its latest start."""
        member = self.members[name]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not member.running:
                raise RuntimeError(f"{name} exited (status {member.process and member.process.returncode}) "
                                   f"while starting:\n{member.log()}")
            if member.kind == "worker":
                since_start = member.log(1_000_000).rsplit("---- start ", 1)[-1]
                if " ready." in since_start:
                    return
                time.sleep(0.2)
                continue
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{member.url}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{name} was not ready within {timeout:.0f} s:\n{member.log()}")

    def stop(self, name: str, timeout: float = 30) -> int | None:
        """Stop a member as Ctrl-C does (SIGINT), SIGKILL after ``timeout``; returns its exit status."""
        member = self.members[name]
        if member.running:
            assert member.process is not None
            member.process.send_signal(signal.SIGINT)
        return self._reap(member, timeout)

    def kill(self, name: str) -> int | None:
        """SIGKILL a member (and its children: its process group): no chance to clean up."""
        member = self.members[name]
        if member.running:
            assert member.process is not None
            with contextlib.suppress(ProcessLookupError):
                os.killpg(member.process.pid, signal.SIGKILL)
        return self._reap(member, 10)

    def restart(self, name: str, wait: bool = True) -> Member:
        self.stop(name)
        return self.start_member(name, wait=wait)

    def _reap(self, member: Member, timeout: float) -> int | None:
        if member.process is None:
            return None
        try:
            member.process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(member.process.pid, signal.SIGKILL)
            member.process.wait()
        if member._log is not None:
            member._log.close()
            member._log = None
        return member.process.returncode

    # -- diagnosis ------------------------------------------------------------------------------------
    def logs(self, tail: int = 6000) -> str:
        """The end of every member's log, one after the other."""
        return "\n".join(f"==== {m.name} ({'running' if m.running else 'stopped'}) {m.log_path}\n{m.log(tail)}"
                         for m in self.members.values())

    @contextlib.contextmanager
    def explained(self, tail: int = 6000) -> Iterator[None]:
        """An exception raised inside carries every member's log, and the logs are kept on disk."""
        try:
            yield
        except BaseException as exc:
            self.keep_logs = True
            exc.add_note(self.logs(tail))
            raise
