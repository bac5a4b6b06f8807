"""Server settings from the environment (``LOOM_*``), with embedded single-machine defaults."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    run_max_node_executions: int = Field(500, gt=0)
    run_max_wall_time_s: float = Field(600.0, gt=0)
    run_max_variable_bytes: int = Field(1_000_000, gt=0)
    static_dir: Path | None = None  # the built UI; defaults to server/static when it exists

    @property
    def database_url(self) -> str:
        return f"sqlite:///{(self.data_dir / 'loom.db').resolve()}"
