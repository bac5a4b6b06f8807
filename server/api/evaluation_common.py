"""What the evaluation routers share: the app's evaluation jobs (and store) as a dependency, a run's result
table, and the first validation error of a record as a message naming its field."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request

from evaluation.reports import ResultTable
from server.db.evaluation import EvalStore
from server.errors import NotFoundError
from server.evaluation_jobs import EvalJobs


def evaluation_jobs(app: FastAPI) -> EvalJobs:
    """The app's evaluation jobs (made on first use when the lifespan has not made them)."""
    jobs: EvalJobs | None = getattr(app.state, "evaluation", None)
    if jobs is None:
        jobs = app.state.evaluation = EvalJobs(app.state.loom, EvalStore(app.state.loom.store.engine))
    return jobs


async def get_jobs(request: Request) -> EvalJobs:
    return evaluation_jobs(request.app)


Jobs = Annotated[EvalJobs, Depends(get_jobs)]


def first_error(exc: ValueError) -> str:
    """A pydantic ValidationError's first problem as ``field: message``."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        return f"{where + ': ' if where else ''}{first['msg'].removeprefix('Value error, ')}"
    return str(exc)


def table_of(jobs: EvalJobs, run_id: str) -> ResultTable:
    """A run with its set's items and its results; 404 for an unknown run, or a run whose set was deleted."""
    run = jobs.run(run_id)
    try:
        items = jobs.store.set_items(run.set_id)
    except KeyError:
        raise NotFoundError("evaluation set", run.set_id) from None
    return ResultTable(run, items, jobs.store.results(run_id))

