"""``template-transform``: render a Jinja2 template over the node's inputs in a sandbox; output ``output``.

The template runs in ``jinja2.sandbox.ImmutableSandboxedEnvironment`` (no attribute access to internals, no
mutation of inputs, ``range`` bounded). Rendering happens in a worker thread so the node's timeout holds; it
stops as soon as the text passes ``MAX_OUTPUT_CHARS`` or the deadline passes. Errors name the template line.
"""

from __future__ import annotations

import asyncio
import time
from functools import partial
from types import TracebackType
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import Field

from engine.errors import Issue, NodeError
from engine.models import NodeDef, Strict
from engine.spec import NodeContext, NodeResult, NodeSpec, Services

MAX_TEMPLATE_CHARS = 100_000
MAX_OUTPUT_CHARS = 100_000
RENDER_TIMEOUT_S = 10.0
_NAME = "<template>"


class TemplateConfig(Strict):
    """The Jinja2 template; its variables are the node's inputs. ``null_text``: what ``{{ x }}`` writes for a
    null value (nothing by default, like ``{{name}}`` elsewhere; ``None`` as Python's Jinja2 writes it)."""

    template: str = Field(min_length=1, max_length=MAX_TEMPLATE_CHARS)
    null_text: str = Field("", max_length=100)


def environment(null_text: str = "") -> ImmutableSandboxedEnvironment:
    """A fresh sandboxed environment (cheap; one per render keeps threads apart)."""
    def finalize(value: Any) -> Any:
        return null_text if value is None else value

    return ImmutableSandboxedEnvironment(autoescape=False, keep_trailing_newline=True, finalize=finalize)


def outputs(node: NodeDef, config: TemplateConfig, services: Services | None) -> dict[str, str]:
    return {"output": "string"}


def check(node: NodeDef, config: TemplateConfig, services: Services | None) -> list[Issue]:
    """The template parses, and every variable it reads is an input of the node."""
    env = environment()
    try:
        parsed = env.parse(config.template, name=_NAME)
    except TemplateSyntaxError as exc:
        return [Issue(node.id, "config.template", f"line {exc.lineno}: {exc.message}")]
    missing = sorted(meta.find_undeclared_variables(parsed) - set(node.inputs) - set(env.globals))
    return [Issue(node.id, "config.template", f"'{name}' is not an input of this node; add it to inputs "
                  f"(inputs: {', '.join(sorted(node.inputs)) or 'none'})") for name in missing]


def _template_line(tb: TracebackType | None) -> int | None:
    """The template line of the innermost traceback frame that belongs to the template (Jinja rewrites them)."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == _NAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render(template: str, values: dict[str, Any], *, max_chars: int = MAX_OUTPUT_CHARS,
           timeout_s: float = RENDER_TIMEOUT_S, null_text: str = "") -> str:
    """Render ``template`` over ``values``; a ``NodeError`` (not retryable) names the line of a failure."""
    deadline = time.monotonic() + timeout_s
    try:
        compiled = environment(null_text).from_string(template)
    except TemplateSyntaxError as exc:
        raise NodeError(f"template line {exc.lineno}: {exc.message}", retryable=False) from None
    parts: list[str] = []
    size = 0
    try:
        for part in compiled.generate(**values):
            size += len(part)
            if size > max_chars:
                raise NodeError(f"the rendered text is longer than {max_chars:,} characters (the limit)",
                                retryable=False)
            if time.monotonic() > deadline:
                raise NodeError(f"rendering took longer than {timeout_s:g} s", retryable=False)
            parts.append(part)
    except NodeError:
        raise
    except (TemplateError, ArithmeticError, TypeError, ValueError, LookupError, AttributeError) as exc:
        line = _template_line(exc.__traceback__)
        where = f"template line {line}" if line is not None else "template"
        raise NodeError(f"{where}: {type(exc).__name__}: {exc}", retryable=False) from None
    return "".join(parts)


async def run(ctx: NodeContext, config: TemplateConfig) -> NodeResult:
    text = await asyncio.to_thread(partial(render, null_text=config.null_text), config.template, dict(ctx.inputs))
    return NodeResult(outputs={"output": text})


SPEC = NodeSpec(type="template-transform", title="Template", config_model=TemplateConfig, run=run,
                outputs=outputs, check=check, default_timeout_s=RENDER_TIMEOUT_S + 5)
