"""Liveness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel

from server.deps import State

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The server is up."""

    status: str
    runs_in_flight: int
    jobs: int


@router.get("/healthz", response_model=Health)
def healthz(state: State) -> Health:
    return Health(status="ok", runs_in_flight=len(state.runs.live), jobs=state.jobs.running)


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}})
def metrics(state: State) -> Response:
    return Response(state.metrics.render(), media_type=CONTENT_TYPE_LATEST)
