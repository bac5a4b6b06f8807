"""Migration 0005_datasets on a database holding data at 0004_apps: the upgrade keeps it and adds the dataset
tables (usable through the API), the downgrade drops them and keeps the rest."""

from __future__ import annotations

import json
from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from server.db import migrate
from server.db.store import open_engine
from server.settings import Settings
from tests.server.conftest import asgi_client, running_app
from tests.server.helpers import chat_workflow

PREVIOUS_HEAD = "0004_apps"
WF = "c" * 32
T0 = 1_700_000_000.0


def tables(url: str) -> set[str]:
    engine = open_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


async def test_upgrade_from_0004_keeps_data_and_downgrade_drops_only_the_dataset_tables(data_dir: Path) -> None:
    url = Settings(data_dir=data_dir).database_url
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = open_engine(url)
    migrate.upgrade(engine, PREVIOUS_HEAD)
    definition = json.dumps(chat_workflow())
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO workflows (id, name, description, mode, definition, created_at, updated_at) "
                          "VALUES (:id, 'kept', '', 'chat', :d, :t, :t)"), {"id": WF, "d": definition, "t": T0})
    engine.dispose()
    assert "datasets" not in tables(url)

    async with running_app(data_dir) as app, asgi_client(app) as client:  # the server upgrades on start
        assert (await client.get(f"/api/workflows/{WF}")).json()["name"] == "kept"
        row = json.dumps({"text": "hello"})
        response = await client.post("/api/datasets", data={"name": "notes"},
                                     files={"file": ("notes.jsonl", f"{row}\n{row}\n".encode())})
        assert response.status_code == 201, response.text
    assert {"datasets", "dataset_versions"} <= tables(url)

    engine = open_engine(url)
    config = migrate.alembic_config(url)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, PREVIOUS_HEAD)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == PREVIOUS_HEAD
        assert conn.execute(text("SELECT name FROM workflows WHERE id = :id"), {"id": WF}).scalar() == "kept"
    engine.dispose()
    assert not {"datasets", "dataset_versions"} & tables(url)

    # and up again: the tables come back empty, the workflow is still there
    async with running_app(data_dir) as app, asgi_client(app) as client:
        assert (await client.get("/api/datasets")).json()["items"] == []
        assert (await client.get(f"/api/workflows/{WF}")).status_code == 200
