"""``llm``: render messages from the node's inputs, call the model gateway, stream text, parse JSON output."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

import jsonschema
from pydantic import Field

from engine import templates
from engine.errors import Issue, NodeError
from engine.models import NodeDef, Strict
from engine.spec import NodeContext, NodeResult, NodeSpec, Services
from nodes import llm_presets as presets


class LLMParams(Strict):
    """Inference parameters; unset ones fall back to the model's recommended params, then the seed defaults."""

    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, ge=0, le=1)
    max_tokens: int | None = Field(None, gt=0, le=1_000_000)
    presence_penalty: float | None = Field(None, ge=-2, le=2)
    frequency_penalty: float | None = Field(None, ge=-2, le=2)
    stop: list[str] | str | None = None
    seed: int | None = None


class Message(Strict):
    """A prompt message; ``content`` may use ``{{name}}`` over the node's inputs."""

    role: Literal["system", "user", "assistant"]
    content: str


class Memory(Strict):
    """Chat mode: how many earlier turns (user + assistant pairs) of ``sys.history`` to include."""

    window: int = Field(10, ge=0, le=100)


class OutputSpec(Strict):
    """Text, or JSON validated against ``schema`` with each property exposed as an output."""

    format: Literal["text", "json"] = "text"
    schema_: dict[str, Any] | None = Field(None, alias="schema")


class LLMConfig(Strict):
    """LLM node settings."""

    model: str = "default"
    preset: str | None = Field(None, description="an inference preset (GET /api/models/presets), under params")
    params: LLMParams = Field(default_factory=LLMParams)
    messages: list[Message] = Field(min_length=1)
    memory: Memory | None = None
    output: OutputSpec = Field(default_factory=OutputSpec)


_JSON_TYPES = {"string": "string", "number": "number", "integer": "integer", "boolean": "boolean",
               "object": "object"}


def _schema_type(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if kind == "array":
        item = _JSON_TYPES.get(str((schema.get("items") or {}).get("type")), "any")
        return f"array[{item}]" if item in ("string", "number", "object") else "any"
    return _JSON_TYPES.get(kind, "any") if isinstance(kind, str) else "any"


def outputs(node: NodeDef, config: LLMConfig, services: Services | None) -> dict[str, str]:
    declared = {"text": "string", "usage": "object"}
    schema = config.output.schema_
    if config.output.format == "json" and schema:
        for name, prop in (schema.get("properties") or {}).items():
            declared.setdefault(name, _schema_type(prop if isinstance(prop, dict) else {}))
    return declared


def check(node: NodeDef, config: LLMConfig, services: Services | None) -> list[Issue]:
    issues = []
    for i, message in enumerate(config.messages):
        issues.extend(templates.check(node, message.content, f"config.messages[{i}].content"))
    schema = config.output.schema_
    if config.output.format == "json" and schema is not None:
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as exc:
            issues.append(Issue(node.id, "config.output.schema", f"invalid JSON Schema: {exc.message}"))
        else:
            if schema.get("type") != "object":
                issues.append(Issue(node.id, "config.output.schema", "the JSON output schema must be an object"))
    params = config.params
    if params.temperature is not None and params.top_p is not None and params.top_p != 1:
        issues.append(Issue(node.id, "config.params", "temperature and top_p are both set; "
                            "change one of them, not both", severity="warning"))
    return [*issues, *model_choice_issues(node, config.model, config.preset, services)]


def model_choice_issues(node: NodeDef, model: str, preset: str | None, services: Services | None) -> list[Issue]:
    """An unknown inference preset (an error) and a model no endpoint serves (a warning: it may be added later)."""
    issues = []
    if preset is not None:
        try:
            presets.get(preset)
        except KeyError as exc:
            issues.append(Issue(node.id, "config.preset", str(exc.args[0]) if exc.args else "unknown preset"))
    llm = services.llm if services else None
    if llm is not None and not llm.has_model(model):
        issues.append(Issue(node.id, "config.model", f"model '{model}' is not configured (set "
                            "LOOM_LLM_BASE_URL, add it to loom.toml, or register it with `loom model` / "
                            "/api/models)", severity="warning"))
    return issues


def render_messages(ctx: NodeContext, config: LLMConfig) -> list[dict[str, str]]:
    """The messages sent to the model: rendered templates, with chat history spliced in before the last turn."""
    rendered = [{"role": m.role, "content": templates.render(m.content, ctx.inputs)} for m in config.messages]
    history = ctx.sys.get("history") if config.memory and ctx.mode == "chat" else None
    if history and config.memory and config.memory.window > 0:
        turns = [{"role": h["role"], "content": str(h.get("content", ""))}
                 for h in history if isinstance(h, dict) and h.get("role") in ("user", "assistant")]
        turns = turns[-2 * config.memory.window:]
        systems = [m for m in rendered if m["role"] == "system"]
        rest = [m for m in rendered if m["role"] != "system"]
        rendered = systems + turns + rest
    return rendered


def params_for(config: LLMConfig) -> dict[str, Any]:
    return config.params.model_dump(exclude_none=True)


_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.S)


def parse_json_output(text: str, schema: dict[str, Any] | None) -> dict[str, Any]:
    """Parse the model's JSON answer (fences tolerated) and validate it against ``schema``."""
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1)
    try:
        value = json.loads(body)
    except json.JSONDecodeError:
        start, end = body.find("{"), body.rfind("}")
        try:
            value = json.loads(body[start:end + 1]) if 0 <= start < end else None
        except json.JSONDecodeError:
            value = None
        if value is None:
            raise NodeError(f"model returned invalid JSON: {text[:200]!r}") from None
    if not isinstance(value, dict):
        raise NodeError(f"model returned JSON that is not an object: {text[:200]!r}")
    if schema:
        errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(value), key=lambda e: e.path)
        if errors:
            first = errors[0]
            where = "/".join(str(p) for p in first.path) or "(root)"
            raise NodeError(f"model JSON does not match the output schema at {where}: {first.message}")
    return value


async def run(ctx: NodeContext, config: LLMConfig) -> NodeResult:
    llm = ctx.services.llm
    if llm is None:
        raise NodeError("no model gateway is configured", retryable=False)
    json_mode = config.output.format == "json"
    result = await llm.chat(config.model, render_messages(ctx, config), params_for(config),
                            json_mode=json_mode, on_delta=None if json_mode else ctx.emit_chunk,
                            preset=config.preset)
    values: dict[str, Any] = {"text": result.text, "usage": result.usage.as_dict()}
    if json_mode:
        parsed = parse_json_output(result.text, config.output.schema_)
        for name in outputs(ctx.node, config, None):
            if name not in ("text", "usage"):
                values[name] = parsed.get(name)
    return NodeResult(outputs=values, usage=result.usage)


SPEC = NodeSpec(type="llm", title="LLM", config_model=LLMConfig, run=run, outputs=outputs, check=check,
                default_timeout_s=300)
