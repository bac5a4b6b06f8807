"""Training throughput of a CPU fine-tuning job run through Loom's runner next to the same training called directly.

    python benchmarks/finetune.py [--rows 64] [--epochs 4] [--rounds 2]

Both sides train the same LoRA on the same tiny random model (tests/doubles/tiny_lm.py) and the same synthetic
dialogue data with the same hyperparameters: "direct" calls modelhub.finetune.train.run_training in this process;
"Loom" submits a job to FinetuneRunner (in-memory jobs' store, test double), which starts the worker process,
reads its events and writes progress, logs and checkpoints. Training tokens/s is the trainer's own count of
non-padding tokens over its training time (the worker's summary event); end-to-end adds model loading and, for
Loom, starting the worker process. Rounds alternate so machine noise hits both. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from modelhub.finetune.repository import BaseWeights, TrainingFiles  # noqa: E402
from modelhub.finetune.runner import FinetuneRunner  # noqa: E402
from modelhub.finetune.schemas import FinetuneJob, FinetuneParams  # noqa: E402
from modelhub.finetune.spec import WorkerSpec  # noqa: E402
from modelhub.finetune.train import run_training  # noqa: E402
from tests.doubles.tiny_lm import build_tiny_lm  # noqa: E402
from tests.modelhub.finetune.doubles import LocalSources, MemoryJobs, RecordingRegistrar  # noqa: E402

WORDS = "the a model answer question data loss rate step token batch epoch train user help please".split()


def write_rows(path: Path, rows: int) -> None:
    lines = []
    for i in range(rows):
        question = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(12))
        answer = " ".join(WORDS[(i * 3 + k * 5) % len(WORDS)] for k in range(24))
        lines.append(json.dumps({"messages": [{"role": "user", "content": question},
                                              {"role": "assistant", "content": answer}]}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def params(epochs: int) -> FinetuneParams:
    return FinetuneParams(epochs=epochs, learning_rate=2e-4, batch_size=4, save_steps=10_000, warmup_ratio=0.03)


def direct(model: Path, data: Path, work: Path, epochs: int) -> dict[str, float]:
    spec = WorkerSpec(job_id="direct", base_path=model, train_file=data, format="messages", params=params(epochs),
                      run_dir=work / "run-0", adapter_dir=work / "adapter")
    events: list[dict[str, Any]] = []
    started = time.perf_counter()
    run_training(spec, events.append)
    wall = time.perf_counter() - started
    summary = next(event for event in events if event["event"] == "summary")
    return {"tokens": summary["tokens"], "train_s": summary["train_runtime"], "wall_s": wall}


async def through_loom(model: Path, data: Path, work: Path, epochs: int, rows: int) -> dict[str, float]:
    jobs = MemoryJobs()
    sources = LocalSources(TrainingFiles(train=data, validation=None, format="messages", rows=rows),
                           BaseWeights(path=model))
    runner = FinetuneRunner(jobs, sources, RecordingRegistrar(), work, devices=["cpu"])
    await runner.start()
    job = FinetuneJob(id="loom", name="bench", base_model="tiny", dataset_id="ds", dataset_version=1,
                      params=params(epochs), created_at=time.time())
    started = time.perf_counter()
    try:
        await runner.submit(job)
        while jobs.jobs["loom"].status in ("queued", "running"):
            await asyncio.sleep(0.05)
    finally:
        await runner.shutdown()
    wall = time.perf_counter() - started
    done = jobs.jobs["loom"]
    if done.status != "succeeded":
        raise SystemExit(f"the Loom job {done.status}: {done.error}")
    line = next(line for line in jobs.logs("loom") if line.startswith("trained "))
    _, _steps, _, tokens, _, _, runtime, _ = line.split(maxsplit=7)  # "trained S steps, T tokens in R s"
    return {"tokens": float(tokens), "train_s": float(runtime), "wall_s": wall}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="loom-ft-bench-") as tmp:
        root = Path(tmp)
        model = build_tiny_lm(root / "model")
        data = root / "train.jsonl"
        write_rows(data, args.rows)
        results: dict[str, list[dict[str, float]]] = {"direct": [], "loom": []}
        for index in range(args.rounds):
            results["direct"].append(direct(model, data, root / f"direct-{index}", args.epochs))
            results["loom"].append(asyncio.run(through_loom(model, data, root / f"loom-{index}", args.epochs,
                                                            args.rows)))
    figures: dict[str, Any] = {"rows": args.rows, "epochs": args.epochs, "rounds": args.rounds,
                               "load_average": [round(value, 2) for value in os.getloadavg()]}
    for side, runs in results.items():
        figures[f"{side}_tokens_per_s"] = round(statistics.median(r["tokens"] / r["train_s"] for r in runs), 1)
        figures[f"{side}_end_to_end_tokens_per_s"] = round(statistics.median(r["tokens"] / r["wall_s"] for r in runs),
                                                           1)
        figures[f"{side}_tokens"] = int(runs[0]["tokens"])
    figures["ratio"] = round(figures["loom_tokens_per_s"] / figures["direct_tokens_per_s"], 3)
    figures["end_to_end_ratio"] = round(figures["loom_end_to_end_tokens_per_s"]
                                        / figures["direct_end_to_end_tokens_per_s"], 3)
    print(f"training tokens/s  direct {figures['direct_tokens_per_s']:>9}   through Loom "
          f"{figures['loom_tokens_per_s']:>9}   ratio {figures['ratio']:.1%} (target >= 90%)")
    print(f"end-to-end tokens/s direct {figures['direct_end_to_end_tokens_per_s']:>8}   through Loom "
          f"{figures['loom_end_to_end_tokens_per_s']:>9}   ratio {figures['end_to_end_ratio']:.1%}")
    print(f"load average {figures['load_average']}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
