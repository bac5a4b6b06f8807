"""The job spec the runner writes into a job's directory and the worker process reads, and the worker's events.

The worker writes one JSON object per line on stdout, each with an ``event``: ``progress`` (a ProgressPoint's
fields), ``checkpoint`` (``name``: a checkpoint saved), ``summary`` (``train_runtime``, ``tokens``, ``steps``,
``peak_memory_bytes``: the training phase's duration, tokens and peak CUDA memory), ``done`` (``adapter``,
``chat_template``, ``train_loss``, ``eval_loss``), ``stopped`` (SIGTERM honoured; ``checkpoint`` saved at the stop,
or None) and ``error`` (``message``: why the job failed, in words for people). Everything else it writes (stderr)
is log.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from modelhub.finetune.schemas import FinetuneParams

SPEC_FILE = "spec.json"
ADAPTER_DIR = "adapter"
RUN_PREFIX = "run-"


class WorkerSpec(BaseModel):
    """Everything one training run needs, with absolute paths."""

    model_config = ConfigDict(extra="forbid")

    job_id: str
    base_path: Path
    start_adapter: Path | None = None  # an adapter to continue from (incremental fine-tune, or a "weights" resume)
    chat_template: str | None = None  # overrides the tokenizer's template
    system_prompt: str | None = None  # used for rows that have no system message
    train_file: Path
    validation_file: Path | None = None
    format: str
    params: FinetuneParams  # epochs resolved
    run_dir: Path  # this run's checkpoints: <job dir>/run-N
    adapter_dir: Path  # the final adapter
    resume_checkpoint: Path | None = None  # a "full" resume: weights, optimizer, scheduler and step
    step_offset: int = 0  # a "weights" resume restarts its own step count; points are reported after the old ones
    device: str = "cpu"  # "cpu" or "cuda" (the runner picks the GPU with CUDA_VISIBLE_DEVICES)
    max_steps: int | None = None  # a cap on optimizer steps (benchmarks, dry runs); None: the epochs decide


def read_spec(job_dir: Path) -> WorkerSpec:
    return WorkerSpec.model_validate_json((job_dir / SPEC_FILE).read_text(encoding="utf-8"))


def write_spec(job_dir: Path, spec: WorkerSpec) -> Path:
    path = job_dir / SPEC_FILE
    path.write_text(spec.model_dump_json(indent=2), encoding="utf-8")
    return path
