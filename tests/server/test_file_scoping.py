"""Files belong to the app whose key uploaded them: its runs (and the console) can use them, other apps get 404."""

from __future__ import annotations

import pytest

from server.errors import NotFoundError
from server.files import FileStore
from tests.helpers import chain, end, start, workflow

FILE_INPUT = {"name": "doc", "type": "file", "required": False}


async def _app(client, name: str) -> tuple[str, dict[str, str]]:
    definition = workflow([start(FILE_INPUT), end(files="sys.files", doc="start.doc")], chain("start", "end"),
                          name=name)
    workflow_id = (await client.post("/api/workflows", json=definition)).json()["id"]
    assert (await client.post(f"/api/workflows/{workflow_id}/publish")).status_code in (200, 201)
    key = (await client.post(f"/api/workflows/{workflow_id}/keys", json={"name": "site"})).json()["key"]
    return workflow_id, {"Authorization": f"Bearer {key}"}


async def test_an_apps_file_opens_only_for_that_app_and_the_console(client):
    first, first_key = await _app(client, "first")
    second, second_key = await _app(client, "second")
    upload = await client.post("/v1/files", headers=first_key,
                               files={"file": ("notes.md", b"# notes", "text/markdown")})
    assert upload.status_code == 201, upload.text
    value = upload.json()

    own = await client.post(f"/v1/workflows/{first}/run", headers=first_key,
                            json={"files": [value], "inputs": {"doc": {**value, "name": "../../x\x00.md"}}})
    assert own.status_code == 200 and own.json()["outputs"] == {"files": [value], "doc": value}  # the stored name

    for body in ({"files": [value]}, {"inputs": {"doc": value}}, {"inputs": {"doc": [value]}}):
        foreign = await client.post(f"/v1/workflows/{second}/run", headers=second_key, json=body)
        assert foreign.status_code == 404, (body, foreign.text)
        assert value["file_id"] in foreign.json()["detail"]

    console = await client.post(f"/api/workflows/{second}/runs", json={"files": [value], "inputs": {"doc": value}})
    assert console.status_code == 200 and console.json()["outputs"]["files"] == [value]

    # A console upload belongs to no app: apps use the files uploaded with their own keys.
    mine = (await client.post("/api/files", files={"file": ("a.md", b"# a", "text/markdown")})).json()
    assert (await client.post(f"/v1/workflows/{first}/run", headers=first_key,
                              json={"files": [mine]})).status_code == 404


def test_an_apps_view_of_the_store_does_not_find_other_apps_files(tmp_path) -> None:
    store = FileStore(tmp_path)
    value = store.save("notes.md", b"# notes", owner="first")
    assert store.scoped("first").read(value) == ("notes.md", b"# notes")
    assert store.scoped(None).read(value) == ("notes.md", b"# notes")  # the console
    with pytest.raises(NotFoundError):
        store.scoped("second").read(value)
    with pytest.raises(NotFoundError):
        store.scoped("second").info(value["file_id"])


async def test_a_run_reads_only_its_apps_files_even_when_the_definition_names_another(data_dir):
    from engine.spec import Services
    from nodes.plugins import ToolRegistry
    from tests.helpers import node
    from tests.server.conftest import asgi_client, running_app

    services = Services(tools=ToolRegistry(), files=FileStore(data_dir))
    async with running_app(data_dir, services=services) as app, asgi_client(app) as client:
        first, first_key = await _app(client, "first")
        value = (await client.post("/v1/files", headers=first_key,
                                   files={"file": ("notes.md", b"# notes", "text/markdown")})).json()
        reader = workflow([start(), node("read", "plugin", {"file_url": {"value": value}},
                                         config={"plugin": "read_file", "tool": "read_file"}),
                           end(text="read.text")], chain("start", "read", "end"), name="reader")
        reader_id = (await client.post("/api/workflows", json=reader)).json()["id"]
        await client.post(f"/api/workflows/{reader_id}/publish")
        key = (await client.post(f"/api/workflows/{reader_id}/keys", json={"name": "k"})).json()["key"]

        run = (await client.post(f"/v1/workflows/{reader_id}/run", json={},
                                 headers={"Authorization": f"Bearer {key}"})).json()
        assert run["status"] == "failed" and value["file_id"] in run["error"]
        console = (await client.post(f"/api/workflows/{reader_id}/runs", json={})).json()
        assert console["status"] == "succeeded" and console["outputs"]["text"] == "# notes"
    await services.tools.aclose()


async def test_a_chat_apps_files_are_its_own(client):
    from tests.server.helpers import chat_workflow

    first, first_key = await _app(client, "first")
    chat_id = (await client.post("/api/workflows", json=chat_workflow())).json()["id"]
    await client.post(f"/api/workflows/{chat_id}/publish")
    chat_key = {"Authorization": "Bearer " + (await client.post(f"/api/workflows/{chat_id}/keys",
                                                                json={"name": "k"})).json()["key"]}
    foreign = (await client.post("/v1/files", headers=first_key,
                                 files={"file": ("a.md", b"# a", "text/markdown")})).json()
    own = (await client.post("/v1/files", headers=chat_key, files={"file": ("b.md", b"# b", "text/markdown")})).json()
    refused = await client.post(f"/v1/apps/{chat_id}/chat", headers=chat_key, json={"query": "hi", "files": [foreign]})
    assert refused.status_code == 404 and foreign["file_id"] in refused.json()["detail"]
    taken = await client.post(f"/v1/apps/{chat_id}/chat", headers=chat_key, json={"query": "hi", "files": [own]})
    assert taken.status_code == 200 and taken.json()["status"] == "succeeded"


async def test_knowledge_base_documents_are_the_consoles_only(data_dir):
    from engine.spec import Services
    from knowledge.service import KnowledgeService
    from tests.server.conftest import asgi_client, running_app

    knowledge = KnowledgeService(data_dir)
    async with running_app(data_dir, services=Services(knowledge=knowledge), admin_token="s3cret") as app:
        async with asgi_client(app, token="s3cret") as admin:
            _, app_key = await _app(admin, "first")
            assert (await admin.post("/api/knowledge-bases", json={"name": "kb"})).status_code == 201
            uploaded = await admin.post("/api/knowledge-bases/kb/documents",
                                        files=[("files", ("a.md", b"# a", "text/markdown"))])
            document_id = uploaded.json()["items"][0]["document_id"]
        async with asgi_client(app) as outsider:  # an app's key is not the console's token
            for method, path in [("GET", "/api/knowledge-bases/kb/documents"),
                                 ("GET", f"/api/knowledge-bases/kb/documents/{document_id}"),
                                 ("DELETE", f"/api/knowledge-bases/kb/documents/{document_id}")]:
                answer = await outsider.request(method, path, headers=app_key)
                assert answer.status_code == 401, (method, path, answer.text)
    knowledge.close()
