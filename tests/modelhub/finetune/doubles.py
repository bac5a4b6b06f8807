"""Test doubles for the fine-tuning runner's seams: an in-memory jobs' store, dataset/weights sources over local
files, and a registrar that records what it was given. The real ones are the server's (server/db/finetune.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelhub.finetune.repository import BaseWeights, TrainingFiles
from modelhub.finetune.schemas import FinetuneJob, ProgressPoint


class MemoryJobs:
    """JobRepository in memory."""

    def __init__(self) -> None:
        self.jobs: dict[str, FinetuneJob] = {}
        self.points: dict[str, list[ProgressPoint]] = {}
        self.lines: dict[str, list[str]] = {}

    def create_job(self, job: FinetuneJob) -> FinetuneJob:
        if job.id in self.jobs:
            raise ValueError(f"job {job.id} exists")
        self.jobs[job.id] = job
        return job

    def get_job(self, job_id: str) -> FinetuneJob | None:
        return self.jobs.get(job_id)

    def list_jobs(self) -> Sequence[FinetuneJob]:
        return list(self.jobs.values())

    def update_job(self, job_id: str, **fields: Any) -> FinetuneJob:
        if job_id not in self.jobs:
            raise KeyError(job_id)
        self.jobs[job_id] = FinetuneJob.model_validate({**self.jobs[job_id].model_dump(), **fields})
        return self.jobs[job_id]

    def append_progress(self, job_id: str, points: Sequence[ProgressPoint]) -> None:
        self.points.setdefault(job_id, []).extend(points)

    def progress(self, job_id: str, after_step: int = -1) -> Sequence[ProgressPoint]:
        return sorted((p for p in self.points.get(job_id, []) if p.step > after_step), key=lambda p: p.step)

    def rewind_progress(self, job_id: str, after_step: int) -> None:
        self.points[job_id] = [p for p in self.points.get(job_id, []) if p.step <= after_step]

    def append_logs(self, job_id: str, lines: Sequence[str]) -> None:
        self.lines.setdefault(job_id, []).extend(lines)

    def logs(self, job_id: str, after: int = 0) -> Sequence[str]:
        return self.lines.get(job_id, [])[after:]


@dataclass
class LocalSources:
    """TrainingSources over files: one dataset ("ds", version 1) and one base model ("tiny")."""

    files: TrainingFiles
    weights: BaseWeights

    def dataset_files(self, dataset_id: str, version: int) -> TrainingFiles:
        if (dataset_id, version) != ("ds", 1):
            raise ValueError(f"dataset {dataset_id} version {version} is not published")
        return self.files

    def base_weights(self, model: str, version: int | None) -> BaseWeights:
        if model != "tiny":
            raise ValueError(f"model {model} is not registered")
        return self.weights


@dataclass
class RecordingRegistrar:
    calls: list[tuple[str, Path, str | None]] = field(default_factory=list)

    def register_adapter(self, job: FinetuneJob, adapter_dir: Path, chat_template: str | None) -> tuple[str, int]:
        self.calls.append((job.id, adapter_dir, chat_template))
        return job.name, len(self.calls)
