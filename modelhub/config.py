"""Model configuration: the zero-config ``default`` model from the environment, more from ``loom.toml``."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class ModelConfigError(ValueError):
    """loom.toml or the environment describes a model wrongly."""


class EndpointModel(BaseModel):
    """An OpenAI-compatible endpoint serving one model."""

    model_config = ConfigDict(extra="forbid")

    name: str
    base_url: str = Field(description="e.g. http://127.0.0.1:8001/v1")
    model: str = Field(description="the model id the server knows")
    api_key_env: str | None = Field(None, description="name of the environment variable holding the key")
    api_key: str | None = Field(None, exclude=True, repr=False)
    params: dict[str, Any] = Field(default_factory=dict, description="recommended inference params")
    timeout_s: float = Field(120.0, gt=0)
    max_retries: int = Field(3, ge=0, le=10)
    task: Literal["chat", "embedding", "rerank"] = "chat"
    max_batch_size: int = Field(64, ge=1, le=4096, description="embedding/rerank: most inputs in one request")

    def key(self) -> str | None:
        if self.api_key:
            return self.api_key
        return os.environ.get(self.api_key_env) if self.api_key_env else None


def from_env(environ: Mapping[str, str]) -> dict[str, EndpointModel]:
    """``LOOM_LLM_BASE_URL`` (+ ``LOOM_LLM_API_KEY``, ``LOOM_LLM_MODEL``) defines the model ``default``."""
    base_url = environ.get("LOOM_LLM_BASE_URL", "").strip()
    if not base_url:
        return {}
    return {"default": EndpointModel(name="default", base_url=base_url,
                                     model=environ.get("LOOM_LLM_MODEL", "").strip() or "default",
                                     api_key=environ.get("LOOM_LLM_API_KEY") or None)}


def from_toml(path: Path) -> dict[str, EndpointModel]:
    """``[models.NAME]`` tables of loom.toml: base_url, model, api_key_env, params, timeout_s, max_retries."""
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ModelConfigError(f"{path}: {exc}") from None
    models = {}
    for name, table in (data.get("models") or {}).items():
        if not isinstance(table, dict):
            raise ModelConfigError(f"{path}: [models.{name}] must be a table")
        if "api_key" in table:
            raise ModelConfigError(f"{path}: [models.{name}] api_key: keep keys out of files; "
                                   "name an environment variable with api_key_env")
        try:
            models[name] = EndpointModel(name=name, **table)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ModelConfigError(f"{path}: [models.{name}] {problems}") from None
    return models


def load(data_dir: Path | None, environ: Mapping[str, str] | None = None) -> dict[str, EndpointModel]:
    """All configured models; the environment's ``default`` wins over loom.toml's."""
    environ = os.environ if environ is None else environ
    models = from_toml(data_dir / "loom.toml") if data_dir else {}
    models.update(from_env(environ))
    return models
