"""``loop``: repeats its sub-graph until its conditions hold or ``max_rounds`` rounds have run.

Loop variables are typed and start from ``value`` (a literal or a ref read when the loop starts); children read them as
``<loop_id>.<name>``, and ``<loop_id>.index`` (the round, from 0). After each round, each variable with an
``update`` takes the value that ref reads in the sub-graph; then the ``until`` conditions (the if-else operators;
``all`` or ``any`` of them) are evaluated over the updated variables and the round's outputs. The sub-graph runs at
least once, unless ``check_first`` is set: then the conditions are also evaluated before the first round, over the
initial variables and what is upstream, and the loop makes no round when they hold (a condition reading a node
inside the sub-graph, which has not run yet, ends that check unmet, as do the conditions after it). Outputs: the
variables' final values and ``rounds``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from engine.errors import NodeError
from engine.models import NodeDef, Ref, Strict, ValueSource
from engine.spec import Container, NodeContext, NodeResult, NodeSpec, RefUse, Services, input_refs
from engine.types import VarType, check_value, describe
from engine.variables import follow
from nodes.conditions import LEFT_TYPES, RIGHT_TYPES, UNARY, Operator, evaluate
from nodes.containers import SubGraph, body

RESERVED = ("index", "rounds")


class LoopVariable(Strict):
    """A typed variable carried from round to round."""

    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
    type: VarType
    value: ValueSource  # the initial value
    update: Ref | None = None  # the sub-graph output that becomes the value after each round


class LoopCondition(Strict):
    """``left op right``; unary operators take no ``right``."""

    left: ValueSource
    op: Operator
    right: ValueSource | None = None


class LoopConfig(SubGraph):
    """The sub-graph, the variables it carries, and when to stop."""

    variables: list[LoopVariable] = Field(default_factory=list)
    logic: Literal["and", "or"] = "and"
    until: list[LoopCondition] = Field(default_factory=list)
    max_rounds: int = Field(10, ge=1, le=100_000)
    check_first: bool = False  # evaluate ``until`` before the first round too

    @model_validator(mode="after")
    def _names(self) -> LoopConfig:
        names = [v.name for v in self.variables]
        for name in names:
            if name in RESERVED:
                raise ValueError(f"'{name}' is reserved (loop variables may not be named {' or '.join(RESERVED)})")
            if names.count(name) > 1:
                raise ValueError(f"duplicate loop variable '{name}'")
        return self


def outputs(node: NodeDef, config: LoopConfig, services: Services | None) -> dict[str, str]:
    return {**{v.name: v.type for v in config.variables}, "rounds": "integer"}


def refs(node: NodeDef, config: LoopConfig, services: Services | None) -> list[RefUse]:
    return [*input_refs(node, config, services),
            *(RefUse(f"config.variables[{i}].value", v.value, (v.type,)) for i, v in enumerate(config.variables))]


def scope(node: NodeDef, config: LoopConfig, ref_type: Callable[[Ref], str | None]) -> dict[str, str]:
    return {**{v.name: v.type for v in config.variables}, "index": "integer"}


def results(config: LoopConfig) -> list[RefUse]:
    uses = [RefUse(f"variables[{i}].update", v.update, (v.type,))
            for i, v in enumerate(config.variables) if v.update is not None]
    for i, cond in enumerate(config.until):
        purpose = f"operator '{cond.op}'"
        uses.append(RefUse(f"until[{i}].left", cond.left, LEFT_TYPES[cond.op], purpose))
        if cond.right is not None and cond.op not in UNARY:
            uses.append(RefUse(f"until[{i}].right", cond.right, RIGHT_TYPES.get(cond.op, ("any",)), purpose))
    return uses


async def run(ctx: NodeContext, config: LoopConfig) -> NodeResult:
    sub = ctx.body
    if sub is None:
        raise NodeError("the sub-graph is not available to this run", retryable=False)
    if config.max_rounds > sub.max_rounds:
        raise NodeError(f"max_rounds {config.max_rounds:,} is over the run limit of {sub.max_rounds:,} rounds",
                        retryable=False)
    values: dict[str, Any] = {}
    for var in config.variables:
        values[var.name] = _checked(var, ctx.resolve(var.value), "initial value")
    rounds = 0
    if config.check_first and config.until and _done_before(ctx, config, values):
        return NodeResult(outputs={**values, "rounds": 0})
    for index in range(config.max_rounds):
        outcome = await sub.run({**values, "index": index}, index)
        if outcome.error is not None:
            raise NodeError(f"round {index}: {outcome.error}", retryable=False)
        for var in config.variables:
            if var.update is not None:
                values[var.name] = _checked(var, outcome.resolve(var.update), f"value after round {index}")
        rounds = index + 1
        if config.until and _done(ctx.node_id, config, {**values, "index": index}, outcome.resolve):
            break
    return NodeResult(outputs={**values, "rounds": rounds})


def _checked(var: LoopVariable, value: Any, what: str) -> Any:
    if value is not None and not check_value(var.type, value):
        raise NodeError(f"loop variable '{var.name}': {what} is {describe(value)}, not {var.type}", retryable=False)
    return value


def _done_before(ctx: NodeContext, config: LoopConfig, values: dict[str, Any]) -> bool:
    """The conditions before the first round, in order: ``and`` stops at the first that fails, ``or`` at the first
    that holds; reaching one that reads inside the sub-graph ends the check unmet."""
    inside = {node.id for node in config.nodes}
    current = {**values, "index": 0}
    for cond in config.until:
        if any(isinstance(source, Ref) and source.node_id in inside for source in (cond.left, cond.right)):
            return False
        held = _done(ctx.node_id, config.model_copy(update={"until": [cond]}), current, ctx.resolve)
        if held == (config.logic == "or"):
            return held
    return config.logic == "and"


def _done(loop_id: str, config: LoopConfig, current: dict[str, Any],
          resolve: Callable[[ValueSource], Any]) -> bool:
    def read(source: ValueSource | None) -> Any:
        if isinstance(source, Ref) and source.node_id == loop_id:  # the variables as updated this round
            return follow(current.get(source.output), source.path)
        return None if source is None else resolve(source)

    held = (evaluate(c.op, read(c.left), read(c.right)) for c in config.until)
    return all(held) if config.logic == "and" else any(held)


SPEC = NodeSpec(type="loop", title="Loop", config_model=LoopConfig, run=run, outputs=outputs, refs=refs,
                container=Container(body=body, scope=scope, results=results))
