"""Request and response shapes of the agent API (console ``/api/agents``, public ``/v1/agents``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agents.spec import AgentConfig


class AgentSummary(BaseModel):
    """An agent app as listed."""

    id: str
    name: str
    icon: str
    description: str
    version: int  # 0: never published
    created_at: float
    updated_at: float


class AgentPublic(AgentSummary):
    """An agent app: its draft config, the published version number, and problems found in its references."""

    config: AgentConfig
    issues: list[str] = Field(default_factory=list)  # skills or knowledge bases this server cannot resolve


class AgentList(BaseModel):
    items: list[AgentSummary]


class AgentInfo(BaseModel):
    """What a chat client shows before the first message."""

    id: str
    name: str
    icon: str
    description: str
    opening_statement: str
    suggested_questions: list[str]


class ToolPublic(BaseModel):
    """A tool the agent offers the model (as resolved now)."""

    name: str
    kind: str  # plugin | workflow | knowledge
    source: str
    description: str
    parameters: dict[str, Any]


class AgentReply(BaseModel):
    """The agent's answer to one message; ``run_id`` and ``message_id`` are the turn id."""

    conversation_id: str
    answer: str
    run_id: str
    message_id: str | None
    status: str  # succeeded | failed | step_limit
    error: str | None


class ConversationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    agent_id: str
    source: str
    user: str | None
    name: str
    created_at: float
    updated_at: float


class ConversationList(BaseModel):
    items: list[ConversationPublic]


class TurnSummary(BaseModel):
    """One turn as listed: the message, the answer, how it ended."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    conversation_id: str
    agent_id: str
    query: str
    answer: str
    status: str
    error: str | None
    usage: dict[str, Any]
    elapsed_ms: float
    created_at: float
    finished_at: float | None


class TurnList(BaseModel):
    items: list[TurnSummary]


class TurnDetail(TurnSummary):
    """A turn with its trace: retrieval, model and tool steps in the order they finished."""

    trace: list[dict[str, Any]]
    config: dict[str, Any]


class KeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    agent_id: str
    name: str
    prefix: str
    created_at: float
    revoked_at: float | None


class KeyCreated(KeyPublic):
    """A new key; ``key`` is shown this once."""

    key: str
