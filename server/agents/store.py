"""Persistence of agent apps' configs and published versions (the agent kind's own table); their keys,
conversations and messages are every app's, kept by ``server.db.store.Store``."""

from __future__ import annotations

import time
import uuid
import weakref
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from server.db.models_agents import AgentRow
from server.db.store import AGENT_ID_PREFIX, Store, is_agent_id
from server.errors import ConflictError, NotFoundError

__all__ = ["AgentStore", "agent_store", "is_agent_id"]
_stores: weakref.WeakKeyDictionary[Store, AgentStore] = weakref.WeakKeyDictionary()


def agent_store(store: Store) -> AgentStore:
    """The agent store over the server's database (one per ``Store``)."""
    found = _stores.get(store)
    if found is None:
        found = _stores[store] = AgentStore(store)
    return found


class AgentStore:
    """Agent apps in the server's database."""

    def __init__(self, store: Store):
        self.store = store
        self._session = sessionmaker(store.engine, expire_on_commit=False)

    def create(self, config: dict[str, Any]) -> AgentRow:
        now = time.time()
        row = AgentRow(id=AGENT_ID_PREFIX + uuid.uuid4().hex, name=config["name"], config=config, published=None,
                       version=0, created_at=now, updated_at=now)
        with self._session.begin() as s:
            self.store.add_app(s, row.id, "agent", now)
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
            self.store.delete_app(s, agent_id)
        self.store.forget_keys(agent_id)

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
