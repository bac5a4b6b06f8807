"""One LoRA SFT run: transformers + peft + TRL's SFTTrainer, no training loop of our own.

:func:`run_training` is what the worker process calls (and what a benchmark calls directly). It reports through
``emit`` (the worker's events, see modelhub/finetune/spec.py) and stops cleanly, saving a checkpoint, when
``should_stop()`` turns true.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelhub.finetune.data import DataError, Encoded, encode_samples, load_samples
from modelhub.finetune.spec import WorkerSpec

Emit = Callable[[dict[str, Any]], None]
log = logging.getLogger("modelhub.finetune")
ALL_LINEAR = "all-linear"  # peft: every linear layer except the output head
POINTS_PER_RUN = 200  # about this many logged steps per run, however long it is


class TrainingError(RuntimeError):
    """A run that cannot go on, with the reason in words for people."""


@dataclass(frozen=True)
class Outcome:
    stopped: bool  # should_stop() ended the run early
    checkpoint: str | None  # the newest checkpoint of this run ("run-N/checkpoint-S")
    train_loss: float | None
    eval_loss: float | None
    adapter_dir: Path | None  # None when stopped
    chat_template: str | None


def _dataset(rows: list[Encoded]) -> Any:
    from datasets import Dataset  # type: ignore[import-untyped]

    return Dataset.from_dict({"input_ids": [row.input_ids for row in rows], "labels": [row.labels for row in rows]})


def _load_model(spec: WorkerSpec, cuda: bool) -> Any:
    import torch
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import AutoModelForCausalLM

    dtype = torch.bfloat16 if cuda and torch.cuda.is_bf16_supported() else torch.float32
    try:
        base = AutoModelForCausalLM.from_pretrained(spec.base_path, dtype=dtype)
    except (OSError, ValueError) as exc:
        raise TrainingError(f"cannot load the base model from {spec.base_path}: {exc}") from exc
    if spec.start_adapter is not None:
        return PeftModel.from_pretrained(base, spec.start_adapter, is_trainable=True)
    params = spec.params
    config = LoraConfig(r=params.lora_rank, lora_alpha=params.lora_alpha, lora_dropout=params.lora_dropout,
                        target_modules=params.target_modules or ALL_LINEAR, task_type="CAUSAL_LM")
    return get_peft_model(base, config)


def _callback(emit: Emit, should_stop: Callable[[], bool], spec: WorkerSpec) -> Any:
    from transformers import TrainerCallback

    offset = spec.step_offset

    class Progress(TrainerCallback):
        def __init__(self) -> None:
            self.started = time.monotonic()
            self.first_step = 0
            self.last_train: float | None = None
            self.last_eval: float | None = None

        def on_train_begin(self, args: Any, state: Any, control: Any, **_: Any) -> None:
            self.started = time.monotonic()
            self.first_step = state.global_step

        def on_step_end(self, args: Any, state: Any, control: Any, **_: Any) -> None:
            if should_stop():
                control.should_save = True
                control.should_training_stop = True

        def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None,
                   **_: Any) -> None:
            logs = logs or {}
            if "train_runtime" in logs and "train_loss" in logs:  # the closing summary of trainer.train()
                emit({"event": "summary", "train_runtime": logs["train_runtime"],
                      "tokens": int(state.num_input_tokens_seen or 0), "steps": state.global_step - self.first_step,
                      "peak_memory_bytes": _peak_memory()})
                return
            train_loss, eval_loss = logs.get("loss"), logs.get("eval_loss")
            if train_loss is None and eval_loss is None:
                return
            if train_loss is not None:
                self.last_train = float(train_loss)
            if eval_loss is not None:
                self.last_eval = float(eval_loss)
            done = state.global_step - self.first_step
            elapsed = time.monotonic() - self.started
            eta = elapsed / done * (state.max_steps - state.global_step) if done > 0 else None
            emit({"event": "progress", "step": state.global_step + offset, "epoch": float(state.epoch or 0.0),
                  "train_loss": None if train_loss is None else float(train_loss),
                  "eval_loss": None if eval_loss is None else float(eval_loss),
                  "learning_rate": logs.get("learning_rate") if train_loss is not None else None,
                  "tokens_seen": int(state.num_input_tokens_seen or 0), "total_steps": state.max_steps + offset,
                  "eta_s": None if eta is None else round(eta, 1), "at": time.time()})

        def on_save(self, args: Any, state: Any, control: Any, **_: Any) -> None:
            emit({"event": "checkpoint", "name": f"{spec.run_dir.name}/checkpoint-{state.global_step}"})

    return Progress()


def _encode(spec: WorkerSpec, tokenizer: Any, path: Path, template: str | None) -> list[Encoded]:
    rows, dropped = encode_samples(tokenizer, load_samples(path, spec.format), spec.params.max_length,
                                   template=template, system_prompt=spec.system_prompt)
    if dropped:
        log.warning("%s: %d rows have nothing to train on within max_length %d and are left out",
                    path.name, dropped, spec.params.max_length)
    if not rows:
        raise DataError(f"{path.name}: no row has tokens to train on within max_length {spec.params.max_length}")
    return rows


def run_training(spec: WorkerSpec, emit: Emit, should_stop: Callable[[], bool] = lambda: False) -> Outcome:
    """Train the LoRA adapter the spec describes; returns how the run ended."""
    import torch
    from transformers import AutoTokenizer
    from trl.trainer.sft_config import SFTConfig
    from trl.trainer.sft_trainer import SFTTrainer

    cuda = spec.device.startswith("cuda")
    if cuda and not torch.cuda.is_available():
        raise TrainingError("the job was placed on a GPU but CUDA is not available in the worker")
    tokenizer = AutoTokenizer.from_pretrained(spec.base_path)
    template = spec.chat_template or tokenizer.chat_template
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    train_rows = _encode(spec, tokenizer, spec.train_file, template)
    eval_rows = _encode(spec, tokenizer, spec.validation_file, template) if spec.validation_file else None
    log.info("training on %d rows (%d validation rows), %d tokens",
             len(train_rows), len(eval_rows or []), sum(len(row.input_ids) for row in train_rows))
    torch.manual_seed(spec.params.seed)
    model = _load_model(spec, cuda)
    params = spec.params
    steps_per_epoch = math.ceil(len(train_rows) / (params.batch_size * params.gradient_accumulation))
    total = spec.max_steps or steps_per_epoch * (params.epochs or 1)
    evaluating = eval_rows is not None
    config = SFTConfig(
        output_dir=str(spec.run_dir), num_train_epochs=params.epochs or 1, max_steps=spec.max_steps or -1,
        learning_rate=params.learning_rate, per_device_train_batch_size=params.batch_size,
        per_device_eval_batch_size=params.batch_size, gradient_accumulation_steps=params.gradient_accumulation,
        warmup_steps=params.warmup_ratio, lr_scheduler_type="linear", max_length=params.max_length,
        logging_steps=max(1, total // POINTS_PER_RUN), save_strategy="steps", save_steps=params.save_steps,
        save_total_limit=params.keep_checkpoints,
        eval_strategy=("steps" if params.eval_steps else "epoch") if evaluating else "no",
        eval_steps=params.eval_steps, seed=params.seed, data_seed=params.seed, use_cpu=not cuda,
        bf16=cuda and torch.cuda.is_bf16_supported(), report_to="none", disable_tqdm=True,
        include_num_input_tokens_seen="non_padding", dataloader_num_workers=0, save_only_model=False,
        packing=False)
    progress = _callback(emit, should_stop, spec)
    trainer = SFTTrainer(model=model, args=config, train_dataset=_dataset(train_rows),
                         eval_dataset=_dataset(eval_rows) if eval_rows else None, processing_class=tokenizer,
                         callbacks=[progress])
    try:
        trainer.train(resume_from_checkpoint=str(spec.resume_checkpoint) if spec.resume_checkpoint else None)
    except torch.OutOfMemoryError as exc:
        raise TrainingError(f"out of memory on {spec.device}: lower the batch size (now {params.batch_size}; raise "
                            f"gradient accumulation to keep the effective batch) or max_length (now "
                            f"{params.max_length})") from exc
    newest = _newest_checkpoint(spec.run_dir)
    if should_stop():
        return Outcome(True, newest, progress.last_train, progress.last_eval, None, template)
    spec.adapter_dir.mkdir(parents=True, exist_ok=True)
    trainer.save_model(str(spec.adapter_dir))
    tokenizer.chat_template = template
    tokenizer.save_pretrained(str(spec.adapter_dir))
    return Outcome(False, newest, progress.last_train, progress.last_eval, spec.adapter_dir, template)


def _peak_memory() -> int | None:
    """Peak CUDA memory the run allocated (torch.cuda.max_memory_allocated), None on the CPU."""
    import torch

    return int(torch.cuda.max_memory_allocated()) if torch.cuda.is_available() else None


def _newest_checkpoint(run_dir: Path) -> str | None:
    steps = [int(path.name.split("-")[-1]) for path in run_dir.glob("checkpoint-*") if path.name[11:].isdigit()]
    return f"{run_dir.name}/checkpoint-{max(steps)}" if steps else None
