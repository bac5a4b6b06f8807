"""Migration 0007_evaluation on a database holding data at 0006_finetune: the upgrade keeps it and adds the
evaluation tables (usable through the store), the downgrade drops them and keeps the rest."""

from __future__ import annotations

import json
from pathlib import Path

from evaluation.schemas import EvalItem, EvalRun, EvalSet, ModelCandidate, Review, SampleResult
from server.db.evaluation import EvalStore, PublishGate
from tests.server.conftest import running_app
from tests.server.helpers import chat_workflow
from tests.server.migrations import database_at, downgrade, scalar, tables, workflow_row

PREVIOUS_HEAD = "0006_finetune"
WF = "e" * 32
T0 = 1_700_000_000.0
TABLES = {"eval_sets", "eval_items", "eval_runs", "eval_results", "eval_reviews", "eval_gates"}


async def test_upgrade_from_0006_keeps_data_and_downgrade_drops_only_the_evaluation_tables(data_dir: Path) -> None:
    url = database_at(data_dir, PREVIOUS_HEAD, [workflow_row(WF, json.dumps(chat_workflow()))])
    assert not TABLES & tables(url)

    async with running_app(data_dir) as app:  # the server upgrades on start
        store = EvalStore(app.state.loom.store.engine)
        items = [EvalItem(item_id="b", inputs={"query": "2+2?"}, reference="4", tags=["math"]),
                 EvalItem(item_id="a", inputs={"query": "capital of France?"}, reference="Paris")]
        saved = store.save_set(EvalSet(set_id="s1", name="quiz", created_at=T0), items)
        assert saved.item_count == 2
        assert [i.item_id for i in store.set_items("s1")] == ["b", "a"]  # in the order saved
        store.save_set(EvalSet(set_id="s1", name="quiz", created_at=T0), items[:1])  # items replaced
        assert [i.item_id for i in store.set_items("s1")] == ["b"]
        run = store.save_run(EvalRun(run_id="r1", set_id="s1", candidates=[ModelCandidate(candidate_id="m",
                                                                                           model="m")]))
        assert store.update_run(run.run_id, status="running").status == "running"
        assert [r.run_id for r in store.runs_with_status("running")] == ["r1"]
        store.upsert_result(SampleResult(run_id="r1", candidate_id="m", item_id="b", output="3"))
        store.upsert_result(SampleResult(run_id="r1", candidate_id="m", item_id="b", output="4"))  # replaces
        assert [r.output for r in store.results("r1")] == ["4"]
        store.save_review(Review(run_id="r1", item_id="b", reviewer="ann", blind_label="A", candidate_id="m",
                                 verdict="pass"))
        assert [r.verdict for r in store.reviews("r1")] == ["pass"]
        store.set_gate(WF, PublishGate(set_id="s1", metric="exact_match"))
        assert store.get_gate(WF) == PublishGate(set_id="s1", metric="exact_match")
    assert TABLES <= tables(url)

    downgrade(url, PREVIOUS_HEAD)
    assert scalar(url, "SELECT version_num FROM alembic_version") == PREVIOUS_HEAD
    assert scalar(url, "SELECT name FROM workflows WHERE id = :id", id=WF) == "kept"
    assert not TABLES & tables(url)

    async with running_app(data_dir) as app:  # and up again, empty
        assert EvalStore(app.state.loom.store.engine).list_sets() == []
