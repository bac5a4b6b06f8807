"""A throwaway Redis server on 127.0.0.1 for tests and benchmarks: Debian's ``redis-server`` on a random port,
no persistence (no RDB snapshots, no AOF), in a temporary directory removed on stop.

Reuse it wherever a test needs Redis::

    from tests.redis_server import RedisServer

    with RedisServer() as server:
        url = server.url()                            # redis://127.0.0.1:<port>/0
        ...

or from a shell (prints the server's URL, serves until interrupted)::

    .venv/bin/python -m tests.redis_server

The binary is ``LOOM_REDIS_SERVER`` when set, else ``redis-server`` on the PATH (``apt-get install
redis-server``). ``require_redis()`` is what a test calls first: it skips the test when the binary is missing,
except in CI (``CI`` set), where a missing server is a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import pytest

from tests.ports import free_port


class RedisUnavailable(RuntimeError):
    """No redis-server binary here, or it would not start; the message says which and why."""


def find_server() -> str:
    """The path of ``redis-server``."""
    configured = os.environ.get("LOOM_REDIS_SERVER")
    found = configured if configured and Path(configured).is_file() else shutil.which(configured or "redis-server")
    if not found:
        where = f"LOOM_REDIS_SERVER={configured}" if configured else "redis-server on the PATH"
        raise RedisUnavailable(f"{where} not found: install it with `apt-get install redis-server` "
                               "or set LOOM_REDIS_SERVER")
    return found


def require_redis() -> str:
    """The server binary; the calling test is skipped without one, or fails in CI."""
    try:
        return find_server()
    except RedisUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Redis for these tests: {exc}")
        pytest.skip(str(exc))


class RedisServer:
    """One server, started by ``start()`` (or ``with``) and stopped and removed by ``stop()``."""

    def __init__(self, port: int | None = None):
        self.binary = find_server()
        self.port = port or free_port()
        self.root: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        self.root = Path(tempfile.mkdtemp(prefix="loom-redis-"))
        log = self.root / "server.log"
        self._process = subprocess.Popen(
            [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.root), "--logfile", str(log), "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.2) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return self
            time.sleep(0.05)
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        self.stop()
        raise RedisUnavailable(f"redis-server did not start on 127.0.0.1:{self.port}\n{tail}")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def main() -> None:
    with RedisServer() as server:
        print(server.url(), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)


if __name__ == "__main__":
    main()
