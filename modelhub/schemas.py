"""What the registry keeps: endpoints, base models, fine-tuned models and deployments (``*Create`` / ``*Public``)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
STATES = ("pending", "starting", "ready", "stopping", "stopped", "failed")
Task = Literal["chat", "embedding", "rerank"]
TASK_HELP = "what the model does: chat (completions), embedding (vectors) or rerank (query-document relevance)"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())


def check_name(value: str) -> str:
    if not NAME.fullmatch(value):
        raise ValueError("use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit")
    return value


class EndpointCreate(_Strict):
    """An external OpenAI-compatible endpoint; the key is named by an environment variable, never stored."""

    name: str
    base_url: str = Field(description="e.g. https://api.example.com/v1")
    model: str = Field(description="the model id the server knows")
    api_key_env: str | None = None
    params: dict[str, Any] = Field(default_factory=dict, description="recommended inference params")
    timeout_s: float = Field(120.0, gt=0)
    max_retries: int = Field(3, ge=0, le=10)
    task: Task = Field("chat", description=TASK_HELP)
    max_batch_size: int = Field(64, ge=1, le=4096, description="embedding/rerank: most inputs sent in one request")

    _name = field_validator("name")(check_name)

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


class BaseModelCreate(_Strict):
    """A base model: a local directory or a hub id (e.g. Qwen/Qwen2.5-7B-Instruct)."""

    name: str
    source: str = Field(description="local path or hub id")
    context_length: int | None = Field(None, gt=0, le=10_000_000)
    chat_template: str | None = None
    license: str = Field("", description="license note")
    task: Task = Field("chat", description=TASK_HELP + "; embedding and rerank models are sentence-transformers "
                       "models loaded in process from a local path")

    _name = field_validator("name")(check_name)


class Training(_Strict):
    """How a fine-tuned model was trained."""

    dataset: str = ""
    params: dict[str, Any] = Field(default_factory=dict, description="epochs, learning rate, LoRA alpha ...")


class FinetuneCreate(_Strict):
    """A fine-tuned model: a base plus a LoRA adapter directory, or merged weights."""

    name: str
    base: str = Field(description="name of a registered base model")
    adapter_path: str | None = None
    merged_path: str | None = None
    training: Training = Field(default_factory=Training)
    prompt_template: str | None = Field(None, description="the prompt template it was trained with")
    params: dict[str, Any] = Field(default_factory=dict, description="recommended inference params")
    eval_scores: dict[str, float] = Field(default_factory=dict)
    notes: str = ""

    _name = field_validator("name")(check_name)

    @model_validator(mode="after")
    def _one_source(self) -> FinetuneCreate:
        if bool(self.adapter_path) == bool(self.merged_path):
            raise ValueError("give exactly one of adapter_path (LoRA) or merged_path (merged weights)")
        return self


class ModelPublic(BaseModel):
    """A registered model as the API shows it; ``spec`` holds the kind's fields."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    kind: Literal["endpoint", "base", "finetune"]
    version: int
    spec: dict[str, Any]
    created_at: float
    updated_at: float


class AdapterRef(_Strict):
    """A LoRA adapter on a deployment: a registered fine-tuned model, or a directory under a served name."""

    name: str | None = Field(None, description="served name; defaults to the fine-tuned model's name")
    path: str | None = None
    finetune: str | None = None
    version: int | None = Field(None, ge=1, le=1_000_000, description="fine-tuned model version; default the newest")

    @model_validator(mode="after")
    def _one_source(self) -> AdapterRef:
        if bool(self.path) == bool(self.finetune):
            raise ValueError("give exactly one of path or finetune")
        if self.path and not self.name:
            raise ValueError("an adapter given by path needs a name")
        if self.name:
            check_name(self.name)
        return self


class DeploymentCreate(_Strict):
    """A model server Loom runs: ``vllm serve`` on GPUs, or the transformers backend on CPU."""

    name: str
    backend: Literal["vllm", "transformers"] = "vllm"
    base_model: str = Field(description="a registered base model's name, or a local path / hub id")
    adapters: list[AdapterRef] = Field(default_factory=list)
    gpu_ids: list[Annotated[int, Field(ge=0, le=1024)]] | None = None
    port: int | None = Field(None, ge=1024, le=65535)
    max_model_len: int | None = Field(None, gt=0, le=10_000_000)
    gpu_memory_utilization: float | None = Field(None, gt=0, le=1)
    tensor_parallel_size: int | None = Field(None, ge=1, le=10_000_000)
    max_loras: int | None = Field(None, ge=1, le=10_000_000)
    max_lora_rank: int | None = Field(None, ge=1, le=10_000_000)
    extra_args: list[str] = Field(default_factory=list, description="passed on to the server as they are")
    start_timeout_s: float = Field(900.0, gt=0, description="how long loading may take before it fails")
    max_restarts: int = Field(5, ge=0, le=100)

    _name = field_validator("name")(check_name)


class AdapterPublic(BaseModel):
    """An adapter as resolved on a deployment."""

    name: str
    path: str
    rank: int | None = None
    finetune: str | None = None
    version: int | None = None


class DeploymentPublic(BaseModel):
    """A deployment with its live state."""

    id: str
    name: str
    backend: str
    state: str
    reason: str | None
    port: int | None
    pid: int | None
    restarts: int
    base_url: str | None
    served_model: str
    base_model: str
    model_path: str
    adapters: list[AdapterPublic]
    spec: dict[str, Any]
    created_at: float
    updated_at: float
