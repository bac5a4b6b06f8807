"""Server settings from the environment (``LOOM_*``), with embedded single-machine defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from engine.runner import RunLimits


class Settings(BaseSettings):
    """Everything ``loom serve`` can be told; each field reads ``LOOM_<NAME>`` from the environment."""

    model_config = SettingsConfigDict(env_prefix="LOOM_", extra="ignore")

    data_dir: Path = Path(".loom")
    host: str = "127.0.0.1"
    port: int = 8000
    admin_token: str | None = None  # when set, the console API (/api) requires it as a Bearer token
    max_body_bytes: int = Field(2_000_000, gt=0)  # JSON request bodies
    max_upload_bytes: int = Field(20_000_000, gt=0)  # one uploaded file
    max_concurrent_runs_per_app: int = Field(20, gt=0)  # public API; beyond it → 429
    rate_limit_per_minute: int = Field(0, ge=0)  # public API runs started per app per minute; 0: no limit
    run_max_node_executions: int = Field(10_000, gt=0)
    run_max_wall_time_s: float = Field(600.0, gt=0)
    run_max_variable_bytes: int = Field(1_000_000, gt=0)
    static_dir: Path | None = None  # the built UI; defaults to server/static when it exists
    # sqlite:///<path> or postgresql+psycopg://user:password@host:port/db; defaults to <data_dir>/loom.db
    database_url: str = ""
    # redis://host:port/db: run events, stops and per-app limits shared by API replicas; unset: in this process
    redis_url: str = ""
    # inline: async runs and jobs run in this process; celery: they are tasks for `loom worker` (needs redis_url)
    tasks: Literal["inline", "celery"] = "inline"
    # api: blocking and streaming runs execute in the API process; worker: dispatched to `loom worker` too
    run_dispatch: Literal["api", "worker"] = "api"
    # how long Redis waits for a task's ack before it hands the task to another worker (a lost worker's tasks)
    task_visibility_timeout_s: float = Field(3600.0, gt=0)
    # a process's heartbeat lease: runs owned by a process whose lease expired are ended by the sweeper
    owner_lease_s: float = Field(15.0, gt=0)

    def run_limits(self) -> RunLimits:
        """The ``LOOM_RUN_*`` limits, for the server's runs and ``loom run`` alike."""
        return RunLimits(max_node_executions=self.run_max_node_executions, max_wall_time_s=self.run_max_wall_time_s,
                         max_variable_bytes=self.run_max_variable_bytes)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, url: str) -> str:
        return check_database_url(url) if url else url

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, url: str) -> str:
        if url and not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"'{url}' is not a Redis URL (redis://host:port/db, rediss://… or unix://…)")
        return url

    @model_validator(mode="after")
    def _celery_needs_redis(self) -> Settings:
        if self.tasks == "celery" and not self.redis_url:
            raise ValueError("LOOM_TASKS=celery needs LOOM_REDIS_URL (the workers' queue and the runs' events)")
        if self.run_dispatch == "worker" and self.tasks != "celery":
            raise ValueError("LOOM_RUN_DISPATCH=worker needs LOOM_TASKS=celery")
        return self

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'loom.db').resolve()}"
        return self

    @property
    def embedded_database(self) -> bool:
        """Whether the database is the SQLite file in the data directory (not a database server)."""
        return self.database_url.startswith("sqlite")


DATABASE_SCHEMES = ("sqlite", "postgresql+psycopg")


def check_database_url(url: str) -> str:
    """``url`` as SQLAlchemy opens it (``postgresql://`` means the psycopg driver), or a ``ValueError``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"'{url}' is not a database URL (sqlite:///<path> or postgresql+psycopg://…)")
    if scheme in ("postgresql", "postgres"):
        scheme = "postgresql+psycopg"
    if scheme not in DATABASE_SCHEMES:
        raise ValueError(f"unsupported database '{scheme}': use sqlite:///<path> or "
                         "postgresql+psycopg://user:password@host:port/database")
    return f"{scheme}://{rest}"


class SettingsError(ValueError):
    """A ``LOOM_*`` environment variable holds a value Loom cannot use; the message names it."""


def load_settings(**overrides: Any) -> Settings:
    """``Settings`` from the environment (and ``overrides``), or a ``SettingsError`` naming each bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join((f"LOOM_{'_'.join(str(p) for p in e['loc']).upper()}: " if e["loc"] else "")
                             + e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise SettingsError(f"invalid setting: {problems}") from None
