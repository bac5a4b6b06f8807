"""The fine-tuning job runner: a queue, one training worker process per device, progress into the jobs' store.

Each job runs as ``python -m modelhub.finetune.worker <job dir>`` in its own process group, one job per GPU at a
time (CUDA_VISIBLE_DEVICES picks the GPU), or one at a time on the CPU when there is no GPU. The runner reads the
worker's events (stdout, JSON lines) and log (stderr) and writes them through the JobRepository; a finished job's
adapter goes to the AdapterRegistrar.

A job's directory (``<root>/<job id>``) holds ``spec.json``, one ``run-N`` folder of checkpoints per run (a
"weights" resume starts a new run; a "full" resume continues in the checkpoint's run) and the final ``adapter``.
Checkpoints are named ``run-N/checkpoint-STEP``.

Recovery: at :meth:`FinetuneRunner.start`, a job still marked running was left by a server that stopped; it becomes
failed with a reason naming the checkpoint to resume from (it is not restarted by itself: resuming is the user's
call, with the mode they choose). Queued jobs are queued again in creation order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelhub.finetune.params import check, resolve
from modelhub.finetune.repository import AdapterRegistrar, JobRepository, TrainingSources
from modelhub.finetune.schemas import FinetuneJob, ProgressPoint, ResumeMode
from modelhub.finetune.spec import ADAPTER_DIR, RUN_PREFIX, WorkerSpec, write_spec

log = logging.getLogger("modelhub.finetune.runner")
LOG_BATCH = 50
RESUMABLE = ("failed", "cancelled")


def detect_devices() -> list[str]:
    """``cuda:N`` for each GPU that NVML sees and torch can use; ``["cpu"]`` when there is none."""
    from modelhub.gpus import inventory

    gpus = inventory()["gpus"]
    if not gpus:
        return ["cpu"]
    import torch

    if not torch.cuda.is_available():
        log.warning("NVML sees %d GPU(s) but this torch build cannot use CUDA: fine-tuning runs on the CPU", len(gpus))
        return ["cpu"]
    return [f"cuda:{gpu['index']}" for gpu in gpus]


@dataclass
class _Run:
    job_id: str
    device: str
    process: asyncio.subprocess.Process | None = None
    intent: str | None = None  # "cancel" or "shutdown" once the runner asked the worker to stop
    finished: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class _Events:
    done: dict[str, Any] | None = None
    error: str | None = None
    stopped: bool = False
    train_loss: float | None = None
    eval_loss: float | None = None
    total_steps: int | None = None


class FinetuneRunner:
    def __init__(self, jobs: JobRepository, sources: TrainingSources, registrar: AdapterRegistrar, root: Path, *,
                 devices: Sequence[str] | None = None, python: str = sys.executable, kill_grace_s: float = 20.0,
                 env: dict[str, str] | None = None, on_queued: Callable[[str], None] | None = None) -> None:
        """``on_queued``: where queued jobs go instead of this runner's own device slots (the server's worker
        tier, whose runner takes them with ``run_queued``)."""
        self._jobs, self._sources, self._registrar = jobs, sources, registrar
        self._root = Path(root)
        self._devices = list(devices) if devices is not None else detect_devices()
        if not self._devices:
            raise ValueError("the fine-tuning runner needs at least one device (\"cpu\" or \"cuda:N\")")
        self._python = python
        self._grace = kill_grace_s
        self._env = env
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._dropped: set[str] = set()
        self._runs: dict[str, _Run] = {}
        self._slots: list[asyncio.Task[None]] = []
        self._on_queued = on_queued

    @property
    def devices(self) -> list[str]:
        return list(self._devices)

    def job_dir(self, job_id: str) -> Path:
        if not job_id or "/" in job_id or job_id in (".", ".."):
            raise ValueError(f"invalid job id {job_id!r}")
        return self._root / job_id

    def checkpoints(self, job_id: str) -> list[str]:
        """The job's complete checkpoints, oldest first (``run-N/checkpoint-STEP``)."""
        found: list[tuple[float, str]] = []
        for state in self.job_dir(job_id).glob(f"{RUN_PREFIX}*/checkpoint-*/trainer_state.json"):
            found.append((state.stat().st_mtime, f"{state.parent.parent.name}/{state.parent.name}"))
        return [name for _, name in sorted(found)]

    # -- lifecycle ---------------------------------------------------------------------------------------------

    async def start(self, recover: bool = True) -> None:
        """Recover what a previous server left, then start one worker slot per device (none when queued jobs go
        elsewhere). ``recover=False`` where other processes run jobs now: they recover their own."""
        queued: list[FinetuneJob] = []
        for job in self._jobs.list_jobs() if recover else []:
            if job.status == "running":
                self._jobs.update_job(job.id, status="failed", finished_at=time.time(),
                                      checkpoints=self.checkpoints(job.id),
                                      error=self._interrupted("the server stopped while it ran", job.id))
            elif job.status == "queued":
                queued.append(job)
        for job in sorted(queued, key=lambda item: item.created_at):
            self._enqueue(job.id)
        if not self._slots and self._on_queued is None:
            self._slots = [asyncio.create_task(self._slot(device), name=f"finetune-{device}")
                           for device in self._devices]

    async def shutdown(self) -> None:
        """Stop the workers (their jobs become failed, resumable from their last checkpoint) and the slots."""
        runs = list(self._runs.values())
        for run in runs:
            run.intent = "shutdown"
            self._terminate(run)
        for run in runs:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(run.finished.wait(), self._grace + 10)
        for task in self._slots:
            task.cancel()
        for task in self._slots:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._slots = []

    # -- jobs --------------------------------------------------------------------------------------------------

    async def submit(self, job: FinetuneJob) -> FinetuneJob:
        """Check what the job names, fill in the epochs by dataset size, store and queue it."""
        files = self._sources.dataset_files(job.dataset_id, job.dataset_version)  # ValueError names the dataset
        self._sources.base_weights(job.base_model, job.base_version)  # ValueError names the model
        if files.rows <= 0:
            raise ValueError(f"dataset {job.dataset_id} version {job.dataset_version} has no rows to train on")
        params = resolve(job.params, files.rows)
        stored = self._jobs.create_job(job.model_copy(update={
            "params": params, "status": "queued", "output_dir": str(self.job_dir(job.id)), "error": None}))
        for warning in check(params, files.rows):
            self._jobs.append_logs(stored.id, [f"warning: {warning}"])
        self._enqueue(stored.id)
        return stored

    def _enqueue(self, job_id: str) -> None:
        if self._on_queued is not None:
            self._on_queued(job_id)
        else:
            self._queue.put_nowait(job_id)

    async def run_queued(self, job_id: str, poll_s: float = 0.5) -> FinetuneJob:
        """Run a stored ``queued`` job in this runner's slots and return it once it has ended (at once when it is
        not queued)."""
        self._dropped.discard(job_id)
        self._queue.put_nowait(job_id)
        while True:
            await asyncio.sleep(poll_s)
            job = self._job(job_id)
            if job.status not in ("queued", "running"):  # ended here, or cancelled while it waited
                return job

    def interrupt(self, job_id: str, why: str) -> FinetuneJob:
        """Mark a job that was running in a process that is gone failed, naming the checkpoint to resume from."""
        return self._jobs.update_job(job_id, status="failed", finished_at=time.time(),
                                     checkpoints=self.checkpoints(job_id), error=self._interrupted(why, job_id))

    async def cancel(self, job_id: str) -> FinetuneJob:
        job = self._job(job_id)
        run = self._runs.get(job_id)
        if run is not None:
            run.intent = "cancel"
            self._terminate(run)
            await run.finished.wait()
            return self._job(job_id)
        if job.status != "queued":
            raise ValueError(f"job {job_id} is {job.status}; only a queued or running job can be cancelled")
        self._dropped.add(job_id)
        return self._jobs.update_job(job_id, status="cancelled", finished_at=time.time())

    async def resume(self, job_id: str, checkpoint: str | None, mode: ResumeMode) -> FinetuneJob:
        """Queue a failed or cancelled job again from a checkpoint (None: the newest)."""
        job = self._job(job_id)
        if job.status not in RESUMABLE:
            raise ValueError(f"job {job_id} is {job.status}; only a failed or cancelled job can be resumed")
        available = self.checkpoints(job_id)
        if not available:
            raise ValueError(f"job {job_id} has no checkpoint to resume from; submit it again")
        chosen = checkpoint or available[-1]
        if chosen not in available:
            raise ValueError(f"job {job_id} has no checkpoint {chosen!r}; it has: {', '.join(available)}")
        self._dropped.discard(job_id)
        self._jobs.rewind_progress(job_id, _step_of(chosen) + _offset_of(self.job_dir(job_id) / chosen))
        updated = self._jobs.update_job(job_id, status="queued", resume_from=chosen, resume_mode=mode, error=None,
                                        finished_at=None)
        self._enqueue(job_id)
        return updated

    # -- running -----------------------------------------------------------------------------------------------

    def get(self, job_id: str) -> FinetuneJob | None:
        return self._jobs.get_job(job_id)

    def _job(self, job_id: str) -> FinetuneJob:
        job = self._jobs.get_job(job_id)
        if job is None:
            raise KeyError(f"no fine-tuning job {job_id}")
        return job

    def _interrupted(self, why: str, job_id: str) -> str:
        available = self.checkpoints(job_id)
        where = f"resume from checkpoint {available[-1]}" if available else "no checkpoint was saved; submit it again"
        return f"interrupted: {why}; {where}"

    def _terminate(self, run: _Run) -> None:
        process = run.process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)

        async def kill_later() -> None:
            await asyncio.sleep(self._grace)
            if process.returncode is None:
                log.warning("fine-tuning job %s did not stop within %gs: killing it", run.job_id, self._grace)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)

        asyncio.get_running_loop().create_task(kill_later())

    async def _slot(self, device: str) -> None:
        while True:
            job_id = await self._queue.get()
            if job_id in self._dropped:
                self._dropped.discard(job_id)
                continue
            job = self._jobs.get_job(job_id)
            if job is None or job.status != "queued":
                continue
            run = _Run(job_id, device)
            self._runs[job_id] = run
            try:
                await self._run(job, run)
            except Exception as exc:  # a job's failure must not stop the slot
                log.exception("fine-tuning job %s failed in the runner", job_id)
                self._jobs.update_job(job_id, status="failed", finished_at=time.time(),
                                      error=f"the runner failed: {type(exc).__name__}: {exc}")
            finally:
                self._runs.pop(job_id, None)
                run.finished.set()

    def _spec(self, job: FinetuneJob, device: str) -> WorkerSpec:
        files = self._sources.dataset_files(job.dataset_id, job.dataset_version)
        weights = self._sources.base_weights(job.base_model, job.base_version)
        directory = self.job_dir(job.id)
        runs = [int(path.name[len(RUN_PREFIX):]) for path in directory.glob(f"{RUN_PREFIX}*")
                if path.name[len(RUN_PREFIX):].isdigit()]
        next_run = directory / f"{RUN_PREFIX}{max(runs) + 1 if runs else 0}"
        start_adapter, resume_checkpoint, offset, run_dir = weights.adapter, None, 0, next_run
        if job.resume_from and job.resume_mode:
            checkpoint = directory / job.resume_from
            if job.resume_mode == "full":
                resume_checkpoint, run_dir, offset = checkpoint, checkpoint.parent, _offset_of(checkpoint)
            else:
                start_adapter, offset = checkpoint, _step_of(job.resume_from) + _offset_of(checkpoint)
        return WorkerSpec(job_id=job.id, base_path=weights.path, start_adapter=start_adapter,
                          chat_template=weights.chat_template, system_prompt=job.system_prompt,
                          train_file=files.train, validation_file=files.validation, format=files.format,
                          params=resolve(job.params, files.rows), run_dir=run_dir,
                          adapter_dir=directory / ADAPTER_DIR, resume_checkpoint=resume_checkpoint,
                          step_offset=offset, device="cuda" if device.startswith("cuda") else "cpu")

    def _environment(self, device: str) -> dict[str, str]:
        env = dict(self._env if self._env is not None else os.environ)
        env.setdefault("HF_HUB_OFFLINE", "1")
        env.setdefault("TOKENIZERS_PARALLELISM", "false")
        if device.startswith("cuda:"):
            env["CUDA_VISIBLE_DEVICES"] = device.split(":", 1)[1]
        else:
            env["CUDA_VISIBLE_DEVICES"] = ""
        return env

    async def _run(self, job: FinetuneJob, run: _Run) -> None:
        directory = self.job_dir(job.id)
        directory.mkdir(parents=True, exist_ok=True)
        try:
            spec = self._spec(job, run.device)
        except ValueError as exc:
            self._jobs.update_job(job.id, status="failed", finished_at=time.time(), error=str(exc))
            return
        spec.run_dir.mkdir(parents=True, exist_ok=True)
        (spec.run_dir / "offset.json").write_text(json.dumps({"step_offset": spec.step_offset}), encoding="utf-8")
        write_spec(directory, spec)
        self._jobs.update_job(job.id, status="running", device=run.device, started_at=time.time(), error=None,
                              output_dir=str(directory), finished_at=None)
        self._jobs.append_logs(job.id, [f"starting on {run.device}"
                                        + (f", resuming ({job.resume_mode}) from {job.resume_from}"
                                           if job.resume_from else "")])
        process = await asyncio.create_subprocess_exec(
            self._python, "-m", "modelhub.finetune.worker", str(directory), stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL, start_new_session=True,
            env=self._environment(run.device))
        run.process = process
        if run.intent is not None:  # cancelled or shut down while it was starting
            self._terminate(run)
        events = _Events()
        assert process.stdout is not None and process.stderr is not None
        await asyncio.gather(self._read_events(job.id, process.stdout, events),
                             self._read_logs(job.id, process.stderr))
        code = await process.wait()
        self._finish(job.id, run, events, code)

    async def _read_logs(self, job_id: str, stream: asyncio.StreamReader) -> None:
        batch: list[str] = []
        while True:
            try:
                line = await asyncio.wait_for(stream.readline(), 1.0) if batch else await stream.readline()
            except TimeoutError:
                self._jobs.append_logs(job_id, batch)
                batch = []
                continue
            if not line:
                break
            batch.append(line.decode("utf-8", "replace").rstrip())
            if len(batch) >= LOG_BATCH:
                self._jobs.append_logs(job_id, batch)
                batch = []
        if batch:
            self._jobs.append_logs(job_id, batch)

    async def _read_events(self, job_id: str, stream: asyncio.StreamReader, events: _Events) -> None:
        while line := await stream.readline():
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                self._jobs.append_logs(job_id, [line.decode("utf-8", "replace").rstrip()])
                continue
            kind = event.pop("event", None)
            if kind == "progress":
                point = ProgressPoint.model_validate(event)
                self._jobs.append_progress(job_id, [point])
                if point.train_loss is not None:
                    events.train_loss = point.train_loss
                if point.eval_loss is not None:
                    events.eval_loss = point.eval_loss
                if point.total_steps != events.total_steps:
                    events.total_steps = point.total_steps
                    self._jobs.update_job(job_id, total_steps=point.total_steps)
            elif kind == "checkpoint":
                self._jobs.update_job(job_id, checkpoints=self.checkpoints(job_id))
            elif kind == "summary":
                peak = event.get("peak_memory_bytes")
                self._jobs.append_logs(job_id, [f"trained {event.get('steps')} steps, {event.get('tokens')} tokens "
                                                f"in {event.get('train_runtime')} s"
                                                + (f", peak GPU memory {peak / 2**30:.2f} GiB" if peak else "")])
            elif kind == "done":
                events.done = event
            elif kind == "error":
                events.error = str(event.get("message"))
            elif kind == "stopped":
                events.stopped = True

    def _finish(self, job_id: str, run: _Run, events: _Events, code: int) -> None:
        now = time.time()
        common: dict[str, Any] = {"finished_at": now, "checkpoints": self.checkpoints(job_id),
                                  "final_train_loss": events.train_loss, "final_eval_loss": events.eval_loss}
        if run.intent == "cancel":
            self._jobs.update_job(job_id, status="cancelled", error=None, **common)
        elif run.intent == "shutdown":
            self._jobs.update_job(job_id, status="failed", **common,
                                  error=self._interrupted("the server stopped while it ran", job_id))
        elif code == 0 and events.done is not None:
            self._register(job_id, events, common)
        elif events.error is not None:
            self._jobs.update_job(job_id, status="failed", error=events.error, **common)
        else:
            how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
            if code == -signal.SIGKILL:  # nobody here sent it: most often the kernel's out-of-memory killer
                how += " (if the machine ran out of memory: lower the batch size or max_length)"
            self._jobs.update_job(job_id, status="failed", **common,
                                  error=self._interrupted(f"the training worker {how}", job_id))

    def _register(self, job_id: str, events: _Events, common: dict[str, Any]) -> None:
        assert events.done is not None
        adapter = Path(str(events.done["adapter"]))
        template = events.done.get("chat_template")
        job = self._jobs.update_job(job_id, **common)
        try:
            name, version = self._registrar.register_adapter(job, adapter, template)
        except (ValueError, OSError) as exc:
            self._jobs.update_job(job_id, status="failed", error=f"training finished but the adapter could not be "
                                                                 f"registered: {exc}")
            return
        self._jobs.update_job(job_id, status="succeeded", result_model=name, result_version=version, error=None)
        self._jobs.append_logs(job_id, [f"registered {name} version {version}"])


def _step_of(checkpoint: str) -> int:
    tail = checkpoint.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _offset_of(checkpoint: Path) -> int:
    """The step offset of the run a checkpoint belongs to (a "weights" resume of a "weights" resume)."""
    try:
        return int(json.loads((checkpoint.parent / "offset.json").read_text(encoding="utf-8"))["step_offset"])
    except (OSError, ValueError, KeyError):
        return 0
