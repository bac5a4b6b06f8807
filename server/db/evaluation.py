"""The server's evaluation store (``evaluation.repository.EvalRepository``): sets with their items, runs,
per-sample results and blind reviews in the database, plus the workflows' publish-gate settings."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from evaluation.schemas import EvalItem, EvalRun, EvalSet, JudgeConfig, Review, SampleResult
from server.db.models_evaluation import EvalGateRow, EvalItemRow, EvalResultRow, EvalReviewRow, EvalRunRow, EvalSetRow


class PublishGate(BaseModel):
    """Publishing a workflow requires its draft to score no worse than the published version on ``metric``
    over ``set_id`` (with ``metrics``/``judge`` as the evaluation is run)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    set_id: str = Field(min_length=1)
    metric: str = Field(min_length=1)  # the score key compared (a metric's name or alias, or "judge")
    metric_params: dict[str, Any] = Field(default_factory=dict)
    judge: JudgeConfig | None = None  # the judge (scoring mode) when ``metric`` is "judge"
    output: str | None = None  # the end-node output that is the answer
    tolerance: float = Field(default=0.0, ge=0.0)  # the draft may be this much lower and still pass


class EvalStore:
    """Evaluation records over an already migrated engine."""

    def __init__(self, engine: Engine):
        self._session = sessionmaker(engine, expire_on_commit=False)

    # -- sets ---------------------------------------------------------------------------------------------
    def save_set(self, eval_set: EvalSet, items: Sequence[EvalItem]) -> EvalSet:
        stored = eval_set.model_copy(update={"item_count": len(items)}, deep=True)
        with self._session.begin() as s:
            row = s.get(EvalSetRow, stored.set_id)
            if row is None:
                s.add(EvalSetRow(id=stored.set_id, name=stored.name, record=stored.model_dump(mode="json"),
                                 created_at=stored.created_at or time.time()))
            else:
                row.name, row.record = stored.name, stored.model_dump(mode="json")
            s.execute(delete(EvalItemRow).where(EvalItemRow.set_id == stored.set_id))
            s.flush()
            s.add_all(EvalItemRow(set_id=stored.set_id, seq=seq, item_id=item.item_id,
                                  record=item.model_dump(mode="json")) for seq, item in enumerate(items))
        return stored

    def get_set(self, set_id: str) -> EvalSet | None:
        with self._session() as s:
            row = s.get(EvalSetRow, set_id)
        return None if row is None else EvalSet.model_validate(row.record)

    def list_sets(self) -> Sequence[EvalSet]:
        with self._session() as s:
            rows = list(s.scalars(select(EvalSetRow).order_by(EvalSetRow.created_at.desc())))
        return [EvalSet.model_validate(r.record) for r in rows]

    def set_items(self, set_id: str) -> Sequence[EvalItem]:
        with self._session() as s:
            if s.get(EvalSetRow, set_id) is None:
                raise KeyError(set_id)
            records = list(s.scalars(select(EvalItemRow.record).where(EvalItemRow.set_id == set_id)
                                     .order_by(EvalItemRow.seq)))
        return [EvalItem.model_validate(r) for r in records]

    def delete_set(self, set_id: str) -> bool:
        with self._session.begin() as s:
            row = s.get(EvalSetRow, set_id)
            if row is None:
                return False
            s.delete(row)
        return True

    # -- runs ---------------------------------------------------------------------------------------------
    def save_run(self, run: EvalRun) -> EvalRun:
        record = run.model_dump(mode="json")
        with self._session.begin() as s:
            row = s.get(EvalRunRow, run.run_id)
            if row is None:
                s.add(EvalRunRow(id=run.run_id, set_id=run.set_id, status=run.status, record=record,
                                 created_at=run.created_at or time.time(), updated_at=time.time()))
            else:
                row.set_id, row.status, row.record, row.updated_at = run.set_id, run.status, record, time.time()
        return run.model_copy(deep=True)

    def get_run(self, run_id: str) -> EvalRun | None:
        with self._session() as s:
            row = s.get(EvalRunRow, run_id)
        return None if row is None else EvalRun.model_validate(row.record)

    def list_runs(self) -> Sequence[EvalRun]:
        with self._session() as s:
            rows = list(s.scalars(select(EvalRunRow).order_by(EvalRunRow.created_at.desc())))
        return [EvalRun.model_validate(r.record) for r in rows]

    def runs_with_status(self, *statuses: str) -> Sequence[EvalRun]:
        with self._session() as s:
            rows = list(s.scalars(select(EvalRunRow).where(EvalRunRow.status.in_(statuses))
                                  .order_by(EvalRunRow.created_at)))
        return [EvalRun.model_validate(r.record) for r in rows]

    def update_run(self, run_id: str, **fields: Any) -> EvalRun:
        unknown = set(fields) - set(EvalRun.model_fields)
        if unknown:
            raise TypeError(f"EvalRun has no field(s) {', '.join(sorted(unknown))}")
        with self._session.begin() as s:
            row = s.get(EvalRunRow, run_id)
            if row is None:
                raise KeyError(run_id)
            current = EvalRun.model_validate(row.record)
            updated = EvalRun.model_validate(current.model_copy(update=fields).model_dump())
            row.status, row.record, row.updated_at = updated.status, updated.model_dump(mode="json"), time.time()
        return updated

    def delete_run(self, run_id: str) -> bool:
        with self._session.begin() as s:
            row = s.get(EvalRunRow, run_id)
            if row is None:
                return False
            s.delete(row)
        return True

    # -- results and reviews --------------------------------------------------------------------------------
    def upsert_result(self, result: SampleResult) -> None:
        with self._session.begin() as s:
            s.merge(EvalResultRow(run_id=result.run_id, candidate_id=result.candidate_id, item_id=result.item_id,
                                  record=result.model_dump(mode="json")))

    def results(self, run_id: str, candidate_id: str | None = None) -> Sequence[SampleResult]:
        query = select(EvalResultRow.record).where(EvalResultRow.run_id == run_id)
        if candidate_id is not None:
            query = query.where(EvalResultRow.candidate_id == candidate_id)
        with self._session() as s:
            records = list(s.scalars(query))
        return [SampleResult.model_validate(r) for r in records]

    def save_review(self, review: Review) -> Review:
        with self._session.begin() as s:
            s.merge(EvalReviewRow(run_id=review.run_id, item_id=review.item_id, candidate_id=review.candidate_id,
                                  reviewer=review.reviewer, record=review.model_dump(mode="json")))
        return review.model_copy(deep=True)

    def reviews(self, run_id: str) -> Sequence[Review]:
        with self._session() as s:
            records = list(s.scalars(select(EvalReviewRow.record).where(EvalReviewRow.run_id == run_id)))
        return [Review.model_validate(r) for r in records]

    # -- publish gates --------------------------------------------------------------------------------------
    def get_gate(self, workflow_id: str) -> PublishGate | None:
        with self._session() as s:
            row = s.get(EvalGateRow, workflow_id)
        return None if row is None else PublishGate.model_validate(row.record)

    def set_gate(self, workflow_id: str, gate: PublishGate | None) -> None:
        with self._session.begin() as s:
            row = s.get(EvalGateRow, workflow_id)
            if gate is None:
                if row is not None:
                    s.delete(row)
            elif row is None:
                s.add(EvalGateRow(workflow_id=workflow_id, record=gate.model_dump(mode="json"), updated_at=time.time()))
            else:
                row.record, row.updated_at = gate.model_dump(mode="json"), time.time()
