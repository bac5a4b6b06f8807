"""The records of a fine-tuning job as the runner, the store and the API share them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
ResumeMode = Literal["weights", "full"]  # adapter weights only, or weights + optimizer/scheduler/step state
DiagnosisCode = Literal["ok", "too_few_points", "diverging", "plateau", "overfitting", "underfitting"]


class FinetuneParams(BaseModel):
    """Hyperparameters of a LoRA SFT job. ``epochs=None`` lets the runner pick by dataset size (seed advice);
    ``target_modules=None`` means every linear projection of the attention and MLP blocks."""

    model_config = ConfigDict(extra="forbid")

    epochs: int | None = Field(default=None, ge=1, le=50)
    learning_rate: float = Field(default=2e-4, gt=0, le=1e-2)
    lora_rank: int = Field(default=8, ge=1, le=256)
    lora_alpha: int = Field(default=16, ge=1, le=512)
    lora_dropout: float = Field(default=0.05, ge=0, lt=1)
    target_modules: list[str] | None = None
    batch_size: int = Field(default=4, ge=1, le=512)
    gradient_accumulation: int = Field(default=1, ge=1, le=256)
    max_length: int = Field(default=2048, ge=16, le=131072)
    warmup_ratio: float = Field(default=0.03, ge=0, le=0.5)
    save_steps: int = Field(default=50, ge=1)
    keep_checkpoints: int = Field(default=2, ge=1, le=20)
    eval_steps: int | None = Field(default=None, ge=1)  # None: once per epoch when there is a validation part
    seed: int = 0


class ProgressPoint(BaseModel):
    """One logged training step (train loss) or evaluation (eval loss) of a job."""

    step: int
    epoch: float
    train_loss: float | None = None
    eval_loss: float | None = None
    learning_rate: float | None = None
    tokens_seen: int = 0
    total_steps: int | None = None
    eta_s: float | None = None
    at: float  # unix time


class Diagnosis(BaseModel):
    """What the loss curve says, in the seeds' words, and what to do about it."""

    code: DiagnosisCode
    message: str
    advice: str
    seed_ref: str | None = None  # e.g. "000 ch. 3" — where docs/finetuning.md cites the advice from


class FinetuneJob(BaseModel):
    """A fine-tuning job: what it trains from, with what, and where it got to."""

    id: str
    name: str  # the fine-tuned model's registry name once the job succeeds
    base_model: str  # registry name of the base model (kind "base") or of a previous fine-tune (incremental)
    base_version: int | None = None
    dataset_id: str
    dataset_version: int  # must be a published version
    params: FinetuneParams
    system_prompt: str | None = None  # the system prompt the data was trained with (pre-filled at inference)
    status: JobStatus = "queued"
    device: str | None = None  # "cuda:0", "cpu"
    error: str | None = None
    resume_from: str | None = None  # checkpoint directory name this run resumes from
    resume_mode: ResumeMode | None = None
    output_dir: str | None = None
    checkpoints: list[str] = Field(default_factory=list)
    total_steps: int | None = None
    final_train_loss: float | None = None
    final_eval_loss: float | None = None
    result_model: str | None = None  # "name" of the registered fine-tuned model version, e.g. "support-bot"
    result_version: int | None = None
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
