"""Agent apps: console CRUD, import/export, publish, keys, preview chat and traces (``/api/agents``), and
the public app info, chat and conversations (``/v1/agents``; ``POST /v1/apps/{agent_id}/chat`` works too)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from fastapi.responses import JSONResponse, Response
from sse_starlette import ServerSentEvent

from agents.spec import AgentConfig, export_json
from server.agents import chat
from server.agents.schemas import AgentInfo, AgentList, AgentPublic, AgentReply, AgentSummary, ToolPublic
from server.agents.skills import problems, resolve
from server.agents.store import AgentStore, agent_store
from server.api import sse
from server.api.app_schemas import ConversationList, KeyCreated, KeyPublic, MessageDetail, MessageList
from server.api.params import Limit, Offset, ResumeAfter
from server.api.schemas import ChatCreate, KeyCreate, ResponseMode
from server.db.models_agents import AgentRow
from server.deps import Credentials, State, app_key, check_app, require_admin
from server.errors import NotFoundError

console = APIRouter(prefix="/api", tags=["agents"], dependencies=[Depends(require_admin)])
public = APIRouter(prefix="/v1", tags=["agents"])
router = APIRouter()  # both, mounted by server.app with one include


def _store(state: State) -> AgentStore:
    return agent_store(state.store)


Agents = Annotated[AgentStore, Depends(_store)]
SSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "blocking: the reply; streaming: SSE of the turn's events, then a 'message' event"}}
TURN_EVENTS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {}}, "description": "SSE of the turn's events"}}


async def respond(turn: chat.LiveTurn, mode: ResponseMode) -> Response:
    """A turn answered in the asked response mode: its reply, SSE of its events then the reply, or its ids."""
    if mode == "async":
        return JSONResponse({"run_id": turn.turn_id, "conversation_id": turn.conversation_id}, status_code=202)
    if mode == "blocking":
        await turn.log.wait_closed()
        return JSONResponse(turn.reply())

    async def frames() -> AsyncIterator[ServerSentEvent]:
        yield sse.event({"conversation_id": turn.conversation_id, "run_id": turn.turn_id, "turn_id": turn.turn_id},
                        "conversation")
        async for event in turn.events():
            yield sse.event(event)
        yield sse.event(turn.reply(), "message")

    return sse.response(frames())


def summary(row: AgentRow) -> AgentSummary:
    config = row.config
    return AgentSummary(id=row.id, name=row.name, icon=config.get("icon", ""),
                        description=config.get("description", ""), version=row.version,
                        created_at=row.created_at, updated_at=row.updated_at)


async def detail(state: State, row: AgentRow) -> AgentPublic:
    config = AgentConfig.model_validate(row.config)
    issues = await asyncio.to_thread(problems, state, config)
    return AgentPublic(**summary(row).model_dump(), config=config, issues=issues)


# -- apps -------------------------------------------------------------------------------------------
@console.get("/agents", response_model=AgentList)
def list_agents(agents: Agents) -> AgentList:
    return AgentList(items=[summary(r) for r in agents.list()])


@console.post("/agents", response_model=AgentPublic, status_code=201)
async def create_agent(state: State, agents: Agents, config: AgentConfig) -> AgentPublic:
    return await detail(state, await asyncio.to_thread(agents.create, config.model_dump(mode="json")))


@console.post("/agents/import", response_model=AgentPublic, status_code=201)
async def import_agent(state: State, agents: Agents, config: AgentConfig) -> AgentPublic:
    """Create an app from an exported JSON document (``GET /api/agents/{id}/export``)."""
    return await create_agent(state, agents, config)


@console.get("/agents/{agent_id}", response_model=AgentPublic)
async def get_agent(state: State, agents: Agents, agent_id: str) -> AgentPublic:
    return await detail(state, await asyncio.to_thread(agents.get, agent_id))


@console.put("/agents/{agent_id}", response_model=AgentPublic)
async def update_agent(state: State, agents: Agents, agent_id: str, config: AgentConfig) -> AgentPublic:
    return await detail(state, await asyncio.to_thread(agents.update, agent_id, config.model_dump(mode="json")))


@console.delete("/agents/{agent_id}", status_code=204)
def delete_agent(agents: Agents, agent_id: str) -> None:
    agents.delete(agent_id)


@console.get("/agents/{agent_id}/export")
def export_agent(agents: Agents, agent_id: str) -> JSONResponse:
    row = agents.get(agent_id)
    return JSONResponse(export_json(AgentConfig.model_validate(row.config)),
                        headers={"Content-Disposition": f'attachment; filename="{agent_id}.agent.json"'})


@console.post("/agents/{agent_id}/publish", response_model=AgentPublic)
async def publish_agent(state: State, agents: Agents, agent_id: str) -> AgentPublic:
    return await detail(state, await asyncio.to_thread(agents.publish, agent_id))


@console.get("/agents/{agent_id}/tools", response_model=list[ToolPublic])
async def agent_tools(state: State, agents: Agents, agent_id: str) -> list[ToolPublic]:
    """The tools the draft offers the model right now (400 naming the skill that cannot be resolved)."""
    config = AgentConfig.model_validate((await asyncio.to_thread(agents.get, agent_id)).config)
    return [ToolPublic(name=t.name, kind=t.kind, source=t.source, description=t.description,
                       parameters=t.parameters) for t in await resolve(state, config)]


# -- keys -------------------------------------------------------------------------------------------
@console.post("/agents/{agent_id}/keys", response_model=KeyCreated, status_code=201)
def create_key(state: State, agents: Agents, agent_id: str,
               body: Annotated[KeyCreate | None, Body()] = None) -> KeyPublic:
    agents.get(agent_id)
    row, key = state.store.create_key(agent_id, body.name if body else "")
    return KeyCreated.of(row, key=key)


@console.get("/agents/{agent_id}/keys", response_model=list[KeyPublic])
def list_keys(state: State, agents: Agents, agent_id: str) -> list[KeyPublic]:
    agents.get(agent_id)
    return [KeyPublic.of(r) for r in state.store.list_keys(agent_id)]


@console.delete("/agents/{agent_id}/keys/{key_id}", response_model=KeyPublic)
def revoke_key(state: State, agent_id: str, key_id: str) -> KeyPublic:
    return KeyPublic.of(state.store.revoke_key(agent_id, key_id))


# -- preview chat, conversations, traces --------------------------------------------------------------
@console.post("/agents/{agent_id}/chat", response_model=AgentReply, responses=SSE)
async def preview_chat(state: State, agents: Agents, agent_id: str, body: ChatCreate) -> Response:
    """Chat with the draft (the editor's live preview)."""
    row = await asyncio.to_thread(agents.get, agent_id)
    turn = await chat.answer(state, agent_id, AgentConfig.model_validate(row.config), body, "console")
    return await respond(turn, body.response_mode)


@console.get("/agents/{agent_id}/conversations", response_model=ConversationList)
def list_conversations(state: State, agents: Agents, agent_id: str, user: str | None = None) -> ConversationList:
    agents.get(agent_id)
    return ConversationList.of(state.store.list_conversations(agent_id, user))


@console.get("/agent-conversations/{conversation_id}/messages", response_model=MessageList)
def list_messages(state: State, conversation_id: str) -> MessageList:
    """The same as ``GET /api/conversations/{conversation_id}/messages``."""
    state.store.get_conversation(conversation_id)
    return MessageList.of(state.store.messages(conversation_id))


@console.delete("/agent-conversations/{conversation_id}", status_code=204)
def delete_conversation(state: State, conversation_id: str) -> None:
    """The same as ``DELETE /api/conversations/{conversation_id}``."""
    state.store.get_conversation(conversation_id)
    state.store.delete_conversation(conversation_id)


@console.get("/agents/{agent_id}/turns", response_model=MessageList)
def list_turns(state: State, agents: Agents, agent_id: str, limit: Limit = 50, offset: Offset = 0) -> MessageList:
    agents.get(agent_id)
    return MessageList.of(state.store.app_messages(agent_id, limit, offset))


@console.get("/agent-turns/{turn_id}", response_model=MessageDetail)
def get_turn(state: State, turn_id: str) -> MessageDetail:
    """One turn with its full trace (model calls with messages, tokens, latency; tool calls with results)."""
    row = state.store.get_message(turn_id)
    if row.config is None:  # a chat workflow's message: its trace is its run's
        raise NotFoundError("turn", turn_id)
    return MessageDetail.of(row)


@console.get("/agent-turns/{turn_id}/events", response_class=Response, responses=TURN_EVENTS)
async def turn_events(state: State, turn_id: str, after: ResumeAfter) -> Response:
    """A running or recent turn's events with ``seq > after`` (or after the Last-Event-ID header), then live until
    it finishes."""
    return sse.stream(chat.live_turn(state, turn_id).events(after))


# -- public ----------------------------------------------------------------------------------------
@public.get("/agents/{agent_id}", response_model=AgentInfo)
def app_info(state: State, agents: Agents, credentials: Credentials, agent_id: str) -> AgentInfo:
    check_app(app_key(state.store, credentials), agent_id)
    config = AgentConfig.model_validate(agents.published(agent_id).published)
    return AgentInfo(id=agent_id, name=config.name, icon=config.icon, description=config.description,
                     opening_statement=config.opening_statement, suggested_questions=config.suggested_questions)


@public.post("/agents/{agent_id}/chat", response_model=AgentReply, responses=SSE)
async def public_chat(state: State, credentials: Credentials, agent_id: str, body: ChatCreate) -> Response:
    """The same as ``POST /v1/apps/{agent_id}/chat``."""
    check_app(await asyncio.to_thread(app_key, state.store, credentials), agent_id)
    return await respond(await chat.published_chat(state, agent_id, body), body.response_mode)


@public.get("/agent-turns/{turn_id}/events", response_class=Response, responses=TURN_EVENTS)
async def public_turn_events(state: State, credentials: Credentials, turn_id: str, after: ResumeAfter) -> Response:
    """The same as the console's, for a turn of the key's own app."""
    key = await asyncio.to_thread(app_key, state.store, credentials)
    return sse.stream(chat.live_turn(state, turn_id, key.app_id).events(after))


@public.get("/agents/{agent_id}/conversations", response_model=ConversationList)
def public_conversations(state: State, credentials: Credentials, agent_id: str,
                         user: str | None = None) -> ConversationList:
    """The same as ``GET /v1/apps/{agent_id}/conversations``."""
    check_app(app_key(state.store, credentials), agent_id)
    return ConversationList.of(state.store.list_conversations(agent_id, user))


@public.get("/agent-conversations/{conversation_id}/messages", response_model=MessageList)
def public_messages(state: State, credentials: Credentials, conversation_id: str) -> MessageList:
    """The same as ``GET /v1/conversations/{conversation_id}/messages``."""
    key = app_key(state.store, credentials)
    conversation = state.store.get_conversation(conversation_id)
    check_app(key, conversation.app_id)
    return MessageList.of(state.store.messages(conversation_id))


router.include_router(console)
router.include_router(public)
