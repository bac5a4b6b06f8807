"""The worker side of each task: the same domain code the API process runs inline (the run manager, the knowledge
service, the evaluation runner), made idempotent for redelivered tasks."""

from __future__ import annotations

import asyncio
import logging

from knowledge.store import INTERRUPTED
from modelhub.finetune.runner import FinetuneRunner
from server.db.models import RunRow
from server.errors import NotFoundError
from server.ownership import Ownership
from server.runs import FINISHED, RunRequest, reuse_plan
from server.state import AppState
from server.worker import leases

log = logging.getLogger(__name__)
INGEST_ROUNDS = 20  # rounds of "what is queued now" one ingestion task takes before leaving the rest to their tasks
REDELIVERED = ("worker lost mid-run ({owner} was killed or crashed while driving it); its task was redelivered "
               "and the run was not started again: run it again")


def ownership_of(state: AppState) -> Ownership:
    if state.runs.ownership is None:
        raise RuntimeError("the worker tier needs LOOM_REDIS_URL")
    return state.runs.ownership


async def execute_run(state: AppState, run_id: str) -> str:
    """Drive a queued run to its end in this process; what happened, for the log. A task delivered again is a
    no-op for a run that has ended or that a live process drives; a run whose worker was lost mid-run is ended
    ``interrupted`` with that reason (not run again: its first part may have had effects, and its events were
    already followed)."""
    ownership = ownership_of(state)
    try:
        row = await asyncio.to_thread(state.store.get_run, run_id)
    except NotFoundError:
        return "deleted"

    async def free_slot() -> None:  # the run has ended without this process driving it: its app slot is free
        if state.runs.replicas is not None:
            await state.runs.replicas.drop_slot(row.workflow_id, run_id)

    if row.status in FINISHED:  # stopped while queued, or a task delivered again
        await free_slot()
        return f"already {row.status}"
    if row.status == "running":
        if await ownership.alive(row.owner):
            return f"already driven by {row.owner}"
        await ownership.end_lost(run_id, row.owner, REDELIVERED.format(owner=row.owner))
        await free_slot()
        return "ended: its worker was lost"
    if not await asyncio.to_thread(ownership.claim, run_id):
        return "claimed by another worker, or stopped"
    try:
        request = await asyncio.to_thread(rebuild, state, row)
    except Exception as exc:  # its definition no longer compiles here (e.g. a plugin this worker lacks)
        log.exception("could not start run %s", run_id)
        await ownership.end(run_id, "running", ownership.owner, "failed",
                            f"the worker could not start this run: {type(exc).__name__}: {exc}")
        await free_slot()
        return "failed to start"
    live = await state.runs.start(request, run_id=run_id)
    final = await state.runs.wait(live)
    return str(final["status"])


def rebuild(state: AppState, row: RunRow) -> RunRequest:
    """The request of a run the API process recorded and queued, from its row."""
    definition = row.definition
    graph = state.compile(definition, (row.workflow_id, row.version) if row.version is not None else None)
    reuse = {}
    if row.resumed_from is not None:
        old = state.store.get_run(row.resumed_from)
        reuse = reuse_plan(graph, old.definition, state.store.run_events(row.resumed_from))
    return RunRequest(workflow_id=row.workflow_id, graph=graph, definition=definition, inputs=row.inputs,
                      source=row.source, version=row.version, sys=dict(row.sys or {}), reuse=reuse,
                      resumed_from=row.resumed_from, files_owner=row.workflow_id if row.source == "api" else None)


async def ingest(state: AppState, kb: str, document_ids: list[str]) -> str | None:
    """Index the documents of ``kb`` still to do (idempotent per document: ready ones, and ones that failed on
    their own, are left alone). None when another live worker is ingesting into ``kb`` (the caller retries).

    The task holding ``kb``'s lease also takes every other document queued in ``kb`` meanwhile, round after round,
    embedding them as one batch: their own tasks, waiting for the lease, then find nothing left to do. So uploads
    into one knowledge base are not indexed one task (and one retry delay) at a time."""
    knowledge = state.services.knowledge
    if knowledge is None:
        raise RuntimeError("knowledge bases are not available on this worker")
    ownership = ownership_of(state)
    client, token = ownership.client, leases.new_token()
    if not await leases.acquire(client, ownership, f"ingest:{kb}", token):
        return None
    try:
        wanted, done, others = set(document_ids), 0, 0
        for _ in range(INGEST_ROUNDS):
            try:
                documents = await asyncio.to_thread(knowledge.documents, kb)
            except Exception as exc:  # the knowledge base was deleted meanwhile
                return f"skipped: {exc}"
            todo = [d.document_id for d in documents if d.status == "queued" or (d.document_id in wanted and (
                d.status == "indexing" or (d.status == "failed" and d.error == INTERRUPTED)))]
            if not todo:
                break
            await asyncio.to_thread(knowledge.ingest_many, kb, todo)
            done += sum(d in wanted for d in todo)
            others += sum(d not in wanted for d in todo)
            wanted.difference_update(todo)
        return f"{done} of {len(document_ids)} document(s) indexed" + (f", and {others} queued by other tasks"
                                                                        if others else "")
    finally:
        await leases.release(client, ownership, f"ingest:{kb}", token)


async def finetune(state: AppState, runner: FinetuneRunner, job_id: str) -> str:
    """Train fine-tuning job ``job_id`` in this worker's runner until it ends; a no-op when it has ended, or while
    another task trains it. A job left ``running`` by a worker that was lost is marked failed with the checkpoint
    to resume from (resuming, and how, is the user's call)."""
    from server.finetune_runner import CANCEL_PREFIX

    ownership = ownership_of(state)
    client, token = ownership.client, leases.new_token()
    job = runner.get(job_id)
    if job is None or job.status not in ("queued", "running"):
        return "not found" if job is None else f"already {job.status}"
    if not await leases.acquire(client, ownership, f"finetune:{job_id}", token):
        return "trained by another task"
    try:
        if job.status == "running":  # the lease was free: the worker that trained it is gone
            runner.interrupt(job_id, "the worker training it was lost (killed or crashed)")
            return "failed: its worker was lost"
        training = asyncio.create_task(runner.run_queued(job_id))
        while not training.done():
            await asyncio.wait({training}, timeout=0.5)
            if not training.done() and await client.getdel(CANCEL_PREFIX + job_id):
                await runner.cancel(job_id)
        return training.result().status
    finally:
        await leases.release(client, ownership, f"finetune:{job_id}", token)


async def evaluate(state: AppState, run_id: str) -> str:
    """Run (or resume: stored samples are skipped) evaluation run ``run_id`` here; a no-op when it has ended, or
    while a live worker runs it."""
    from server.db.evaluation import EvalStore
    from server.evaluation_jobs import UNFINISHED, EvalJobs

    ownership = ownership_of(state)
    jobs = EvalJobs(state, EvalStore(state.store.engine))
    run = jobs.store.get_run(run_id)
    if run is None or run.status not in UNFINISHED:
        return "not queued or running" if run is None else f"already {run.status}"
    token = leases.new_token()
    if not await leases.acquire(ownership.client, ownership, f"eval:{run_id}", token):
        return "run by another task"
    try:
        await jobs.execute(run_id)
        after = jobs.store.get_run(run_id)
        return after.status if after is not None else "deleted"
    finally:
        await leases.release(ownership.client, ownership, f"eval:{run_id}", token)


