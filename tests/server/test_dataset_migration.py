"""Migration 0005_datasets on a database holding data at 0004_apps: the upgrade keeps it and adds the dataset
tables (usable through the API), the downgrade drops them and keeps the rest."""

from __future__ import annotations

import json
from pathlib import Path

from tests.server.conftest import asgi_client, running_app
from tests.server.helpers import chat_workflow
from tests.server.migrations import database_at, downgrade, scalar, tables, workflow_row

PREVIOUS_HEAD = "0004_apps"
WF = "c" * 32


async def test_upgrade_from_0004_keeps_data_and_downgrade_drops_only_the_dataset_tables(data_dir: Path) -> None:
    url = database_at(data_dir, PREVIOUS_HEAD, [workflow_row(WF, json.dumps(chat_workflow()))])
    assert "datasets" not in tables(url)

    async with running_app(data_dir) as app, asgi_client(app) as client:  # the server upgrades on start
        assert (await client.get(f"/api/workflows/{WF}")).json()["name"] == "kept"
        row = json.dumps({"text": "hello"})
        response = await client.post("/api/datasets", data={"name": "notes"},
                                     files={"file": ("notes.jsonl", f"{row}\n{row}\n".encode())})
        assert response.status_code == 201, response.text
    assert {"datasets", "dataset_versions"} <= tables(url)

    downgrade(url, PREVIOUS_HEAD)
    assert scalar(url, "SELECT version_num FROM alembic_version") == PREVIOUS_HEAD
    assert scalar(url, "SELECT name FROM workflows WHERE id = :id", id=WF) == "kept"
    assert not {"datasets", "dataset_versions"} & tables(url)

    # and up again: the tables come back empty, the workflow is still there
    async with running_app(data_dir) as app, asgi_client(app) as client:
        assert (await client.get("/api/datasets")).json()["items"] == []
        assert (await client.get(f"/api/workflows/{WF}")).status_code == 200
