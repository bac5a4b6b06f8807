"""Agent attachments belong to the app whose key uploaded them: another app's key gets 404 for them."""

from __future__ import annotations

from tests.agents.conftest import create_agent


async def _published(client) -> tuple[str, dict[str, str]]:
    agent_id = await create_agent(client)
    await client.post(f"/api/agents/{agent_id}/publish")
    key = (await client.post(f"/api/agents/{agent_id}/keys", json={"name": "site"})).json()["key"]
    return agent_id, {"Authorization": f"Bearer {key}"}


async def test_an_agents_attachment_opens_only_for_that_agent_and_the_console(client, openai_server):
    openai_server.push("read it")
    first, first_key = await _published(client)
    second, second_key = await _published(client)
    value = (await client.post("/v1/files", headers=first_key,
                               files={"file": ("notes.md", b"# notes", "text/markdown")})).json()

    own = await client.post(f"/v1/apps/{first}/chat", headers=first_key, json={"query": "hi", "files": [value]})
    assert own.status_code == 200 and own.json()["answer"] == "read it"
    foreign = await client.post(f"/v1/apps/{second}/chat", headers=second_key, json={"query": "hi", "files": [value]})
    assert foreign.status_code == 404 and value["file_id"] in foreign.json()["detail"]
    openai_server.push("console")
    console = await client.post(f"/api/agents/{second}/chat", json={"query": "hi", "files": [value]})
    assert console.status_code == 200 and console.json()["answer"] == "console"
