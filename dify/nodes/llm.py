"""The LLM node: prompt messages, memory and the query turn, context, structured output, completion params."""

from __future__ import annotations

import re
from typing import Any

from dify import selectors, templates
from dify.context import Inputs, MapContext
from dify.nodes.base import Built

PARAMS = {"temperature": (0.0, 2.0), "top_p": (0.0, 1.0), "max_tokens": (1, 1_000_000),
          "presence_penalty": (-2.0, 2.0), "frequency_penalty": (-2.0, 2.0)}
DEFAULT_WINDOW = 50  # Dify's window when the memory window is switched off is "as much as fits"


def model_of(dify_id: str, data: dict[str, Any], ctx: MapContext) -> str:
    """Record the Dify model for the user's attention; the Loom node uses the model named ``default``."""
    model = data.get("model") or {}
    name = f"{model.get('provider', '?')}/{model.get('name', '?')}"
    ctx.report.need("model", name, "runs on Loom's 'default' model; pick the model that stands in for it",
                    dify_id)
    return "default"


def params_of(dify_id: str, data: dict[str, Any], ctx: MapContext) -> dict[str, Any]:
    given = (data.get("model") or {}).get("completion_params") or {}
    params: dict[str, Any] = {}
    for key, value in given.items():
        if key in PARAMS and isinstance(value, (int, float)) and not isinstance(value, bool):
            low, high = PARAMS[key]
            params[key] = max(low, min(high, int(value) if key == "max_tokens" else float(value)))
        elif key == "stop" and isinstance(value, (list, str)) and value:
            params["stop"] = value
        elif key == "seed" and isinstance(value, int):
            params["seed"] = value
        else:
            ctx.report.approximate(dify_id, f"completion parameter '{key}' has no Loom equivalent; dropped")
    return params


def llm(dify_id: str, data: dict[str, Any], ctx: MapContext) -> Built:
    inputs = Inputs(ctx, dify_id)
    label = ctx.label(dify_id)
    context = data.get("context") or {}

    def special(dotted: str) -> dict[str, Any] | None:
        if dotted == "context":
            selector = context.get("variable_selector") if context.get("enabled") else None
            return selectors.source(selector, ctx, f"{label}: context") if selector else {"value": ""}
        return None

    jinja_vars = {str(v.get("variable")): v.get("value_selector")
                  for v in (data.get("prompt_config") or {}).get("jinja2_variables") or []}
    raw = data.get("prompt_template") or []
    prompts = [raw] if isinstance(raw, dict) else list(raw)
    messages = []
    for i, prompt in enumerate(prompts):
        where = f"{label}: prompt_template[{i}]"
        role = str(prompt.get("role") or "user")
        if prompt.get("edition_type") == "jinja2":
            text = _jinja_prompt(str(prompt.get("jinja2_text") or ""), jinja_vars, inputs, where, dify_id, ctx)
        else:
            text = templates.rewrite(str(prompt.get("text") or ""), inputs, where, special)
        if text.strip():
            messages.append({"role": role if role in ("system", "user", "assistant") else "user", "content": text})
    config: dict[str, Any] = {"model": model_of(dify_id, data, ctx), "messages": messages}
    params = params_of(dify_id, data, ctx)
    if params:
        config["params"] = params
    memory = data.get("memory")
    if memory and ctx.chat:
        window = memory.get("window") or {}
        size = window.get("size") if window.get("enabled") else DEFAULT_WINDOW
        config["memory"] = {"window": max(0, min(100, int(size or DEFAULT_WINDOW)))}
        query = memory.get("query_prompt_template") or "{{#sys.query#}}"
        text = templates.rewrite(str(query), inputs, f"{label}: memory.query_prompt_template", special)
        messages.append({"role": "user", "content": text})
    if not messages:
        messages.append({"role": "user", "content": " "})
        ctx.report.approximate(dify_id, "the prompt is empty; Loom sends a single blank user message")
    if (data.get("vision") or {}).get("enabled"):
        ctx.report.approximate(dify_id, "vision (image inputs) is not carried over; the model gets text only")
    schema = (data.get("structured_output") or {}).get("schema")
    if data.get("structured_output_enabled") and isinstance(schema, dict):
        config["output"] = {"format": "json", "schema": schema}
        ctx.aliases.setdefault(ctx.ids[dify_id], {})["structured_output"] = _structured
    ctx.aliases.setdefault(ctx.ids[dify_id], {}).setdefault("reasoning_content", lambda path: ["text"])
    return Built(type="llm", config=config, inputs=inputs.values)


def _structured(path: list[str]) -> list[str]:
    # Loom exposes each property of the structured output as an output of its own.
    return path[1:] if len(path) > 1 else ["text"]


def _jinja_prompt(text: str, variables: dict[str, Any], inputs: Inputs, where: str, dify_id: str,
                  ctx: MapContext) -> str:
    """A Jinja2 prompt whose ``{{ name }}`` placeholders read Dify's jinja2 variables; control blocks cannot
    run in a Loom prompt, so they are kept as text and reported."""
    for name, selector in variables.items():
        inputs.set(name, selectors.source(selector, ctx, f"{where}: jinja2_variables.{name}"))
    if "{%" in text or re.search(r"\{\{[^}]*\|", text):
        ctx.report.approximate(dify_id, "a Jinja2 prompt with blocks or filters is sent as a plain {{name}} "
                               "template (put a template-transform node before it for the full Jinja2)")
    return text
