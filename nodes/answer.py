"""``answer``: a chat reply streamed as its ``{{name}}`` template is rendered over the node's inputs.

The node runs once its upstream nodes have finished; it then emits its text as ``answer_chunk`` events, piece
by piece in template order (each literal stretch, then each input's text). Several answer nodes on different
branches each stream when reached; the chat reply is every answer that ran, joined in the order it streamed
(``run_finished.answer``). The rendered text is also the node's ``answer`` output.
"""

from __future__ import annotations

from pydantic import Field

from engine import templates
from engine.errors import Issue
from engine.models import NodeDef, Strict
from engine.spec import NodeContext, NodeResult, NodeSpec, Services

MAX_TEMPLATE_CHARS = 100_000


class AnswerConfig(Strict):
    """The reply's template; ``{{name}}`` reads the node's input ``name``."""

    text: str = Field(min_length=1, max_length=MAX_TEMPLATE_CHARS)


def outputs(node: NodeDef, config: AnswerConfig, services: Services | None) -> dict[str, str]:
    return {"answer": "string"}


def check(node: NodeDef, config: AnswerConfig, services: Services | None) -> list[Issue]:
    return templates.check(node, config.text, "config.text")


def pieces(template: str, values: dict[str, object]) -> list[str]:
    """The template's text in streaming order: literal stretches and rendered inputs (empty ones dropped)."""
    parts: list[str] = []
    position = 0
    for match in templates.PLACEHOLDER.finditer(template):
        parts.append(template[position:match.start()])
        parts.append(templates.to_text(values.get(match.group(1))))
        position = match.end()
    parts.append(template[position:])
    return [part for part in parts if part]


def streams_through(node: NodeDef, config: AnswerConfig) -> tuple[str, str] | None:
    """The first input of the template, with the literal text before it: when it reads an LLM's ``text``, the
    runner streams the model's tokens through this node as they arrive (engine.passthrough)."""
    match = templates.PLACEHOLDER.search(config.text)
    return None if match is None else (config.text[:match.start()], match.group(1))


async def run(ctx: NodeContext, config: AnswerConfig) -> NodeResult:
    parts = pieces(config.text, ctx.inputs)
    for part in parts:
        ctx.emit_answer_chunk(part)
    return NodeResult(outputs={"answer": "".join(parts)})


SPEC = NodeSpec(type="answer", title="Answer", config_model=AnswerConfig, run=run, outputs=outputs, check=check,
                streams_through=streams_through)
