"""Migration 0004_apps on a database built by the previous schema: every key, conversation, message and agent
turn moves into the shared app tables with its id, order and secret, and /v1 serves them."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import text

from server.db import migrate
from server.db.store import hash_key, open_engine
from server.settings import Settings
from tests.server.conftest import asgi_client, running_app
from tests.server.helpers import chat_workflow
from tests.server.migrations import emptied

PREVIOUS_HEAD = "0003_agents"
WF, AGENT = "a" * 32, "agent-" + "b" * 32
WF_KEY, WF_REVOKED, AGENT_KEY = "loom-workflow-secret", "loom-revoked-secret", "loom-agent-secret"
T0 = 1_700_000_000.0
AGENT_CONFIG = {"name": "helper", "persona": "You are careful.", "opening_statement": "Ask me."}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _insert(conn: Any, table: str, **row: Any) -> None:
    values = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in row.items()}
    columns = ", ".join(f'"{k}"' for k in values)  # quoted: "user" is a reserved word in PostgreSQL
    conn.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + k for k in values)})"),
                 values)


def old_database(data_dir: Path) -> None:
    """A database at the previous head with a published chat workflow and a published agent, their keys, a
    conversation each and two turns each, written through SQL as the old server wrote them."""
    engine = emptied(open_engine(Settings(data_dir=data_dir).database_url))
    migrate.upgrade(engine, PREVIOUS_HEAD)
    definition = chat_workflow()
    with engine.begin() as conn:
        _insert(conn, "workflows", id=WF, name="chatty", description="", mode="chat", definition=definition,
                created_at=T0, updated_at=T0)
        _insert(conn, "workflow_versions", workflow_id=WF, version=1, definition=definition, note="", created_at=T0)
        _insert(conn, "api_keys", id="k1", workflow_id=WF, name="ci", prefix=WF_KEY[:12], key_hash=hash_key(WF_KEY),
                created_at=T0, last_used_at=None, revoked_at=None)
        _insert(conn, "api_keys", id="k2", workflow_id=WF, name="old", prefix=WF_REVOKED[:12],
                key_hash=hash_key(WF_REVOKED), created_at=T0 + 1, last_used_at=None, revoked_at=T0 + 2)
        _insert(conn, "conversations", id="c1", workflow_id=WF, user="u1", name="hello", created_at=T0,
                updated_at=T0 + 20)
        for n, (query, answer) in enumerate([("hello", "you said hello"), ("again", "you said again")], 1):
            _insert(conn, "runs", id=f"r{n}", workflow_id=WF, version=1, source="api", status="succeeded",
                    definition=definition, inputs={}, sys={}, outputs={"answer": answer}, error=None,
                    failed_node=None, elapsed_ms=5.0 * n, total_tokens=n, usage={"total_tokens": n},
                    resumed_from=None, conversation_id="c1", user="u1", created_at=T0 + 10 * n,
                    finished_at=T0 + 10 * n + 1)
            # ids that sort against time: the order must come from created_at, not from the id
            _insert(conn, "messages", id=f"m{3 - n}", conversation_id="c1", run_id=f"r{n}", query=query,
                    answer=answer, status="succeeded", created_at=T0 + 10 * n)
        _insert(conn, "agent_apps", id=AGENT, name="helper", config=AGENT_CONFIG, published=AGENT_CONFIG,
                version=1, created_at=T0, updated_at=T0)
        _insert(conn, "agent_keys", id="ak1", agent_id=AGENT, name="", prefix=AGENT_KEY[:12],
                key_hash=hash_key(AGENT_KEY), created_at=T0, revoked_at=None)
        _insert(conn, "agent_conversations", id="ac1", agent_id=AGENT, source="api", user="u2", name="hi",
                created_at=T0, updated_at=T0 + 20)
        for n, status in enumerate(["succeeded", "step_limit"], 1):
            _insert(conn, "agent_turns", id=f"t{3 - n}", conversation_id="ac1", agent_id=AGENT, query=f"q{n}",
                    answer=f"a{n}", status=status, error=None, config=AGENT_CONFIG,
                    trace=[{"kind": "model", "step": 1, "text": f"a{n}"}], usage={"total_tokens": 3},
                    elapsed_ms=7.0, created_at=T0 + 10 * n, finished_at=T0 + 10 * n + 2)
    engine.dispose()


async def test_upgrade_keeps_keys_conversations_and_messages_usable_through_v1(data_dir: Path):
    old_database(data_dir)
    started = time.time()
    async with running_app(data_dir) as app, asgi_client(app) as client:
        # keys: the same secrets open the same apps, revoked stays revoked, one app's key not another's
        assert (await client.get(f"/v1/apps/{WF}", headers=bearer(WF_KEY))).json()["name"] == "chatty"
        assert (await client.get(f"/v1/apps/{AGENT}", headers=bearer(AGENT_KEY))).json()["opening_statement"] \
            == "Ask me."
        assert (await client.get(f"/v1/apps/{WF}", headers=bearer(WF_REVOKED))).status_code == 401
        wrong = await client.get(f"/v1/apps/{AGENT}/conversations", headers=bearer(WF_KEY))
        assert wrong.status_code == 403 and f"agent app '{AGENT}'" in wrong.json()["detail"]
        keys = (await client.get(f"/api/workflows/{WF}/keys")).json()["items"]
        assert [(k["id"], k["workflow_id"], k["revoked_at"]) for k in keys] == [("k1", WF, None), ("k2", WF, T0 + 2)]
        agent_keys = (await client.get(f"/api/agents/{AGENT}/keys")).json()
        assert [(k["id"], k["agent_id"], k["prefix"]) for k in agent_keys] == [("ak1", AGENT, AGENT_KEY[:12])]

        # the chat workflow's conversation and its messages, in order, with what their runs recorded
        conversations = (await client.get(f"/v1/apps/{WF}/conversations", headers=bearer(WF_KEY))).json()["items"]
        assert [(c["id"], c["user"], c["workflow_id"], c["source"]) for c in conversations] == [
            ("c1", "u1", WF, "api")]
        messages = (await client.get("/v1/conversations/c1/messages", headers=bearer(WF_KEY))).json()["items"]
        assert [(m["id"], m["query"], m["run_id"], m["usage"]) for m in messages] == [
            ("m2", "hello", "r1", {"total_tokens": 1}), ("m1", "again", "r2", {"total_tokens": 2})]
        reply = (await client.post(f"/v1/apps/{WF}/chat", headers=bearer(WF_KEY),
                                   json={"query": "third", "conversation_id": "c1"})).json()
        assert reply["status"] == "succeeded" and "you said hello" in reply["answer"]  # the history carried over
        messages = (await client.get("/v1/conversations/c1/messages", headers=bearer(WF_KEY))).json()["items"]
        assert [m["id"] for m in messages] == ["m2", "m1", reply["message_id"]]

        # the agent's conversation and turns, with their traces
        conversations = (await client.get(f"/v1/apps/{AGENT}/conversations", headers=bearer(AGENT_KEY))).json()
        assert [(c["id"], c["agent_id"], c["source"]) for c in conversations["items"]] == [("ac1", AGENT, "api")]
        for path in ("/v1/agent-conversations/ac1/messages", "/v1/conversations/ac1/messages"):
            turns = (await client.get(path, headers=bearer(AGENT_KEY))).json()["items"]
            assert [(t["id"], t["query"], t["status"], t["agent_id"]) for t in turns] == [
                ("t2", "q1", "succeeded", AGENT), ("t1", "q2", "step_limit", AGENT)]
        detail = (await client.get("/api/agent-turns/t1")).json()
        assert detail["trace"] == [{"kind": "model", "step": 1, "text": "a2"}] and detail["config"] == AGENT_CONFIG
        # a new turn goes on in the same conversation (it fails: this server has no model)
        turn = await client.post(f"/v1/apps/{AGENT}/chat", headers=bearer(AGENT_KEY),
                                 json={"query": "q3", "conversation_id": "ac1"})
        assert turn.status_code == 200 and turn.json()["conversation_id"] == "ac1", turn.text
        turns = (await client.get("/v1/conversations/ac1/messages", headers=bearer(AGENT_KEY))).json()["items"]
        assert [t["id"] for t in turns] == ["t2", "t1", turn.json()["message_id"]]
        assert turns[-1]["created_at"] >= started

        # deleting an app still takes its keys, conversations and messages with it
        assert (await client.delete(f"/api/workflows/{WF}")).status_code == 204
        assert (await client.get(f"/v1/apps/{WF}", headers=bearer(WF_KEY))).status_code == 401
        assert (await client.get("/api/conversations/c1/messages")).status_code == 404
        assert (await client.delete(f"/api/agents/{AGENT}")).status_code == 204
        assert (await client.get(f"/v1/apps/{AGENT}", headers=bearer(AGENT_KEY))).status_code == 401


def test_downgrade_gives_every_row_back_to_the_old_tables(data_dir: Path):
    old_database(data_dir)
    engine = open_engine(Settings(data_dir=data_dir).database_url)
    tables = ("api_keys", "conversations", "messages", "agent_keys", "agent_conversations", "agent_turns")

    def rows() -> dict[str, list[Any]]:
        with engine.connect() as conn:
            return {t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY id"))] for t in tables}

    before = rows()
    migrate.upgrade(engine)
    config = migrate.alembic_config(str(engine.url))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, PREVIOUS_HEAD)
    assert rows() == before
    engine.dispose()
