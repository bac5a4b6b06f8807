"""``if-else``: cases of and/or conditions, tried in order; the first that holds picks its handle, else ``else``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator

from engine.errors import Issue, NodeError
from engine.models import Literal_, NodeDef, Ref, Strict, ValueSource
from engine.spec import NodeContext, NodeResult, NodeSpec, RefUse, Services
from engine.types import infer_type, is_compatible
from nodes.conditions import LEFT_TYPES, RIGHT_TYPES, UNARY, Operator, evaluate

RESERVED_HANDLES = {"else", "error", "out"}


class Condition(Strict):
    """``left op right``; unary operators take no ``right``."""

    left: ValueSource
    op: Operator
    right: ValueSource | None = None


class Case(Strict):
    """A branch: its id is the handle its outgoing edge uses."""

    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
    logic: Literal["and", "or"] = "and"
    conditions: list[Condition] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in RESERVED_HANDLES:
            raise ValueError(f"'{value}' is reserved; choose another case id")
        return value


class IfElseConfig(Strict):
    """The cases, in order; ``else`` is implicit."""

    cases: list[Case] = Field(min_length=1)


def handles(config: IfElseConfig) -> list[str]:
    return [case.id for case in config.cases] + ["else"]


def outputs(node: NodeDef, config: IfElseConfig, services: Services | None) -> dict[str, str]:
    return {"case_id": "string"}


def refs(node: NodeDef, config: IfElseConfig, services: Services | None) -> list[RefUse]:
    uses = []
    for i, case in enumerate(config.cases):
        for j, cond in enumerate(case.conditions):
            where = f"config.cases[{i}].conditions[{j}]"
            purpose = f"operator '{cond.op}'"
            uses.append(RefUse(f"{where}.left", cond.left, LEFT_TYPES[cond.op], purpose))
            if cond.right is not None:
                uses.append(RefUse(f"{where}.right", cond.right, RIGHT_TYPES.get(cond.op, ("any",)), purpose))
    return uses


def check(node: NodeDef, config: IfElseConfig, services: Services | None) -> list[Issue]:
    issues, seen = [], set()
    for i, case in enumerate(config.cases):
        if case.id in seen:
            issues.append(Issue(node.id, f"config.cases[{i}].id", f"duplicate case id '{case.id}'"))
        seen.add(case.id)
        for j, cond in enumerate(case.conditions):
            where = f"config.cases[{i}].conditions[{j}]"
            if cond.op in UNARY:
                if cond.right is not None:
                    issues.append(Issue(node.id, f"{where}.right", f"operator '{cond.op}' takes no right operand"))
                continue
            if cond.right is None:
                issues.append(Issue(node.id, f"{where}.right", f"operator '{cond.op}' needs a right operand"))
            elif isinstance(cond.right, Literal_):
                issues.extend(_literal_issues(node, f"{where}.right", cond.op, cond.right.value,
                                              RIGHT_TYPES.get(cond.op, ("any",))))
            if isinstance(cond.left, Literal_):
                issues.extend(_literal_issues(node, f"{where}.left", cond.op, cond.left.value, LEFT_TYPES[cond.op]))
    return issues


def _literal_issues(node: NodeDef, field: str, op: str, value: object, wanted: tuple[str, ...]) -> list[Issue]:
    actual = infer_type(value)
    if value is None or any(is_compatible(actual, t) for t in wanted):
        return []
    return [Issue(node.id, field, f"{value!r} is {actual}, but operator '{op}' needs {' or '.join(wanted)}")]


async def run(ctx: NodeContext, config: IfElseConfig) -> NodeResult:
    for case in config.cases:
        results = (_holds(ctx, cond) for cond in case.conditions)
        matched = all(results) if case.logic == "and" else any(results)
        if matched:
            return NodeResult(outputs={"case_id": case.id}, branch=case.id)
    return NodeResult(outputs={"case_id": "else"}, branch="else")


def _holds(ctx: NodeContext, cond: Condition) -> bool:
    left = ctx.resolve(cond.left)
    right = ctx.resolve(cond.right) if cond.right is not None else None
    try:
        return evaluate(cond.op, left, right)
    except NodeError as exc:
        where = cond.left.ref if isinstance(cond.left, Ref) else "literal"
        # The same operands fail the same way: retrying cannot help.
        raise NodeError(f"condition on {where} ({cond.op}): {exc}", retryable=False) from None


def default_branch(default_outputs: dict[str, Any]) -> str:
    """With ``on_error`` default outputs, the case they name (``case_id``), else ``else``."""
    return str(default_outputs.get("case_id", "else"))


SPEC = NodeSpec(type="if-else", title="If / else", config_model=IfElseConfig, run=run, outputs=outputs,
                handles=handles, check=check, refs=refs, takes_inputs=False, default_branch=default_branch)
