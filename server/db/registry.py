"""The model registry's store (the hub's ``ModelRepository``): endpoints, base models, fine-tuned models
(versioned) and deployments.

Validation happens here, before anything is saved: a LoRA adapter directory must exist, hold an
``adapter_config.json``, and name the same base model it is registered on.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel
from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import sessionmaker

from modelhub.deployments import Timing
from modelhub.hub import ModelHub
from modelhub.schemas import AdapterRef, BaseModelCreate, DeploymentCreate, EndpointCreate, FinetuneCreate
from server.db import migrate
from server.db.models_registry import DeploymentRow, ModelRow
from server.db.store import open_engine
from server.errors import ConflictError, InvalidRequestError, NotFoundError
from server.settings import load_settings


def read_adapter_config(path: str | Path) -> dict[str, Any]:
    """``adapter_config.json`` of a LoRA adapter directory, with a clear error when it is not one."""
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise InvalidRequestError(f"adapter directory '{path}' does not exist")
    config_file = folder / "adapter_config.json"
    if not config_file.is_file():
        raise InvalidRequestError(f"adapter directory '{path}' has no adapter_config.json (is it a PEFT LoRA adapter?)")
    try:
        data = json.loads(config_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidRequestError(f"{config_file}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InvalidRequestError(f"{config_file}: expected a JSON object")
    return data


def same_base(trained_on: str, source: str) -> bool:
    """Whether an adapter's ``base_model_name_or_path`` names the registered base (same path, id or folder name)."""
    if not trained_on:
        return True  # an adapter that does not say; nothing to contradict
    if trained_on == source:
        return True
    a, b = Path(trained_on).expanduser(), Path(source).expanduser()
    if a.exists() and b.exists():
        return a.resolve() == b.resolve()
    return a.name.lower() == b.name.lower()


def is_local(source: str) -> bool:
    return source.startswith(("/", ".", "~")) or Path(source).expanduser().exists()


