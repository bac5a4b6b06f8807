"""What the fine-tuning runner needs from the rest of Loom, as Protocols the server implements (server/db):
the jobs' store, the published dataset files, the base models' weights and the registry that receives the
fine-tuned model. Nothing here imports server/."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from modelhub.finetune.schemas import FinetuneJob, ProgressPoint


class JobRepository(Protocol):
    """Fine-tuning jobs, their progress points and their log lines."""

    def create_job(self, job: FinetuneJob) -> FinetuneJob: ...

    def get_job(self, job_id: str) -> FinetuneJob | None: ...

    def list_jobs(self) -> Sequence[FinetuneJob]: ...

    def update_job(self, job_id: str, **fields: Any) -> FinetuneJob:
        """Set the named fields (those of FinetuneJob); raises KeyError for an unknown job."""
        ...

    def append_progress(self, job_id: str, points: Sequence[ProgressPoint]) -> None: ...

    def progress(self, job_id: str, after_step: int = -1) -> Sequence[ProgressPoint]:
        """Points with step > after_step, in step order (train and eval points of one step both)."""
        ...

    def rewind_progress(self, job_id: str, after_step: int) -> None:
        """Drops the points with step > after_step: a resumed job trains those steps again from its checkpoint."""
        ...

    def append_logs(self, job_id: str, lines: Sequence[str]) -> None: ...

    def logs(self, job_id: str, after: int = 0) -> Sequence[str]:
        """Log lines from index ``after`` on."""
        ...


@dataclass(frozen=True)
class TrainingFiles:
    """A published dataset version as files in the dataset library's JSONL (modelhub.datasets)."""

    train: Path
    validation: Path | None
    format: str  # modelhub.datasets.formats.Format value
    rows: int


@dataclass(frozen=True)
class BaseWeights:
    """Where a base model's weights are, and, for an incremental fine-tune, the adapter to start from."""

    path: Path  # a transformers model directory (config, tokenizer, weights)
    adapter: Path | None = None  # a peft adapter directory to continue training
    chat_template: str | None = None  # overrides the tokenizer's template when the registry sets one


class TrainingSources(Protocol):
    """Resolves what a job names: a published dataset version, a registered base model or fine-tune."""

    def dataset_files(self, dataset_id: str, version: int) -> TrainingFiles:
        """Raises ValueError naming the dataset and version when it is missing or not published."""
        ...

    def base_weights(self, model: str, version: int | None) -> BaseWeights:
        """Raises ValueError naming the model when it is unknown or has no local weights."""
        ...


class AdapterRegistrar(Protocol):
    """Receives a finished job's adapter as a new version of a fine-tuned model, with its lineage."""

    def register_adapter(self, job: FinetuneJob, adapter_dir: Path, chat_template: str | None) -> tuple[str, int]:
        """Registers the adapter; returns (model name, version)."""
        ...
