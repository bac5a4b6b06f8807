"""LoRA fine-tuning on CUDA in bf16: tokens/s and peak GPU memory of a ~0.5B-parameter model, through Loom's worker.

    python benchmarks/finetune_gpu.py [--steps 300] [--batch-size 8] [--seq-len 512] [--rows 2048]
    python benchmarks/finetune_gpu.py --dry-run      # 2 steps of a tiny model on the CPU: checks the script works

It builds a randomly initialised Qwen2-0.5B-shaped causal LM (hidden 896, 24 layers, 14 heads, 2 KV heads,
vocabulary 151936, tied embeddings: about 494M parameters) with the tiny test tokenizer (tests/doubles/tiny_lm.py),
writes a synthetic dialogue dataset whose rows fill about ``--seq-len`` tokens, and runs
``python -m modelhub.finetune.worker`` on it — the same worker the job runner starts — for ``--steps`` optimizer
steps (LoRA on every linear layer, bf16). Figures: training tokens/s (non-padding tokens over the trainer's
training time), peak memory (torch.cuda.max_memory_allocated in the worker) and the last train loss. It takes a few
minutes on one modern GPU (model build and save included). Without CUDA it exits with status 2 and says so.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

QWEN2_05B = {"hidden_size": 896, "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14,
             "num_key_value_heads": 2, "vocab_size": 151936, "max_position_embeddings": 4096,
             "tie_word_embeddings": True}
DRY_RUN = {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
           "num_key_value_heads": 2, "vocab_size": 512, "max_position_embeddings": 1024, "tie_word_embeddings": True}
NO_CUDA = ("CUDA is not available: this benchmark needs an NVIDIA GPU with a CUDA build of torch "
           "(use --dry-run to check the script on the CPU)")
WORDS = ("the model answers each question with care and the data teaches it a style that users like to read "
         "while the loss falls step by step over every epoch of training").split()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="optimizer steps (default 300)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--seq-len", type=int, default=512, help="about this many tokens per row")
    parser.add_argument("--rows", type=int, default=2048)
    parser.add_argument("--lora-rank", type=int, default=16)
    parser.add_argument("--dry-run", action="store_true", help="2 steps of a tiny model on the CPU")
    args = parser.parse_args(argv)
    for name in ("steps", "batch_size", "seq_len", "rows", "lora_rank"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.dry_run:
        args.steps, args.batch_size, args.seq_len, args.rows = 2, 2, 64, 8
    return args


def build_model(path: Path, shape: dict[str, Any], bf16: bool) -> int:
    """A randomly initialised Qwen2 model of ``shape`` with the tiny test tokenizer; returns its parameter count."""
    import torch
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    from tests.doubles.tiny_lm import build_tiny_lm

    tokenizer_dir = build_tiny_lm(path.parent / "tokenizer-source")
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    config = Qwen2Config(**shape, bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(config)
    if bf16:
        model = model.to(torch.bfloat16)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return sum(parameter.numel() for parameter in model.parameters())


def write_rows(path: Path, rows: int, seq_len: int) -> None:
    """Dialogue rows of about ``seq_len`` tokens (the tiny tokenizer spends one to three tokens a word)."""
    words = max(4, seq_len // 3)
    lines = []
    for i in range(rows):
        question = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(words // 3))
        answer = " ".join(WORDS[(i * 5 + k * 3) % len(WORDS)] for k in range(words - words // 3))
        lines.append(json.dumps({"messages": [{"role": "user", "content": question},
                                              {"role": "assistant", "content": answer}]}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_worker(job_dir: Path) -> list[dict[str, Any]]:
    """The worker process, as the runner starts it; its events (stdout JSON lines), its log passed through."""
    process = subprocess.run([sys.executable, "-m", "modelhub.finetune.worker", str(job_dir)], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True, check=False)
    events = [json.loads(line) for line in process.stdout.splitlines() if line.startswith("{")]
    if process.returncode != 0:
        error = next((e["message"] for e in events if e["event"] == "error"), f"exit status {process.returncode}")
        raise SystemExit(f"the worker failed: {error}")
    return events


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import torch

    from modelhub.finetune.schemas import FinetuneParams
    from modelhub.finetune.spec import WorkerSpec, write_spec

    cuda = torch.cuda.is_available()
    if not args.dry_run and not cuda:
        print(NO_CUDA, file=sys.stderr)
        return 2
    device = "cuda" if cuda and not args.dry_run else "cpu"
    with tempfile.TemporaryDirectory(prefix="loom-ft-gpu-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        parameters = build_model(root / "model", DRY_RUN if args.dry_run else QWEN2_05B, bf16=device == "cuda")
        write_rows(root / "train.jsonl", args.rows, args.seq_len)
        job_dir = root / "job"
        job_dir.mkdir()
        params = FinetuneParams(epochs=1, learning_rate=2e-4, lora_rank=args.lora_rank, lora_alpha=2 * args.lora_rank,
                                batch_size=args.batch_size, max_length=args.seq_len + 64, save_steps=10_000,
                                warmup_ratio=0.03)
        write_spec(job_dir, WorkerSpec(job_id="gpu-bench", base_path=root / "model", train_file=root / "train.jsonl",
                                       format="messages", params=params, run_dir=job_dir / "run-0",
                                       adapter_dir=job_dir / "adapter", device=device, max_steps=args.steps))
        prepared = time.perf_counter() - started
        events = run_worker(job_dir)
    summary = next(event for event in events if event["event"] == "summary")
    losses = [event["train_loss"] for event in events if event["event"] == "progress" and event["train_loss"]]
    peak = summary.get("peak_memory_bytes")
    figures = {"device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu", "dry_run": args.dry_run,
               "parameters": parameters, "steps": summary["steps"], "batch_size": args.batch_size,
               "seq_len": args.seq_len, "tokens": summary["tokens"], "train_s": summary["train_runtime"],
               "tokens_per_s": round(summary["tokens"] / summary["train_runtime"], 1),
               "peak_memory_gib": round(peak / 2**30, 2) if peak else None,
               "first_loss": losses[0] if losses else None, "last_loss": losses[-1] if losses else None,
               "prepare_s": round(prepared, 1)}
    print(f"{figures['parameters'] / 1e6:.0f}M parameters on {figures['device']}: {figures['steps']} steps, "
          f"{figures['tokens_per_s']} tokens/s, peak memory {figures['peak_memory_gib']} GiB")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
