"""Migration 0006_finetune on a database holding data at 0005_datasets: the upgrade keeps it and adds the job
tables (usable through the store and the API), the downgrade drops them and keeps the rest."""

from __future__ import annotations

import json
import time
from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from modelhub.finetune.schemas import FinetuneJob, FinetuneParams, ProgressPoint
from server.db import migrate
from server.db.finetune import FinetuneJobs
from server.db.store import open_engine
from server.settings import Settings
from tests.server.conftest import asgi_client, running_app
from tests.server.helpers import chat_workflow

PREVIOUS_HEAD = "0005_datasets"
WF = "d" * 32
T0 = 1_700_000_000.0
JOB_TABLES = {"finetune_jobs", "finetune_progress", "finetune_logs"}


def tables(url: str) -> set[str]:
    engine = open_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


async def test_upgrade_from_0005_keeps_data_and_downgrade_drops_only_the_job_tables(data_dir: Path) -> None:
    url = Settings(data_dir=data_dir).database_url
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = open_engine(url)
    migrate.upgrade(engine, PREVIOUS_HEAD)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO workflows (id, name, description, mode, definition, created_at, updated_at) "
                          "VALUES (:id, 'kept', '', 'chat', :d, :t, :t)"),
                     {"id": WF, "d": json.dumps(chat_workflow()), "t": T0})
        conn.execute(text("INSERT INTO datasets (id, name, description, created_at, updated_at) "
                          "VALUES ('ds1', 'notes', '', :t, :t)"), {"t": T0})
    engine.dispose()
    assert not JOB_TABLES & tables(url)

    async with running_app(data_dir) as app, asgi_client(app) as client:  # the server upgrades on start
        assert (await client.get(f"/api/workflows/{WF}")).json()["name"] == "kept"
        assert (await client.get("/api/finetune/jobs")).json() == {"items": []}
        jobs = FinetuneJobs(app.state.loom.store.engine)
        job = jobs.create_job(FinetuneJob(id="j1", name="bot", base_model="tiny", dataset_id="ds1", dataset_version=1,
                                          params=FinetuneParams(epochs=2), created_at=time.time()))
        jobs.append_progress(job.id, [ProgressPoint(step=1, epoch=0.5, train_loss=2.0, at=T0),
                                      ProgressPoint(step=2, epoch=1.0, train_loss=1.5, at=T0),
                                      ProgressPoint(step=2, epoch=1.0, eval_loss=1.7, at=T0)])
        jobs.append_logs(job.id, ["loading", "training"])
        listed = (await client.get("/api/finetune/jobs")).json()["items"]
        assert [(j["id"], j["params"]["epochs"]) for j in listed] == [("j1", 2)]
        progress = (await client.get("/api/finetune/jobs/j1/progress?after=1")).json()["items"]
        assert [(p["step"], p["train_loss"], p["eval_loss"]) for p in progress] == [(2, 1.5, None), (2, None, 1.7)]
        assert (await client.get("/api/finetune/jobs/j1/logs?after=1")).json()["lines"] == ["training"]
        jobs.rewind_progress(job.id, after_step=1)  # a resume from checkpoint-1 trains step 2 again
        assert [(p.step, p.train_loss) for p in jobs.progress(job.id)] == [(1, 2.0)]
    assert JOB_TABLES <= tables(url)

    engine = open_engine(url)
    config = migrate.alembic_config(url)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, PREVIOUS_HEAD)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == PREVIOUS_HEAD
        assert conn.execute(text("SELECT name FROM workflows WHERE id = :id"), {"id": WF}).scalar() == "kept"
        assert conn.execute(text("SELECT name FROM datasets WHERE id = 'ds1'")).scalar() == "notes"
    engine.dispose()
    assert not JOB_TABLES & tables(url)

    async with running_app(data_dir) as app, asgi_client(app) as client:  # and up again, empty
        assert (await client.get("/api/finetune/jobs")).json() == {"items": []}
