"""Evaluation results: the per-sample table, the report (bootstrap intervals, per tag), version diffs, base vs
tuned, CSV/JSONL export, and the blind review with agreement. Included in the evaluation router
(server/api/evaluation.py); the computing is evaluation/'s (reports, export, reviews)."""

from __future__ import annotations

import asyncio
import io
import time
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from evaluation import export, reports, reviews
from evaluation.schemas import Review, ReviewVerdict
from server.api.evaluation_common import Jobs, first_error, table_of
from server.errors import InvalidRequestError
from server.evaluation_views import review_page, reviewer_labels

router = APIRouter()


class ReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reviewer: str = Field(min_length=1, max_length=128)
    item_id: str = Field(min_length=1)
    label: str = Field(min_length=1, max_length=2, description="the blind label the answer was shown under")
    verdict: ReviewVerdict | None = None
    score: float | None = Field(default=None, ge=0, le=10)
    flagged: bool = False
    note: str = Field(default="", max_length=4000)



@router.get("/runs/{run_id}/results")
async def run_results(jobs: Jobs, run_id: str, tag: str | None = None,
                      offset: Annotated[int, Query(ge=0)] = 0,
                      limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> dict[str, Any]:
    """The per-sample table: input, reference, tags, and per candidate its output, scores and judge reasons."""
    table = await asyncio.to_thread(table_of, jobs, run_id)
    if tag is not None:
        table = table.for_tag(tag)
    rows = export.sample_rows(table)
    return {"run_id": run_id, "candidates": [c.model_dump() for c in table.run.candidates],
            "score_keys": table.metric_keys(), "total": len(rows), "items": rows[offset:offset + limit]}


@router.get("/runs/{run_id}/report")
async def run_report(jobs: Jobs, run_id: str) -> dict[str, Any]:
    """Per candidate and metric: the score with its 95% bootstrap interval, overall and per tag."""
    def build() -> dict[str, Any]:
        table = table_of(jobs, run_id)
        return {"run_id": run_id, "status": table.run.status, "metric_keys": table.metric_keys(),
                "aggregates": [asdict(a) for a in reports.aggregates(table)],
                "by_tag": {tag: [asdict(a) for a in found] for tag, found in reports.by_tag(table).items()}}

    return await asyncio.to_thread(build)


@router.get("/runs/{run_id}/diff")
async def run_diff(jobs: Jobs, run_id: str, before: Annotated[str, Query(min_length=1)],
                   after: Annotated[str, Query(min_length=1)], metric: Annotated[str, Query(min_length=1)],
                   tolerance: Annotated[float, Query(ge=0)] = 0.0) -> dict[str, Any]:
    """Which items got better, worse or stayed the same from candidate ``before`` to ``after`` (e.g. two
    versions of a workflow) on ``metric``."""
    table = await asyncio.to_thread(table_of, jobs, run_id)
    ids = [c.candidate_id for c in table.run.candidates]
    for name, value in (("before", before), ("after", after)):
        if value not in ids:
            raise InvalidRequestError(f"{name}: {value!r} is not a candidate of the run ({', '.join(ids)})")
    if metric not in table.metric_keys():
        raise InvalidRequestError(f"metric: the run has no {metric!r} scores ({', '.join(table.metric_keys())})")
    return asdict(reports.diff(table, before, after, metric, tolerance))


@router.get("/compare")
async def base_vs_tuned(jobs: Jobs, domain_run: Annotated[str, Query(min_length=1)],
                        general_run: Annotated[str, Query(min_length=1)], base: Annotated[str, Query(min_length=1)],
                        tuned: Annotated[str, Query(min_length=1)], metric: Annotated[str, Query(min_length=1)],
                        max_drop: Annotated[float, Query(ge=0)] = 0.05) -> dict[str, Any]:
    """Base vs tuned: the tuned model's gain on the domain set's run against its drop on the general set's."""
    def build() -> dict[str, Any]:
        tables = {"domain_run": table_of(jobs, domain_run), "general_run": table_of(jobs, general_run)}
        for where, table in tables.items():
            ids = [c.candidate_id for c in table.run.candidates]
            for name, value in (("base", base), ("tuned", tuned)):
                if value not in ids:
                    raise InvalidRequestError(f"{name}: {value!r} is not a candidate of {where} "
                                              f"{table.run.run_id} ({', '.join(ids)})")
        try:
            found = reports.base_vs_tuned(tables["domain_run"], tables["general_run"], base, tuned, metric,
                                          max_drop=max_drop)
        except ValueError as exc:
            raise InvalidRequestError(f"metric: {exc}") from None
        return asdict(found)

    return await asyncio.to_thread(build)


@router.get("/runs/{run_id}/export")
async def export_run(jobs: Jobs, run_id: str, format: Literal["csv", "jsonl"] = "jsonl") -> Response:
    """The per-sample table as JSONL (one item a line) or CSV (one line per item and candidate)."""
    table = await asyncio.to_thread(table_of, jobs, run_id)
    stem = f"evaluation-{run_id[:12]}"
    buffer = io.StringIO()
    if format == "csv":
        export.write_csv(table, buffer)
        return Response("\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'})
    export.write_jsonl(table, buffer)
    return Response(buffer.getvalue(), media_type="application/x-ndjson",
                    headers={"Content-Disposition": f'attachment; filename="{stem}.jsonl"'})


# -- blind review ----------------------------------------------------------------------------------------
Reviewer = Annotated[str, Query(min_length=1, max_length=128, description="who reviews")]


@router.get("/runs/{run_id}/review")
async def review_items(jobs: Jobs, run_id: str, reviewer: Reviewer) -> dict[str, Any]:
    """Items with the answers under this reviewer's blind labels (A, B, …; no candidate names)."""
    def build() -> dict[str, Any]:
        run = jobs.run(run_id)
        items = jobs.store.set_items(run.set_id)
        page = review_page(run, items, jobs.store.results(run_id), reviewer, jobs.store.reviews(run_id))
        return {"run_id": run_id, "reviewer": reviewer, "items": page}

    return await asyncio.to_thread(build)


@router.post("/runs/{run_id}/reviews", status_code=201)
def add_review(jobs: Jobs, run_id: str, body: ReviewCreate) -> dict[str, Any]:
    """Records a reviewer's verdict on the answer shown under ``label``; answers with the review, still blind."""
    run = jobs.run(run_id)
    if body.item_id not in {i.item_id for i in jobs.store.set_items(run.set_id)}:
        raise InvalidRequestError(f"item_id: the run's set has no item {body.item_id!r}")
    labels = reviewer_labels(run, body.item_id, body.reviewer)
    if body.label not in labels:
        raise InvalidRequestError(f"label: {body.label!r} is not one of {', '.join(labels)}")
    try:
        review = Review(run_id=run_id, item_id=body.item_id, reviewer=body.reviewer, blind_label=body.label,
                        candidate_id=labels[body.label], verdict=body.verdict, score=body.score,
                        flagged=body.flagged, note=body.note, created_at=time.time())
    except ValueError as exc:
        raise InvalidRequestError(first_error(exc)) from None
    jobs.store.save_review(review)
    return {"item_id": body.item_id, "label": body.label, "reviewer": body.reviewer, "verdict": body.verdict,
            "score": body.score, "flagged": body.flagged, "note": body.note}


@router.get("/runs/{run_id}/agreement")
def review_agreement(jobs: Jobs, run_id: str) -> dict[str, Any]:
    """Agreement across reviewers and each candidate's pass rate (candidate names shown: this is the report)."""
    run = jobs.run(run_id)
    found = jobs.store.reviews(run_id)
    return {"verdict": asdict(reviews.agreement(found, "verdict")), "score": asdict(reviews.agreement(found, "score")),
            "candidates": [asdict(s) for s in reviews.summarize(found, [c.candidate_id for c in run.candidates])]}
