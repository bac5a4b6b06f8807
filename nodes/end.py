"""``end``: the workflow's outputs, with an optional ``answer_template``."""

from __future__ import annotations

from engine import templates
from engine.errors import Issue
from engine.models import NodeDef, Strict
from engine.spec import NodeContext, NodeResult, NodeSpec, Services


class EndConfig(Strict):
    """End node settings."""

    answer_template: str | None = None


def outputs(node: NodeDef, config: EndConfig, services: Services | None) -> dict[str, str]:
    declared = dict.fromkeys(node.inputs, "any")
    if config.answer_template is not None:
        declared["answer"] = "string"
    return declared


def check(node: NodeDef, config: EndConfig, services: Services | None) -> list[Issue]:
    if config.answer_template is None:
        return []
    return templates.check(node, config.answer_template, "config.answer_template")


async def run(ctx: NodeContext, config: EndConfig) -> NodeResult:
    values = dict(ctx.inputs)
    if config.answer_template is not None:
        values["answer"] = templates.render(config.answer_template, ctx.inputs)
    return NodeResult(outputs=values)


SPEC = NodeSpec(type="end", title="End", config_model=EndConfig, run=run, outputs=outputs, check=check)
