"""Files, limits, malformed requests, the admin token and the UI's SPA fallback."""

from __future__ import annotations

from tests.helpers import chain, end, start, workflow
from tests.server.conftest import asgi_client, running_app
from tests.server.helpers import echo_workflow


async def test_file_upload_read_back_and_limits(data_dir):
    async with running_app(data_dir, max_upload_bytes=1000) as app, asgi_client(app) as client:
        saved = await client.post("/api/files", files={"file": ("../notes.md", b"# hi", "text/plain")})
        assert saved.status_code == 201, saved.text
        value = saved.json()
        assert value["name"] == "notes.md" and value["mime_type"] == "text/markdown" and value["size"] == 4
        assert app.state.loom.services.files.read(value) == ("notes.md", b"# hi")
        content = await client.get(f"/api/files/{value['file_id']}/content")
        assert content.content == b"# hi"

        big = await client.post("/api/files", files={"file": ("big.txt", b"x" * 2000, "text/plain")})
        assert big.status_code == 413 and "big.txt" in big.json()["detail"]
        exe = await client.post("/api/files", files={"file": ("run.exe", b"MZ", "application/octet-stream")})
        assert exe.status_code == 415 and "not accepted" in exe.json()["detail"]
        assert (await client.get("/api/files/0123")).status_code == 404


async def test_file_inputs_reach_the_workflow_as_sys_files(client):
    definition = workflow([start(), end(files="sys.files")], chain("start", "end"), name="files")
    workflow_id = (await client.post("/api/workflows", json=definition)).json()["id"]
    value = (await client.post("/api/files", files={"file": ("a.txt", b"abc", "text/plain")})).json()
    run = (await client.post(f"/api/workflows/{workflow_id}/runs", json={"files": [value]})).json()
    assert run["outputs"]["files"] == [value]
    bad = await client.post(f"/api/workflows/{workflow_id}/runs", json={"files": [{"name": "x"}]})
    assert bad.status_code == 400 and "files[0]" in bad.json()["detail"]


async def test_malformed_and_wrongly_typed_bodies_are_4xx_with_a_message(client):
    workflow_id = (await client.post("/api/workflows", json=echo_workflow())).json()["id"]
    raw = await client.post("/api/workflows", content=b"{not json", headers={"content-type": "application/json"})
    assert raw.status_code == 422 and "json" in raw.text.lower()
    wrong = await client.post(f"/api/workflows/{workflow_id}/runs", json={"inputs": "nope"})
    assert wrong.status_code == 422 and "inputs" in wrong.text
    mode = await client.post(f"/api/workflows/{workflow_id}/runs", json={"response_mode": "sometimes"})
    assert mode.status_code == 422 and "response_mode" in mode.text
    not_a_workflow = await client.post("/api/workflows", json={"hello": "world"})
    assert not_a_workflow.status_code == 422 and not_a_workflow.json()["issues"]


async def test_oversized_body_is_413(data_dir):
    async with running_app(data_dir, max_body_bytes=10_000) as app, asgi_client(app) as client:
        huge = echo_workflow() | {"description": "x" * 20_000}
        response = await client.post("/api/workflows", json=huge)
        assert response.status_code == 413 and "10,000" in response.json()["detail"]


async def test_admin_token_protects_the_console_only(data_dir):
    async with running_app(data_dir, admin_token="s3cret") as app:
        async with asgi_client(app) as anonymous:
            assert (await anonymous.get("/api/workflows")).status_code == 401
            assert (await anonymous.get("/healthz")).status_code == 200
        async with asgi_client(app, token="wrong") as wrong:
            assert (await wrong.get("/api/workflows")).status_code == 401
        async with asgi_client(app, token="s3cret") as admin:
            assert (await admin.get("/api/workflows")).status_code == 200


async def test_ui_is_served_with_spa_fallback(data_dir, tmp_path):
    static = tmp_path / "static"
    (static / "assets").mkdir(parents=True)
    (static / "index.html").write_text("<div id=root></div>")
    (static / "assets" / "app.js").write_text("console.log(1)")
    async with running_app(data_dir, static_dir=static) as app, asgi_client(app) as client:
        assert (await client.get("/")).text == "<div id=root></div>"
        assert (await client.get("/workflows/abc/edit")).text == "<div id=root></div>"
        assert (await client.get("/assets/app.js")).text == "console.log(1)"
        assert (await client.get("/api/nothing-here")).status_code == 404
        assert (await client.get("/healthz")).json()["status"] == "ok"
        assert (await client.get("/../../etc/passwd")).text == "<div id=root></div>"


async def test_metrics_count_runs_and_node_latencies(client):
    workflow_id = (await client.post("/api/workflows", json=echo_workflow())).json()["id"]
    await client.post(f"/api/workflows/{workflow_id}/runs", json={"inputs": {"text": "a"}})
    text = (await client.get("/metrics")).text
    assert 'loom_runs_total{source="debug",status="succeeded"} 1.0' in text
    assert 'loom_node_duration_seconds_count{node_type="end",status="succeeded"} 1.0' in text
