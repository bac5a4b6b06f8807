"""Request and response shapes of the agent API (console ``/api/agents``, public ``/v1/agents``); keys,
conversations and messages have every app's shapes (server/api/app_schemas.py)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

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
