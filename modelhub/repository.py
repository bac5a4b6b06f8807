"""What the hub needs from persistence: registered models and deployments, as records it reads and a
repository it asks (``server.db.registry.Registry`` implements it over the server's database)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from modelhub.schemas import AdapterRef


class ModelRecord(Protocol):
    """A registered model: an endpoint, a base model or one version of a fine-tuned model."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...  # endpoint | base | finetune
    @property
    def version(self) -> int: ...
    @property
    def spec(self) -> dict[str, Any]: ...


class DeploymentRecord(Protocol):
    """A model server Loom runs: its settings (``spec``: model path, adapters, GPUs ...) and live state."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def backend(self) -> str: ...  # vllm | transformers
    @property
    def spec(self) -> dict[str, Any]: ...
    @property
    def state(self) -> str: ...  # pending | starting | ready | stopping | stopped | failed
    @property
    def reason(self) -> str | None: ...
    @property
    def port(self) -> int | None: ...
    @property
    def pid(self) -> int | None: ...
    @property
    def restarts(self) -> int: ...
    @property
    def log_path(self) -> str | None: ...
    @property
    def created_at(self) -> float: ...
    @property
    def updated_at(self) -> float: ...


class ModelRepository(Protocol):
    """Registered models and deployments; raises the store's not-found error for an unknown deployment."""

    def find_model(self, name: str, version: int | None = None) -> ModelRecord | None:
        """The named model (the newest version unless one is asked for), or None."""
        ...

    def resolve_adapter(self, ref: AdapterRef, base_source: str | None) -> dict[str, Any]:
        """An adapter entry as a deployment keeps it (served name, directory, rank, lineage), checked."""
        ...

    def list_deployments(self) -> Sequence[DeploymentRecord]: ...

    def get_deployment(self, ident: str) -> DeploymentRecord:
        """By id or by name."""
        ...

    def update_deployment(self, deployment_id: str, **fields: Any) -> DeploymentRecord: ...

    def delete_deployment(self, deployment_id: str) -> None: ...

    def close(self) -> None: ...
