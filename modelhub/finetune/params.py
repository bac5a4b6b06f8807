"""Hyperparameter defaults, ranges and hints from the seed documents, and the checks a job form shows.

Seed references (docs/finetuning.md cites them): 001 = Pangu FAQ table of training parameters (lines 276-279),
002 = Qianfan slides (226-232), 003 = SenseTime (45: epochs by dataset size), 004 = Volcengine (145-148: epochs 2-5,
LoRA learning rate 1e-4..2e-4, alpha vs rank, warmup), 000 ch. 3 (1689-1918: warmup, loss symptoms).
"""

from __future__ import annotations

import math
from typing import Any

from modelhub.finetune.schemas import FinetuneParams

# 003:45 — "100 rows: 15 epochs, 1000 rows: 10 epochs, 10000 rows: 2 epochs"; interpolated on log(rows).
EPOCHS_BY_ROWS: tuple[tuple[int, int], ...] = ((100, 15), (1000, 10), (10000, 2))
LEARNING_RATE_RANGE = (1e-6, 5e-4)  # 001:278 — the Pangu FAQ's recommended range
LORA_LEARNING_RATE = (1e-4, 2e-4)  # 004:146 — LoRA SFT
MAX_ALPHA_PER_RANK = 4.0  # alpha/rank above this scales the LoRA update so much that the loss tends to diverge

_HINTS: dict[str, str] = {
    "epochs": "Passes over the data; empty picks by size (003: 100 rows→15, 1000→10, 10000→2; 004: usually 2-5). "
              "Too many overfit, too few underfit (001:276).",
    "learning_rate": "LoRA SFT works at 1e-4 to 2e-4 (004:146); the FAQ's range is 1e-6 to 5e-4 (001:278). "
                     "Loss rising: lower it; loss flat and high: raise it (001:307-314).",
    "lora_rank": "Size of the LoRA update (trainable parameters); 8-64 is usual (004:147).",
    "lora_alpha": "Scales the LoRA update (effective scale alpha/rank). The common default is 2×rank; Volcengine keeps "
                  "alpha ≤ √rank, e.g. rank 64/alpha 6 (004:147).",
    "lora_dropout": "Dropout on the LoRA input; 0.05-0.1 helps small datasets against overfitting.",
    "target_modules": "Layers that get adapters; empty adapts every linear layer of attention and MLP.",
    "batch_size": "Rows per step per device; 4/8 by default (001:277), 10-20 when memory allows (002:228). "
                  "Out of memory: lower it.",
    "gradient_accumulation": "Steps whose gradients add up before an update: a larger effective batch without "
                             "more memory; raise it when the loss fluctuates strongly (000:1918).",
    "max_length": "Longest row in tokens (prompt + answer); set it from the longest training row (002:229); "
                  "longer rows are cut. Out of memory: lower it.",
    "warmup_ratio": "Share of steps the learning rate ramps up; raise it when the loss swings or does not fall at "
                    "the start (000:1689, 000:1914, 004:148).",
    "save_steps": "Steps between checkpoints; 50-100 is usual (002:231).",
    "keep_checkpoints": "Checkpoints kept; more lets you publish the best step, each costs disk and time (004:149).",
    "eval_steps": "Steps between validation-loss evaluations; empty: once per epoch (002:232 suggests 10-20).",
    "seed": "Random seed for data order and adapter initialisation.",
}


def _bounds(field: str) -> tuple[Any, Any]:
    low: Any = None
    high: Any = None
    for item in FinetuneParams.model_fields[field].metadata:
        for name in ("ge", "gt"):
            if getattr(item, name, None) is not None:
                low = getattr(item, name)
        for name in ("le", "lt"):
            if getattr(item, name, None) is not None:
                high = getattr(item, name)
    return low, high


def hints() -> dict[str, dict[str, Any]]:
    """Per FinetuneParams field: ``{"default", "min", "max", "hint"}`` (min/max None where the field is unbounded)."""
    out: dict[str, dict[str, Any]] = {}
    for name, info in FinetuneParams.model_fields.items():
        low, high = _bounds(name)
        out[name] = {"default": info.get_default(call_default_factory=True), "min": low, "max": high,
                     "hint": _HINTS[name]}
    return out


def recommend_epochs(rows: int) -> int:
    """Epochs for a dataset of ``rows`` rows (003:45): 15 at ≤100 rows, 10 at 1000, 2 at ≥10000, log-interpolated."""
    if rows <= EPOCHS_BY_ROWS[0][0]:
        return EPOCHS_BY_ROWS[0][1]
    if rows >= EPOCHS_BY_ROWS[-1][0]:
        return EPOCHS_BY_ROWS[-1][1]
    for (rows_a, epochs_a), (rows_b, epochs_b) in zip(EPOCHS_BY_ROWS, EPOCHS_BY_ROWS[1:], strict=False):
        if rows <= rows_b:
            share = (math.log(rows) - math.log(rows_a)) / (math.log(rows_b) - math.log(rows_a))
            return round(epochs_a + share * (epochs_b - epochs_a))
    return EPOCHS_BY_ROWS[-1][1]


def check(params: FinetuneParams, rows: int) -> list[str]:
    """Warnings about a job's hyperparameters for a dataset of ``rows`` rows (empty when nothing looks off)."""
    warnings: list[str] = []
    if rows <= 0:
        return ["the dataset has no rows to train on"]
    epochs = params.epochs if params.epochs is not None else recommend_epochs(rows)
    advised = recommend_epochs(rows)
    if epochs > 2 * advised:
        warnings.append(f"too few rows for this many epochs: {rows} rows with {epochs} epochs will likely overfit; "
                        f"about {advised} is advised for this size (003:45, 001:276)")
    elif epochs * 2 < advised and rows < 1000:
        warnings.append(f"few epochs for a small dataset: {rows} rows with {epochs} epochs will likely underfit; "
                        f"about {advised} is advised (003:45)")
    if rows < 100:
        warnings.append(f"only {rows} rows: the seeds advise at least about 100 good rows for fine-tuning; "
                        "small datasets overfit or underfit easily (001:164-165)")
    low, high = LEARNING_RATE_RANGE
    if not low <= params.learning_rate <= high:
        warnings.append(f"learning rate {params.learning_rate:g} is outside the advised {low:g}-{high:g} (001:278); "
                        f"LoRA usually trains at {LORA_LEARNING_RATE[0]:g}-{LORA_LEARNING_RATE[1]:g} (004:146)")
    scale = params.lora_alpha / params.lora_rank
    if scale > MAX_ALPHA_PER_RANK:
        warnings.append(f"lora_alpha {params.lora_alpha} is {scale:g}× lora_rank {params.lora_rank}: the update is "
                        "scaled strongly and the loss may diverge; use alpha ≤ 2×rank, or lower the learning rate "
                        "(004:147)")
    effective = params.batch_size * params.gradient_accumulation
    if effective > rows:
        warnings.append(f"batch size × gradient accumulation ({effective}) is larger than the dataset ({rows} rows): "
                        "each epoch is a single step")
    if params.warmup_ratio == 0:
        warnings.append("no warmup: if the loss swings or does not fall at the start, set warmup_ratio to 0.03-0.1 "
                        "(000:1914, 004:148)")
    return warnings


def resolve(params: FinetuneParams, rows: int) -> FinetuneParams:
    """The params with ``epochs`` filled from the dataset size when it is None."""
    if params.epochs is not None:
        return params
    return params.model_copy(update={"epochs": recommend_epochs(rows)})
