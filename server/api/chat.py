"""Chat apps: chat-mode workflows answered turn by turn in conversations whose history feeds ``sys.history``.

Public (``/v1/apps/...``, published version, API key) and console preview (``/api/workflows/{id}/chat``,
the draft) share one implementation.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sse_starlette import ServerSentEvent

from server.agents import chat as agent_chat
from server.agents.schemas import AgentInfo
from server.agents.store import agent_store
from server.api import agents as agents_api
from server.api import sse
from server.api.app_schemas import ConversationList, MessageList
from server.api.launch import console_source
from server.api.schemas import ChatCreate
from server.db.conversation_variables import ConversationVariables
from server.db.store import is_agent_id
from server.deps import AppKey, Credentials, State, app_key, check_app
from server.errors import InvalidRequestError
from server.runs import RunRequest
from server.state import AppState

public = APIRouter(prefix="/v1", tags=["chat"])
console = APIRouter(prefix="/api", tags=["chat"])
HISTORY_TURNS = 50


class ChatReply(BaseModel):
    """The app's answer to one message."""

    conversation_id: str
    answer: str
    run_id: str
    message_id: str | None = None
    status: str
    error: str | None = None


class ConversationValues(BaseModel):
    """A conversation's stored conversation-variable values, by name."""

    variables: dict[str, Any]


class AppPublic(BaseModel):
    """What a chat client shows before the first message."""

    workflow_id: str
    name: str
    description: str
    mode: str
    opening_statement: str
    suggested_questions: list[str]
    inputs: list[dict[str, Any]]


def answer_of(final: dict[str, Any]) -> str:
    """The reply: the answer nodes' text as it streamed, else the end node's ``answer``, else its only text
    output."""
    if final.get("answer") is not None:
        return str(final["answer"])
    outputs = final.get("outputs") or {}
    if "answer" in outputs:
        return "" if outputs["answer"] is None else str(outputs["answer"])
    texts = [v for v in outputs.values() if isinstance(v, str)]
    return texts[0] if len(texts) == 1 else ""


def app_info(workflow_id: str, definition: dict[str, Any]) -> AppPublic:
    features = definition.get("app") or {}
    start: dict[str, Any] = next((n for n in definition.get("nodes", []) if n.get("type") == "start"), {})
    return AppPublic(workflow_id=workflow_id, name=definition.get("name", ""),
                     description=definition.get("description", ""), mode=definition.get("mode", "workflow"),
                     opening_statement=features.get("opening_statement", ""),
                     suggested_questions=features.get("suggested_questions", []),
                     inputs=(start.get("config") or {}).get("variables", []))


async def chat(state: AppState, workflow_id: str, definition: dict[str, Any], version: int | None,
               body: ChatCreate, source: str, max_in_flight: int | None) -> Response:
    if definition.get("mode") != "chat":
        raise InvalidRequestError(f"workflow '{workflow_id}' is not a chat app (its mode is "
                                  f"'{definition.get('mode', 'workflow')}'); run it with .../run instead")
    graph = state.compile(definition, None if version is None else (workflow_id, version))
    owner = workflow_id if source == "api" else None  # an app's key opens only the app's own files
    inputs, files = state.files.complete_inputs(body.inputs, owner), state.files.references(body.files, owner)
    store = state.store
    conversation = await asyncio.to_thread(store.open_conversation, workflow_id, body.conversation_id, source,
                                           body.user, body.query[:60])
    history: list[dict[str, str]] = []
    for message in await asyncio.to_thread(store.messages, conversation.id, HISTORY_TURNS):
        if message.status == "succeeded":
            history += [{"role": "user", "content": message.query},
                        {"role": "assistant", "content": message.answer}]
    variables = ConversationVariables(store.engine)
    stored = await asyncio.to_thread(variables.load, conversation.id) if graph.workflow.conversation_variables \
        else None
    recorded: dict[str, Any] = {}

    async def on_finish(final: dict[str, Any]) -> None:
        # Conversation variables are kept only when the turn succeeded: a failed or stopped turn changes none.
        if final["status"] == "succeeded" and final.get("conversation") is not None:
            await asyncio.to_thread(variables.save, conversation.id, final["conversation"])
        answer = answer_of(final)
        usage = final.get("usage") or {}
        row = await asyncio.to_thread(store.add_message, conversation, body.query, final["status"], answer=answer,
                                      run_id=final["run_id"], error=final.get("error"), usage=usage,
                                      elapsed_ms=final.get("elapsed_ms") or 0.0)
        recorded.update(message_id=row.id, answer=answer)

    request = RunRequest(
        workflow_id=workflow_id, graph=graph, definition=definition, inputs=inputs, version=version,
        source=console_source(version) if source == "console" else source, on_finish=on_finish,
        max_in_flight=max_in_flight, files_owner=owner, conversation=stored,
        sys={"query": body.query, "history": history, "conversation_id": conversation.id, "user": body.user,
             "files": files})
    live = await state.runs.start(request)

    def reply(final: dict[str, Any]) -> dict[str, Any]:
        return ChatReply(conversation_id=conversation.id, answer=recorded.get("answer", ""), run_id=live.run_id,
                         message_id=recorded.get("message_id"), status=final["status"],
                         error=final.get("error")).model_dump()

    if body.response_mode == "async":
        return JSONResponse({"run_id": live.run_id, "conversation_id": conversation.id}, status_code=202)
    if body.response_mode == "blocking":
        return JSONResponse(reply(await state.runs.wait(live)))

    async def events() -> AsyncIterator[ServerSentEvent]:
        yield sse.event({"conversation_id": conversation.id, "run_id": live.run_id}, "conversation")
        async for event in state.runs.follow(live):
            yield sse.event(event)
        await state.runs.wait(live)
        if live.final is not None:
            yield sse.event(reply(live.final), "message")

    return sse.response(events())


