"""The server's side of fine-tuning (the Protocols of modelhub/finetune/repository.py): the jobs' store with
their progress points and log lines, the training sources (published dataset versions and registered models'
weights) and the registrar that turns a finished job's adapter into a fine-tuned model version with its
lineage."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from modelhub.finetune.repository import BaseWeights, TrainingFiles
from modelhub.finetune.schemas import FinetuneJob, ProgressPoint
from modelhub.repository import ModelRecord
from modelhub.schemas import FinetuneCreate, Training
from server.db.datasets import DatasetStore
from server.db.models_finetune import FinetuneJobRow, FinetuneLogRow, FinetuneProgressRow
from server.db.registry import Registry, is_local
from server.errors import ServerError

TERMINAL = ("succeeded", "failed", "cancelled")


class FinetuneJobs:
    """Fine-tuning jobs, progress points and log lines over an already migrated engine (``JobRepository``)."""

    def __init__(self, engine: Engine):
        self._session = sessionmaker(engine, expire_on_commit=False)

    def create_job(self, job: FinetuneJob) -> FinetuneJob:
        with self._session.begin() as s:
            s.add(FinetuneJobRow(id=job.id, name=job.name, status=job.status, record=job.model_dump(mode="json"),
                                 created_at=job.created_at, updated_at=time.time()))
        return job

    def get_job(self, job_id: str) -> FinetuneJob | None:
        with self._session() as s:
            row = s.get(FinetuneJobRow, job_id)
        return None if row is None else FinetuneJob.model_validate(row.record)

    def list_jobs(self) -> Sequence[FinetuneJob]:
        with self._session() as s:
            rows = list(s.scalars(select(FinetuneJobRow).order_by(FinetuneJobRow.created_at.desc())))
        return [FinetuneJob.model_validate(r.record) for r in rows]

    def update_job(self, job_id: str, **fields: Any) -> FinetuneJob:
        with self._session.begin() as s:
            row = s.get(FinetuneJobRow, job_id)
            if row is None:
                raise KeyError(job_id)
            job = FinetuneJob.model_validate({**row.record, **fields})  # validates the new values
            row.record, row.status, row.name = job.model_dump(mode="json"), job.status, job.name
            row.updated_at = time.time()
        return job

    def append_progress(self, job_id: str, points: Sequence[ProgressPoint]) -> None:
        if not points:
            return
        with self._session.begin() as s:
            start = s.scalar(select(func.max(FinetuneProgressRow.seq)).where(FinetuneProgressRow.job_id == job_id))
            first = 0 if start is None else start + 1
            s.add_all(FinetuneProgressRow(job_id=job_id, seq=first + i, step=p.step, point=p.model_dump(mode="json"))
                      for i, p in enumerate(points))

    def progress(self, job_id: str, after_step: int = -1) -> Sequence[ProgressPoint]:
        query = (select(FinetuneProgressRow.point)
                 .where(FinetuneProgressRow.job_id == job_id, FinetuneProgressRow.step > after_step)
                 .order_by(FinetuneProgressRow.step, FinetuneProgressRow.seq))
        with self._session() as s:
            return [ProgressPoint.model_validate(p) for p in s.scalars(query)]

    def rewind_progress(self, job_id: str, after_step: int) -> None:
        with self._session.begin() as s:
            s.execute(delete(FinetuneProgressRow)
                      .where(FinetuneProgressRow.job_id == job_id, FinetuneProgressRow.step > after_step))

    def append_logs(self, job_id: str, lines: Sequence[str]) -> None:
        if not lines:
            return
        with self._session.begin() as s:
            start = s.scalar(select(func.max(FinetuneLogRow.seq)).where(FinetuneLogRow.job_id == job_id))
            first = 0 if start is None else start + 1
            s.add_all(FinetuneLogRow(job_id=job_id, seq=first + i, line=line) for i, line in enumerate(lines))

    def logs(self, job_id: str, after: int = 0) -> Sequence[str]:
        query = (select(FinetuneLogRow.line).where(FinetuneLogRow.job_id == job_id, FinetuneLogRow.seq >= after)
                 .order_by(FinetuneLogRow.seq))
        with self._session() as s:
            return list(s.scalars(query))


def _find(registry: Registry, name: str, version: int | None) -> ModelRecord:
    row = registry.find_model(name, version)
    if row is None:
        raise ValueError(f"model '{name}'" + (f" version {version}" if version else "") + " is not registered")
    return row


def root_base(registry: Registry, model: ModelRecord) -> ModelRecord:
    """The base model (kind "base") a model is, or a fine-tuned model is built on."""
    if model.kind == "finetune":
        return _find(registry, model.spec["base"], None)
    return model


class TrainingSources:
    """Published dataset versions (the dataset store) and registered models' weights (the registry)."""

    def __init__(self, datasets: DatasetStore, registry: Registry):
        self.datasets = datasets
        self.registry = registry

    def dataset_files(self, dataset_id: str, version: int) -> TrainingFiles:
        return self.datasets.training_files(dataset_id, version)

    def base_weights(self, model: str, version: int | None) -> BaseWeights:
        row = _find(self.registry, model, version)
        if row.kind == "endpoint":
            raise ValueError(f"model '{model}' is an external endpoint; fine-tuning needs local weights")
        if row.kind == "finetune":
            if not row.spec.get("adapter_path"):
                raise ValueError(f"fine-tuned model '{model}' has merged weights, not a LoRA adapter to continue")
            base = self.base_weights(row.spec["base"], None)
            template = row.spec.get("prompt_template") or base.chat_template
            return BaseWeights(path=base.path, adapter=Path(row.spec["adapter_path"]), chat_template=template)
        source = str(row.spec.get("source") or "")
        if not is_local(source) or not Path(source).is_dir():
            raise ValueError(f"base model '{model}' has no local weights ('{source}' is not a directory on this "
                             "machine); register it with a local path to fine-tune it")
        return BaseWeights(path=Path(source), chat_template=row.spec.get("chat_template"))


