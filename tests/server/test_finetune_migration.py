"""Migration 0006_finetune on a database holding data at 0005_datasets: the upgrade keeps it and adds the job
tables (usable through the store and the API), the downgrade drops them and keeps the rest."""

from __future__ import annotations

import json
import time
from pathlib import Path

from modelhub.finetune.schemas import FinetuneJob, FinetuneParams, ProgressPoint
from server.db.finetune import FinetuneJobs
from tests.server.conftest import asgi_client, running_app
from tests.server.helpers import chat_workflow
from tests.server.migrations import database_at, downgrade, scalar, tables, workflow_row

PREVIOUS_HEAD = "0005_datasets"
WF = "d" * 32
T0 = 1_700_000_000.0
JOB_TABLES = {"finetune_jobs", "finetune_progress", "finetune_logs"}


async def test_upgrade_from_0005_keeps_data_and_downgrade_drops_only_the_job_tables(data_dir: Path) -> None:
    url = database_at(data_dir, PREVIOUS_HEAD, [
        workflow_row(WF, json.dumps(chat_workflow())),
        ("INSERT INTO datasets (id, name, description, created_at, updated_at) VALUES ('ds1', 'notes', '', :t, :t)",
         {})])
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

    downgrade(url, PREVIOUS_HEAD)
    assert scalar(url, "SELECT version_num FROM alembic_version") == PREVIOUS_HEAD
    assert scalar(url, "SELECT name FROM workflows WHERE id = :id", id=WF) == "kept"
    assert scalar(url, "SELECT name FROM datasets WHERE id = 'ds1'") == "notes"
    assert not JOB_TABLES & tables(url)

    async with running_app(data_dir) as app, asgi_client(app) as client:  # and up again, empty
        assert (await client.get("/api/finetune/jobs")).json() == {"items": []}
