"""POST /api/workflows/import takes a Dify DSL file (detected) and answers the workflow with its import report;
a file that cannot be imported is a 400 naming the place, and nothing is saved."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.dify_data import DIFY_DSL

DATA = DIFY_DSL / "dify-fixtures"
BASIC = (DATA / "basic_llm_chat_workflow.yml").read_bytes() if DATA.is_dir() else b""
pytestmark = pytest.mark.skipif(not BASIC, reason=f"no Dify DSL files at {DATA}")


async def test_a_dify_file_is_imported_with_its_report(client):
    response = await client.post("/api/workflows/import", files={"file": ("app.txt", BASIC, "text/plain")})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "llm-simple" and body["definition"]["nodes"][1]["type"] == "llm"
    report = body["import_report"]
    assert {m["dify_id"] for m in report["mapped"]} == {"start_node", "llm_node", "end_node"}
    assert report["attention"][0] == {"kind": "model", "name": "openai/gpt-3.5-turbo", "node_ids": ["llm_node"],
                                      "detail": report["attention"][0]["detail"]}
    assert (await client.get(f"/api/workflows/{body['id']}")).status_code == 200


async def test_a_bad_dify_file_is_refused_naming_the_place_and_nothing_is_saved(client):
    before = len((await client.get("/api/workflows")).json()["items"])
    bad = BASIC.replace(b"- 'llm_node'\n          - text", b"- 'ghost'\n          - text")
    response = await client.post("/api/workflows/import", files={"file": ("app.yml", bad, "application/yaml")})
    assert response.status_code == 400
    assert "node 'end_node' (end): outputs[0]" in response.json()["detail"]
    assert "no node 'ghost'" in response.json()["detail"]
    newer = await client.post("/api/workflows/import",
                              files={"file": ("app.yml", BASIC.replace(b"version: 0.3.1", b"version: 0.9.0"), "x")})
    assert newer.status_code == 400 and "version" in newer.json()["detail"]
    assert len((await client.get("/api/workflows")).json()["items"]) == before


async def test_a_dify_app_written_as_json_is_detected(client):
    as_json = json.dumps(yaml.safe_load(BASIC)).encode()
    response = await client.post("/api/workflows/import", files={"file": ("app.json", as_json, "application/json")})
    assert response.status_code == 201, response.text
    assert response.json()["import_report"]["app_name"] == "llm-simple"
