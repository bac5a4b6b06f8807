"""A throwaway PostgreSQL server on 127.0.0.1 for tests and benchmarks: Debian's ``postgresql`` binaries, a fresh
cluster in a temporary directory, trust authentication on loopback only, no fsync; removed on stop.

Reuse it wherever a test needs Postgres::

    from tests.pg import PostgresServer

    with PostgresServer() as pg:
        url = pg.create_database("scratch")          # postgresql+psycopg://postgres@127.0.0.1:<port>/scratch
        ...
        pg.drop_database("scratch")

or from a shell (prints the server's URL, serves until interrupted)::

    .venv/bin/python -m tests.pg

The binaries are found through ``LOOM_PG_BIN`` (a ``bin`` folder), else the newest ``/usr/lib/postgresql/*/bin``
(``apt-get install postgresql``; ``postgresql-15-pgvector`` adds the ``vector`` extension, and
``has_extension("vector")`` says whether it is there). ``PostgresServer(vector=True)`` needs pgvector: where
those binaries lack it (Debian 12 packages no pgvector), it takes the ``pgserver`` wheel's (the ``test`` extra),
which bundles PostgreSQL 16 with pgvector; ``PostgresUnavailable`` says when neither has it. Postgres refuses
to run as root: as root the cluster belongs to, and runs as, the ``postgres`` user (``runuser``), so the same
code runs in CI as root and from ``make test`` as a normal user.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import psycopg
from psycopg import sql

from tests.ports import free_port

USER = "postgres"  # the database superuser of the cluster


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries here, or the server would not start; the message says which and why."""


def find_bin(vector: bool = False) -> Path:
    """The folder of ``initdb``/``pg_ctl``/``postgres``; with ``vector``, of binaries that have pgvector."""
    configured = os.environ.get("LOOM_PG_BIN")
    candidates = [configured] if configured else sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name) if
        Path(p).parent.name.isdigit() else 0, reverse=True)
    found = [Path(f) for f in candidates if (Path(f) / "initdb").is_file() and (Path(f) / "pg_ctl").is_file()]
    if vector:
        bundled = _pgserver_bin()
        with_vector = [f for f in [*found, *([bundled] if bundled else [])] if _has_vector(f)]
        if with_vector:
            return with_vector[0]
        where = ", ".join(str(f) for f in found) or "no PostgreSQL binaries found"
        raise PostgresUnavailable(f"no PostgreSQL with the pgvector extension ({where}): install the `pgserver` "
                                  "wheel (the project's `test` extra) or Debian's postgresql-<version>-pgvector")
    if found:
        return found[0]
    where = f"LOOM_PG_BIN={configured}" if configured else "/usr/lib/postgresql/*/bin"
    raise PostgresUnavailable(f"PostgreSQL server binaries (initdb, pg_ctl) not found in {where}: "
                              "install them with `apt-get install postgresql` or set LOOM_PG_BIN")


def _pgserver_bin() -> Path | None:
    """The binaries bundled by the ``pgserver`` wheel (PostgreSQL 16 with pgvector), when it is installed."""
    spec = importlib.util.find_spec("pgserver")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "pginstall" / "bin"
    return folder if (folder / "initdb").is_file() else None


def _has_vector(folder: Path) -> bool:
    """Whether the PostgreSQL of this ``bin`` folder has the ``vector`` extension installed."""
    try:
        done = subprocess.run([str(folder / "pg_config"), "--sharedir"], capture_output=True, text=True, timeout=30)
    except OSError:
        return False
    return done.returncode == 0 and (Path(done.stdout.strip()) / "extension" / "vector.control").is_file()


class PostgresServer:
    """One cluster, started by ``start()`` (or ``with``) and removed by ``stop()``."""

    def __init__(self, port: int | None = None, vector: bool = False):
        self.bin = find_bin(vector)
        self.port = port or free_port()
        self.root: Path | None = None
        self._run_as: list[str] = []

    # -- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> PostgresServer:
        self.root = Path(tempfile.mkdtemp(prefix="loom-pg-"))
        data = self.root / "data"
        if os.geteuid() == 0:  # postgres will not run as root: hand the cluster to the postgres user
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable("running as root, and there is no 'postgres' user to run the "
                                          "server as (apt-get install postgresql creates it)") from None
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self._run_as = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(data), "-U", USER, "--auth=trust", "--encoding=UTF8", "--locale=C",
                  "--no-sync")
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories='' "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 "
                   "-c shared_buffers=64MB")
        try:
            self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(data), "-l", str(self.root / "server.log"),
                      "-o", options)
        except PostgresUnavailable as exc:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            self._remove()
            raise PostgresUnavailable(f"{exc}\n{tail}") from None
        return self

    def stop(self) -> None:
        if self.root is None:
            return
        with contextlib.suppress(PostgresUnavailable):
            self._run("pg_ctl", "stop", "-D", str(self.root / "data"), "-m", "immediate", "-w")
        self._remove()

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- databases ------------------------------------------------------------------------------------
    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of one of the server's databases."""
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new database (a copy of ``template`` when given); returns its URL."""
        return create_database(self.url(), name, template)

    def drop_database(self, name: str) -> None:
        drop_database(self.url(), name)

    def has_extension(self, name: str) -> bool:
        """Whether the server can ``CREATE EXTENSION name`` (``vector`` when pgvector is installed)."""
        with psycopg.connect(_libpq(self.url()), autocommit=True) as conn:
            row = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s", (name,)).fetchone()
        return row is not None

    # -- internals ------------------------------------------------------------------------------------
    def _run(self, program: str, *args: str) -> None:
        command = [*self._run_as, str(self.bin / program), *args]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.root, timeout=120)
        if done.returncode != 0:
            raise PostgresUnavailable(f"{program} failed (exit {done.returncode}): "
                                      f"{(done.stderr or done.stdout).strip()}")

    def _remove(self) -> None:
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None


def _libpq(url: str) -> str:
    """A SQLAlchemy ``postgresql+psycopg://`` URL as libpq takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def create_database(server_url: str, name: str, template: str | None = None) -> str:
    """Create database ``name`` on the server of ``server_url`` (any of its databases); returns the new URL."""
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        statement = sql.SQL("{} TEMPLATE {} STRATEGY FILE_COPY").format(statement, sql.Identifier(template))
    for attempt in range(50):
        try:
            with psycopg.connect(_libpq(server_url), autocommit=True) as conn:
                conn.execute(statement)
            break
        except psycopg.errors.ObjectInUse:  # the template is being copied by another CREATE DATABASE
            if attempt == 49:
                raise
            time.sleep(0.05)
    return server_url.rsplit("/", 1)[0] + "/" + name


def drop_database(server_url: str, name: str) -> None:
    """Drop database ``name`` (closing its connections) when it exists."""
    with psycopg.connect(_libpq(server_url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def main() -> None:
    with PostgresServer() as server:
        print(server.url(), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)


if __name__ == "__main__":
    main()
