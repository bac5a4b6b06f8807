"""``variable-aggregator``: the first of its ordered inputs that is present and non-empty."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from engine.errors import Issue
from engine.models import NodeDef, Strict
from engine.spec import NodeContext, NodeResult, NodeSpec, Services


class AggregatorGroup(Strict):
    """A named output fed by the first non-empty of its listed inputs."""

    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
    inputs: list[str] = Field(min_length=1)


class AggregatorConfig(Strict):
    """Without groups the single output is ``output`` over all inputs in order."""

    groups: list[AggregatorGroup] | None = None


def is_empty(value: Any) -> bool:
    """Absent, empty string (or whitespace), empty list or empty object."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, dict, tuple, set)):
        return not value
    return False


def first_present(values: list[Any]) -> Any:
    return next((v for v in values if not is_empty(v)), None)


def outputs(node: NodeDef, config: AggregatorConfig, services: Services | None) -> dict[str, str]:
    if config.groups:
        return {g.name: "any" for g in config.groups}
    return {"output": "any"}


def check(node: NodeDef, config: AggregatorConfig, services: Services | None) -> list[Issue]:
    issues = []
    if not node.inputs:
        issues.append(Issue(node.id, "inputs", "a variable aggregator needs at least one input"))
    for i, group in enumerate(config.groups or []):
        for name in group.inputs:
            if name not in node.inputs:
                issues.append(Issue(node.id, f"config.groups[{i}].inputs",
                                    f"'{name}' is not an input of this node"))
    return issues


async def run(ctx: NodeContext, config: AggregatorConfig) -> NodeResult:
    if config.groups:
        return NodeResult(outputs={g.name: first_present([ctx.inputs.get(n) for n in g.inputs])
                                   for g in config.groups})
    return NodeResult(outputs={"output": first_present(list(ctx.inputs.values()))})


SPEC = NodeSpec(type="variable-aggregator", title="Variable aggregator", config_model=AggregatorConfig,
                run=run, outputs=outputs, check=check)
