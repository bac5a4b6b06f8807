"""Migration 0007_evaluation on a database holding data at 0006_finetune: the upgrade keeps it and adds the
evaluation tables (usable through the store), the downgrade drops them and keeps the rest."""

from __future__ import annotations

import json
from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from evaluation.schemas import EvalItem, EvalRun, EvalSet, ModelCandidate, Review, SampleResult
from server.db import migrate
from server.db.evaluation import EvalStore, PublishGate
from server.db.store import open_engine
from server.settings import Settings
from tests.server.conftest import running_app
from tests.server.helpers import chat_workflow

PREVIOUS_HEAD = "0006_finetune"
WF = "e" * 32
T0 = 1_700_000_000.0
TABLES = {"eval_sets", "eval_items", "eval_runs", "eval_results", "eval_reviews", "eval_gates"}


def tables(url: str) -> set[str]:
    engine = open_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


async def test_upgrade_from_0006_keeps_data_and_downgrade_drops_only_the_evaluation_tables(data_dir: Path) -> None:
    url = Settings(data_dir=data_dir).database_url
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = open_engine(url)
    migrate.upgrade(engine, PREVIOUS_HEAD)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO workflows (id, name, description, mode, definition, created_at, updated_at) "
                          "VALUES (:id, 'kept', '', 'chat', :d, :t, :t)"),
                     {"id": WF, "d": json.dumps(chat_workflow()), "t": T0})
    engine.dispose()
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

    engine = open_engine(url)
    config = migrate.alembic_config(url)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, PREVIOUS_HEAD)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == PREVIOUS_HEAD
        assert conn.execute(text("SELECT name FROM workflows WHERE id = :id"), {"id": WF}).scalar() == "kept"
    engine.dispose()
    assert not TABLES & tables(url)

    async with running_app(data_dir) as app:  # and up again, empty
        assert EvalStore(app.state.loom.store.engine).list_sets() == []
