"""Persistence of agent apps, their API keys, conversations and traced turns (the only module that touches
the agent tables)."""

from __future__ import annotations

import secrets
import time
import uuid
import weakref
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from server.db.models_agents import AgentConversationRow, AgentKeyRow, AgentRow, AgentTurnRow
from server.db.store import KEY_PREFIX, Store, hash_key, new_id
from server.errors import ConflictError, NotFoundError

ID_PREFIX = "agent-"
_stores: "weakref.WeakKeyDictionary[Store, AgentStore]" = weakref.WeakKeyDictionary()


def is_agent_id(app_id: str) -> bool:
    """Agent app ids are ``agent-<hex>``; workflow ids are plain hex, so the two never collide."""
    return app_id.startswith(ID_PREFIX)


def agent_store(store: Store) -> "AgentStore":
    """The agent store over the server's database (one per ``Store``)."""
    found = _stores.get(store)
    if found is None:
        found = _stores[store] = AgentStore(store.engine)
    return found


class AgentStore:
    """Agent apps, keys, conversations and turns in the server's database."""

    def __init__(self, engine: Engine):
        self._session = sessionmaker(engine, expire_on_commit=False)
        with self._session.begin() as s:  # turns left running by a previous process did not finish
            s.execute(update(AgentTurnRow).where(AgentTurnRow.status == "running").values(
                status="interrupted", error="the server stopped during this turn", finished_at=time.time()))

    # -- apps ---------------------------------------------------------------------------------------
    def create(self, config: dict[str, Any]) -> AgentRow:
        now = time.time()
        row = AgentRow(id=ID_PREFIX + uuid.uuid4().hex, name=config["name"], config=config, published=None,
                       version=0, created_at=now, updated_at=now)
        with self._session.begin() as s:
            s.add(row)
        return row

    def list(self) -> list[AgentRow]:
        with self._session() as s:
            return list(s.scalars(select(AgentRow).order_by(AgentRow.updated_at.desc())))

    def get(self, agent_id: str) -> AgentRow:
        with self._session() as s:
            row = s.get(AgentRow, agent_id)
        if row is None:
            raise NotFoundError("agent app", agent_id)
        return row

    def update(self, agent_id: str, config: dict[str, Any]) -> AgentRow:
        with self._session.begin() as s:
            row = s.get(AgentRow, agent_id)
            if row is None:
                raise NotFoundError("agent app", agent_id)
            row.config, row.name, row.updated_at = config, config["name"], time.time()
        return row

    def delete(self, agent_id: str) -> None:
        with self._session.begin() as s:
            row = s.get(AgentRow, agent_id)
            if row is None:
                raise NotFoundError("agent app", agent_id)
            s.delete(row)

    def publish(self, agent_id: str) -> AgentRow:
        with self._session.begin() as s:
            row = s.get(AgentRow, agent_id)
            if row is None:
                raise NotFoundError("agent app", agent_id)
            row.published, row.version = row.config, row.version + 1
        return row

    def published(self, agent_id: str) -> AgentRow:
        row = self.get(agent_id)
        if row.published is None:
            raise ConflictError(f"agent app '{agent_id}' has no published version; publish it first")
        return row

    # -- API keys -----------------------------------------------------------------------------------
    def create_key(self, agent_id: str, name: str = "") -> tuple[AgentKeyRow, str]:
        self.get(agent_id)
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        row = AgentKeyRow(id=new_id(), agent_id=agent_id, name=name, prefix=key[:12], key_hash=hash_key(key),
                          created_at=time.time())
        with self._session.begin() as s:
            s.add(row)
        return row, key

    def list_keys(self, agent_id: str) -> list[AgentKeyRow]:
        with self._session() as s:
            return list(s.scalars(select(AgentKeyRow).where(AgentKeyRow.agent_id == agent_id)
                                  .order_by(AgentKeyRow.created_at)))

    def revoke_key(self, agent_id: str, key_id: str) -> AgentKeyRow:
        with self._session.begin() as s:
            row = s.get(AgentKeyRow, key_id)
            if row is None or row.agent_id != agent_id:
                raise NotFoundError("API key", key_id)
            row.revoked_at = row.revoked_at or time.time()
        return row

    def find_key(self, key: str) -> AgentKeyRow | None:
        with self._session() as s:
            row = s.scalars(select(AgentKeyRow).where(AgentKeyRow.key_hash == hash_key(key))).first()
        return row if row is not None and row.revoked_at is None else None

    # -- conversations and turns ----------------------------------------------------------------------
    def open_conversation(self, agent_id: str, conversation_id: str | None, source: str, user: str | None,
                          name: str) -> AgentConversationRow:
        with self._session.begin() as s:
            if conversation_id is not None:
                row = s.get(AgentConversationRow, conversation_id)
                if row is None or row.agent_id != agent_id:
                    raise NotFoundError("conversation", conversation_id)
                return row
            now = time.time()
            row = AgentConversationRow(id=new_id(), agent_id=agent_id, source=source, user=user,
                                       name=name[:200], created_at=now, updated_at=now)
            s.add(row)
        return row

    def list_conversations(self, agent_id: str, user: str | None = None, limit: int = 50
                           ) -> list[AgentConversationRow]:
        query = select(AgentConversationRow).where(AgentConversationRow.agent_id == agent_id)
        if user is not None:
            query = query.where(AgentConversationRow.user == user)
        with self._session() as s:
            return list(s.scalars(query.order_by(AgentConversationRow.updated_at.desc()).limit(limit)))

    def get_conversation(self, conversation_id: str) -> AgentConversationRow:
        with self._session() as s:
            row = s.get(AgentConversationRow, conversation_id)
        if row is None:
            raise NotFoundError("conversation", conversation_id)
        return row

    def delete_conversation(self, conversation_id: str) -> None:
        with self._session.begin() as s:
            s.execute(delete(AgentConversationRow).where(AgentConversationRow.id == conversation_id))

    def turns(self, conversation_id: str, limit: int = 100) -> list[AgentTurnRow]:
        """A conversation's latest turns, oldest first."""
        with self._session() as s:
            rows = s.scalars(select(AgentTurnRow).where(AgentTurnRow.conversation_id == conversation_id)
                             .order_by(AgentTurnRow.created_at.desc()).limit(limit))
            return list(reversed(list(rows)))

    def start_turn(self, agent_id: str, conversation_id: str, query: str, config: dict[str, Any]) -> AgentTurnRow:
        now = time.time()
        row = AgentTurnRow(id=new_id(), conversation_id=conversation_id, agent_id=agent_id, query=query, answer="",
                           status="running", config=config, trace=[], usage={}, elapsed_ms=0.0, created_at=now)
        with self._session.begin() as s:
            s.add(row)
            s.execute(update(AgentConversationRow).where(AgentConversationRow.id == conversation_id)
                      .values(updated_at=now))
        return row

    def finish_turn(self, turn_id: str, **fields: Any) -> None:
        with self._session.begin() as s:
            s.execute(update(AgentTurnRow).where(AgentTurnRow.id == turn_id)
                      .values(finished_at=time.time(), **fields))

    def get_turn(self, turn_id: str) -> AgentTurnRow:
        with self._session() as s:
            row = s.get(AgentTurnRow, turn_id)
        if row is None:
            raise NotFoundError("turn", turn_id)
        return row

    def list_turns(self, agent_id: str, limit: int = 50, offset: int = 0) -> list[AgentTurnRow]:
        with self._session() as s:
            return list(s.scalars(select(AgentTurnRow).where(AgentTurnRow.agent_id == agent_id)
                                  .order_by(AgentTurnRow.created_at.desc()).limit(limit).offset(offset)))
