"""Real LoRA training of the tiny model, in process: the loss falls, checkpoints resume, stops are clean, and the
adapter loads with peft on the base model and answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from modelhub.finetune.schemas import FinetuneParams
from modelhub.finetune.spec import WorkerSpec
from modelhub.finetune.train import run_training

# 16 rows, batch 4, 8 epochs: 32 optimizer steps. The tiny model starts near ln(vocab) and learns the answer pattern.
PARAMS = FinetuneParams(epochs=8, learning_rate=5e-3, lora_rank=16, lora_alpha=32, batch_size=4, save_steps=8,
                        keep_checkpoints=2, warmup_ratio=0.0)
FALL = 0.5  # the loss at the end is at most half the loss at the start


def spec_for(tiny_lm: Path, train: Path, job: Path, **changes: Any) -> WorkerSpec:
    base = WorkerSpec(job_id="job", base_path=tiny_lm, train_file=train, format="messages", params=PARAMS,
                      run_dir=job / "run-0", adapter_dir=job / "adapter")
    return base.model_copy(update=changes)


def progress(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [event for event in events if event["event"] == "progress"]


@pytest.fixture(scope="module")
def trained(tiny_lm: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[WorkerSpec, list[dict[str, Any]], Any]:
    from tests.modelhub.finetune.conftest import qa_rows

    root = tmp_path_factory.mktemp("trained")
    train = root / "train.jsonl"
    import json

    train.write_text("".join(json.dumps(row) + "\n" for row in qa_rows()), encoding="utf-8")
    spec = spec_for(tiny_lm, train, root / "job")
    events: list[dict[str, Any]] = []
    outcome = run_training(spec, events.append)
    return spec, events, outcome


def test_the_tiny_model_learns_the_dataset(trained: tuple[WorkerSpec, list[dict[str, Any]], Any]) -> None:
    spec, events, outcome = trained
    points = progress(events)
    assert [point["step"] for point in points] == list(range(1, 33))
    first = sum(point["train_loss"] for point in points[:2]) / 2
    last = sum(point["train_loss"] for point in points[-3:]) / 3
    assert last <= FALL * first, (first, last)
    assert points[-1]["total_steps"] == 32 and points[-1]["tokens_seen"] > 0 and points[-1]["eta_s"] == 0
    assert not outcome.stopped and outcome.adapter_dir == spec.adapter_dir
    # save_steps 8, keep 2: checkpoints 8, 16, 24, 32 were written and the last two kept
    assert [e["name"] for e in events if e["event"] == "checkpoint"][-1] == "run-0/checkpoint-32"
    assert sorted(path.name for path in spec.run_dir.iterdir() if path.is_dir()) == ["checkpoint-24", "checkpoint-32"]
    assert outcome.checkpoint == "run-0/checkpoint-32"


def test_the_adapter_loads_on_the_base_and_answers(tiny_lm: Path,
                                                   trained: tuple[WorkerSpec, list[dict[str, Any]], Any]) -> None:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    spec, _, outcome = trained
    tokenizer = AutoTokenizer.from_pretrained(spec.adapter_dir)
    assert tokenizer.chat_template == outcome.chat_template
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_lm), spec.adapter_dir)
    prompt = tokenizer.apply_chat_template([{"role": "system", "content": "You are helpful."},
                                            {"role": "user", "content": "What is 3 plus one?"}],
                                           add_generation_prompt=True, return_tensors="pt", return_dict=True)
    output = model.generate(**prompt, max_new_tokens=6, do_sample=False)
    answer = tokenizer.decode(output[0][prompt["input_ids"].shape[1]:], skip_special_tokens=True)
    assert answer.startswith("The answer is"), answer


def test_full_resume_continues_the_step_count(tiny_lm: Path,
                                              trained: tuple[WorkerSpec, list[dict[str, Any]], Any]) -> None:
    spec, _, _ = trained
    resumed = spec.model_copy(update={"resume_checkpoint": spec.run_dir / "checkpoint-24",
                                      "adapter_dir": spec.run_dir.parent / "adapter-full"})
    events: list[dict[str, Any]] = []
    run_training(resumed, events.append)
    steps = [point["step"] for point in progress(events)]
    assert steps == list(range(25, 33))  # optimizer, scheduler and step restored: only the last 8 steps run


def test_weights_resume_starts_a_new_run_from_the_checkpoint_weights(
        tiny_lm: Path, trained: tuple[WorkerSpec, list[dict[str, Any]], Any]) -> None:
    spec, first_events, _ = trained
    fresh_start = progress(first_events)[0]["train_loss"]
    restart = spec.model_copy(update={"start_adapter": spec.run_dir / "checkpoint-32", "step_offset": 32,
                                      "run_dir": spec.run_dir.parent / "run-1", "max_steps": 3,
                                      "adapter_dir": spec.run_dir.parent / "adapter-weights"})
    events: list[dict[str, Any]] = []
    run_training(restart, events.append)
    points = progress(events)
    assert [point["step"] for point in points] == [33, 34, 35]  # reported after the old run's steps
    assert points[0]["train_loss"] < 0.5 * fresh_start  # it starts from the trained weights, not from scratch


def test_a_stop_request_ends_the_run_with_a_checkpoint(tiny_lm: Path, qa_file: Path, tmp_path: Path) -> None:
    events: list[dict[str, Any]] = []
    outcome = run_training(spec_for(tiny_lm, qa_file, tmp_path / "job"), events.append,
                           lambda: len(progress(events)) >= 3)
    assert outcome.stopped and outcome.adapter_dir is None
    stopped_at = progress(events)[-1]["step"]  # the step that was running when the stop came
    assert stopped_at < 32 and outcome.checkpoint == f"run-0/checkpoint-{stopped_at}"
    assert not (tmp_path / "job" / "adapter").exists()
