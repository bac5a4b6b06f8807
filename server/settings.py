"""Server settings from the environment (``LOOM_*``), with embedded single-machine defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError
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
    run_max_node_executions: int = Field(10_000, gt=0)
    run_max_wall_time_s: float = Field(600.0, gt=0)
    run_max_variable_bytes: int = Field(1_000_000, gt=0)
    static_dir: Path | None = None  # the built UI; defaults to server/static when it exists

    def run_limits(self) -> RunLimits:
        """The ``LOOM_RUN_*`` limits, for the server's runs and ``loom run`` alike."""
        return RunLimits(max_node_executions=self.run_max_node_executions, max_wall_time_s=self.run_max_wall_time_s,
                         max_variable_bytes=self.run_max_variable_bytes)

    @property
    def database_url(self) -> str:
        return f"sqlite:///{(self.data_dir / 'loom.db').resolve()}"


class SettingsError(ValueError):
    """A ``LOOM_*`` environment variable holds a value Loom cannot use; the message names it."""


def load_settings(**overrides: Any) -> Settings:
    """``Settings`` from the environment (and ``overrides``), or a ``SettingsError`` naming each bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(f"LOOM_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors())
        raise SettingsError(f"invalid setting: {problems}") from None