class Registry:
    """Registered models and deployments in the server's database (migrated on open)."""

    def __init__(self, url: str):
        self.engine = open_engine(url)
        migrate.upgrade(self.engine)
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> Registry:
        data_dir.mkdir(parents=True, exist_ok=True)
        return cls(load_settings(data_dir=data_dir).database_url)

    def close(self) -> None:
        self.engine.dispose()

    # -- models --------------------------------------------------------------------------------------
    def _add(self, name: str, kind: str, spec: BaseModel | dict[str, Any], version: int = 1) -> ModelRow:
        data = spec.model_dump(mode="json", exclude={"name"}) if isinstance(spec, BaseModel) else spec
        now = time.time()
        with self._session.begin() as s:
            kinds = set(s.scalars(select(ModelRow.kind).where(ModelRow.name == name)))
            if kinds and (kind != "finetune" or kinds != {"finetune"}):
                raise ConflictError(f"a model named '{name}' is already registered ({', '.join(sorted(kinds))})")
            row = ModelRow(id=uuid.uuid4().hex, name=name, kind=kind, version=version, spec=data,
                           created_at=now, updated_at=now)
            s.add(row)
        return row

    def add_endpoint(self, spec: EndpointCreate) -> ModelRow:
        return self._add(spec.name, "endpoint", spec)

    def add_base(self, spec: BaseModelCreate) -> ModelRow:
        source = spec.source
        if spec.task != "chat" and not Path(source).expanduser().is_dir():
            raise InvalidRequestError(f"{spec.task} model '{spec.name}': '{source}' is not a local directory; "
                                      "embedding and rerank models are loaded from a local sentence-transformers "
                                      "folder (or register an endpoint that serves one)")
        if is_local(source):
            folder = Path(source).expanduser()
            if not folder.is_dir():
                raise InvalidRequestError(f"base model '{spec.name}': local path '{source}' does not exist")
            source = str(folder.resolve())
        return self._add(spec.name, "base", spec.model_copy(update={"source": source}))

    def add_finetune(self, spec: FinetuneCreate) -> ModelRow:
        """A new version of a fine-tuned model (1, 2, ...); the adapter is checked against its base."""
        base = self.get_model(spec.base)
        if base.kind != "base":
            raise InvalidRequestError(f"fine-tuned model '{spec.name}': '{spec.base}' is a {base.kind}, "
                                      "not a base model")
        data = spec.model_dump(mode="json", exclude={"name"})
        if spec.adapter_path:
            path = Path(spec.adapter_path).expanduser().resolve()
            config = read_adapter_config(path)
            trained_on = str(config.get("base_model_name_or_path") or "")
            if not same_base(trained_on, base.spec["source"]):
                raise InvalidRequestError(
                    f"fine-tuned model '{spec.name}': the adapter in '{spec.adapter_path}' was trained on "
                    f"'{trained_on}', not on base model '{spec.base}' ({base.spec['source']})")
            rank = config.get("r")
            data.update(adapter_path=str(path), rank=int(rank) if isinstance(rank, int) else None,
                        adapter_base=trained_on, target_modules=config.get("target_modules"))
        else:
            merged = Path(str(spec.merged_path)).expanduser()
            if not (merged / "config.json").is_file():
                raise InvalidRequestError(f"fine-tuned model '{spec.name}': '{spec.merged_path}' holds no "
                                          "merged model (config.json missing)")
            data["merged_path"] = str(merged.resolve())
        with self._session() as s:
            latest = s.scalar(select(func.max(ModelRow.version)).where(ModelRow.name == spec.name)) or 0
        return self._add(spec.name, "finetune", data, version=latest + 1)

    def annotate_model(self, model_id: str, **fields: Any) -> ModelRow:
        """Adds fields to a registered model's spec (e.g. the lineage a fine-tuning job records)."""
        with self._session.begin() as s:
            row = s.get(ModelRow, model_id)
            if row is None:
                raise NotFoundError("model", model_id)
            row.spec = {**row.spec, **fields}
            row.updated_at = time.time()
        return row

    def list_models(self, kind: str | None = None, task: str | None = None) -> list[ModelRow]:
        """Registered models, of one kind and/or task (chat, embedding, rerank; fine-tuned models chat) when asked."""
        query = select(ModelRow).order_by(ModelRow.kind, ModelRow.name, ModelRow.version)
        if kind:
            query = query.where(ModelRow.kind == kind)
        with self._session() as s:
            rows = list(s.scalars(query))
        return [r for r in rows if task is None or r.spec.get("task", "chat") == task]

    def find_model(self, name: str, version: int | None = None) -> ModelRow | None:
        """The named model (the newest version unless one is asked for), or None."""
        query = select(ModelRow).where(ModelRow.name == name)
        query = query.where(ModelRow.version == version) if version else query.order_by(ModelRow.version.desc())
        with self._session() as s:
            return s.scalars(query.limit(1)).first()

    def get_model(self, name: str, version: int | None = None) -> ModelRow:
        row = self.find_model(name, version)
        if row is None:
            raise NotFoundError("model", f"{name}" + (f" version {version}" if version else ""))
        return row

    def delete_model(self, name: str, version: int | None = None) -> int:
        self.get_model(name, version)
        for dep in self.list_deployments():
            users = [a for a in dep.spec.get("adapters", []) if a.get("finetune") == name
                     and (version is None or a.get("version") == version)]
            if users or dep.spec.get("base_ref") == name:
                raise ConflictError(f"model '{name}' is used by deployment '{dep.name}'; remove it there first")
        query = delete(ModelRow).where(ModelRow.name == name)
        if version:
            query = query.where(ModelRow.version == version)
        with self._session.begin() as s:
            return cast(CursorResult[Any], s.execute(query)).rowcount  # a DELETE's result counts its rows

    # -- deployments ---------------------------------------------------------------------------------
    def resolve_adapter(self, ref: AdapterRef, base_source: str | None) -> dict[str, Any]:
        """An adapter entry as a deployment keeps it: served name, directory, rank, lineage."""
        if ref.finetune:
            model = self.get_model(ref.finetune, ref.version)
            if model.kind != "finetune" or not model.spec.get("adapter_path"):
                raise InvalidRequestError(f"'{ref.finetune}' is not a fine-tuned model with a LoRA adapter")
            base = self.get_model(model.spec["base"])
            if base_source is not None and not same_base(base.spec["source"], base_source):
                raise InvalidRequestError(f"fine-tuned model '{ref.finetune}' is built on '{model.spec['base']}', "
                                          f"not on this deployment's base model ({base_source})")
            read_adapter_config(model.spec["adapter_path"])  # still there?
            return {"name": ref.name or ref.finetune, "path": model.spec["adapter_path"],
                    "rank": model.spec.get("rank"), "finetune": ref.finetune, "version": model.version}
        path = Path(str(ref.path)).expanduser().resolve()
        config = read_adapter_config(path)
        trained_on = str(config.get("base_model_name_or_path") or "")
        if base_source is not None and not same_base(trained_on, base_source):
            raise InvalidRequestError(f"adapter '{ref.name}' ({ref.path}) was trained on '{trained_on}', "
                                      f"not on this deployment's base model ({base_source})")
        rank = config.get("r")
        return {"name": ref.name, "path": str(path), "rank": rank if isinstance(rank, int) else None,
                "finetune": None, "version": None}

    def create_deployment(self, spec: DeploymentCreate) -> DeploymentRow:
        base = self.find_model(spec.base_model)
        if base is not None and base.kind not in ("base", "finetune"):
            raise InvalidRequestError(f"deployment '{spec.name}': '{spec.base_model}' is an endpoint, not a base model")
        if base is not None and base.kind == "finetune":
            if not base.spec.get("merged_path"):
                raise InvalidRequestError(f"deployment '{spec.name}': '{spec.base_model}' is a LoRA adapter; deploy "
                                          f"its base '{base.spec['base']}' with it in adapters")
            model_path = base.spec["merged_path"]
        elif base is not None:
            model_path = base.spec["source"]
        else:
            model_path = spec.base_model
            if is_local(model_path) and not Path(model_path).expanduser().is_dir():
                raise InvalidRequestError(f"deployment '{spec.name}': base_model '{spec.base_model}' is neither a "
                                          "registered base model nor an existing directory")
        adapters = [self.resolve_adapter(a, model_path) for a in spec.adapters]
        names = [a["name"] for a in adapters]
        if len(set(names)) != len(names) or spec.name in names:
            raise InvalidRequestError(f"deployment '{spec.name}': adapter names must be unique and differ from "
                                      "the deployment's name")
        data = spec.model_dump(mode="json", exclude={"name", "backend", "adapters"})
        data.update(model_path=model_path, base_ref=base.name if base else None, adapters=adapters)
        now = time.time()
        with self._session.begin() as s:
            if s.scalar(select(DeploymentRow.id).where(DeploymentRow.name == spec.name)):
                raise ConflictError(f"a deployment named '{spec.name}' already exists")
            row = DeploymentRow(id=uuid.uuid4().hex, name=spec.name, backend=spec.backend, spec=data,
                                state="pending", restarts=0, created_at=now, updated_at=now)
            s.add(row)
        return row

    def list_deployments(self) -> list[DeploymentRow]:
        with self._session() as s:
            return list(s.scalars(select(DeploymentRow).order_by(DeploymentRow.created_at)))

    def get_deployment(self, ident: str) -> DeploymentRow:
        """By id or by name."""
        with self._session() as s:
            row = s.get(DeploymentRow, ident) or s.scalars(
                select(DeploymentRow).where(DeploymentRow.name == ident)).first()
        if row is None:
            raise NotFoundError("deployment", ident)
        return row

    def update_deployment(self, deployment_id: str, **fields: Any) -> DeploymentRow:
        with self._session.begin() as s:
            row = s.get(DeploymentRow, deployment_id)
            if row is None:
                raise NotFoundError("deployment", deployment_id)
            for key, value in fields.items():
                setattr(row, key, value)
            row.updated_at = time.time()
        return row

    def delete_deployment(self, deployment_id: str) -> None:
        with self._session.begin() as s:
            s.execute(delete(DeploymentRow).where(DeploymentRow.id == deployment_id))


class RegistryHub(ModelHub):
    """The model hub over this server's registry, which keeps its own type: the console and the CLI add, list and
    delete models through it, beyond the ``ModelRepository`` the hub itself needs."""

    def __init__(self, registry: Registry, data_dir: Path, timing: Timing | None = None):
        super().__init__(registry, data_dir, timing)
        self.registry: Registry = registry


def open_hub(data_dir: Path, timing: Timing | None = None) -> RegistryHub:
    """The model hub of a data directory, over its registry."""
    return RegistryHub(Registry.for_data_dir(data_dir), data_dir, timing)
