"""Agent app errors. The server maps them to HTTP in its one table (``server.app.ERROR_STATUS``).

    AgentError        an agent app cannot be run as configured (400)
    └── SkillError    a skill or knowledge base of the app cannot be resolved; names the skill (400)

``tools.ToolFailed`` stands apart: a tool that ran and failed, whose message the loop hands to the model.
"""

from __future__ import annotations


class AgentError(Exception):
    """Root of the agent app errors; the message is shown to the client."""


class SkillError(AgentError):
    """A skill or knowledge base the app names is not available; the message names it (``skills[2]: ...``)."""
