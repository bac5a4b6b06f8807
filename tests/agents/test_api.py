"""The agent app console API: create, read, update, delete, import/export, publish, keys, and checks that
name what is wrong."""

from __future__ import annotations

from tests.agents.conftest import agent, create_agent, echo_workflow, publish_workflow


async def test_crud_and_export_import_round_trip(client):
    body = agent(icon="📚", opening_statement="我是AI学术助手，请上传文档或提出问题",
                 suggested_questions=["What does the paper claim?"], max_steps=3, memory_window=4,
                 params={"temperature": 0.2}, skills=[{"type": "plugin", "plugin": "read_file", "tool": "read_file"}],
                 knowledge={"knowledge_bases": [], "mode": "tool"})
    created = (await client.post("/api/agents", json=body)).json()
    agent_id = created["id"]
    assert agent_id.startswith("agent-") and created["version"] == 0 and created["issues"] == []
    assert created["config"]["opening_statement"] == body["opening_statement"]

    listed = (await client.get("/api/agents")).json()["items"]
    assert [(a["id"], a["icon"]) for a in listed] == [(agent_id, "📚")]

    exported = (await client.get(f"/api/agents/{agent_id}/export")).json()
    assert exported["kind"] == "agent" and exported["skills"][0]["tool"] == "read_file"
    imported = (await client.post("/api/agents/import", json=exported)).json()
    assert imported["id"] != agent_id and imported["config"] == created["config"]

    updated = (await client.put(f"/api/agents/{agent_id}", json={**body, "name": "renamed"})).json()
    assert updated["name"] == "renamed"
    published = (await client.post(f"/api/agents/{agent_id}/publish")).json()
    assert published["version"] == 1

    assert (await client.delete(f"/api/agents/{agent_id}")).status_code == 204
    missing = await client.get(f"/api/agents/{agent_id}")
    assert missing.status_code == 404 and agent_id in missing.json()["detail"]


async def test_bad_documents_are_refused_naming_the_field(client):
    response = await client.post("/api/agents", json=agent(max_steps=0, skills=[{"type": "plugin"}]))
    assert response.status_code == 422
    locations = {".".join(map(str, e["loc"][1:])) for e in response.json()["detail"]}
    assert "max_steps" in locations and any(loc.startswith("skills.0.plugin") for loc in locations)
    twice = [{"type": "plugin", "plugin": "read_file", "tool": "read_file"}] * 2
    response = await client.post("/api/agents", json=agent(skills=twice))
    assert response.status_code == 422 and "skills[1] repeats" in response.text


async def test_unresolvable_skills_are_reported_as_issues(client):
    unpublished = (await client.post("/api/workflows", json=echo_workflow("draft-only"))).json()["id"]
    agent_id = await create_agent(client, skills=[
        {"type": "plugin", "plugin": "read_file", "tool": "nope"},
        {"type": "workflow", "workflow": "no-such-workflow"},
        {"type": "workflow", "workflow": unpublished}],
        knowledge={"knowledge_bases": ["missing-kb"]})
    issues = (await client.get(f"/api/agents/{agent_id}")).json()["issues"]
    assert issues == [
        "skills[0]: plugin 'read_file' has no tool 'nope' (see GET /api/plugins)",
        "skills[1]: there is no workflow with the id or name 'no-such-workflow'",
        f"skills[2]: workflow '{unpublished}' has no published version; publish it first",
        "knowledge: knowledge bases are not available on this server"]
    chat = await client.post(f"/api/agents/{agent_id}/chat", json={"query": "hi"})
    assert chat.status_code == 400 and chat.json()["detail"].startswith("skills[0]: plugin 'read_file'")


async def test_workflow_skill_parameters_are_the_start_variables(client):
    await publish_workflow(client, echo_workflow("shout"))
    agent_id = await create_agent(client, skills=[{"type": "workflow", "workflow": "shout"},
                                                  {"type": "plugin", "plugin": "current_time", "tool": "current_time"}])
    tools = (await client.get(f"/api/agents/{agent_id}/tools")).json()
    assert [(t["name"], t["kind"]) for t in tools] == [("shout", "workflow"), ("current_time", "plugin")]
    assert tools[0]["description"] == "Echo the text back."
    assert tools[0]["parameters"] == {
        "type": "object", "additionalProperties": False, "required": ["text"],
        "properties": {"text": {"type": "string", "description": "what to echo"},
                       "times": {"type": "integer", "default": 1}}}


async def test_keys_open_only_their_own_published_app(client, openai_server):
    openai_server.push("hello from the agent")
    first, second = await create_agent(client), await create_agent(client)
    key = (await client.post(f"/api/agents/{first}/keys", json={"name": "site"})).json()["key"]
    auth = {"Authorization": f"Bearer {key}"}
    unpublished = await client.post(f"/v1/apps/{first}/chat", json={"query": "hi"}, headers=auth)
    assert unpublished.status_code == 409 and "publish it first" in unpublished.text
    await client.post(f"/api/agents/{first}/publish")
    other = await client.post(f"/v1/apps/{second}/chat", json={"query": "hi"}, headers=auth)
    assert other.status_code == 403
    assert (await client.post(f"/v1/apps/{first}/chat", json={"query": "hi"})).status_code == 401
    info = (await client.get(f"/v1/agents/{first}", headers=auth)).json()
    assert info["name"] == "helper"
    assert (await client.get(f"/v1/apps/{first}", headers=auth)).json() == info  # same info under /v1/apps
    assert (await client.get(f"/v1/apps/{second}", headers=auth)).status_code == 403
    reply = (await client.post(f"/v1/apps/{first}/chat", json={"query": "hi"}, headers=auth)).json()
    assert reply["answer"] == "hello from the agent" and reply["status"] == "succeeded"
    uploaded = await client.post("/v1/files", headers=auth, files={"file": ("notes.md", b"# notes", "text/markdown")})
    assert uploaded.status_code == 201 and uploaded.json()["name"] == "notes.md"
    for headers in ({}, {"Authorization": "Bearer not-a-key"}):
        refused = await client.post("/v1/files", headers=headers, files={"file": ("x.md", b"x", "text/markdown")})
        assert refused.status_code == 401
    listed = (await client.get(f"/v1/apps/{first}/conversations", headers=auth)).json()["items"]
    assert [c["id"] for c in listed] == [reply["conversation_id"]]
    key_id = (await client.get(f"/api/agents/{first}/keys")).json()[0]["id"]
    await client.delete(f"/api/agents/{first}/keys/{key_id}")
    assert (await client.post(f"/v1/apps/{first}/chat", json={"query": "hi"}, headers=auth)).status_code == 401


async def test_without_a_model_gateway_the_turn_fails_saying_so(data_dir):
    from tests.server.conftest import asgi_client, running_app

    async with running_app(data_dir) as app, asgi_client(app) as client:
        agent_id = await create_agent(client)
        reply = (await client.post(f"/api/agents/{agent_id}/chat", json={"query": "hi"})).json()
    assert reply["status"] == "failed" and reply["error"].startswith("no model gateway is configured")