# -- public -----------------------------------------------------------------------------------------
@public.get("/apps/{workflow_id}", response_model=AppPublic | AgentInfo)
async def get_app(state: State, credentials: Credentials, workflow_id: str) -> AppPublic | AgentInfo:
    """What a chat client shows before the first message, for a chat workflow or an agent app."""
    if is_agent_id(workflow_id):
        return agents_api.app_info(state, agent_store(state.store), credentials, workflow_id)
    check_app(app_key(state.store, credentials), workflow_id)
    version = await asyncio.to_thread(state.store.get_version, workflow_id)
    return app_info(workflow_id, version.definition)


@public.post("/apps/{workflow_id}/chat", response_model=ChatReply,
             responses={200: {"description": "blocking: the reply; streaming: SSE of the run's events, "
                                             "then a 'message' event with the reply"}})
async def send_message(state: State, credentials: Credentials, workflow_id: str, body: ChatCreate) -> Response:
    if is_agent_id(workflow_id):  # agent apps answer through their tool-calling loop, with their own keys
        check_app(await asyncio.to_thread(app_key, state.store, credentials), workflow_id)
        turn = await agent_chat.published_chat(state, workflow_id, body)
        return await agents_api.respond(turn, body.response_mode)
    check_app(app_key(state.store, credentials), workflow_id)
    version = await asyncio.to_thread(state.store.get_version, workflow_id)
    return await chat(state, workflow_id, version.definition, version.version, body, "api",
                      state.settings.max_concurrent_runs_per_app)


@public.get("/apps/{workflow_id}/conversations", response_model=ConversationList)
def list_conversations(state: State, credentials: Credentials, workflow_id: str,
                       user: str | None = None) -> ConversationList:
    """The conversations of a chat workflow or an agent app."""
    check_app(app_key(state.store, credentials), workflow_id)
    return ConversationList.of(state.store.list_conversations(workflow_id, user))


@public.get("/conversations/{conversation_id}/messages", response_model=MessageList)
def list_messages(state: State, key: AppKey, conversation_id: str) -> MessageList:
    """A conversation's messages, oldest first (a chat workflow's or an agent app's)."""
    conversation = state.store.get_conversation(conversation_id)
    check_app(key, conversation.app_id)
    return MessageList.of(state.store.messages(conversation_id))


@public.get("/conversations/{conversation_id}/variables", response_model=ConversationValues)
def public_variables(state: State, key: AppKey, conversation_id: str) -> ConversationValues:
    """A conversation's stored conversation-variable values (those its last successful turn left)."""
    conversation = state.store.get_conversation(conversation_id)
    check_app(key, conversation.app_id)
    return ConversationValues(variables=ConversationVariables(state.store.engine).load(conversation_id))


# -- console (draft preview) ------------------------------------------------------------------------
@console.get("/workflows/{workflow_id}/app", response_model=AppPublic)
def get_draft_app(state: State, workflow_id: str) -> AppPublic:
    return app_info(workflow_id, state.store.get_workflow(workflow_id).definition)


@console.post("/workflows/{workflow_id}/chat", response_model=ChatReply)
async def preview_message(state: State, workflow_id: str, body: ChatCreate) -> Response:
    row = await asyncio.to_thread(state.store.get_workflow, workflow_id)
    return await chat(state, workflow_id, row.definition, None, body, "console", None)


@console.get("/workflows/{workflow_id}/conversations", response_model=ConversationList)
def list_draft_conversations(state: State, workflow_id: str, user: str | None = None) -> ConversationList:
    state.store.get_workflow(workflow_id)
    return ConversationList.of(state.store.list_conversations(workflow_id, user))


@console.get("/conversations/{conversation_id}/messages", response_model=MessageList)
def list_draft_messages(state: State, conversation_id: str) -> MessageList:
    state.store.get_conversation(conversation_id)
    return MessageList.of(state.store.messages(conversation_id))


@console.get("/conversations/{conversation_id}/variables", response_model=ConversationValues)
def draft_variables(state: State, conversation_id: str) -> ConversationValues:
    state.store.get_conversation(conversation_id)
    return ConversationValues(variables=ConversationVariables(state.store.engine).load(conversation_id))


@console.delete("/conversations/{conversation_id}", status_code=204)
def delete_conversation(state: State, conversation_id: str) -> None:
    state.store.get_conversation(conversation_id)
    state.store.delete_conversation(conversation_id)
