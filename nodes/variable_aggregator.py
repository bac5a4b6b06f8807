"""``variable-aggregator``: the first of its ordered inputs that is present and non-empty."""

from __future__ import annotations

from collections.abc import Iterable
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


def first_present(values: Iterable[Any]) -> Any:
    for value in values:
        if not is_empty(value):
            return value
    return None


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


def grouped(groups: list[AggregatorGroup], inputs: dict[str, Any]) -> dict[str, Any]:
    """Each group's output: the first present of its inputs."""
    return {g.name: first_present([inputs.get(n) for n in g.inputs]) for g in groups}


async def run(ctx: NodeContext, config: AggregatorConfig) -> NodeResult:
    # The comprehension over groups lives in grouped(): here it would make ``ctx`` a closure cell on every run.
    if config.groups:
        return NodeResult(grouped(config.groups, ctx.inputs))
    return NodeResult({"output": first_present(ctx.inputs.values())})


SPEC = NodeSpec(type="variable-aggregator", title="Variable aggregator", config_model=AggregatorConfig,
                run=run, outputs=outputs, check=check)
