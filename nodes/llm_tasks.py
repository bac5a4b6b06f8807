"""What the task nodes built on one model call share (question-classifier, parameter-extractor).

    TaskModel         the model settings: ``model``, ``preset``, ``params``, ``instructions``, ``json_mode``
    model_issues()    validation of those settings (instructions' ``{{name}}``, preset, unknown model)
    ask()             one non-streaming chat call; JSON mode where the model takes it, plain text where it
                      refuses ``response_format``
    strip_reasoning() the reply without ``<think>…</think>`` blocks (reasoning models)
    find_json()       the first JSON value in a reply: whole, fenced, or embedded in prose
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import Field

from engine import templates
from engine.errors import Issue, NodeError
from engine.models import NodeDef, Strict
from engine.spec import NodeContext, Services
from nodes.llm import LLMParams, model_choice_issues


class TaskModel(Strict):
    """The model a task node calls and how."""

    model: str = "default"
    preset: str | None = Field(None, description="an inference preset (GET /api/models/presets), under params")
    params: LLMParams = Field(default_factory=LLMParams)
    instructions: str = Field("", description="extra guidance for the model; may use {{name}} over the inputs")
    json_mode: bool = Field(True, description="ask for a JSON reply (response_format) where the model takes it")


def model_issues(node: NodeDef, config: TaskModel, services: Services | None) -> list[Issue]:
    return [*templates.check(node, config.instructions, "config.instructions"),
            *model_choice_issues(node, config.model, config.preset, services)]


def query_issues(node: NodeDef, what: str) -> list[Issue]:
    """Task nodes read the text they work on from the input named ``query``."""
    if "query" in node.inputs:
        return []
    return [Issue(node.id, "inputs.query", f"add an input named 'query' holding the text to {what}")]


async def ask(ctx: NodeContext, config: TaskModel, messages: list[dict[str, str]]) -> tuple[str, Any]:
    """The model's reply text and usage. A model that refuses ``response_format`` is asked again without it."""
    llm = ctx.services.llm
    if llm is None:
        raise NodeError("no model gateway is configured", retryable=False)
    params = config.params.model_dump(exclude_none=True)
    try:
        reply = await llm.chat(config.model, messages, params, json_mode=config.json_mode, preset=config.preset)
    except NodeError as exc:
        if not (config.json_mode and "response_format" in str(exc)):
            raise
        reply = await llm.chat(config.model, messages, params, json_mode=False, preset=config.preset)
    return reply.text, reply.usage


_THINK = re.compile(r"<think>.*?</think>", re.S | re.I)
_FENCED = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.S)


def strip_reasoning(text: str) -> str:
    """The reply after any ``<think>`` block (an unclosed one keeps only what follows ``</think>``)."""
    text = _THINK.sub("", text)
    if "</think>" in text:
        text = text.rsplit("</think>", 1)[1]
    return text.strip()


def find_json(text: str) -> Any:
    """The JSON value the reply holds (whole, in a fence, or the outermost ``{…}`` in prose); ``None`` if none."""
    body = strip_reasoning(text)
    candidates = [body, *_FENCED.findall(body)]
    start, end = body.find("{"), body.rfind("}")
    if 0 <= start < end:
        candidates.append(body[start:end + 1])
    for candidate in candidates:
        try:
            return json.loads(candidate.strip())
        except json.JSONDecodeError:
            continue
    return None
