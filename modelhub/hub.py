"""The model hub: the registry plus running deployments, and name resolution for the gateway.

A model name used by an LLM node resolves, in order, to a registered endpoint, a deployment (its base
model), or an adapter on a deployment (a fine-tuned model's served name). A name that is known but not
servable right now fails with a message that says why (not deployed, starting, failed ...).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from modelhub import gpus, launcher
from modelhub.config import EndpointModel
from modelhub.deployments import Deployments, Timing
from modelhub.errors import AdapterNotFound, DeploymentConflict, DeploymentUnreachable, ModelHubError
from modelhub.gateway import ModelError
from modelhub.repository import DeploymentRecord, ModelRepository
from modelhub.schemas import AdapterPublic, AdapterRef, DeploymentPublic

# Another process (the CLI) may change deployments; the resolution cache is this fresh.
CACHE_TTL_S = 1.0


class ModelHub:
    """Registered models and deployments of one data directory (``registry``: their records; the hub closes it)."""

    def __init__(self, registry: ModelRepository, data_dir: Path, timing: Timing | None = None):
        self.data_dir = data_dir
        self.registry = registry
        self.deployments = Deployments(self.registry, data_dir, timing, on_change=self.invalidate)
        self._cache: dict[str, EndpointModel | ModelError | None] = {}
        self._cached_at = 0.0
        self._attached = False

    def invalidate(self) -> None:
        self._cache.clear()

    async def open(self) -> None:
        """Re-attach to servers a previous Loom process started (once)."""
        if not self._attached:
            self._attached = True
            await self.deployments.reattach()

    async def close(self, stop_servers: bool = False) -> None:
        await self.deployments.close(stop_servers)
        self.registry.close()

    # -- resolution for the gateway ------------------------------------------------------------------
    def lookup(self, name: str) -> EndpointModel | None:
        """The server and served name for ``name``; None when the hub does not know the name.

        Raises ``ModelError`` when the name is known but cannot be called now.
        """
        now = time.monotonic()
        if now - self._cached_at > CACHE_TTL_S:
            self._cache.clear()
            self._cached_at = now
        if name not in self._cache:
            try:
                self._cache[name] = self._lookup(name)
            except ModelError as exc:
                self._cache[name] = exc
        found = self._cache[name]
        if isinstance(found, ModelError):
            raise found
        return found

    def knows(self, name: str) -> bool:
        return self.registry.find_model(name) is not None or any(
            name == d.name or name in _adapter_names(d) for d in self.registry.list_deployments())

    def _lookup(self, name: str) -> EndpointModel | None:
        model = self.registry.find_model(name)
        if model is not None and model.kind == "endpoint":
            spec = model.spec
            return EndpointModel(name=name, base_url=spec["base_url"], model=spec["model"],
                                 api_key_env=spec.get("api_key_env"), params=spec.get("params") or {},
                                 timeout_s=spec.get("timeout_s", 120.0), max_retries=spec.get("max_retries", 3),
                                 task=spec.get("task", "chat"), max_batch_size=spec.get("max_batch_size", 64))
        deployments = self.registry.list_deployments()
        for dep in deployments:
            if dep.name == name:
                params = model.spec.get("params", {}) if model is not None and model.kind == "finetune" else {}
                return self._served(dep, name, dep.name, params)
        finetune = model if model is not None and model.kind == "finetune" else None
        hosts = [(dep, a) for dep in deployments for a in dep.spec.get("adapters", [])
                 if a["name"] == name or (finetune is not None and a.get("finetune") == name)]
        if hosts:
            # A ready host first; among those, the newest fine-tuned version.
            hosts.sort(key=lambda h: (h[0].state == "ready", h[1].get("version") or 0), reverse=True)
            dep, adapter = hosts[0]
            params = {}
            if adapter.get("finetune"):
                tuned = self.registry.find_model(adapter["finetune"], adapter.get("version"))
                params = tuned.spec.get("params", {}) if tuned is not None else {}
            return self._served(dep, name, adapter["name"], params)
        if model is None:
            return None
        if model.kind == "finetune":
            raise ModelError(f"fine-tuned model '{name}' is not deployed: add it as an adapter to a deployment "
                             f"of its base '{model.spec['base']}' (loom model deploy ... --adapter {name})")
        raise ModelError(f"base model '{name}' is not deployed: create a deployment of it first")

    def _served(self, dep: DeploymentRecord, name: str, served: str, params: dict[str, Any]) -> EndpointModel:
        if dep.state != "ready" or dep.port is None:
            why = f": {dep.reason}" if dep.reason else ""
            raise ModelError(f"model '{name}' is on deployment '{dep.name}', which is {dep.state}, not ready{why}")
        # A local server has nothing to retry towards for long; keep timeouts generous for slow CPU generation.
        return EndpointModel(name=name, base_url=f"http://127.0.0.1:{dep.port}/v1", model=served,
                             params=dict(params), timeout_s=600.0, max_retries=1)

    # -- deployments ---------------------------------------------------------------------------------
    def public(self, row: DeploymentRecord) -> DeploymentPublic:
        spec = row.spec
        return DeploymentPublic(
            id=row.id, name=row.name, backend=row.backend, state=row.state, reason=row.reason, port=row.port,
            pid=row.pid, restarts=row.restarts, served_model=row.name, model_path=spec.get("model_path", ""),
            base_url=f"http://127.0.0.1:{row.port}/v1" if row.port and row.state == "ready" else None,
            base_model=spec.get("base_ref") or spec.get("model_path", ""),
            adapters=[AdapterPublic(**a) for a in spec.get("adapters", [])], spec=spec,
            created_at=row.created_at, updated_at=row.updated_at)

    async def add_adapter(self, ident: str, ref: AdapterRef) -> DeploymentRecord:
        """Adds an adapter; on a ready server it is loaded at runtime (no restart)."""
        row = self.registry.get_deployment(ident)
        adapter = self.registry.resolve_adapter(ref, row.spec.get("model_path"))
        adapters = list(row.spec.get("adapters", []))
        if adapter["name"] in _adapter_names(row) or adapter["name"] == row.name:
            raise DeploymentConflict(f"deployment '{row.name}' already serves an adapter named '{adapter['name']}'")
        if row.state in ("starting", "stopping"):
            raise DeploymentConflict(f"deployment '{row.name}' is {row.state}; add the adapter once it is ready")
        if row.state == "ready":
            limit = launcher.lora_rank(row.spec)
            if row.backend == "vllm" and adapter.get("rank") and adapter["rank"] > limit:
                raise ModelHubError(f"adapter '{adapter['name']}' has rank {adapter['rank']}, above this "
                                          f"deployment's --max-lora-rank {limit}; set max_lora_rank and restart")
            await self._post(row, "/v1/load_lora_adapter", {"lora_name": adapter["name"], "lora_path": adapter["path"]})
        row = self.registry.update_deployment(row.id, spec={**row.spec, "adapters": adapters + [adapter]})
        self.invalidate()
        return row

    async def remove_adapter(self, ident: str, name: str) -> DeploymentRecord:
        """Removes an adapter; on a ready server it is unloaded at runtime."""
        row = self.registry.get_deployment(ident)
        if name not in _adapter_names(row):
            raise AdapterNotFound(name, row.name)
        if row.state == "ready":
            await self._post(row, "/v1/unload_lora_adapter", {"lora_name": name})
        adapters = [a for a in row.spec.get("adapters", []) if a["name"] != name]
        row = self.registry.update_deployment(row.id, spec={**row.spec, "adapters": adapters})
        self.invalidate()
        return row

    async def _post(self, row: DeploymentRecord, path: str, body: dict[str, Any]) -> None:
        url = f"http://127.0.0.1:{row.port}{path}"
        try:
            async with httpx.AsyncClient() as client:
                response = await client.post(url, json=body, timeout=120.0)
        except httpx.HTTPError as exc:
            raise DeploymentUnreachable(
                f"deployment '{row.name}' did not answer {path}: {type(exc).__name__}") from None
        if response.status_code >= 400:
            raise ModelHubError(f"deployment '{row.name}' refused {path}: HTTP {response.status_code} "
                                      f"{response.text[:300]}")

    async def delete(self, ident: str) -> None:
        row = self.registry.get_deployment(ident)
        await self.deployments.stop(row.id)
        self.registry.delete_deployment(row.id)
        self.invalidate()

    def logs(self, ident: str, lines: int = 200) -> list[str]:
        row = self.registry.get_deployment(ident)
        return launcher.tail(row.log_path or self.deployments.log_path(row), lines)

    @staticmethod
    def gpus() -> dict[str, Any]:
        return gpus.inventory()


def _adapter_names(row: DeploymentRecord) -> set[str]:
    return {a["name"] for a in row.spec.get("adapters", [])}