class AdapterRegistrar:
    """Registers a finished job's adapter as a new version of the fine-tuned model the job names, with its
    lineage in the spec: base and version, parent fine-tune (incremental), dataset version, hyperparameters,
    final losses, chat template, system prompt and job."""

    def __init__(self, registry: Registry, on_change: Any = None):
        self.registry = registry
        self.on_change = on_change

    def register_adapter(self, job: FinetuneJob, adapter_dir: Path, chat_template: str | None) -> tuple[str, int]:
        """Raises ValueError saying why the registry refused the adapter (a name taken by another kind ...)."""
        try:
            return self._register(job, adapter_dir, chat_template)
        except ServerError as exc:
            raise ValueError(str(exc)) from None

    def _register(self, job: FinetuneJob, adapter_dir: Path, chat_template: str | None) -> tuple[str, int]:
        started_from = _find(self.registry, job.base_model, job.base_version)
        base = root_base(self.registry, started_from)
        params = job.params.model_dump(mode="json")
        losses = {k: v for k, v in (("train_loss", job.final_train_loss), ("eval_loss", job.final_eval_loss))
                  if v is not None}
        parent = ({"model": started_from.name, "version": started_from.version}
                  if started_from.kind == "finetune" else None)
        row = self.registry.add_finetune(FinetuneCreate(
            name=job.name, base=base.name, adapter_path=str(adapter_dir),
            training=Training(dataset=f"{job.dataset_id} v{job.dataset_version}", params=params),
            prompt_template=chat_template, eval_scores=losses,
            notes=f"trained by fine-tuning job {job.id}"))
        lineage = {"base": {"model": base.name, "version": base.version}, "parent": parent,
                   "dataset": {"id": job.dataset_id, "version": job.dataset_version}, "params": params,
                   "final_train_loss": job.final_train_loss, "final_eval_loss": job.final_eval_loss,
                   "chat_template": chat_template, "system_prompt": job.system_prompt, "job_id": job.id}
        self.registry.annotate_model(row.id, lineage=lineage)
        if self.on_change is not None:
            self.on_change()
        return row.name, row.version
