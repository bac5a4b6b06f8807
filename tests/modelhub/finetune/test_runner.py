"""The job runner with real worker processes, against an in-memory jobs' store (test double): a job trains and
registers its adapter; cancel stops the worker; a full resume continues the step count; a killed worker's job and
a shut-down server's job fail with a reason naming the checkpoint to resume from."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from modelhub.finetune.repository import BaseWeights, TrainingFiles
from modelhub.finetune.runner import FinetuneRunner
from modelhub.finetune.schemas import FinetuneJob, FinetuneParams, ProgressPoint
from tests.modelhub.finetune.doubles import LocalSources, MemoryJobs, RecordingRegistrar

TIMEOUT_S = 90


def job(job_id: str, epochs: int, save_steps: int, **changes: object) -> FinetuneJob:
    params = FinetuneParams(epochs=epochs, learning_rate=5e-3, lora_rank=16, lora_alpha=32, batch_size=4,
                            save_steps=save_steps, keep_checkpoints=2, warmup_ratio=0.0)
    return FinetuneJob.model_validate({"id": job_id, "name": f"tuned-{job_id}", "base_model": "tiny",
                                       "dataset_id": "ds", "dataset_version": 1, "params": params,
                                       "created_at": time.time(), **changes})


async def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


@pytest.fixture
def parts(tiny_lm: Path, qa_file: Path) -> tuple[MemoryJobs, LocalSources, RecordingRegistrar]:
    sources = LocalSources(TrainingFiles(train=qa_file, validation=qa_file, format="messages", rows=16),
                           BaseWeights(path=tiny_lm))
    return MemoryJobs(), sources, RecordingRegistrar()


def make_runner(parts: tuple[MemoryJobs, LocalSources, RecordingRegistrar], root: Path) -> FinetuneRunner:
    jobs, sources, registrar = parts
    return FinetuneRunner(jobs, sources, registrar, root, devices=["cpu"], kill_grace_s=5.0,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})


async def test_a_job_trains_in_a_worker_and_registers_its_adapter(parts: tuple[MemoryJobs, LocalSources,
                                                                               RecordingRegistrar],
                                                                  tmp_path: Path) -> None:
    jobs, _, registrar = parts
    runner = make_runner(parts, tmp_path)
    await runner.start()
    try:
        stored = await runner.submit(job("a", epochs=4, save_steps=8, system_prompt="You are helpful."))
        assert stored.status == "queued" and stored.output_dir == str(tmp_path / "a")
        await until(lambda: jobs.jobs["a"].status not in ("queued", "running"), "the job to finish")
    finally:
        await runner.shutdown()
    done = jobs.jobs["a"]
    assert done.status == "succeeded", (done.error, jobs.lines["a"][-10:])
    assert (done.result_model, done.result_version) == ("tuned-a", 1)
    assert registrar.calls == [("a", tmp_path / "a" / "adapter", done and registrar.calls[0][2])]
    assert "<|im_start|>" in (registrar.calls[0][2] or "")  # the chat template the job trained with
    assert (tmp_path / "a" / "adapter" / "adapter_config.json").is_file()
    points = jobs.progress("a")
    train = [p.train_loss for p in points if p.train_loss is not None]
    assert len(train) == 16 and train[-1] < train[0]
    assert [p.step for p in points if p.eval_loss is not None] == [4, 8, 12, 16]  # validation once per epoch
    assert done.final_train_loss == train[-1] and done.final_eval_loss is not None
    assert done.total_steps == 16 and done.checkpoints == ["run-0/checkpoint-8", "run-0/checkpoint-16"]
    assert runner.checkpoints("a") == done.checkpoints
    assert any("registered tuned-a version 1" in line for line in jobs.logs("a"))


async def test_cancel_stops_the_worker_and_a_full_resume_continues(parts: tuple[MemoryJobs, LocalSources,
                                                                                RecordingRegistrar],
                                                                   tmp_path: Path) -> None:
    jobs, _, _ = parts
    runner = make_runner(parts, tmp_path)
    await runner.start()
    try:
        await runner.submit(job("b", epochs=50, save_steps=2))
        await until(lambda: bool(jobs.jobs["b"].checkpoints), "a first checkpoint")
        cancelled = await runner.cancel("b")
        assert cancelled.status == "cancelled" and cancelled.error is None
        stopped_at = max(p.step for p in jobs.progress("b"))
        assert stopped_at < 200 and runner.checkpoints("b")[-1] == f"run-0/checkpoint-{stopped_at}"
        with pytest.raises(ValueError, match="no checkpoint 'run-0/checkpoint-999'"):
            await runner.resume("b", "run-0/checkpoint-999", "full")
        resumed = await runner.resume("b", None, "full")
        assert resumed.status == "queued" and resumed.resume_from == f"run-0/checkpoint-{stopped_at}"
        await until(lambda: max(p.step for p in jobs.progress("b")) > stopped_at, "progress after the resume")
        after = [p.step for p in jobs.points["b"]][len([p for p in jobs.points["b"] if p.step <= stopped_at]):]
        assert after[0] == stopped_at + 1  # optimizer, scheduler and step state restored
    finally:
        await runner.shutdown()
    interrupted = jobs.jobs["b"]
    assert interrupted.status == "failed"
    assert interrupted.error and interrupted.error.startswith("interrupted: the server stopped while it ran; "
                                                              "resume from checkpoint run-0/checkpoint-")


async def test_a_killed_worker_fails_with_a_reason_and_queued_jobs_wait(parts: tuple[MemoryJobs, LocalSources,
                                                                                     RecordingRegistrar],
                                                                        tmp_path: Path) -> None:
    jobs, _, _ = parts
    runner = make_runner(parts, tmp_path)
    await runner.start()
    try:
        await runner.submit(job("c", epochs=50, save_steps=1000))
        await runner.submit(job("d", epochs=1, save_steps=10))
        await until(lambda: bool(jobs.points.get("c")), "the first job's progress")
        assert jobs.jobs["d"].status == "queued"  # one CPU job at a time
        assert (await runner.cancel("d")).status == "cancelled"
        pid = runner._runs["c"].process.pid  # type: ignore[union-attr]
        os.killpg(pid, signal.SIGKILL)
        await until(lambda: jobs.jobs["c"].status == "failed", "the killed job to fail")
        await asyncio.sleep(0.5)
    finally:
        await runner.shutdown()
    assert jobs.jobs["c"].error == ("interrupted: the training worker was killed by signal 9 (if the machine ran "
                                    "out of memory: lower the batch size or max_length); no checkpoint was saved; "
                                    "submit it again")
    assert jobs.jobs["d"].status == "cancelled" and "d" not in jobs.points


async def test_start_fails_jobs_a_stopped_server_left_running_and_requeues_queued_ones(
        parts: tuple[MemoryJobs, LocalSources, RecordingRegistrar], tmp_path: Path) -> None:
    jobs, _, _ = parts
    jobs.create_job(job("left", epochs=1, save_steps=1, status="running"))
    checkpoint = tmp_path / "left" / "run-0" / "checkpoint-7"
    checkpoint.mkdir(parents=True)
    (checkpoint / "trainer_state.json").write_text("{}")
    jobs.create_job(job("waiting", epochs=1, save_steps=1, dataset_id="gone"))
    runner = make_runner(parts, tmp_path)
    await runner.start()
    try:
        await until(lambda: jobs.jobs["waiting"].status == "failed", "the queued job to run")
    finally:
        await runner.shutdown()
    assert jobs.jobs["left"].status == "failed"
    assert jobs.jobs["left"].error == ("interrupted: the server stopped while it ran; resume from checkpoint "
                                       "run-0/checkpoint-7")
    assert jobs.jobs["left"].checkpoints == ["run-0/checkpoint-7"]
    assert jobs.jobs["waiting"].error == "dataset gone version 1 is not published"


async def test_submit_names_what_is_missing(parts: tuple[MemoryJobs, LocalSources, RecordingRegistrar],
                                            tmp_path: Path) -> None:
    runner = make_runner(parts, tmp_path)
    with pytest.raises(ValueError, match="dataset other version 1 is not published"):
        await runner.submit(job("e", epochs=1, save_steps=1, dataset_id="other"))
    with pytest.raises(ValueError, match="model big is not registered"):
        await runner.submit(job("e", epochs=1, save_steps=1, base_model="big"))
    stored = await runner.submit(job("e", epochs=None, save_steps=1))  # type: ignore[arg-type]
    assert stored.params.epochs == 15  # 16 rows: the seeds' small-data epochs
    assert any(line.startswith("warning: only 16 rows") for line in parts[0].logs("e"))
    with pytest.raises(ValueError, match="job e is queued; only a failed or cancelled job can be resumed"):
        await runner.resume("e", None, "weights")
    with pytest.raises(KeyError):
        await runner.cancel("nope")


def test_the_spec_of_each_kind_of_run(parts: tuple[MemoryJobs, LocalSources, RecordingRegistrar],
                                      tmp_path: Path) -> None:
    jobs, sources, registrar = parts
    previous = tmp_path / "previous-adapter"
    incremental = LocalSources(sources.files, BaseWeights(path=sources.weights.path, adapter=previous,
                                                          chat_template="{{ messages }}"))
    runner = FinetuneRunner(jobs, incremental, registrar, tmp_path, devices=["cuda:1"])
    first = runner._spec(job("f", epochs=None, save_steps=5), "cuda:1")  # type: ignore[arg-type]
    assert (first.run_dir, first.start_adapter, first.resume_checkpoint) == (tmp_path / "f" / "run-0", previous, None)
    assert first.params.epochs == 15 and first.device == "cuda" and first.chat_template == "{{ messages }}"
    for run, offset in (("run-0", 0), ("run-1", 40)):
        (tmp_path / "f" / run / "checkpoint-10").mkdir(parents=True)
        (tmp_path / "f" / run / "offset.json").write_text(f'{{"step_offset": {offset}}}')
    full = runner._spec(job("f", 1, 5, resume_from="run-1/checkpoint-10", resume_mode="full"), "cpu")
    assert full.run_dir == tmp_path / "f" / "run-1" and full.resume_checkpoint == full.run_dir / "checkpoint-10"
    assert full.step_offset == 40 and full.device == "cpu"
    weights = runner._spec(job("f", 1, 5, resume_from="run-1/checkpoint-10", resume_mode="weights"), "cpu")
    assert weights.run_dir == tmp_path / "f" / "run-2" and weights.resume_checkpoint is None
    assert weights.start_adapter == tmp_path / "f" / "run-1" / "checkpoint-10" and weights.step_offset == 50
    assert runner._environment("cuda:1")["CUDA_VISIBLE_DEVICES"] == "1"
    assert runner._environment("cpu")["CUDA_VISIBLE_DEVICES"] == ""


async def test_a_resume_from_an_older_checkpoint_drops_the_points_it_trains_again(
        parts: tuple[MemoryJobs, LocalSources, RecordingRegistrar], tmp_path: Path) -> None:
    jobs, _, _ = parts
    runner = make_runner(parts, tmp_path)  # not started: the resumed job only queues
    jobs.create_job(job("r", epochs=4, save_steps=2, status="cancelled"))
    for step in (2, 4):
        folder = runner.job_dir("r") / "run-0" / f"checkpoint-{step}"
        folder.mkdir(parents=True)
        (folder / "trainer_state.json").write_text("{}", encoding="utf-8")
        os.utime(folder / "trainer_state.json", (step, step))  # oldest first by modification time
    jobs.append_progress("r", [ProgressPoint(step=s, epoch=s / 4, train_loss=1.0, at=0.0) for s in range(1, 7)])
    await runner.resume("r", "run-0/checkpoint-2", "full")
    assert [p.step for p in jobs.progress("r")] == [1, 2]
